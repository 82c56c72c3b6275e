"""Every reader on small files written here, directory walking, and bad input."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from pathlib import Path

import pytest

import g60_reader.corpus.readers as readers
from g60_reader.corpus.clean import DAMAGE_MARK
from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, ReadError
from g60_reader.corpus.readers import (
    MAX_FILE_BYTES,
    SUPPORTED_SUFFIXES,
    file_digest,
    iter_source_files,
    load_paths,
    read_file,
)

TITLE_T = "九地市政協共商G60科創走廊更高質量發展"
BODY_T = [
    "金華日報消息 區域一體，科創先行。12月11日至12日，"
    "九地市政協共商G60科創走廊更高質量發展活動在金華市舉行。",
    "會上，九地市政協主席和委員作了交流發言。"
    "市政協主席陶誠華建議，通過打造一體化的長三角科技創新聯盟。(記者 盛游)",
]
TITLE_S = "九地市政协共商G60科创走廊更高质量发展"
BODY_S = [
    "金华日报讯 区域一体，科创先行。12月11日至12日，"
    "九地市政协共商G60科创走廊更高质量发展活动在金华市举行。",
    "会上，九地市政协主席和委员作了交流发言。"
    "市政协主席陶诚华建议，通过打造一体化的长三角科技创新联盟。（记者 张三）",
]


def write(path: Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def read_one(path: Path) -> Article:
    articles, errors = read_file(path)
    assert errors == []
    assert len(articles) == 1
    return articles[0]


def read_error(path: Path) -> ReadError:
    articles, errors = read_file(path)
    assert articles == []
    assert len(errors) == 1
    assert errors[0].path == str(path)
    return errors[0]


def texts(article: Article) -> list[str]:
    return [p.text for p in article.paragraphs]


# ---------------------------------------------------------------- .txt


def test_txt_utf8(tmp_path):
    path = write(tmp_path / "a.txt", "\n".join(["", f"原標題：{TITLE_T}", "", *BODY_T, ""]))
    article = read_one(path)
    assert article.title == TITLE_T
    assert texts(article) == BODY_T
    assert article.subtitle == ""
    assert (article.outlet, article.dateline, article.byline) == (
        "金華日報",
        "金華日報消息",
        "盛游",
    )
    assert article.format == "txt"
    assert article.path == str(path)
    assert all(p.folded == fold(p.text) for p in article.paragraphs)


def test_txt_utf8_with_bom(tmp_path):
    path = write(tmp_path / "bom.txt", codecs.BOM_UTF8 + "\n".join([TITLE_T, *BODY_T]).encode())
    article = read_one(path)
    assert article.title == TITLE_T  # no U+FEFF left at the start
    assert texts(article) == BODY_T


def test_txt_gb18030(tmp_path):
    path = write(tmp_path / "gb.txt", "\r\n".join([TITLE_S, *BODY_S]), "gb18030")
    article = read_one(path)
    assert article.title == TITLE_S
    assert texts(article) == BODY_S
    assert (article.outlet, article.byline) == ("金华日报", "张三")


def test_txt_big5_read_as_cp950(tmp_path):
    body = [*BODY_T, "許功蓋三字在Big5裏的第二個字節是反斜線，價錢是五€。"]
    data = "\n".join([TITLE_T, *body]).encode("cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("big5")  # the € exists only in cp950
    article = read_one(write(tmp_path / "big5.txt", data))
    assert article.title == TITLE_T
    assert texts(article) == body
    assert article.paragraphs[0].folded.startswith("金华日报消息")


def test_txt_subtitle_and_damage_offsets(tmp_path):
    lines = [
        "原標(biāo)題:九地市政協(xié)共商",
        "孫景淼陳龍?zhí)照\\華等省市領導出席",
        "重要?jiǎng)?chuàng)新策源地，區域一體。",
        "第二段。",
    ]
    article = read_one(write(tmp_path / "s.txt", "\n".join(lines)))
    assert article.title == "九地市政協共商"
    assert article.subtitle == f"孫景淼陳龍{DAMAGE_MARK}華等省市領導出席"
    assert texts(article) == [f"重要{DAMAGE_MARK}{DAMAGE_MARK}新策源地，區域一體。", "第二段。"]
    assert [(d.part, d.paragraph, d.offset) for d in article.damage] == [
        ("subtitle", None, 5),
        ("body", 1, 2),
        ("body", 1, 3),
    ]


def test_txt_damage_in_the_title_is_shifted_past_the_prefix(tmp_path):
    article = read_one(write(tmp_path / "t.txt", "原標題：重要?jiǎng)新\n正文。"))
    assert article.title == f"重要{DAMAGE_MARK}新"
    assert [(d.part, d.offset, d.raw) for d in article.damage] == [("title", 2, "?jiǎng)")]


def test_txt_escape_sequences_are_removed(tmp_path):
    path = write(tmp_path / "esc.txt", "\x1b[31m標題\x1b[0m\n\x1b]0;owned\x07正文\u202e一段。\n")
    article = read_one(path)
    assert article.title == "標題"
    assert texts(article) == ["正文一段。"]


def test_txt_with_only_noise_has_no_text(tmp_path):
    assert read_error(write(tmp_path / "n.txt", "\x1b[0m\n\u200b\n")).reason == "no text"


# ---------------------------------------------------------------- .md


def test_markdown(tmp_path):
    source = "\n".join(
        [
            f"# {TITLE_T}",
            "",
            "金華日報消息 區域一體，",
            "科創先行。",
            "",
            "## 會上",
            "Markdown wraps",
            "English lines.",
            "> 引用的一段。",
        ]
    )
    article = read_one(write(tmp_path / "a.md", source))
    assert article.title == TITLE_T
    assert article.format == "md"
    assert texts(article) == [
        "金華日報消息 區域一體，科創先行。",
        "會上",
        "Markdown wraps English lines.",
        "引用的一段。",
    ]


# ---------------------------------------------------------------- .html

HTML = """<!DOCTYPE html>
<html><head>
<title>站點標題 - 金華新聞網</title>
<meta name="author" content="盛游">
<meta property="article:published_time" content="2019-12-12T08:00:00+08:00">
<style>p { color: red } .x::before { content: "樣式文字" }</style>
<script>var s = "<p>腳本裏的段落</p>"; document.write(s);</script>
</head>
<body>
<header><div class="logo">網站標誌</div><h1>原標題：{title}</h1></header>
<nav><ul><li><a href="/">首頁</a></li><li>導航</li></ul></nav>
<article>
<p>{p1}</p>
<p>會上，<b>九地市</b>政協主席&amp;委員作了&#x4EA4;流發言。<br>第二行
成了一段。</p>
<script>console.log("不要")</script>
<p>   </p>
<form><p>表單裏的字</p></form>
</article>
<aside><p>相關閱讀</p></aside>
<footer><p>版權所有</p></footer>
</body></html>
"""


def test_html_reader(tmp_path):
    page = HTML.replace("{title}", TITLE_T).replace("{p1}", BODY_T[0])
    article = read_one(write(tmp_path / "a.html", page))
    assert article.title == TITLE_T  # the <h1>, prefix stripped
    assert texts(article) == [
        BODY_T[0],
        "會上，九地市政協主席&委員作了交流發言。",
        "第二行成了一段。",
    ]
    assert article.byline == "盛游"
    assert article.date == "2019-12-12"
    # the site that published the page (its <title> suffix) is the outlet; the dateline
    # of the first paragraph stays the dateline
    assert article.outlet == "金華新聞網"
    assert article.dateline == "金華日報消息"
    assert article.format == "html"
    for text in [article.title, *texts(article)]:
        for junk in ("腳本", "樣式", "首頁", "導航", "表單", "相關", "版權", "網站標誌"):
            assert junk not in text


def test_htm_without_h1_uses_title_and_without_p_uses_blocks(tmp_path):
    page = (
        "<html><head><title>只有標題</title></head>"
        "<body><div>第一塊。</div><div>第二塊。</div></body></html>"
    )
    article = read_one(write(tmp_path / "b.htm", page))
    assert article.title == "只有標題"
    assert texts(article) == ["第一塊。", "第二塊。"]
    assert article.format == "html"


def test_html_unclosed_and_stray_tags(tmp_path):
    page = "<h1>標題</h2><p>第一段<p>第二段</div></span><div>塊</div><p>第三段"
    article = read_one(write(tmp_path / "c.html", page))
    assert article.title == "標題"
    assert texts(article) == ["第一段", "第二段", "第三段"]


def test_html_survives_deep_nesting(tmp_path):
    depth = 20000
    page = "<h1>深</h1>" + "<div><span>" * depth + "<p>最深處的段落。</p>" + "</span></div>" * depth
    article = read_one(write(tmp_path / "deep.html", page))
    assert texts(article) == ["最深處的段落。"]


@pytest.mark.parametrize("junk", ["<![title<p>", "<![<p>", "<!x [", "<![CDATA[x"])
def test_html_malformed_declarations_do_not_crash(tmp_path, junk):
    page = f"<h1>標題</h1><p>第一段。</p>{junk}<p>第二段。</p>"
    article = read_one(write(tmp_path / "m.html", page))
    assert article.title == "標題"
    assert texts(article)[0] == "第一段。"


def test_html_h2_before_the_body_is_the_subtitle(tmp_path):
    page = "<h1>標題</h1><h2>副標題</h2><p>正文。</p><h2>小節</h2><p>更多。</p>"
    article = read_one(write(tmp_path / "d.html", page))
    assert article.subtitle == "副標題"
    assert texts(article) == ["正文。", "更多。"]


# ---------------------------------------------------------------- .json / .jsonl


def record(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


def test_json_one_article(tmp_path):
    data = record(
        title=TITLE_S,
        content="\n".join(BODY_S),
        source="金华日报",
        time="2019-12-12 10:00:00",
        author="盛游",
    )
    article = read_one(write(tmp_path / "a.json", data))
    assert article.title == TITLE_S
    assert texts(article) == BODY_S
    assert (article.outlet, article.byline, article.date) == ("金华日报", "盛游", "2019-12-12")
    assert article.date_text == "12月11日至12日"
    assert article.record == 0
    assert article.format == "json"


@pytest.mark.parametrize("key", ["body", "text"])
def test_json_body_field_names(tmp_path, key):
    article = read_one(write(tmp_path / "b.json", record(title="標題", **{key: "一段。\n二段。"})))
    assert texts(article) == ["一段。", "二段。"]


def test_json_body_as_list_and_as_html(tmp_path):
    as_list = read_one(
        write(tmp_path / "l.json", record(title="標題", content=["一段。", "二段。"]))
    )
    assert texts(as_list) == ["一段。", "二段。"]
    as_html = read_one(
        write(
            tmp_path / "h.json", record(title="標題", content="<p>一段。</p><p>二<b>段</b>。</p>")
        )
    )
    assert texts(as_html) == ["一段。", "二段。"]


def test_json_without_title_takes_the_first_line(tmp_path):
    article = read_one(write(tmp_path / "n.json", record(content="標題行\n正文。")))
    assert article.title == "標題行"
    assert texts(article) == ["正文。"]


def test_json_date_from_pubtime_timestamp(tmp_path):
    article = read_one(
        write(tmp_path / "t.json", record(title="標題", text="正文。", pubtime=1576108800))
    )
    assert article.date == "2019-12-12"


def test_json_broken_file_names_line_and_column(tmp_path):
    error = read_error(write(tmp_path / "bad.json", '{\n  "title": "標題",\n  "content": }\n'))
    assert error.line == 3
    assert error.reason.startswith("invalid JSON")
    assert "column" in error.reason
    assert str(error).startswith(f"{tmp_path / 'bad.json'}:3: invalid JSON")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": 5, "content": "正文"}, "field 'title' must be a string, not a int"),
        ({"title": "標題", "content": {"a": 1}}, "field 'content' must be a string or an array"),
        (
            {"title": "標題", "content": "x", "time": [1]},
            "field 'time' must be a string or a number",
        ),
        ({"title": "標題", "content": "x", "author": False}, "field 'author' must be a string"),
    ],
)
def test_json_wrong_field_types(tmp_path, fields, message):
    error = read_error(write(tmp_path / "w.json", json.dumps(fields)))
    assert message in error.reason


def test_json_array_of_articles(tmp_path):
    data = json.dumps([{"title": "一", "content": "甲。"}, [1], {"title": "三", "content": "丙。"}])
    articles, errors = read_file(write(tmp_path / "arr.json", data))
    assert [a.title for a in articles] == ["一", "三"]
    assert [a.record for a in articles] == [1, 3]
    assert len(errors) == 1
    assert "record 2: expected a JSON object, not an array" in errors[0].reason


def test_jsonl_broken_line_is_reported_and_others_load(tmp_path):
    lines = [
        record(title="第一篇", content="甲段。\n乙段。", source="金华日报"),
        '{"title": "第二篇", "content": "沒有結尾',
        "",
        record(title="第四篇", content="丁段。", author="张三", date="2019年12月12日"),
        record(title=["不是字串"], content="x"),
        "[1, 2]",
    ]
    path = write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n")
    articles, errors = read_file(path)
    assert [(a.title, a.record) for a in articles] == [("第一篇", 1), ("第四篇", 4)]
    assert texts(articles[0]) == ["甲段。", "乙段。"]
    assert articles[0].outlet == "金华日报"
    assert (articles[1].byline, articles[1].date) == ("张三", "2019-12-12")
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (2, "invalid JSON"),
        (5, "field 'title' must be a string, not an array"),
        (6, "expected a JSON object, not an array"),
    ]
    assert str(errors[0]).startswith(f"{path}:2: invalid JSON")
    # each record has its own stable id
    assert articles[0].id != articles[1].id
    assert articles[1].id == hashlib.sha1(f"{path.resolve()}#4".encode()).hexdigest()[:16]
    assert [a.id for a in read_file(path)[0]] == [a.id for a in articles]
    assert all(a.file_hash == file_digest(path) for a in articles)


def test_jsonl_deeply_nested_line_is_an_error_not_a_crash(tmp_path):
    path = write(tmp_path / "deep.jsonl", "[" * 100000 + "\n" + record(title="好", content="行。"))
    articles, errors = read_file(path)
    assert [a.title for a in articles] == ["好"]
    assert errors[0].line == 1


# ---------------------------------------------------------------- bad files


def test_empty_file(tmp_path):
    assert read_error(write(tmp_path / "empty.txt", b"")).reason == "empty file"


def test_whitespace_only_file(tmp_path):
    assert "empty file" in read_error(write(tmp_path / "ws.txt", " \n\t\n")).reason


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "PNG image"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(64), "ELF executable"),
        ("標題\n\x00\x00\x00內容".encode(), "NUL bytes"),
    ],
)
def test_binary_file(tmp_path, data, kind):
    reason = read_error(write(tmp_path / "pic.txt", data)).reason
    assert reason.startswith("binary file")
    assert kind in reason


def test_undecodable_file(tmp_path):
    reason = read_error(write(tmp_path / "junk.txt", bytes(range(0x80, 0x100)) * 8)).reason
    assert reason.startswith("cannot decode")


def test_size_cap_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no disk used

    def no_open(*args, **kwargs):
        raise AssertionError("an over-size file must not be opened")

    monkeypatch.setattr("builtins.open", no_open)
    assert read_error(path).reason == "file is 200.0 MB, over the 64 MB limit"
    assert MAX_FILE_BYTES == 64 * 1024 * 1024


def test_size_cap_from_the_environment(tmp_path, monkeypatch):
    path = write(tmp_path / "a.txt", "標題\n" + "正文。" * 1000)  # 9 kB
    monkeypatch.setenv("G60_READER_MAX_FILE_MB", "0.005")
    assert read_error(path).reason == "file is 0.009 MB, over the 0.005 MB limit"
    monkeypatch.setenv("G60_READER_MAX_FILE_MB", "1")
    assert read_one(path).title == "標題"
    monkeypatch.setenv("G60_READER_MAX_FILE_MB", "lots")
    assert readers.max_file_bytes() == MAX_FILE_BYTES


def test_unsupported_suffix_named_explicitly(tmp_path):
    reason = read_error(write(tmp_path / "doc.pdf", "標題")).reason
    assert reason.startswith("unsupported file type '.pdf'")


def test_missing_file_and_directory(tmp_path):
    assert read_error(tmp_path / "none.txt").reason == "no such file or directory"
    (tmp_path / "dir.txt").mkdir()
    assert read_error(tmp_path / "dir.txt").reason == "is a directory"


# ---------------------------------------------------------------- ids and hashes


def test_ids_are_stable_and_path_based(tmp_path):
    a = write(tmp_path / "a.txt", "標題\n正文。")
    b = write(tmp_path / "b.txt", "標題\n正文。")
    first, again, other = read_one(a), read_one(a), read_one(b)
    assert first.id == again.id
    assert first.id != other.id
    expected = hashlib.sha1(str(a.resolve()).encode()).hexdigest()[:16]
    assert first.id == expected
    assert first.content_hash == other.content_hash  # same text
    assert first.file_hash == file_digest(a) == hashlib.sha256(a.read_bytes()).hexdigest()
    write(b, "標題\n另一段。")
    assert read_one(b).content_hash != first.content_hash


def test_given_digest_is_used(tmp_path):
    path = write(tmp_path / "a.txt", "標題\n正文。")
    articles, _ = read_file(path, digest="f" * 64)
    assert articles[0].file_hash == "f" * 64


# ---------------------------------------------------------------- directories


def build_tree(root: Path) -> None:
    write(root / "b.txt", "乙\n乙文。")
    write(root / "a.md", "# 甲\n甲文。")
    write(root / "sub" / "c.html", "<h1>丙</h1><p>丙文。</p>")
    write(root / "sub" / "deeper" / "d.jsonl", record(title="丁", content="丁文。"))
    write(root / "sub" / "e.json", record(title="戊", content="戊文。"))
    write(root / "sub" / "notes.pdf", "不讀")
    write(root / "sub" / "image.png", b"\x89PNG\r\n\x1a\n")
    write(root / ".hidden" / "x.txt", "隱\n隱藏。")
    write(root / ".secret.txt", "隱\n隱藏。")


def test_directory_tree_is_walked_recursively_in_order(tmp_path):
    build_tree(tmp_path)
    found = list(iter_source_files([tmp_path]))
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.md",
        "b.txt",
        "sub/c.html",
        "sub/deeper/d.jsonl",
        "sub/e.json",
    ]
    titles = [item.title for item in load_paths([tmp_path]) if isinstance(item, Article)]
    assert titles == ["甲", "乙", "丙", "丁", "戊"]


def test_symlink_loops_are_safe(tmp_path):
    build_tree(tmp_path)
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    os.symlink(tmp_path / "sub", tmp_path / "sub" / "deeper" / "up")
    os.symlink(tmp_path / "b.txt", tmp_path / "z_link.txt")
    found = list(iter_source_files([tmp_path, tmp_path / "b.txt"]))
    assert len(found) == 5  # each file once, however many ways lead to it
    assert all(isinstance(p, Path) for p in found)


def test_missing_paths_and_unreadable_dirs_are_errors(tmp_path, monkeypatch):
    build_tree(tmp_path)
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "sub":
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(iter_source_files([tmp_path / "nope", tmp_path]))
    assert items[0] == ReadError(str(tmp_path / "nope"), "no such file or directory")
    errors = [i for i in items if isinstance(i, ReadError)]
    assert errors[1] == ReadError(str(tmp_path / "sub"), "cannot read directory: permission denied")
    assert [p.name for p in items if isinstance(p, Path)] == ["a.md", "b.txt"]


def test_load_paths_reports_bad_files_and_loads_the_others(tmp_path):
    write(tmp_path / "1.txt", "好\n好文。")
    write(tmp_path / "2.txt", b"")
    write(tmp_path / "3.jsonl", "{\n" + record(title="三", content="三文。"))
    items = list(load_paths([tmp_path]))
    kinds = [(type(i).__name__, getattr(i, "title", getattr(i, "reason", ""))) for i in items]
    assert kinds[0] == ("Article", "好")
    assert kinds[1] == ("ReadError", "empty file")
    assert kinds[2][0] == "ReadError" and kinds[2][1].startswith("invalid JSON")
    assert kinds[3] == ("Article", "三")


def test_supported_suffixes():
    assert {".txt", ".md", ".html", ".htm", ".json", ".jsonl"} == SUPPORTED_SUFFIXES
