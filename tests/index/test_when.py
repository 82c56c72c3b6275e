"""Date ranges as people type them: every form, against fixed days, with exact ranges.

The days: Sunday 2026-12-06 (a week ends today), Monday 2026-12-07 (a week starts today),
Friday 2027-01-01 (a year boundary: last week, last month and the last 7 days are in the
previous year), Thursday 2024-02-29 (a leap day: one year back has no 29 February) and
Sunday 2024-03-31 (one month back is shorter than today's day).
"""

from __future__ import annotations

import datetime as dt

import pytest

from g60_reader.index.when import (
    PHRASES,
    WhenError,
    WhenRange,
    extract_when,
    parse_range,
    parse_when,
)

D = dt.date
SUNDAY = D(2026, 12, 6)
MONDAY = D(2026, 12, 7)
NEW_YEAR = D(2027, 1, 1)
LEAP_DAY = D(2024, 2, 29)
MARCH_31 = D(2024, 3, 31)


def span(text: str, today: dt.date = SUNDAY) -> tuple[dt.date | None, dt.date | None]:
    r = parse_when(text, today=today)
    assert r.text == text.strip()
    return r.start, r.end


# -- absolute forms (today does not matter) ---------------------------------------------

ABSOLUTE = [
    ("2019", D(2019, 1, 1), D(2019, 12, 31)),
    ("2019-03", D(2019, 3, 1), D(2019, 3, 31)),
    ("2019-3", D(2019, 3, 1), D(2019, 3, 31)),
    ("2019/3", D(2019, 3, 1), D(2019, 3, 31)),
    ("2019.03", D(2019, 3, 1), D(2019, 3, 31)),
    ("2020-02", D(2020, 2, 1), D(2020, 2, 29)),
    ("2019-02", D(2019, 2, 1), D(2019, 2, 28)),
    ("2019-03-05", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019/3/5", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019.03.05", D(2019, 3, 5), D(2019, 3, 5)),
    ("20190305", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019-03-05T10:20:00", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019-03-05T23:20:00+08:00", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019年", D(2019, 1, 1), D(2019, 12, 31)),
    ("2019年3月", D(2019, 3, 1), D(2019, 3, 31)),
    ("2019年03月份", D(2019, 3, 1), D(2019, 3, 31)),
    ("2019年3月5日", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019年3月5号", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019年3月5號", D(2019, 3, 5), D(2019, 3, 5)),
    ("2019 年 3 月 5 日", D(2019, 3, 5), D(2019, 3, 5)),
    ("２０１９年３月５日", D(2019, 3, 5), D(2019, 3, 5)),
    ("二〇一九年", D(2019, 1, 1), D(2019, 12, 31)),
    ("二〇一九年三月", D(2019, 3, 1), D(2019, 3, 31)),
    ("二零一九年十二月", D(2019, 12, 1), D(2019, 12, 31)),
    ("二〇一九年三月五日", D(2019, 3, 5), D(2019, 3, 5)),
    ("二〇二〇年二月二十九日", D(2020, 2, 29), D(2020, 2, 29)),
    ("二〇一九年十月三十一日", D(2019, 10, 31), D(2019, 10, 31)),
    ("2019年十一月二十一日", D(2019, 11, 21), D(2019, 11, 21)),
    ("2019Q1", D(2019, 1, 1), D(2019, 3, 31)),
    ("2019q4", D(2019, 10, 1), D(2019, 12, 31)),
    ("2019-Q2", D(2019, 4, 1), D(2019, 6, 30)),
    ("Q3 2019", D(2019, 7, 1), D(2019, 9, 30)),
    ("2019年Q1", D(2019, 1, 1), D(2019, 3, 31)),
    ("2019年第一季度", D(2019, 1, 1), D(2019, 3, 31)),
    ("2019年一季度", D(2019, 1, 1), D(2019, 3, 31)),
    ("2019年第三季度", D(2019, 7, 1), D(2019, 9, 30)),
    ("2019年第4季度", D(2019, 10, 1), D(2019, 12, 31)),
    ("二〇一九年第二季度", D(2019, 4, 1), D(2019, 6, 30)),
    ("2019上半年", D(2019, 1, 1), D(2019, 6, 30)),
    ("2019年上半年", D(2019, 1, 1), D(2019, 6, 30)),
    ("2019下半年", D(2019, 7, 1), D(2019, 12, 31)),
    ("2019H2", D(2019, 7, 1), D(2019, 12, 31)),
    ("2019-W10", D(2019, 3, 4), D(2019, 3, 10)),
    ("2019W1", D(2018, 12, 31), D(2019, 1, 6)),
    ("2020-W53", D(2020, 12, 28), D(2021, 1, 3)),
    ("1900", D(1900, 1, 1), D(1900, 12, 31)),
]


@pytest.mark.parametrize(("text", "start", "end"), ABSOLUTE)
def test_absolute_forms(text: str, start: dt.date, end: dt.date) -> None:
    assert span(text) == (start, end)
    assert span(text, today=LEAP_DAY) == (start, end)


# -- relative to today ------------------------------------------------------------------

RELATIVE = [
    # Sunday 2026-12-06: this week ends today
    ("今天", SUNDAY, D(2026, 12, 6), D(2026, 12, 6)),
    ("今日", SUNDAY, D(2026, 12, 6), D(2026, 12, 6)),
    ("today", SUNDAY, D(2026, 12, 6), D(2026, 12, 6)),
    ("昨天", SUNDAY, D(2026, 12, 5), D(2026, 12, 5)),
    ("yesterday", SUNDAY, D(2026, 12, 5), D(2026, 12, 5)),
    ("前天", SUNDAY, D(2026, 12, 4), D(2026, 12, 4)),
    ("本周", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("这周", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("這週", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("this week", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("上周", SUNDAY, D(2026, 11, 23), D(2026, 11, 29)),
    ("上週", SUNDAY, D(2026, 11, 23), D(2026, 11, 29)),
    ("上星期", SUNDAY, D(2026, 11, 23), D(2026, 11, 29)),
    ("last week", SUNDAY, D(2026, 11, 23), D(2026, 11, 29)),
    ("本月", SUNDAY, D(2026, 12, 1), D(2026, 12, 31)),
    ("这个月", SUNDAY, D(2026, 12, 1), D(2026, 12, 31)),
    ("這個月", SUNDAY, D(2026, 12, 1), D(2026, 12, 31)),
    ("this month", SUNDAY, D(2026, 12, 1), D(2026, 12, 31)),
    ("上个月", SUNDAY, D(2026, 11, 1), D(2026, 11, 30)),
    ("上個月", SUNDAY, D(2026, 11, 1), D(2026, 11, 30)),
    ("上月", SUNDAY, D(2026, 11, 1), D(2026, 11, 30)),
    ("last month", SUNDAY, D(2026, 11, 1), D(2026, 11, 30)),
    ("Last Month", SUNDAY, D(2026, 11, 1), D(2026, 11, 30)),
    ("今年", SUNDAY, D(2026, 1, 1), D(2026, 12, 31)),
    ("this year", SUNDAY, D(2026, 1, 1), D(2026, 12, 31)),
    ("去年", SUNDAY, D(2025, 1, 1), D(2025, 12, 31)),
    ("last year", SUNDAY, D(2025, 1, 1), D(2025, 12, 31)),
    ("前年", SUNDAY, D(2024, 1, 1), D(2024, 12, 31)),
    ("本季度", SUNDAY, D(2026, 10, 1), D(2026, 12, 31)),
    ("上季度", SUNDAY, D(2026, 7, 1), D(2026, 9, 30)),
    ("去年3月", SUNDAY, D(2025, 3, 1), D(2025, 3, 31)),
    ("去年下半年", SUNDAY, D(2025, 7, 1), D(2025, 12, 31)),
    ("今年第一季度", SUNDAY, D(2026, 1, 1), D(2026, 3, 31)),
    ("前年三月五日", SUNDAY, D(2024, 3, 5), D(2024, 3, 5)),
    ("7d", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("1d", SUNDAY, D(2026, 12, 6), D(2026, 12, 6)),
    ("2w", SUNDAY, D(2026, 11, 23), D(2026, 12, 6)),
    ("3m", SUNDAY, D(2026, 9, 7), D(2026, 12, 6)),
    ("1y", SUNDAY, D(2025, 12, 7), D(2026, 12, 6)),
    ("7D", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("近三天", SUNDAY, D(2026, 12, 4), D(2026, 12, 6)),
    ("最近3天", SUNDAY, D(2026, 12, 4), D(2026, 12, 6)),
    ("近7日", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("近十天", SUNDAY, D(2026, 11, 27), D(2026, 12, 6)),
    ("近三十天", SUNDAY, D(2026, 11, 7), D(2026, 12, 6)),
    ("近一周", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("近两周", SUNDAY, D(2026, 11, 23), D(2026, 12, 6)),
    ("近一个月", SUNDAY, D(2026, 11, 7), D(2026, 12, 6)),
    ("近三个月", SUNDAY, D(2026, 9, 7), D(2026, 12, 6)),
    ("近半年", SUNDAY, D(2026, 6, 7), D(2026, 12, 6)),
    ("近一年", SUNDAY, D(2025, 12, 7), D(2026, 12, 6)),
    ("最近一年来", SUNDAY, D(2025, 12, 7), D(2026, 12, 6)),
    ("过去一周", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("過去一個月", SUNDAY, D(2026, 11, 7), D(2026, 12, 6)),
    ("7天内", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("past 3 days", SUNDAY, D(2026, 12, 4), D(2026, 12, 6)),
    ("last 7 days", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("the last 2 months", SUNDAY, D(2026, 10, 7), D(2026, 12, 6)),
    ("past week", SUNDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("past two weeks", SUNDAY, D(2026, 11, 23), D(2026, 12, 6)),
    ("3月", SUNDAY, D(2026, 3, 1), D(2026, 3, 31)),
    ("12月5日", SUNDAY, D(2026, 12, 5), D(2026, 12, 5)),
    ("12月7日", SUNDAY, D(2025, 12, 7), D(2025, 12, 7)),  # not yet this year: last year's
    # Monday 2026-12-07: this week starts today
    ("本周", MONDAY, D(2026, 12, 7), D(2026, 12, 13)),
    ("上周", MONDAY, D(2026, 11, 30), D(2026, 12, 6)),
    ("昨天", MONDAY, D(2026, 12, 6), D(2026, 12, 6)),
    ("7d", MONDAY, D(2026, 12, 1), D(2026, 12, 7)),
    # Friday 2027-01-01: the year turns
    ("昨天", NEW_YEAR, D(2026, 12, 31), D(2026, 12, 31)),
    ("本周", NEW_YEAR, D(2026, 12, 28), D(2027, 1, 3)),
    ("上周", NEW_YEAR, D(2026, 12, 21), D(2026, 12, 27)),
    ("上个月", NEW_YEAR, D(2026, 12, 1), D(2026, 12, 31)),
    ("本月", NEW_YEAR, D(2027, 1, 1), D(2027, 1, 31)),
    ("上季度", NEW_YEAR, D(2026, 10, 1), D(2026, 12, 31)),
    ("去年", NEW_YEAR, D(2026, 1, 1), D(2026, 12, 31)),
    ("7d", NEW_YEAR, D(2026, 12, 26), D(2027, 1, 1)),
    ("1m", NEW_YEAR, D(2026, 12, 2), D(2027, 1, 1)),
    ("12月", NEW_YEAR, D(2026, 12, 1), D(2026, 12, 31)),
    # Thursday 2024-02-29: a leap day
    ("1y", LEAP_DAY, D(2023, 3, 1), D(2024, 2, 29)),
    ("近一年", LEAP_DAY, D(2023, 3, 1), D(2024, 2, 29)),
    ("1m", LEAP_DAY, D(2024, 1, 30), D(2024, 2, 29)),
    ("本月", LEAP_DAY, D(2024, 2, 1), D(2024, 2, 29)),
    ("上个月", LEAP_DAY, D(2024, 1, 1), D(2024, 1, 31)),
    ("本周", LEAP_DAY, D(2024, 2, 26), D(2024, 3, 3)),
    ("this quarter", LEAP_DAY, D(2024, 1, 1), D(2024, 3, 31)),
    ("last quarter", LEAP_DAY, D(2023, 10, 1), D(2023, 12, 31)),
    ("3月", LEAP_DAY, D(2023, 3, 1), D(2023, 3, 31)),
    ("2w", LEAP_DAY, D(2024, 2, 16), D(2024, 2, 29)),
    # Sunday 2024-03-31: a month back has no 31st
    ("1m", MARCH_31, D(2024, 3, 1), D(2024, 3, 31)),
    ("上个月", MARCH_31, D(2024, 2, 1), D(2024, 2, 29)),
    ("近半年", MARCH_31, D(2023, 10, 1), D(2024, 3, 31)),
]


@pytest.mark.parametrize(("text", "today", "start", "end"), RELATIVE)
def test_relative_forms(text: str, today: dt.date, start: dt.date, end: dt.date) -> None:
    assert span(text, today) == (start, end)


def test_every_fixed_phrase_is_a_tested_or_documented_form() -> None:
    """The table has no phrase whose period is out of its order (start after end), and each
    name reads back through parse_when."""
    for phrase, period in PHRASES.items():
        start, end = period(SUNDAY)
        assert start <= end, phrase
        assert span(phrase) == (start, end)


def test_default_today_is_the_real_today() -> None:
    today = dt.date.today()
    assert parse_when("today") == WhenRange(today, today, "today")


# -- dateparser, behind the grammar ------------------------------------------------------

DATEPARSER = [
    ("March 2019", D(2019, 3, 1), D(2019, 3, 31)),
    ("5 Mar 2019", D(2019, 3, 5), D(2019, 3, 5)),
    ("Mar 5, 2019", D(2019, 3, 5), D(2019, 3, 5)),
    ("3 days ago", D(2026, 12, 3), D(2026, 12, 3)),
    ("3天前", D(2026, 12, 3), D(2026, 12, 3)),
    ("2 weeks ago", D(2026, 11, 16), D(2026, 11, 22)),  # the week that holds 22 November
]


@pytest.mark.parametrize(("text", "start", "end"), DATEPARSER)
def test_dateparser_fallback(text: str, start: dt.date, end: dt.date) -> None:
    assert span(text) == (start, end)


# -- errors ------------------------------------------------------------------------------

ERRORS = [
    ("", "empty"),
    ("   ", "empty"),
    ("foo", "cannot read 'foo'"),
    ("新华社", "cannot read '新华社'"),
    ("2019-13", "no month 13"),
    ("2019-13-05", "no month 13"),  # dateparser would read 13 May
    ("20191305", "no month 13"),
    ("2019-02-30", "no day 30"),
    ("2019年2月30日", "no day 30"),
    ("2019年13月", "no month 13"),
    ("2019-W54", "no ISO week 54"),
    ("1899", "before 1900"),
    ("1899-12-31", "before 1900"),
    ("一八九九年", "before 1900"),
    ("200y", "before 1900"),
    ("99999y", "before 1900"),
    ("0d", "at least one"),
    ("12345", "cannot read '12345'"),
    ("2019-03-05-07", "cannot read"),
    ("x" * 100, "too long"),
    ("last few days", "'few' is not a number"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors_are_one_line_naming_the_text(text: str, message: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_when(text, today=SUNDAY)
    text_of_error = str(info.value)
    assert message in text_of_error
    assert "\n" not in text_of_error
    if text.strip() and len(text) < 64:
        assert text.strip() in text_of_error


def test_until_errors_name_the_option() -> None:
    with pytest.raises(WhenError, match=r"^--until: .*'nonsense'"):
        parse_when("nonsense", today=SUNDAY, end=True)


# -- WhenRange ----------------------------------------------------------------------------


def test_contains_compares_the_day_as_written() -> None:
    r = parse_when("2019-03-05", today=SUNDAY)
    assert r.contains("2019-03-05")
    assert r.contains("2019-03-05T00:00:00")
    assert r.contains("2019-03-05T23:59:59+08:00")
    assert r.contains("2019-03-05T01:00:00+08:00")  # not moved to the 4th by UTC
    assert "2019-03-05T12:00:00" in r
    assert r.contains(D(2019, 3, 5))
    assert not r.contains("2019-03-04T23:59:59")
    assert not r.contains("2019-03-06")
    assert not r.contains(None)
    assert not r.contains("garbage")
    assert WhenRange(None, None).contains(None)  # the open range holds undated articles too


def test_string_bounds_for_backends() -> None:
    r = parse_when("2019-03", today=SUNDAY)
    assert (r.start_iso, r.end_iso, r.end_exclusive_iso) == (
        "2019-03-01",
        "2019-03-31",
        "2019-04-01",
    )
    inside = ["2019-03-01", "2019-03-31T23:59:59+08:00", "2019-03-15T10:00:00"]
    outside = ["2019-02-28T23:59:59", "2019-04-01", "2019-04-01T00:00:00+08:00"]
    for value in inside:
        assert r.start_iso <= value < r.end_exclusive_iso  # type: ignore[operator]
    for value in outside:
        assert not (r.start_iso <= value < r.end_exclusive_iso)  # type: ignore[operator]
    assert WhenRange(None, None).end_exclusive_iso is None


def test_labels() -> None:
    assert parse_when("2019-03", today=SUNDAY).label() == "2019-03-01 – 2019-03-31"
    assert parse_when("2019-03-05", today=SUNDAY).label() == "2019-03-05"
    assert parse_range("去年", None, SUNDAY).label() == "from 2025-01-01"
    assert parse_range(None, "2019", SUNDAY).label() == "until 2019-12-31"
    assert WhenRange(None, None).label() == "any date"


# -- parse_range ---------------------------------------------------------------------------


def test_since_is_the_start_of_its_period_and_until_the_end() -> None:
    assert parse_range("去年", None, SUNDAY) == WhenRange(D(2025, 1, 1), None, "since 去年")
    assert parse_range(None, "2019-03", SUNDAY) == WhenRange(None, D(2019, 3, 31), "until 2019-03")
    r = parse_range("2019Q1", "2019年第三季度", SUNDAY)
    assert (r.start, r.end) == (D(2019, 1, 1), D(2019, 9, 30))
    assert r.text == "since 2019Q1 until 2019年第三季度"
    same = parse_range("上个月", "上个月", SUNDAY)
    assert (same.start, same.end) == (D(2026, 11, 1), D(2026, 11, 30))


def test_until_a_plain_date_includes_the_whole_day() -> None:
    r = parse_range("2019-03-01", "2019-03-05", SUNDAY)
    assert r.end == D(2019, 3, 5)
    assert r.contains("2019-03-05T23:59:59+08:00")
    assert not r.contains("2019-03-06T00:00:00")


def test_open_range_when_neither_is_given() -> None:
    r = parse_range(None, "  ", SUNDAY)
    assert r.is_open and r.text == ""


def test_since_after_until_is_an_error_naming_both() -> None:
    with pytest.raises(WhenError) as info:
        parse_range("2020", "2019-06", SUNDAY)
    assert str(info.value) == (
        "--since '2020' (2020-01-01) is after --until '2019-06' (2019-06-30)"
    )


def test_range_errors_name_the_option() -> None:
    with pytest.raises(WhenError, match="--until"):
        parse_range("2019", "someday", SUNDAY)
    with pytest.raises(WhenError, match=r"^--since: cannot read 'someday'"):
        parse_range("someday", None, SUNDAY)


# -- extract_when (the search box) --------------------------------------------------------


def test_in_clause_is_taken_out_of_the_query() -> None:
    rest, when, errors = extract_when("一带一路 in:2019Q1", SUNDAY)
    assert rest == "一带一路"
    assert when == WhenRange(D(2019, 1, 1), D(2019, 3, 31), "in:2019Q1")
    assert errors == []


def test_since_and_until_together_and_quoted_values() -> None:
    rest, when, errors = extract_when('since:去年 习近平 until:"last month" 经济', SUNDAY)
    assert rest == "习近平 经济"
    assert when is not None and (when.start, when.end) == (D(2025, 1, 1), D(2026, 11, 30))
    assert errors == []


@pytest.mark.parametrize(
    ("query", "rest", "start", "end"),
    [
        ("in:去年 科创", "科创", D(2025, 1, 1), D(2025, 12, 31)),
        ("科创 IN:2019-03", "科创", D(2019, 3, 1), D(2019, 3, 31)),
        ("科创 in：2019年3月", "科创", D(2019, 3, 1), D(2019, 3, 31)),  # full-width colon
        ("in:last_month 经济", "经济", D(2026, 11, 1), D(2026, 11, 30)),
        ("in:last-week 经济", "经济", D(2026, 11, 23), D(2026, 11, 29)),
        ("in:「上个月」 经济", "经济", D(2026, 11, 1), D(2026, 11, 30)),
        ("until:2019-03-05 a", "a", None, D(2019, 3, 5)),
        ("since:7d a", "a", D(2026, 11, 30), None),
        ("a (in:2019)", "a", D(2019, 1, 1), D(2019, 12, 31)),
        ("x(in:2019)", "x", D(2019, 1, 1), D(2019, 12, 31)),
        # several clauses are intersected
        ("in:2019 since:2019-06 a", "a", D(2019, 6, 1), D(2019, 12, 31)),
        ("since:2018 since:2019-03 until:2020 until:2019Q2", "", D(2019, 3, 1), D(2019, 6, 30)),
    ],
)
def test_clauses(query: str, rest: str, start: dt.date | None, end: dt.date | None) -> None:
    got_rest, when, errors = extract_when(query, SUNDAY)
    assert errors == []
    assert got_rest == rest
    assert when is not None and (when.start, when.end) == (start, end)


@pytest.mark.parametrize(
    "query",
    [
        "date:2019-03 科创",  # the date entities: never a range
        "person:陈龙 date:去年",
        '"since:2019" 走廊',  # inside a phrase: words
        "「in:2019」 走廊",
        "within:2019",
        "login:2019",
        "科创in:2019",  # not at the start of a word
        "  spaces   kept  ",
    ],
)
def test_queries_without_date_clauses_are_unchanged(query: str) -> None:
    assert extract_when(query, SUNDAY) == (query, None, [])


def test_operators_left_without_an_operand_are_removed() -> None:
    assert extract_when("(a OR since:2019) b", SUNDAY)[0] == "(a) b"
    assert extract_when("a OR in:2019 OR b", SUNDAY)[0] == "a OR b"
    assert extract_when("x AND in:2019", SUNDAY)[0] == "x"
    assert extract_when("in:2019 AND x", SUNDAY)[0] == "x"
    assert extract_when("in:2019 a OR b", SUNDAY)[0] == "a OR b"


def test_bad_clauses_are_removed_with_a_message() -> None:
    rest, when, errors = extract_when("走廊 in:someday since:2019", SUNDAY)
    assert rest == "走廊"
    assert when is not None and when.start == D(2019, 1, 1)
    assert len(errors) == 1 and errors[0].startswith("in: ") and "'someday'" in errors[0]

    rest, when, errors = extract_when("走廊 in:", SUNDAY)
    assert (rest, when) == ("走廊", None)
    assert errors == ["in: needs a date or period (in:2019-03, in:去年)"]


def test_negated_clauses_are_refused() -> None:
    for query in ("-in:2019 走廊", "NOT in:2019 走廊"):
        rest, when, errors = extract_when(query, SUNDAY)
        assert (rest, when) == ("走廊", None)
        assert errors == ["'in:2019': a date clause cannot be negated"]


def test_contradicting_clauses_are_an_error() -> None:
    rest, when, errors = extract_when("in:2019 in:2020 走廊", SUNDAY)
    assert (rest, when) == ("走廊", None)
    assert errors == ["in:2019 in:2020: the start (2020-01-01) is after the end (2019-12-31)"]
