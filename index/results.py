"""Shaping results the same way in every backend: filters, order, snippets, counts.

The backends find matches in their own ways; what a match then *means* for the user is
decided here once, so that the same query gives the same answers on every backend:
which article passes the date and outlet filters (and which is left out as undated),
the order of the date sorts, the snippet window, outlet names compared across scripts,
timeline and outlet counts, stories ordered by who published first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from g60_reader.index.analyzer import fold_normalise
from g60_reader.index.contract import (
    Filters,
    OutletCount,
    Story,
    StoryMember,
    Timeline,
    TimelineBucket,
)

SNIPPET_CHARS = 60
SNIPPET_BEFORE = 20


def outlet_key(outlet: str) -> str:
    """An outlet's name as compared: folded (科創 = 科创), lower case, without spaces."""
    return "".join(fold_normalise(outlet).split())


def filter_reason(published: str | None, outlet: str, filters: Filters | None) -> str | None:
    """Why an article does not pass ``filters``: ``"undated"`` (a date filter is on and
    its date is unknown), ``"out"`` (outside the range, or another outlet), or ``None``
    (it passes)."""
    if not filters:
        return None
    if filters.outlets and outlet_key(outlet) not in {outlet_key(o) for o in filters.outlets}:
        return "out"
    if filters.dated:
        if not published:
            return "undated"
        day = published[:10]
        if filters.since is not None and day < filters.since:
            return "out"
        if filters.until is not None and day > filters.until:
            return "out"
    return None


def snippet(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, int]:
    """A window of ``text`` around its first match: ``(snippet, offset in text)``."""
    if len(text) <= SNIPPET_CHARS:
        return text, 0
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_BEFORE)
    end = min(len(text), start + SNIPPET_CHARS)
    start = max(0, end - SNIPPET_CHARS)
    return text[start:end], start


def sort_hits(rows: Iterable[tuple], sort: str) -> list[tuple]:
    """Rows ``(score, published, *tie-breakers, payload)`` in the order of ``sort``:
    ``relevance`` (score, then the tie-breakers), ``date`` (newest first) or ``oldest``;
    undated rows last in both date orders, ties by relevance."""
    rows = list(rows)
    by_relevance = sorted(rows, key=lambda r: (-r[0], *r[2:-1]))
    if sort == "relevance":
        return by_relevance
    dated = [r for r in by_relevance if r[1]]
    undated = [r for r in by_relevance if not r[1]]
    # stable sorts: equal dates keep relevance order
    dated.sort(key=lambda r: r[1], reverse=sort == "date")
    return dated + undated


def outlet_counts(rows: Iterable[tuple[Any, int]], limit: int = 100) -> list[OutletCount]:
    """``(article, matching paragraphs)`` rows -> articles and paragraphs per outlet."""
    articles: dict[str, set[str]] = {}
    paragraphs: dict[str, int] = {}
    shown: dict[str, str] = {}
    for article, n in rows:
        key = outlet_key(article.outlet)
        shown.setdefault(key, article.outlet)
        articles.setdefault(key, set()).add(article.id)
        paragraphs[key] = paragraphs.get(key, 0) + n
    ranked = sorted(articles, key=lambda k: (-len(articles[k]), -paragraphs[k], shown[k]))
    return [OutletCount(shown[k], len(articles[k]), paragraphs[k]) for k in ranked[:limit]]


def member(article: Any) -> StoryMember:
    return StoryMember(
        article_id=article.id,
        path=article.path,
        title=article.title,
        outlet=article.outlet,
        published=article.published,
        source_credit=article.source_credit,
    )


def earliest_first(articles: Iterable[Any]) -> list[Any]:
    """Who published first: dated articles by date, undated ones last; on the same date
    a copy that names another outlet as its source (来源：新华网) comes after the
    others, then by id."""
    return sorted(
        articles,
        key=lambda a: (
            a.published is None,
            a.published or "",
            bool(getattr(a, "source_credit", "")) and a.source_credit != a.outlet,
            a.id,
        ),
    )


def stories_of(members: dict[str, list[Any]]) -> list[Story]:
    """Clusters of two or more articles as stories, each earliest first; the stories
    newest first (by their first article), undated ones last."""
    stories = [
        Story(cluster, [member(a) for a in earliest_first(arts)])
        for cluster, arts in members.items()
        if len(arts) >= 2
    ]
    dated = [s for s in stories if s.members[0].published]
    undated = [s for s in stories if not s.members[0].published]
    dated.sort(key=lambda s: (s.members[0].published, s.cluster), reverse=True)
    undated.sort(key=lambda s: s.cluster)
    return dated + undated


