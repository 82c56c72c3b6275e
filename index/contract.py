"""The backend contract: what the command line and the reader may ask of an index.

A backend is opened from a URL by :func:`g60_reader.index.registry.open_backend`
(``whoosh:DIR``, ``opensearch+http://host:9200/INDEX``, ``memory:``). It is both an
:class:`IndexReader` and an :class:`IndexWriter`; callers reach nothing else of it. The
errors every method may raise are in :mod:`g60_reader.index.errors`, one class per kind
of failure, each with a one-line message for the user.

What every backend guarantees, whatever it runs on:

- **The same hits.** A query (the language of :mod:`g60_reader.index.query`) finds the
  same paragraphs on every backend: exact sub-word matching on the folded (Simplified)
  text, both scripts, pinyin, phrases, fields, entity filters. Scores may differ, so the
  order of equal-relevance hits may too.
- **Spans into the original text.** Every hit carries the character offsets of every
  match in the paragraph as written; the reader only styles those offsets.
- **Exact duplicates** (same folded text) are kept once as an article and listed as its
  copies; an article's id is stable (derived from its file's path and record number).
- **Writes are durable when they return**: a cancelled or failed write leaves the last
  committed state searchable, and a re-run continues from it.

Nothing here imports Whoosh, OpenSearch or Textual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from g60_reader.corpus.model import Article, EntitySpan

Span = tuple[int, int]
# progress(done, total, what): files for an update, articles for the entity pass
Progress = Callable[[int, int, str], None]
# ``what`` while a backend reorganises its index after the articles are done (the
# Whoosh backend merges the entity pass's segments): done == total then
COMPACTING = "compacting the index"
# recognise(text, folded) -> entity spans of one paragraph (a module-level function: it is
# sent to worker processes). It may also carry ``many(texts, folds)``: the same spans for
# many paragraphs at once, which is faster (LAC tags pieces of one length together); a
# backend goes through :func:`recognise_all`.
Recogniser = Callable[[str, str], list[EntitySpan]]


def recognise_all(
    recognise: Recogniser, texts: Sequence[str], folds: Sequence[str]
) -> list[list[EntitySpan]]:
    """``[recognise(t, f) for t, f in zip(texts, folds)]``, through the recogniser's
    ``many`` when it has one."""
    if len(texts) != len(folds):
        raise ValueError(f"recognise_all: {len(texts)} texts but {len(folds)} folded forms")
    many = getattr(recognise, "many", None)
    if many is not None:
        found = list(many(list(texts), list(folds)))
        if len(found) != len(texts):
            raise ValueError(f"recognise_all: {len(found)} results for {len(texts)} texts")
        return found
    return [recognise(t, f) for t, f in zip(texts, folds, strict=True)]


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    paragraph: int  # 1-based body paragraph number
    title: str
    outlet: str
    published: str | None  # ISO 8601 publication date (or date and time), None: unknown
    path: str
    score: float
    text: str  # the paragraph's original text
    spans: tuple[Span, ...]  # ALL match spans in ``text``, sorted, non-overlapping
    snippet: str  # a window of ``text`` around the first match
    snippet_start: int  # offset of ``snippet`` in ``text``; snippet spans = spans shifted
    cluster: str | None = None  # the reprint cluster (story) of the article, if any
    reprints: int = 0  # how many other articles of that story there are


@dataclass(slots=True)
class SearchResult:
    query: str
    total: int = 0  # matching paragraphs
    articles: int = 0  # distinct articles among the matching paragraphs
    hits: list[Hit] = field(default_factory=list)  # the requested page
    page: int = 1
    pagelen: int = 20
    elapsed_ms: float = 0.0
    error: str | None = None  # a clear one-line message when the query is unusable
    suggestions: list[str] = field(default_factory=list)  # "did you mean" when total == 0
    terms: tuple[str, ...] = ()  # folded query strings used for highlighting
    # with a date filter: matching articles left out because their date is unknown
    undated: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


SORTS: tuple[str, ...] = ("relevance", "date", "oldest")  # date: newest first


@dataclass(frozen=True, slots=True)
class Filters:
    """What a search, a timeline or a count is narrowed to, besides the query.

    ``since`` / ``until``: ISO days (``2019-03-01``), inclusive, on the publication date;
    articles whose date is unknown are left out when either is given (and counted in
    ``SearchResult.undated``). ``outlets``: the article's outlet equals one of them, in
    either script (科創 matches 科创). An empty ``Filters`` narrows nothing.
    """

    since: str | None = None
    until: str | None = None
    outlets: tuple[str, ...] = ()

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def __bool__(self) -> bool:
        return self.dated or bool(self.outlets)


@dataclass(frozen=True, slots=True)
class TimelineBucket:
    period: str  # "2019-03-05", "2019-W10", "2019-03", "2019"
    articles: int  # distinct matching articles published in the period
    paragraphs: int  # matching paragraphs of those articles
    outlet: str | None = None  # when split by outlet


@dataclass(slots=True)
class Timeline:
    """Matching articles and paragraphs per period of publication (an exact duplicate
    counts once; every reprint counts: each is a publication)."""

    by: str  # "day", "week", "month", "year"
    buckets: list[TimelineBucket] = field(default_factory=list)  # by period (and outlet)
    undated_articles: int = 0  # matching articles whose date is unknown (not in buckets)
    undated_paragraphs: int = 0
    error: str | None = None  # an unusable query, as in SearchResult


@dataclass(frozen=True, slots=True)
class OutletCount:
    outlet: str  # as written by the first article counted ("" when unknown)
    articles: int
    paragraphs: int


@dataclass(frozen=True, slots=True)
class StoryMember:
    article_id: str
    path: str
    title: str
    outlet: str
    published: str | None
    source_credit: str


@dataclass(slots=True)
class Story:
    """A reprint cluster: the same story in several articles (other outlets, the other
    script, trimmed, retitled), earliest first; the first stands for the story."""

    cluster: str
    members: list[StoryMember] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    article_id: str
    title: str
    outlet: str
    published: str | None
    path: str
    paragraphs: int


@dataclass(slots=True)
class StoredArticle:
    """Everything the reader pane shows, as stored in the index."""

    article: Article
    entities: dict[int, list[EntitySpan]] = field(default_factory=dict)  # paragraph -> spans
    enriched: bool = False  # entity pass done for this article
    # exact duplicates of the article (same folded text) kept under other paths
    copies: list[ArticleSummary] = field(default_factory=list)


@dataclass(slots=True)
class IndexStats:
    articles: int
    paragraphs: int
    size_bytes: int
    last_update: float | None  # POSIX time of the last commit
    path: str
    enriched_paragraphs: int = 0
    duplicates: int = 0  # exact duplicates kept as copies (not counted in ``articles``)


@dataclass(slots=True)
class UpdateReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    paragraphs: int = 0
    duplicates: int = 0  # of the added/updated articles, exact duplicates of another
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do beyond the core contract (the reader hides what it cannot)."""

    name: str  # "whoosh", "opensearch", "memory"
    entities: bool = True  # entity filters and facets (after the entity pass)
    pinyin: bool = True  # pinyin and initials in queries
    parallel_build: bool = False  # update() uses worker processes


