"""The narrow contract between the index and its users (the CLI and the TUI).

A backend (Whoosh today; a second one such as OpenSearch could implement the same
contract later) adds/updates and deletes articles, answers queries with hits that carry
character spans into the original paragraph text, returns stored articles for the
reader, and reports stats. Nothing here imports Whoosh or Textual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from g60_reader.corpus.model import Article, EntitySpan

Span = tuple[int, int]


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


class SearchBackend(Protocol):
    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport: ...

    def delete(self, article_ids: Iterable[str]) -> int: ...

    def search(self, query: str, page: int = 1, pagelen: int = 20) -> SearchResult: ...

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]: ...

    def article(self, article_id: str) -> StoredArticle | None: ...

    def list_articles(self) -> list[ArticleSummary]: ...

    def stats(self) -> IndexStats: ...