_EPOCH = dt.date(1970, 1, 1)
UNDATED = -(10**6)  # the day number of an article whose date is unknown


def day_number(published: str | None) -> int:
    """Days since 1970-01-01 of an ISO date or date-time; ``UNDATED`` when unknown."""
    if not published:
        return UNDATED
    try:
        return (dt.date.fromisoformat(published[:10]) - _EPOCH).days
    except ValueError:
        return UNDATED


def timeline_counts(
    days: np.ndarray,
    paragraphs: np.ndarray,
    *,
    by: str | None = None,
    outlets: np.ndarray | None = None,
    outlet_names: Sequence[str] = (),
) -> Timeline:
    """Matching articles as arrays -> a timeline. ``days``: each article's
    :func:`day_number`; ``paragraphs``: its matching paragraphs; ``outlets``: its outlet
    code (an index into ``outlet_names``) when split by outlet. ``by`` ``None`` chooses
    the period from the span of the dated articles. A period key is worked out once per
    distinct day (a million articles have a few thousand)."""
    from g60_reader.index.timeline import choose_period, period_key

    days = np.asarray(days, dtype=np.int64)
    paragraphs = np.asarray(paragraphs, dtype=np.int64)
    dated = days != UNDATED
    timeline = Timeline(
        by=by or "month",
        undated_articles=int(np.count_nonzero(~dated)),
        undated_paragraphs=int(paragraphs[~dated].sum()),
    )
    if not dated.any():
        return timeline
    days, paragraphs = days[dated], paragraphs[dated]
    if by is None:
        by = choose_period(
            _EPOCH + dt.timedelta(int(days.min())), _EPOCH + dt.timedelta(int(days.max()))
        )
    timeline.by = by
    unique, inverse = np.unique(days, return_inverse=True)
    keys = [period_key((_EPOCH + dt.timedelta(int(d))).isoformat(), by) for d in unique]
    period_names, period_of_day = np.unique(np.asarray(keys), return_inverse=True)
    period = period_of_day[inverse]
    if outlets is None:
        arts = np.bincount(period, minlength=len(period_names))
        paras = np.bincount(period, weights=paragraphs, minlength=len(period_names))
        timeline.buckets = [
            TimelineBucket(str(name), int(a), int(p))
            for name, a, p in zip(period_names, arts, paras, strict=True)
            if a
        ]
        return timeline
    codes = np.asarray(outlets, dtype=np.int64)[dated]
    width = max(len(outlet_names), int(codes.max()) + 1 if codes.size else 1)
    cell = period * width + codes
    arts = np.bincount(cell, minlength=len(period_names) * width)
    paras = np.bincount(cell, weights=paragraphs, minlength=len(period_names) * width)
    cells = [c for c in np.flatnonzero(arts)]
    cells.sort(key=lambda c: (period_names[c // width], outlet_key(outlet_names[c % width])))
    timeline.buckets = [
        TimelineBucket(
            str(period_names[c // width]), int(arts[c]), int(paras[c]), outlet_names[c % width]
        )
        for c in cells
    ]
    return timeline


def timeline_of(
    rows: Iterable[tuple[Any, int]], *, by: str | None = None, by_outlet: bool = False
) -> Timeline:
    """``(article, matching paragraphs)`` rows (one or more per article) -> a timeline
    (:func:`timeline_counts`)."""
    per_article: dict[str, list] = {}
    for article, n in rows:
        cell = per_article.get(article.id)
        if cell is None:
            per_article[article.id] = [article, n]
        else:
            cell[1] += n
    articles = [a for a, _n in per_article.values()]
    codes: dict[str, int] = {}
    names: list[str] = []
    outlet_codes = []
    for a in articles:
        key = outlet_key(a.outlet)
        if key not in codes:
            codes[key] = len(names)
            names.append(a.outlet)
        outlet_codes.append(codes[key])
    return timeline_counts(
        np.asarray([day_number(a.published) for a in articles], dtype=np.int64),
        np.asarray([n for _a, n in per_article.values()], dtype=np.int64),
        by=by,
        outlets=np.asarray(outlet_codes, dtype=np.int64) if by_outlet else None,
        outlet_names=names,
    )
