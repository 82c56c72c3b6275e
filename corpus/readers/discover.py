"""Finding the files to read: directory walks, size limits, digests.

Walks are stable (name order), follow symbolic links without ever entering a directory
twice, skip hidden entries and unsupported suffixes, and report a missing path or an
unreadable directory as a ``ReadError``.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from importlib.resources import files
from pathlib import Path

from g60_reader.corpus.model import ReadError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})

MIB = 1024 * 1024
MAX_FILE_BYTES = 64 * MIB
MAX_FILE_ENV = "G60_READER_MAX_FILE_MB"

SAMPLE_NAME = "000_c6dd73ee9f6b25ea.txt"
SAMPLE_PATH = Path(str(files("g60_reader.corpus") / "data" / SAMPLE_NAME))

_CHUNK = MIB


def max_file_bytes() -> int:
    """The size limit: ``$G60_READER_MAX_FILE_MB`` megabytes, else ``MAX_FILE_BYTES``."""
    value = os.environ.get(MAX_FILE_ENV, "").strip()
    try:
        mb = float(value)
    except ValueError:
        return MAX_FILE_BYTES
    return int(mb * MIB) if 0 < mb < 1e9 else MAX_FILE_BYTES


def _mb(n: float) -> str:
    return f"{n / MIB:.1f}" if n >= MIB / 10 else f"{n / MIB:.3f}"


def _limit_mb(limit: int) -> str:
    return f"{round(limit / MIB, 3):g}"


def _oserror_reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[Path | ReadError]:
    """Every file to read under ``paths``, in a stable order.

    A path that names a file is yielded as it is (whatever its suffix; ``read_file``
    reports unsupported types). Directories are walked recursively in name order,
    following symbolic links but never entering a directory twice (loops are safe),
    skipping hidden entries and files without a supported suffix. A missing path or an
    unreadable directory is a ``ReadError``. Each file is yielded once.
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            st = path.stat()
        except FileNotFoundError:
            yield ReadError(str(path), "no such file or directory")
            continue
        except OSError as exc:
            yield ReadError(str(path), _oserror_reason(exc))
            continue
        except ValueError:  # a NUL character in the path
            yield ReadError(str(path), "invalid path")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, st, seen_dirs, seen_files)
        elif (st.st_dev, st.st_ino) not in seen_files:
            seen_files.add((st.st_dev, st.st_ino))
            yield path


def _walk(
    root: Path,
    root_stat: os.stat_result,
    seen_dirs: set[tuple[int, int]],
    seen_files: set[tuple[int, int]],
) -> Iterator[Path | ReadError]:
    # An explicit stack of sorted listings: deep trees cannot hit the recursion limit.
    stack: list[Iterator[tuple[Path, os.stat_result | None]]] = []

    def enter(directory: Path, st: os.stat_result) -> ReadError | None:
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return None
        seen_dirs.add(key)
        try:
            with os.scandir(directory) as it:
                names = sorted(e.name for e in it if not e.name.startswith("."))
        except OSError as exc:
            return ReadError(str(directory), f"cannot read directory: {_oserror_reason(exc)}")
        stack.append(_stat_entries(directory, names))
        return None

    error = enter(root, root_stat)
    if error is not None:
        yield error
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        path, st = item
        if st is None:  # a broken symbolic link or an entry we may not stat
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield ReadError(str(path), "cannot open (broken link or no permission)")
            continue
        if stat.S_ISDIR(st.st_mode):
            error = enter(path, st)
            if error is not None:
                yield error
        elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in SUPPORTED_SUFFIXES:
            key = (st.st_dev, st.st_ino)
            if key not in seen_files:
                seen_files.add(key)
                yield path


def _stat_entries(
    directory: Path, names: list[str]
) -> Iterator[tuple[Path, os.stat_result | None]]:
    for name in names:
        path = directory / name
        try:
            st: os.stat_result | None = path.stat()
        except OSError:
            st = None
        yield path, st


def file_digest(path: str | Path) -> str:
    """sha256 hex of the file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()
