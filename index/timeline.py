"""Timelines: hits counted per day, ISO week, month or year, with the empty periods filled.

Why count by day first
----------------------
``published`` is an ISO 8601 string (``2019-03-05``, ``2019-03-05T10:20:00+08:00``) or
``None``, and its first ten characters are the day as the outlet wrote it (no time-zone
conversion, as in :mod:`.when`). A corpus of a million articles has only a few thousand
distinct days, so :func:`count_periods` counts the ten-character prefixes with a
``Counter`` (C speed, no date objects), checks each *distinct* day once, and rolls the days
up into weeks, months or years. Malformed values are counted as undated, never raised.

Measured (the shared 2-core machine under a load of 3-5 from other test runs, Python 3.11,
1,000,000 values over 20 years: dates, date-times and date-times with offsets, one in 20
``None``; best of 5): :func:`count_periods` 0.19-0.25 s for every period (0.2-0.25 µs a
value); :func:`bucket_hits` on 1,000,000 hits of 250,000 articles 0.66 s, 0.79 s per
outlet. numpy was no help: converting the prefixes to ``datetime64[D]`` alone took
0.19 s, as long as the whole count.

Periods and their keys: ``day`` ``2019-03-05``; ``week`` ``2019-W10`` (ISO 8601: weeks
start on Monday, and the week-numbering year can differ from the calendar year at New Year:
2024-12-30 is ``2025-W01``); ``month`` ``2019-03``; ``year`` ``2019``. Keys of one period
sort in time order as strings.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PERIODS = ("day", "week", "month", "year")

_KEY_RE = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True)
class TimelineBucket:
    """One bar of a timeline: hits in ``period`` (a key of :func:`period_key`), for all
    outlets (``outlet`` ``None``) or one."""

    period: str
    articles: int
    paragraphs: int
    outlet: str | None = None


def _check_by(by: str) -> None:
    if by not in PERIODS:
        raise ValueError(f"unknown period {by!r} (use one of {', '.join(PERIODS)})")


def _day_key(day: _dt.date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}"


def _parse_day(prefix: str) -> _dt.date | None:
    if len(prefix) != 10 or prefix[4] != "-" or prefix[7] != "-":
        return None
    try:
        return _dt.date.fromisoformat(prefix)
    except ValueError:
        return None


def period_key(published: str, by: str) -> str:
    """The key of the period ``published`` falls in; ``ValueError`` for a value that is not
    an ISO date or date-time."""
    _check_by(by)
    day = _parse_day(published[:10]) if isinstance(published, str) else None
    if day is None:
        raise ValueError(f"not an ISO date: {published!r}")
    return _day_key(day, by)


def period_range(key: str, by: str) -> tuple[_dt.date, _dt.date]:
    """The first and last day (inclusive) of the period ``key``."""
    _check_by(by)
    m = _KEY_RE[by].match(key)
    if not m:
        raise ValueError(f"not a {by} key: {key!r}")
    try:
        if by == "day":
            day = _dt.date.fromisoformat(key)
            return day, day
        year = int(m.group(1))
        if by == "week":
            first = _dt.date.fromisocalendar(year, int(m.group(2)), 1)
            return first, first + _dt.timedelta(days=6)
        if by == "month":
            month = int(m.group(2))
            last = calendar.monthrange(year, month)[1]
            return _dt.date(year, month, 1), _dt.date(year, month, last)
        return _dt.date(year, 1, 1), _dt.date(year, 12, 31)
    except ValueError:
        raise ValueError(f"not a {by} key: {key!r}") from None


def _next_start(day: _dt.date, by: str) -> _dt.date:
    """The first day of the period after the one starting on ``day``."""
    if by == "day":
        return day + _dt.timedelta(days=1)
    if by == "week":
        return day + _dt.timedelta(days=7)
    if by == "month":
        return _dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return _dt.date(day.year + 1, 1, 1)


def count_between(first: _dt.date, last: _dt.date, by: str) -> int:
    """How many periods of kind ``by`` the days ``first`` .. ``last`` touch."""
    _check_by(by)
    if last < first:
        return 0
    if by == "day":
        return (last - first).days + 1
    if by == "week":
        return (
            (last - _dt.timedelta(days=last.weekday()))
            - (first - _dt.timedelta(days=first.weekday()))
        ).days // 7 + 1
    if by == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return last.year - first.year + 1


def choose_period(first: _dt.date, last: _dt.date, *, max_bars: int = 60) -> str:
    """The finest period that shows ``first`` .. ``last`` in at most ``max_bars`` bars.

    A few days give days; a few months weeks; a few years months; decades years (years are
    used whatever their count: there is nothing coarser). With ``max_bars=60``: up to 60 days
    by day, up to about 14 months by week, up to 5 years by month.
    """
    if last < first:
        first, last = last, first
    for by in PERIODS[:-1]:
        if count_between(first, last, by) <= max_bars:
            return by
    return "year"


def periods(by: str, first: _dt.date, last: _dt.date) -> list[str]:
    """Every period key from the one holding ``first`` to the one holding ``last``."""
    _check_by(by)
    if last < first:
        return []
    start = period_range(_day_key(first, by), by)[0]
    keys: list[str] = []
    while start <= last:
        keys.append(_day_key(start, by))
        start = _next_start(start, by)
    return keys


def fill(
    counts: Mapping[str, int], by: str, first: _dt.date, last: _dt.date
) -> list[tuple[str, int]]:
    """Every period from ``first`` to ``last`` in order, with its count (0 when absent).

    Keys of ``counts`` outside the span are left out: the span is the caller's window
    (a ``--since/--until`` range, or the span of the hits).
    """
    return [(key, counts.get(key, 0)) for key in periods(by, first, last)]


def span(keys: Iterable[str], by: str) -> tuple[_dt.date, _dt.date] | None:
    """The first day of the earliest period and the last day of the latest; ``None`` if
    there are no keys."""
    ordered = sorted(keys)
    if not ordered:
        return None
    return period_range(ordered[0], by)[0], period_range(ordered[-1], by)[1]


def _roll_up(days: Mapping[str, int], by: str) -> tuple[dict[str, int], int]:
    counts: dict[str, int] = {}
    undated = 0
    for prefix, n in days.items():
        day = _parse_day(prefix) if prefix else None
        if day is None:
            undated += n
            continue
        key = _day_key(day, by)
        counts[key] = counts.get(key, 0) + n
    return dict(sorted(counts.items())), undated


def count_periods(published: Iterable[str | None], by: str) -> tuple[dict[str, int], int]:
    """Count ``published`` values per period: ``({key: count} in key order, undated)``.

    ``None``, empty and malformed values are counted as undated.
    """
    _check_by(by)
    days = Counter(p[:10] if p else "" for p in published)
    return _roll_up(days, by)


def bucket_hits(
    hits: Iterable[tuple[str, str | None, str | None]], by: str, *, per_outlet: bool = False
) -> tuple[list[TimelineBucket], int]:
    """Buckets from ``(article_id, published, outlet)`` per hit paragraph.

    ``paragraphs`` counts the hits, ``articles`` the distinct article ids, per period (and
    per outlet when ``per_outlet``; otherwise ``outlet`` is ``None``). Returns the buckets
    in period order (then outlet) and the number of hits without a usable date. Gaps are
    not filled: :func:`fill` does that for the span the caller shows.
    """
    _check_by(by)
    # Counting whole rows runs at C speed; the loop below then sees each distinct
    # (article, published, outlet) once: one per article, as an article has one date and
    # one outlet (so a distinct row is a distinct article of its period).
    try:
        rows = Counter(hits)
    except TypeError:  # unhashable rows (lists)
        rows = Counter(tuple(row) for row in hits)  # type: ignore[misc]
    paragraphs: dict[tuple[str, str | None], int] = {}
    articles: dict[tuple[str, str | None], int] = {}
    for (_article_id, published, outlet), n in rows.items():
        group = ((published or "")[:10], outlet if per_outlet else None)
        paragraphs[group] = paragraphs.get(group, 0) + n
        articles[group] = articles.get(group, 0) + 1
    key_of: dict[str, str | None] = {}
    totals: dict[tuple[str, str | None], list[int]] = {}
    undated = 0
    for (prefix, outlet), n in paragraphs.items():
        if prefix not in key_of:
            day = _parse_day(prefix) if prefix else None
            key_of[prefix] = _day_key(day, by) if day else None
        key = key_of[prefix]
        if key is None:
            undated += n
            continue
        total = totals.setdefault((key, outlet), [0, 0])
        total[0] += articles[(prefix, outlet)]
        total[1] += n
    buckets = [
        TimelineBucket(key, n_articles, n_paragraphs, outlet)
        for (key, outlet), (n_articles, n_paragraphs) in sorted(
            totals.items(), key=lambda item: (item[0][0], item[0][1] or "")
        )
    ]
    return buckets, undated
