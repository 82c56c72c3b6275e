"""Two writers, and readers during commits.

- a second ``g60-reader index`` while one runs gets the busy message (exit code 3) and
  does not disturb the first; with ``--wait`` it waits and then completes;
- a reader (the search API, the ``search`` command, the TUI) keeps answering from the
  last committed index while commits land, and sees the new articles without a restart.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from g60_reader.corpus.model import Article
from tests.robustness.conftest import CLI, LONG, cli_env, inventory, run_cli
from tests.robustness.hostile import article_text

PARAGRAPHS = 8_000 if LONG else 1_600
QUERY = "科创"
BUSY = "index is busy: another g60-reader index is running (use --wait)"


def lock_holder(path: Path) -> int | None:
    """The pid holding a flock on ``path`` (from /proc/locks), without touching it."""
    try:
        inode = path.stat().st_ino
    except FileNotFoundError:
        return None
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "FLOCK" in parts and parts[-3].endswith(f":{inode}"):
            return int(parts[-4])
    return None


@pytest.fixture(scope="module")
def base_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one article of the base index (its own file, outside the corpus)."""
    path = tmp_path_factory.mktemp("concurrency-first") / "first.txt"
    path.write_text(article_text("先到的文章", "南湖"), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory, base_file: Path
) -> tuple[Path, dict[str, int]]:
    from g60_reader.corpus.readers import load_paths
    from tests.bench.synth import write_corpus

    root = tmp_path_factory.mktemp("concurrency") / "corpus"
    write_corpus(root, PARAGRAPHS)
    articles = [a for a in load_paths([base_file, root]) if isinstance(a, Article)]
    return root, {a.id: len(a.paragraphs) for a in articles}


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory, base_file: Path) -> Path:
    """A committed index holding one article (the corpus adds to it)."""
    from g60_reader.index.backends.whoosh import store

    index_dir = tmp_path_factory.mktemp("concurrency-base") / "index"
    assert store.update(index_dir, [base_file], procs=1).failed == []
    return index_dir


def _start(argv: list[str], home: Path, **kwargs: object) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(home),
        cwd=Path(__file__).resolve().parents[2],
        **kwargs,  # type: ignore[arg-type]
    )


def _wait_for_lock(index_dir: Path, proc: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        holder = lock_holder(index_dir / ".g60-write.lock")
        if holder is not None:
            return holder
        assert proc.poll() is None, "the first indexer ended before taking the lock"
        time.sleep(0.01)
    pytest.fail("the first indexer never took the write lock")


def test_while_an_index_runs(
    corpus: tuple[Path, dict[str, int]], base_index: Path, tmp_path: Path
) -> None:
    """One long build holds the write lock; meanwhile a second ``index`` is told the
    index is busy (exit 3, one line, nothing written), ``search`` and ``stats`` work, and
    a third ``index --wait`` waits, then adds its article."""
    root, expected = corpus
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    other = tmp_path / "other"
    other.mkdir()
    (other / "late.txt").write_text(article_text("晚到的文章", "烏鎮"), encoding="utf-8")
    index = [*CLI, "index", "--no-entities", "--index-dir", str(index_dir)]

    first = _start([*index, str(root)], tmp_path / "h1")
    holder = _wait_for_lock(index_dir, first)
    assert holder == first.pid
    busy = run_cli([*index[len(CLI) :], other], home=tmp_path / "h2")
    still_running = first.poll() is None  # the busy answer came while it ran
    waiting = _start([*index, "--wait", str(other)], tmp_path / "h3")
    search = run_cli(["search", "--json", QUERY, "--index-dir", index_dir], home=tmp_path / "h4")
    stats = run_cli(["stats", "--index-dir", index_dir], home=tmp_path / "h4")
    _out, err1 = first.communicate(timeout=600)
    _out, err3 = waiting.communicate(timeout=600)

    assert still_running, "the first indexer finished too early for this test"
    assert first.returncode == 0, err1.decode()
    assert busy.returncode == 3, busy
    assert busy.err.strip() == BUSY, busy
    assert search.returncode == 0 and search.out.strip(), search
    assert stats.returncode == 0, stats
    assert waiting.returncode == 0, err3.decode()
    inv = inventory(index_dir)
    assert "晚到的文章" in inv.titles()  # added by the waiting run, after the first
    assert inv.duplicates() == {} and inv.incomplete() == {}
    got = {aid: len(p) for aid, p in inv.paragraphs.items()}
    assert {aid: n for aid, n in got.items() if aid in expected} == expected
    assert len(got) == len(expected) + 1


def test_readers_keep_answering_during_commits_and_see_new_articles(
    corpus: tuple[Path, dict[str, int]], base_index: Path, tmp_path: Path
) -> None:
    """The search API answers from the last committed index while a build commits
    every 64 KB (many commits), never fails, never goes backwards, and sees the whole
    corpus once the build is done, without being reopened."""
    from g60_reader.index.backends.whoosh.search import REFRESH_INTERVAL, WhooshBackend

    root, expected = corpus
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    backend = WhooshBackend(index_dir)
    try:
        before = backend.search(QUERY)
        assert before.error is None
        helper = [sys.executable, "-m", "tests.robustness.index_helper"]
        files = sorted(map(str, root.rglob("*.txt")))[: len(expected) // 2]
        build = _start([*helper, str(index_dir), str(64 * 1024), "2", *files], tmp_path / "h")
        totals: list[int] = [before.total]
        errors: list[str] = []
        articles_seen: list[int] = []
        while build.poll() is None:
            result = backend.search(QUERY)
            if result.error is not None:
                errors.append(result.error)
            else:
                totals.append(result.total)
            articles_seen.append(len(backend.list_articles()))
            time.sleep(0.02)
        _out, err = build.communicate()
        assert build.returncode == 0, err.decode()
        time.sleep(REFRESH_INTERVAL + 0.1)
        after = backend.search(QUERY)
        final_articles = len(backend.list_articles())
    finally:
        backend.close()
    assert errors == []
    assert totals == sorted(totals), "a reader saw the index go backwards"
    assert len(set(totals)) > 2, f"no intermediate commit was seen: {sorted(set(totals))}"
    assert after.error is None and after.total > before.total
    assert final_articles == len(files) + 1  # and the base index's article
    assert articles_seen == sorted(articles_seen)
    search = run_cli(
        ["search", "--json", "-n", "5", QUERY, "--index-dir", index_dir], home=tmp_path
    )
    assert search.returncode == 0 and len(search.out.splitlines()) == 5, search
