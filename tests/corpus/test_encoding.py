"""Binary detection and decoding of Chinese text files."""

from __future__ import annotations

import codecs

import pytest

from g60_reader.corpus.encoding import DecodeError, binary_reason, decode

TRADITIONAL = (
    "九地市政協共商G60科創走廊更高質量發展。區域一體，科創先行。來自金華、松江、嘉興、"
    "杭州、蘇州、湖州、宣城、蕪湖、合肥的政協領導和企業家委員相聚一堂，盤點收獲、再敘合作。"
)
SIMPLIFIED = (
    "九地市政协共商G60科创走廊更高质量发展。区域一体，科创先行。来自金华、松江、嘉兴、"
    "杭州、苏州、湖州、宣城、芜湖、合肥的政协领导和企业家委员相聚一堂，盘点收获、再叙合作。"
)


def test_utf8_without_bom():
    assert decode(TRADITIONAL.encode("utf-8")) == (TRADITIONAL, "utf-8")


def test_utf8_with_bom_loses_the_bom():
    text, codec = decode(codecs.BOM_UTF8 + TRADITIONAL.encode("utf-8"))
    assert text == TRADITIONAL
    assert codec == "utf-8-sig"


def test_utf16_with_bom():
    text, _ = decode(SIMPLIFIED.encode("utf-16"))
    assert text == SIMPLIFIED


@pytest.mark.parametrize("codec", ["gb18030", "gbk"])
def test_gb_family(codec):
    text, used = decode(SIMPLIFIED.encode(codec))
    assert text == SIMPLIFIED
    assert used == "gb18030"


def test_traditional_text_in_gb18030():
    text, used = decode(TRADITIONAL.encode("gb18030"))
    assert text == TRADITIONAL
    assert used == "gb18030"


def test_big5_is_decoded_as_cp950():
    # 許功蓋 have 0x5C ("\") as their second byte in Big5: a byte-wise reader breaks them.
    source = TRADITIONAL + "許功蓋三字的第二個字節是反斜線。"
    data = source.encode("big5")
    assert b"\\" in data
    text, used = decode(data)
    assert text == source
    assert used == "cp950"


def test_cp950_only_characters():
    source = TRADITIONAL + "這本書賣五€，這是微軟擴充的字符。"
    data = source.encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")
    assert decode(data) == (source, "cp950")


def test_undecodable_bytes_raise_a_clear_error():
    with pytest.raises(DecodeError, match="cannot decode"):
        decode(bytes(range(0x80, 0x100)) * 4)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "PNG image"),
        (b"\x7fELF\x02\x01\x01" + bytes(100), "ELF executable"),
        (b"%PDF-1.7\n", "PDF document"),
        ("標題\x00內容".encode(), "NUL bytes"),
        (bytes(range(1, 9)) * 40 + "標題".encode(), "control bytes"),
    ],
)
def test_binary_reason(data, kind):
    reason = binary_reason(data)
    assert reason is not None
    assert kind in reason


@pytest.mark.parametrize(
    "data",
    [
        TRADITIONAL.encode("utf-8"),
        SIMPLIFIED.encode("gb18030"),
        "\x1b[31m紅色\x1b[0m\t文字\r\n".encode(),
        SIMPLIFIED.encode("utf-16"),
    ],
)
def test_text_is_not_binary(data):
    assert binary_reason(data) is None
