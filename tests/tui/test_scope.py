"""Units of the reader's narrowing: the search scope (typed dates ∩ timeline period,
outlets, order, copies), the strip's periods rolled up from days, the listing narrowed
like the hits, and the remembered settings."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from g60_reader.index.contract import ArticleSummary, Filters, TimelineBucket
from g60_reader.tui.scope import Period, SearchScope, narrow_listing, roll_up, strip_buckets
from g60_reader.tui.settings import Settings, default_settings_path, next_sort

TODAY = dt.date(2024, 3, 15)
JULY = Period(dt.date(2023, 7, 1), dt.date(2023, 7, 31), "2023-07")


def test_the_scope_takes_dates_out_of_the_query() -> None:
    scope = SearchScope.of("科创 in:2023Q3", today=TODAY)
    assert scope.query == "科创" and scope.error is None and not scope.is_listing
    assert scope.filters() == Filters(since="2023-07-01", until="2023-09-30")
    assert scope.describe() == ["2023-07-01 – 2023-09-30"]
    assert scope.describe(12) == ["2023-07-01 – 2023-09-30", "12 undated left out"]
    relative = SearchScope.of("科创 since:去年", today=TODAY)
    assert relative.filters() == Filters(since="2023-01-01")
    assert relative.describe() == ["from 2023-01-01"]


def test_a_period_intersects_the_typed_dates_but_not_the_timeline() -> None:
    scope = SearchScope.of("科创 since:2023-07-12", today=TODAY).with_(period=JULY)
    assert scope.filters() == Filters(since="2023-07-12", until="2023-07-31")
    # the strip keeps counting every period of the query
    assert scope.filters(period=False) == Filters(since="2023-07-12")
    assert scope.timeline_key() == ("科创", Filters(since="2023-07-12"))
    assert scope.describe() == ["2023-07-12 – 2023-07-31"]
    bare = SearchScope.of("科创", today=TODAY).with_(period=JULY)
    assert bare.filters() == Filters(since="2023-07-01", until="2023-07-31")
    assert bare.timeline_key() == ("科创", Filters())


def test_outlets_order_and_copies_are_said_in_the_header() -> None:
    scope = SearchScope.of(
        "科创 in:2023", outlets=["新华网", " "], sort="oldest", all_copies=True, today=TODAY
    )
    assert scope.filters() == Filters(since="2023-01-01", until="2023-12-31", outlets=("新华网",))
    assert scope.describe(3) == [
        "oldest first",
        "2023-01-01 – 2023-12-31",
        "3 undated left out",
        "outlet 新华网",
        "every copy",
    ]
    assert SearchScope.of("科创", sort="date").describe() == ["newest first"]
    assert SearchScope.of("科创").describe(5) == ["5 undated left out"]
    assert SearchScope.of("科创").describe() == []


def test_a_bad_date_is_the_scope_error_and_an_empty_query_a_listing() -> None:
    bad = SearchScope.of("科创 in:2019-13", today=TODAY)
    assert bad.error == "in: '2019-13': there is no month 13"
    assert not bad.is_listing
    assert SearchScope.of("in:2023", today=TODAY).is_listing
    assert SearchScope.of("   ").is_listing


def _days(*pairs: tuple[str, int]) -> list[TimelineBucket]:
    return [TimelineBucket(day, n, 2 * n) for day, n in pairs]


def test_days_roll_up_to_weeks_months_and_years() -> None:
    days = _days(("2023-01-02", 1), ("2023-01-08", 2), ("2023-01-09", 3), ("2024-12-30", 4))
    assert roll_up(days, "week") == [
        TimelineBucket("2023-W01", 3, 6),
        TimelineBucket("2023-W02", 3, 6),
        TimelineBucket("2025-W01", 4, 8),  # ISO: 30 December 2024 is in week 1 of 2025
    ]
    assert roll_up(days, "month") == [
        TimelineBucket("2023-01", 6, 12),
        TimelineBucket("2024-12", 4, 8),
    ]
    assert roll_up(days, "year") == [TimelineBucket("2023", 6, 12), TimelineBucket("2024", 4, 8)]
    assert roll_up(days, "day") == days
    # outlets of one day are added up
    split = [TimelineBucket("2023-01-02", 1, 1, "甲"), TimelineBucket("2023-01-02", 2, 5, "乙")]
    assert roll_up(split, "day") == [TimelineBucket("2023-01-02", 3, 6)]


def test_the_strip_period_fits_the_width() -> None:
    year = _days(("2023-01-05", 1), ("2023-12-20", 1))
    assert strip_buckets(year, 400)[0] == "day"  # 350 days fit in 400 bars
    assert strip_buckets(year, 60)[0] == "week"
    assert strip_buckets(year, 30)[0] == "month"
    assert strip_buckets(year, 8)[0] == "year"
    _by, buckets = strip_buckets(year, 30)
    assert [b.period for b in buckets] == ["2023-01", "2023-12"]
    assert strip_buckets([], 30) is None
    assert strip_buckets([TimelineBucket("2023-01-05", 0, 0)], 30) is None


def _summary(n: int, published: str | None, outlet: str) -> ArticleSummary:
    return ArticleSummary(f"a{n}", f"title {n}", outlet, published, f"/news/{n}.txt", 3)


def test_the_listing_is_narrowed_and_ordered_like_the_hits() -> None:
    articles = [
        _summary(1, "2023-07-09T08:00:00", "新华网"),
        _summary(2, "2023-06-30", "新華網"),
        _summary(3, None, "新华网"),
        _summary(4, "2023-07-01", "人民网"),
        _summary(5, "2023-07-31", "新华网"),
    ]
    july = Filters(since="2023-07-01", until="2023-07-31")
    kept, undated = narrow_listing(articles, july, "relevance")
    assert [a.article_id for a in kept] == ["a1", "a4", "a5"] and undated == 1
    kept, undated = narrow_listing(articles, Filters(outlets=("新华网",)), "oldest")
    assert [a.article_id for a in kept] == ["a2", "a1", "a5", "a3"]  # either script; undated last
    assert undated == 0
    kept, _ = narrow_listing(articles, Filters(), "date")
    assert [a.article_id for a in kept] == ["a5", "a1", "a4", "a2", "a3"]


def test_settings_remember_the_sort_and_survive_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "settings.json"
    settings = Settings(path)
    assert settings.sort == "relevance" and not path.exists()
    settings.sort = "oldest"
    assert json.loads(path.read_text(encoding="utf-8")) == {"sort": "oldest"}
    assert Settings(path).sort == "oldest"
    with pytest.raises(ValueError, match="unknown sort"):
        settings.sort = "random"
    # keys of a newer reader are kept; unreadable values fall back to the default
    path.write_text('{"sort": 3, "future": [1, 2]}', encoding="utf-8")
    settings = Settings(path)
    assert settings.sort == "relevance"
    settings.sort = "date"
    assert json.loads(path.read_text(encoding="utf-8")) == {"sort": "date", "future": [1, 2]}
    for junk in (b"\xff\xfe not json", b"[1, 2]", b""):
        path.write_bytes(junk)
        assert Settings(path).sort == "relevance"
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp files left


def test_settings_that_cannot_be_written_do_not_raise(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    settings = Settings(blocker / "settings.json")  # its directory is a file
    settings.sort = "date"
    assert settings.sort == "date"  # kept for this session
    if os.geteuid() != 0:
        readonly = tmp_path / "ro"
        readonly.mkdir()
        readonly.chmod(0o500)
        Settings(readonly / "settings.json").sort = "oldest"
    memory = Settings(None)
    memory.sort = "oldest"
    assert memory.sort == "oldest"


def test_the_settings_file_is_in_the_data_directory(_isolated_home: Path) -> None:
    assert default_settings_path() == _isolated_home / "settings.json"


def test_sorts_cycle() -> None:
    assert next_sort("relevance") == "date"
    assert next_sort("date") == "oldest"
    assert next_sort("oldest") == "relevance"
    assert next_sort("bogus") == "relevance"
