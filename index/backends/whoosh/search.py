"""The Whoosh backend of :class:`g60_reader.index.contract.SearchBackend`.

Searching never analyses text again: the query is parsed into Whoosh queries
(:mod:`.query`), matches are counted from the matching document set, the requested
page is scored, and each hit's spans are found by substring search of the folded query
strings in the folded paragraph text (same length as the original, so the offsets are
offsets into the original).

Thread safety: each thread gets its own Whoosh searcher, refreshed when the index on
disk has changed (checked at most every ``REFRESH_INTERVAL`` seconds).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import struct
import threading
import time
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable
from hashlib import md5 as _md5
from itertools import islice
from pathlib import Path

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.collectors import TopCollector

from g60_reader.corpus.model import ENTITY_TYPES, Article, EntitySpan, Paragraph
from g60_reader.index import pinyin
from g60_reader.index.analyzer import HAN_RUN_RE, find_spans, fold_normalise, is_han, normalise
from g60_reader.index.contract import (
    SORTS,
    ArticleSummary,
    Capabilities,
    Filters,
    Hit,
    IndexStats,
    OutletCount,
    Recogniser,
    SearchResult,
    StoredArticle,
    Story,
    Timeline,
    UpdateReport,
)
from g60_reader.index.errors import BackendError, IndexUnavailable
from g60_reader.index.paths import resolve_index_dir
from g60_reader.index.pinyin import full_key, is_pinyin_query
from g60_reader.index.query import parse
from g60_reader.index.results import snippet, stories_of, timeline_counts
from g60_reader.index.timeline import PERIODS

from . import _compat, store
from .articles import STORIES_NAME, ArticleTable
from .fastpath import FastSearcher, Unsupported, top_hits
from .lexicon import PinyinTable
from .packed import MixedTermsReader
from .translate import to_whoosh

PINYIN_EXPANSIONS = 8
PINYIN_SINGLE_CHARS = 2  # of the expansions, at most this many single characters
PINYIN_BEAM = 32  # partial words kept per syllable when deriving from bigrams
PINYIN_LOOKUPS = 8000  # no further segmentation is tried after this many term lookups
PINYIN_APOSTROPHE_PENALTY = 8  # xi'an readings count an eighth
FACET_SCAN = 2000
REFRESH_INTERVAL = 0.5
MAX_PAGELEN = 1000
_orig_dfl = W3PerDocReader.doc_field_length
COUNT_CACHE = 256  # (total, articles) per query, per index generation
META_CACHE = 8192  # article metadata dictionaries kept per index generation


class _PageCollector(TopCollector):
    """The top ``limit`` hits *and* every matching document number, in one pass.

    Block-quality skipping and matcher replacement are off: they skip documents that
    cannot enter the top N, but we count every match (and the distinct articles).
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)
        self.alldocs: list[int] = []

    def _collect(self, global_docnum, score):
        self.alldocs.append(global_docnum)
        return super()._collect(global_docnum, score)


