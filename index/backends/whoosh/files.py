"""Files of the index on disk: the write lock, creating, checking and opening an index,
the manifest that tells a damaged index from a missing one, temporary files.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage

from g60_reader.index.errors import IndexBusy, IndexDamaged, IndexUnavailable
from g60_reader.index.paths import resolve_index_dir

from . import _compat
from .packed import EXT as PACKED_EXT
from .packed import check_file
from .schema import SCHEMA_VERSION, build_schema

INDEX_NAME = "MAIN"


LOCK_NAME = ".g60-write.lock"


LEXICON_NAME = ".lexicon"


PINYIN_NAME = ".pinyin"


META_NAME = ".g60-index.json"


MANIFEST_NAME = ".g60-files.json"  # segment file sizes of the last commit


REBUILD_HINT = "g60-reader index --rebuild PATH..."


class WriteLock:
    """Our lock for a whole update run (``fcntl.flock`` on ``.g60-write.lock``)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / LOCK_NAME
        self._fh: BinaryIO | None = None

    def acquire(self, wait: bool = False, poll: float = 0.2) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held for the run
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    fh.close()
                    raise IndexBusy(
                        "index is busy: another g60-reader index is running (use --wait)"
                    ) from None
                time.sleep(poll)
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> WriteLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class _PrivateTempStorage(FileStorage):
    """Storage whose temporary directories are private to this process."""

    def temp_storage(self, name=None):
        base = os.path.join(self.folder, f".tmp-{os.getpid()}")
        path = os.path.join(base, name or uuid.uuid4().hex)
        return FileStorage(path).create()


def _open_storage(index_dir: Path, private: bool = False) -> FileStorage:
    cls = _PrivateTempStorage if private else FileStorage
    return cls(str(index_dir))


def _meta_path(index_dir: Path) -> Path:
    return index_dir / META_NAME


def index_exists(index_dir: Path) -> bool:
    try:
        return windex.exists_in(str(index_dir), INDEX_NAME) and _schema_ok(index_dir)
    except Exception:
        return False


