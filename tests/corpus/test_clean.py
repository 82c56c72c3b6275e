"""Each cleaning step on its own, then their composition."""

from __future__ import annotations

import unicodedata

import pytest

from g60_reader.corpus.clean import (
    DAMAGE_MARK,
    READING_RE,
    clean,
    mark_damage,
    normalise,
    strip_readings,
)

# ---------------------------------------------------------------- readings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("原標(biāo)題", "原標題"),
        ("科創(chuàng)走廊", "科創走廊"),
        ("綠(lǜ)色", "綠色"),
        ("標（biāo）題", "標題"),  # full-width parentheses
        ("標(biāo)(biāo)題", "標題"),  # a doubled reading goes at once
        ("發(fā)展(zhǎn)", "發展"),
    ],
)
def test_strip_readings_removes_readings(raw, expected):
    assert strip_readings(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "活動結束。(記者 盛游)",
        "G60科創走廊(G60)",
        "人工智能(AI)",
        "去年(2019)",
        "本報訊(记者 张三)",
        "他說(hao)",  # no tone mark: not a reading
        "abc(biāo)",  # not after a Han character
        "標 (biāo)",  # a space between: not an inline reading
        "標(biāo ma)",  # not one syllable
    ],
)
def test_strip_readings_keeps_other_parentheticals(kept):
    assert strip_readings(kept) == kept


def test_reading_regex_matches_each_reading_once():
    assert len(READING_RE.findall("標(biāo)題(tí)，(記者 盛游)")) == 2


# ---------------------------------------------------------------- damage


def test_mark_damage_replaces_each_remnant_and_records_offsets():
    text, marks = mark_damage("重要?jiǎng)?chuàng)新策源地")
    assert text == f"重要{DAMAGE_MARK}{DAMAGE_MARK}新策源地"
    assert marks == [(2, "?jiǎng)"), (3, "?chuàng)")]


def test_mark_damage_takes_the_gbk_mojibake_into_the_run():
    text, marks = mark_damage("陳龍?zhí)照\\華等")
    assert text == f"陳龍{DAMAGE_MARK}華等"
    assert marks == [(2, "?zhí)照\\")]


def test_mark_damage_marks_replacement_characters():
    text, marks = mark_damage("金\ufffd日報")
    assert text == f"金{DAMAGE_MARK}日報"
    assert marks == [(1, "\ufffd")]


@pytest.mark.parametrize("kept", ["你好?", "真的?是的", "what?)", "(記者 盛游)", "?2019)"])
def test_mark_damage_leaves_question_marks_alone(kept):
    assert mark_damage(kept) == (kept, [])


# ---------------------------------------------------------------- normalise


def test_normalise_nfc():
    assert normalise("Cafe\u0301") == "Café"
    assert unicodedata.is_normalized("NFC", normalise("a\u0304"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("區域一體,科創先行", "區域一體，科創先行"),
        ("原標題:九地市", "原標題：九地市"),
        ("甲;乙", "甲；乙"),
        ("真的?是", "真的？是"),
        ("好!走", "好！走"),
        ("他說,G60", "他說,G60"),  # not between two Han characters
        ("3,000元", "3,000元"),
    ],
)
def test_normalise_full_width_punctuation_between_han(raw, expected):
    assert normalise(raw) == expected


def test_normalise_collapses_whitespace():
    assert normalise("  金華\t\t日報 \u3000 消息\n ") == "金華 日報 消息"


@pytest.mark.parametrize(
    "noise",
    [
        "\x1b[31m",  # CSI colour
        "\x1b[2J\x1b[H",  # clear screen, home
        "\x1b]0;pwned\x07",  # OSC title, BEL
        "\x1b]8;;http://x.example\x1b\\",  # OSC hyperlink, ST
        "\x1bP1$r0m\x1b\\",  # DCS
        "\x9b1m",  # 8-bit CSI
        "\x07\x00\x08\x7f",  # BEL, NUL, BS, DEL
        "\u202e\u2066\u2069",  # bidi override, isolates
        "\u200b\u200c\u200d\ufeff\u2060",  # zero-width characters
    ],
)
def test_normalise_removes_escapes_and_invisible_characters(noise):
    assert normalise(f"金華{noise}日報") == "金華日報"


def test_escape_sequences_never_swallow_han_text():
    assert normalise("\x1b]0;標題\x07正文") == "標題正文"


# ---------------------------------------------------------------- composition


def test_clean_composes_in_order():
    raw = "\x1b[1m原標(biāo)題\x1b[0m:重要?jiǎng)?chuàng)新 , 發(fā)展"
    text, marks = clean(raw)
    assert text == f"原標題：重要{DAMAGE_MARK}{DAMAGE_MARK}新 , 發展"
    assert [text[off] for off, _ in marks] == [DAMAGE_MARK, DAMAGE_MARK]
    assert [raw for _, raw in marks] == ["?jiǎng)", "?chuàng)"]


def test_clean_converts_punctuation_exposed_by_a_removed_reading():
    assert clean("標(biāo),題(tí)")[0] == "標，題"


def test_damage_offsets_hold_after_whitespace_collapse():
    text, marks = clean("  \x1b[0m甲   乙?jiǎng)丙")
    assert text == f"甲 乙{DAMAGE_MARK}丙"
    assert marks == [(3, "?jiǎng)")]


def test_clean_is_idempotent_on_tricky_input():
    for raw in ["標(biāo)(biāo)", "標\x00(biāo)", "??zhí)zhí)", "標(b標(biāo)iāo)"]:
        once = clean(raw)[0]
        assert clean(once) == (once, [])
