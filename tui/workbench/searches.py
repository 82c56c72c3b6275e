"""A search as the reader holds it, and as a saved search keeps it: both ways.

The reader's search is the text in the search box (with its ``since:``/``until:``/``in:``
clauses), an outlet chosen in the facets, a period chosen on the timeline strip and the
order (:class:`g60_reader.tui.scope.SearchScope`). A saved search (:mod:`.library`)
keeps a query and a filter dict, the one ``g60-reader saved add`` writes: ``since`` and
``until`` as typed, ``outlets``, ``sort`` (:data:`g60_reader.tui.workbench.FILTER_KEYS`).

- :func:`saved_filters` turns the reader's narrowing into that dict. The query is kept
  **as typed**, date clauses included, so that ``in:上周`` is last week again at every
  run; the strip's period, which has no typed form, is kept as its first and last day.
- :func:`reader_search` turns a saved search back into what the reader needs: the text
  for the search box (the query, then ``since:``/``until:`` clauses for the filter dates,
  quoted when they hold a space), the outlets and the order. Putting the dates in the
  search box rather than in hidden state shows the user what narrows the results and
  lets them edit it; :func:`g60_reader.tui.querying.prepare` reads them back into the
  same range that :func:`g60_reader.tui.workbench.search_options` makes of the dict, so
  the reader, ``saved list`` and ``saved run`` count the same hits.

Also what the backend is asked for the results a scope shows (:func:`scope_options`),
and the default name of an export file (:func:`export_name`). Nothing here imports
Textual; each function is a few microseconds, once per user action.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from g60_reader.tui.workbench import FILTER_KEYS, QueryError

if TYPE_CHECKING:  # pragma: no cover
    from g60_reader.tui.scope import SearchScope

SORTS = ("relevance", "date", "oldest")
SORT_WORDS = {"date": "newest first", "oldest": "oldest first"}
SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "md": ".md", "ris": ".ris", "csljson": ".json"}


def saved_filters(
    *,
    outlets: Iterable[str] = (),
    sort: str = "relevance",
    period: tuple[_dt.date, _dt.date] | None = None,
) -> dict[str, Any]:
    """The filter dict a saved search stores for the reader's narrowing: the outlets
    chosen in the facets, the order, and the strip's period as its first and last day
    (``since``/``until``; dates typed in the query stay in the query)."""
    filters: dict[str, Any] = {"sort": sort if sort in SORTS else "relevance"}
    kept = [o for o in outlets if o]
    if kept:
        filters["outlets"] = kept
    if period is not None:
        filters["since"] = period[0].isoformat()
        filters["until"] = period[1].isoformat()
    return filters


def scope_options(scope: SearchScope) -> dict[str, Any]:
    """The backend's ``search`` keywords that ask for what the results of ``scope`` show:
    its filters (typed dates ∩ strip period, outlets), order and copies."""
    options: dict[str, Any] = {"sort": scope.sort, "all_copies": scope.all_copies}
    filters = scope.filters()
    if filters:
        options["filters"] = filters
    return options


def _clause(name: str, value: object) -> str:
    text = " ".join(str(value).split())
    if not text:
        return ""
    if any(ch.isspace() for ch in text) or any(ch in text for ch in "()（）"):
        text = '"' + text.replace('"', "") + '"'
    return f"{name}:{text}"


@dataclass(frozen=True, slots=True)
class ReaderSearch:
    """What the reader puts in place to run a saved search."""

    typed: str  # the search box's text: the query and its date clauses
    outlets: tuple[str, ...]
    sort: str


def reader_search(query: str, filters: Mapping[str, Any] | None) -> ReaderSearch:
    """The search box text, outlets and order of a saved search (``query`` and its
    ``filters`` dict); raises :class:`~g60_reader.tui.workbench.QueryError` for a key
    this reader does not know (a newer g60-reader's), rather than ignoring it."""
    filters = filters or {}
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise QueryError(
            f"unknown filter {', '.join(unknown)} (this g60-reader knows {', '.join(FILTER_KEYS)})"
        )
    parts = [query.strip()]
    for name in ("since", "until"):
        value = filters.get(name)
        if value:
            parts.append(_clause(name, value))
    outlets = filters.get("outlets") or ()
    if isinstance(outlets, str):
        outlets = (outlets,)
    sort = str(filters.get("sort") or "relevance")
    if sort not in SORTS:
        raise QueryError(f"unknown order {sort!r} (use {', '.join(SORTS)})")
    typed = " ".join(part for part in parts if part)
    return ReaderSearch(typed, tuple(str(o) for o in outlets if o), sort)


def describe(query: str, filters: Mapping[str, Any] | None) -> str:
    """A saved search in one line: its query, then its outlets, dates and order."""
    filters = filters or {}
    parts = [query.strip() or "(every article)"]
    outlets = filters.get("outlets") or ()
    if isinstance(outlets, str):
        outlets = (outlets,)
    if outlets:
        parts.append("outlet " + " | ".join(str(o) for o in outlets))
    since, until = filters.get("since"), filters.get("until")
    if since or until:
        parts.append(f"{since or '…'} – {until or '…'}")
    sort = filters.get("sort")
    if sort in SORT_WORDS:
        parts.append(SORT_WORDS[sort])
    return " · ".join(parts)


_UNSAFE = re.compile(r'[\s/\\:*?"<>|\x00-\x1f\x7f]+')


def export_name(query: str, fmt: str, *, kind: str = "hits") -> str:
    """The default file name of an export: ``g60-export-<query>.<suffix>`` (the query's
    characters that a file name cannot hold become ``-``; at most 40 of them),
    ``g60-bookmarks.<suffix>``, or ``g60-export-articles.<suffix>`` for the listing."""
    suffix = SUFFIX.get(fmt, f".{fmt}")
    if kind == "bookmarks":
        return f"g60-bookmarks{suffix}"
    words = _UNSAFE.sub("-", query).strip("-.")[:40].strip("-.")
    return f"g60-export-{words or 'articles'}{suffix}"


def with_format(path: str, fmt: str) -> str:
    """``path`` with its suffix changed to ``fmt``'s when it has an export suffix (a name
    the user chose otherwise is left alone)."""
    for suffix in (*SUFFIX.values(), ".ndjson", ".markdown"):
        if path.lower().endswith(suffix):
            return path[: -len(suffix)] + SUFFIX.get(fmt, f".{fmt}")
    return path


__all__ = [
    "SUFFIX",
    "ReaderSearch",
    "describe",
    "export_name",
    "reader_search",
    "saved_filters",
    "scope_options",
    "with_format",
]
