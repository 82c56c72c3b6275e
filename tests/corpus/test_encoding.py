"""Binary detection and decoding of Chinese text files."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from g60_reader.corpus.encoding import (
    DecodeError,
    binary_reason,
    codec_label,
    declared_charset,
    decode,
)
from g60_reader.corpus.readers import read_file

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


# -- GB18030 files that one charset guess got wrong --------------------------------------

POLICE = "凉州区公安局宣武派出所破获一起伪造使用公司印章案"
POLICE_BODY = (
    "近日，凉州区公安局宣武派出所成功破获一起伪造、使用公司印章案，抓获犯罪嫌疑人1名。"
    "2023年5月，辖区群众报警称，有人冒用其公司名义签订合同。民警随即展开调查，"
    "经过连续工作，查明犯罪嫌疑人私刻公司印章并使用的违法事实。目前，案件正在进一步办理中。"
)


def _stock_table() -> str:
    rows = ["代码    名称      收盘价   涨跌幅   成交量(手)"]
    names = ["浦发银行", "白云机场", "东风汽车", "中国国贸", "首创股份", "上海机场"]
    for i, name in enumerate(names):
        price = 10 + i * 3.17
        rows.append(
            f"60000{i}  {name}  {price:7.2f}  {(-1) ** i * 1.5 * i:+.2f}%  {12345 * (i + 1)}"
        )
    return "沪市行情一览\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        POLICE,
        POLICE + "\n" + POLICE_BODY,
        "杭州",
        "目录：第一章",
        _stock_table(),
        "嘉兴南湖区 2024-03-01 09:30 成交额：1,234,567.89元（人民币）\n" * 3,
        "鑫淼焱垚犇骉羴鱻，这些字很少见，但都在GBK里：喆、堃、珺、瑄、玥。",
        SIMPLIFIED * 20,
    ],
)
def test_gb18030_files_are_decoded_as_gb18030(text: str) -> None:
    data = text.encode("gb18030")
    assert decode(data) == (text, "gb18030")


def test_traditional_file_in_big5_is_not_taken_for_gb18030() -> None:
    source = TRADITIONAL + "\n" + "臺灣的新聞網站過去多用Big5編碼，檔案至今仍在。\n" * 5
    data = source.encode("cp950")
    assert data.decode("gb18030")  # GB18030 decodes it too, into nonsense
    assert decode(data) == (source, "cp950")


def test_simplified_file_in_gb18030_is_not_taken_for_big5() -> None:
    # Short GB2312 text that cp950 also decodes (into rare traditional characters).
    source = "各级公安部门宏观调控的成就"
    data = source.encode("gb18030")
    assert data.decode("cp950") != source
    assert decode(data) == (source, "gb18030")


def test_big5_hkscs_cantonese_text() -> None:
    source = "特區政府發言人今日表示，佢哋認為呢個計劃冇問題，啲市民都好支持。\n" * 3
    data = source.encode("big5hkscs")
    with pytest.raises(UnicodeDecodeError):
        data.decode("cp950")
    assert decode(data) == (source, "big5hkscs")


def test_gb18030_bom_is_dropped() -> None:
    data = b"\x84\x31\x95\x33" + SIMPLIFIED.encode("gb18030")
    assert decode(data) == (SIMPLIFIED, "gb18030")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_either_byte_order_with_bom(codec: str) -> None:
    data = "\ufeff".encode(codec) + TRADITIONAL.encode(codec)
    assert decode(data)[0] == TRADITIONAL


def test_english_utf8_is_accepted() -> None:
    text = (
        "Shanghai, March 3 (Reuters) - The Yangtze River Delta's G60 corridor signed 12 deals "
        "worth $1.2 billion on Tuesday, officials said.\n" * 10
    )
    assert decode(text.encode()) == (text, "utf-8")


def test_codec_labels() -> None:
    assert [codec_label(c) for c in ("utf-8", "utf-8-sig", "gb18030", "cp950")] == [
        "UTF-8",
        "UTF-8",
        "GB18030",
        "Big5",
    ]


# -- web pages ---------------------------------------------------------------------------


def _page(title: str, body: str, head: str, *, traditional: bool = False) -> str:
    """A news page as saved from a site: navigation, the article, a footer."""
    sections = ["首頁", "新聞", "財經", "體育"] if traditional else ["首页", "新闻", "财经", "体育"]
    nav = "".join(f"<li><a href='/c{i}'>{n}</a></li>" for i, n in enumerate(sections))
    footer = "版權所有 中央社 聯絡我們" if traditional else "版权所有 金华日报社 浙ICP备05000000号"
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>{title}</title></head>\n"
        f"<body><ul class='nav'>{nav}</ul>\n<h1>{title}</h1>\n"
        + "".join(f"<p>{line}</p>\n" for line in body.split("。") if line)
        + f"<div class='footer'>{footer}</div></body></html>\n"
    )


GBK_HEADS = [
    '<meta charset="gbk">',
    "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>",
    '<meta http-equiv="content-type" content="text/html;charset=x-gbk" />',
]


@pytest.mark.parametrize("head", GBK_HEADS)
def test_gbk_declared_page_that_is_gbk(head: str) -> None:
    page = _page(POLICE, POLICE_BODY, head)
    assert declared_charset(page.encode("gbk")) == "gb18030"
    assert decode(page.encode("gbk"), html=True) == (page, "gb18030")


def test_utf8_declared_page_that_is_gbk() -> None:
    page = _page(POLICE, POLICE_BODY, '<meta charset="utf-8">')
    assert decode(page.encode("gbk"), html=True) == (page, "gb18030")


def test_gbk_declared_page_that_is_utf8() -> None:
    page = _page(POLICE, POLICE_BODY, '<meta charset="gb2312">')
    assert decode(page.encode("utf-8"), html=True) == (page, "utf-8")


def test_big5_declared_page() -> None:
    page = _page("臺北市政府舉辦數位論壇", TRADITIONAL, "<meta charset=big5>", traditional=True)
    data = page.encode("cp950")
    assert declared_charset(data) == "cp950"
    assert decode(data, html=True) == (page, "cp950")


def test_declared_charset_decides_a_short_ambiguous_page() -> None:
    # Four characters that GB18030 and cp950 both decode: the declaration settles it.
    title = "臺灣論壇"
    page = f"<html><head><meta charset='big5'></head><body><p>{title}</p></body></html>"
    data = page.encode("cp950")
    assert data.decode("gb18030")
    assert decode(data, html=True) == (page, "cp950")


def test_xml_declaration_and_unknown_charsets() -> None:
    assert declared_charset(b'<?xml version="1.0" encoding="GB2312"?><rss/>') == "gb18030"
    assert declared_charset(b"<meta charset='windows-1252'>") is None
    assert declared_charset(b"<meta charset='no-such-codec'>") is None
    assert declared_charset(b"<html><body>no declaration</body></html>") is None
    late = b"<html>" + b" " * 5000 + b"<meta charset='big5'>"
    assert declared_charset(late) is None  # only the first few KB are looked at


def test_latin1_declared_page_that_is_gbk() -> None:
    page = _page(POLICE, POLICE_BODY, "<meta charset='iso-8859-1'>")
    assert decode(page.encode("gbk"), html=True) == (page, "gb18030")


# -- what is not Chinese text is refused, saying why ------------------------------------

RUSSIAN = (
    "Вчера в Москве прошло совещание по вопросам развития транспорта. Министр сообщил, "
    "что новые линии метро откроются в следующем году, а цены на проезд не изменятся.\n"
)
JAPANESE = (
    "昨日、東京で交通の発展に関する会議が開かれました。大臣は、新しい地下鉄の路線が"
    "来年開通し、運賃は変わらないと述べました。市民は建設の様子を見守っています。\n"
)
FRENCH = (
    "Hier, à Paris, une réunion sur le développement des transports a eu lieu. Le ministre "
    "a déclaré que les nouvelles lignes ouvriront l'année prochaine, près de la gare.\n"
)
KOREAN = (
    "어제 서울에서 교통 발전에 관한 회의가 열렸다. 장관은 새 지하철 노선이 내년에 "
    "개통되며 요금은 변하지 않을 것이라고 말했다.\n"
)


@pytest.mark.parametrize(
    ("text", "codec", "reads_as"),
    [
        (RUSSIAN * 3, "cp1251", "Cyrillic"),
        (RUSSIAN * 3, "koi8_r", "Cyrillic"),
        (JAPANESE * 3, "shift_jis", "Japanese"),
        (JAPANESE * 3, "euc_jp", "Japanese"),
        (FRENCH * 3, "latin-1", "Latin"),
        (KOREAN * 3, "euc_kr", "Hangul"),
    ],
)
def test_other_languages_are_refused(text: str, codec: str, reads_as: str) -> None:
    data = text.encode(codec)
    with pytest.raises(DecodeError) as info:
        decode(data)
    message = str(info.value)
    assert message.startswith("cannot decode: the bytes are not Chinese text")
    assert reads_as in message
    assert "\n" not in message


def test_euc_kr_decodes_as_gb18030_but_is_refused() -> None:
    # Hangul syllables in EUC-KR are byte pairs of GB2312's common Han rows.
    data = (KOREAN * 3).encode("euc_kr")
    assert data.decode("gb18030")
    with pytest.raises(DecodeError, match="not Chinese text"):
        decode(data)


def test_random_high_bytes_are_refused() -> None:
    rng = random.Random(60)
    for size in (64, 500, 5000):  # two bytes may well be one common character
        for _ in range(20):
            data = bytes(rng.randrange(0x80, 0x100) for _ in range(size))
            with pytest.raises(DecodeError, match="cannot decode"):
                decode(data)


# -- damaged files -----------------------------------------------------------------------


def _article(n_paragraphs: int) -> str:
    lines = [POLICE, "2023-05-18 10:20 来源：武威日报", "记者 张明"]
    lines += [POLICE_BODY] * n_paragraphs
    return "\n".join(lines) + "\n"


def _with_damage(text: str, spots: list[tuple[int, int]], bad: bytes) -> tuple[bytes, str]:
    """``text`` in GB18030 with the character at each ``(line, column)`` spot replaced by
    the bytes ``bad``, and the text expected back: one U+FFFD for the damaged bytes and
    the Chinese character on either side (whose bytes may belong to the damage)."""
    raw: list[bytes] = []
    expected: list[str] = []
    for number, line in enumerate(text.split("\n")):
        data, out, last = b"", "", 0
        for column in sorted(c for n, c in spots if n == number):
            data += line[last:column].encode("gb18030") + bad
            out += line[last : column - 1] + "\ufffd"
            last = column + 1
        raw.append(data + line[last:].encode("gb18030"))
        expected.append(out + line[last + 1 :] if out else line)
    return b"\n".join(raw), "\n".join(expected)


def test_gb18030_with_one_bad_pair_in_the_middle_is_repaired() -> None:
    data, expected = _with_damage(_article(12), [(8, 30)], b"\xff\xff")
    assert decode(data) == (expected, "gb18030")


def test_gb18030_with_two_bad_pairs_is_repaired() -> None:
    # 2,700 characters: two damaged characters are under 0.1%
    data, expected = _with_damage(_article(30), [(6, 20), (20, 50)], b"\x80\xff")
    assert decode(data) == (expected, "gb18030")


def test_repaired_damage_becomes_the_damage_mark(tmp_path: Path) -> None:
    data, _ = _with_damage(_article(12), [(8, 30)], b"\xff\xff")
    path = tmp_path / "damaged.txt"
    path.write_bytes(data)
    articles, errors = read_file(path)
    assert not errors
    (article,) = articles
    assert article.codec == "GB18030"
    assert article.damage
    assert any("〓" in p.text for p in article.paragraphs)
    assert all("\ufffd" not in p.text for p in article.paragraphs)


def test_damage_in_the_first_lines_is_refused_with_its_offset() -> None:
    data, _ = _with_damage(_article(12), [(1, 5)], b"\xff\xff")
    offset = data.index(b"\xff\xff")
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert str(info.value) == (
        f"cannot decode: damaged GB18030 text (invalid byte at offset {offset}; "
        "damage in the first lines)"
    )


def test_too_much_damage_is_refused() -> None:
    # about 450 characters: not even one damaged place is tiny enough
    data, _ = _with_damage(_article(3), [(4, 30)], b"\xff\xff")
    with pytest.raises(DecodeError, match=r"invalid byte at offset \d+; too much damage"):
        decode(data)


def test_a_lost_byte_is_refused_not_turned_into_mojibake() -> None:
    # One byte lost shifts every byte pair after it: they still decode, into other
    # characters, until an ASCII byte shows the shift. That must be refused.
    text = _article(12)
    data = text.encode("gb18030")
    line_start = data.index(POLICE_BODY.encode("gb18030"), 200)
    lost = line_start + 41  # inside the paragraph, after its first characters
    data = data[:lost] + data[lost + 1 :]
    with pytest.raises(DecodeError, match="invalid byte at offset"):
        decode(data)


def test_damaged_big5_is_refused_with_the_offset() -> None:
    # "！" is A1 49 in Big5; a byte slipped in between would leave "I" behind. Big5's
    # second bytes overlap ASCII: damaged Big5 is never repaired.
    text = ("臺灣新聞。\n" * 3 + TRADITIONAL + "真是太好了！\n") * 8
    data = text.encode("cp950")
    at = data.index("！".encode("cp950"), 300)
    broken = data[: at + 1] + b"\xff" + data[at + 1 :]
    with pytest.raises(DecodeError) as info:
        decode(broken)
    assert str(info.value) == (
        f"cannot decode: damaged Big5 text (invalid byte at offset {at}; "
        "Big5 damage is not repaired)"
    )


def test_utf8_with_a_stray_byte_in_the_middle_is_repaired() -> None:
    text = _article(12)
    data = text.encode()
    at = data.index("成功破获".encode(), 600)
    broken = data[:at] + b"\xff" + data[at:]
    before = data[:at].decode()  # ends in 所, the character before 成
    # the stray byte and the character on either side of it (所, 成) go under one mark
    expected = before[:-1] + "\ufffd" + text[len(before) + 1 :]
    assert decode(broken) == (expected, "utf-8")


def test_damaged_utf8_is_refused_with_the_offset() -> None:
    text = "長三角九城市在金華舉行科創走廊推進會。"
    with pytest.raises(DecodeError) as info:
        decode(text.encode() + b"\xff\xfe\xfa" + text.encode())
    assert str(info.value) == (
        "cannot decode: damaged UTF-8 text (invalid byte at offset 57; too much damage to repair)"
    )
