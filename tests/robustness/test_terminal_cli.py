"""Text that attacks the terminal, through ``g60-reader inspect`` as a real process.

Checked on the bytes written: to a pipe (no styling: no ESC at all) and to a
pseudo-terminal (Rich styles with SGR sequences; nothing else may carry an ESC). Each
attack sits in every text field of one article and in a file name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.robustness.conftest import SGR_RE, run_cli, run_on_pty
from tests.robustness.hostile import ATTACKS, attack_jsonl, attack_title, forbidden_in

NAMES = list(ATTACKS)
EVIL_NAME = "\x1b[31mred\x1b[0m\u202etxt.\x07.txt"


@pytest.fixture(scope="module")
def attack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("attacks")
    (root / "attacks.jsonl").write_text(attack_jsonl(), encoding="utf-8")
    (root / EVIL_NAME).write_text("檔名攻擊\n正文。\n", encoding="utf-8")
    return root


def test_json_output_carries_only_the_visible_text(attack_dir: Path, home: Path) -> None:
    run = run_cli(["inspect", "--json", attack_dir], home=home)
    assert run.returncode == 0, run
    assert run.stderr == b""
    assert forbidden_in(run.stdout) == [], run
    assert b"\x1b" not in run.stdout and b"\xc2\x9b" not in run.stdout
    objs = [json.loads(line) for line in run.out.splitlines()]
    assert len(objs) == len(NAMES) + 1
    evil = next(obj for obj in objs if obj["title"] == "檔名攻擊")
    # JSON escapes the name's controls (\u001b ...): a script gets the name back exactly.
    assert evil["path"].endswith(EVIL_NAME)
    attacks = [obj for obj in objs if obj is not evil]
    for name, obj in zip(NAMES, attacks, strict=True):
        payload, visible = ATTACKS[name]
        assert obj["title"] == attack_title(visible), name
        assert obj["subtitle"] == f"副題{visible}", name
        assert obj["byline"] == f"記{visible}者", name
        assert obj["outlet"] == f"來源{visible}報", name
        body = [p["text"] for p in obj["paragraphs"]]
        if len(payload.splitlines()) == 1:
            assert body == [f"正文{visible}第一段。", f"第二段{visible}。"], name
        else:  # CR, NEL, LS: a line break inside the body field starts a new paragraph
            joined = visible.replace(" ", "")
            assert "".join(body) == f"正文{joined}第一段。第二段{joined}。", name


def _visible_lines(data: bytes) -> str:
    return SGR_RE.sub(b"", data).decode("utf-8")


def test_human_output_in_a_pipe_has_no_escape_at_all(attack_dir: Path, home: Path) -> None:
    run = run_cli(["inspect", attack_dir], home=home, env={"COLUMNS": "300"})
    assert run.returncode == 0, run
    assert forbidden_in(run.stdout) == [], run
    text = run.out
    for name, (payload, visible) in ATTACKS.items():
        assert attack_title(visible) in text, name
        if len(payload.splitlines()) == 1:
            assert f"正文{visible}第一段。" in text, name
    # the file name: escapes written as text, never as the bytes themselves
    assert "\\x1b[31mred\\x1b[0m\\u202etxt.\\x07.txt" in text


def test_human_output_on_a_terminal_has_only_rich_styling(attack_dir: Path, home: Path) -> None:
    run = run_on_pty(["inspect", attack_dir], home=home, size=(200, 50))
    assert run.returncode == 0, run
    assert SGR_RE.search(run.stdout), "expected styled output on a terminal"
    plain = SGR_RE.sub(b"", run.stdout)
    assert forbidden_in(plain) == [], run
    text = _visible_lines(run.stdout)
    for name, (payload, visible) in ATTACKS.items():
        assert attack_title(visible) in text, name
        if len(payload.splitlines()) == 1:
            assert f"第二段{visible}。" in text, name
    # Markup is text: the brackets are there and no hyperlink was opened.
    assert "[link=https://evil.example]連結[/link]" in text
    assert b"\x1b]8;" not in run.stdout


def test_error_lines_escape_hostile_names(tmp_path: Path, home: Path) -> None:
    names = [
        "\x1b]52;c;ZWNobyBvd25lZA==\x07.txt",  # OSC 52: would set the clipboard
        "\x1b]8;;https:evil.example\x1b\\link.md",  # OSC 8 hyperlink (no slash in names)
        "\u202egnp.txt",  # bidi override: would show as "txt.png"
        "[bold]markup[link=https:x].txt",
        "bell\x07\x08\x7f.txt",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"")  # empty: an error line names each file
    for runner in (run_cli, run_on_pty):
        run = runner(["inspect", tmp_path], home=home)
        assert run.returncode == 1, run
        err = run.stderr
        assert forbidden_in(err) == [], run
        assert forbidden_in(SGR_RE.sub(b"", run.stdout)) == [], run
        lines = [line for line in run.err.splitlines() if line]
        assert len(lines) == len(names), run
        assert any("[bold]markup[link=https:x].txt: empty file" in line for line in lines)
        assert any(re.search(r"\\u202egnp\.txt: empty file", line) for line in lines)
        assert any("\\x1b]52;c;ZWNobyBvd25lZA==\\x07.txt: empty file" in line for line in lines)
