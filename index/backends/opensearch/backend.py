"""The backend contract on an OpenSearch cluster: :class:`OpenSearchBackend`.

Reading
-------
A search is one request: the translated query (:mod:`.translate`) filtered to paragraph
documents (and by date, outlet and the reprint collapse), the page (``from``/``size``,
sorted by score or by the publication string, ``aid`` and paragraph number breaking
ties), ``track_total_hits`` for the exact paragraph total, and a composite aggregation on
the article id whose buckets are the matching articles: their number is the exact
article total (``cardinality`` would be approximate). More than 10,000 matching articles
take further pages of that aggregation; the totals are then cached for a few seconds so
that turning pages does not count again. Spans come from
:func:`g60_reader.index.analyzer.find_spans` on the stored original text, never from the
server's highlighter, so the reader pane is the same as on every backend.

Timelines, outlet counts and facets' outlets and years are computed in Python from that
same per-article list (id, publication, outlet), by the functions of
:mod:`g60_reader.index.results` every backend shares. Entity facets and top entities are
terms aggregations (exact on one shard; a composite aggregation over every value when the
index has several). The pinyin lexicon lives in the index (``lex`` documents):
``expand_pinyin`` is one sorted query.

Writing
-------
:mod:`.ingest` (catalog, batches, duplicates, story ranks) under the lease of :mod:`.lock`; files
are read and analysed in worker processes (``spawn``) and written in file order.

Errors are the contract's (:mod:`.client`); a query the server refuses becomes
``SearchResult.error``.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import ENTITY_TYPES, Article
from g60_reader.index import pinyin
from g60_reader.index.analyzer import find_spans, fold_normalise, is_han
from g60_reader.index.contract import (
    SORTS,
    ArticleSummary,
    Capabilities,
    Filters,
    Hit,
    IndexStats,
    OutletCount,
    Progress,
    Recogniser,
    SearchResult,
    StoredArticle,
    Story,
    Timeline,
    UpdateReport,
    recognise_all,
)
from g60_reader.index.errors import Cancelled, IndexUnavailable
from g60_reader.index.query import parse
from g60_reader.index.results import outlet_counts, outlet_key, snippet, stories_of, timeline_of

from . import store
from .client import HINT_NO_INDEX, Connection, error_type
from .documents import (
    META_ID,
    FileResult,
    analyse_article,
    article_doc_id,
    article_from_meta,
    entities_of,
    entity_fields,
    paragraph_doc_id,
    paragraphs_of,
    read_and_analyse,
    safe,
    segment_text,
    src_of,
    valid_entities,
)
from .ingest import (
    Batch,
    Catalog,
    Info,
    Writer,
    apply_lexicon,
    lexicon_dirty,
    mark_lexicon,
    recount_lexicon,
    story_ranks,
)
from .lock import HEARTBEAT_SECONDS, LEASE_SECONDS, WriterLock
from .mapping import MAPPING_VERSION
from .translate import to_dsl
from .url import Target, parse_url

PINYIN_EXPANSIONS = 8
MAX_PAGELEN = 1000
COUNT_CACHE_SECONDS = 10.0
PINYIN_CACHE_SECONDS = 5.0
INPROCESS_BYTES = 512 * 1024  # smaller updates are analysed in the main process
IN_FLIGHT_FILES = 32  # per worker: they go on while a batch is being sent
SEGMENT_NOW_BYTES = 2 * 1024 * 1024  # larger updates leave jieba to the entity pass
ENRICH_BATCH_PARAGRAPHS = 2000
ENRICH_INPROCESS_PARAGRAPHS = 400
FACET_SHARD_SIZE = 2000
_PARAGRAPHS = {"term": {"kind": "p"}}
_ORIGINALS = {
    "bool": {"filter": [{"term": {"kind": "a"}}], "must_not": [{"exists": {"field": "copy_of"}}]}
}
_HIT_SOURCE = ["aid", "para", "text", "art", "cluster"]
_MEMBER_SOURCE = [
    "aid",
    "cluster",
    "pub",
    "meta.path",
    "meta.path_raw",
    "meta.title",
    "meta.outlet",
    "meta.published",
    "meta.source_credit",
]
# per-article rows in indexing order (as the reference iterates its articles)
_ROW_SOURCES = [
    ("seq", "seq"),
    ("aid", "aid"),
    ("pub", "pub"),
    ("okey", "okey"),
    ("odisp", "odisp"),
]


@dataclass(frozen=True, slots=True)
class _Row:
    """An article as the shared result functions need it."""

    id: str
    published: str | None
    outlet: str
    path: str = ""
    title: str = ""
    source_credit: str = ""


def _member(doc: dict[str, Any]) -> _Row:
    meta = doc.get("meta") or {}
    from .documents import _unpack

    return _Row(
        id=doc["aid"],
        published=meta.get("published"),
        outlet=meta.get("outlet", ""),
        path=_unpack(meta.get("path", ""), meta.get("path_raw")),
        title=meta.get("title", ""),
        source_credit=meta.get("source_credit", ""),
    )


def _filter_clauses(filters: Filters | None, dates: bool = True) -> list[dict[str, Any]]:
    """The clauses of ``filters`` (without the date range unless ``dates``)."""
    out: list[dict[str, Any]] = []
    if not filters:
        return out
    if filters.outlets:
        out.append({"terms": {"okey": sorted({outlet_key(o) for o in filters.outlets})}})
    if dates and filters.dated:
        bounds: dict[str, str] = {}
        if filters.since is not None:
            bounds["gte"] = filters.since
        if filters.until is not None:
            bounds["lte"] = filters.until
        out.append({"range": {"adate": bounds}})
    return out


_SORT_SPECS: dict[str, list[Any]] = {
    "relevance": ["_score", {"aid": "asc"}, {"para": "asc"}],
    "date": [{"pub": {"order": "desc", "missing": "_last"}}, "_score", {"aid": "asc"}, "para"],
    "oldest": [{"pub": {"order": "asc", "missing": "_last"}}, "_score", {"aid": "asc"}, "para"],
}


class OpenSearchBackend:
    """The contract on an OpenSearch index (see the module docstring)."""

    capabilities = Capabilities(name="opensearch", parallel_build=True)

    def __init__(self, target: Target) -> None:
        self.target = target
        self.url = target.display
        self.conn = Connection(target)
        self.lock_lease = LEASE_SECONDS
        self.lock_heartbeat = HEARTBEAT_SECONDS
        self._ready_ok = False
        self._shards: int | None = None
        self._cache_lock = threading.Lock()
        # (query, filters, all_copies) -> (time, total, articles, undated, story clause)
        self._counts: dict[tuple, tuple[float, int, int, int, Any]] = {}
        self._pinyin: dict[tuple[str, int], tuple[float, list[str]]] = {}
        self._stories_seen: tuple[float, bool] | None = None

    # -- state ---------------------------------------------------------------------------

    def _ready(self) -> None:
        """Raise ``IndexUnavailable`` unless the index exists with our mapping version."""
        if self._ready_ok:
            return
        if not store.check_version(self.conn):
            raise IndexUnavailable(f"no index at {self.url} yet: {HINT_NO_INDEX}")
        self._ready_ok = True

    def _shard_count(self) -> int:
        if self._shards is None:
            self._shards = store.shards_of(self.conn)
        return self._shards

    def _written(self) -> None:
        with self._cache_lock:
            self._counts.clear()
            self._pinyin.clear()
        self._shards = None
        self._stories_seen = None

    def exists(self) -> bool:
        found = store.check_version(self.conn)
        self._ready_ok = found
        return found

    def _search(self, body: dict[str, Any], doing: str = "searching", **params: Any) -> dict:
        with self.conn.call(doing) as client:
            return client.search(index=self.target.index, body=body, **params)

    # -- pinyin ----------------------------------------------------------------------------

    def expand_pinyin(self, word: str, limit: int = PINYIN_EXPANSIONS) -> list[str]:
        if not pinyin.is_pinyin_query(word):
            return []
        key = (word, limit)
        now = time.monotonic()
        with self._cache_lock:
            cached = self._pinyin.get(key)
        if cached is not None and now - cached[0] < PINYIN_CACHE_SECONDS:
            return list(cached[1])
        try:
            found = self._search(
                {
                    "query": {
                        "bool": {
                            "filter": [
                                {"term": {"kind": "lex"}},
                                {"term": {"keys": word}},
                                {"range": {"df": {"gt": 0}}},
                            ]
                        }
                    },
                    "sort": [{"df": "desc"}, {"word": "asc"}],
                    "size": max(0, int(limit)),
                    "_source": ["word"],
                    "track_total_hits": False,
                },
                "expanding pinyin",
            )
            words = [h["_source"]["word"] for h in found["hits"]["hits"]]
        except Exception:  # never worth failing a search over
            return []
        with self._cache_lock:
            if len(self._pinyin) > 4096:
                self._pinyin.clear()
            self._pinyin[key] = (now, words)
        return list(words)

    def warm_up(self) -> float:
        t0 = time.perf_counter()
        with contextlib.suppress(Exception):
            self._ready()
            self.expand_pinyin("zhongguo")
            pinyin.full_key("中文")
            pinyin.characters("a")
        return time.perf_counter() - t0

    def close(self) -> None:
        self.conn.close()

    # -- search ----------------------------------------------------------------------------

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
        self._ready()
        page = max(1, int(page))
        pagelen = max(1, min(int(pagelen), MAX_PAGELEN))
        result = SearchResult(
            query=query if isinstance(query, str) else "", page=page, pagelen=pagelen
        )
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            result.error = parsed.error
        elif sort not in SORTS:
            result.error = f"unknown sort {sort!r} (use {', '.join(SORTS)})"
        if result.error is not None or parsed.query is None:
            result.elapsed_ms = (time.perf_counter() - t0) * 1000
            return result
        result.terms = parsed.terms
        dsl = to_dsl(parsed.query)
        clauses = [_PARAGRAPHS, *_filter_clauses(filters)]
        cache_key = (result.query, filters, all_copies)
        now = time.monotonic()
        with self._cache_lock:
            cached = self._counts.get(cache_key)
        if cached is not None and now - cached[0] > COUNT_CACHE_SECONDS:
            cached = None
        keep = None
        if not all_copies:
            keep = cached[4] if cached is not None else self._one_per_story(dsl, clauses)
            if keep is not None:
                clauses = [*clauses, keep]
        query_dsl = {"bool": {"must": [dsl], "filter": clauses}}
        body: dict[str, Any] = {
            "query": query_dsl,
            "from": (page - 1) * pagelen,
            "size": pagelen,
            "sort": _SORT_SPECS[sort],
            "track_scores": True,
            "track_total_hits": True,
            "_source": _HIT_SOURCE,
        }
        if cached is None:
            body["aggs"] = {"articles": store.composite_spec([("aid", "aid")])}
        from opensearchpy import exceptions as E

        with self.conn.call("searching") as client:
            try:
                found = client.search(index=self.target.index, body=body)
            except E.RequestError as exc:  # the server cannot run this query
                kind, reason = error_type(exc)
                result.error = f"search failed: {kind}: {reason[:200]}"
                result.elapsed_ms = (time.perf_counter() - t0) * 1000
                return result
        result.total = int(found["hits"]["total"]["value"])
        if cached is None:
            first = found["aggregations"]["articles"]
            result.articles = sum(
                1 for _ in store.composite(self.conn, query_dsl, [("aid", "aid")], first=first)
            )
            result.undated = self._undated(dsl, filters)
            with self._cache_lock:
                if len(self._counts) > 256:
                    self._counts.clear()
                self._counts[cache_key] = (
                    now,
                    result.total,
                    result.articles,
                    result.undated,
                    keep,
                )
        else:
            _, _total, result.articles, result.undated, _kept = cached
        hits = found["hits"]["hits"]
        reprints = self._reprints({h["_source"].get("cluster") for h in hits} - {None})
        for h in hits:
            result.hits.append(self._hit(h, parsed.terms, reprints))
        if result.total == 0:
            result.suggestions = self._suggest(result.query, parsed.words)
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _one_per_story(
        self, dsl: dict[str, Any], clauses: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """The clause that keeps, of each story with matching paragraphs, the earliest
        member that matches (the reference's collapse); ``None`` when no story matches.

        One composite aggregation over the stories among the matches, with the lowest
        rank (``crank``) of each: the paragraphs kept are those of articles outside any
        story and those whose ``ckey`` (``<cluster>#<rank>``) is one of the winners."""
        if not self._has_stories():
            return None
        query = {"bool": {"must": [dsl], "filter": [*clauses, {"exists": {"field": "crank"}}]}}
        winners = [
            f"{b['key']['cluster']}#{int(b['best']['value'])}"
            for b in store.composite_buckets(
                self.conn,
                query,
                [("cluster", "cluster")],
                aggs={"best": {"min": {"field": "crank"}}},
            )
            if b["key"]["cluster"] is not None and b["best"]["value"] is not None
        ]
        if not winners:
            return None
        chunks = [winners[i : i + 60_000] for i in range(0, len(winners), 60_000)]
        return {
            "bool": {
                "should": [
                    {"bool": {"must_not": [{"exists": {"field": "crank"}}]}},
                    *({"terms": {"ckey": chunk}} for chunk in chunks),
                ],
                "minimum_should_match": 1,
            }
        }

    def _has_stories(self) -> bool:
        """Whether any article is in a story (asked at most every few seconds)."""
        now = time.monotonic()
        if self._stories_seen is None or now - self._stories_seen[0] > COUNT_CACHE_SECONDS:
            with self.conn.call("searching") as client:
                found = client.count(
                    index=self.target.index, body={"query": {"exists": {"field": "crank"}}}
                )
            self._stories_seen = (now, found["count"] > 0)
        return self._stories_seen[1]

    def _undated(self, dsl: dict[str, Any], filters: Filters | None) -> int:
        """Matching articles left out by a date filter because their date is unknown."""
        if not filters or not filters.dated:
            return 0
        query = {
            "bool": {
                "must": [dsl],
                "filter": [_PARAGRAPHS, *_filter_clauses(filters, dates=False)],
                "must_not": [{"exists": {"field": "adate"}}],
            }
        }
        return sum(1 for _ in store.composite(self.conn, query, [("aid", "aid")]))

    def _reprints(self, clusters: set[str]) -> dict[str, int]:
        """How many articles each cluster holds."""
        if not clusters:
            return {}
        found = self._search(
            {
                "query": {
                    "bool": {"filter": [_ORIGINALS, {"terms": {"cluster": sorted(clusters)}}]}
                },
                "size": 0,
                "aggs": {"c": {"terms": {"field": "cluster", "size": len(clusters)}}},
            }
        )
        return {b["key"]: b["doc_count"] for b in found["aggregations"]["c"]["buckets"]}

    def _hit(self, raw: dict[str, Any], terms: tuple[str, ...], sizes: dict[str, int]) -> Hit:
        src = raw.get("_source") or {}
        art = src.get("art") or {}
        text = src.get("text", "")
        spans = tuple(find_spans(fold_normalise(text), terms)) if terms else ()
        snip, snip_start = snippet(text, spans)
        cluster = src.get("cluster")
        from .documents import _unpack

        return Hit(
            article_id=src.get("aid", ""),
            paragraph=int(src.get("para", 0)),
            title=art.get("title", ""),
            outlet=art.get("outlet", ""),
            published=art.get("published"),
            path=_unpack(art.get("path", ""), art.get("path_raw")),
            score=float(raw.get("_score") or 0.0),
            text=text,
            spans=spans,
            snippet=snip,
            snippet_start=snip_start,
            cluster=cluster,
            reprints=max(0, sizes.get(cluster, 0) - 1) if cluster else 0,
        )

    def _suggest(self, query: str, words: tuple[str, ...]) -> list[str]:
        """Did you mean: same-pinyin words for Han words, close spellings (the term
        suggester) and pinyin readings for Latin ones. Never raises."""
        out: list[str] = []
        try:
            base = fold_normalise(query)
            for word in words:
                alts: list[str] = []
                if is_han(word) and len(word) >= 2:
                    key = pinyin.full_key(word)
                    alts = [w for w in self.expand_pinyin(key, 4) if w != word][:3]
                elif word.isascii() and word.isalnum() and len(word) >= 3:
                    found = self._search(
                        {
                            "size": 0,
                            "query": _PARAGRAPHS,
                            "suggest": {
                                "s": {
                                    "text": word,
                                    "term": {
                                        "field": "body",
                                        "max_edits": 2 if len(word) > 5 else 1,
                                        "prefix_length": 1,
                                        "sort": "frequency",
                                    },
                                }
                            },
                        }
                    )
                    for entry in found.get("suggest", {}).get("s", []):
                        for option in entry.get("options", []):
                            text = option.get("text", "")
                            if text != word and text.isascii() and text not in alts:
                                alts.append(text)
                    alts = alts[:3]
                    alts += [w for w in self.expand_pinyin(word, 3) if w not in alts]
                for alt in alts:
                    suggestion = base.replace(word, alt) if word in base else alt
                    if suggestion not in out:
                        out.append(suggestion)
        except Exception:
            pass
        return out[:5]

    # -- per-article rows (timeline, outlets, stories) ------------------------------------

    def _rows(
        self, query: str | None, filters: Filters | None
    ) -> tuple[list[tuple[_Row, int]], str | None]:
        """``(article, matching paragraphs)`` for every matching article (every article
        when ``query`` is empty), or an error for an unusable query."""
        if query and query.strip():
            parsed = parse(query, self.expand_pinyin)
            if parsed.error is not None or parsed.query is None:
                return [], parsed.error or "empty query"
            dsl = {
                "bool": {
                    "must": [to_dsl(parsed.query)],
                    "filter": [_PARAGRAPHS, *_filter_clauses(filters)],
                }
            }
            rows = [
                (_Row(k["aid"], k["pub"], k["odisp"] or ""), n)
                for k, n in store.composite(self.conn, dsl, _ROW_SOURCES)
            ]
            return rows, None
        dsl = {"bool": {"filter": [_ORIGINALS, *_filter_clauses(filters)]}}
        rows = [
            (_Row(k["aid"], k["pub"], k["odisp"] or ""), int(k["npara"] or 0))
            for k, _n in store.composite(self.conn, dsl, [*_ROW_SOURCES, ("npara", "npara")])
        ]
        return rows, None

    def timeline(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        by: str | None = None,
        by_outlet: bool = False,
    ) -> Timeline:
        self._ready()
        rows, error = self._rows(query, filters)
        if error is not None:
            return Timeline(by=by or "month", error=error)
        return timeline_of(rows, by=by, by_outlet=by_outlet)

    def outlets(
        self, query: str | None = None, *, filters: Filters | None = None, limit: int = 100
    ) -> list[OutletCount]:
        self._ready()
        rows, error = self._rows(query, filters)
        if error is not None:
            return []
        return outlet_counts(rows, limit)

    def _all_stories(self, cluster: str | None = None) -> list[Story]:
        match: dict[str, Any] = (
            {"term": {"cluster": cluster}} if cluster else {"exists": {"field": "cluster"}}
        )
        members: dict[str, list[_Row]] = {}
        query = {"bool": {"filter": [_ORIGINALS, match]}}
        for doc in store.scan(self.conn, query, _MEMBER_SOURCE, ["aid"]):
            members.setdefault(doc["cluster"], []).append(_member(doc))
        return stories_of(members)

    def stories(self, query: str | None = None, *, filters: Filters | None = None) -> list[Story]:
        self._ready()
        stories = self._all_stories()
        if (query and query.strip()) or filters:
            rows, _error = self._rows(query, filters)
            ids = {row.id for row, _n in rows}
            stories = [s for s in stories if any(m.article_id in ids for m in s.members)]
        return stories

    def story(self, cluster: str) -> Story | None:
        self._ready()
        if not cluster:
            return None
        found = self._all_stories(cluster)
        return found[0] if found else None

    # -- facets and entities ------------------------------------------------------------------

    def _top_terms(
        self, field: str, query: dict[str, Any], limit: int, surfaces: bool = False
    ) -> list[tuple[str, int, dict[str, Any] | None]]:
        """The most frequent values of ``field`` among the documents of ``query``:
        ``(value, documents, a document holding it)``, most frequent first, ties by value.
        Exact: a terms aggregation on one shard, a composite one over every value on
        several."""
        limit = max(0, int(limit))
        if limit == 0:
            return []
        if self._shard_count() > 1:
            counts = [(k[field], n) for k, n in store.composite(self.conn, query, [(field, field)])]
            top = sorted(((v, n) for v, n in counts if v is not None), key=lambda x: (-x[1], x[0]))
            top = top[:limit]
            examples: dict[str, dict[str, Any]] = {}
            if surfaces and top:
                examples = self._examples(field, query, [v for v, _ in top])
            return [(v, n, examples.get(v)) for v, n in top]
        agg: dict[str, Any] = {
            "terms": {
                "field": field,
                "size": limit,
                "shard_size": max(limit * 20, FACET_SHARD_SIZE),
                "order": [{"_count": "desc"}, {"_key": "asc"}],
            }
        }
        if surfaces:
            agg["aggs"] = {"one": {"top_hits": {"size": 1, "_source": ["text", "ents"]}}}
        found = self._search({"query": query, "size": 0, "aggs": {"t": agg}}, "counting")
        out = []
        for bucket in found["aggregations"]["t"]["buckets"]:
            example = None
            if surfaces:
                hits = bucket["one"]["hits"]["hits"]
                example = hits[0]["_source"] if hits else None
            out.append((bucket["key"], bucket["doc_count"], example))
        return out

    def _examples(
        self, field: str, query: dict[str, Any], values: list[str]
    ) -> dict[str, dict[str, Any]]:
        found = self._search(
            {
                "query": {"bool": {"must": [query], "filter": [{"terms": {field: values}}]}},
                "size": 0,
                "aggs": {
                    "t": {
                        "terms": {"field": field, "include": values, "size": len(values)},
                        "aggs": {"one": {"top_hits": {"size": 1, "_source": ["text", "ents"]}}},
                    }
                },
            },
            "counting",
        )
        out = {}
        for bucket in found["aggregations"]["t"]["buckets"]:
            hits = bucket["one"]["hits"]["hits"]
            if hits:
                out[bucket["key"]] = hits[0]["_source"]
        return out

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        self._ready()
        out: dict[str, list[tuple[str, int]]] = {t: [] for t in (*ENTITY_TYPES, "outlet", "year")}
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None or parsed.query is None:
            return out
        dsl = {"bool": {"must": [to_dsl(parsed.query)], "filter": [_PARAGRAPHS]}}
        for etype in ENTITY_TYPES:
            rows = []
            for value, n, example in self._top_terms(etype, dsl, limit, surfaces=True):
                rows.append((_surface(etype, value, example), n))
            out[etype] = rows
        outlets: Counter[str] = Counter()
        years: Counter[str] = Counter()
        shown: dict[str, str] = {}
        for key, _n in store.composite(self.conn, dsl, _ROW_SOURCES):
            if key["odisp"]:
                okey = key["okey"] or outlet_key(key["odisp"])
                shown.setdefault(okey, key["odisp"])
                outlets[okey] += 1
            if key["pub"]:
                years[key["pub"][:4]] += 1
        ranked = sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        out["outlet"] = [(shown[k], n) for k, n in ranked]
        out["year"] = sorted(years.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return out

    def top_entities(
        self, kind: str | None = None, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        self._ready()
        if kind is not None and kind not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {kind!r} (use {', '.join(ENTITY_TYPES)})")
        kinds = [kind] if kind else list(ENTITY_TYPES)
        return {k: [(v, n) for v, n, _ in self._top_terms(k, _PARAGRAPHS, limit)] for k in kinds}

    # -- articles ------------------------------------------------------------------------------

    def _get(self, doc_id: str) -> dict[str, Any] | None:
        from opensearchpy import exceptions as E

        with self.conn.call("reading an article") as client:
            try:
                return client.get(index=self.target.index, id=doc_id).get("_source")
            except E.NotFoundError as exc:
                if "index_not_found" in str(exc):
                    raise
                return None

    def article(self, article_id: str) -> StoredArticle | None:
        self._ready()
        if not isinstance(article_id, str) or not article_id or safe(article_id) != article_id:
            return None
        doc = self._get(article_doc_id(article_id))
        if doc is not None and doc.get("copy_of"):
            doc = self._get(article_doc_id(doc["copy_of"]))
        if doc is None:
            return None
        aid = doc["aid"]
        numbers = doc.get("paras") or []
        paras = store.mget(
            self.conn,
            [paragraph_doc_id(aid, n) for n in numbers],
            ["para", "text", "ents", "enriched"],
        )
        items = []
        entities = {}
        enriched = True
        for source in paras.values():
            number, text = int(source["para"]), source.get("text", "")
            items.append((number, text))
            found = entities_of(text, source.get("ents"))
            if found:
                entities[number] = found
            enriched = enriched and bool(source.get("enriched"))
        article = article_from_meta(doc.get("meta") or {}, paragraphs_of(items))
        copies = []
        if doc.get("tkey"):
            query = {
                "bool": {
                    "filter": [
                        {"term": {"kind": "a"}},
                        {"term": {"tkey": doc["tkey"]}},
                        {"exists": {"field": "copy_of"}},
                    ]
                }
            }
            for copy in store.scan(self.conn, query, ["aid", "meta", "npara"], ["aid"]):
                meta = copy.get("meta") or {}
                summary = _summary(meta, int(copy.get("npara") or 0))
                copies.append(summary)
            copies.sort(key=lambda c: (c.published or "", c.path))
        return StoredArticle(article=article, entities=entities, enriched=enriched, copies=copies)

    def list_articles(self) -> list[ArticleSummary]:
        self._ready()
        source = [
            "aid",
            "npara",
            "meta.title",
            "meta.outlet",
            "meta.published",
            "meta.path",
            "meta.path_raw",
            "meta.id",
        ]
        out = [
            _summary({**(doc.get("meta") or {}), "id": doc["aid"]}, int(doc.get("npara") or 0))
            for doc in store.scan(self.conn, _ORIGINALS, source, ["aid"])
        ]
        out.sort(key=lambda a: (a.published or "", a.title), reverse=True)
        return out

    def stats(self) -> IndexStats:
        self._ready()
        found = self._search(
            {
                "size": 0,
                "track_total_hits": False,
                "aggs": {
                    "k": {
                        "filters": {
                            "filters": {
                                "articles": _ORIGINALS,
                                "copies": {
                                    "bool": {
                                        "filter": [
                                            {"term": {"kind": "a"}},
                                            {"exists": {"field": "copy_of"}},
                                        ]
                                    }
                                },
                                "paragraphs": _PARAGRAPHS,
                                "enriched": {
                                    "bool": {"filter": [_PARAGRAPHS, {"term": {"enriched": True}}]}
                                },
                            }
                        }
                    }
                },
            },
            "reading the index statistics",
        )
        counts = {k: v["doc_count"] for k, v in found["aggregations"]["k"]["buckets"].items()}
        with self.conn.call("reading the index statistics") as client:
            sizes = client.indices.stats(index=self.target.index, metric="store")
        size = int(sizes["_all"]["primaries"].get("store", {}).get("size_in_bytes", 0))
        meta = self._get(META_ID) or {}
        return IndexStats(
            articles=counts["articles"],
            paragraphs=counts["paragraphs"],
            size_bytes=size,
            last_update=meta.get("updated"),
            path=self.url,
            enriched_paragraphs=counts["enriched"],
            duplicates=counts["copies"],
        )

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _writing(
        self, wait: bool, cancel: threading.Event | None
    ) -> Iterator[tuple[WriterLock, threading.Event]]:
        """The write lock, a writable cluster, and Ctrl-C as the cancel event."""
        lock = WriterLock(self.conn, lease=self.lock_lease, heartbeat=self.lock_heartbeat)
        lock.acquire(wait=wait)
        try:
            store.check_writable(self.conn)
            with _interruptible(cancel) as event:
                yield lock, event
        finally:
            lock.release()
            self._written()

    def _prepare(self, rebuild: bool) -> bool:
        """Create (or with ``rebuild`` re-create) the index; True when it is new."""
        version = store.index_state(self.conn)
        if rebuild and version is not None:
            store.delete_index(self.conn)
            version = None
        self._ready_ok = False
        if version is None:
            store.create_index(self.conn)
            self._ready_ok = True
            return True
        store.check_version(self.conn)
        self._ready_ok = True
        return False

    def _writer(self, fresh: bool, complete: bool) -> Writer:
        bulk = store.Bulk(self.conn, store.replicas_of(self.conn))
        catalog = Catalog(self.conn, complete=complete or fresh)
        writer = Writer(self.conn, catalog, Batch(self.conn, bulk, fresh))
        # a writer died while changing the lexicon: this one counts every word again
        writer.recount_lexicon = not fresh and lexicon_dirty(self.conn)
        return writer

    def _finish(self, writer: Writer) -> None:
        """Settle copies and story ranks, write the rest and the lexicon, stamp, refresh."""
        writer.settle()
        writer.fix_ranks()
        writer.batch.flush()
        writer.batch.drain()
        store.refresh(self.conn)
        writer.batch.write_lexicon(recount=writer.recount_lexicon)
        writer.batch.bulk.run(
            [
                {
                    "_op_type": "update",
                    "_id": META_ID,
                    "doc": {
                        "kind": "meta",
                        "updated": time.time(),
                        "mapping_version": MAPPING_VERSION,
                    },
                    "doc_as_upsert": True,
                }
            ]
        )
        store.refresh(self.conn)

    def update(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        prune: bool = False,
        rebuild: bool = False,
        wait: bool = False,
        procs: int | None = None,
        progress: Progress | None = None,
        on_paragraphs: Callable[[int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> UpdateReport:
        with self._writing(wait, cancel) as (lock, event):
            fresh = self._prepare(rebuild)
            writer = self._writer(fresh, complete=True)
            if not fresh:
                writer.catalog.load_all()
            try:
                return self._update(
                    writer,
                    lock,
                    event,
                    paths,
                    prune,
                    rebuild,
                    fresh,
                    procs,
                    progress,
                    on_paragraphs,
                )
            finally:
                writer.batch.close()

    def _update(
        self,
        writer: Writer,
        lock: WriterLock,
        event: threading.Event,
        paths: Iterable[str | os.PathLike[str]],
        prune: bool,
        rebuild: bool,
        fresh: bool,
        procs: int | None,
        progress: Progress | None,
        on_paragraphs: Callable[[int], None] | None,
    ) -> UpdateReport:
        from g60_reader.corpus.model import ReadError
        from g60_reader.corpus.readers import SAMPLE_PATH, file_digest, iter_source_files

        catalog, report = writer.catalog, writer.report
        jobs: list[tuple[int, str, str, str, bool]] = []
        sizes = 0
        seen: set[str] = set()
        dirs: dict[str, str] = {}
        for i, item in enumerate(iter_source_files([str(p) for p in paths])):
            if isinstance(item, ReadError):
                report.failed.append((item.path, item.reason))
                continue
            src = src_of(item, dirs)
            key = safe(src)
            if key in seen:
                continue
            seen.add(key)
            try:
                digest = file_digest(item)
                size = item.stat().st_size
            except OSError as exc:
                report.failed.append((str(item), exc.strerror or "cannot read"))
                continue
            old = catalog.by_src.get(key)
            if old and all(catalog.infos[a].fhash == digest for a in old):
                report.unchanged += len(old)
                continue
            sizes += size
            jobs.append((i, str(item), src, digest, True))
        sample = safe(src_of(SAMPLE_PATH))
        doomed = []
        for key, aids in list(catalog.by_src.items()):
            if key in seen:
                continue
            exact = catalog.infos[aids[0]]
            gone = prune and not os.path.exists(_exact_src(exact))
            if gone or key == sample:
                doomed.extend(aids)
        report.removed += writer.remove(doomed)
        if sizes > SEGMENT_NOW_BYTES:  # a large update: searchable sooner, jieba later
            jobs = [(*job[:4], False) for job in jobs]
        writer.batch.start_background()
        if progress:
            progress(0, len(jobs), "")
        nprocs = max(1, procs if procs is not None else (os.cpu_count() or 1))
        if sizes <= INPROCESS_BYTES:
            nprocs = 1
        nprocs = min(nprocs, max(1, len(jobs)))
        done = 0
        try:
            with contextlib.closing(_analysed(jobs, nprocs, event)) as results:
                for result in results:
                    writer.absorb(result)
                    done += 1
                    if progress:
                        progress(done, len(jobs), result.path)
                    if on_paragraphs:
                        on_paragraphs(report.paragraphs)
                    if writer.batch.full():
                        lock.check()
                        writer.batch.flush()
                    if event.is_set():
                        raise Cancelled(
                            f"indexing cancelled after {done} of {len(jobs)} files: what was"
                            " written is searchable, a re-run continues from it"
                        )
        except Cancelled:
            self._finish(writer)
            raise
        lock.check()
        if jobs or doomed or rebuild or fresh:
            self._finish(writer)
        return report

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        with self._writing(True, None) as (_lock, _event):
            fresh = self._prepare(False)
            writer = self._writer(fresh, complete=False)
            report = writer.report
            items = [analyse_article(a, a.path) for a in articles]
            writer.catalog.ensure([i.article.id for i in items])
            writer.catalog.ensure_tkeys([i.article.text_key for i in items])
            for item in items:
                aid = item.article.id
                if aid in writer.catalog.infos:
                    writer.remove([aid])
                    report.updated += 1
                else:
                    report.added += 1
                added = writer.put(item, item.article.path, keep_cluster=False)
                report.paragraphs += added
                if added == 0 and item.article.paragraphs:
                    report.duplicates += 1
                if writer.batch.full():
                    writer.batch.flush()
            self._finish(writer)
            return report

    def delete(self, article_ids: Iterable[str]) -> int:
        ids = [a for a in dict.fromkeys(article_ids) if isinstance(a, str) and a]
        with self._writing(True, None) as (_lock, _event):
            if store.index_state(self.conn) is None:
                return 0
            writer = self._writer(False, complete=False)
            writer.catalog.ensure(ids)
            removed = writer.remove(ids)
            self._finish(writer)
            return removed

    def enrich(
        self,
        recognise: Recogniser,
        *,
        wait: bool = False,
        procs: int = 1,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        with self._writing(wait, cancel) as (lock, event):
            self._ready()
            todo_query = {
                "bool": {"filter": [_PARAGRAPHS], "must_not": [{"term": {"enriched": True}}]}
            }
            todo = [
                (k["aid"], n) for k, n in store.composite(self.conn, todo_query, [("aid", "aid")])
            ]
            total_paragraphs = sum(n for _a, n in todo)
            bulk = store.Bulk(self.conn, store.replicas_of(self.conn))
            if progress:
                progress(0, len(todo), "")
            nprocs = max(1, int(procs or 1))
            if total_paragraphs <= ENRICH_INPROCESS_PARAGRAPHS:
                nprocs = 1
            enriched = 0
            articles_done = 0
            dirty = lexicon_dirty(self.conn)
            plus: Counter[str] = Counter()
            keys_of: dict[str, list[str]] = {}
            marked = False
            try:
                with _Recognisers(recognise, nprocs) as run:
                    for batch in _batches(todo, ENRICH_BATCH_PARAGRAPHS):
                        if event.is_set():
                            raise Cancelled(
                                f"entity pass cancelled after {articles_done} of {len(todo)}"
                                " articles: a re-run continues from there"
                            )
                        lock.check()
                        query = {
                            "bool": {
                                "filter": [_PARAGRAPHS, {"terms": {"aid": batch}}],
                                "must_not": [{"term": {"enriched": True}}],
                            }
                        }
                        source = ["aid", "para", "text", "segmented", "art.path"]
                        docs = list(store.scan(self.conn, query, source, ["aid", "para"]))
                        found = run([(d.get("text", ""), not d.get("segmented")) for d in docs])
                        actions = []
                        for doc, (spans, words, keys) in zip(docs, found, strict=True):
                            fields = entity_fields(valid_entities(doc.get("text", ""), spans))
                            if words is not None:
                                fields.update(words)
                                plus.update(words.get("han", ()))
                                keys_of.update(keys)
                            actions.append(
                                {
                                    "_op_type": "update",
                                    "_id": paragraph_doc_id(doc["aid"], int(doc["para"])),
                                    "doc": fields,
                                }
                            )
                        if plus and not marked:
                            mark_lexicon(bulk, dirty=True)
                            marked = True
                        bulk.run(actions)
                        bulk.run(
                            [
                                {
                                    "_op_type": "update",
                                    "_id": article_doc_id(a),
                                    "doc": {"enriched": True},
                                }
                                for a in batch
                            ]
                        )
                        enriched += len(docs)
                        articles_done += len(batch)
                        if progress:
                            last = (docs[-1].get("art") or {}).get("path", "") if docs else ""
                            progress(articles_done, len(todo), last)
            finally:  # what was enriched counts in the lexicon, even when cancelled
                if marked or dirty:
                    store.refresh(self.conn)
                    if dirty:
                        recount_lexicon(self.conn, bulk)
                    else:
                        apply_lexicon(self.conn, bulk, dict(plus), keys_of)
                    mark_lexicon(bulk, dirty=False)
                store.refresh(self.conn)
            return enriched

    def cluster_stories(
        self, *, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> int:
        try:
            from g60_reader.index.stories import cluster_articles
        except ImportError as exc:
            raise IndexUnavailable(f"reprint clustering is not available here: {exc}") from None
        with self._writing(False, cancel) as (lock, event):
            self._ready()
            writer = self._writer(False, complete=True)
            writer.catalog.load_all()
            originals = [i for i in writer.catalog.infos.values() if i.copy_of is None]
            texts: dict[str, list[tuple[int, str]]] = {}
            for doc in store.scan(self.conn, _PARAGRAPHS, ["aid", "para", "text"], ["aid", "para"]):
                texts.setdefault(doc["aid"], []).append((int(doc["para"]), doc.get("text", "")))
            metas = {
                doc["aid"]: doc.get("meta") or {}
                for doc in store.scan(self.conn, _ORIGINALS, ["aid", "meta"], ["aid"])
            }
            if event.is_set():
                raise Cancelled("story clustering cancelled: the stored stories are unchanged")
            if progress:
                progress(0, len(originals), "")
            articles = [
                article_from_meta(
                    metas.get(i.aid) or {"id": i.aid}, paragraphs_of(texts.get(i.aid, []))
                )
                for i in originals
            ]
            found = cluster_articles(articles)
            if event.is_set():
                raise Cancelled("story clustering cancelled: the stored stories are unchanged")
            lock.check()
            groups: dict[str, list[Info]] = {}
            for info in originals:
                cluster = found.get(info.aid)
                if cluster:
                    groups.setdefault(cluster, []).append(info)
            ranks: dict[str, int | None] = {}
            for members in groups.values():
                ranks.update(story_ranks(members))
            changed = 0
            for n, info in enumerate(originals, start=1):
                cluster = found.get(info.aid) or None
                if info.cluster != cluster:
                    changed += 1
                writer.set_cluster(info, cluster, ranks.get(info.aid))
                if writer.batch.full():
                    writer.batch.flush()
                if progress and n % 1000 == 0:
                    progress(n, len(originals), "")
            writer.batch.flush()
            store.refresh(self.conn)
            if progress:
                progress(len(originals), len(originals), "")
            return changed


def _exact_src(info: Info) -> str:
    from .documents import _unpack

    return _unpack(info.src, info.src_raw)


def _summary(meta: dict[str, Any], paragraphs: int) -> ArticleSummary:
    from .documents import _unpack

    return ArticleSummary(
        article_id=meta.get("id", ""),
        title=meta.get("title", ""),
        outlet=meta.get("outlet", ""),
        published=meta.get("published"),
        path=_unpack(meta.get("path", ""), meta.get("path_raw")),
        paragraphs=paragraphs,
    )


def _surface(etype: str, value: str, example: dict[str, Any] | None) -> str:
    """The entity as written in a paragraph that holds it (else its folded value)."""
    if example:
        text = example.get("text", "")
        for e in entities_of(text, example.get("ents")):
            if e.type == etype and fold_normalise(e.text).strip() == value:
                return e.text
    return value


def _batches(todo: list[tuple[str, int]], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    count = 0
    for aid, n in todo:
        batch.append(aid)
        count += n
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


@contextlib.contextmanager
def _interruptible(cancel: threading.Event | None) -> Iterator[threading.Event]:
    """Ctrl-C sets the cancel event (a second one interrupts at once)."""
    event = cancel if cancel is not None else threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield event
        return

    def on_sigint(_signum: int, _frame: Any) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        event.set()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield event
    finally:
        signal.signal(signal.SIGINT, previous)


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _analysed(
    jobs: list[tuple[int, str, str, str, bool]], nprocs: int, cancel: threading.Event
) -> Generator[FileResult, None, None]:
    """Each job read and analysed, in order: in this process, or in ``nprocs`` spawned
    workers with at most ``IN_FLIGHT_FILES`` files per worker in flight."""
    if nprocs <= 1:
        for job in jobs:
            if cancel.is_set():
                return
            yield read_and_analyse(job)
        return
    window = threading.Semaphore(nprocs * IN_FLIGHT_FILES)
    stop = threading.Event()

    def feed() -> Iterator[tuple[int, str, str, str, bool]]:
        for job in jobs:
            while not window.acquire(timeout=0.2):
                if stop.is_set():
                    return
            if stop.is_set():
                return
            yield job

    pool = mp.get_context("spawn").Pool(nprocs, initializer=_worker_init)
    try:
        for result in pool.imap(read_and_analyse, feed()):
            window.release()
            yield result
            if cancel.is_set():
                return
        pool.close()
    finally:
        stop.set()
        pool.terminate()
        pool.join()


def _enrich_texts(
    args: tuple[Recogniser, list[tuple[str, bool]]],
) -> list[tuple[list, dict[str, Any] | None, dict[str, list[str]]]]:
    """Entities of each text, and its word fields (and their pinyin keys) when it was
    left unsegmented; run in the entity pass's workers."""
    recognise, items = args
    texts = [text for text, _ in items]
    folds = [fold(text) for text in texts]
    try:  # all at once: LAC tags pieces of one length together
        found = [list(spans) for spans in recognise_all(recognise, texts, folds)]
    except Exception:  # a recogniser bug costs only the failing paragraphs their entities
        found = []
        for text, folded in zip(texts, folds, strict=True):
            try:
                found.append(list(recognise(text, folded)))
            except Exception:
                found.append([])
    out: list[tuple[list, dict[str, Any] | None, dict[str, list[str]]]] = []
    for (text, segment), spans in zip(items, found, strict=True):
        words, keys = segment_text(text) if segment else (None, {})
        out.append((spans, words, keys))
    return out


class _Recognisers:
    """``run([(text, segment)]) -> [(spans, word fields, keys)]``, in this process or a
    pool of workers."""

    def __init__(self, recognise: Recogniser, nprocs: int) -> None:
        self.recognise = recognise
        self.nprocs = nprocs
        self.pool: Any = None

    def __enter__(self) -> Callable[[list[tuple[str, bool]]], list]:
        if self.nprocs > 1:
            self.pool = mp.get_context("spawn").Pool(self.nprocs, initializer=_worker_init)
        return self.run

    def run(self, items: list[tuple[str, bool]]) -> list:
        if self.pool is None:
            return _enrich_texts((self.recognise, items))
        size = max(1, len(items) // (self.nprocs * 4))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        out: list = []
        for part in self.pool.imap(_enrich_texts, [(self.recognise, c) for c in chunks]):
            out.extend(part)
        return out

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def open_url(url: str) -> OpenSearchBackend:
    return OpenSearchBackend(parse_url(url))


__all__ = ["OpenSearchBackend", "open_url"]
