"""Bad files among good ones, read in-process and by ``g60-reader inspect`` as a real
process: each bad one reported once with its reason, every good one read, exit code 1,
no traceback, memory bounded on huge files, no hang on pathological lines."""

from __future__ import annotations

import builtins
import json
import os
from collections import Counter
from pathlib import Path

import pytest

import g60_reader.corpus.readers as readers
from g60_reader.corpus.model import Article, ReadError
from tests.robustness.conftest import LONG, NO_CAPS, needs_no_caps, run_cli
from tests.robustness.hostile import (
    MIB,
    HostileCorpus,
    build_corpus,
    forbidden_in,
    one_mb_line,
    sparse_file,
    text_file,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    return build_corpus(tmp_path_factory.mktemp("hostile") / "news", long=LONG)


def _deny(path: Path):
    """An ``open`` that fails like a file without read permission (tests run as root)."""

    def fake_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *args, **kwargs)

    return fake_open


def test_load_paths_reports_each_bad_file_once_and_reads_every_good_one(
    corpus: HostileCorpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Injected failure (in-process): the chmod-000 file refuses to open, as for any user
    # but root. The real check, without root's capabilities, is in the next tests.
    assert corpus.unreadable is not None
    monkeypatch.setattr(readers, "open", _deny(corpus.unreadable), raising=False)
    monkeypatch.setenv("G60_READER_MAX_FILE_MB", f"{corpus.cap_mb:g}")

    items = list(readers.load_paths([corpus.root]))
    articles = [item for item in items if isinstance(item, Article)]
    errors = [item for item in items if isinstance(item, ReadError)]

    # Good: every title of every good file, once, from the right file.
    got = Counter((a.path, a.title) for a in articles)
    want = Counter((str(g.path), t) for g in corpus.good for t in g.titles)
    assert got == want
    assert len({a.id for a in articles}) == len(articles)
    for article in articles:
        assert article.paragraphs, article.title
    html = next(a for a in articles if a.format == "html")
    html_text = " ".join([html.title, *(p.text for p in html.paragraphs)])
    for leaked in ("SCRIPT_TEXT", "INLINE_SCRIPT", "STYLE_TEXT", "FOOTER_TEXT"):
        assert leaked not in html_text

    # Bad: exactly the expected (file, line) pairs, each once, each with its reason.
    keyed = Counter((e.path, e.line) for e in errors)
    assert all(n == 1 for n in keyed.values()), keyed
    expected = {(str(b.path), b.line): b.reason for b in corpus.bad}
    expected[(str(corpus.unreadable), None)] = "permission denied"
    assert set(keyed) == set(expected)
    for error in errors:
        assert expected[(error.path, error.line)] in error.reason.lower(), error


def _check_cli_run(run, corpus: HostileCorpus, *, unreadable_fails: bool) -> None:
    assert run.returncode == 1, run
    assert b"Traceback" not in run.stderr, run
    assert forbidden_in(run.stdout) == [] and forbidden_in(run.stderr) == [], run

    titles = Counter(json.loads(line)["title"] for line in run.out.splitlines())
    want = Counter(corpus.titles)
    if not unreadable_fails:
        want["不可讀的文章"] += 1  # root reads it
    assert titles == want, run

    err_lines = run.err.splitlines()
    assert all(line.startswith("g60-reader: ") for line in err_lines), run
    unmatched = corpus.unmatched_errors(err_lines, unreadable_fails=unreadable_fails)
    assert unmatched == [], (unmatched, run)


def test_inspect_cli_on_the_hostile_corpus(corpus: HostileCorpus, home: Path) -> None:
    run = run_cli(["inspect", "--json", "--no-entities", corpus.root], home=home, env=corpus.env())
    _check_cli_run(run, corpus, unreadable_fails=False)
    # A name holding escape sequences is shown escaped on stderr.
    assert "\\x1b]52;c;aGk=\\x07\\x1b[2J evil.txt: empty file" in run.err


@needs_no_caps
def test_inspect_cli_without_root_capabilities(corpus: HostileCorpus, home: Path) -> None:
    """A real permission error: the process runs in a user namespace without caps."""
    run = run_cli(
        ["inspect", "--json", "--no-entities", corpus.root],
        home=home,
        env=corpus.env(),
        prefix=NO_CAPS,
    )
    _check_cli_run(run, corpus, unreadable_fails=True)


@needs_no_caps
def test_unreadable_directory_is_reported_and_the_rest_is_read(tmp_path: Path, home: Path) -> None:
    root = tmp_path / "news"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "inside.txt").write_text("看不到\n正文。", encoding="utf-8")
    (root / "open.txt").write_text("看得到\n正文。", encoding="utf-8")
    (root / "locked").chmod(0)
    try:
        run = run_cli(["inspect", "--json", root], home=home, prefix=NO_CAPS)
    finally:
        (root / "locked").chmod(0o755)
    assert run.returncode == 1, run
    assert [json.loads(line)["title"] for line in run.out.splitlines()] == ["看得到"]
    assert run.err.splitlines() == [
        f"g60-reader: {root / 'locked'}: cannot read directory: permission denied"
    ]


