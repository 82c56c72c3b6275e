"""An in-memory backend: the whole contract over plain Python data, for tests and trials.

``memory:`` opens a fresh index; ``memory:NAME`` the one of that name in this process
(so that two opens in one test see the same data). Nothing is kept on disk.

It is also the **reference** the contract suite compares the other backends with: every
query node is evaluated by its definition (a term is in the paragraph's terms, a phrase
is at consecutive positions, an open phrase end is any term starting with its
character, ...), on the same analysis the other backends index
(:mod:`g60_reader.index.analyzer`), so any difference in hit sets is a bug of the
faster backend. Scores are simple (term frequency times boost): relevance order may
differ from the others', hit sets may not.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import ENTITY_TYPES, Article, EntitySpan
from g60_reader.index import analyzer, pinyin
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
)
from g60_reader.index.errors import Cancelled, IndexUnavailable
from g60_reader.index.query import ast as Q
from g60_reader.index.query import parse
from g60_reader.index.results import (
    filter_reason,
    outlet_key,
    snippet,
    sort_hits,
)

PINYIN_EXPANSIONS = 8
MAX_PAGELEN = 1000
_REGISTRY: dict[str, MemoryBackend] = {}
_REGISTRY_LOCK = threading.Lock()


@dataclass(slots=True)
class _Para:
    number: int
    text: str
    norm: str
    poses: dict[str, list[int]]
    words: set[str]  # long jieba words (the ``words`` field)
    han_words: list[str]
    entities: list[EntitySpan] | None = None  # None: not enriched yet
    entity_values: dict[str, set[str]] = field(default_factory=dict)


@dataclass(slots=True)
class _Doc:
    article: Article
    src: str
    paragraphs: list[_Para]
    title_terms: dict[str, list[int]]
    outlet_terms: dict[str, list[int]]
    copy_of: str | None = None  # an exact duplicate of this article id


class MemoryBackend:
    """The contract over dictionaries (see the module docstring)."""

    capabilities = Capabilities(name="memory")

    def __init__(self, name: str = "") -> None:
        self.url = f"memory:{name}"
        self._lock = threading.RLock()
        self._docs: dict[str, _Doc] = {}
        self._created = False
        self._updated: float | None = None
        self._clusters: dict[str, str] = {}  # article id -> cluster id
        self._stories_engine = None

    # -- writing ---------------------------------------------------------------------

    def exists(self) -> bool:
        return self._created

    def update(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        rebuild: bool = False,
        wait: bool = False,
        procs: int | None = None,
        progress: Progress | None = None,
        on_paragraphs: Callable[[int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> UpdateReport:
        from g60_reader.corpus.model import ReadError
        from g60_reader.corpus.readers import (
            SAMPLE_PATH,
            file_digest,
            iter_source_files,
            read_file,
        )

        report = UpdateReport()
        with self._lock:
            if rebuild:
                self._docs.clear()
                self._clusters.clear()
            self._created = True
            files = [item for item in iter_source_files(list(paths))]
            seen: set[str] = set()
            jobs = []
            for item in files:
                if isinstance(item, ReadError):
                    report.failed.append((item.path, item.reason))
                    continue
                src = str(Path(item).resolve())
                if src in seen:
                    continue
                seen.add(src)
                digest = file_digest(item)
                old = [d for d in self._docs.values() if d.src == src]
                if old and all(d.article.file_hash == digest for d in old):
                    report.unchanged += len(old)
                    continue
                jobs.append((item, src, digest, old))
            doomed = []
            sample = str(Path(SAMPLE_PATH).resolve())
            for doc in list(self._docs.values()):
                if doc.src in seen:
                    continue
                gone = prune and not Path(doc.src).exists()
                if gone or doc.src == sample:
                    doomed.append(doc.article.id)
            if doomed:
                report.removed += len(doomed)
                self._remove(doomed)
            if progress:
                progress(0, len(jobs), "")
            for done, (item, src, digest, old) in enumerate(jobs, start=1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("indexing cancelled")
                articles, errors = read_file(item, digest=digest)
                report.failed.extend((e.path, e.reason) for e in errors)
                old_ids = {d.article.id for d in old}
                new_ids = {a.id for a in articles}
                self._remove(old_ids - new_ids)
                report.removed += len(old_ids - new_ids)
                for article in articles:
                    if article.id in old_ids:
                        report.updated += 1
                    else:
                        report.added += 1
                    added = self._add(article, src)
                    report.paragraphs += added
                    if added == 0 and article.paragraphs:
                        report.duplicates += 1
                if progress:
                    progress(done, len(jobs), str(item))
                if on_paragraphs:
                    on_paragraphs(report.paragraphs)
            self._updated = time.time()
        return report

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        report = UpdateReport()
        with self._lock:
            self._created = True
            for article in articles:
                if article.id in self._docs:
                    self._remove([article.id])
                    report.updated += 1
                else:
                    report.added += 1
                added = self._add(article, article.path)
                report.paragraphs += added
                if added == 0 and article.paragraphs:
                    report.duplicates += 1
            self._updated = time.time()
        return report

    def delete(self, article_ids: Iterable[str]) -> int:
        with self._lock:
            ids = [a for a in dict.fromkeys(article_ids) if a in self._docs]
            self._remove(ids)
            self._updated = time.time()
            return len(ids)

    def enrich(
        self,
        recognise: Recogniser,
        *,
        wait: bool = False,
        procs: int = 1,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        with self._lock:
            todo = [
                d
                for d in self._docs.values()
                if d.copy_of is None and any(p.entities is None for p in d.paragraphs)
            ]
            done = 0
            for n, doc in enumerate(todo, start=1):
                if cancel is not None and cancel.is_set():
                    raise Cancelled("entity pass cancelled")
                for para in doc.paragraphs:
                    if para.entities is not None:
                        continue
                    found = recognise(para.text, fold(para.text))
                    para.entities = [
                        EntitySpan(e.start, e.end, e.type, para.text[e.start : e.end])
                        for e in found
                        if e.type in ENTITY_TYPES and 0 <= e.start < e.end <= len(para.text)
                    ]
                    para.entity_values = {}
                    for e in para.entities:
                        value = analyzer.fold_normalise(e.text).strip()
                        if value:
                            para.entity_values.setdefault(e.type, set()).add(value)
                    done += 1
                if progress:
                    progress(n, len(todo), doc.article.path)
            return done

    def cluster_stories(
        self, *, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> int:
        from g60_reader.index.stories import cluster_articles

        with self._lock:
            originals = [d.article for d in self._docs.values() if d.copy_of is None]
            before = dict(self._clusters)
            self._clusters = cluster_articles(originals)
            changed = {
                a
                for a in set(before) | set(self._clusters)
                if before.get(a) != self._clusters.get(a)
            }
            return len(changed)

    def _add(self, article: Article, src: str) -> int:
        """Index one article; returns its paragraphs (0 for an exact duplicate)."""
        if not article.text_key:
            from g60_reader.corpus.readers import text_key

            article.text_key = text_key(article.title, article.paragraphs)
        original = next(
            (
                d.article.id
                for d in self._docs.values()
                if d.copy_of is None and d.article.text_key == article.text_key
            ),
            None,
        )
        if original is not None:
            self._docs[article.id] = _Doc(article, src, [], {}, {}, copy_of=original)
            return 0
        paragraphs = []
        for para in article.paragraphs:
            analysis = analyzer.analyse_paragraph(para.folded or fold(para.text))
            paragraphs.append(
                _Para(
                    para.number,
                    para.text,
                    analysis.norm,
                    analysis.poses,
                    set(analysis.long_words),
                    analysis.han_words,
                )
            )
        self._docs[article.id] = _Doc(
            article,
            src,
            paragraphs,
            analyzer.text_positions(article.title),
            analyzer.text_positions(article.outlet),
        )
        return len(paragraphs)

    def _remove(self, ids: Iterable[str]) -> None:
        for aid in list(ids):
            doc = self._docs.pop(aid, None)
            self._clusters.pop(aid, None)
            if doc is None or doc.copy_of is not None:
                continue
            copies = sorted(
                (d for d in self._docs.values() if d.copy_of == aid),
                key=lambda d: (d.article.published or "9999", d.article.path),
            )
            if copies:  # the first copy becomes the original
                first = copies[0]
                del self._docs[first.article.id]
                self._add(first.article, first.src)
                for other in copies[1:]:
                    other.copy_of = first.article.id

    # -- reading ---------------------------------------------------------------------

    def _check(self) -> None:
        if not self._created:
            raise IndexUnavailable(
                f"no index at {self.url} yet: add articles with `g60-reader index PATH...`"
            )

    def _originals(self) -> list[_Doc]:
        return [d for d in self._docs.values() if d.copy_of is None]

    def _lexicon(self) -> dict[str, list[str]]:
        df: Counter[str] = Counter()
        for doc in self._originals():
            for para in doc.paragraphs:
                df.update(set(para.han_words))
        by_key: dict[str, list[tuple[int, str]]] = {}
        for word, n in df.items():
            for key in pinyin.keys(word):
                by_key.setdefault(key, []).append((-n, word))
        return {key: [w for _n, w in sorted(v)] for key, v in by_key.items()}

    def expand_pinyin(self, word: str, limit: int = PINYIN_EXPANSIONS) -> list[str]:
        if not pinyin.is_pinyin_query(word):
            return []
        try:
            with self._lock:
                return self._lexicon().get(word, [])[:limit]
        except Exception:
            return []

    def warm_up(self) -> float:
        return 0.0

    def close(self) -> None:
        pass

    def _matches(
        self, node: Q.Node, doc: _Doc, para: _Para
    ) -> float:  # 0.0: no match, else a score
        if isinstance(node, Q.ArticleField):
            return node.boost if self._article_matches(node.child, doc) else 0.0
        if isinstance(node, Q.Term):
            if node.field == "words":
                return node.boost if node.text in para.words else 0.0
            return node.boost * len(para.poses.get(node.text, ()))
        if isinstance(node, Q.Phrase):
            return node.boost * _phrase_count(para.poses, node.terms, node.open_end)
        if isinstance(node, Q.CharPrefix):
            return node.boost if any(t.startswith(node.char) for t in para.poses) else 0.0
        if isinstance(node, Q.Prefix):
            values = para.entity_values.get(node.field, ())
            return node.boost if any(v.startswith(node.text) for v in values) else 0.0
        if isinstance(node, Q.And):
            total = 0.0
            for child in node.children:
                score = self._matches(child, doc, para)
                if not score:
                    return 0.0
                total += score
            return total * node.boost
        if isinstance(node, Q.Or):
            return node.boost * sum(self._matches(c, doc, para) for c in node.children)
        if isinstance(node, Q.AndNot):
            score = self._matches(node.positive, doc, para)
            if score and self._matches(node.negative, doc, para):
                return 0.0
            return score
        if isinstance(node, Q.Not):
            return 0.0 if self._matches(node.child, doc, para) else 1.0
        raise TypeError(f"not a query node: {node!r}")

    def _article_matches(self, node: Q.Node, doc: _Doc) -> bool:
        if isinstance(node, Q.Term):
            terms = doc.title_terms if node.field == "title" else doc.outlet_terms
            return node.text in terms
        if isinstance(node, Q.Phrase):
            terms = doc.title_terms if node.field == "title" else doc.outlet_terms
            return _phrase_count(terms, node.terms, node.open_end) > 0
        if isinstance(node, Q.CharPrefix):
            terms = doc.title_terms if node.field == "title" else doc.outlet_terms
            return any(t.startswith(node.char) for t in terms)
        if isinstance(node, Q.Prefix) and node.field == "adate":
            return (doc.article.published or "")[:10].startswith(node.text) and bool(
                doc.article.published
            )
        if isinstance(node, Q.And):
            return all(self._article_matches(c, doc) for c in node.children)
        if isinstance(node, Q.Or):
            return any(self._article_matches(c, doc) for c in node.children)
        if isinstance(node, Q.AndNot):
            return self._article_matches(node.positive, doc) and not self._article_matches(
                node.negative, doc
            )
        return False

    def _matching(
        self, query: str, filters: Filters | None
    ) -> tuple[list[tuple[float, _Doc, _Para]], SearchResult]:
        result = SearchResult(query=query if isinstance(query, str) else "")
        parsed = parse(query, self.expand_pinyin)
        if parsed.error is not None:
            result.error = parsed.error
            return [], result
        result.terms = parsed.terms
        query_node = parsed.query
        assert query_node is not None  # (parse gives a query or an error)
        out = []
        undated: set[str] = set()
        for doc in self._originals():
            reason = filter_reason(doc.article.published, doc.article.outlet, filters)
            for para in doc.paragraphs:
                score = self._matches(query_node, doc, para)
                if not score:
                    continue
                if reason == "undated":
                    undated.add(doc.article.id)
                elif reason is None:
                    out.append((score, doc, para))
        result.undated = len(undated)
        return out, result

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
        self._check()
        page = max(1, int(page))
        pagelen = max(1, min(int(pagelen), MAX_PAGELEN))
        with self._lock:
            found, result = self._matching(query, filters)
            result.page, result.pagelen = page, pagelen
            if sort not in SORTS:
                result.error = f"unknown sort {sort!r} (use {', '.join(SORTS)})"
            if result.error is not None:
                return result
            if not all_copies:
                found = self._collapse(found)
            result.total = len(found)
            result.articles = len({doc.article.id for _s, doc, _p in found})
            order = [
                (score, doc.article.published, doc.article.id, para.number, (doc, para))
                for score, doc, para in found
            ]
            start = (page - 1) * pagelen
            for score, _pub, _aid, _n, (doc, para) in sort_hits(order, sort)[
                start : start + pagelen
            ]:
                result.hits.append(self._hit(doc, para, score, result.terms))
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _collapse(self, found):
        """A story shows once: through the earliest of its copies that match."""
        if not self._clusters:
            return found
        rank = {
            m.article_id: (story.cluster, k)
            for story in self._all_stories()
            for k, m in enumerate(story.members)
        }
        best: dict[str, int] = {}
        for _s, d, _p in found:
            place = rank.get(d.article.id)
            if place is not None:
                best[place[0]] = min(best.get(place[0], place[1]), place[1])
        return [
            (s, d, p)
            for s, d, p in found
            if d.article.id not in rank or best[rank[d.article.id][0]] == rank[d.article.id][1]
        ]

    def _hit(self, doc: _Doc, para: _Para, score: float, terms: tuple[str, ...]) -> Hit:
        spans = tuple(analyzer.find_spans(para.norm, terms)) if terms else ()
        snip, snip_start = snippet(para.text, spans)
        cluster = self._clusters.get(doc.article.id)
        size = sum(1 for c in self._clusters.values() if c == cluster) if cluster else 0
        article = doc.article
        return Hit(
            article_id=article.id,
            paragraph=para.number,
            title=article.title,
            outlet=article.outlet,
            published=article.published,
            path=article.path,
            score=float(score),
            text=para.text,
            spans=spans,
            snippet=snip,
            snippet_start=snip_start,
            cluster=cluster,
            reprints=max(0, size - 1),
        )

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        out: dict[str, list[tuple[str, int]]] = {t: [] for t in (*ENTITY_TYPES, "outlet", "year")}
        with self._lock:
            found, result = self._matching(query, None)
            if result.error:
                return out
            counts: dict[str, Counter[str]] = {t: Counter() for t in out}
            shown: dict[tuple[str, str], str] = {}
            articles: set[str] = set()
            for _score, doc, para in found:
                seen: set[tuple[str, str]] = set()
                for e in para.entities or ():
                    pair = (e.type, analyzer.fold_normalise(e.text))
                    shown.setdefault(pair, e.text)
                    seen.add(pair)
                for etype, value in seen:
                    counts[etype][value] += 1
                if doc.article.id not in articles:
                    articles.add(doc.article.id)
                    if doc.article.outlet:
                        key = ("outlet", outlet_key(doc.article.outlet))
                        shown.setdefault(key, doc.article.outlet)
                        counts["outlet"][key[1]] += 1
                    if doc.article.published:
                        counts["year"][doc.article.published[:4]] += 1
                        shown.setdefault(
                            ("year", doc.article.published[:4]), doc.article.published[:4]
                        )
            for kind, counter in counts.items():
                out[kind] = [(shown[(kind, v)], n) for v, n in counter.most_common(limit)]
        return out

    def article(self, article_id: str) -> StoredArticle | None:
        with self._lock:
            doc = self._docs.get(article_id)
            if doc is None:
                return None
            if doc.copy_of is not None:
                doc = self._docs[doc.copy_of]
            article = doc.article
            copies = sorted(
                (d for d in self._docs.values() if d.copy_of == article.id),
                key=lambda d: (d.article.published or "", d.article.path),
            )
            return StoredArticle(
                article=article,
                entities={p.number: list(p.entities) for p in doc.paragraphs if p.entities},
                enriched=all(p.entities is not None for p in doc.paragraphs),
                copies=[_summary(d.article) for d in copies],
            )

    def list_articles(self) -> list[ArticleSummary]:
        self._check()
        with self._lock:
            out = [_summary(d.article) for d in self._originals()]
        out.sort(key=lambda a: (a.published or "", a.title), reverse=True)
        return out

    def stats(self) -> IndexStats:
        self._check()
        with self._lock:
            originals = self._originals()
            paragraphs = [p for d in originals for p in d.paragraphs]
            return IndexStats(
                articles=len(originals),
                paragraphs=len(paragraphs),
                size_bytes=sum(len(p.text.encode("utf-8")) for p in paragraphs),
                last_update=self._updated,
                path=self.url,
                enriched_paragraphs=sum(1 for p in paragraphs if p.entities is not None),
                duplicates=len(self._docs) - len(originals),
            )

    def top_entities(
        self, kind: str | None = None, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        self._check()
        if kind is not None and kind not in ENTITY_TYPES:
            raise ValueError(f"unknown entity type {kind!r} (use {', '.join(ENTITY_TYPES)})")
        kinds = [kind] if kind else list(ENTITY_TYPES)
        counts: dict[str, Counter[str]] = {k: Counter() for k in kinds}
        with self._lock:
            for doc in self._originals():
                for para in doc.paragraphs:
                    for etype, values in para.entity_values.items():
                        if etype in counts:
                            counts[etype].update(values)
        return {
            k: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:limit] for k, c in counts.items()
        }

    def timeline(self, query, *, filters=None, by=None, by_outlet=False) -> Timeline:
        from g60_reader.index.results import timeline_of

        self._check()
        with self._lock:
            if query and query.strip():
                found, result = self._matching(query, filters)
                if result.error:
                    return Timeline(by=by or "month", error=result.error)
                rows = [(d.article, 1) for _s, d, _p in found]
            else:
                rows = [
                    (d.article, len(d.paragraphs))
                    for d in self._originals()
                    if filter_reason(d.article.published, d.article.outlet, filters) is None
                ]
        return timeline_of(rows, by=by, by_outlet=by_outlet)

    def outlets(self, query=None, *, filters=None, limit=100) -> list[OutletCount]:
        from g60_reader.index.results import outlet_counts

        self._check()
        with self._lock:
            if query and query.strip():
                found, result = self._matching(query, filters)
                if result.error:
                    return []
                rows = [(d.article, 1) for _s, d, _p in found]
            else:
                rows = [
                    (d.article, len(d.paragraphs))
                    for d in self._originals()
                    if filter_reason(d.article.published, d.article.outlet, filters) is None
                ]
        return outlet_counts(rows, limit)

    def _all_stories(self) -> list[Story]:
        from g60_reader.index.results import stories_of

        members: dict[str, list[Article]] = {}
        for aid, cluster in self._clusters.items():
            doc = self._docs.get(aid)
            if doc is not None:
                members.setdefault(cluster, []).append(doc.article)
        return stories_of(members)

    def stories(self, query=None, *, filters=None) -> list[Story]:
        self._check()
        with self._lock:
            stories = self._all_stories()
            if (query and query.strip()) or filters:
                if query and query.strip():
                    found, _result = self._matching(query, filters)
                    ids = {d.article.id for _s, d, _p in found}
                else:
                    ids = {
                        d.article.id
                        for d in self._originals()
                        if filter_reason(d.article.published, d.article.outlet, filters) is None
                    }
                stories = [s for s in stories if any(m.article_id in ids for m in s.members)]
            return stories

    def story(self, cluster: str) -> Story | None:
        with self._lock:
            return next((s for s in self._all_stories() if s.cluster == cluster), None)


def _phrase_count(
    poses: dict[str, list[int]], terms: tuple[str, ...], open_end: bool = False
) -> int:
    """Start positions where ``terms`` are at consecutive positions; with ``open_end``
    the last one is a character that any term starting with it satisfies."""
    if not terms:
        return 0
    exact = terms[:-1] if open_end else terms
    if any(t not in poses for t in exact):
        return 0
    later = [set(poses[t]) for t in exact[1:]]
    if open_end:
        char = terms[-1]
        later.append({p for t, ps in poses.items() if t.startswith(char) for p in ps})
    firsts = poses[exact[0]] if exact else later.pop()
    count = 0
    for start in firsts:
        if all(start + k + 1 in positions for k, positions in enumerate(later)):
            count += 1
    return count


def _summary(article: Article) -> ArticleSummary:
    return ArticleSummary(
        article_id=article.id,
        title=article.title,
        outlet=article.outlet,
        published=article.published,
        path=article.path,
        paragraphs=len(article.paragraphs),
    )


def open_url(url: str) -> MemoryBackend:
    """``memory:`` (a new index) or ``memory:NAME`` (this process's index of that
    name)."""
    _scheme, _, name = url.partition(":")
    name = name.strip()
    if not name:
        return MemoryBackend()
    with _REGISTRY_LOCK:
        backend = _REGISTRY.get(name)
        if backend is None:
            backend = _REGISTRY[name] = MemoryBackend(name)
        return backend
