"""Article-level arrays for a searcher: publication day, outlet, story, copy flag.

Date and outlet filters, date sorts, timelines, outlet counts and the collapsing of
reprint clusters all need, for every matching paragraph, something of its article.
Reading the article's stored metadata per hit is far too slow for counts over every
match (about 15 µs a document: 1.5 s for 100k articles), so each **segment** gets a
small table of its article documents once, kept on disk beside the index
(``.g60-articles/<segment id>.npz``; segments never change, so the table never goes
stale, and a commit removes the tables of segments that are gone). A searcher's
:class:`ArticleTable` concatenates its segments' tables: loading them takes
milliseconds; only a new segment is read from stored fields, once.

Stories (reprint clusters) come from ``.g60-stories.json`` (``clusters``: cluster id ->
member article ids; ``hashes``: the content hash each member was clustered with),
written by :meth:`WhooshBackend.cluster_stories`.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import numpy as np

from g60_reader.index.contract import Filters
from g60_reader.index.results import UNDATED, day_number, earliest_first, outlet_key

CACHE_DIR = ".g60-articles"
TABLE_VERSION = "v2"  # in the file name: a new layout never reads an old table
STORIES_NAME = ".g60-stories.json"


def _segment_table(index_dir: Path, sub, offset: int) -> dict[str, np.ndarray]:
    """The article documents of one segment (local docnums), from the cache or read."""
    reader = sub.reader()
    segment = reader.segment()
    path = index_dir / CACHE_DIR / f"{segment.segid}.{TABLE_VERSION}.npz"
    with (
        contextlib.suppress(OSError, ValueError, KeyError, EOFError),
        np.load(path, allow_pickle=False) as data,
    ):
        return {k: data[k] for k in data.files}
    docs = sorted(_article_docs(reader))
    metas = [reader.stored_fields(d).get("meta") or {} for d in docs]
    table = {
        "doc": np.asarray(docs, dtype=np.int64),
        "day": np.asarray([day_number(m.get("published")) for m in metas], dtype=np.int64),
        "copy": np.asarray([bool(m.get("copy_of")) for m in metas], dtype=bool),
        "paragraphs": np.asarray([int(m.get("paragraphs", 0)) for m in metas], dtype=np.int64),
        "id": np.asarray([m.get("id", "") for m in metas], dtype=str),
        "outlet": np.asarray([m.get("outlet", "") for m in metas], dtype=str),
        "published": np.asarray([m.get("published") or "" for m in metas], dtype=str),
        "hash": np.asarray([m.get("content_hash", "") for m in metas], dtype=str),
        "credit": np.asarray([m.get("source_credit", "") for m in metas], dtype=str),
    }
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **table)  # type: ignore[arg-type]  # (numpy's stub reads ** as a flag)
        os.replace(tmp, path)
    return table


def _article_docs(reader) -> list[int]:
    """Local docnums of the segment's article documents (kind=a)."""
    if ("kind", "a") not in reader:
        return []
    return list(reader.postings("kind", "a").all_ids())


def remove_stale_tables(index_dir: Path, live_segment_ids: set[str]) -> None:
    """Delete the cached tables of segments that are no longer in the index."""
    folder = index_dir / CACHE_DIR
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        segid = path.name.split(".", 1)[0]
        if segid not in live_segment_ids:
            with contextlib.suppress(OSError):
                path.unlink()