class _View:
    """One searcher plus what we derive from it (parents, article metadata)."""

    def __init__(self, ix, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._articles: ArticleTable | None = None
        self._has_stories: bool | None = None
        self._stamp: tuple[int, int] | None = None
        self.searcher = ix.searcher()
        _cache_lengths(self.searcher)
        self.checked = time.monotonic()
        self._parents: list[int] | None = None
        self._meta: OrderedDict[int, dict] = OrderedDict()  # the last META_CACHE read
        self._counts: dict[str, tuple[int, int]] = {}
        self._unenriched: bool | None = None
        self._fast: FastSearcher | bool | None = False  # False: not tried yet
        # pinyin from the bigrams (see _derive_pinyin): term frequencies, answers
        self.body_terms: _BodyTerms | None = None
        self.derived: dict[tuple[str, int], list[str]] = {}
        self._parents_array: np.ndarray | None = None

    @property
    def fast(self) -> FastSearcher | None:
        """The array evaluator for this searcher (``None`` if the index is not one it
        understands)."""
        if self._fast is False:
            try:
                self._fast = FastSearcher(self.searcher, _length_table)
            except Unsupported:
                self._fast = None
        return self._fast  # type: ignore[return-value]

    def _stories_stamp(self) -> tuple[int, int] | None:
        try:
            st = (self.index_dir / STORIES_NAME).stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    @property
    def has_stories(self) -> bool:
        """Whether reprint clusters have been computed for this index."""
        if self._has_stories is None:
            self._stamp = self._stories_stamp()
            self._has_stories = self._stamp is not None and self._stamp[1] > 2
        return self._has_stories

    def stories_changed(self) -> bool:
        """Whether the reprint clusters were recomputed since this view read them."""
        read = self._has_stories is not None or self._articles is not None
        return read and self._stories_stamp() != self._stamp

    def forget_articles(self) -> None:
        self._articles = None
        self._has_stories = None

    @property
    def articles(self) -> ArticleTable:
        """Article-level arrays (day, outlet, story, copy) of this searcher."""
        if self._articles is None:
            fast = self.fast
            self._stamp = self._stories_stamp()
            self._articles = ArticleTable(
                self.searcher, self.index_dir, fast.live if fast is not None else None
            )
        return self._articles

    @property
    def parents_array(self) -> np.ndarray:
        if self._parents_array is None:
            self._parents_array = np.asarray(self.parents, dtype=np.int64)
        return self._parents_array

    @property
    def parents(self) -> list[int]:
        if self._parents is None:
            self._parents = sorted(self.searcher.docs_for_query(Q.Term("kind", "a")))
        return self._parents

    @property
    def has_unenriched(self) -> bool:
        """Whether some live paragraph has not been through the entity pass (so has no
        jieba words in the pinyin lexicon yet)."""
        if self._unenriched is None:
            docs = self.searcher.docs_for_query(Q.Term("enriched", "0"))
            self._unenriched = next(iter(docs), None) is not None
        return self._unenriched

    def parent_of(self, docnum: int) -> int | None:
        parents = self.parents
        k = bisect_right(parents, docnum) - 1
        return parents[k] if k >= 0 else None

    def meta(self, parent: int, remember: bool = True) -> dict:
        """Article ``parent``'s stored metadata. The last ``META_CACHE`` are kept (hits
        and pages ask for the same articles again); ``remember=False`` for a pass over
        every article (the listing), which would otherwise keep them all: 325 MB of
        dictionaries at 1M paragraphs (125k articles)."""
        meta = self._meta.get(parent)
        if meta is None:
            meta = self.searcher.stored_fields(parent).get("meta") or {}
            if remember:
                if len(self._meta) >= META_CACHE:
                    self._meta.popitem(last=False)
                self._meta[parent] = meta
        return meta

    def cached_counts(self, q) -> tuple[int, int] | None:
        """(matching paragraphs, distinct articles) of query ``q`` if counted before in
        this index generation (paging, the TUI's repeated queries)."""
        return self._counts.get(repr(q))

    def remember_counts(self, q, total: int, articles: int) -> None:
        if len(self._counts) >= COUNT_CACHE:
            self._counts.pop(next(iter(self._counts)))
        self._counts[repr(q)] = (total, articles)

    def count_articles(self, docs: list[int]) -> int:
        """Distinct articles among sorted paragraph docnums (groups are contiguous)."""
        parents = self.parents
        n = len(parents)
        count = 0
        nxt = -1  # docnum of the next parent after the current group
        for d in docs:
            if d >= nxt:
                k = bisect_right(parents, d) - 1
                if k < 0:
                    continue
                nxt = parents[k + 1] if k + 1 < n else 1 << 62
                count += 1
        return count

    def close(self) -> None:
        self.searcher.close()


def _length_table(perdoc, fieldname: str) -> bytes | None:
    """One length byte per document of a segment for ``fieldname`` (padded to the
    segment's document count), read once and kept on the per-document reader; ``None``
    when the segment does not store lengths that way."""
    tables: dict[str, bytes | None] | None = getattr(perdoc, "_g60_tables", None)
    if tables is None:
        tables = {}
        perdoc._g60_tables = tables
    if fieldname in tables:
        return tables[fieldname]
    table = _compat.length_bytes(perdoc, fieldname)
    tables[fieldname] = table
    return table


def _cache_lengths(searcher) -> None:
    """Serve BM25's field-length lookups from one in-memory ``bytes`` per segment and
    field (one byte per document) instead of a file read per scored document: the
    profile of common-word queries showed a quarter of the search time in
    ``doc_field_length``. Same values as Whoosh's own method."""
    for sub, _offset in searcher.leaf_searchers():
        perdoc = _compat.perdoc_reader(sub.reader())
        if perdoc is None or not _compat.has_length_columns(perdoc):
            continue

        def doc_field_length(docnum, fieldname, default=0, _perdoc=perdoc):
            table = _length_table(_perdoc, fieldname)
            if table is None:  # not our layout: Whoosh's own lookup
                return _orig_dfl(_perdoc, docnum, fieldname, default)
            b = table[docnum]
            return _compat.LENGTH_OF_BYTE[b]

        perdoc.doc_field_length = doc_field_length


class WhooshBackend:
    """The embedded Whoosh index in one directory: the whole backend contract
    (:class:`g60_reader.index.contract.Backend`)."""

    capabilities = Capabilities(name="whoosh", parallel_build=True)

    def __init__(
        self, index_dir: str | os.PathLike[str] | None = None, *, fast: bool = True
    ) -> None:
        """Opening is lazy: the first read opens the index (and raises
        :class:`IndexUnavailable` when there is none). ``fast=False`` runs every query
        through Whoosh's matchers (the reference the fast path is tested against)."""
        self.index_dir = resolve_index_dir(index_dir)
        self.url = f"whoosh:{self.index_dir}"
        self.fast = fast
        self._ix = None
        self._open_lock = threading.Lock()
        self._local = threading.local()
        self._lex_lock = threading.Lock()
        self._lex_mtime: float | None = None
        self._by_key: dict[str, list[str]] | PinyinTable = {}
        self._views: list[_View] = []

    # -- searchers ---------------------------------------------------------------------

    def _index(self):
        if self._ix is None:
            with self._open_lock:
                if self._ix is None:
                    ix = store.open_index(self.index_dir)  # raises IndexDamaged
                    if ix is None:
                        raise IndexUnavailable(
                            f"no index at {self.index_dir} yet:"
                            " add articles with `g60-reader index PATH...`"
                        )
                    self._ix = ix
        return self._ix

    def _view(self) -> _View:
        view: _View | None = getattr(self._local, "view", None)
        now = time.monotonic()
        if view is None:
            view = _View(self._index(), self.index_dir)
            self._local.view = view
            self._views.append(view)
        elif now - view.checked >= REFRESH_INTERVAL:
            view.checked = now
            if not view.searcher.up_to_date():
                self._ix = store.open_index(self.index_dir) or self._index()
                old = view
                view = _View(self._ix, self.index_dir)
                self._local.view = view
                self._views.append(view)
                self._views.remove(old)
                old.close()
            elif view.stories_changed():
                view.forget_articles()  # new reprint clusters, same documents
        return view

    def searcher(self):
        """This thread's Whoosh searcher (refreshed when the index changed)."""
        return self._view().searcher

    def close(self) -> None:
        for view in self._views:
            view.close()
        self._views.clear()
        self._local = threading.local()

    # -- pinyin lexicon ----------------------------------------------------------------

    def _lexicon(self) -> dict[str, list[str]] | PinyinTable:
        """Pinyin key -> indexed Han words, most frequent first (reloaded on change)."""
        path = self.index_dir / store.PINYIN_NAME
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return {}
        if mtime != self._lex_mtime:
            with self._lex_lock:
                if mtime != self._lex_mtime:
                    self._by_key = store.load_pinyin(self.index_dir)
                    self._lex_mtime = mtime
        return self._by_key

    def warm_up(self) -> float:
        """Do the one-off work some queries would otherwise pay for: open this thread's
        searcher and fast evaluator, read each segment's stored-fields offsets (the
        first hit shown from a segment: 4-8 ms a segment at 1M paragraphs), load the
        pinyin lexicon (the first pinyin query) and set up pypinyin (the first "did you
        mean" of a query with no hits). Measured at 100k paragraphs: 85 ms and 170-260
        ms on first use. Callers run it in the background after opening (the TUI while
        the user types). Returns the seconds it took; never raises."""
        t0 = time.perf_counter()
        with contextlib.suppress(Exception):
            view = self._view()
            if self.fast:
                _ = view.fast
            for sub, _off in view.searcher.leaf_searchers():
                if sub.doc_count_all():
                    sub.stored_fields(sub.doc_count_all() - 1)
            self._lexicon()
            full_key("中文")
            pinyin.characters("a")  # the syllable table for pinyin before the lexicon
        return time.perf_counter() - t0

    def expand_pinyin(self, word: str, limit: int = PINYIN_EXPANSIONS) -> list[str]:
        """Indexed Han words whose pinyin (full or initials) is ``word``, most frequent
        first: the lexicon's words, or, when it has none for the key (text not through
        the entity pass yet), words derived from the index's bigrams
        (:func:`_derive_pinyin`)."""
        if not is_pinyin_query(word):
            return []
        words = self._lexicon().get(word)
        if words:
            return words[:limit]
        try:
            view = self._view()
            # Once every paragraph has been through the entity pass the lexicon knows
            # all their words: a key it lacks is not Chinese here (``china``, ``data``
            # would otherwise pick up accidental bigrams such as 吃那 or 达他).
            if not view.has_unenriched:
                return []
            return _derive_pinyin(view, word, limit)
        except Exception:  # never worth failing a search over
            return []

    # -- search ------------------------------------------------------------------------

    def search(
        self,
        query: str,
        page: int = 1,
        pagelen: int = 20,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        all_copies: bool = False,
    ) -> SearchResult:
        t0 = time.perf_counter()
        page = max(1, int(page))
        pagelen = max(1, min(int(pagelen), MAX_PAGELEN))
        result = SearchResult(
            query=query if isinstance(query, str) else "", page=page, pagelen=pagelen
        )
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is None and sort not in SORTS:
            parsed.error = f"unknown sort {sort!r} (use {', '.join(SORTS)})"
        if parsed.error is not None:
            result.error = parsed.error
            result.elapsed_ms = (time.perf_counter() - t0) * 1000
            return result
        result.terms = parsed.terms
        try:
            view = self._view()
            start = (page - 1) * pagelen
            assert parsed.query is not None  # (parse gives a query or an error)
            wq = to_whoosh(parsed.query)
            narrowed = bool(filters) or sort != "relevance" or (view.has_stories and not all_copies)
            if narrowed:
                top = self._search_narrowed(
                    view, wq, start + pagelen, result, filters, sort, all_copies
                )
            else:
                fast = view.fast if self.fast else None
                if fast is not None:
                    top = self._search_fast(view, fast, wq, start + pagelen, result)
                else:
                    top = self._search_whoosh(view, wq, start + pagelen, result)
            if result.total:
                for docnum, score in top[start:]:
                    result.hits.append(self._hit(view, docnum, score, parsed.terms))
            else:
                result.suggestions = self._suggest(view, query, parsed.words)
        except BackendError:  # no index, a damaged one: the caller says so
            raise
        except Exception as exc:  # a broken index must not crash the caller
            result.error = f"search failed: {exc}"
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _all_matches(self, view: _View, wq) -> tuple[np.ndarray, np.ndarray]:
        """Every matching document and its score, docnums ascending."""
        fast = view.fast if self.fast else None
        if fast is not None:
            return fast.evaluate(wq)
        results = view.searcher.search(wq, limit=None)
        pairs = sorted((results.docnum(k), results.score(k)) for k in range(len(results)))
        docs = np.asarray([d for d, _s in pairs], dtype=np.int64)
        return docs, np.asarray([s or 0.0 for _d, s in pairs], dtype=np.float64)

    def _narrowed(
        self, view: _View, wq, filters: Filters | None, all_copies: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """The matches that pass ``filters`` (and collapsing): ``(docs, scores, their
        article rows, undated articles left out)``; docs ascend, so rows do too. Every
        step costs in proportion to the matches (or to the articles, once per filter),
        never to the whole index."""
        table = view.articles
        fast = view.fast if self.fast else None
        if fast is not None:
            docs, scores = fast.evaluate(wq)
            rows = table.doc_rows(fast.n)[docs]
        else:
            docs, scores = self._all_matches(view, wq)
            rows = table.rows_of(docs)
        inside = rows >= 0
        rows = rows.clip(0)
        undated = 0
        if filters is not None and filters.dated:
            undated = _distinct(rows[inside & table.undated_rows(filters)[rows]])
        keep = inside & table.allowed(filters)[rows]
        docs, scores, rows = docs[keep], scores[keep], rows[keep]
        if not all_copies and table.has_stories and (table.cluster[rows] >= 0).any():
            matched = np.unique(rows)
            shown = np.zeros(table.doc.size, dtype=bool)
            shown[matched[table.collapse(matched)]] = True
            keep = shown[rows]
            docs, scores, rows = docs[keep], scores[keep], rows[keep]
        return docs, scores, rows, undated

    def _search_narrowed(
        self, view, wq, limit: int, result: SearchResult, filters, sort: str, all_copies: bool
    ) -> list[tuple[int, float]]:
        """Counts and the first ``limit`` hits in ``sort`` order, after filters."""
        docs, scores, rows, result.undated = self._narrowed(view, wq, filters, all_copies)
        result.total = int(docs.size)
        result.articles = _distinct(rows)
        if sort == "relevance":
            return top_hits(docs, scores, limit)
        rank = view.articles.published_rank()[rows]
        # newest (or oldest) first, undated last: the best `limit` ranks are found in
        # linear time, and only the documents holding them are sorted
        key = np.where(rank < 0, np.iinfo(np.int64).max, -rank if sort == "date" else rank)
        if key.size > limit:
            cut = np.partition(key, limit - 1)[limit - 1]
            few = np.flatnonzero(key <= cut)
        else:
            few = np.arange(key.size)
        order = few[np.lexsort((docs[few], -scores[few], key[few]))][:limit]
        return [(int(d), float(sc)) for d, sc in zip(docs[order], scores[order], strict=True)]

    @staticmethod
    def _search_fast(view: _View, fast: FastSearcher, q, limit: int, result: SearchResult):
        """Counts and the top ``limit`` (docnum, score) pairs from the array evaluator."""
        cached = view.cached_counts(q)
        total, articles, top = fast.run(q, limit, None if cached else view.parents_array)
        if cached is not None:
            result.total, result.articles = cached
        else:
            result.total, result.articles = total, articles
            view.remember_counts(q, total, articles)
        return top

    @staticmethod
    def _search_whoosh(view: _View, q, limit: int, result: SearchResult):
        """The same through Whoosh's matchers (the reference path)."""
        cached = view.cached_counts(q)
        if cached is not None:  # counted before: score only what the page needs
            result.total, result.articles = cached
            if not result.total:
                return []
            collector = TopCollector(limit=limit)
            view.searcher.search_with_collector(q, collector)
        else:  # one pass: the page's top hits and every match for the counts
            collector = _PageCollector(limit)
            view.searcher.search_with_collector(q, collector)
            docs = collector.alldocs
            result.total = len(docs)
            result.articles = view.count_articles(docs) if docs else 0
            view.remember_counts(q, result.total, result.articles)
        top = collector.results()
        return [(top.docnum(k), top.score(k)) for k in range(top.scored_length())]

    def _hit(self, view: _View, docnum: int, score: float, terms: tuple[str, ...]) -> Hit:
        fields = view.searcher.stored_fields(docnum)
        text: str = fields.get("text", "")
        parent = view.parent_of(docnum)
        meta = view.meta(parent) if parent is not None else {}
        spans: tuple = ()
        if terms:
            # the stored folded form, or the text itself when folding kept it; Han-only
            # terms match it as they are (normalising changes no Han character and
            # keeps every offset: only full-width forms and letters would differ)
            norm = fields.get("norm") or text
            if not all(map(HAN_RUN_RE.fullmatch, terms)):
                norm = normalise(norm)
            spans = tuple(find_spans(norm, terms))
        snippet_text, snippet_start = snippet(text, spans)
        cluster, reprints = None, 0
        if view.has_stories:
            table = view.articles
            row = int(table.rows_of(np.asarray([docnum]))[0])
            if row >= 0:
                cluster, reprints = table.story_of(row)
        return Hit(
            article_id=fields.get("aid", ""),
            paragraph=int(fields.get("para", 0)),
            title=meta.get("title", ""),
            outlet=meta.get("outlet", ""),
            published=meta.get("published"),
            path=meta.get("path", ""),
            score=float(score or 0.0),
            text=text,
            spans=spans,
            snippet=snippet_text,
            snippet_start=snippet_start,
            cluster=cluster,
            reprints=reprints,
        )

    def _suggest(self, view: _View, query: str, words: tuple[str, ...]) -> list[str]:
        """Did you mean: same-pinyin indexed words for Han words, close spellings for
        Latin ones."""
        base = fold_normalise(query)
        out: list[str] = []
        reader = view.searcher.reader()
        for word in words:
            alts: list[str] = []
            if is_han(word) and len(word) >= 2:
                key = full_key(word)
                alts = [w for w in self._lexicon().get(key, []) if w != word][:3]
            elif word.isascii() and word.isalnum() and len(word) >= 3:
                try:
                    near = reader.terms_within("body", word, 2 if len(word) > 5 else 1, prefix=1)
                    ranked = sorted(near, key=lambda t: -reader.doc_frequency("body", t))
                    alts = [t for t in ranked if t != word and t.isascii()][:3]
                except Exception:
                    alts = []
                for key in (word,):
                    alts += [w for w in self.expand_pinyin(key, 3) if w not in alts]
            for alt in alts:
                suggestion = base.replace(word, alt) if word in base else alt
                if suggestion not in out:
                    out.append(suggestion)
        return out[:5]

    # -- facets ------------------------------------------------------------------------

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        """Most frequent entities of each type among the best ``FACET_SCAN`` hits."""
        out: dict[str, list[tuple[str, int]]] = {t: [] for t in (*ENTITY_TYPES, "outlet", "year")}
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            return out
        with contextlib.suppress(Exception):
            out["outlet"] = [(o.outlet, o.articles) for o in self.outlets(query, limit=limit)]
            years: Counter[str] = Counter()
            for bucket in self.timeline(query, by="year").buckets:
                years[bucket.period] += bucket.articles
            out["year"] = years.most_common(limit)
        try:
            view = self._view()
            s = view.searcher
            fast = view.fast if self.fast else None
            assert parsed.query is not None
            wq = to_whoosh(parsed.query)
            if fast is not None:
                docnums = [d for d, _score in fast.run(wq, FACET_SCAN)[2]]
            else:
                top = s.search(wq, limit=FACET_SCAN)
                docnums = [top.docnum(k) for k in range(top.scored_length())]
            counts: dict[str, Counter[str]] = {t: Counter() for t in ENTITY_TYPES}
            shown: dict[tuple[str, str], str] = {}
            for docnum in docnums:
                fields = s.stored_fields(docnum)
                ents = fields.get("ents")
                if not ents:
                    continue
                text = fields.get("text", "")
                seen: set[tuple[str, str]] = set()
                for start, end, etype in json.loads(ents):
                    if etype not in counts:
                        continue
                    surface = text[start:end]
                    key = (etype, fold_normalise(surface))
                    shown.setdefault(key, surface)
                    if key not in seen:
                        seen.add(key)
                        counts[etype][key[1]] += 1
            for etype, counter in counts.items():
                out[etype] = [(shown[(etype, v)], n) for v, n in counter.most_common(limit)]
        except BackendError:
            raise
        except Exception:
            pass
        return out

    # -- when, who, which story ---------------------------------------------------------

    def _matched_rows(
        self, view: _View, query: str | None, filters: Filters | None
    ) -> tuple[np.ndarray, np.ndarray] | str:
        """``(article rows, matching paragraphs of each)`` of every article that matches
        ``query`` (all when it is empty) and passes ``filters`` (reprints included), or
        the query's error."""
        table = view.articles
        if query is None or not query.strip():
            rows = np.flatnonzero(table.allowed(filters))
            return rows, table.paragraphs[rows]
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            return parsed.error
        assert parsed.query is not None
        _docs, _scores, rows, _undated = self._narrowed(
            view, to_whoosh(parsed.query), filters, True
        )
        unique, counts = np.unique(rows, return_counts=True)
        return unique, counts

    def timeline(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        by: str | None = None,
        by_outlet: bool = False,
    ) -> Timeline:
        if by is not None and by not in PERIODS:
            return Timeline(by=by, error=f"unknown period {by!r} (use {', '.join(PERIODS)})")
        view = self._view()
        found = self._matched_rows(view, query, filters)
        if isinstance(found, str):
            return Timeline(by=by or "month", error=found)
        rows, paragraphs = found
        table = view.articles
        return timeline_counts(
            table.day[rows],
            paragraphs,
            by=by,
            outlets=table.outlet[rows] if by_outlet else None,
            outlet_names=table.outlet_names,
        )

    def outlets(
        self, query: str | None = None, *, filters: Filters | None = None, limit: int = 100
    ) -> list[OutletCount]:
        view = self._view()
        found = self._matched_rows(view, query, filters)
        if isinstance(found, str):
            return []
        rows, paragraphs = found
        table = view.articles
        codes = table.outlet[rows]
        arts = np.bincount(codes, minlength=len(table.outlet_names))
        paras = np.bincount(codes, weights=paragraphs, minlength=len(table.outlet_names))
        ranked = sorted(
            np.flatnonzero(arts), key=lambda c: (-arts[c], -paras[c], table.outlet_names[c])
        )
        return [
            OutletCount(table.outlet_names[c], int(arts[c]), int(paras[c])) for c in ranked[:limit]
        ]

    def _members(self, view: _View, rows: Iterable[int]) -> list[Article]:
        table = view.articles
        return [
            store.article_from_meta(view.meta(int(table.doc[r])), []) for r in sorted(set(rows))
        ]

    def stories(self, query: str | None = None, *, filters: Filters | None = None) -> list[Story]:
        view = self._view()
        table = view.articles
        if not table.has_stories:
            return []
        if (query and query.strip()) or filters:
            found = self._matched_rows(view, query, filters)
            if isinstance(found, str):
                return []
            wanted = set(table.cluster[found[0]].tolist()) - {-1}
        else:
            wanted = set(range(len(table.cluster_ids)))
        members: dict[str, list[Article]] = {}
        for code in wanted:
            rows = np.flatnonzero(table.cluster == code)
            members[table.cluster_ids[code]] = self._members(view, rows)
        return stories_of(members)

    def story(self, cluster: str) -> Story | None:
        view = self._view()
        table = view.articles
        if cluster not in table.cluster_ids:
            return None
        code = table.cluster_ids.index(cluster)
        found = stories_of({cluster: self._members(view, np.flatnonzero(table.cluster == code))})
        return found[0] if found else None

    # -- articles ----------------------------------------------------------------------

    def article(self, article_id: str) -> StoredArticle | None:
        """The article ``article_id`` as stored, with its exact duplicates; the id of a
        duplicate gives the article it duplicates."""
        try:
            article_id.encode("utf-8")
        except (AttributeError, UnicodeEncodeError):  # not an id we could have made
            return None
        s = self._view().searcher
        meta, paras = self._group(s, article_id)
        if meta is not None and meta.get("copy_of"):
            original = self._original(s, meta.get("text_key", ""))
            if original is not None:
                meta, paras = self._group(s, original)
        if meta is None:
            return None
        paras.sort()
        entities: dict[int, list[EntitySpan]] = {}
        paragraphs = []
        for number, text, ents in paras:
            paragraphs.append(Paragraph(number, text, _fold(text)))
            if ents:
                entities[number] = [
                    EntitySpan(start, end, etype, text[start:end])
                    for start, end, etype in json.loads(ents)
                ]
        article = store.article_from_meta(meta, paragraphs)
        copies = [
            _summary(m)
            for m in self._copies(s, meta.get("text_key", ""))
            if m.get("id") != article.id
        ]
        return StoredArticle(
            article=article,
            entities=entities,
            enriched=bool(meta.get("enriched")),
            copies=copies,
        )

    @staticmethod
    def _group(s, article_id: str) -> tuple[dict | None, list[tuple[int, str, str | None]]]:
        meta = None
        paras: list[tuple[int, str, str | None]] = []
        for docnum in s.document_numbers(aid=article_id):
            fields = s.stored_fields(docnum)
            if fields.get("kind") == "a":
                meta = fields.get("meta")
            else:
                paras.append(
                    (int(fields.get("para", 0)), fields.get("text", ""), fields.get("ents"))
                )
        return meta, paras

    @staticmethod
    def _copies(s, text_key: str) -> list[dict]:
        """Stored metadata of every exact duplicate kept for ``text_key``."""
        if not text_key:
            return []
        metas = [s.stored_fields(d).get("meta") or {} for d in s.document_numbers(tkey=text_key)]
        metas = [m for m in metas if m.get("copy_of")]
        metas.sort(key=lambda m: (m.get("published") or "", m.get("path", "")))
        return metas

    @staticmethod
    def _original(s, text_key: str) -> str | None:
        for docnum in s.document_numbers(tkey=text_key):
            meta = s.stored_fields(docnum).get("meta") or {}
            if not meta.get("copy_of"):
                return meta.get("id")
        return None

    def list_articles(self) -> list[ArticleSummary]:
        view = self._view()
        out = []
        for parent in view.parents:
            meta = view.meta(parent, remember=False)
            if not meta.get("copy_of"):
                out.append(_summary(meta))
        out.sort(key=lambda a: (a.published or "", a.title), reverse=True)
        return out

    def stats(self) -> IndexStats:
        view = self._view()
        s = view.searcher
        duplicates = sum(1 for _ in s.docs_for_query(Q.Term("copy", "1")))
        articles = len(view.parents) - duplicates
        size = 0
        last = None
        for entry in os.scandir(self.index_dir):
            if entry.is_file():
                st = entry.stat()
                size += st.st_size
                if entry.name.endswith(".toc") and (last is None or st.st_mtime > last):
                    last = st.st_mtime
        enriched = sum(1 for _ in s.docs_for_query(Q.Term("enriched", "1")))
        return IndexStats(
            articles=articles,
            paragraphs=s.doc_count() - len(view.parents),
            size_bytes=size,
            last_update=last,
            path=str(self.index_dir),
            enriched_paragraphs=enriched,
            duplicates=duplicates,
        )

    def top_entities(
        self, kind: str | None = None, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        if kind is not None and kind not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {kind!r} (use {', '.join(ENTITY_TYPES)})")
        kinds = [kind] if kind else list(ENTITY_TYPES)
        out: dict[str, list[tuple[str, int]]] = {}
        reader = self._view().searcher.reader()
        for etype in kinds:
            ranked = sorted(
                ((-info.doc_frequency(), text) for text, info in reader.iter_field(etype)),
            )[: max(limit, 0) * 4 + 20]
            exact = []
            for _df, text in ranked:  # document frequencies still count deleted documents
                n = sum(1 for _ in reader.postings(etype, text).all_ids())
                if n:
                    exact.append((-n, _text(text)))
            out[etype] = [(text, -n) for n, text in sorted(exact)[:limit]]
        return out

    # -- writing (IndexWriter) -----------------------------------------------------------

    def exists(self) -> bool:
        return store.check_index(self.index_dir)

    def update(self, paths: Iterable[str | os.PathLike[str]], **options) -> UpdateReport:
        try:
            return store.update(self.index_dir, paths, **options)
        finally:
            self._written()

    def enrich(self, recognise: Recogniser, **options) -> int:
        try:
            return store.enrich(self.index_dir, recognise, **options)
        finally:
            self._written()

    def cluster_stories(self, *, progress=None, cancel=None) -> int:
        from .stories import cluster_stories

        try:
            return cluster_stories(self, progress=progress, cancel=cancel)
        finally:
            self._written()

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        try:
            return store.add_articles(self.index_dir, articles)
        finally:
            self._written()

    def delete(self, article_ids: Iterable[str]) -> int:
        try:
            return store.delete_articles(self.index_dir, article_ids)
        finally:
            self._written()

    def _written(self) -> None:
        """This object wrote to the index: its next read checks for the new state at
        once (other writers' commits are seen within ``REFRESH_INTERVAL``)."""
        for view in list(self._views):
            view.checked = float("-inf")


# -- pinyin from the bigrams -------------------------------------------------------------

_SLOT = np.dtype([("hash", ">u4"), ("pos", ">i8")])  # a slot of Whoosh's hash tables
_KNOWN_TERMS = 200_000  # term frequencies kept per searcher
_PROBE_FIRST = 4  # hash slots read per key in the first round (most probes end there)
_PROBE_MORE = 16  # and in the later rounds
_TERMINFO_DF_AT = 5  # W3TermInfo: flags (B), weight (f), then the document frequency


class _TermTable:
    """Batched exact term lookups in one segment's term dictionary (Whoosh's ordered
    hash file), read through a memory map: all keys of a batch probe the hash slots
    together as numpy arrays, and the keys and document frequencies of the slots whose
    hash matches are compared and read the same way.

    Whoosh's own ``(field, term) in reader`` costs several file reads per lookup and
    segment; deriving one pinyin word can need thousands of lookups."""

    def __init__(self, reader, fieldname: str) -> None:
        terms = _compat.terms_reader(reader)
        tindex = _compat.term_hash_file(terms)
        dbfile = tindex.dbfile
        self.fieldnum: int = -1
        number = _compat.field_number(terms, fieldname)
        if number is None:  # the segment has no term of this field
            return
        self.fieldnum = number
        if tindex.hashtype != 0:
            raise Unsupported("hash function")
        buf = _compat.file_buffer(dbfile)
        if buf is None:
            if type(dbfile).__name__ != "StructFile" or not getattr(dbfile, "is_real", False):
                raise Unsupported("terms file")
            buf = mmap.mmap(dbfile.file.fileno(), 0, access=mmap.ACCESS_READ)
        self.bytes = np.frombuffer(buf, dtype=np.uint8)
        tables = tindex.tables
        base = tables[0][0]
        last_pos, last_n = tables[-1]
        count = (last_pos - base) // _SLOT.itemsize + last_n
        self.raw = np.frombuffer(buf, dtype=f"V{_SLOT.itemsize}", count=count, offset=base)
        # the positions of the keys in key order (Whoosh's index for ordered reads)
        indextype = tindex.extras["indextype"]
        self.order = np.frombuffer(
            buf, dtype=f">{indextype}", count=tindex.indexlen, offset=tindex.indexbase
        )
        self.starts = np.array([(pos - base) // _SLOT.itemsize for pos, _n in tables], np.int64)
        self.sizes = np.array([n for _pos, n in tables], dtype=np.int64)

    def _uint32(self, at: np.ndarray) -> np.ndarray:
        b = self.bytes
        return (
            (b[at].astype(np.int64) << 24)
            | (b[at + 1].astype(np.int64) << 16)
            | (b[at + 2].astype(np.int64) << 8)
            | b[at + 3]
        )

    def frequencies(self, batch: _KeyBatch) -> np.ndarray:
        """Document frequency of each key of ``batch`` (0: not a term)."""
        out = np.zeros(len(batch.hashes), dtype=np.int64)
        table = batch.hashes & 255
        sizes = self.sizes[table]
        todo = np.flatnonzero(sizes > 0)
        starts = self.starts[table[todo]]
        sizes = sizes[todo]
        want = batch.hashes[todo]
        slot = (want >> 8) % sizes
        width = _PROBE_FIRST
        for _round in range(64):  # linear probing, a window of slots at a time
            if not todo.size:
                return out
            window = np.arange(width)
            where = starts[:, None] + (slot[:, None] + window) % sizes[:, None]
            seen = self.raw[where].view(_SLOT)  # gathering raw records is 3x faster
            pos = seen["pos"].astype(np.int64)
            empty = pos == 0  # an empty slot ends the probe: not a term
            first_empty = np.where(empty.any(axis=1), empty.argmax(axis=1), width)
            before = window < first_empty[:, None]
            rows, cols = np.nonzero(before & (seen["hash"].astype(np.int64) == want[:, None]))
            if rows.size:
                at, keyed = pos[rows, cols], todo[rows]
                lengths = batch.lengths[keyed]
                same = self._uint32(at) == lengths  # key/value pair: key length first
                got = self.bytes[(at + 8)[:, None] + np.arange(batch.keys.shape[1])]
                same &= ((got == batch.keys[keyed]) | batch.pad[keyed]).all(axis=1)
                at, keyed, lengths = at[same], keyed[same], lengths[same]
                out[keyed] = self._uint32(at + 8 + lengths + _TERMINFO_DF_AT)
                first_empty[rows[same]] = 0  # found: done
            going = first_empty == width
            todo, starts, sizes, want = todo[going], starts[going], sizes[going], want[going]
            slot = (slot[going] + width) % sizes
            width = _PROBE_MORE
        raise Unsupported("hash table probe too long")

    def prefix_counts(self, targets: np.ndarray) -> np.ndarray:
        """How many keys start with each 5-byte key prefix (field number and a
        three-byte character, as a big-endian number): two binary searches per target
        over the ordered key index, all targets in step."""
        bounds = np.concatenate([targets, targets + 1])  # +1: the next character
        lo = np.zeros(bounds.size, dtype=np.int64)
        hi = np.full(bounds.size, self.order.size, dtype=np.int64)
        shift = np.array([32, 24, 16, 8, 0], dtype=np.int64)
        while True:
            active = np.flatnonzero(lo < hi)
            if not active.size:
                break
            mid = (lo[active] + hi[active]) // 2
            at = self.order[mid].astype(np.int64)
            keylen = np.minimum(self._uint32(at), 5)
            got = self.bytes[(at + 8)[:, None] + np.arange(5)].astype(np.int64)
            got[np.arange(5) >= keylen[:, None]] = 0  # a shorter key sorts first
            less = (got << shift).sum(axis=1) < bounds[active]
            lo[active] = np.where(less, mid + 1, lo[active])
            hi[active] = np.where(less, hi[active], mid)
        n = targets.size
        return lo[n:] - lo[:n]


class _KeyBatch:
    """Term keys as one segment's hash file holds them (field number, then the UTF-8
    term), with their hashes, as arrays."""

    def __init__(self, fieldnum: int, encoded: list[bytes]) -> None:
        prefix = struct.pack("!H", fieldnum)
        keys = [prefix + b for b in encoded]
        digests = b"".join([_md5(k, usedforsecurity=False).digest() for k in keys])
        low = np.frombuffer(digests, dtype=">u4").reshape(-1, 4)[:, 3]
        self.hashes = low.astype(np.int64)  # Whoosh's md5_hash: the digest's low 32 bits
        self.lengths = np.fromiter(map(len, keys), np.int64, len(keys))
        width = int(self.lengths.max()) if keys else 0
        padded = b"".join([k.ljust(width, b"\0") for k in keys])
        self.keys = np.frombuffer(padded, dtype=np.uint8).reshape(len(keys), width)
        self.pad = np.arange(width) >= self.lengths[:, None]


class _BodyTerms:
    """Document frequencies of ``body`` terms over all segments of one searcher, with
    the answers kept (one instance per index generation and thread)."""

    def __init__(self, searcher) -> None:
        self.reader = searcher.reader()
        self.leaves = [sub.reader() for sub, _offset in searcher.leaf_searchers()]
        self.tables: list[_TermTable] | None = []
        # segments whose body terms are in the packed format: their dictionaries
        self.packed: list = []
        try:
            for sub, _offset in searcher.leaf_searchers():
                terms = _compat.terms_reader(sub.reader())
                field = terms.packed_field("body") if isinstance(terms, MixedTermsReader) else None
                if field is not None:
                    self.packed.append(field)
                    continue
                table = _TermTable(sub.reader(), "body")
                if table.fieldnum >= 0:
                    self.tables.append(table)
        except Exception:  # not a layout we can read: Whoosh's lookups
            self.tables = None
            self.packed = []
        self.known: dict[str, int] = {}

    def starting(self, chars: list[str]) -> dict[str, int]:
        """How many ``body`` terms (a character alone and its bigrams) start with each
        of ``chars`` (three-byte UTF-8 characters), summed over the segments: whether
        the character is indexed at all, and how widely it is used."""
        out = dict.fromkeys(chars, 0)
        chars = [c for c in chars if len(c.encode("utf-8")) == 3]
        if not chars:
            return out
        if self.tables is not None:
            try:
                encoded = [int.from_bytes(c.encode("utf-8"), "big") for c in chars]
                by_field: dict[int, np.ndarray] = {}
                total = np.zeros(len(chars), dtype=np.int64)
                prefixes = [c.encode("utf-8") for c in chars]
                for field in self.packed:
                    total += field.prefix_counts(prefixes)
                for table in self.tables:
                    targets = by_field.get(table.fieldnum)
                    if targets is None:
                        code = np.array(encoded, dtype=np.int64)
                        targets = by_field[table.fieldnum] = (table.fieldnum << 24) | code
                    total += table.prefix_counts(targets)
                out.update(zip(chars, total.tolist(), strict=True))
                return out
            except Unsupported:
                self.tables = None
        for c in chars:  # per segment, as above
            out[c] = sum(
                sum(1 for _ in islice(leaf.expand_prefix("body", c), 10_000))
                for leaf in self.leaves
            )
        return out

    def frequencies(self, terms: Iterable[str]) -> dict[str, int]:
        known = self.known
        wanted = list(dict.fromkeys(terms))
        new = [t for t in wanted if t not in known]
        if len(known) + len(new) > _KNOWN_TERMS:  # start again, keeping this batch's
            known = self.known = {t: known[t] for t in wanted if t in known}
        if not new:
            return known
        if self.tables is not None:
            try:
                total = np.zeros(len(new), dtype=np.int64)
                encoded = [t.encode("utf-8") for t in new]
                for field in self.packed:
                    at = field.find_many(encoded)
                    found = at >= 0
                    total[found] += field.dfs_of(at[found])
                batches: dict[int, _KeyBatch] = {}
                for table in self.tables:
                    batch = batches.get(table.fieldnum)
                    if batch is None:
                        batch = batches[table.fieldnum] = _KeyBatch(table.fieldnum, encoded)
                    total += table.frequencies(batch)
                known.update(zip(new, total.tolist(), strict=True))
                return known
            except Unsupported:
                self.tables = None
        for t in new:
            known[t] = self.reader.doc_frequency("body", t)
        return known


def _body_terms(view: _View) -> _BodyTerms:
    terms = view.body_terms
    if terms is None:
        terms = view.body_terms = _BodyTerms(view.searcher)
        view.derived = {}
    return terms


def _derive_pinyin(view: _View, key: str, limit: int = PINYIN_EXPANSIONS) -> list[str]:
    """Han words for full pinyin ``key`` found in the ``body`` bigrams alone, before the
    entity pass has given the text a pinyin lexicon.

    Every segmentation of the key into syllables (:func:`pinyin.segmentations`) is read
    as sequences of common characters with those readings, extended one syllable at a
    time and kept only while each new bigram is an indexed term (at most
    ``PINYIN_BEAM`` partial words, most frequent first). A word scores the document
    frequency of its rarest bigram, divided by ``PINYIN_APOSTROPHE_PENALTY`` when the
    segmentation needs an apostrophe (xi'an), and is kept only if the lexicon would
    give it this key (:func:`pinyin.keys`: pypinyin reads 银行 as yin hang, but 劲敌
    never as jin hua although 敌 has a rare reading hua). Readings without an
    apostrophe are tried first, and no further one after ``PINYIN_LOOKUPS`` lookups. A
    one-syllable reading gives single characters in their main reading (at most
    ``PINYIN_SINGLE_CHARS``), ranked by the number of distinct terms that start with
    them. Initials-only keys give nothing. Cached per key and index generation."""
    terms = _body_terms(view)
    derived = view.derived
    cached = derived.get((key, limit))
    if cached is not None:
        return cached
    scores: dict[str, float] = {}
    singles: dict[str, int] = {}
    looked_up = 0
    # likelier readings first (no apostrophe, fewer syllables), while the budget lasts
    ordered = sorted(pinyin.segmentations(key), key=pinyin.needs_apostrophe)
    for syllables in ordered:
        if looked_up >= PINYIN_LOOKUPS:
            break
        first = pinyin.characters(syllables[0])
        if len(syllables) == 1:  # characters alone: in their main reading only
            found = terms.starting([c for c in first if pinyin.main_reading(c, syllables[0])])
            singles.update((c, n) for c, n in found.items() if n)
            continue
        words: list[tuple[str, int]] = [(c, 1 << 62) for c in first]
        for syllable in syllables[1:]:
            chars = pinyin.characters(syllable)
            looked_up += len(words) * len(chars)
            df = terms.frequencies(w[-1] + c for w, _n in words for c in chars)
            grown = [
                (w + c, min(n, df[w[-1] + c])) for w, n in words for c in chars if df[w[-1] + c]
            ]
            grown.sort(key=lambda item: -item[1])
            words = grown[:PINYIN_BEAM]
            if not words:
                break
        penalty = PINYIN_APOSTROPHE_PENALTY if pinyin.needs_apostrophe(syllables) else 1
        for word, n in words:
            scores[word] = max(scores.get(word, 0.0), n / penalty)
    single_chars = sorted(singles, key=lambda c: -singles[c])[: min(PINYIN_SINGLE_CHARS, limit)]
    out: list[str] = []
    for word in sorted(scores, key=lambda w: -scores[w]):
        if len(out) >= limit - len(single_chars):
            break
        if key in pinyin.keys(word):  # read as the lexicon would read it
            out.append(word)
    out += single_chars
    if len(derived) >= COUNT_CACHE:
        derived.pop(next(iter(derived)))
    derived[(key, limit)] = out
    return out


def _distinct(ascending: np.ndarray) -> int:
    """The number of distinct values of an ascending array."""
    return int(np.count_nonzero(np.diff(ascending)) + 1) if ascending.size else 0


def _summary(meta: dict) -> ArticleSummary:
    return ArticleSummary(
        article_id=meta.get("id", ""),
        title=meta.get("title", ""),
        outlet=meta.get("outlet", ""),
        published=meta.get("published"),
        path=meta.get("path", ""),
        paragraphs=int(meta.get("paragraphs", 0)),
    )


def _fold(text: str) -> str:
    from g60_reader.corpus.fold import fold

    return fold(text)


def open_url(url: str) -> WhooshBackend:
    """The registry's entry: ``whoosh:DIR`` (``~`` expanded; ``whoosh:`` alone is the
    default index directory)."""
    _scheme, _, rest = url.partition(":")
    rest = rest.removeprefix("//") if rest.startswith("///") else rest
    return WhooshBackend(Path(rest).expanduser() if rest.strip() else None)


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)


__all__ = ["WhooshBackend", "open_url"]
