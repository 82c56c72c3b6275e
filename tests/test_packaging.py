"""The built wheel installs only under g60_reader and carries its data files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("g60_reader-*.whl")
    return zipfile.ZipFile(path)


def test_wheel_has_no_generic_top_level_modules(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    dist_info = {t for t in tops if t.endswith(".dist-info")}
    assert tops - dist_info == {"g60_reader"}


def test_wheel_carries_the_sample_gazetteer_and_css(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    assert "g60_reader/corpus/data/000_c6dd73ee9f6b25ea.txt" in names
    assert "g60_reader/corpus/data/gazetteer.tsv" in names
    assert "g60_reader/corpus/data/organisations.tsv" in names
    assert "g60_reader/tui/app.tcss" in names
    for layer in ("corpus", "index", "tui"):
        assert f"g60_reader/{layer}/__init__.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "g60-reader = g60_reader.tui.cli:main" in wheel.read(entry_points).decode()


def test_installed_wheel_runs_inspect_on_its_bundled_sample(
    wheel: zipfile.ZipFile, tmp_path: Path
) -> None:
    # Unpack the wheel into its own directory and run from there, away from the checkout.
    wheel.extractall(tmp_path / "site")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from g60_reader.corpus.readers import load_sample, SAMPLE_PATH;"
        "a = load_sample(); print(SAMPLE_PATH); print(a.title, len(a.paragraphs))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code, str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    sample_path, line = done.stdout.splitlines()[:2]
    assert sample_path.startswith(str(tmp_path / "site"))
    assert line == "九地市政協共商G60科創走廊更高質量發展 6"
