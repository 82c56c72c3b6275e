"""Publication dates from the values sources give, and from file names."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from g60_reader.corpus import dates
from g60_reader.corpus.dates import (
    date_from_path,
    find_date_token,
    find_date_tokens,
    is_date_value,
    parse_date,
    plausible,
    with_time_of_day,
)

TODAY = dt.date(2024, 6, 1)


def parse(value: object) -> str | None:
    return parse_date(value, today=TODAY)


# ---------------------------------------------------------------- value forms


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # ISO 8601: the date alone, a time without zone, a stated zone kept
        ("2019-03-05", "2019-03-05"),
        ("2019-03-05T10:20:00", "2019-03-05T10:20:00"),
        ("2019-03-05T10:20", "2019-03-05T10:20:00"),
        ("2019-03-05 10:20", "2019-03-05T10:20:00"),
        ("2019-03-05 10:20:00.123", "2019-03-05T10:20:00"),
        ("2019-03-05T10:20:00+08:00", "2019-03-05T10:20:00+08:00"),
        ("2019-03-05T10:20:00.000+0800", "2019-03-05T10:20:00+08:00"),
        ("2019-03-05T02:20:00Z", "2019-03-05T02:20:00+00:00"),
        ("2019-03-05T10:20:00-05:00", "2019-03-05T10:20:00-05:00"),
        # RFC 2822
        ("Tue, 05 Mar 2019 10:20:00 +0800", "2019-03-05T10:20:00+08:00"),
        ("Tue, 05 Mar 2019 10:20:00 GMT", "2019-03-05T10:20:00+00:00"),
        ("5 Mar 2019 10:20 +0800", "2019-03-05T10:20:00+08:00"),
        # numeric and Chinese forms
        ("2019/03/05 10:20:30", "2019-03-05T10:20:30"),
        ("2019.03.05", "2019-03-05"),
        ("2019.3.5", "2019-03-05"),
        ("20190305", "2019-03-05"),
        ("201903051020", "2019-03-05T10:20:00"),
        ("20190305102030", "2019-03-05T10:20:30"),
        ("2019年3月5日", "2019-03-05"),
        ("2019年03月05日 10:20", "2019-03-05T10:20:00"),
        ("2019年03月05日10:20", "2019-03-05T10:20:00"),
        ("2019 年 3 月 5 日", "2019-03-05"),
        ("2019年3月5日 10时20分", "2019-03-05T10:20:00"),
        ("2019年3月5日10点20分30秒", "2019-03-05T10:20:30"),
        ("2019年3月5日 下午3:20", "2019-03-05T15:20:00"),
        ("2019年3月5日 上午10:20", "2019-03-05T10:20:00"),
        ("2019年3月5日星期二", "2019-03-05"),
        ("2019-03-05 星期二 10:20", "2019-03-05T10:20:00"),
        ("2019年3月5日（周二）", "2019-03-05"),
        ("２０１９年３月５日　１０：２０", "2019-03-05T10:20:00"),
        ("２０１９－０３－０５", "2019-03-05"),
        ("北京时间2019年3月5日 10:20", "2019-03-05T10:20:00+08:00"),
        ("2019-03-05 10:20 (北京时间)", "2019-03-05T10:20:00+08:00"),
        ("發布時間：2019-03-05 10:20", "2019-03-05T10:20:00"),
        # epoch seconds and milliseconds: the same instant at +08:00
        (1551752400, "2019-03-05T10:20:00+08:00"),
        (1551752400000, "2019-03-05T10:20:00+08:00"),
        ("1551752400", "2019-03-05T10:20:00+08:00"),
        ("1551752400000", "2019-03-05T10:20:00+08:00"),
        (1551752400.75, "2019-03-05T10:20:00+08:00"),
        ("1551752400.75", "2019-03-05T10:20:00+08:00"),
        (1551718800, "2019-03-05T01:00:00+08:00"),  # 2019-03-04 in UTC: the day in China
        (20190305, "2019-03-05"),  # eight digits are a date, not 1970's 233rd day
        (20190305.0, "2019-03-05"),
        # MongoDB's extended JSON
        ({"$date": "2019-03-05T02:20:00Z"}, "2019-03-05T02:20:00+00:00"),
        ({"$date": 1551752400000}, "2019-03-05T10:20:00+08:00"),
        ({"$date": {"$numberLong": "1551752400000"}}, "2019-03-05T10:20:00+08:00"),
        # Java's Date.toString()
        ("Tue Mar 05 10:20:00 GMT+08:00 2019", "2019-03-05T10:20:00+08:00"),
        # English month names (dateparser)
        ("March 5, 2019", "2019-03-05"),
        ("Mar 5, 2019 10:20 AM", "2019-03-05T10:20:00"),
        ("5th March 2019", "2019-03-05"),
    ],
)
def test_value_forms(value, expected):
    assert parse(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("二〇一九年三月五日", "2019-03-05"),
        ("二零一九年三月五日", "2019-03-05"),
        ("二○一九年三月五日", "2019-03-05"),  # U+25CB, the circle typed for 〇
        ("二O一九年三月五日", "2019-03-05"),  # a Latin O typed for 〇
        ("2019年三月五日", "2019-03-05"),
        ("二〇一九年十二月三十一日", "2019-12-31"),
        ("二〇一九年十月十日", "2019-10-10"),
        ("二〇一九年十一月二十日", "2019-11-20"),
        ("二〇一九年二月二十九日", None),  # 2019 is no leap year
        ("二〇二〇年二月二十九日", "2020-02-29"),
        ("2019年元月廿五日", "2019-01-25"),
        ("2019年三月卅一日", "2019-03-31"),
        ("二〇一九年十三月五日", None),
        ("二〇一九年三月三十二日", None),
        ("二〇一九年三月五十日", None),
        ("二一九年三月五日", None),  # three year digits
    ],
)
def test_chinese_numerals(value, expected):
    assert parse(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        # no year, no day, relative: unknown, never completed
        "3月5日",
        "2019年3月",
        "2019",
        "3小时前",
        "昨天 10:20",
        "刚刚",
        # impossible
        "2019-13-05",  # dateparser reads 2019-05-13
        "2019-02-30",
        "2019年13月5日",
        "20191332",
        # implausible
        "1900-01-01",
        "1899-12-30",
        "0001-01-01",
        "1970-01-01",
        "1970-01-01 08:00:00",
        "2024-06-03",  # after tomorrow
        0,
        -1551752400,
        123,
        315532800,  # 1980: before epoch stamps of news
        10**18,
        float("nan"),
        float("inf"),
        # ambiguous day and month
        "05/03/2019",
        # not date values
        True,
        False,
        None,
        [],
        ["2019-03-05"],
        {"date": "2019-03-05"},
        "",
        "   ",
        "关于2019年工作的通知",
        "x" * 100_000,
    ],
)
def test_unknown_stays_unknown(value):
    assert parse(value) is None


def test_day_first_and_month_first_read_when_only_one_reading_exists():
    assert parse("13/03/2019") == "2019-03-13"
    assert parse("03/13/2019") == "2019-03-13"
    assert parse("05/05/2019") == "2019-05-05"
    assert parse("13/03/2019 10:20") == "2019-03-13T10:20:00"


@pytest.mark.parametrize(
    "value",
    ["Tue, 05 Mar 2019 10:20:00 CST", "Tue Mar 05 10:20:00 CST 2019", "March 5, 2019 10:20 CST"],
)
def test_named_zone_abbreviations_are_not_a_stated_offset(value):
    # dateparser and email.utils read CST as US Central (-06:00); a Chinese server writes
    # China Standard Time. The wall time stays, without an offset.
    assert parse(value) == "2019-03-05T10:20:00"


def test_ist_is_not_israel_time():
    assert parse("Tuesday 5 March 2019 10:20 IST") == "2019-03-05T10:20:00"


def test_an_impossible_time_keeps_the_date():
    assert parse("2019-03-05 25:61") == "2019-03-05"


# ---------------------------------------------------------------- plausibility and today


def test_today_is_injectable():
    assert parse_date("2024-06-02", today=TODAY) == "2024-06-02"  # tomorrow: time zones
    assert parse_date("2024-06-03", today=TODAY) is None
    assert parse_date("2024-06-03", today=dt.date(2024, 6, 2)) == "2024-06-03"
    late = int(dt.datetime(2024, 6, 3, tzinfo=dt.timezone.utc).timestamp())
    assert parse_date(late, today=TODAY) is None
    assert parse_date(late, today=dt.date(2024, 6, 3)) == "2024-06-03T08:00:00+08:00"


def test_default_today_is_the_real_one():
    assert parse_date(dt.date.today().isoformat()) == dt.date.today().isoformat()
    in_a_year = dt.date.today() + dt.timedelta(days=366)
    assert parse_date(in_a_year.isoformat()) is None


def test_plausible_bounds():
    assert plausible(dt.date(1901, 1, 1), TODAY)
    assert not plausible(dt.date(1900, 12, 31), TODAY)
    assert not plausible(dt.date(1970, 1, 1), TODAY)
    assert plausible(dt.date(1970, 1, 2), TODAY)
    assert plausible(TODAY + dt.timedelta(days=1), TODAY)
    assert not plausible(TODAY + dt.timedelta(days=2), TODAY)


def test_old_written_dates_are_kept_but_not_old_epochs():
    assert parse("1949年10月1日") == "1949-10-01"
    assert parse("1985-07-01") == "1985-07-01"
    assert parse(489024000) is None  # 1985 as an epoch number: an id or a counter


# ---------------------------------------------------------------- helpers


def test_is_date_value():
    assert all(is_date_value(v) for v in ("x", 1, 1.5, {"$date": 1}, {"$numberLong": "1"}))
    assert not any(is_date_value(v) for v in (True, None, [1], {"a": 1}, {"$date": 1, "b": 2}))


def test_with_time_of_day():
    assert with_time_of_day("2019-03-05", "10:20") == "2019-03-05T10:20:00"
    assert with_time_of_day("2019-03-05", "10:20:30") == "2019-03-05T10:20:30"
    assert with_time_of_day("2019-03-05", "１０：２０") == "2019-03-05T10:20:00"
    assert with_time_of_day("2019-03-05", "25:00") == "2019-03-05"
    assert with_time_of_day("2019-03-05", "晚上") == "2019-03-05"
    assert with_time_of_day("2019-03-05T08:00:00", "10:20") == "2019-03-05T08:00:00"
    assert with_time_of_day(None, "10:20") is None


def test_find_date_token_positions_in_a_line():
    line = "2019/03/05 10:20:30 作者：张三 来源：中国新闻网"
    token = find_date_token(line, today=TODAY)
    assert token is not None
    assert (line[token.start : token.end], token.iso) == (
        "2019/03/05 10:20:30",
        "2019-03-05T10:20:30",
    )
    assert find_date_token("来源：新华网") is None
    assert [t.iso for t in find_date_tokens("2019-02-30 与 2019-03-05", today=TODAY)] == [
        None,
        "2019-03-05",
    ]


def test_find_date_token_does_not_take_a_date_out_of_a_longer_number():
    assert find_date_token("12019-03-05") is None
    assert find_date_token("1.2019.03.05") is None
    assert find_date_token("2019.03.05.1") is None
    token = find_date_token("截至2019.03.05.")
    assert token is not None and token.iso == "2019-03-05"


# ---------------------------------------------------------------- the fallback and speed


def test_dateparser_is_only_asked_what_the_fast_path_cannot_read(monkeypatch):
    def fail() -> None:
        raise AssertionError("dateparser called")

    monkeypatch.setattr(dates, "_dateparser", fail)
    for value in ("2019-03-05T10:20:00+08:00", "2019年3月5日", "20190305", 1551752400):
        assert parse(value) is not None
    for value in ("2019-13-05", "05/03/2019", "3月5日", "no year here"):
        assert parse(value) is None


def test_a_failing_dateparser_never_raises(monkeypatch):
    class Broken:
        def get_date_data(self, text: str) -> None:
            raise RuntimeError("broken")

    monkeypatch.setattr(dates, "_dateparser", lambda: Broken())
    assert parse("March 5, 2019") is None


def test_fast_path_speed():
    values = ["2019-03-05 10:20:00", "2019年03月05日 10:20", 1551752400, "二〇一九年三月五日"]
    start = time.process_time()
    for _ in range(2000):
        for value in values:
            parse_date(value)
    per_value = (time.process_time() - start) / 8000
    assert per_value < 500e-6  # measured 10-40 µs; dateparser would take 1-2 ms


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("20190305_xxx.txt", "2019-03-05"),
        ("/data/news/xxx_20190305.txt", "2019-03-05"),
        ("t20190305_5678.html", "2019-03-05"),
        ("20190305102030.txt", "2019-03-05"),
        ("2019-03-05-title.html", "2019-03-05"),
        ("2019_03_05 标题.txt", "2019-03-05"),
        ("2019.3.5.txt", "2019-03-05"),
        ("2019年3月5日新闻.txt", "2019-03-05"),
        ("news/2019/03/05/123.txt", "2019-03-05"),
        ("news/2019/3/5/123.txt", "2019-03-05"),
        ("/site/n1/2019/0305/c1001-30957512.html", "2019-03-05"),
        ("/site/2019-03/05/c_1124194424.htm", "2019-03-05"),
        ("/site/201903/05/123.html", "2019-03-05"),
        ("/data/2019-03-05/123.txt", "2019-03-05"),
        ("C:\\data\\2019\\03\\05\\123.txt", "2019-03-05"),
        ("/data/20190305.json", "2019-03-05"),
    ],
)
def test_date_from_path(path, expected):
    assert date_from_path(path, today=TODAY) == expected


@pytest.mark.parametrize(
    "path",
    [
        "123456.txt",
        "1551752400.txt",  # an id far more often than an epoch stamp
        "1551752400000.json",
        "article_12345678.txt",  # eight digits that are no date
        "20191332.txt",
        "20190305999999.txt",  # fourteen digits whose time part is no time
        "19491001.txt",  # before 1990: an id, not a file named by its date
        "/data/2019/03/12.txt",  # 12: the day or the twelfth article?
        "/data/2019/03/",
        "/data/2019/123.txt",
        "/data/2019-03-05 scrape/123.txt",  # when it was saved
        "/data/scrape-2019-03-05/123.txt",
        "/data/dump_20190305.jsonl",  # the dump's date, not its articles'
        "/x/000_c6dd73ee9f6b25ea.txt",
        "2030-01-01-future.txt",
        "",
        "/",
    ],
)
def test_date_from_path_none(path):
    assert date_from_path(path, today=TODAY) is None


def test_date_from_path_prefers_the_file_name_to_its_folders():
    assert date_from_path("/2018/01/02/20190305_x.txt", today=TODAY) == "2019-03-05"
