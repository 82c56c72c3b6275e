"""A phrase whose last term is one Han character (``1998年``, ``31日``, ``G60科``): the
parser marks it open (``Phrase.open_end``) and Whoosh's matchers and the array path
(``fastpath``) agree on it, hits, counts and scores, on an index of several segments with
deleted documents, repeated dates in a paragraph (postings with several positions) and
common characters heading many terms.
"""

from __future__ import annotations

import random
import re

import pytest

from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.corpus.model import Article, Paragraph
from g60_reader.index.analyzer import fold_normalise
from g60_reader.index.backends.whoosh import store
from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.index.backends.whoosh.translate import CharPrefix, OpenPhrase, to_whoosh
from g60_reader.index.query import ast as Q
from g60_reader.index.query.parse import parse

from .test_fastpath import assert_same, fixed_andnot  # noqa: F401  (the fixture applies here)

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
    "2019年3月5日",
    "3月5日起",
    "G60科创走廊",
    "G60科",
    "年轻",
    "年龄",
    "日报",
    "中国",
]


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(4, 16)):
        r = rng.random()
        if r < 0.4:
            parts.append(rng.choice(FILLER))
        elif r < 0.85:
            parts.append(rng.choice(DATED))
        elif r < 0.9:  # a bigram starting with 年 / 日 / 中 seen only here and there
            parts.append(rng.choice("年日中") + chr(0x4E00 + rng.randrange(0x5000)))
        else:
            parts.append(rng.choice(["，", "。"]))
    text = "".join(parts) + "。"
    return to_traditional(text) if rng.random() < 0.2 else text


def _article(rng: random.Random, k: int, version: int = 0) -> Article:
    paras = []
    for number in range(1, rng.randint(2, 6) + 1):
        text = _text(rng)
        paras.append(Paragraph(number, text, fold(text)))
    title = rng.choice(["2019年工作报告", "1998年回顾", "G60科创观察", "经济新闻"])
    return Article(
        id=f"d{k:03d}",
        path=f"/fixture/d{k:03d}.txt",
        title=title + ("" if version == 0 else "快讯"),
        outlet=rng.choice(["嘉兴日报", "人民日报"]),
        published=f"1998-{rng.randint(1, 12):02d}-01",
        paragraphs=paras,
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """300 articles in several commits, some updated and some deleted."""
    mp = pytest.MonkeyPatch()
    mp.setenv("G60_READER_HOME", str(tmp_path_factory.mktemp("home")))
    index_dir = tmp_path_factory.mktemp("open-end") / "index"
    rng = random.Random(1998)
    articles = [_article(rng, k) for k in range(300)]
    for start in range(0, 300, 75):
        store.add_articles(index_dir, articles[start : start + 75])
    store.add_articles(index_dir, [_article(rng, k, version=1) for k in range(0, 300, 9)])
    store.delete_articles(index_dir, [f"d{k:03d}" for k in range(5, 300, 13)])
    fast, slow = WhooshBackend(index_dir), WhooshBackend(index_dir, fast=False)
    yield fast, slow
    fast.close()
    slow.close()
    mp.undo()


QUERIES = [
    "1998年",
    "31日",
    "1日",
    "G60科",
    "3月5日",
    "2019年3月5日",
    "1998年 经济",
    "1998年 OR 31日",
    "1998年 -计划",
    "经济 1日",
    "title:1998年",
    "title:2019年 31日",
    '"1998年"',
    "1998年 G60科 3月5日",
]


def test_the_parser_marks_a_lone_last_character_open():
    q = parse("1998年").query
    assert q == Q.Phrase("body", ("1998", "年"), open_end=True)
    assert parse("G60科").query == Q.Phrase("body", ("g60", "科"), open_end=True)
    assert parse("3月5日").query == Q.Phrase("body", ("3", "月", "5", "日"), open_end=True)
    assert parse("1998年").terms == ("1998年",)
    # a longer last run ends in a bigram, a last Latin run is whole: nothing open
    assert parse("1998年度").query == Q.Phrase("body", ("1998", "年度"))
    assert parse("年G60").query == Q.Phrase("body", ("年", "g60"))
    assert parse("年").query == Q.CharPrefix("body", "年")
    # Traditional folds first; title: reads the same way
    assert parse("31號").query == Q.Phrase("body", ("31", "号"), open_end=True)
    title = parse("title:1998年").query
    assert isinstance(title, Q.ArticleField)
    assert title.child == Q.Phrase("title", ("1998", "年"), open_end=True)
    assert title.child.head == ("1998",)


def test_the_whoosh_translation():
    q = to_whoosh(Q.Phrase("body", ("1998", "年"), open_end=True))
    assert type(q) is OpenPhrase and q.words == ["1998", "年"]
    assert q != to_whoosh(Q.Phrase("body", ("1998", "年")))
    assert type(to_whoosh(Q.Phrase("body", ("年",), open_end=True))) is CharPrefix
    with pytest.raises(ValueError):
        OpenPhrase("body", ["年"])


def test_the_index_has_the_hard_cases(pair):
    fast, _slow = pair
    reader = fast.searcher().reader()
    assert len(list(reader.expand_prefix("body", "年"))) > 100
    assert any(sub.reader().has_deletions() for sub, _off in fast.searcher().leaf_searchers())


@pytest.mark.parametrize("query", QUERIES)
def test_fast_and_whoosh_agree(pair, query):
    fast, slow = pair
    assert assert_same(fast, slow, query) > 0
    assert_same(fast, slow, query, page=2)


@pytest.mark.parametrize("query", ["1998年", "31日", "G60科", "2019年3月5日"])
def test_hits_are_exactly_the_paragraphs_holding_the_string(pair, query):
    fast, _slow = pair
    norm = fold_normalise(query)
    pattern = re.compile(r"(?<![0-9a-z])" + re.escape(norm))
    expected = set()
    for summary in fast.list_articles():
        stored = fast.article(summary.article_id)
        assert stored is not None
        for p in stored.article.paragraphs:
            if pattern.search(fold_normalise(p.text)):
                expected.add((summary.article_id, p.number))
    result = fast.search(query, pagelen=1000, all_copies=True)
    assert result.total == len(result.hits)
    assert {(h.article_id, h.paragraph) for h in result.hits} == expected
    # most of them hold it inside a longer Han run (1998年度, 31日电): the case fixed here
    inside = {
        k
        for k in expected
        for p in [fast.article(k[0]).article.paragraphs[k[1] - 1]]  # type: ignore[union-attr]
        if re.search(pattern.pattern + r"[\u4e00-\u9fff]", fold_normalise(p.text))
    }
    assert len(inside) > 10


def test_the_array_path_evaluates_open_phrases_itself(pair):
    fast, _slow = pair
    searcher = fast._view().fast
    assert searcher is not None
    q = to_whoosh(parse("1998年").query)
    out = searcher._open_phrase(q, None)
    assert out is not None and out[0].size == fast.search("1998年", all_copies=True).total
    assert searcher.estimate(q) >= out[0].size
