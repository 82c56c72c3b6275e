"""The cluster file: one ``.npz`` beside the index, replaced atomically.

What is stored is what cannot be recomputed without the articles' text: the article ids,
each article's packed sketch (:mod:`.sketch`), its rensa signature (a uint32 matrix), and
the verified pairs. Components are rebuilt on open; document frequencies and the band
index when the archive is next changed, so opening for reading is quick.

**Crash safety.** :func:`write` writes a temporary file in the same directory
(``.story-clusters.npz.tmp-<pid>-<random>``), flushes and fsyncs it, then renames it over
the old file with :func:`os.replace` (atomic on POSIX and Windows) and fsyncs the
directory. A save killed at any point leaves the previous file whole; its temporary file
is ignored by :func:`read` and removed by the next save once it is an hour old. Every
array is a zip member with a CRC-32 that :func:`read` checks, and the header carries the
counts, so a truncated or altered file is reported as damaged instead of being half-read.

Measured at 100k synthetic articles (docs/reprints.md): 75 MB on disk, written in 0.66 s,
read back in 0.44 s (the first change after that rebuilds bands and frequencies in 0.55 s).
"""

from __future__ import annotations

import json
import os
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "g60-reader story clusters"
VERSION = 1
FILE_NAME = "story-clusters.npz"
_TMP_MARK = ".tmp-"
_STALE_TMP = 3600.0  # seconds


def resolve(path: Path) -> Path:
    """The cluster file for ``path``: ``path`` itself if it names a ``.npz`` file, else
    ``path / story-clusters.npz`` (``path`` is then a directory, made on save)."""
    if path.suffix == ".npz" and not path.is_dir():
        return path
    return path / FILE_NAME


@dataclass
class Snapshot:
    """The stored state, in compact slot order (slot ``i`` is ``ids[i]``)."""

    meta: dict[str, Any]
    ids: list[str]
    records: list[np.ndarray]
    sigs: np.ndarray  # uint32 (n, num_perm) rensa signatures (rows without has_sig unused)
    has_sig: np.ndarray  # bool (n,)
    edges: np.ndarray  # int64 (E, 2) slot pairs


class DamagedFile(Exception):
    """The file is not a cluster file, or a part of it fails its check."""


def _join_bytes(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(parts) + 1, dtype=np.int64)
    if parts:
        np.cumsum([len(p) for p in parts], out=offsets[1:])
    data = np.frombuffer(b"".join(parts), dtype=np.uint8)
    return data, offsets


def write(file: Path, snap: Snapshot) -> None:
    """Write ``snap`` to ``file`` atomically (temporary file, fsync, rename, fsync dir)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(file)
    id_data, id_offsets = _join_bytes([i.encode("utf-8", "surrogatepass") for i in snap.ids])
    rec_offsets = np.zeros(len(snap.records) + 1, dtype=np.int64)
    if snap.records:
        np.cumsum([len(r) for r in snap.records], out=rec_offsets[1:])
    rec_data = (
        np.concatenate(snap.records).astype(np.uint32, copy=False)
        if snap.records
        else np.empty(0, np.uint32)
    )
    meta = dict(snap.meta, format=FORMAT, version=VERSION, count=len(snap.ids))
    meta["edges"] = len(snap.edges)
    arrays = {
        "meta": np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8),
        "id_data": id_data,
        "id_offsets": id_offsets,
        "rec_data": rec_data,
        "rec_offsets": rec_offsets,
        "sigs": np.ascontiguousarray(snap.sigs, dtype=np.uint32),
        "has_sig": np.asarray(snap.has_sig, dtype=np.bool_),
        "edges": np.asarray(snap.edges, dtype=np.int64).reshape(-1, 2),
    }
    tmp = file.with_name(f".{file.name}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]  # numpy stubs: allow_pickle
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(file.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not possible on every platform (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_stale_temps(file: Path) -> None:
    prefix = f".{file.name}{_TMP_MARK}"
    now = time.time()
    try:
        entries = list(file.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(prefix):
            try:
                if now - entry.stat().st_mtime > _STALE_TMP:
                    entry.unlink()
            except OSError:
                pass


def read(file: Path) -> Snapshot:
    """The snapshot stored in ``file``; :class:`DamagedFile` if it fails any check."""
    try:
        with np.load(file, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, EOFError, KeyError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise DamagedFile(f"{type(exc).__name__}: {exc}") from exc
    try:
        meta = json.loads(arrays["meta"].tobytes().decode())
        if meta.get("format") != FORMAT:
            raise DamagedFile("not a story-cluster file")
        if meta.get("version") != VERSION:
            raise DamagedFile(f"format version {meta.get('version')} (this reader: {VERSION})")
        n = int(meta["count"])
        id_offsets = arrays["id_offsets"]
        rec_offsets = arrays["rec_offsets"]
        sigs = arrays["sigs"]
        has_sig = arrays["has_sig"]
        edges = arrays["edges"]
        if not (len(id_offsets) == len(rec_offsets) == n + 1):
            raise DamagedFile("array lengths disagree with the header")
        if sigs.ndim != 2 or len(sigs) != n or sigs.dtype != np.uint32:
            raise DamagedFile("signatures disagree with the header")
        if len(has_sig) != n or len(edges) != int(meta["edges"]):
            raise DamagedFile("array lengths disagree with the header")
        if len(edges) and (edges.min() < 0 or edges.max() >= n):
            raise DamagedFile("a pair names an article that is not there")
        id_bytes = arrays["id_data"].tobytes()
        ids = [
            id_bytes[a:b].decode("utf-8", "surrogatepass")
            for a, b in zip(id_offsets[:-1].tolist(), id_offsets[1:].tolist(), strict=True)
        ]
        rec_data = arrays["rec_data"]
        records = np.split(rec_data, rec_offsets[1:-1]) if n else []
        for rec in records:
            if len(rec) < 4 or len(rec) != 4 + 2 * int(rec[2]) + int(rec[3]):
                raise DamagedFile("an article's sketch is cut short")
    except DamagedFile:
        raise
    except (KeyError, ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedFile(f"{type(exc).__name__}: {exc}") from exc
    return Snapshot(meta=meta, ids=ids, records=records, sigs=sigs, has_sig=has_sig, edges=edges)


__all__ = ["FILE_NAME", "DamagedFile", "Snapshot", "read", "resolve", "write"]
