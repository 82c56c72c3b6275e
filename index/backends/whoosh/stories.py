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


def _text(backend, article_id: str) -> StoryDoc | None:
    stored = backend.article(article_id)
    if stored is None:
        return None
    article = stored.article
    return StoryDoc(article.id, article.title, "\n".join(p.text for p in article.paragraphs))


def cluster_stories(backend, *, progress: Progress | None = None, cancel=None) -> int:
    """Bring the clusters of ``backend``'s index up to date (see the module)."""
    index_dir: Path = backend.index_dir
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=True)
        view = backend._view()
        table = view.articles
        rows = np.flatnonzero(table.alive & ~table.copy).tolist()
        current = {table.ids[r]: table.hashes[r] for r in rows}
        try:
            stored = json.loads((index_dir / STORIES_NAME).read_text(encoding="utf-8"))
            hashes = dict(stored.get("hashes") or {})
        except (OSError, ValueError, AttributeError):
            hashes = {}
        engine = StoryClusters.open(index_dir / ENGINE_NAME)
        if engine.stale:  # sketches of another hashing: start again
            engine = StoryClusters(engine.path, engine.params, engine.workers)
        before = {aid: engine.cluster_of(aid) for aid in engine.ids()}
        known = set(before)
        wanted = set(current)
        gone = known - wanted
        if gone:
            engine.remove(gone)
        # new articles, and articles whose text changed since they were clustered
        new = [aid for aid, h in current.items() if aid not in known or hashes.get(aid) != h]
        if progress:
            progress(0, len(new), "")
        for start in range(0, len(new), READ_BATCH):
            if cancel is not None and cancel.is_set():
                raise Cancelled("story clustering cancelled")
            batch = new[start : start + READ_BATCH]
            engine.add(doc for doc in (_text(backend, aid) for aid in batch) if doc is not None)
            if progress:
                progress(min(start + READ_BATCH, len(new)), len(new), "")
        engine.save()
        stories = {
            "clusters": {cid: members for cid, members in engine.clusters(min_size=2)},
            "hashes": current,
        }
        tmp = index_dir / f"{STORIES_NAME}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(stories, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, index_dir / STORIES_NAME)
        after = {aid: engine.cluster_of(aid) for aid in engine.ids()}
        ids = set(before) | set(after)
        return sum(1 for aid in ids if before.get(aid) != after.get(aid))
