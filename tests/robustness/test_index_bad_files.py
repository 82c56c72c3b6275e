"""The hostile corpus through one real ``g60-reader index`` run: each bad file reported
once (file and reason), every good article indexed once and found by search, exit code
1, terminal-safe messages, and a second run that changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.robustness.conftest import (
    LONG,
    NO_CAPS,
    Run,
    inventory,
    needs_no_caps,
    run_cli,
)
from tests.robustness.hostile import MIB, HostileCorpus, build_corpus, forbidden_in

TABLE_CHARS = "┏┃┡│└┗━─╇┳┻╸"


def error_lines(run: Run) -> list[str]:
    """The per-file lines of the report (everything but the summary table)."""
    lines = []
    for line in run.err.splitlines():
        stripped = line.strip()
        if stripped.startswith(("entities:", "duplicates:", "reprints:")):  # summaries
            continue
        if stripped and stripped[0] not in TABLE_CHARS and stripped != "index":
            lines.append(line)
    return lines


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> HostileCorpus:
    return build_corpus(tmp_path_factory.mktemp("hostile-index") / "news", long=LONG)


@pytest.fixture(scope="module")
def indexed(corpus: HostileCorpus, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    home = tmp_path_factory.mktemp("index-home")
    index_dir = home / "index"
    run = run_cli(
        ["index", "--no-entities", "--index-dir", index_dir, corpus.root],
        home=home,
        env=corpus.env(),
        timeout=300,
    )
    return index_dir, run


def test_index_run_reports_each_bad_file_once(
    indexed: tuple[Path, Run], corpus: HostileCorpus
) -> None:
    _index_dir, run = indexed
    assert run.returncode == 1, run
    assert "Traceback" not in run.err, run
    problems = corpus.unmatched_errors(error_lines(run), unreadable_fails=False)
    assert problems == [], "\n".join(problems)


def test_index_messages_are_terminal_safe(indexed: tuple[Path, Run]) -> None:
    _index_dir, run = indexed
    # A file named "ESC ] 52 ; c ; ... BEL ESC [2J evil.txt" must be shown escaped.
    assert forbidden_in(run.stderr) == [] and forbidden_in(run.stdout) == [], run


def test_every_good_article_is_indexed_once(
    indexed: tuple[Path, Run], corpus: HostileCorpus
) -> None:
    index_dir, run = indexed
    inv = inventory(index_dir)
    want = sorted([*corpus.titles, "不可讀的文章"])  # root reads chmod 000 (never the sample)
    assert inv.titles() == want, run
    assert inv.duplicates() == {}
    assert inv.incomplete() == {}


def test_each_good_file_is_found_by_its_marker(
    indexed: tuple[Path, Run], corpus: HostileCorpus
) -> None:
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    index_dir, _run = indexed
    backend = WhooshBackend(index_dir)
    try:
        for good in corpus.good:
            for marker in good.markers:
                result = backend.search(marker)
                assert result.error is None, (marker, result.error)
                paths = {hit.path for hit in result.hits}
                assert paths == {str(good.path)}, (marker, good.path, paths)
    finally:
        backend.close()


def test_a_second_run_changes_nothing(
    indexed: tuple[Path, Run], corpus: HostileCorpus, tmp_path: Path
) -> None:
    index_dir, _first = indexed
    before = inventory(index_dir)
    run = run_cli(
        ["index", "--no-entities", "--index-dir", index_dir, corpus.root],
        home=tmp_path,
        env=corpus.env(),
        timeout=300,
    )
    assert run.returncode == 1, run
    # Unchanged files are skipped: the bad lines of the (partly good, unchanged) .jsonl
    # are not read again, every wholly bad file is reported again.
    partly_good = {str(g.path) for g in corpus.good}
    again = HostileCorpus(
        corpus.root, corpus.cap_mb, bad=[b for b in corpus.bad if str(b.path) not in partly_good]
    )
    problems = again.unmatched_errors(error_lines(run), unreadable_fails=False)
    assert problems == [], "\n".join(problems)
    after = inventory(index_dir)
    assert after.paragraphs == before.paragraphs
    assert after.meta.keys() == before.meta.keys()


def test_huge_file_in_an_index_run_adds_no_memory(tmp_path: Path) -> None:
    from tests.robustness.hostile import article_text, sparse_file, text_file

    root = tmp_path / "news"
    root.mkdir()
    (root / "ok.txt").write_text(article_text("正常的文章", "烏鎮"), encoding="utf-8")
    baseline = run_cli(
        ["index", "--no-entities", "--index-dir", tmp_path / "index0", root],
        home=tmp_path / "h0",
        timeout=300,
    )
    assert baseline.returncode == 0, baseline

    huge = root / "huge.txt"
    size = 200 * MIB
    if LONG:
        text_file(huge, size)
    else:
        sparse_file(huge, size, "巨大的文件\n".encode())
    run = run_cli(
        ["index", "--no-entities", "--index-dir", tmp_path / "index1", root],
        home=tmp_path / "h1",
        timeout=300,
    )
    assert run.returncode == 1, run
    lines = error_lines(run)
    assert len(lines) == 1 and lines[0].endswith(
        "huge.txt: file is 200.0 MB, over the 64 MB limit"
    ), run
    assert "正常的文章" in inventory(tmp_path / "index1").titles()
    extra = run.peak_rss - baseline.peak_rss
    assert extra < 48 * MIB, (
        f"peak RSS {run.peak_rss / MIB:.0f} MB vs {baseline.peak_rss / MIB:.0f}"
    )


@needs_no_caps
def test_index_run_without_root_capabilities(corpus: HostileCorpus, tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = run_cli(
        ["index", "--no-entities", "--index-dir", home / "index", corpus.root],
        home=home,
        env=corpus.env(),
        prefix=NO_CAPS,
        timeout=300,
    )
    assert run.returncode == 1, run
    problems = corpus.unmatched_errors(error_lines(run), unreadable_fails=True)
    assert problems == [], "\n".join(problems)
    assert inventory(home / "index").titles() == sorted(corpus.titles)
