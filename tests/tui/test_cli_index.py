"""The ``index``, ``search`` and ``stats`` commands (click, no Textual)."""

from __future__ import annotations

import json
import re
import sys

import pytest
from click.testing import CliRunner

from g60_reader.index import analyzer
from g60_reader.index.backends.whoosh.store import WriteLock
from g60_reader.tui.cmd_index import index_command, search_command, stats_command


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("嘉兴新闻\n\n嘉兴市召开科技大会。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("杭州新闻\n\n零跑汽车在杭州发布新车。\n", encoding="utf-8")
    return tmp_path, corpus


def run(cmd, args):
    return CliRunner().invoke(cmd, args, catch_exceptions=False)


REPORT_COLUMNS = ("added", "updated", "unchanged", "removed", "failed", "paragraphs")


def report(stderr: str) -> dict[str, int]:
    """The numbers of the summary table ``index`` prints."""
    rows = [
        [cell.strip() for cell in line.strip("│┃").split("│" if "│" in line else "┃")]
        for line in stderr.splitlines()
        if line.startswith(("│", "┃"))
    ]
    assert rows[0] == [*REPORT_COLUMNS, "seconds"], rows
    return {col: int(v) for col, v in zip(REPORT_COLUMNS, rows[1], strict=False)}


def sample_and(corpus) -> list[str]:
    from g60_reader.corpus.readers import SAMPLE_PATH

    return [str(SAMPLE_PATH), str(corpus)]


def test_index_then_search_and_stats(env):
    tmp, corpus = env
    ix = str(tmp / "ix")
    res = run(index_command, [str(corpus), "--index-dir", ix])
    assert res.exit_code == 0, res.output
    # a new index holds the given articles only (never the bundled sample)
    assert report(res.stderr)["added"] == 2

    res = run(search_command, ["零跑", "--index-dir", ix, "--json"])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert {r["title"] for r in rows} == {"杭州新闻"}
    for r in rows:
        assert set(r) == {
            *("article_id", "paragraph", "title", "outlet", "published", "path"),
            *("cluster", "reprints", "score", "text", "spans"),
        }
        assert (r["cluster"], r["reprints"]) == (None, 0)
        assert r["path"] == str(corpus / "b.txt")
        assert (r["outlet"], r["published"]) == (None, None)  # the file names neither
        for start, end in r["spans"]:
            assert analyzer.fold_normalise(r["text"][start:end]) == "零跑"

    res = run(search_command, ["嘉興", "--index-dir", ix, "--limit", "5"])
    assert res.exit_code == 0
    assert "嘉兴新闻" in res.stdout and "paragraphs in" in res.stdout

    res = run(stats_command, ["--index-dir", ix])
    assert res.exit_code == 0
    assert re.search(r"articles\s+│\s+2\s", res.stdout) and "last update" in res.stdout

    res = run(index_command, [str(corpus), "--index-dir", ix])
    assert res.exit_code == 0
    assert report(res.stderr)["added"] == 0  # nothing added the second time
    assert report(res.stderr)["unchanged"] == 2


def test_failed_files_exit_1_with_one_line_each(env):
    tmp, corpus = env
    (corpus / "bad.txt").write_bytes(b"\x00\xff\x00\xfe" * 100)
    res = run(index_command, [str(corpus), str(tmp / "nope.txt"), "--index-dir", str(tmp / "ix")])
    assert res.exit_code == 1
    lines = res.stderr.splitlines()
    assert any(line.startswith(f"{corpus / 'bad.txt'}: ") for line in lines)
    assert f"{tmp / 'nope.txt'}: no such file or directory" in lines


def test_bad_query_exits_2_with_one_line(env):
    tmp, corpus = env
    run(index_command, [str(corpus), "--index-dir", str(tmp / "ix")])
    res = run(search_command, ["foo:bar", "--index-dir", str(tmp / "ix")])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "unknown field" in res.stderr
    res = run(search_command, ["", "--index-dir", str(tmp / "ix")])
    assert res.exit_code == 2 and "empty query" in res.stderr


def test_search_without_index_says_how_to_make_one(env):
    tmp, _ = env
    res = run(search_command, ["jinhua", "--index-dir", str(tmp / "fresh"), "--json"])
    assert res.exit_code == 2
    assert res.stderr.count("\n") == 1 and "g60-reader index PATH" in res.stderr
    assert not (tmp / "fresh").exists()  # nothing was built there


def test_pinyin_search_of_the_sample(env):
    tmp, corpus = env
    run(index_command, [*sample_and(corpus), "--index-dir", str(tmp / "ix")])
    res = run(search_command, ["jinhua", "--index-dir", str(tmp / "ix"), "--json"])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows and all("金華" in r["text"] for r in rows)


def test_indexing_user_files_drops_the_sample(env):
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    tmp, corpus = env
    ix = tmp / "ix"
    run(index_command, [*sample_and(corpus), "--index-dir", str(ix)])
    assert WhooshBackend(ix).stats().articles == 3
    res = run(index_command, [str(corpus), "--index-dir", str(ix)])
    assert report(res.stderr)["removed"] == 1
    backend = WhooshBackend(ix)
    assert backend.stats().articles == 2
    assert backend.search("九地市政協").total == 0


def test_no_hits_shows_suggestions(env):
    tmp, corpus = env
    run(index_command, [*sample_and(corpus), "--index-dir", str(tmp / "ix")])
    res = run(search_command, ["金化", "--index-dir", str(tmp / "ix")])
    assert res.exit_code == 0
    assert "no hits" in res.stdout and "金华" in res.stdout


def test_busy_index_exits_3(env):
    tmp, corpus = env
    ix = tmp / "ix"
    run(index_command, [str(corpus), "--index-dir", str(ix)])
    with WriteLock(ix) as lock:
        lock.acquire()
        res = run(index_command, [str(corpus), "--index-dir", str(ix)])
    assert res.exit_code == 3
    assert res.stderr.strip() == "index is busy: another g60-reader index is running (use --wait)"


def test_index_command_in_a_fresh_interpreter_does_not_load_textual(env):
    import subprocess

    tmp, corpus = env
    run(index_command, [str(corpus), "--index-dir", str(tmp / "ix")])
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from g60_reader.tui.cmd_index import search_command\n"
        f"r = CliRunner().invoke(search_command, ['零跑', '--index-dir', {str(tmp / 'ix')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print('textual' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_index_into_a_foreign_directory_exits_2(env):
    tmp, corpus = env
    other = tmp / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x", encoding="utf-8")
    res = run(index_command, [str(corpus), "--index-dir", str(other)])
    assert res.exit_code == 2
    assert "not an index directory" in res.stderr
    assert (other / "keep.txt").exists()


def test_two_passes_then_entities_end_to_end(env):
    from g60_reader.tui.cmd_entities import entities_command

    tmp, corpus = env
    ix = str(tmp / "ix")
    res = run(index_command, [*sample_and(corpus), "--index-dir", ix, "--no-entities"])
    assert res.exit_code == 0, res.output
    assert "entities: skipped" in res.stderr
    res = run(entities_command, ["--index-dir", ix, "--json"])
    assert res.exit_code == 0
    assert all(not rows for rows in json.loads(res.stdout).values())
    res = run(search_command, ["person:陈龙", "--index-dir", ix, "--json"])
    assert res.exit_code == 0 and res.stdout == ""  # text only, no entities yet

    # a later run with nothing new still catches up on the entity pass
    res = run(index_command, [*sample_and(corpus), "--index-dir", ix])
    assert res.exit_code == 0, res.output
    assert report(res.stderr)["added"] == 0
    assert "paragraphs enriched" in res.stderr

    res = run(entities_command, ["--index-dir", ix, "--json", "--type", "person"])
    assert res.exit_code == 0
    people = {row["text"]: row["count"] for row in json.loads(res.stdout)["person"]}
    assert people.get("陈龙", 0) >= 1
    res = run(entities_command, ["--index-dir", ix, "--json", "--type", "place"])
    places = {row["text"] for row in json.loads(res.stdout)["place"]}
    assert {"嘉兴", "杭州"} <= places

    # entity filters work in either script, and a short place name finds its longer forms
    for query in ("person:陈龙", "person:陳龍"):
        res = run(search_command, [query, "--index-dir", ix, "--json"])
        rows = [json.loads(line) for line in res.stdout.splitlines()]
        assert rows and all("陳龍" in r["text"] or "陈龙" in r["text"] for r in rows)
    res = run(search_command, ["place:杭州 零跑", "--index-dir", ix, "--json"])
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert [r["title"] for r in rows] == ["杭州新闻"]

    res = run(index_command, [*sample_and(corpus), "--index-dir", ix])
    assert "every paragraph already enriched" in res.stderr
