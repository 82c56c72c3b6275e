"""Compaction: many segments merged into a few large ones after the entity pass.

Every commit of the entity pass adds one segment per worker (the pass replaces every
document, so the build's segments all die and are dropped). At a million paragraphs
that left 20 segments of 56,000 documents, past the sizes Whoosh's ``MERGE_SMALL``
merges, and every query walked all 20: a common word's postings were read in 20
pieces, an entity prefix looked up in 20 term dictionaries. Merged into two segments,
the same 1M index answered the benchmark's queries at a p50 of 6.4-6.5 ms instead of
9.2-10.0 ms, p99 37-39 instead of 50-51 ms, and the reader held 315 instead of 485 MB.

The rule (:func:`compaction_groups`): when an index has more than
``COMPACT_SEGMENTS`` live segments, all of them are merged into one segment per worker
(more when a segment would pass ``COMPACT_MAX_DOCS`` documents), the groups balanced by
document count. The workers merge their groups side by side, each into a segment of
its own, and one commit puts the merged segments in place of their sources: until that
commit the index is the one the pass committed, whole and searchable, and a pass that
is stopped during the merge leaves the index as it was, to be compacted by the next
entity run (even one with nothing left to enrich).

An incremental run adds a segment or two, which ``MERGE_SMALL`` folds in; compaction
only starts again once a run leaves more than ``COMPACT_SEGMENTS`` segments.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from g60_reader.index import analyzer

COMPACT_SEGMENTS = 8  # more live segments than this after an entity run: compact
COMPACT_MAX_DOCS = 2_000_000  # documents in one merged segment, at most


def compaction_groups(sizes: dict[str, int], workers: int) -> list[list[str]]:
    """Segment ids (``sizes``: id -> documents) in groups to merge, each group into one
    segment; ``[]`` when the index is compact enough (``COMPACT_SEGMENTS`` or fewer).

    There are ``workers`` groups, or more when a group would pass ``COMPACT_MAX_DOCS``;
    segments go largest first to the group with the fewest documents so far, so the
    groups (merged side by side) take about equally long. Groups of one segment are
    left out: there is nothing to merge."""
    if len(sizes) <= COMPACT_SEGMENTS:
        return []
    total = sum(sizes.values())
    count = max(1, workers, math.ceil(total / COMPACT_MAX_DOCS))
    groups: list[list[str]] = [[] for _ in range(count)]
    load = [0] * count
    for sid in sorted(sizes, key=lambda s: (-sizes[s], s)):
        g = min(range(count), key=load.__getitem__)
        groups[g].append(sid)
        load[g] += sizes[sid]
    return [g for g in groups if len(g) > 1]


def merge_segments(writer, ids: list[str]) -> list[tuple[str, int]]:
    """Merge the committed segments ``ids`` into ``writer``'s new segment (a worker's
    job, or the main process's). Returns each merged segment's id and deleted count as
    the writer saw them, for the commit to check against its own view."""
    from whoosh.reading import SegmentReader

    by_id = {s.segment_id(): s for s in writer.segments}
    seen = []
    for sid in ids:
        seg = by_id[sid]
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
        seen.append((sid, seg.deleted_count()))
    return seen


def live_segments(writer) -> dict[str, int]:
    """Every segment with live documents in ``writer``'s view: id -> documents."""
    return {s.segment_id(): s.doc_count_all() for s in writer.segments if s.doc_count() > 0}


def compact(
    new_writer: Callable[[], Any],
    get_workers: Callable[[], Any],
    procs: int,
    commit: Callable[[Any, list, set[str]], None],
    *,
    cancel: threading.Event | None = None,
    check_cancel: Callable[[threading.Event | None], None] = lambda _c: None,
    started: Callable[[], None] | None = None,
) -> Any:
    """Compact the index (see the module's doc) if it has too many segments.

    ``new_writer()`` opens a writer on the committed index (the caller holds the index's
    write lock); ``get_workers()`` gives the build's worker processes, started if need
    be, when ``procs > 1`` (without them the groups are merged here, one after
    another); ``commit(writer, merged, replaced)`` commits ``merged`` segments in place
    of the segments ``replaced``; ``started()`` is called when there is work to do.
    Returns the writer last opened (closed by the commit, or to be abandoned by the
    caller on an error)."""
    writer = new_writer()
    sizes = live_segments(writer)
    groups = compaction_groups(sizes, procs)
    if not groups:
        writer.cancel()
        return writer
    if started is not None:
        started()
    workers = get_workers() if procs > 1 else None
    seen: dict[str, int] = {}
    if workers is None:
        for i, group in enumerate(groups):
            check_cancel(cancel)
            if i:
                writer = new_writer()
            seen = dict(merge_segments(writer, group))
            _check_seen(writer, seen)
            commit(writer, [], set(seen))  # the writer's own segment is the merged one
            analyzer.counters["compacted_segments"] += len(seen)
        return writer
    merged: list = []
    n = len(workers.jobs)
    # rounds of one group per worker: two groups sent to one worker before its flush
    # would end up in one segment (past COMPACT_MAX_DOCS)
    for first in range(0, len(groups), n):
        round_ = groups[first : first + n]
        for w, group in enumerate(round_):
            workers.jobs[w].put(("apply", merge_segments, (group,)))
        for _ in round_:
            check_cancel(cancel)
            msg = workers.get()
            if msg[0] == "error":
                raise RuntimeError(msg[1])
            seen.update(msg[2])
        merged += workers.flush([w < len(round_) for w in range(n)])
    check_cancel(cancel)
    _check_seen(writer, seen)
    commit(writer, merged, set(seen))
    analyzer.counters["compacted_segments"] += len(seen)
    return writer


def _check_seen(writer, seen: dict[str, int]) -> None:
    """The merged segments must be the ones in ``writer``'s view, with the same
    deletions: a merge that missed a deletion would bring documents back."""
    mine = {s.segment_id(): s.deleted_count() for s in writer.segments}
    for sid, deleted in seen.items():
        if mine.get(sid) != deleted:
            raise RuntimeError(f"segment {sid} changed while it was being merged")
