"""The Whoosh backend of :class:`g60_reader.index.api.SearchBackend`.

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
import os
import threading
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
from whoosh.collectors import TopCollector
from whoosh.util.numeric import byte_to_length

from g60_reader.corpus.model import ENTITY_TYPES, Article, EntitySpan, Paragraph

from . import store
from .analyzer import find_spans, fold_normalise, is_han
from .api import ArticleSummary, Hit, IndexStats, SearchResult, StoredArticle, UpdateReport
from .fastpath import FastSearcher, Unsupported
from .paths import resolve_index_dir
from .pinyin import full_key, is_pinyin_query
from .query import parse

SNIPPET_CHARS = 60
SNIPPET_BEFORE = 20
PINYIN_EXPANSIONS = 8
FACET_SCAN = 2000
REFRESH_INTERVAL = 0.5
MAX_PAGELEN = 1000
_orig_dfl = W3PerDocReader.doc_field_length
COUNT_CACHE = 256  # (total, articles) per query, per index generation


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

    def __init__(self, ix) -> None:
        self.searcher = ix.searcher()
        _cache_lengths(self.searcher)
        self.checked = time.monotonic()
        self._parents: list[int] | None = None
        self._meta: dict[int, dict] = {}
        self._counts: dict[str, tuple[int, int]] = {}
        self._fast: FastSearcher | bool | None = False  # False: not tried yet
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

    def parent_of(self, docnum: int) -> int | None:
        parents = self.parents
        k = bisect_right(parents, docnum) - 1
        return parents[k] if k >= 0 else None

    def meta(self, parent: int) -> dict:
        meta = self._meta.get(parent)
        if meta is None:
            meta = self.searcher.stored_fields(parent).get("meta") or {}
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


_LENGTH_OF_BYTE = [byte_to_length(b) for b in range(256)]


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
    table = None
    if hasattr(perdoc, "_cached_reader"):
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is not None and getattr(column, "_fixedlen", 0) == 1:
            raw = column._dbfile.get(column._basepos, column._count)
            table = bytes(raw) + bytes(max(0, column._doccount + 1 - column._count))
    tables[fieldname] = table
    return table


def _cache_lengths(searcher) -> None:
    """Serve BM25's field-length lookups from one in-memory ``bytes`` per segment and
    field (one byte per document) instead of a file read per scored document: the
    profile of common-word queries showed a quarter of the search time in
    ``doc_field_length``. Same values as Whoosh's own method."""
    for sub, _offset in searcher.leaf_searchers():
        perdoc = getattr(sub.reader(), "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            continue

        def doc_field_length(docnum, fieldname, default=0, _perdoc=perdoc):
            table = _length_table(_perdoc, fieldname)
            if table is None:  # not our layout: Whoosh's own lookup
                return _orig_dfl(_perdoc, docnum, fieldname, default)
            b = table[docnum]
            return _LENGTH_OF_BYTE[b] if b else None

        perdoc.doc_field_length = doc_field_length


class WhooshBackend:
    """Search, read and update one index directory."""

    def __init__(
        self, index_dir: str | os.PathLike[str] | None = None, *, fast: bool = True
    ) -> None:
        """``fast=False`` runs every query through Whoosh's matchers (the reference the
        fast path is tested and measured against)."""
        self.index_dir = resolve_index_dir(index_dir)
        self.fast = fast
        self._ix = store.open_index(self.index_dir)
        if self._ix is None:
            raise store.IndexError_(f"no index at {self.index_dir}")
        self._local = threading.local()
        self._lex_lock = threading.Lock()
        self._lex_mtime: float | None = None
        self._by_key: dict[str, list[str]] = {}
        self._views: list[_View] = []

    # -- searchers ---------------------------------------------------------------------

    def _view(self) -> _View:
        view: _View | None = getattr(self._local, "view", None)
        now = time.monotonic()
        if view is None:
            view = _View(self._ix)
            self._local.view = view
            self._views.append(view)
        elif now - view.checked >= REFRESH_INTERVAL:
            view.checked = now
            if not view.searcher.up_to_date():
                self._ix = store.open_index(self.index_dir) or self._ix
                old = view
                view = _View(self._ix)
                self._local.view = view
                self._views.append(view)
                self._views.remove(old)
                old.close()
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

    def _lexicon(self) -> dict[str, list[str]]:
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
        searcher and fast evaluator, load the pinyin lexicon (the first pinyin query)
        and set up pypinyin (the first "did you mean" of a query with no hits).
        Measured at 100k paragraphs: 85 ms and 170-260 ms on first use. Callers run it
        in the background after opening (the TUI while the user types). Returns the
        seconds it took; never raises."""
        t0 = time.perf_counter()
        with contextlib.suppress(Exception):
            view = self._view()
            if self.fast:
                _ = view.fast
            self._lexicon()
            full_key("中文")
        return time.perf_counter() - t0

    def expand_pinyin(self, word: str, limit: int = PINYIN_EXPANSIONS) -> list[str]:
        """Indexed Han words whose pinyin (full or initials) is ``word``, most frequent
        first."""
        if not is_pinyin_query(word):
            return []
        return self._lexicon().get(word, [])[:limit]

    # -- search ------------------------------------------------------------------------

    def search(self, query: str, page: int = 1, pagelen: int = 20) -> SearchResult:
        t0 = time.perf_counter()
        page = max(1, int(page))
        pagelen = max(1, min(int(pagelen), MAX_PAGELEN))
        result = SearchResult(
            query=query if isinstance(query, str) else "", page=page, pagelen=pagelen
        )
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            result.error = parsed.error
            result.elapsed_ms = (time.perf_counter() - t0) * 1000
            return result
        result.terms = parsed.terms
        try:
            view = self._view()
            start = (page - 1) * pagelen
            fast = view.fast if self.fast else None
            if fast is not None:
                top = self._search_fast(view, fast, parsed.query, start + pagelen, result)
            else:
                top = self._search_whoosh(view, parsed.query, start + pagelen, result)
            if result.total:
                for docnum, score in top[start:]:
                    result.hits.append(self._hit(view, docnum, score, parsed.terms))
            else:
                result.suggestions = self._suggest(view, query, parsed.words)
        except Exception as exc:  # a broken index must not crash the caller
            result.error = f"search failed: {exc}"
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

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
        spans = tuple(find_spans(fold_normalise(text), terms)) if terms else ()
        snippet, snippet_start = _snippet(text, spans)
        return Hit(
            article_id=fields.get("aid", ""),
            paragraph=int(fields.get("para", 0)),
            title=meta.get("title", ""),
            outlet=meta.get("outlet", ""),
            date=meta.get("date"),
            path=meta.get("path", ""),
            score=float(score or 0.0),
            text=text,
            spans=spans,
            snippet=snippet,
            snippet_start=snippet_start,
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
        out: dict[str, list[tuple[str, int]]] = {t: [] for t in ENTITY_TYPES}
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            return out
        try:
            view = self._view()
            s = view.searcher
            fast = view.fast if self.fast else None
            if fast is not None:
                docnums = [d for d, _score in fast.run(parsed.query, FACET_SCAN)[2]]
            else:
                top = s.search(parsed.query, limit=FACET_SCAN)
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
        except Exception:
            pass
        return out

    # -- articles ----------------------------------------------------------------------

    def article(self, article_id: str) -> StoredArticle | None:
        try:
            article_id.encode("utf-8")
        except (AttributeError, UnicodeEncodeError):  # not an id we could have made
            return None
        s = self._view().searcher
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
        return StoredArticle(
            article=article, entities=entities, enriched=bool(meta.get("enriched"))
        )

    def list_articles(self) -> list[ArticleSummary]:
        view = self._view()
        out = []
        for parent in view.parents:
            meta = view.meta(parent)
            out.append(
                ArticleSummary(
                    article_id=meta.get("id", ""),
                    title=meta.get("title", ""),
                    outlet=meta.get("outlet", ""),
                    date=meta.get("date"),
                    path=meta.get("path", ""),
                    paragraphs=int(meta.get("paragraphs", 0)),
                )
            )
        out.sort(key=lambda a: (a.date or "", a.title), reverse=True)
        return out

    def stats(self) -> IndexStats:
        view = self._view()
        s = view.searcher
        articles = len(view.parents)
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
            paragraphs=s.doc_count() - articles,
            size_bytes=size,
            last_update=last,
            path=str(self.index_dir),
            enriched_paragraphs=enriched,
        )

    # -- updates -----------------------------------------------------------------------

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        return store.add_articles(self.index_dir, articles)

    def delete(self, article_ids: Iterable[str]) -> int:
        return store.delete_articles(self.index_dir, article_ids)


def _fold(text: str) -> str:
    from g60_reader.corpus.fold import fold

    return fold(text)


def _snippet(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, int]:
    if len(text) <= SNIPPET_CHARS:
        return text, 0
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_CHARS)
    start = max(0, end - SNIPPET_CHARS)
    return text[start:end], start


def ensure_index(index_dir: str | os.PathLike[str] | None = None, progress=None) -> WhooshBackend:
    """Open the index, building the bundled sample into it first when there is none."""
    path = resolve_index_dir(index_dir)
    if not store.index_exists(path):
        from g60_reader.corpus.readers import SAMPLE_PATH

        store.update(path, [SAMPLE_PATH], wait=True, progress=progress)
    return WhooshBackend(path)


__all__ = ["WhooshBackend", "ensure_index"]


def top_entities(
    index_dir: str | os.PathLike[str] | None, kind: str | None = None, limit: int = 20
) -> dict[str, list[tuple[str, int]]]:
    """The most frequent recognised entities of the whole index, per type:
    ``{type: [(entity, paragraphs), ...]}``, most paragraphs first. Entities are given in
    their folded (Simplified) form, as indexed. Raises ``FileNotFoundError`` when there
    is no index and ``ValueError`` for an unknown type."""
    path = resolve_index_dir(index_dir)
    ix = store.open_index(path)
    if ix is None:
        raise FileNotFoundError(f"no index at {path}")
    if kind is not None and kind not in ENTITY_TYPES:
        raise ValueError(f"unknown entity type {kind!r} (use {', '.join(ENTITY_TYPES)})")
    kinds = [kind] if kind else list(ENTITY_TYPES)
    out: dict[str, list[tuple[str, int]]] = {}
    with ix.searcher() as s:
        reader = s.reader()
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


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else str(term)