def test_inspect_named_special_files(tmp_path: Path, home: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it would block forever: it must be refused, not opened
    image = tmp_path / "image.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    good = tmp_path / "good.txt"
    good.write_text("好文章\n正文。", encoding="utf-8")
    missing = tmp_path / "missing.md"
    run = run_cli(
        ["inspect", "--json", fifo, image, "/dev/zero", good, missing],
        home=home,
        timeout=60,
    )
    assert run.returncode == 1, run
    assert [json.loads(line)["title"] for line in run.out.splitlines()] == ["好文章"]
    err = run.err.splitlines()
    assert err[0] == f"g60-reader: {fifo}: not a regular file"
    assert err[1].startswith(f"g60-reader: {image}: unsupported file type '.png'")
    assert err[2].startswith("g60-reader: /dev/zero: unsupported file type 'zero'")
    assert err[3] == f"g60-reader: {missing}: no such file or directory"
    assert len(err) == 4, run


# -- huge files: rejected before reading, memory stays small -----------------------------


def test_huge_file_is_refused_without_reading_it(tmp_path: Path, home: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("小文章\n正文。", encoding="utf-8")
    baseline = run_cli(["inspect", "--json", good], home=home)
    assert baseline.returncode == 0, baseline

    size = 200 * MIB
    path = tmp_path / "huge.txt"
    if LONG:
        text_file(path, size)  # real bytes on disk
    else:
        sparse_file(path, size, "巨大的文件\n".encode())  # same size for stat, no disk
    run = run_cli(["inspect", "--json", path, good], home=home)
    assert run.returncode == 1, run
    assert [json.loads(line)["title"] for line in run.out.splitlines()] == ["小文章"]
    mb = os.path.getsize(path) / MIB
    assert run.err.splitlines() == [
        f"g60-reader: {path}: file is {mb:.1f} MB, over the 64 MB limit"
    ]
    extra = run.peak_rss - baseline.peak_rss
    assert extra < 32 * MIB, (
        f"peak RSS {run.peak_rss / MIB:.0f} MB, "
        f"{baseline.peak_rss / MIB:.0f} MB without the huge file"
    )


def test_file_just_over_a_lowered_cap(tmp_path: Path, home: Path) -> None:
    path = text_file(tmp_path / "big.txt", 2 * MIB + 1)
    args = ["inspect", "--json", "--no-entities", path]
    run = run_cli(args, home=home, env={"G60_READER_MAX_FILE_MB": "2"})
    assert run.returncode == 1, run
    assert run.out == ""
    size = os.path.getsize(path) / MIB
    assert run.err == f"g60-reader: {path}: file is {size:.1f} MB, over the 2 MB limit\n"
    under = run_cli(args, home=home, env={"G60_READER_MAX_FILE_MB": "3"})
    assert under.returncode == 0, under
    assert json.loads(under.out)["title"] == "巨大的文件"


# -- one megabyte on one line: no quadratic regex or parser ------------------------------

# (suffix, file text): each a single line of about 1 MB built to defeat a backtracking
# regular expression or the HTML parser. Reading one must take about a second; the
# 30 s timeout only catches the quadratic case, which takes from minutes to hours.
LINES: dict[str, tuple[str, str]] = {
    "han_txt": (".txt", "標題\n" + one_mb_line("長三角科創走廊")),
    "ideographic_space_md": (".md", "# 標題\n\n長" + one_mb_line("\u3000 ")),
    "ideographic_space_html": (".html", "<h1>標題</h1><p>長" + one_mb_line("\u3000 ") + "</p>"),
    "newline_space_html": (".html", "<h1>標題</h1><p>長" + one_mb_line("\n ") + "a</p>"),
    "unclosed_tags_html": (".html", "<h1>標題</h1><p>長文。</p>" + one_mb_line("<a ")),
    "unclosed_end_tags_html": (".html", "<h1>標題</h1><p>長文。</p>" + one_mb_line("</")),
    "readings_txt": (".txt", "標題\n" + one_mb_line("標(biāo)")),
    "damage_txt": (".txt", "標題\n" + one_mb_line("?jiǎng)照\\")),
    "escapes_txt": (".txt", "標題\n長" + one_mb_line("\x1b]0;")),
    "reporter_txt": (".txt", "標題\n" + one_mb_line("記者 長長 ")),
    "reporter_jsonl": (
        ".jsonl",
        json.dumps({"title": "標題", "content": one_mb_line("記者 長長 ")}),
    ),
}


@pytest.mark.parametrize("case", sorted(LINES))
def test_a_one_megabyte_line_is_read_in_linear_time(case: str, tmp_path: Path, home: Path) -> None:
    suffix, text = LINES[case]
    path = tmp_path / f"{case}{suffix}"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size >= MIB
    # The reader alone (entity recognition has its own test below).
    run = run_cli(["inspect", "--json", "--no-entities", path], home=home, timeout=30)
    assert b"Traceback" not in run.stderr, run
    assert forbidden_in(run.stdout) == [] and forbidden_in(run.stderr) == []
    assert run.returncode == 0, run
    article = json.loads(run.out)
    assert article["title"] == "標題"
