"""kill -9 the indexer at random moments of a large build.

Each trial starts from a committed index (the sample and a few articles), runs the
build of a synthetic corpus as a real process and kills it with SIGKILL at a random
moment. Afterwards the index must open, hold every previously committed article whole,
answer queries, and a re-run must complete the corpus with no duplicate paragraphs
(paragraph numbers counted per article id, straight from the stored documents).

Default mode: 2 trials on 1,300 paragraphs; long mode: 10 ``g60-reader index``
trials plus 3 with a small commit batch (many commits to land in) on 6,000.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from g60_reader.corpus.model import Article
from tests.robustness.conftest import CLI, LONG, cli_env, inventory, run_cli

PARAGRAPHS = 6_000 if LONG else 1_300  # over 512 KB to index: worker processes
TRIALS = ["cli"] * 10 + ["batched"] * 3 if LONG else ["cli", "batched"]
SMALL_BATCH = 64 * 1024
QUERY = "科创"


@dataclass
class Build:
    corpus: Path
    expected: dict[str, int]  # article id -> paragraphs, for the whole corpus + sample
    base_dir: Path  # a committed index: the sample and the first files of the corpus
    base: dict[str, list[int]]  # its paragraphs per article id
    base_hits: int
    seconds: float  # how long an uninterrupted build takes here


def _backend_total(index_dir: Path, query: str) -> tuple[int, str | None]:
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    backend = WhooshBackend(index_dir)
    try:
        result = backend.search(query)
        return result.total, result.error
    finally:
        backend.close()


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    from g60_reader.corpus.readers import load_paths
    from g60_reader.index.backends.whoosh import store
    from tests.bench.synth import write_corpus

    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    write_corpus(corpus, PARAGRAPHS)
    articles = [a for a in load_paths([corpus]) if isinstance(a, Article)]
    expected = {a.id: len(a.paragraphs) for a in articles}

    base_dir = root / "base-index"
    first_files = sorted(p for p in corpus.rglob("*.txt"))[:5]
    report = store.update(base_dir, first_files, procs=1)
    assert report.failed == []
    base = inventory(base_dir)
    base_hits, error = _backend_total(base_dir, QUERY)
    assert error is None and base_hits > 0

    # An uninterrupted build: how long it takes, and that it gives the expected index.
    ref_dir = root / "reference-index"
    shutil.copytree(base_dir, ref_dir)
    started = time.monotonic()
    run = run_cli(["index", "--index-dir", ref_dir, corpus], home=root / "home", timeout=600)
    seconds = time.monotonic() - started
    assert run.returncode == 0, run
    ref = inventory(ref_dir)
    assert {aid: len(p) for aid, p in ref.paragraphs.items()} == expected
    return Build(corpus, expected, base_dir, base.paragraphs, base_hits, seconds)


def _argv(kind: str, index_dir: Path, corpus: Path) -> list[str]:
    if kind == "cli":
        return [*CLI, "index", "--index-dir", str(index_dir), str(corpus)]
    helper = [sys.executable, "-m", "tests.robustness.index_helper"]
    return [*helper, str(index_dir), str(SMALL_BATCH), "2", str(corpus)]


def _members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``, from /proc."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            pids.append(int(stat.parent.name))
    return pids


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return f"pid {pid} (gone)"


def _session_alive(pgid: int) -> bool:
    return bool(_members(pgid))


def _kill_session(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _session_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _start(kind: str, index_dir: Path, corpus: Path, home: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    repo = Path(__file__).resolve().parents[2]
    return subprocess.Popen(
        _argv(kind, index_dir, corpus),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cli_env(home),
        cwd=repo,  # the helper is a module of the test package
        start_new_session=True,  # its own process group: the workers can be found
    )


def _check_after_kill(build: Build, index_dir: Path) -> list[str]:
    problems = []
    try:
        inv = inventory(index_dir)
    except Exception as exc:  # the index must open
        return [f"index does not open: {exc!r}"]
    if inv.duplicates():
        problems.append(f"duplicate paragraphs: {inv.duplicates()}")
    if inv.incomplete():
        problems.append(f"articles missing paragraphs: {inv.incomplete()}")
    lost = build.base.keys() - inv.paragraphs.keys()
    if lost:
        problems.append(f"previously committed articles lost: {sorted(lost)}")
    total, error = _backend_total(index_dir, QUERY)
    if error is not None or total < build.base_hits:
        problems.append(f"query {QUERY!r}: total={total} error={error}")
    return problems


def _check_rerun(build: Build, index_dir: Path, home: Path) -> list[str]:
    run = run_cli(["index", "--index-dir", index_dir, build.corpus], home=home, timeout=600)
    if run.returncode != 0:
        return [f"re-run failed: {run}"]
    inv = inventory(index_dir)
    problems = []
    if inv.duplicates():
        problems.append(f"after re-run, duplicate paragraphs: {inv.duplicates()}")
    got = {aid: len(p) for aid, p in inv.paragraphs.items()}
    if got != build.expected:
        missing = build.expected.keys() - got.keys()
        extra = got.keys() - build.expected.keys()
        problems.append(f"after re-run: {len(missing)} articles missing, {len(extra)} extra")
    return problems


def test_kill_9_at_random_moments(build: Build, tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("G60_CRASH_SEED", "60")))
    report: list[str] = []
    failures = 0
    for n, kind in enumerate(TRIALS):
        index_dir = tmp_path / f"trial-{n}" / "index"
        shutil.copytree(build.base_dir, index_dir)
        delay = rng.uniform(0.05, 1.0) * build.seconds
        proc = _start(kind, index_dir, build.corpus, tmp_path / f"home-{n}")
        time.sleep(delay)
        finished = proc.poll() is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        _kill_session(proc.pid)  # orphaned workers, if any (checked on their own below)
        problems = _check_after_kill(build, index_dir)
        problems += _check_rerun(build, index_dir, tmp_path / f"home-{n}")
        when = "after it finished" if finished else f"at {delay:.2f} s"
        report.append(f"trial {n} ({kind}, killed {when}): {'; '.join(problems) or 'ok'}")
        failures += bool(problems)
    print("\n".join(report))
    assert failures == 0, "\n".join(report)


def test_orphaned_workers_exit_when_the_indexer_is_killed(build: Build, tmp_path: Path) -> None:
    """After kill -9 of ``g60-reader index`` its worker processes must not live on."""
    index_dir = tmp_path / "index"
    shutil.copytree(build.base_dir, index_dir)
    proc = _start("cli", index_dir, build.corpus, tmp_path / "home")
    # wait until the workers are up (the build uses them for a corpus of this size)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(index_dir.glob(".tmp-*")):
        time.sleep(0.05)
    workers_seen = bool(list(index_dir.glob(".tmp-*")))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 15
    while _session_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    survived = [_cmdline(pid) for pid in _members(proc.pid)]
    _kill_session(proc.pid)
    assert workers_seen, "the build never started its workers"
    assert not survived, f"still running 15 s after the indexer was killed: {survived}"
