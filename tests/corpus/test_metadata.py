"""Metadata found in cleaned text."""

from __future__ import annotations

import pytest

from g60_reader.corpus.metadata import (
    find_date,
    find_dateline,
    find_reporter,
    is_subtitle,
    iso_date,
    strip_title_prefix,
)


@pytest.mark.parametrize(
    "raw",
    ["原標題：九地市", "原標題:九地市", "原标题：九地市", "原标题: 九地市", "九地市"],
)
def test_strip_title_prefix(raw):
    assert strip_title_prefix(raw) == "九地市"


def test_strip_title_prefix_only_at_the_start():
    assert strip_title_prefix("關於原標題：的說明") == "關於原標題：的說明"


@pytest.mark.parametrize(
    ("line", "more", "expected"),
    [
        ("孫景淼陳龍〓華等省市領導出席", True, True),
        ("——記G60科創走廊建設者", True, True),
        ("孫景淼陳龍陶誠華等省市領導出席", False, False),  # nothing follows
        ("區域一體，科創先行。活動在金華市舉行。", True, False),  # a sentence
        ("金華日報消息 區域一體", True, False),  # a dateline opens the body
        ("長" * 60, True, False),  # too long
    ],
)
def test_is_subtitle(line, more, expected):
    assert is_subtitle(line, more_lines=more) is expected


@pytest.mark.parametrize(
    ("paragraph", "text", "outlet", "place", "date_text"),
    [
        ("金華日報消息 區域一體，科創先行。", "金華日報消息", "金華日報", "", ""),
        ("金华日报讯 记者张三", "金华日报讯", "金华日报", "", ""),
        (
            "新华社北京12月1日电（记者 张三）国务院",
            "新华社北京12月1日电",
            "新华社",
            "北京",
            "12月1日",
        ),
        ("中新網12月1日電 據報道", "中新網12月1日電", "中新網", "", "12月1日"),
        ("人民网报道：近日", "人民网报道", "人民网", "", ""),
        ("本报讯 近日", "本报讯", "", "", ""),
        # the year written, and an outlet in brackets
        ("【中央社】2019年3月5日電", "【中央社】2019年3月5日電", "中央社", "", "2019年3月5日"),
        (
            "【中央社】2019年3月5日電 台北今天",
            "【中央社】2019年3月5日電",
            "中央社",
            "",
            "2019年3月5日",
        ),
        (
            "新华社北京2019年3月5日电 国务院",
            "新华社北京2019年3月5日电",
            "新华社",
            "北京",
            "2019年3月5日",
        ),
        ("【新华社北京3月5日电】国务院", "新华社北京3月5日电", "新华社", "北京", "3月5日"),
    ],
)
def test_find_dateline(paragraph, text, outlet, place, date_text):
    found = find_dateline(paragraph)
    assert found is not None
    assert (found.text, found.outlet, found.place, found.date_text) == (
        text,
        outlet,
        place,
        date_text,
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        "區域一體，科創先行。",
        "他說報道很重要",
        "消息傳來，大家很高興",
        "金華日報消息傳遍全城",
        "2019年3月5日電",  # no outlet
        "【中央社】2019年3月5日電視台",
    ],
)
def test_find_dateline_rejects_ordinary_sentences(paragraph):
    assert find_dateline(paragraph) is None


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["活動期間……的介紹。(記者 盛游)"], "盛游"),
        (["（记者 张三）北京"], "张三"),
        (["（记者 张三 李四）北京"], "张三 李四"),
        (["(记者：王五 通讯员 赵六)"], "王五"),
        (["本报讯 记者 张三 报道 昨天"], "张三"),
        (["没有记者的段落", "第二段(記者 盛游)"], "盛游"),
        (["G60科創走廊(G60)", "(AI)"], ""),
    ],
)
def test_find_reporter(texts, expected):
    assert find_reporter(texts) == expected


def test_find_date_keeps_the_text_and_no_iso_without_a_year():
    found = find_date(["區域一體。", "12月11日至12日，九地市政協共商"])
    assert found is not None
    assert found.text == "12月11日至12日"
    assert found.iso is None


def test_find_date_with_a_year():
    found = find_date(["2019年12月11日，九地市"])
    assert found is not None
    assert (found.text, found.iso) == ("2019年12月11日", "2019-12-11")


def test_find_date_invalid_day_has_no_iso():
    found = find_date(["2019年2月30日"])
    assert found is not None
    assert found.iso is None


def test_find_date_none():
    assert find_date(["沒有日期", "G60科創走廊3.0版"]) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-12-12 10:00:00", "2019-12-12"),
        ("2019/12/12", "2019-12-12"),
        ("2019.1.2", "2019-01-02"),
        ("2019年12月12日", "2019-12-12"),
        ("２０１９年１２月１２日", "2019-12-12"),
        ("2019-12-12T10:00:00+08:00", "2019-12-12"),
        (1576108800, "2019-12-12"),
        (1576108800000, "2019-12-12"),
        ("1576108800", "2019-12-12"),
        ("12月12日", None),
        ("2019-13-40", None),
        # the day of what parse_date reads, in its own zone
        ("Tue, 05 Mar 2019 23:20:00 +0800", "2019-03-05"),
        ("二〇一九年三月五日", "2019-03-05"),
        ("20190305", "2019-03-05"),
        (1551718800, "2019-03-05"),  # 2019-03-04T17:00Z: 01:00 on the 5th in China
        ("1900-01-01", None),
        ("1970-01-01", None),
        (0, None),
        ("", None),
        (None, None),
        (True, None),
        (["2019-12-12"], None),
    ],
)
def test_iso_date(value, expected):
    assert iso_date(value) == expected
