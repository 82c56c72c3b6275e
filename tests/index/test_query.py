"""The query parser: structure, fields, errors, and never an exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g60_reader.index.query import MAX_QUERY_CHARS, parse
from g60_reader.index.query import ast as Q


def test_implicit_and_of_words():
    p = parse("嘉兴 杭州")
    assert p.error is None
    assert p.query == Q.And((Q.Term("body", "嘉兴"), Q.Term("body", "杭州")))
    assert p.terms == ("嘉兴", "杭州")


def test_word_lengths_map_to_term_phrase_prefix():
    assert parse("零跑").query == Q.Term("body", "零跑")
    assert parse("科").query == Q.CharPrefix("body", "科")
    long = parse("科创走廊").query
    assert isinstance(long, Q.Or)
    assert Q.Phrase("body", ("科创", "创走", "走廊")) in long.children
    assert any(isinstance(q, Q.Term) and q.field == "words" for q in long.children)


def test_traditional_query_is_folded():
    assert parse("長三角").query == parse("长三角").query
    assert parse("長三角").terms == ("长三角",)


def test_or_not_minus_and_parentheses():
    assert parse("a OR b").query == Q.Or((Q.Term("body", "a"), Q.Term("body", "b")))
    assert parse("政协 -主席").query == Q.AndNot(Q.Term("body", "政协"), Q.Term("body", "主席"))
    assert parse("政协 NOT 主席").query == parse("政协 -主席").query
    grouped = parse("(零跑 OR 嘉兴) 杭州").query
    assert isinstance(grouped, Q.And)
    assert isinstance(grouped.children[0], Q.Or)
    assert parse("政协 -主席").terms == ("政协",)  # excluded words are not highlighted


def test_phrases_keep_punctuation_parts_apart():
    p = parse('"科技与产业"')
    assert Q.Phrase("body", ("科技", "技与", "与产", "产业")) in p.query.children
    split = parse('"科创，走廊"').query
    assert isinstance(split, Q.And)


def test_fields():
    title = parse("title:G60").query
    assert isinstance(title, Q.ArticleField)
    assert parse("outlet:金华日报").error is None
    assert parse("place:金華").query == Q.Prefix("place", "金华")
    assert parse("org:零跑").query == Q.Prefix("organization", "零跑")
    date = parse("date:2023-12").query
    assert isinstance(date, Q.Or)
    assert parse('title:"科创 走廊"').error is None
    assert parse("title:(G60 OR 走廊)").error is None


def test_pinyin_expansion_uses_the_expander():
    p = parse("jinhua", expand=lambda w: ["金华"] if w == "jinhua" else [])
    assert isinstance(p.query, Q.Or)
    assert Q.Term("body", "jinhua") in p.query.children
    assert any(q == Q.Term("body", "金华", boost=0.5) for q in p.query.children)
    assert "金华" in p.terms
    assert parse("g60", expand=lambda w: ["不该"]).query == Q.Term("body", "g60")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty query"),
        ("   ", "empty query"),
        ("foo:bar", "unknown field 'foo:'"),
        ("a)", "unbalanced ')'"),
        ("-主席", "only exclude"),
        ("OR", "OR needs a term"),
        ("a OR", "OR needs a term"),
        ("NOT", "NOT needs a term"),
        ("title:", "needs a word"),
        ("x" * (MAX_QUERY_CHARS + 1), "query too long"),
        ("\ud800abc", "lone surrogate"),
        ("😀 ！？", "nothing to search for"),
    ],
)
def test_errors_are_one_line_messages(text, message):
    p = parse(text)
    assert p.query is None
    assert message in p.error
    assert "\n" not in p.error


@pytest.mark.parametrize("text", ['"科创走廊', "(零跑 OR 嘉兴", "a\x00b"])
def test_lenient_readings(text):
    p = parse(text)
    assert p.error is None and p.query is not None


QUERY_ALPHABET = st.sampled_from(
    [*"科创走廊長三角政协主席零跑金华 \t\"'()（）-:：ORNTAD", "OR", "NOT", "title:", "jinhua"]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=60), st.lists(QUERY_ALPHABET, max_size=20).map("".join)))
def test_parse_never_raises(text):
    p = parse(text)
    assert (p.error is None) != (p.query is None)
    if p.error is not None:
        assert "\n" not in p.error


@pytest.fixture(scope="module")
def sample_backend(tmp_path_factory):
    from tests.support import open_sample_index

    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("qhome")
    mp.setenv("G60_READER_HOME", str(home))
    backend = open_sample_index(home / "index")
    yield backend
    backend.close()
    mp.undo()


@settings(max_examples=60, deadline=None)
@given(text=st.lists(QUERY_ALPHABET, min_size=1, max_size=12).map("".join))
def test_search_never_raises(sample_backend, text):
    res = sample_backend.search(text)
    assert res.error is None or not res.hits
    for hit in res.hits:
        assert all(0 <= s < e <= len(hit.text) for s, e in hit.spans)