def _schema_ok(index_dir: Path) -> bool:
    try:
        info = json.loads(_meta_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("schema") == SCHEMA_VERSION


def _ours(name: str) -> bool:
    """Files and directories this index keeps in its directory."""
    return (
        name.startswith((f"_{INDEX_NAME}_", f"{INDEX_NAME}_", f"{INDEX_NAME}.tmp", ".tmp-"))
        or name.startswith((LEXICON_NAME, PINYIN_NAME))
        or name.startswith((".g60-articles", ".g60-stories", ".g60-reprints"))
        or name.startswith((".g60-existing", ".g60-digests"))
        or name in (LOCK_NAME, META_NAME, MANIFEST_NAME)
    )


def _create(index_dir: Path) -> None:
    """A new, empty index (replacing an older or broken one of ours). Never deletes
    anything else: a directory holding other files is refused."""
    index_dir.mkdir(parents=True, exist_ok=True)
    foreign = sorted(c.name for c in index_dir.iterdir() if not _ours(c.name))
    if foreign:
        raise IndexUnavailable(
            f"{index_dir} is not an index directory (it holds {foreign[0]!r}"
            f"{' and more' if len(foreign) > 1 else ''}); choose an empty or new directory"
        )
    for child in index_dir.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()
    FileStorage(str(index_dir)).create_index(build_schema(), indexname=INDEX_NAME)
    _meta_path(index_dir).write_text(json.dumps({"schema": SCHEMA_VERSION}), encoding="utf-8")


def _latest_toc(index_dir: Path) -> tuple[int, str] | None:
    best = None
    for p in index_dir.glob(f"_{INDEX_NAME}_*.toc"):
        try:
            gen = int(p.name[len(INDEX_NAME) + 2 : -4])
        except ValueError:
            continue
        if best is None or gen > best[0]:
            best = (gen, p.name)
    return best


def _remove_uncommitted(index_dir: Path) -> None:
    """After a failed run (full disk, Ctrl-C, a crash in a builder): delete the segment
    files that no committed generation uses, so a full disk is not left fuller. Only
    called while holding the write lock."""
    with contextlib.suppress(Exception):
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        live = {f"{INDEX_NAME}_{seg.segid}." for seg in _compat.index_segments(ix)}
        for p in index_dir.glob(f"{INDEX_NAME}_*"):
            if p.name.endswith("WRITELOCK") or any(p.name.startswith(x) for x in live):
                continue
            with contextlib.suppress(OSError):
                p.unlink()
    _cleanup_tmp(index_dir)


def _write_manifest(index_dir: Path) -> None:
    """Record the size of every file of the committed generation, so that a cut or
    missing file is recognised as damage (not taken for "no index" and wiped)."""
    latest = _latest_toc(index_dir)
    if latest is None:
        return
    files = {latest[1]: (index_dir / latest[1]).stat().st_size}
    for p in index_dir.glob(f"{INDEX_NAME}_*"):
        if p.is_file() and not p.name.endswith("WRITELOCK"):
            files[p.name] = p.stat().st_size
    _write_atomic(
        index_dir / MANIFEST_NAME,
        json.dumps({"generation": latest[0], "files": files}).encode("utf-8"),
    )
    with contextlib.suppress(Exception):  # article tables of segments merged away
        from .articles import remove_stale_tables

        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        remove_stale_tables(index_dir, {seg.segid for seg in _compat.index_segments(ix)})


def _damaged(index_dir: Path, reason: str) -> IndexDamaged:
    return IndexDamaged(
        f"the index at {index_dir} is damaged ({reason}); nothing was changed:"
        f" rebuild it with `{REBUILD_HINT}`"
    )


def check_index(index_dir: Path) -> bool:
    """``True`` for a sound index, ``False`` when there is none (or one of an older
    format, which is rebuilt as before); raises :class:`IndexDamaged` when its files are
    damaged: a missing or unreadable table of contents or metadata, or a segment file
    missing or of another size than at its commit."""
    if not index_dir.is_dir():
        return False
    latest = _latest_toc(index_dir)
    meta = _meta_path(index_dir)
    if latest is None and not meta.exists():
        return False
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _damaged(index_dir, "its metadata file is missing") from None
    except (OSError, ValueError):
        raise _damaged(index_dir, "its metadata file is unreadable") from None
    if not isinstance(info, dict):
        raise _damaged(index_dir, "its metadata file is unreadable")
    if info.get("schema") != SCHEMA_VERSION:
        return False
    if latest is None:
        raise _damaged(index_dir, "its table of contents is missing")
    try:
        manifest = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and manifest.get("generation") == latest[0]:
        for name, size in dict(manifest.get("files") or {}).items():
            try:
                actual = (index_dir / name).stat().st_size
            except OSError:
                raise _damaged(index_dir, f"{name} is missing") from None
            if actual != size:
                raise _damaged(index_dir, f"{name} has {actual} bytes, {size} were written")
    try:
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        segments = _compat.index_segments(ix)
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _damaged(index_dir, f"cannot read its table of contents: {reason}") from None
    for seg in segments:  # the packed postings' tail and directory (same size, bad bytes)
        path = index_dir / f"{INDEX_NAME}_{seg.segid}{PACKED_EXT}"
        if path.exists():
            problem = check_file(str(path))
            if problem is not None:
                raise _damaged(index_dir, problem)
    return True


def open_index(index_dir: str | os.PathLike[str] | None = None):
    """The Whoosh index at ``index_dir`` (``None`` when there is none); raises
    :class:`IndexDamaged` for a damaged one."""
    path = resolve_index_dir(index_dir)
    if not check_index(path):
        return None
    return FileStorage(str(path)).open_index(INDEX_NAME)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _cleanup_tmp(index_dir: Path) -> None:
    for child in index_dir.glob(".tmp-*"):
        shutil.rmtree(child, ignore_errors=True)
    for pattern in (f"{LEXICON_NAME}.*.tmp", f"{PINYIN_NAME}.*.tmp"):
        for child in index_dir.glob(pattern):
            with contextlib.suppress(OSError):
                child.unlink()
    with contextlib.suppress(OSError):
        shutil.rmtree(index_dir / f"{INDEX_NAME}.tmp", ignore_errors=True)
