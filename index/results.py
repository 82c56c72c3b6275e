"""Shaping results the same way in every backend: filters, order, snippets, counts.

The backends find matches in their own ways; what a match then *means* for the user is
decided here once, so that the same query gives the same answers on every backend:
which article passes the date and outlet filters (and which is left out as undated),
the order of the date sorts, the snippet window, outlet names compared across scripts,
timeline and outlet counts, stories ordered by who published first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from g60_reader.corpus.model import Article
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


def outlet_counts(rows: Iterable[tuple[Article, int]], limit: int = 100) -> list[OutletCount]:
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
    """Who published first: dated articles by date (then id), undated ones last."""
    return sorted(articles, key=lambda a: (a.published is None, a.published or "", a.id))


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


def timeline_of(
    rows: Iterable[tuple[Any, int]], *, by: str | None = None, by_outlet: bool = False
) -> Timeline:
    """``(article, matching paragraphs)`` rows (one or more per article) -> a timeline:
    articles and paragraphs per period of publication (``by``: day, week, month, year;
    ``None`` chooses from the span)."""
    import datetime as dt

    from g60_reader.index.timeline import choose_period, period_key

    per_article: dict[str, tuple[Any, int]] = {}
    for article, n in rows:
        prev = per_article.get(article.id)
        per_article[article.id] = (article, n + (prev[1] if prev else 0))
    dated = [(a, n) for a, n in per_article.values() if a.published]
    undated = [(a, n) for a, n in per_article.values() if not a.published]
    if by is None:
        days = sorted(a.published[:10] for a, _n in dated)
        by = (
            choose_period(dt.date.fromisoformat(days[0]), dt.date.fromisoformat(days[-1]))
            if days
            else "month"
        )
    counts: dict[tuple[str, str | None], list[int]] = {}
    shown: dict[str, str] = {}
    for article, n in dated:
        outlet = None
        if by_outlet:
            outlet = outlet_key(article.outlet)
            shown.setdefault(outlet, article.outlet)
        cell = counts.setdefault((period_key(article.published, by), outlet), [0, 0])
        cell[0] += 1
        cell[1] += n
    buckets = [
        TimelineBucket(period, a, p, shown[outlet] if outlet is not None else None)
        for (period, outlet), (a, p) in sorted(
            counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
        )
    ]
    return Timeline(
        by=by,
        buckets=buckets,
        undated_articles=len(undated),
        undated_paragraphs=sum(n for _a, n in undated),
    )
