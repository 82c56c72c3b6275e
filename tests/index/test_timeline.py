"""Timeline buckets against a hand-made truth: keys, ranges, the period chosen for a span,
filling gaps, and counts of articles and paragraphs per period (and per outlet)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

import pytest

from g60_reader.index.timeline import (
    PERIODS,
    TimelineBucket,
    bucket_hits,
    choose_period,
    count_between,
    count_periods,
    fill,
    period_key,
    period_range,
    periods,
    span,
)

D = dt.date


@pytest.mark.parametrize(
    ("published", "by", "key"),
    [
        ("2019-03-05", "day", "2019-03-05"),
        ("2019-03-05T10:20:00", "day", "2019-03-05"),
        ("2019-03-05T01:00:00+08:00", "day", "2019-03-05"),  # the day as written, not UTC
        ("2019-03-05", "week", "2019-W10"),
        ("2019-03-04", "week", "2019-W10"),  # Monday
        ("2019-03-10T23:59:59", "week", "2019-W10"),  # Sunday
        ("2019-03-11", "week", "2019-W11"),
        ("2024-12-30", "week", "2025-W01"),  # ISO year differs from the calendar year
        ("2021-01-03", "week", "2020-W53"),
        ("2019-03-05T10:20:00+08:00", "month", "2019-03"),
        ("2019-12-31", "year", "2019"),
    ],
)
def test_period_key(published: str, by: str, key: str) -> None:
    assert period_key(published, by) == key


@pytest.mark.parametrize("bad", ["", "2019", "2019-3-5", "2019-02-30", "05/03/2019", "soon"])
def test_period_key_refuses_what_is_not_iso(bad: str) -> None:
    with pytest.raises(ValueError, match="not an ISO date"):
        period_key(bad, "month")


def test_unknown_period() -> None:
    with pytest.raises(ValueError, match="unknown period 'decade'"):
        period_key("2019-03-05", "decade")
    with pytest.raises(ValueError, match="unknown period"):
        count_periods([], "quarter")


@pytest.mark.parametrize(
    ("key", "by", "first", "last"),
    [
        ("2019-03-05", "day", D(2019, 3, 5), D(2019, 3, 5)),
        ("2019-W10", "week", D(2019, 3, 4), D(2019, 3, 10)),
        ("2025-W01", "week", D(2024, 12, 30), D(2025, 1, 5)),
        ("2020-W53", "week", D(2020, 12, 28), D(2021, 1, 3)),
        ("2019-02", "month", D(2019, 2, 1), D(2019, 2, 28)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("2019-12", "month", D(2019, 12, 1), D(2019, 12, 31)),
        ("2019", "year", D(2019, 1, 1), D(2019, 12, 31)),
    ],
)
def test_period_range(key: str, by: str, first: dt.date, last: dt.date) -> None:
    assert period_range(key, by) == (first, last)


@pytest.mark.parametrize(
    ("key", "by"),
    [("2019-W54", "week"), ("2019-13", "month"), ("2019-03", "day"), ("2019-W10", "month")],
)
def test_period_range_refuses_bad_keys(key: str, by: str) -> None:
    with pytest.raises(ValueError, match=f"not a {by} key"):
        period_range(key, by)


def test_every_day_of_a_period_maps_back_to_its_key() -> None:
    day = D(2019, 12, 20)
    while day <= D(2021, 1, 10):
        for by in PERIODS:
            first, last = period_range(period_key(day.isoformat(), by), by)
            assert first <= day <= last
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("first", "last", "by", "count"),
    [
        (D(2019, 3, 5), D(2019, 3, 5), "day", 1),
        (D(2019, 3, 1), D(2019, 3, 31), "day", 31),
        (D(2019, 3, 10), D(2019, 3, 11), "week", 2),  # Sunday and Monday
        (D(2019, 3, 4), D(2019, 3, 10), "week", 1),
        (D(2019, 1, 31), D(2019, 2, 1), "month", 2),
        (D(2018, 12, 31), D(2019, 1, 1), "year", 2),
        (D(2019, 3, 5), D(2019, 3, 4), "day", 0),
    ],
)
def test_count_between(first: dt.date, last: dt.date, by: str, count: int) -> None:
    assert count_between(first, last, by) == count
    assert len(periods(by, first, last)) == count


@pytest.mark.parametrize(
    ("first", "last", "max_bars", "by"),
    [
        (D(2019, 3, 5), D(2019, 3, 9), 60, "day"),  # a few days
        (D(2019, 3, 1), D(2019, 4, 29), 60, "day"),  # 60 days
        (D(2019, 3, 1), D(2019, 4, 30), 60, "week"),  # 61 days
        (D(2019, 1, 1), D(2019, 12, 31), 60, "week"),  # a year: 53 weeks
        (D(2019, 1, 1), D(2020, 2, 23), 60, "week"),  # 2019-W01 .. 2020-W08: 60 weeks
        (D(2019, 1, 1), D(2020, 3, 1), 60, "month"),  # 2019-W01 .. 2020-W09: 61 weeks
        (D(2019, 1, 1), D(2021, 6, 30), 60, "month"),  # two and a half years
        (D(2015, 1, 1), D(2019, 12, 31), 60, "month"),  # five years: 60 months
        (D(2015, 1, 1), D(2020, 1, 1), 60, "year"),  # 61 months
        (D(1990, 1, 1), D(2026, 1, 1), 60, "year"),
        (D(2019, 3, 1), D(2019, 3, 31), 20, "week"),  # a narrow strip
        (D(2019, 12, 31), D(2019, 3, 1), 60, "week"),  # reversed: the same span
    ],
)
def test_choose_period(first: dt.date, last: dt.date, max_bars: int, by: str) -> None:
    assert choose_period(first, last, max_bars=max_bars) == by


def test_fill_has_every_period_in_order_with_zeros() -> None:
    counts = {"2019-01": 3, "2019-04": 1, "2018-12": 9, "2019-06": 2}
    assert fill(counts, "month", D(2019, 1, 15), D(2019, 5, 2)) == [
        ("2019-01", 3),
        ("2019-02", 0),
        ("2019-03", 0),
        ("2019-04", 1),
        ("2019-05", 0),
    ]
    assert fill({"2019-W01": 2}, "week", D(2018, 12, 30), D(2019, 1, 14)) == [
        ("2018-W52", 0),
        ("2019-W01", 2),
        ("2019-W02", 0),
        ("2019-W03", 0),
    ]
    assert fill({}, "year", D(2019, 6, 1), D(2018, 1, 1)) == []
    assert [k for k, _ in fill({}, "day", D(2024, 2, 27), D(2024, 3, 1))] == [
        "2024-02-27",
        "2024-02-28",
        "2024-02-29",
        "2024-03-01",
    ]


def test_span_of_keys() -> None:
    assert span(["2019-03", "2018-11", "2019-01"], "month") == (D(2018, 11, 1), D(2019, 3, 31))
    assert span([], "month") is None


def test_count_periods_against_a_hand_count() -> None:
    published = [
        "2019-03-04",  # Monday, W10
        "2019-03-05T10:20:00",
        "2019-03-10T23:59:00+08:00",  # Sunday, W10
        "2019-03-11T00:10:00+08:00",  # Monday, W11
        "2019-04-01",
        "2020-01-01",  # 2020-W01
        None,
        "",
        "sometime",
        "2019-02-30",
    ]
    assert count_periods(published, "day") == (
        {
            "2019-03-04": 1,
            "2019-03-05": 1,
            "2019-03-10": 1,
            "2019-03-11": 1,
            "2019-04-01": 1,
            "2020-01-01": 1,
        },
        4,
    )
    assert count_periods(published, "week") == (
        {"2019-W10": 3, "2019-W11": 1, "2019-W14": 1, "2020-W01": 1},
        4,
    )
    assert count_periods(published, "month") == ({"2019-03": 4, "2019-04": 1, "2020-01": 1}, 4)
    assert count_periods(published, "year") == ({"2019": 5, "2020": 1}, 4)
    assert list(count_periods(reversed(published), "month")[0]) == ["2019-03", "2019-04", "2020-01"]


def test_count_periods_matches_a_slow_count_on_random_dates() -> None:
    rng = random.Random(7)
    values: list[str | None] = []
    for _ in range(5000):
        day = D(2016, 1, 1) + dt.timedelta(days=rng.randrange(3 * 365))
        values.append(
            rng.choice([day.isoformat(), f"{day}T08:00:00", f"{day}T23:00:00+08:00", None])
        )
    for by in PERIODS:
        truth: Counter[str] = Counter()
        for value in values:
            if value is None:
                continue
            day = D(int(value[:4]), int(value[5:7]), int(value[8:10]))
            if by == "day":
                truth[day.isoformat()] += 1
            elif by == "week":
                iso = day.isocalendar()
                truth[f"{iso[0]}-W{iso[1]:02d}"] += 1
            elif by == "month":
                truth[f"{day.year}-{day.month:02d}"] += 1
            else:
                truth[str(day.year)] += 1
        counts, undated = count_periods(values, by)
        assert counts == dict(truth)
        assert undated == values.count(None)


HITS = [
    # (article_id, published, outlet): one row per hit paragraph
    ("a1", "2019-03-05T10:00:00+08:00", "人民日报"),
    ("a1", "2019-03-05T10:00:00+08:00", "人民日报"),
    ("a1", "2019-03-05T10:00:00+08:00", "人民日报"),
    ("a2", "2019-03-20", "新华社"),
    ("a3", "2019-03-31T23:00:00", "人民日报"),
    ("a3", "2019-03-31T23:00:00", "人民日报"),
    ("a4", "2019-04-01", "新华社"),
    ("a5", "2019-06-15", None),
    ("a6", None, "新华社"),
    ("a6", None, "新华社"),
]


def test_bucket_hits_counts_articles_and_paragraphs() -> None:
    buckets, undated = bucket_hits(HITS, "month")
    assert buckets == [
        TimelineBucket("2019-03", articles=3, paragraphs=6),
        TimelineBucket("2019-04", articles=1, paragraphs=1),
        TimelineBucket("2019-06", articles=1, paragraphs=1),
    ]
    assert undated == 2
    weekly, _ = bucket_hits(HITS, "week")
    assert [(b.period, b.articles, b.paragraphs) for b in weekly] == [
        ("2019-W10", 1, 3),
        ("2019-W12", 1, 1),
        ("2019-W13", 1, 2),  # Sunday 31 March
        ("2019-W14", 1, 1),  # Monday 1 April
        ("2019-W24", 1, 1),
    ]


def test_bucket_hits_per_outlet() -> None:
    buckets, undated = bucket_hits(iter(HITS), "month", per_outlet=True)
    assert buckets == [
        TimelineBucket("2019-03", 2, 5, "人民日报"),
        TimelineBucket("2019-03", 1, 1, "新华社"),
        TimelineBucket("2019-04", 1, 1, "新华社"),
        TimelineBucket("2019-06", 1, 1, None),
    ]
    assert undated == 2


def test_bucket_hits_accepts_lists() -> None:
    rows = [list(row) for row in HITS]
    assert bucket_hits(rows, "year") == ([TimelineBucket("2019", 5, 8)], 2)  # type: ignore[arg-type]
