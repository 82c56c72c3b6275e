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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from g60_reader.corpus.model import Article, EntitySpan

Span = tuple[int, int]
# progress(done, total, what): files for an update, articles for the entity pass
Progress = Callable[[int, int, str], None]
# recognise(text, folded) -> entity spans of one paragraph (a module-level function: it is
# sent to worker processes)
Recogniser = Callable[[str, str], list[EntitySpan]]


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

    @property
    def ok(self) -> bool:
        return self.error is None


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

    def search(self, query: str, page: int = 1, pagelen: int = 20) -> SearchResult:
        """The ``page``-th page of ``pagelen`` matching paragraphs, best first, with the
        total of matching paragraphs and distinct articles. A query that cannot be used
        gives a result with ``error`` set to one line saying why (never an exception); a
        query without hits gives ``suggestions``."""
        ...

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        """The most frequent entities of each type among the query's best hits:
        ``{type: [(entity as written, paragraphs), ...]}``; every type is a key."""
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
        resumes. Returns the paragraphs enriched. Raises like :meth:`update`."""
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