class ArticleTable:
    """Every article document of a searcher, as arrays in docnum order."""

    def __init__(self, searcher, index_dir: Path, live: np.ndarray | None = None) -> None:
        parts = [
            (_segment_table(index_dir, sub, offset), offset)
            for sub, offset in searcher.leaf_searchers()
        ]
        docs = [t["doc"] + off for t, off in parts]
        self.doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        self.day = _cat(parts, "day", np.int64)
        self.copy = _cat(parts, "copy", bool)
        self.paragraphs = _cat(parts, "paragraphs", np.int64)
        self.ids: list[str] = [str(x) for t, _o in parts for x in t["id"]]
        self.published: list[str] = [str(x) for t, _o in parts for x in t["published"]]
        self.hashes: list[str] = [str(x) for t, _o in parts for x in t["hash"]]
        self.credits: list[str] = [str(x) for t, _o in parts for x in t["credit"]]
        outlets = [str(x) for t, _o in parts for x in t["outlet"]]
        self.outlets = outlets
        keys: dict[str, int] = {}
        self.outlet_names: list[str] = []
        codes = np.empty(len(outlets), dtype=np.int64)
        for i, name in enumerate(outlets):
            key = outlet_key(name)
            code = keys.get(key)
            if code is None:
                code = keys[key] = len(self.outlet_names)
                self.outlet_names.append(name)
            codes[i] = code
        self.outlet = codes
        self.outlet_codes = keys
        # deleted article documents (an article replaced, a copy promoted) never count
        self.alive = (
            np.ones(self.doc.size, dtype=bool) if live is None else live[self.doc].astype(bool)
        )
        self.row = {aid: i for i, aid in enumerate(self.ids) if self.alive[i]}
        self.cluster = np.full(self.doc.size, -1, dtype=np.int64)
        # place of the row in its story, earliest first (0: the story's first copy)
        self.story_rank = np.zeros(self.doc.size, dtype=np.int64)
        self.cluster_ids: list[str] = []
        self.cluster_sizes: list[int] = []
        self._allowed: dict[tuple, np.ndarray] = {}
        self._rank: np.ndarray | None = None
        self._doc_rows: np.ndarray | None = None
        self._load_stories(index_dir / STORIES_NAME)

    def _load_stories(self, path: Path) -> None:
        try:
            stories = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(stories, dict) or not isinstance(stories.get("clusters"), dict):
            return
        for cluster, members in stories["clusters"].items():
            rows = [self.row[a] for a in members if a in self.row and not self.copy[self.row[a]]]
            if len(rows) < 2:
                continue
            code = len(self.cluster_ids)
            self.cluster_ids.append(str(cluster))
            self.cluster_sizes.append(len(rows))
            self.cluster[rows] = code
            ordered = earliest_first(_Row(self, r) for r in rows)
            for rank, row in enumerate(ordered):
                self.story_rank[row.index] = rank

    @property
    def has_stories(self) -> bool:
        return bool(self.cluster_ids)

    def published_rank(self) -> np.ndarray:
        """Each row's place in the order of publication (``published`` as written, so
        times of one day order too); -1 for undated rows."""
        if self._rank is None:
            values = np.asarray(self.published, dtype=str)
            names, rank = np.unique(values, return_inverse=True)
            rank = rank.astype(np.int64)
            if names.size and names[0] == "":
                rank -= 1  # "" sorts first: undated rows become -1
            self._rank = rank
        return self._rank

    def doc_rows(self, n: int) -> np.ndarray:
        """The article row of every document number below ``n`` (-1 before the first
        article), worked out once."""
        if self._doc_rows is None or self._doc_rows.size != n:
            self._doc_rows = self.rows_of(np.arange(n, dtype=np.int64))
        return self._doc_rows

    def rows_of(self, docs: np.ndarray) -> np.ndarray:
        """The table row of each (sorted) paragraph docnum: its article."""
        return np.searchsorted(self.doc, docs, side="right") - 1

    def collapse(self, rows: np.ndarray) -> np.ndarray:
        """Which of the matching article ``rows`` show, when a story shows once: of
        each story's matching copies, the earliest (the story's first copy when it
        matches; a later one when only it holds what was searched)."""
        keep = np.ones(rows.size, dtype=bool)
        codes = self.cluster[rows]
        inside = codes >= 0
        if not inside.any():
            return keep
        best = np.full(len(self.cluster_ids), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(best, codes[inside], self.story_rank[rows[inside]])
        keep[inside] = self.story_rank[rows[inside]] == best[codes[inside]]
        return keep

    def allowed(self, filters: Filters | None, all_copies: bool = True) -> np.ndarray:
        """Which article rows pass ``filters`` (collapsing stories is
        :meth:`collapse`: it depends on what matched)."""
        key = (filters,)
        got = self._allowed.get(key)
        if got is not None:
            return got
        ok = self.alive & ~self.copy
        if filters and filters.outlets:
            codes = [self.outlet_codes.get(outlet_key(o), -1) for o in filters.outlets]
            ok &= np.isin(self.outlet, np.asarray(codes, dtype=np.int64))
        if filters and filters.dated:
            ok &= self.day != UNDATED
            if filters.since is not None:
                ok &= self.day >= day_number(filters.since)
            if filters.until is not None:
                ok &= self.day <= day_number(filters.until)
        if len(self._allowed) > 256:  # (one per filter: a few KB each at 100k)
            self._allowed.clear()
        self._allowed[key] = ok
        return ok

    def undated_rows(self, filters: Filters | None) -> np.ndarray:
        """Rows a date filter leaves out only because their date is unknown."""
        key = ("undated", filters)
        got = self._allowed.get(key)
        if got is not None:
            return got
        ok = self.alive & ~self.copy & (self.day == UNDATED)
        if filters and filters.outlets:
            codes = [self.outlet_codes.get(outlet_key(o), -1) for o in filters.outlets]
            ok &= np.isin(self.outlet, np.asarray(codes, dtype=np.int64))
        self._allowed[key] = ok
        return ok

    def story_of(self, row: int) -> tuple[str | None, int]:
        """``(cluster id, other members)`` of an article row."""
        code = int(self.cluster[row])
        if code < 0:
            return None, 0
        return self.cluster_ids[code], self.cluster_sizes[code] - 1


class _Row:
    """An article row seen as what :func:`earliest_first` orders (id, published)."""

    __slots__ = ("id", "index", "outlet", "published", "source_credit")

    def __init__(self, table: ArticleTable, index: int) -> None:
        self.index = index
        self.id = table.ids[index]
        self.published = table.published[index] or None
        self.outlet = table.outlets[index]
        self.source_credit = table.credits[index]


def _cat(parts, name: str, dtype) -> np.ndarray:
    arrays = [t[name] for t, _o in parts]
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)
