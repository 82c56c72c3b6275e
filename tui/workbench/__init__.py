"""The researcher's workbench: bookmarks, saved searches, exports and concordances.

Four modules that the command line (:mod:`g60_reader.tui.cmd_workbench`) and the reader
share, none of which imports Textual (the command line must start fast):

- :mod:`.library`: bookmarks and saved searches in SQLite in the data directory;
- :mod:`.export`: CSV, JSON lines, Markdown, RIS and CSL-JSON files of hits, bookmarks
  or articles, written atomically;
- :mod:`.kwic`: keyword-in-context lines whose contexts are counted in words (jieba
  tokens of the folded text) or characters.

This module holds what they share: walking every hit of a query page by page, up to a
cap. The Whoosh backend serves at most 1,000 hits a page and ranks the top
``page * pagelen`` for each page; reading every hit of a query costs 0.35 s for 3,074
hits and 0.67 s for 6,904 on a synthetic 20,000-paragraph index (2,487 files) here. The
cap (10,000) keeps a query that matches half of a large corpus from taking minutes and
memory for a result nobody reads in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from g60_reader.index.contract import Hit, IndexReader, SearchResult

HIT_CAP = 10_000  # hits read for saved-search counts, exports and concordances
PAGE = 1_000  # hits per backend call (the Whoosh backend's maximum page)

HitKey = tuple[str, int]  # (article_id, paragraph): one hit, as saved searches remember it


class QueryError(ValueError):
    """The backend could not use the query; the message is one line saying why."""


FILTER_KEYS = ("since", "until", "outlets", "sort")


def search_options(
    filters: Mapping[str, Any] | None, query: str = ""
) -> tuple[str, dict[str, Any]]:
    """The query and the backend's ``search`` keywords for a filter dict as a saved
    search stores it: ``since`` / ``until`` as the user typed them (``2019-03``, ``今天``,
    ``近7天``: read again at every run, so "today" stays today), ``outlets`` (a list, or
    one name), ``sort`` (``relevance``, ``date``, ``oldest``); date clauses in the query
    itself (``since:``, ``until:``, ``in:``) narrow too (:func:`g60_reader.tui.querying
    .prepare`). Raises :class:`QueryError` for an unknown key or a date that cannot be
    read."""
    filters = filters or {}
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise QueryError(
            f"unknown filter {', '.join(unknown)} (this g60-reader knows {', '.join(FILTER_KEYS)})"
        )
    from g60_reader.tui.querying import prepare

    since, until = filters.get("since"), filters.get("until")
    outlets = filters.get("outlets") or ()
    if isinstance(outlets, str):
        outlets = (outlets,)
    prepared = prepare(
        query,
        since=str(since) if since else None,
        until=str(until) if until else None,
        outlets=[str(o) for o in outlets],
    )
    if prepared.error is not None:
        raise QueryError(prepared.error)
    options: dict[str, Any] = {}
    if prepared.filters:
        options["filters"] = prepared.filters
    if filters.get("sort"):
        options["sort"] = str(filters["sort"])
    return prepared.query, options


def _search(
    backend: IndexReader, query: str, page: int, pagelen: int, options: dict[str, Any]
) -> SearchResult:
    try:
        result = backend.search(query, page=page, pagelen=pagelen, **options)
    except TypeError:
        if not options:
            raise
        raise QueryError(
            f"{backend.url} cannot filter or sort a search yet ({', '.join(options)})"
        ) from None
    if result.error:
        raise QueryError(f"bad query {query!r}: {result.error}")
    return result


def first_page(
    backend: IndexReader,
    query: str,
    pagelen: int = PAGE,
    options: dict[str, Any] | None = None,
) -> SearchResult:
    """The first page of ``query`` (with the backend's ``search`` keywords ``options``,
    see :func:`search_options`); raises :class:`QueryError` for an unusable query."""
    return _search(backend, query, 1, pagelen, options or {})


def iter_hits(
    backend: IndexReader,
    query: str,
    *,
    cap: int = HIT_CAP,
    options: dict[str, Any] | None = None,
    first: SearchResult | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Iterator[Hit]:
    """Every hit of ``query``, in the backend's order, at most ``cap`` of them, fetched a
    page at a time (``first`` is the first page when the caller has it already).
    ``on_total`` is told the number of hits that will come (``min(total, cap)``) once it
    is known. Raises :class:`QueryError` for an unusable query, and the backend's
    errors."""
    options = options or {}
    result = first if first is not None else _search(backend, query, 1, PAGE, options)
    wanted = min(result.total, cap)
    if on_total is not None:
        on_total(wanted)
    pagelen = result.pagelen or PAGE
    page = result.page
    done = 0
    while done < wanted:
        if not result.hits:
            return
        for hit in result.hits[: wanted - done]:
            yield hit
            done += 1
        if done >= wanted or len(result.hits) < pagelen:
            return
        page += 1
        result = _search(backend, query, page, pagelen, options)


def hit_key(hit: Hit) -> HitKey:
    return (hit.article_id, hit.paragraph)


__all__ = [
    "FILTER_KEYS",
    "HIT_CAP",
    "PAGE",
    "HitKey",
    "QueryError",
    "first_page",
    "hit_key",
    "iter_hits",
    "search_options",
]
