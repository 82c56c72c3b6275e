"""Queries ending in one Han character after digits or Latin letters (``1998年``,
``31日``, ``G60科``): every backend finds exactly the paragraphs holding the string.

The index gives the last character of such a query no term of its own in ``1998年度``
(the position after ``1998`` holds the bigram ``年度``), so the parser makes the phrase's
last term *open* (any term starting with the character). The corpus, built here, mixes
those strings inside longer Han runs (``1998年度计划``, ``1月31日电``, ``G60科创走廊``,
``2019年3月5日``), at the end of a run (``1998年，``, ``31日。``, ``G60科``), in
Traditional script, and near misses a digit run must not match (``21日`` is not
``1日``). Each backend's hit set must equal a brute-force scan of the stored paragraphs
(the query string at a token start of the folded, normalised text) and the reference's.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.analyzer import HAN_RE, fold_normalise, normalise

from .conftest import BACKENDS, _drop_index

FILLER = ["经济", "社会", "发展", "会议", "政府", "城市", "人才", "市场", "投资", "产业"]
DATED = [
    "1998年度计划",
    "1998年",
    "1998年1月",
    "1998年G60",
    "1月31日电",
    "31日",
    "1日",
    "21日",
    "11月1日",
    "2019年3月5日",
    "3月5日起",
    "3月5",
    "G60科创走廊",
    "G60科",
    "G60",
    "二〇〇〇年",
    "年度",
    "日报",
    "科技",
]
TITLES = ["2019年工作报告", "1998年回顾", "G60科创观察", "经济新闻", "G60科"]
OUTLETS = ["嘉兴日报", "人民日报", "新华网"]

EXPANSIONS = 1500

QUERIES = [
    "1998年",
    "31日",
    "1日",
    "G60科",
    "g60科",
    "3月5",
    "3月5日",
    "2019年3月5日",
    "1998年度",
    "31號",
    "1998年 经济",
    "1998年 OR 31日",
    "1998年 -计划",
    '"1998年"',
]


def _paragraph(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(4, 10)):
        r = rng.random()
        if r < 0.45:
            parts.append(rng.choice(FILLER))
        elif r < 0.85:
            parts.append(rng.choice(DATED))
        else:
            parts.append(rng.choice(["，", "。", "、"]))
    text = "".join(parts) + "。"
    return to_traditional(text).replace("日电", "日電") if rng.random() < 0.25 else text


def write_corpus(root: Path) -> Path:
    rng = random.Random(1998)
    news = root / "dated"
    news.mkdir(parents=True)
    for k in range(70):
        paras = [_paragraph(rng) for _ in range(rng.randint(2, 5))]
        if k % 7 == 0:
            paras.append("新华社杭州1月31號電（记者张伟）G60科創走廊1998年度計劃公布。")
        title = rng.choice(TITLES)
        outlet = rng.choice(OUTLETS)
        text = "\n".join([title, f"2023年{1 + k % 12}月{1 + k % 28}日　{outlet}", *paras])
        (news / f"{k:03d}.txt").write_text(text + "\n", encoding="utf-8")
    # more terms starting with 年 than Lucene's default clause limit (1024): a year
    # followed by 1,500 different characters (a span prefix query would be refused)
    chars = [chr(0x4E00 + 13 * i) for i in range(EXPANSIONS)]
    for k in range(0, EXPANSIONS, 100):
        paras = [
            "".join(f"1998年{c}经济，" for c in chars[j : j + 20]) + "。"
            for j in range(k, k + 100, 20)
        ]
        text = "\n".join([f"年鉴{k}", "1999年1月1日　新华网", *paras])
        (news / f"yearbook-{k:04d}.txt").write_text(text + "\n", encoding="utf-8")
    return news


@pytest.fixture(scope="module")
def dated_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("open-end"))


@pytest.fixture(scope="module")
def dated_reference(dated_corpus):
    from g60_reader.index.registry import open_backend

    b = open_backend(f"memory:open-end-{id(dated_corpus)}")
    if not b.exists():
        report = b.update([dated_corpus], procs=1)
        assert report.failed == [], report.failed
    return b


@pytest.fixture(scope="module", params=BACKENDS)
def dated(request, dated_corpus, dated_reference, tmp_path_factory):
    from g60_reader.index.registry import open_backend

    name = request.param
    if name == "memory":
        yield dated_reference
        return
    if name == "opensearch":
        node = request.getfixturevalue("opensearch_url")
        url = f"opensearch+{node}/g60-open-end-{os.getpid()}"
    else:
        url = f"whoosh:{tmp_path_factory.mktemp('open-end-whoosh') / 'index'}"
    b = open_backend(url)
    if name == "opensearch" and b.exists():
        _drop_index(node, url)
    report = b.update([dated_corpus], procs=1)
    assert report.failed == [], report.failed
    yield b
    b.close()
    if name == "opensearch":
        _drop_index(node, url)


def _found(backend, query: str) -> set[tuple[str, int]]:
    result = backend.search(query, pagelen=1000, all_copies=True)
    assert result.error is None, (query, result.error)
    assert result.total == len(result.hits)
    return {(h.article_id, h.paragraph) for h in result.hits}


def _paragraphs(backend) -> list[tuple[str, int, str, str]]:
    """(article id, paragraph number, normalised paragraph, normalised title)."""
    out = []
    for summary in backend.list_articles():
        stored = backend.article(summary.article_id)
        assert stored is not None
        title = fold_normalise(stored.article.title)
        for p in stored.article.paragraphs:
            out.append((summary.article_id, p.number, normalise(p.folded), title))
    return out


def _at_token_start(query: str) -> re.Pattern[str]:
    """The normalised query where the index can hold it: a digit or Latin run is one
    whole term, so ``1日`` is not in ``21日``, nor ``3月5`` in ``3月5g60``."""
    norm = fold_normalise(query)
    latin = rf"(?!{HAN_RE.pattern})[^\W_]"  # a letter or digit of a Latin/digit run
    before = "" if HAN_RE.match(norm[0]) else f"(?<!{latin})"
    after = "" if HAN_RE.match(norm[-1]) else f"(?!{latin})"
    return re.compile(before + re.escape(norm) + after)


def _brute(paragraphs, query: str) -> set[tuple[str, int]]:
    pattern = _at_token_start(query)
    return {(aid, n) for aid, n, text, _title in paragraphs if pattern.search(text)}


def test_the_corpus_has_every_case(dated_reference):
    texts = [text for _a, _n, text, _t in _paragraphs(dated_reference)]
    for needle in ("1998年度计划", "1998年,", "1998年g60", "31日电", "31号电", "21日", "g60科创"):
        assert any(needle in t for t in texts), needle
    assert any("g60科。" in t or "g60科," in t for t in texts)  # full-width comma: ","
    heads = {m.group() for t in texts for m in re.finditer(r"年[\u4e00-\u9fff]", t)}
    assert len(heads) > 1024  # some of the 1,500 fold into one another


@pytest.mark.parametrize(
    "query", ["1998年", "31日", "1日", "G60科", "g60科", "3月5", "3月5日", "2019年3月5日"]
)
def test_hits_are_the_paragraphs_holding_the_string(dated, query):
    paragraphs = _paragraphs(dated)
    expected = _brute(paragraphs, query)
    assert expected, query
    assert _found(dated, query) == expected
    # the string in a longer Han run is found too (the case the open end is for)
    if query in ("1998年", "31日", "G60科"):
        inside = {
            (a, n)
            for a, n, text, _t in paragraphs
            if re.search(_at_token_start(query).pattern + r"[\u4e00-\u9fff]", text)
        }
        assert inside and inside <= _found(dated, query)


def test_a_digit_run_is_a_whole_term(dated):
    paragraphs = _paragraphs(dated)
    found = _found(dated, "1日")
    near = {
        (a, n)
        for a, n, text, _t in paragraphs
        if "21日" in text and "1日" not in text.replace("21日", "")
    }
    assert near and not (near & found)


def test_traditional_queries_find_both_scripts(dated):
    assert _found(dated, "31號") == _found(dated, "31号") == _brute(_paragraphs(dated), "31号")


@pytest.mark.parametrize("query", QUERIES)
def test_same_hits_and_spans_as_the_reference(dated, dated_reference, query):
    got = dated.search(query, pagelen=1000, all_copies=True)
    want = dated_reference.search(query, pagelen=1000, all_copies=True)
    assert got.error is None and want.error is None, (got.error, want.error)
    assert {(h.article_id, h.paragraph, h.spans) for h in got.hits} == {
        (h.article_id, h.paragraph, h.spans) for h in want.hits
    }
    assert (got.total, got.articles) == (want.total, want.articles)


def test_the_spans_cover_the_string_inside_a_run(dated):
    result = dated.search("1998年", pagelen=1000, all_copies=True)
    inside = 0
    for hit in result.hits:
        norm = fold_normalise(hit.text)
        for m in re.finditer("1998年", norm):
            assert (m.start(), m.end()) in set(hit.spans)
            inside += norm[m.end() : m.end() + 1] == "度"
    assert inside


@pytest.mark.parametrize("query", ["title:2019年", "title:G60科", "title:1998年"])
def test_title_open_end(dated, query):
    paragraphs = _paragraphs(dated)
    pattern = _at_token_start(query.split(":", 1)[1])
    expected = {(a, n) for a, n, _text, title in paragraphs if pattern.search(title)}
    assert expected
    assert _found(dated, query) == expected
