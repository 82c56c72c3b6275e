"""StoryClusters: near-duplicate articles grouped into stories, kept up to date at index time.

The pipeline per article: fold and normalise the text and drop furniture (:mod:`.text`);
take character 5-shingles; sign them with rensa's R-MinHash and sample them for
verification (:mod:`.sketch`); find candidate pairs by banding the signatures (32 bands of
2 rows, :mod:`.bands`); accept a candidate when the containment of one in the other holds
with boilerplate discounted (:mod:`.verify`); clusters are the connected components of the
accepted pairs (:mod:`.graph`). The state is saved in one file (:mod:`.storage`).

**Incremental equals batch.** Candidates depend only on the two signatures, and a
decision only on the two sketches and the document frequency of their units. Adding (or
removing) articles changes those frequencies, so every article holding a unit whose count
crossed ``df_cap`` has all its candidate pairs decided again; after every ``add`` and
``remove`` the pairs are exactly those a batch run over the same articles would accept.

**Costs** (this 2-core machine, 100k synthetic articles with 10% planted reprints, other
jobs running; docs/reprints.md has the full table): batch clustering 33 s of CPU (26-28 s
in two worker processes, about 6 s here), 18.6-43.8 s wall depending on the other jobs;
adding 1,000 articles to the clustered archive 0.35 s; 262 MB resident for the whole
process after clustering 100k (213 MB over the bare interpreter); 75 MB on disk; reopening
0.3 s.

Not thread-safe: one writer at a time (the index's write lock covers it). Reading methods
(:meth:`StoryClusters.cluster_of`, :meth:`StoryClusters.members`,
:meth:`StoryClusters.clusters`) never touch the band index or the sketches.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import os
import weakref
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rensa

from g60_reader.index.errors import IndexDamaged, IndexUnavailable

from . import storage
from .bands import BandIndex
from .graph import Components
from .params import Params
from .pool import Pool
from .sketch import (
    DF_BITS,
    TOKEN_HASH,
    Prepared,
    buckets_of,
    can_spawn,
    new_pool,
    prepare_parallel,
)
from .verify import same_story

PARALLEL_MIN = 2000  # batches at least this large are sketched in worker processes
_QUERY_CHUNK = 20_000  # slots whose candidate pairs are gathered at once


@dataclass(frozen=True, slots=True)
class StoryDoc:
    """One article as the index sees it: ``text`` as stored (any script; folded here).

    The title takes no part in detection (reprints get new headlines); it is accepted so
    that callers need not strip it.
    """

    article_id: str
    title: str
    text: str


def _rensa_meta() -> dict[str, object]:
    version = getattr(rensa, "__version__", None)
    if version is None:
        try:
            from importlib.metadata import version as _v

            version = _v("rensa")
        except Exception:  # pragma: no cover - metadata missing in odd installs
            version = "unknown"
    return {
        "rensa": version,
        "rminhash_algorithm": int(rensa.RMinHash.ALGORITHM_VERSION),
        "df_bits": DF_BITS,
        "token_hash": TOKEN_HASH,
    }


def _shutdown(pool: ProcessPoolExecutor) -> None:
    pool.shutdown(wait=True, cancel_futures=True)


def _release_memory() -> None:
    """Hand the heap freed by a large batch back to the system (glibc's ``malloc_trim``).

    A batch of 100k articles leaves about 40 MB of freed but still resident heap (the
    transient signatures and worker results); nothing else changes. A no-op elsewhere.
    """
    gc.collect()
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _DfChange:
    """Document-frequency updates of one operation, and which buckets crossed the cap.

    The count before the operation is remembered for every bucket it touches, so a
    bucket that goes up and down again within one call is no crossing.
    """

    def __init__(self, df: np.ndarray) -> None:
        self.df = df
        self._buckets: list[np.ndarray] = []
        self._before: list[np.ndarray] = []

    def count(self, buckets: np.ndarray, sign: int) -> None:
        """Count one article's units in (``+1``) or out (``-1``)."""
        self.count_many([buckets], sign)

    def count_many(self, bucket_lists: list[np.ndarray], sign: int) -> None:
        """Count several articles' units (each article once per distinct unit)."""
        lists = [b for b in bucket_lists if len(b)]
        if not lists:
            return
        owner = np.repeat(np.arange(len(lists), dtype=np.int64), [len(b) for b in lists])
        flat = np.concatenate(lists).astype(np.int64)
        per_article = np.unique((owner << 32) | flat) & 0xFFFFFFFF
        uniq, times = np.unique(per_article, return_counts=True)
        before = self.df[uniq]
        self._buckets.append(uniq)
        self._before.append(before)
        if sign > 0:
            self.df[uniq] = before + times.astype(np.uint32)
        else:
            self.df[uniq] = np.maximum(before.astype(np.int64) - times, 0).astype(np.uint32)

    def crossed(self, cap: int) -> np.ndarray:
        """Buckets on the other side of ``cap`` than before the operation."""
        if not self._buckets:
            return np.empty(0, np.uint32)
        buckets = np.concatenate(self._buckets)
        before = np.concatenate(self._before)
        uniq, first = np.unique(buckets, return_index=True)
        was = before[first] >= cap
        now = self.df[uniq] >= cap
        return uniq[was != now]


class StoryClusters:
    """Story clusters of an archive: which articles are copies of one story.

    Open with :meth:`open`; feed articles with :meth:`add` (new ones join existing
    clusters), take them out with :meth:`remove`, persist with :meth:`save`.
    """

    def __init__(self, file: Path | None, params: Params, workers: int) -> None:
        self._file = file
        self.params = params
        self.workers = workers
        self._ids: list[str | None] = []  # slot -> article id (None: removed)
        self._slot: dict[str, int] = {}
        self._recs = Pool(np.uint32)  # packed sketch per slot (see .sketch)
        self._sigs = np.zeros((0, params.num_perm), dtype=np.uint32)  # rensa signatures
        self._has_sig = np.zeros(0, dtype=np.bool_)
        self._graph = Components(self._name)
        self._df: np.ndarray | None = None
        self._index: BandIndex | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._pool_closer: weakref.finalize | None = None
        self.stale = False
        """True when the stored signatures were made by another rensa algorithm (or another
        frequency layout): clusters can be read, but :meth:`add` and :meth:`remove` raise
        until the archive is re-clustered."""

    # -- opening and saving -----------------------------------------------------------
    @classmethod
    def open(
        cls, path: Path | None, *, params: Params | None = None, workers: int | None = None
    ) -> StoryClusters:
        """The clusters stored at ``path`` (a directory, or a ``.npz`` file beside the
        index); an empty set if nothing is stored there yet; in memory when ``None``.

        ``params`` defaults to the stored parameters (or :class:`Params` ()). ``workers``
        is the number of processes that sketch large batches (default: up to 2 cores).

        Raises:
            IndexDamaged: the file exists but is damaged or is not a cluster file.
            IndexUnavailable: the file was made with other hashing parameters than the
                ``params`` given.
        """
        if workers is None:
            workers = min(2, os.cpu_count() or 1)
        file = storage.resolve(Path(path)) if path is not None else None
        if file is None or not file.exists():
            return cls(file, params or Params(), workers)
        try:
            snap = storage.read(file)
        except storage.DamagedFile as exc:
            raise IndexDamaged(f"{file}: story clusters are damaged ({exc})") from exc
        stored = Params.from_dict(snap.meta.get("params", {}))
        if params is not None and params.hashing() != stored.hashing():
            raise IndexUnavailable(
                f"{file}: story clusters were built with {stored.hashing()}, not "
                f"{params.hashing()}; re-cluster the archive"
            )
        self = cls(file, params or stored, workers)
        if snap.sigs.shape[1:] != (self.params.num_perm,):
            raise IndexDamaged(f"{file}: story clusters are damaged (signature width)")
        self._ids = list(snap.ids)
        self._slot = {aid: i for i, aid in enumerate(snap.ids)}
        if len(self._slot) != len(snap.ids):
            raise IndexDamaged(f"{file}: story clusters are damaged (an article id twice)")
        for slot, rec in enumerate(snap.records):
            self._recs.put(slot, rec)
        self._sigs = np.array(snap.sigs, dtype=np.uint32)
        self._has_sig = np.array(snap.has_sig, dtype=np.bool_)
        stored_meta, current = snap.meta.get("rensa_meta", {}), _rensa_meta()
        self.stale = any(
            stored_meta.get(k) != current[k]
            for k in ("rminhash_algorithm", "df_bits", "token_hash")
        )
        for u, v in snap.edges.tolist():
            self._graph.link(u, v)
        self._graph.settle(list(self._graph.adj))
        return self

    def save(self) -> None:
        """Write the clusters to their file atomically (nothing to do in memory).

        A save killed midway leaves the previous file intact (see :mod:`.storage`).
        """
        if self._file is None:
            return
        alive = [s for s, aid in enumerate(self._ids) if aid is not None]
        new_slot = {s: i for i, s in enumerate(alive)}
        edges = np.array(
            [(new_slot[u], new_slot[v]) for u, v in self._graph.edges()], dtype=np.int64
        ).reshape(-1, 2)
        live = np.array(alive, dtype=np.int64)
        snap = storage.Snapshot(
            meta={"params": self.params.to_dict(), "rensa_meta": _rensa_meta()},
            ids=[self._name(s) for s in alive],
            records=[self._recs.get(s) for s in alive],  # type: ignore[misc]
            sigs=self._sigs[live] if len(live) else self._sigs[:0],
            has_sig=self._has_sig[live] if len(live) else self._has_sig[:0],
            edges=edges,
        )
        storage.write(self._file, snap)

    @property
    def path(self) -> Path | None:
        """The cluster file (``None`` in memory)."""
        return self._file

    # -- reading ----------------------------------------------------------------------
    def __len__(self) -> int:
        """Number of articles known (clustered or not)."""
        return len(self._slot)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._slot

    def ids(self) -> list[str]:
        """Every article id known (clustered or not)."""
        return list(self._slot)

    def cluster_of(self, article_id: str) -> str | None:
        """The stable id of the article's story cluster; ``None`` when the article is not
        known or no other article is a copy of it."""
        slot = self._slot.get(article_id)
        return None if slot is None else self._graph.cluster_of.get(slot)

    def members(self, cluster_id: str) -> list[str]:
        """The article ids of a cluster, sorted; ``[]`` for an unknown cluster id."""
        return [self._name(s) for s in self._graph.members.get(cluster_id, ())]

    def clusters(self, min_size: int = 2) -> Iterator[tuple[str, list[str]]]:
        """``(cluster_id, member ids)`` of every cluster of at least ``min_size`` articles,
        largest first (ties by cluster id)."""
        items = sorted(self._graph.members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        for cid, slots in items:
            if len(slots) >= min_size:
                yield cid, [self._name(s) for s in slots]

    def _name(self, slot: int) -> str:
        name = self._ids[slot]
        assert name is not None
        return name

    # -- changing ---------------------------------------------------------------------
    def add(self, docs: Iterable[StoryDoc]) -> None:
        """Add articles; each joins the cluster of its copies (clusters may merge).

        An article id already present is replaced by the new text. Within one call the
        last article of an id wins. Articles too short to be a story (``min_chars``) are
        kept but never clustered.

        Raises:
            IndexUnavailable: the store is :attr:`stale`.
        """
        self._writable()
        index = self._ensure_index()
        change = _DfChange(self._ensure_df())
        source = ((d.article_id, d.text) for d in docs)
        head = list(itertools.islice(source, PARALLEL_MIN))
        workers = self.workers if len(head) >= PARALLEL_MIN else 1
        pool = self._worker_pool() if workers > 1 and can_spawn() else None
        stream = itertools.chain(head, source)
        new: set[int] = set()
        touched: set[int] = set()
        counted: list[np.ndarray] = []  # units of placed articles, counted in batches
        for prepared in prepare_parallel(stream, self.params, workers, pool=pool):
            old = self._slot.get(prepared[0])
            if old is not None:  # a replacement: the old text leaves first
                change.count_many(counted, +1)
                counted = []
                touched |= self._vacate(old, index, change)
                touched.add(old)
                new.discard(old)
            slot = self._place(prepared)
            new.add(slot)
            counted.append(buckets_of(prepared[1]))
            if len(counted) >= 4096:
                change.count_many(counted, +1)
                counted = []
        change.count_many(counted, +1)
        signed = np.array(sorted(s for s in new if self._has_sig[s]), dtype=np.int64)
        index.add(signed, self._sigs[signed])
        if not new and not touched:
            return
        dirty = self._holding(change.crossed(self.params.df_cap)) - new
        touched |= self._decide(sorted(new), skip=set(), once=new)
        touched |= self._decide(sorted(dirty), skip=new, once=dirty)
        self._graph.settle(touched)
        if len(new) >= PARALLEL_MIN:
            _release_memory()

    def remove(self, article_ids: Iterable[str]) -> None:
        """Remove articles; their clusters are recomputed (a cluster whose bridge article
        goes splits into its remaining components). Unknown ids are ignored.

        Raises:
            IndexUnavailable: the store is :attr:`stale`.
        """
        self._writable()
        index = self._ensure_index()
        change = _DfChange(self._ensure_df())
        touched: set[int] = set()
        for aid in article_ids:
            slot = self._slot.get(aid)
            if slot is None:
                continue
            touched |= self._vacate(slot, index, change)
            touched.add(slot)
        if not touched:
            return
        dirty = self._holding(change.crossed(self.params.df_cap))
        touched |= self._decide(sorted(dirty), skip=set(), once=dirty)
        self._graph.settle(touched)

    def close(self) -> None:
        """Stop the worker processes, if any were started (they are kept between ``add``
        calls: starting them costs about a second). The store stays usable."""
        if self._pool_closer is not None:
            self._pool_closer()
        self._pool = None
        self._pool_closer = None

    def __enter__(self) -> StoryClusters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------
    def _worker_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = new_pool(self.workers)
            # shut down with this object, or at exit, whichever comes first
            self._pool_closer = weakref.finalize(self, _shutdown, self._pool)
        return self._pool

    def _writable(self) -> None:
        if self.stale:
            raise IndexUnavailable(
                f"{self._file}: story clusters were signed by another rensa algorithm; "
                "re-cluster the archive"
            )

    def _place(self, prepared: Prepared) -> int:
        """Store one sketched article (whose id is not present) in a new slot.

        Slots are never reused while the store is open (a reused slot could meet keys of
        its former article in the band index); saving compacts them.
        """
        article_id, rec, sig = prepared
        slot = len(self._ids)
        self._ids.append(article_id)
        self._recs.put(slot, rec)
        if slot >= len(self._has_sig):
            size = max(slot + 1, 2 * len(self._has_sig), 1024)
            sigs = np.zeros((size, self.params.num_perm), dtype=np.uint32)
            sigs[: len(self._sigs)] = self._sigs
            has = np.zeros(size, dtype=np.bool_)
            has[: len(self._has_sig)] = self._has_sig
            self._sigs, self._has_sig = sigs, has
        if sig is not None:
            self._sigs[slot] = sig
            self._has_sig[slot] = True
        self._slot[article_id] = slot
        return slot

    def _vacate(self, slot: int, index: BandIndex, change: _DfChange) -> set[int]:
        """Take an article out of every structure; its former pair neighbours."""
        aid = self._ids[slot]
        rec = self._recs.get(slot)
        if self._has_sig[slot]:
            index.remove(np.array([slot]))
            self._has_sig[slot] = False
        if rec is not None:
            change.count(buckets_of(rec), -1)
        nbrs = self._graph.drop(slot)
        # settle while the slot still has its name: its old cluster is found through it
        self._graph.settle(nbrs | {slot})
        if aid is not None:
            del self._slot[aid]
        self._ids[slot] = None
        self._recs.drop(slot)
        return nbrs

    def _holding(self, buckets: np.ndarray) -> set[int]:
        """Slots whose articles hold a unit in one of ``buckets`` (vectorised: about 50 ms
        for 100k articles)."""
        if not len(buckets):
            return set()
        slots = self._recs.live_slots()
        n_units = self._recs.item(slots, 2).astype(np.int64)
        values, owners = self._recs.gather(slots, np.full(len(slots), 4, np.int64), n_units)
        hit = np.zeros(1 << DF_BITS, dtype=np.bool_)
        hit[buckets] = True
        return set(np.unique(owners[hit[values]]).tolist())

    def _decide(self, slots: list[int], skip: set[int], once: set[int]) -> set[int]:
        """Decide every candidate pair of ``slots`` with :func:`same_story` and set its edge.

        Candidates in ``skip`` are left alone (decided already); a pair of two slots of
        ``once`` is decided once. Returns the slots whose edges changed.
        """
        touched: set[int] = set()
        signed = [s for s in slots if self._has_sig[s]]
        if not signed:
            return touched
        index = self._ensure_index()
        df = self._ensure_df()
        params = self.params
        recs = self._recs
        graph = self._graph
        for i in range(0, len(signed), _QUERY_CHUNK):
            part = np.array(signed[i : i + _QUERY_CHUNK], dtype=np.int64)
            for slot, c in index.pairs(part, self._sigs[part]).tolist():
                if c in skip or (c < slot and c in once):
                    continue
                ok = same_story(recs.get(slot), recs.get(c), df, params)  # type: ignore[arg-type]
                if ok != graph.has(slot, c):
                    if ok:
                        graph.link(slot, c)
                    else:
                        graph.unlink(slot, c)
                    touched.add(slot)
                    touched.add(c)
        return touched

    def _ensure_index(self) -> BandIndex:
        if self._index is None:
            index = BandIndex(self.params.num_perm, self.params.bands)
            signed = np.flatnonzero(self._has_sig[: len(self._ids)])
            index.add(signed, self._sigs[signed])
            self._index = index
        return self._index

    def _ensure_df(self) -> np.ndarray:
        if self._df is None:
            df = np.zeros(1 << DF_BITS, dtype=np.uint32)
            slots = self._recs.live_slots()
            if len(slots):
                n_units = self._recs.item(slots, 2).astype(np.int64)
                values, owners = self._recs.gather(slots, np.full(len(slots), 4, np.int64), n_units)
                # each article counts once per distinct unit
                pairs = np.unique((owners << 32) | values.astype(np.int64))
                np.add.at(df, (pairs & 0xFFFFFFFF).astype(np.int64), 1)
            self._df = df
        return self._df


__all__ = ["StoryClusters", "StoryDoc"]