@runtime_checkable
class IndexReader(Protocol):
    """Searching and reading. Thread-safe: the reader calls it from worker threads.

    Every method raises :class:`~g60_reader.index.errors.IndexUnavailable` when the index
    does not exist or cannot be reached (and :class:`~g60_reader.index.errors.IndexDamaged`
    when its files are damaged); none raises for a bad query (see :meth:`search`).
    """

    url: str  # where the index lives, as the registry opened it
    capabilities: Capabilities

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
        """The ``page``-th page of ``pagelen`` matching paragraphs, with the total of
        matching paragraphs and distinct articles.

        ``sort``: ``relevance`` (best first), ``date`` (newest first) or ``oldest``;
        undated articles come last in either date order, ties keep relevance order.
        ``filters`` narrow by publication date and outlet. A reprint cluster (a story)
        shows once, unless ``all_copies``: through the earliest of its articles that
        match (its first copy, unless only a later one holds what was searched), with
        ``Hit.reprints`` counting the others. A query that cannot be used gives a result with
        ``error`` set to one line saying why (never an exception); a query without hits
        gives ``suggestions``. An unknown ``sort`` is an ``error`` too."""
        ...

    def timeline(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        by: str | None = None,
        by_outlet: bool = False,
    ) -> Timeline:
        """Matching articles and paragraphs per period of publication: ``by`` day, week
        (ISO weeks), month or year; ``None`` chooses from the span of the hits. An empty
        query counts every article. Every reprint counts (each is a publication)."""
        ...

    def outlets(
        self, query: str | None = None, *, filters: Filters | None = None, limit: int = 100
    ) -> list[OutletCount]:
        """Matching articles and paragraphs per outlet, most articles first (every
        article when ``query`` is empty or ``None``)."""
        ...

    def stories(self, query: str | None = None, *, filters: Filters | None = None) -> list[Story]:
        """The reprint clusters of two or more articles (every one, or those with an
        article matching ``query`` and ``filters``), the earliest first in each; the
        stories are ordered by their first article's publication, newest first."""
        ...

    def story(self, cluster: str) -> Story | None:
        """One reprint cluster, or ``None``."""
        ...

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        """The most frequent entities of each type among the query's best hits:
        ``{type: [(entity as written, paragraphs), ...]}``; every type is a key, and so
        are ``"outlet"`` and ``"year"`` (publication years, as ``"2019"``)."""
        ...

    def article(self, article_id: str) -> StoredArticle | None:
        """The stored article (and its entities and exact duplicates); an exact
        duplicate's id gives the article it duplicates. ``None`` when there is none."""
        ...

    def list_articles(self) -> list[ArticleSummary]:
        """Every article (not the copies of exact duplicates), newest first."""
        ...

    def stats(self) -> IndexStats:
        """Counts, size and last update."""
        ...

    def top_entities(
        self, kind: str | None = None, limit: int = 20
    ) -> dict[str, list[tuple[str, int]]]:
        """The most mentioned entities of the whole index, per type, as indexed (folded):
        ``{type: [(entity, paragraphs), ...]}``. Raises ``ValueError`` for an unknown
        type."""
        ...

    def expand_pinyin(self, word: str, limit: int = 8) -> list[str]:
        """Indexed Han words read as pinyin ``word`` (full or initials), most frequent
        first; ``[]`` when ``word`` is not pinyin. Never raises."""
        ...

    def warm_up(self) -> float:
        """Do the one-off work the first queries would otherwise pay for (open searchers,
        load lexicons); returns the seconds it took. Never raises."""
        ...

    def close(self) -> None:
        """Release searchers, files and connections."""
        ...


