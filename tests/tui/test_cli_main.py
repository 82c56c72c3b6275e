"""The g60-reader command group: subcommands stay free of Textual, options propagate."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from g60_reader.index.paths import default_index_dir
from g60_reader.tui.cli import main


def test_every_subcommand_is_registered() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("index", "search", "stats", "entities", "inspect"):
        assert f"  {name} " in result.output


def test_top_level_index_dir_applies_to_subcommands(tmp_path: Path) -> None:
    from g60_reader.corpus.readers import SAMPLE_PATH

    index_dir = tmp_path / "ix"
    result = CliRunner().invoke(main, ["--index-dir", str(index_dir), "index", str(SAMPLE_PATH)])
    assert result.exit_code == 0, result.output
    assert any(index_dir.iterdir())  # the sample was indexed there ...
    assert not default_index_dir().exists()  # ... and not in the default place
    result = CliRunner().invoke(main, ["--index-dir", str(index_dir), "search", "零跑", "--json"])
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert [h["paragraph"] for h in hits] == [6]


def test_the_command_line_does_not_import_textual_unless_it_opens_the_reader(
    tmp_path: Path,
) -> None:
    from g60_reader.corpus.readers import SAMPLE_PATH

    code = (
        "import sys\n"
        "from g60_reader.tui.cli import main\n"
        f"main(['--index-dir', {str(tmp_path / 'ix')!r}, 'index', {str(SAMPLE_PATH)!r}],"
        " standalone_mode=False)\n"
        f"main(['--index-dir', {str(tmp_path / 'ix')!r}, 'stats'], standalone_mode=False)\n"
        "print('TEXTUAL', any(m.split('.')[0] == 'textual' for m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "TEXTUAL False"


def test_searching_does_not_import_the_html_readers(tmp_path: Path) -> None:
    """``search`` opens an index: trafilatura and htmldate (0.4 s of imports) are for
    reading files, and every command's module is imported by the command line."""
    from g60_reader.corpus.readers import SAMPLE_PATH

    ix = str(tmp_path / "ix")
    build = f"main(['--index-dir', {ix!r}, 'index', {str(SAMPLE_PATH)!r}], standalone_mode=False)"
    subprocess.run(
        [sys.executable, "-c", f"from g60_reader.tui.cli import main\n{build}\n"],
        capture_output=True,
        text=True,
        check=True,
    )
    code = (
        "import sys\n"
        "from g60_reader.tui.cli import main\n"
        f"main(['--index-dir', {ix!r}, 'search', '长三角', '--json'], standalone_mode=False)\n"
        "print('LOADED', sorted(m for m in ('trafilatura', 'htmldate') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert '"paragraph"' in done.stdout  # it did search
    assert done.stdout.strip().splitlines()[-1] == "LOADED []"
