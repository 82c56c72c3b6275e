"""``g60-reader inspect``: human and JSON output, bad files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from g60_reader.tui.cmd_inspect import inspect_command


def run(*args: str):
    return CliRunner().invoke(inspect_command, list(args))


def test_no_path_inspects_the_bundled_sample(gold):
    result = run()
    assert result.exit_code == 0, result.output
    out = result.output
    assert gold["metadata"]["title"] in out
    assert "金華日報" in out
    assert "盛游" in out
    assert "damage: 3 lost character(s)" in out
    assert "?jiǎng)" in out
    assert "(biāo)" not in out
    assert "\x1b" not in out  # no colour codes when not writing to a terminal


def test_json_output_of_the_sample(gold, sample_path):
    result = run("--json")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert set(obj) == {
        "id",
        "path",
        "title",
        "subtitle",
        "outlet",
        "dateline",
        "byline",
        "published",
        "source_credit",
        "codec",
        "date_text",
        "paragraphs",
        "damage",
    }
    assert obj["title"] == gold["metadata"]["title"]
    assert obj["outlet"] == gold["metadata"]["source"]
    assert obj["byline"] == gold["metadata"]["reporter"]
    assert obj["published"] is None  # the sample says 12月11日至12日 of no year
    assert obj["codec"] == "UTF-8"
    assert obj["date_text"] == "12月11日至12日"
    assert obj["path"] == str(sample_path)
    assert [p["n"] for p in obj["paragraphs"]] == [1, 2, 3, 4, 5, 6]
    assert [(d["part"], d["paragraph"]) for d in obj["damage"]] == [
        ("subtitle", None),
        ("body", 2),
        ("body", 2),
    ]
    paragraph_2 = obj["paragraphs"][1]["text"]
    assert all(paragraph_2[d["offset"]] == "〓" for d in obj["damage"][1:])


def test_bad_file_is_one_stderr_line_and_others_still_print(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("好標題\n正文一段。", encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.txt"
    result = run("--json", str(empty), str(good), str(missing))
    assert result.exit_code == 1
    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == ["好標題"]
    assert result.stderr.splitlines() == [
        f"g60-reader: {empty}: empty file",
        f"g60-reader: {missing}: no such file or directory",
    ]


def test_jsonl_broken_line_names_the_line(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_text('{"title": "一", "content": "甲。"}\n{broken\n', encoding="utf-8")
    result = run("--json", str(path))
    assert result.exit_code == 1
    assert json.loads(result.stdout)["title"] == "一"
    assert result.stderr.startswith(f"g60-reader: {path}:2: invalid JSON")
    assert len(result.stderr.splitlines()) == 1


def test_article_text_is_never_markup(tmp_path):
    path = tmp_path / "markup.txt"
    path.write_text(
        "[bold red]標題[/bold red] :smile:\n[link=http://x]正文[/link]。", encoding="utf-8"
    )
    result = run(str(path))
    assert result.exit_code == 0
    assert "[bold red]標題[/bold red] :smile:" in result.output
    assert "[link=http://x]正文[/link]。" in result.output


def test_escape_sequences_in_a_file_do_not_reach_the_terminal(tmp_path):
    path = tmp_path / "esc.txt"
    path.write_bytes("標題\x1b]0;owned\x07\n正文\x1b[2J一段。".encode())
    for args in ([str(path)], ["--json", str(path)]):
        result = run(*args)
        assert result.exit_code == 0
        assert "\x1b" not in result.output
        assert "\x07" not in result.output


def test_directory_argument(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("甲\n甲文。", encoding="utf-8")
    (tmp_path / "y.md").write_text("# 乙\n乙文。", encoding="utf-8")
    result = run("--json", str(tmp_path))
    assert result.exit_code == 0
    assert [json.loads(line)["title"] for line in result.output.splitlines()] == ["甲", "乙"]


def test_inspect_does_not_import_textual():
    code = (
        "import sys; from g60_reader.tui.cmd_inspect import inspect_command; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.skipif(sys.platform == "darwin", reason="APFS refuses undecodable file names")
def test_non_utf8_path_is_printed_safely(tmp_path):
    name = Path(tmp_path / b"bad\xff.txt".decode("utf-8", "surrogateescape"))
    name.write_text("標題\n正文。", encoding="utf-8")
    result = run("--json", str(name))
    assert result.exit_code == 0
    assert json.loads(result.output)["path"].endswith("bad\ufffd.txt")


def test_control_characters_in_paths_are_shown_escaped(tmp_path):
    missing = tmp_path / "\x1b[2Jgone\u202e.txt"
    result = run(str(missing))
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert result.stderr.strip().endswith("\\x1b[2Jgone\\u202e.txt: no such file or directory")

    present = tmp_path / "tab\there\x9b.txt"
    present.write_text("標題\n正文。", encoding="utf-8")
    result = run("--json", str(present))
    assert result.exit_code == 0
    assert "\x9b" not in result.output
    assert json.loads(result.output)["path"] == str(present)  # escaped, not altered
    human = run(str(present))
    assert "\x9b" not in human.output and "\t" not in human.output


def test_json_carries_each_paragraphs_entity_spans():
    result = run("--json")
    assert result.exit_code == 0, result.output
    article = json.loads(result.output.splitlines()[0])
    seen: set[tuple[str, str]] = set()
    for paragraph in article["paragraphs"]:
        for entity in paragraph["entities"]:
            # spans are offsets into the paragraph text as printed
            assert paragraph["text"][entity["start"] : entity["end"]] == entity["text"]
            seen.add((entity["type"], entity["text"]))
    assert {("person", "陳龍"), ("place", "嘉興"), ("date", "12月11日至12日")} <= seen
    assert ("organization", "零跑科技有限公司") in seen
    assert ("initiative", "G60科創走廊") in seen


def test_no_entities_flag_leaves_them_out():
    result = run("--json", "--no-entities")
    article = json.loads(result.output.splitlines()[0])
    assert all("entities" not in p for p in article["paragraphs"])
