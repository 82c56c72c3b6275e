"""Running g60-reader as a real process, in a pipe or on a pseudo-terminal.

Every run gets its own ``G60_READER_HOME`` and is measured: exit code, the exact bytes
written to stdout and stderr, and the peak resident memory of that one process
(``os.wait4``). A run that does not finish within its timeout is killed and fails the
test: that is a hang guard, not a speed check.

Long mode (``G60_ROBUST_LONG=1``): real 200 MB files, 10 crash trials, more fuzzing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

LONG = os.environ.get("G60_ROBUST_LONG", "").strip() not in ("", "0")

CLI = [sys.executable, "-m", "g60_reader.tui.cli"]

# Rich's own styling on a terminal: SGR ("ESC [ ... m"). Nothing else may carry an ESC.
SGR_RE = re.compile(rb"\x1b\[[0-9;:]*m")


@dataclass
class Run:
    args: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_rss: int  # bytes, of this process alone

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def __str__(self) -> str:  # shown when an assertion about the run fails
        return (
            f"$ {' '.join(self.args)}\n-> exit {self.returncode}\n"
            f"stdout: {self.out[-2000:]!r}\nstderr: {self.err[-2000:]!r}"
        )


def cli_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("G60_READER_", "FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES"))
    }
    env["G60_READER_HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def _wait(proc: subprocess.Popen, timeout: float) -> tuple[int, int]:
    """Wait for ``proc``; kill it after ``timeout``. Returns (exit code, peak RSS bytes)."""
    timer = threading.Timer(timeout, lambda: _kill(proc))
    timer.start()
    try:
        while True:
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                break
            except InterruptedError:
                continue
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss * 1024


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def run_cli(
    args: Sequence[str | os.PathLike[str]],
    *,
    home: Path,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    prefix: Sequence[str] = (),
) -> Run:
    """Run ``g60-reader ARGS`` with stdout and stderr on files (not a terminal)."""
    argv = [*prefix, *CLI, *map(os.fspath, args)]
    out_path = home / f".run-{os.getpid()}-{threading.get_ident()}.out"
    err_path = out_path.with_suffix(".err")
    home.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=cli_env(home, env)
        )
        code, rss = _wait(proc, timeout)
    run = Run(
        [os.fsdecode(a) for a in argv], code, out_path.read_bytes(), err_path.read_bytes(), rss
    )
    out_path.unlink()
    err_path.unlink()
    if code == -signal.SIGKILL:
        pytest.fail(f"killed after {timeout:g} s (hang guard)\n{run}")
    return run


def run_on_pty(
    args: Sequence[str | os.PathLike[str]],
    *,
    home: Path,
    env: dict[str, str] | None = None,
    size: tuple[int, int] = (200, 50),
    timeout: float = 120,
) -> Run:
    """Run ``g60-reader ARGS`` with stdout on a pseudo-terminal (colours on, as for a
    person) and stderr on a separate pipe; returns the raw bytes the terminal received."""
    master, slave = os.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # no "\n" -> "\r\n": the bytes are the program's own
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    argv = [*CLI, *map(os.fspath, args)]
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError as exc:  # EIO: the other side closed
                if exc.errno == errno.EIO:
                    return
                raise
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    full_env = cli_env(home, {"TERM": "xterm-256color", **(env or {})})
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=full_env)
    os.close(slave)
    assert proc.stderr is not None
    err_chunks: list[bytes] = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
    err_reader.start()
    code, rss = _wait(proc, timeout)
    err_reader.join(10)
    reader.join(10)
    os.close(master)
    run = Run(argv, code, b"".join(chunks), b"".join(err_chunks), rss)
    if code == -signal.SIGKILL:
        pytest.fail(f"killed after {timeout:g} s (hang guard)\n{run}")
    return run


# -- privileges: a real "permission denied" although the tests run as root ----------------


def _unshare_works() -> bool:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    try:
        probe = subprocess.run(
            ["unshare", "--user", "true"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


UNSHARE_WORKS = _unshare_works()
# In a new user namespace without a uid mapping, root keeps its uid for the kernel's
# permission checks but loses every capability: mode 000 files become unreadable,
# exactly as for an ordinary user.
NO_CAPS = ["unshare", "--user"]
needs_no_caps = pytest.mark.skipif(
    not UNSHARE_WORKS, reason="needs root and `unshare --user` to drop capabilities"
)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process code never touches the real data directory either."""
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "inproc-home"))
    monkeypatch.delenv("G60_READER_MAX_FILE_MB", raising=False)
    yield


# -- what an index holds -------------------------------------------------------------------


@dataclass
class Inventory:
    """Every article of an index and the paragraph numbers stored for it."""

    meta: dict[str, dict]  # article id -> stored metadata
    paragraphs: dict[str, list[int]]  # article id -> paragraph numbers, as stored

    def duplicates(self) -> dict[str, list[int]]:
        """Article ids with a paragraph stored more than once (or an article twice)."""
        out = {}
        for aid, numbers in self.paragraphs.items():
            if len(numbers) != len(set(numbers)):
                out[aid] = sorted(numbers)
        return out

    def incomplete(self) -> dict[str, tuple[int, int]]:
        """Article ids whose stored paragraphs are not exactly 1..n of their metadata."""
        out = {}
        for aid, meta in self.meta.items():
            numbers = sorted(self.paragraphs.get(aid, []))
            want = int(meta.get("paragraphs", 0))
            if numbers != list(range(1, want + 1)):
                out[aid] = (len(numbers), want)
        for aid in self.paragraphs.keys() - self.meta.keys():
            out[aid] = (len(self.paragraphs[aid]), -1)  # paragraphs without their article
        return out

    def titles(self) -> list[str]:
        return sorted(meta["title"] for meta in self.meta.values())


def inventory(index_dir: Path) -> Inventory:
    """Read the index with Whoosh directly (no search logic involved)."""
    from g60_reader.index.backends.whoosh import store

    ix = store.open_index(index_dir)
    assert ix is not None, f"no index at {index_dir}"
    meta: dict[str, dict] = {}
    articles: Counter[str] = Counter()
    paragraphs: dict[str, list[int]] = {}
    with ix.searcher() as searcher:
        for _docnum, fields in searcher.iter_docs():
            aid = fields.get("aid", "")
            if fields.get("kind") == "a":
                meta[aid] = fields.get("meta") or {}
                articles[aid] += 1
            else:
                paragraphs.setdefault(aid, []).append(int(fields.get("para", 0)))
    for aid, n in articles.items():
        if n > 1:  # the same article stored twice: count it as duplicated paragraphs
            paragraphs[aid] = paragraphs.get(aid, []) * n
    return Inventory(meta, paragraphs)