@runtime_checkable
class IndexWriter(Protocol):
    """Adding, updating and deleting articles. One writer at a time per index: a second
    one gets :class:`~g60_reader.index.errors.IndexBusy` (or waits, with ``wait``)."""

    def exists(self) -> bool:
        """Whether the index exists (raises
        :class:`~g60_reader.index.errors.IndexDamaged` for a damaged one)."""
        ...

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
        """Read the files under ``paths`` and add or update their articles, creating the
        index if needed. Unchanged files (same path and content hash) are skipped;
        ``prune`` drops articles whose files are gone; ``rebuild`` starts afresh. Bad
        files are reported in ``UpdateReport.failed`` (one line each), never raised.
        The text is searchable when this returns; entities come with :meth:`enrich`.

        Raises: ``IndexBusy`` (another writer, without ``wait``), ``Cancelled``
        (``cancel`` was set, or Ctrl-C), ``IndexUnavailable`` (cannot create or write the
        index: a foreign directory, a full disk, a read-only cluster)."""
        ...

    def enrich(
        self,
        recognise: Recogniser,
        *,
        wait: bool = False,
        procs: int = 1,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """The entity pass: recognise entities in every paragraph not yet enriched (and
        add its jieba words), committing as it goes so that an interrupted pass
        resumes. A backend may then reorganise its index for faster searches (reported
        as ``progress(total, total, COMPACTING)``). Returns the paragraphs enriched.
        Raises like :meth:`update`."""
        ...

    def cluster_stories(
        self, *, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> int:
        """Group near-duplicate articles into reprint clusters (stories), joining the
        articles added since the last call to the stored clusters and dropping deleted
        ones; the clusters are stored with the index. Returns the number of articles
        whose cluster changed. Raises like :meth:`update`."""
        ...

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        """Index articles already read (replacing any with the same id)."""
        ...

    def delete(self, article_ids: Iterable[str]) -> int:
        """Delete articles by id; returns how many existed. An exact duplicate of a
        deleted article takes its place."""
        ...


@runtime_checkable
class Backend(IndexReader, IndexWriter, Protocol):
    """A complete backend: what :func:`~g60_reader.index.registry.open_backend` returns."""


# The reader-only view the reader app and tests use (a fake may implement just this).
SearchBackend = IndexReader
