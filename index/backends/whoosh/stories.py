"""Reprint clusters of the Whoosh index: the engine's state and the readers' map.

The engine (:mod:`g60_reader.index.reprints`) keeps its sketches in
``.g60-reprints.npz``; after each run the clusters are written to
``.g60-stories.json`` (cluster id -> member ids), which searchers load
(:mod:`.articles`). A run adds the articles the engine has not seen (their text read
from the stored paragraphs), removes those that left the index, saves both files
atomically and returns how many articles changed cluster.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from g60_reader.index.contract import Progress
from g60_reader.index.errors import Cancelled
from g60_reader.index.reprints import StoryClusters, StoryDoc

from .articles import STORIES_NAME
from .files import WriteLock

ENGINE_NAME = ".g60-reprints.npz"
READ_BATCH = 2000  # articles read from the index per step (progress, cancel)


SCAN_ABOVE = 2000  # more new articles than this: read every stored document once


def _text(backend, article_id: str) -> StoryDoc | None:
    stored = backend.article(article_id)
    if stored is None:
        return None
    article = stored.article
    return StoryDoc(article.id, article.title, "\n".join(p.text for p in article.paragraphs))


def _scan(searcher, wanted: set[str]):
    """The texts of ``wanted`` articles by one pass over the stored documents (groups
    are contiguous: an article document, then its paragraphs in order): 15-20 µs a
    document, where reading article by article costs about 1 ms an article."""
    title = None
    aid = None
    parts: list[str] = []
    for fields in searcher.reader().all_stored_fields():
        if fields.get("kind") == "a":
            if aid is not None:
                yield StoryDoc(aid, title or "", "\n".join(parts))
            meta = fields.get("meta") or {}
            aid = meta.get("id") if meta.get("id") in wanted and not meta.get("copy_of") else None
            title = meta.get("title", "")
            parts = []
        elif aid is not None and fields.get("aid") == aid:
            parts.append(fields.get("text", ""))
    if aid is not None:
        yield StoryDoc(aid, title or "", "\n".join(parts))


def cluster_stories(backend, *, progress: Progress | None = None, cancel=None) -> int:
    """Bring the clusters of ``backend``'s index up to date (see the module)."""
    index_dir: Path = backend.index_dir
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=True)
        view = backend._view()
        table = view.articles
        rows = np.flatnonzero(table.alive & ~table.copy).tolist()
        current = {table.ids[r]: table.hashes[r] for r in rows}
        # what the last run clustered (every id, with the hash of its text) and how
        try:
            stored = json.loads((index_dir / STORIES_NAME).read_text(encoding="utf-8"))
            hashes = dict(stored.get("hashes") or {})
            clusters = dict(stored.get("clusters") or {})
        except (OSError, ValueError, AttributeError):
            stored, hashes, clusters = None, {}, {}
        engine = StoryClusters.open(index_dir / ENGINE_NAME)
        if engine.stale or stored is None:  # other hashing, or a run that never finished
            engine.close()
            engine = StoryClusters(engine.path, engine.params, engine.workers)
            hashes, clusters = {}, {}
        try:
            return _run(
                engine,
                backend,
                view.searcher,
                current,
                hashes,
                clusters,
                index_dir=index_dir,
                progress=progress,
                cancel=cancel,
            )
        finally:
            engine.close()  # (its worker processes)


def _run(
    engine: StoryClusters,
    backend,
    searcher,
    current: dict[str, str],
    hashes: dict[str, str],
    clusters: dict[str, list[str]],
    *,
    index_dir: Path,
    progress: Progress | None,
    cancel,
) -> int:
    """One run over an open engine: forget, add, save; the clusters for the readers."""
    before = {aid: cid for cid, members in clusters.items() for aid in members}
    known = set(hashes)
    gone = known - set(current)
    if gone:
        engine.remove(gone)
    # new articles, and articles whose text changed since they were clustered
    new = [aid for aid, h in current.items() if hashes.get(aid) != h]
    if progress:
        progress(0, len(new), "")
    if len(new) > SCAN_ABOVE:
        docs = _scan(searcher, set(new))
    else:
        docs = (doc for doc in (_text(backend, aid) for aid in new) if doc is not None)
    done = 0
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled("story clustering cancelled")
        batch = [doc for _n, doc in zip(range(READ_BATCH), docs, strict=False)]
        if not batch:
            break
        engine.add(batch)
        done += len(batch)
        if progress:
            progress(done, len(new), "")
    engine.save()
    found = {cid: members for cid, members in engine.clusters(min_size=2)}
    stories = {"clusters": found, "hashes": current}
    tmp = index_dir / f"{STORIES_NAME}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(stories, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, index_dir / STORIES_NAME)
    after = {aid: cid for cid, members in found.items() for aid in members}
    ids = set(before) | set(after)
    return sum(1 for aid in ids if before.get(aid) != after.get(aid))
