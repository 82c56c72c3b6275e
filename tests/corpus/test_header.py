"""The header and footer lines around an article's body, and where each piece of
metadata comes from end to end (JSON/HTML fields > header > file name)."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path

import pytest

from g60_reader.corpus.clean import clean
from g60_reader.corpus.metadata import Header, read_header
from g60_reader.corpus.model import Article
from g60_reader.corpus.readers import read_file

TODAY = dt.date(2024, 6, 1)
BODY_S = "区域一体，科创先行。九地市政协共商G60科创走廊更高质量发展活动在金华市举行。"
BODY_T = "區域一體，科創先行。九地市政協共商G60科創走廊更高質量發展活動在金華市舉行。"


def header(*lines: str) -> Header:
    """``read_header`` on the lines as ``assemble`` hands them over: cleaned."""
    return read_header([clean(line)[0] for line in lines], today=TODAY)


def fields(h: Header) -> tuple[str | None, str, str, str]:
    return (h.published, h.outlet, h.byline, h.source_credit)


# ---------------------------------------------------------------- header lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # published, outlet, byline, source credit
        ("2019-03-05 10:20　来源：新华网", ("2019-03-05T10:20:00", "新华网", "", "新华网")),
        ("2019年3月5日　人民网", ("2019-03-05", "人民网", "", "")),
        ("发布时间：2019-03-05 来源：新华社", ("2019-03-05", "新华社", "", "新华社")),
        (
            "2019/03/05 10:20:30 作者：张三 来源：中国新闻网",
            ("2019-03-05T10:20:30", "中国新闻网", "张三", "中国新闻网"),
        ),
        (
            "2019年03月05日08:29  来源：人民网-人民日报",
            ("2019-03-05T08:29:00", "人民网-人民日报", "", "人民网-人民日报"),
        ),
        ("时间：2019-03-05 10:20 来源：新华网", ("2019-03-05T10:20:00", "新华网", "", "新华网")),
        (
            "发布于 2019-03-05 10:20 | 来源: 澎湃新闻",
            ("2019-03-05T10:20:00", "澎湃新闻", "", "澎湃新闻"),
        ),
        ("人民网 2019年03月05日", ("2019-03-05", "人民网", "", "")),
        ("《 人民日报 》（ 2019年03月05日 第 04 版）", ("2019-03-05", "人民日报", "", "")),
        ("二〇一九年三月五日 星期二", ("2019-03-05", "", "", "")),
        ("二零一九年三月五日　新华网", ("2019-03-05", "新华网", "", "")),
        ("2019年三月五日", ("2019-03-05", "", "", "")),
        (
            "北京时间2019年3月5日 10:20 来源：央视新闻客户端",
            ("2019-03-05T10:20:00+08:00", "央视新闻客户端", "", "央视新闻客户端"),
        ),
        (
            "2019-03-05T10:20:00+08:00 来源：新华网",
            ("2019-03-05T10:20:00+08:00", "新华网", "", "新华网"),
        ),
        (
            "２０１９－０３－０５　１０：２０　来源：新华网",
            ("2019-03-05T10:20:00", "新华网", "", "新华网"),
        ),
        (
            "【2019-03-05】【来源：新华网】【作者：张三】",
            ("2019-03-05", "新华网", "张三", "新华网"),
        ),
        ("2019-03-05 来源：新华网 字号：大 中 小", ("2019-03-05", "新华网", "", "新华网")),
        (
            "2019-03-05 10:20 浏览次数：1234 来源：新华网",
            ("2019-03-05T10:20:00", "新华网", "", "新华网"),
        ),
        # Traditional
        ("2019-03-05 10:20　來源：中央社", ("2019-03-05T10:20:00", "中央社", "", "中央社")),
        ("發布時間：2019-03-05 來源：聯合報", ("2019-03-05", "聯合報", "", "聯合報")),
        ("2019年3月5日　自由時報", ("2019-03-05", "自由時報", "", "")),
        (
            "2019/03/05 10:20 作者：陳大文 來源：香港01",
            ("2019-03-05T10:20:00", "香港01", "陳大文", "香港01"),
        ),
        ("更新時間：2019-03-06 發佈時間：2019-03-05", ("2019-03-05", "", "", "")),
        # bylines alone
        ("作者：张三", (None, "", "张三", "")),
        ("记者 张三 李四", (None, "", "张三 李四", "")),
        ("文/张三", (None, "", "张三", "")),
        ("文｜記者 陳大文", (None, "", "陳大文", "")),
        ("新华社记者 张三", (None, "新华社", "张三", "")),
        ("本报记者 张三 通讯员 李四", (None, "", "张三", "")),
        ("记者 张三 报道", (None, "", "张三", "")),
        ("新华社记者 张三 摄", (None, "", "", "")),  # a photographer: no byline, no outlet
        ("图：新华社记者 张三 摄", (None, "", "", "")),
        ("来源：新华网", (None, "新华网", "", "新华网")),
    ],
)
def test_header_line(line, expected):
    h = header(line, BODY_S)
    assert fields(h) == expected
    assert h.drop == {0}  # the metadata line leaves the body; the paragraph stays


def test_the_header_may_follow_a_subtitle_and_span_lines():
    h = header("——记G60科创走廊建设者", "2019-03-05 10:20", "来源：新华网　作者：张三", BODY_S)
    assert fields(h) == ("2019-03-05T10:20:00", "新华网", "张三", "新华网")
    assert h.drop == {1, 2}  # the subtitle stays for assemble to find


def test_a_labelled_publication_date_wins_over_a_bare_one():
    h = header("更新时间：2019-03-06 10:00", "发布时间：2019-03-05 09:00", BODY_S)
    assert h.published == "2019-03-05T09:00:00"
    assert header("更新时间：2019-03-06 来源：新华网", BODY_S).published is None


# ---------------------------------------------------------------- datelines


def test_a_dateline_with_the_year_dates_the_article():
    # alone on its line it is metadata and leaves the body (kept as the dateline) ...
    h = header("【中央社】2019年3月5日電", BODY_T)
    assert fields(h) == ("2019-03-05", "中央社", "", "")
    assert (h.drop, h.dateline) == ({0}, "【中央社】2019年3月5日電")
    # ... opening a paragraph it stays there
    h = header("新华社北京2019年3月5日电 " + BODY_S)
    assert (h.published, h.outlet, h.drop) == ("2019-03-05", "新华社", frozenset())


def test_a_dateline_without_the_year_gives_no_date():
    h = header("新华社北京3月5日电", BODY_S)
    assert (h.published, h.outlet, h.drop) == (None, "新华社", {0})
    h = header("新华社北京3月5日电（记者 张三）" + BODY_S)
    assert (h.published, h.outlet, h.drop) == (None, "新华社", frozenset())


def test_a_header_line_gives_the_year_a_dateline_lacks():
    h = header("2019-03-05 来源：新华网", "新华社北京3月5日电 " + BODY_S)
    assert (h.published, h.outlet, h.source_credit, h.drop) == (
        "2019-03-05",
        "新华社",  # the dateline names the outlet; 来源 is the credit
        "新华网",
        {0},
    )


def test_the_sample_dateline_keeps_its_paragraph():
    h = header("孫景淼陳龍〓華等省市領導出席", "金華日報消息 " + BODY_T, "第二段。")
    assert fields(h) == (None, "金華日報", "", "")
    assert h.drop == frozenset()


# ---------------------------------------------------------------- footer lines


@pytest.mark.parametrize(
    ("line", "credit"),
    [
        ("（责任编辑：张三）", ""),
        ("[责任编辑:张三 ]", ""),
        ("（責任編輯：陳大文）", ""),
        ("编辑：张三 校对：李四", ""),
        ("(责编：张三、李四)", ""),
        ("审核：王五 签发：赵六", ""),
        ("（来源：人民日报）", "人民日报"),
        ("來源：中央社", "中央社"),
        ("本文来源：澎湃新闻", "澎湃新闻"),
        ("转载自澎湃新闻", "澎湃新闻"),
        ("本文转载自微信公众号“侠客岛”", "微信公众号“侠客岛”"),
        ("（原标题：九地市政协共商G60科创走廊更高质量发展）", ""),
        ("（原标题：九地市政协共商 来源：金华日报）", "金华日报"),
    ],
)
def test_footer_line(line, credit):
    h = header(BODY_S, "第二段。", line)
    assert h.drop == {2}
    assert h.source_credit == credit
    assert h.byline == ""  # an editor is never the byline
    assert h.outlet == ""  # a credit at the end names the origin, not who published the copy
    assert h.published is None


def test_footer_lines_stack_and_stop_at_the_last_paragraph():
    h = header(BODY_S, "（来源：人民日报）", "（责任编辑：张三）", "编辑：李四")
    assert h.drop == {1, 2, 3}
    assert h.source_credit == "人民日报"
    h = header("责任编辑：张三", BODY_S, "第二段。", "第三段。", "第四段。")
    assert h.drop == {0}


def test_a_date_at_the_end_is_not_read():
    # a notice's signature: the body's, not a publication header
    h = header(BODY_S, "金华市人民政府", "2019年3月5日")
    assert (h.published, h.drop) == (None, frozenset())


# ---------------------------------------------------------------- unknown stays unknown


def test_a_date_mentioned_in_the_body_is_not_the_publication_date():
    h = header(BODY_S, "第二段。", "2018年5月1日，九地市签署合作协议。", "第四段。")
    assert (h.published, h.drop) == (None, frozenset())


def test_a_first_paragraph_that_opens_with_a_date_is_body_text():
    h = header("2019年3月5日，全国两会在北京开幕。", "第二段。")
    assert (h.published, h.drop) == (None, frozenset())
    h = header("2019年3月5日上午，代表们抵达会场", BODY_S)
    assert (h.published, h.drop) == (None, frozenset())


def test_the_time_of_a_notice_is_not_a_header():
    h = header("时间：2019年3月5日 地点：北京", BODY_S)
    assert (h.published, h.drop) == (None, frozenset())


def test_an_implausible_header_date_is_dropped_but_not_used():
    for line in ("1900-01-01 来源：新华网", "2019-13-05 来源：新华网", "2030-01-01 来源：新华网"):
        h = header(line, BODY_S)
        assert (h.published, h.outlet, h.drop) == (None, "新华网", {0}), line


def test_no_header_deeper_than_the_head():
    short = ["小标题一", "小标题二", "小标题三"]
    h = header(*short, "2019-03-05 来源：新华网", BODY_S)  # the fourth line: still read
    assert (h.published, h.drop) == ("2019-03-05", {3})
    h = header(*short, "小标题四", "2019-03-05 来源：新华网", BODY_S)  # the fifth: not
    assert (h.published, h.drop) == (None, frozenset())


@pytest.mark.parametrize(
    "line",
    [
        "记者：请问您怎么看这次合作？",  # an interview, not a byline
        "来源：据了解，这次合作由九地市共同发起",
        "编辑部的故事",
        "他说来源：新华网",
        "2019年3月5日 全国两会在北京开幕了大家都很高兴",
        "中文/英文",
    ],
)
def test_body_lines_that_look_like_metadata_stay(line):
    h = header(line, BODY_S)
    assert h.drop == frozenset()
    assert h.published is None


def test_empty_and_tiny_inputs():
    assert header() == Header()
    assert header("2019-03-05 来源：新华网").drop == {0}
    assert header("").drop == frozenset()


# ---------------------------------------------------------------- hostile input and speed


@pytest.mark.parametrize(
    "line",
    [
        "长" * 1_000_000,
        "2019-03-05 " + "1" * 1_000_000,
        "来源：" + "新" * 1_000_000,
        "新华社" + "北" * 1_000_000 + "电",
        "记者 " + "长长 " * 300_000,
        "2019年" * 200_000,
    ],
)
def test_a_1mb_line_costs_little(line):
    start = time.process_time()
    h = read_header([line, line, line, BODY_S, line, line], today=TODAY)
    assert time.process_time() - start < 0.5  # linear at worst; measured in microseconds
    assert h.published is None


def generated_articles(n: int) -> list[list[str]]:
    rng = random.Random(7)
    chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"
    heads = [
        [],
        ["2019-03-05 10:20　来源：新华网"],
        ["发布时间：2019-03-05 来源：新华社"],
        ["2019/03/05 10:20:30 作者：张三 来源：中国新闻网"],
        ["副标题", "2019年03月05日08:29 来源：人民网-人民日报", "分享到："],
        ["【中央社】2019年3月5日電"],
    ]
    feet = [[], ["（责任编辑：张三）"], ["（来源：人民日报）", "（责任编辑：张三）"]]
    out = []
    for i in range(n):
        body = [
            "".join(rng.choice(chars) for _ in range(rng.randint(20, 300))) + "。"
            for _ in range(rng.randint(2, 15))
        ]
        if i % 5 == 0:
            body[0] = "新华社北京3月5日电 " + body[0]
        out.append([*rng.choice(heads), *body, *rng.choice(feet)])
    return out


def test_ten_thousand_articles_well_under_a_millisecond_each():
    articles = generated_articles(10_000)
    start = time.process_time()
    found = [read_header(lines, today=TODAY) for lines in articles]
    per_article = (time.process_time() - start) / len(articles)
    assert per_article < 1e-3  # measured 50-54 µs of CPU time on average
    assert sum(h.published is not None for h in found) > 7_000


# ---------------------------------------------------------------- end to end


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read_one(path: Path) -> Article:
    articles, errors = read_file(path)
    assert errors == []
    assert len(articles) == 1
    return articles[0]


def texts(article: Article) -> list[str]:
    return [p.text for p in article.paragraphs]


def test_txt_header_and_footer_leave_the_body(tmp_path):
    lines = [
        "九地市政协共商G60科创走廊更高质量发展",
        "2019/03/05 10:20:30　作者：张三　来源：中国新闻网",
        "",
        "新华社北京3月5日电 " + BODY_S,
        "第二段，2018年5月1日九地市签署协议。",
        "（来源：人民日报）",
        "（责任编辑：李四）",
    ]
    article = read_one(write(tmp_path / "a.txt", "\n".join(lines)))
    assert article.title == lines[0]
    assert texts(article) == [lines[3], lines[4]]
    assert article.published == "2019-03-05T10:20:30"
    assert article.date == "2019-03-05"
    assert article.outlet == "新华社"  # the dateline names who published it
    assert article.dateline == "新华社北京3月5日电"
    assert article.byline == "张三"
    assert article.source_credit == "中国新闻网"


def test_txt_gbk_with_page_furniture(tmp_path):
    lines = [
        "九地市政协共商G60科创走廊更高质量发展",
        "发布时间：2019-03-05　来源：新华社",
        BODY_S,
        "会上，九地市政协主席和委员作了交流发言。（记者 王五）",
        "编辑：张三 校对：李四",
    ]
    article = read_one(write(tmp_path / "gbk.txt", "\r\n".join(lines), "gbk"))
    assert article.codec == "GB18030"
    assert texts(article) == lines[2:4]
    assert (article.published, article.outlet, article.source_credit) == (
        "2019-03-05",
        "新华社",
        "新华社",
    )
    assert article.byline == "王五"  # the reporter, not the editor


def test_txt_big5_traditional(tmp_path):
    lines = ["九地市政協共商G60科創走廊更高質量發展", "【中央社】2019年3月5日電", BODY_T]
    article = read_one(write(tmp_path / "big5.txt", "\n".join(lines), "big5"))
    assert article.codec == "Big5"
    assert texts(article) == lines[2:]  # the dateline line is metadata, not a paragraph
    assert (article.published, article.outlet, article.dateline) == (
        "2019-03-05",
        "中央社",
        "【中央社】2019年3月5日電",
    )


def test_txt_without_any_date_stays_unknown(tmp_path):
    lines = ["標題", BODY_S, "第二段。", "2018年5月1日，九地市签署合作协议。"]
    article = read_one(write(tmp_path / "plain.txt", "\n".join(lines)))
    assert article.published is None
    assert article.date_text == "2018年5月1日"  # mentioned, and only that
    assert texts(article) == lines[1:]


def test_txt_falls_back_to_the_file_name(tmp_path):
    article = read_one(write(tmp_path / "news" / "20190305_article.txt", "標題\n" + BODY_S))
    assert article.published == "2019-03-05"
    dated = read_one(write(tmp_path / "news" / "2019" / "03" / "05" / "123.txt", "標題\n正文。"))
    assert dated.published == "2019-03-05"
    assert read_one(write(tmp_path / "1551752400.txt", "標題\n正文。")).published is None


def test_header_wins_over_the_file_name(tmp_path):
    path = write(tmp_path / "20190101_x.txt", "標題\n2019-03-05 来源：新华网\n" + BODY_S)
    assert read_one(path).published == "2019-03-05"


def record(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


DATE_KEYS = [
    "publish_time",
    "pubDate",
    "published_at",
    "publishedAt",
    "pub_time",
    "release_time",
    "ctime",
    "time",
    "date",
    "datetime",
    "created_at",
    "pubtime",
    "PublishTime",
    "datePublished",
    "published",
]
DATE_VALUES = [
    ("2019-03-05T10:20:00+08:00", "2019-03-05T10:20:00+08:00"),
    ("2019-03-05 10:20:00", "2019-03-05T10:20:00"),
    ("Tue, 05 Mar 2019 10:20:00 +0800", "2019-03-05T10:20:00+08:00"),
    (1551752400, "2019-03-05T10:20:00+08:00"),
    (1551752400000, "2019-03-05T10:20:00+08:00"),
    ("1551752400", "2019-03-05T10:20:00+08:00"),
    ("2019年3月5日", "2019-03-05"),
    ("2019年03月05日 10:20", "2019-03-05T10:20:00"),
    ("2019.03.05", "2019-03-05"),
    ("20190305", "2019-03-05"),
    ("二〇一九年三月五日", "2019-03-05"),
]


def test_jsonl_every_date_field_name(tmp_path):
    value, expected = "2019-03-05 10:20:00", "2019-03-05T10:20:00"
    lines = [
        record(title=f"第{i}篇", content="正文。", **{k: value}) for i, k in enumerate(DATE_KEYS)
    ]
    articles, errors = read_file(write(tmp_path / "dump_20180101.jsonl", "\n".join(lines)))
    assert errors == []
    assert [a.published for a in articles] == [expected] * len(DATE_KEYS)


def test_jsonl_every_date_value_form(tmp_path):
    lines = [
        record(title=f"第{i}篇", content="正文。", pubDate=v)
        for i, (v, _) in enumerate(DATE_VALUES)
    ]
    articles, errors = read_file(write(tmp_path / "values.jsonl", "\n".join(lines)))
    assert errors == []
    assert [a.published for a in articles] == [e for _, e in DATE_VALUES]


def test_jsonl_date_field_order_and_unreadable_values(tmp_path):
    lines = [
        # the publication field wins over a creation time and a generic date
        record(title="一", content="正文。", created_at="2019-01-01", publish_time="2019-03-05"),
        # an unreadable first field gives way to the next that reads
        record(title="二", content="正文。", publish_time="刚刚", date="2019-03-05"),
        # a date-only value takes a separate time of day
        record(title="三", content="正文。", date="2019-03-05", time="10:20"),
        # nothing readable: unknown, and the dump's file name is not asked
        record(title="四", content="正文。", date="3月5日"),
        # a status flag and a list of images under new names are passed over
        record(title="五", content="正文。", published=True, media=[{"url": "a.jpg"}]),
        # MongoDB's export
        record(title="六", content="正文。", publishTime={"$date": "2019-03-05T02:20:00Z"}),
    ]
    articles, errors = read_file(write(tmp_path / "20190101.jsonl", "\n".join(lines)))
    assert errors == []
    assert [a.published for a in articles] == [
        "2019-03-05",
        "2019-03-05",
        "2019-03-05T10:20:00",
        None,
        None,
        "2019-03-05T02:20:00+00:00",
    ]


@pytest.mark.parametrize(
    ("extra", "outlet", "credit"),
    [
        ({"source": "新华网"}, "新华网", ""),
        ({"site": "新华网"}, "新华网", ""),
        ({"site_name": "新华网"}, "新华网", ""),
        ({"media": "新华网"}, "新华网", ""),
        ({"publisher": "新华网"}, "新华网", ""),
        ({"publisher": {"@type": "Organization", "name": "新华网"}}, "新华网", ""),
        ({"outlet": "新华网"}, "新华网", ""),
        ({"source_name": "新华网"}, "新华网", ""),
        ({"source": {"id": None, "name": "新华网"}}, "新华网", ""),
        ({"site": "新华网", "source": "新华社"}, "新华网", "新华社"),
        ({"source": "新华网", "copyfrom": "人民日报"}, "新华网", "人民日报"),
        ({"source": "新华网", "source_credit": "人民日报"}, "新华网", "人民日报"),
    ],
)
def test_json_outlet_and_credit_fields(tmp_path, extra, outlet, credit):
    article = read_one(write(tmp_path / "a.json", record(title="標題", content="正文。", **extra)))
    assert (article.outlet, article.source_credit) == (outlet, credit)


@pytest.mark.parametrize(
    ("extra", "byline"),
    [
        ({"author": "张三"}, "张三"),
        ({"authors": ["张三", "李四"]}, "张三、李四"),
        ({"authors": [{"name": "张三"}, {"name": "李四"}]}, "张三、李四"),
        ({"authors": ["John Smith", "Jane Doe"]}, "John Smith, Jane Doe"),
        ({"author": {"name": "张三"}}, "张三"),
        ({"byline": "张三"}, "张三"),
        ({"reporter": "张三"}, "张三"),
        ({"editor": "李四"}, ""),  # an editor is not the byline
        ({"editor": "李四", "reporter": "张三"}, "张三"),
    ],
)
def test_json_byline_fields(tmp_path, extra, byline):
    article = read_one(write(tmp_path / "a.json", record(title="標題", content="正文。", **extra)))
    assert article.byline == byline


def test_json_fields_win_over_the_header_and_the_header_fills_the_rest(tmp_path):
    content = "2019-03-05 10:20　作者：李四　来源：新华社\n" + BODY_S + "\n（责任编辑：王五）"
    data = record(title="標題", content=content, site="新华网", publish_time=1551837600)
    article = read_one(write(tmp_path / "20190101_x.json", data))
    assert article.published == "2019-03-06T10:00:00+08:00"  # the field, not the header line
    assert article.outlet == "新华网"
    assert article.byline == "李四"  # no author field: the header's
    assert article.source_credit == "新华社"
    assert texts(article) == [BODY_S]


def test_escaped_json_dump_header_in_the_content(tmp_path):
    content = "2019年3月5日　人民网\\n" + BODY_S  # an escaped break, as twice-escaped dumps have
    data = json.dumps({"title": "標題", "content": content.replace("\\n", "\n")}, ensure_ascii=True)
    article = read_one(write(tmp_path / "dump.jsonl", data + "\n"))
    assert (article.published, article.outlet) == ("2019-03-05", "人民网")
    assert texts(article) == [BODY_S]


def test_json_array_with_the_file_name_date_as_last_resort(tmp_path):
    data = json.dumps(
        [
            {"title": "一", "content": "正文。"},
            {"title": "二", "content": "正文。", "date": "2019-03-06"},
        ],
        ensure_ascii=False,
    )
    articles, errors = read_file(write(tmp_path / "2019-03-05-news.json", data))
    assert errors == []
    assert [a.published for a in articles] == ["2019-03-05", "2019-03-06"]


def test_json_wrong_types_in_known_fields_are_still_errors(tmp_path):
    for fields_, name in (
        ({"author": False}, "author"),
        ({"date": [1]}, "date"),
        ({"source": 5}, "source"),
    ):
        data = record(title="標題", content="正文。", **fields_)
        articles, errors = read_file(write(tmp_path / f"{name}.json", data))
        assert articles == []
        assert len(errors) == 1
        assert f"field '{name}' must be" in errors[0].reason


def test_html_meta_date_keeps_time_and_zone(tmp_path):
    page = (
        '<html><head><meta property="article:published_time" content="2019-03-05T10:20:00+08:00">'
        '<meta property="og:site_name" content="新华网"></head>'
        f"<body><h1>標題</h1><p>{BODY_S}</p></body></html>"
    )
    article = read_one(write(tmp_path / "a.html", page))
    assert (article.published, article.outlet) == ("2019-03-05T10:20:00+08:00", "新华网")
