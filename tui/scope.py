"""What the reader searches: the typed query and everything that narrows or orders it.

A search in the reader is more than the text in the box: the date clauses typed in it
(``in:2019Q1``, read by :func:`g60_reader.tui.querying.prepare`), the period chosen on the
timeline strip, an outlet chosen in the facets, the order (``o``) and whether every copy
of a reprinted story is shown. :class:`SearchScope` holds them together so that the first
page, the further pages, the hit map of an opened article, the timeline and the header
all ask the backend the same thing.

Two sets of filters matter: :meth:`SearchScope.filters` (what the results show: typed
dates ∩ strip period, and the outlet) and ``filters(period=False)`` (what the timeline
strip counts: the strip keeps showing every period of the query while one is selected, so
that the user can move to another).

The strip's periods adapt to the span of the hits *and* the strip's width: the timeline is
asked for once by day and rolled up here (:func:`roll_up`) to the finest period that fits
(:func:`g60_reader.index.timeline.choose_period`), so a resize re-buckets without asking
the backend again. Measured on the shared 2-core machine (load 3-4, best of 5): ten years
of day buckets (3,650) rolled up to months 0.6 ms (month and year keys are prefixes of the
day), to ISO weeks 3.5 ms, a year to weeks 0.3 ms; a whole scope (``prepare`` included)
18 µs. All of it once per query or resize, never per article.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from g60_reader.index.contract import ArticleSummary, Filters, TimelineBucket
from g60_reader.index.timeline import choose_period, period_key
from g60_reader.index.when import WhenRange
from g60_reader.tui.querying import Prepared, prepare
from g60_reader.tui.settings import SORT_LABELS


@dataclass(frozen=True, slots=True)
class Period:
    """A selection on the timeline strip: first and last day (inclusive) and its label."""

    start: _dt.date
    end: _dt.date
    label: str


@dataclass(frozen=True, slots=True)
class SearchScope:
    typed: str  # what is in the search box
    prepared: Prepared = field(default_factory=lambda: Prepared(query=""))
    outlets: tuple[str, ...] = ()  # chosen in the facets (as ``--outlet``)
    period: Period | None = None  # selected on the timeline strip
    sort: str = "relevance"
    all_copies: bool = False

    @classmethod
    def of(
        cls,
        typed: str,
        *,
        outlets: Iterable[str] = (),
        period: Period | None = None,
        sort: str = "relevance",
        all_copies: bool = False,
        today: _dt.date | None = None,
    ) -> SearchScope:
        prepared = prepare(typed, outlets=outlets, today=today)
        return cls(typed, prepared, tuple(prepared.filters.outlets), period, sort, all_copies)

    @property
    def query(self) -> str:
        """The query the backend gets (the date clauses taken out)."""
        return self.prepared.query

    @property
    def error(self) -> str | None:
        return self.prepared.error

    @property
    def is_listing(self) -> bool:
        """No words to search: the reader lists articles instead."""
        return self.error is None and not self.query.strip()

    @property
    def when(self) -> WhenRange | None:
        """The publication range the results are narrowed to (typed ∩ strip)."""
        typed = self.prepared.when
        if self.period is None:
            return None if typed is None or typed.is_open else typed
        chosen = WhenRange(self.period.start, self.period.end, self.period.label)
        return chosen if typed is None or typed.is_open else typed.intersect(chosen)

    def filters(self, *, period: bool = True) -> Filters:
        base = self.prepared.filters
        when = self.when if period else self.prepared.when
        if when is None or when.is_open:
            return Filters(outlets=base.outlets)
        return Filters(since=when.start_iso, until=when.end_iso, outlets=base.outlets)

    def timeline_key(self) -> tuple[str, Filters]:
        """What the timeline strip counts (the same key: the same bars)."""
        return self.query, self.filters(period=False)

    def with_(self, **changes: object) -> SearchScope:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self, undated: int = 0) -> list[str]:
        """The narrowing and the order, as the results header says them ([] for none)."""
        parts: list[str] = []
        if self.sort != "relevance":
            parts.append(SORT_LABELS.get(self.sort, self.sort))
        when = self.when
        if when is not None and not when.is_open:
            parts.append(when.label())
        if undated:
            parts.append(f"{undated:,} undated left out")
        if self.outlets:
            parts.append("outlet " + " | ".join(self.outlets))
        if self.all_copies:
            parts.append("every copy")
        return parts


def roll_up(day_buckets: Iterable[TimelineBucket], by: str) -> list[TimelineBucket]:
    """Day buckets (outlets added up) as buckets of ``by``, in period order. An article has
    one date, so articles of different days are different articles: sums are exact."""
    totals: dict[str, list[int]] = {}
    for bucket in day_buckets:
        day = bucket.period
        if by == "month":
            key = day[:7]  # keys are prefixes of the day: no date arithmetic
        elif by == "year":
            key = day[:4]
        else:
            key = day if by == "day" else period_key(day, by)
        total = totals.setdefault(key, [0, 0])
        total[0] += bucket.articles
        total[1] += bucket.paragraphs
    return [TimelineBucket(key, a, p) for key, (a, p) in sorted(totals.items())]


def strip_buckets(
    day_buckets: Sequence[TimelineBucket], max_bars: int
) -> tuple[str, list[TimelineBucket]] | None:
    """The period that fits ``max_bars`` bars over the span of ``day_buckets``, and the
    buckets of that period; ``None`` when no bucket is dated."""
    days = sorted(b.period for b in day_buckets if b.articles or b.paragraphs)
    if not days:
        return None
    first, last = _dt.date.fromisoformat(days[0]), _dt.date.fromisoformat(days[-1])
    by = choose_period(first, last, max_bars=max(1, max_bars))
    return by, roll_up(day_buckets, by)


def narrow_listing(
    articles: Sequence[ArticleSummary], filters: Filters, sort: str
) -> tuple[list[ArticleSummary], int]:
    """The article listing (empty query) narrowed by ``filters`` and ordered by ``sort``,
    as the backend narrows and orders hits; returns the articles and how many undated
    ones a date filter left out."""
    from g60_reader.index.results import filter_reason

    kept: list[ArticleSummary] = []
    undated = 0
    for summary in articles:
        reason = filter_reason(summary.published, summary.outlet, filters)
        if reason is None:
            kept.append(summary)
        elif reason == "undated":
            undated += 1
    if sort in ("date", "oldest"):
        dated = [a for a in kept if a.published]
        dated.sort(key=lambda a: a.published or "", reverse=sort == "date")
        kept = dated + [a for a in kept if not a.published]
    return kept, undated
