"""The user's keymap file remaps keys by binding id."""

from __future__ import annotations

from pathlib import Path

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.keymap import load_keymap, parse_keymap
from g60_reader.tui.screens.help import HelpScreen
from tests.tui.conftest import settle

KNOWN = {"help", "next_hit", "quit"}


def test_parse_keymap_reads_ids_and_reports_bad_lines() -> None:
    text = '# mine\nhelp = "h"\nnext_hit = \'ctrl+n, f3\'  # two keys\nbogus = "x"\nquit\n'
    keymap, problems = parse_keymap(text, KNOWN)
    assert keymap == {"help": "h", "next_hit": "ctrl+n,f3"}
    assert problems == ["line 4: unknown binding id 'bogus'", 'line 5: expected  id = "keys"']


def test_missing_keymap_file_is_no_remapping(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "nope.toml", KNOWN) == ({}, [])


async def test_keymap_file_remaps_a_binding(
    sample_index: tuple[Path, SearchBackend], make_app: object, tmp_path: Path
) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text('help = "f2"\n', encoding="utf-8")
    app = make_app(sample_index[1], keymap_path=path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await pilot.press("question_mark")  # no longer bound
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = dict((description, keys) for keys, description in app.screen.keys)
        assert rows["this help"].lower() == "f2"
