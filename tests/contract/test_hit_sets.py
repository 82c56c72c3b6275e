"""Every backend finds the same paragraphs, with the same spans, for the same query.

The queries are those of the search tests (the gold queries of the sample, the fast
path's fixed set, the parser's examples) and more: terms, sub-words, phrases, AND, OR,
NOT, grouping, fields, entity filters, pinyin, Latin tokens, dates. The memory backend
evaluates each query node by its definition; any other backend must agree with it on
the hit set (article, paragraph, spans). Scores may differ.
"""

from __future__ import annotations

import pytest

QUERIES = [
    # the sample's gold queries
    "科创走廊",
    "長三角",
    '"科創走廊"',
    "嘉兴 杭州",
    "jinhua",
    "零跑",
    "政协 -主席",
    # sub-words, single characters, scripts
    "三角",
    "科創",
    "经",
    "济",
    "嘉 兴",
    "经济社会",
    '"数字经济"',
    '"科技与产业"',
    '"经济 社会"',
    "高质量发展 OR 产业园",
    "一体化 长三角 科创走廊",
    # boolean structure
    "经济",
    "经济 社会",
    "经济 OR 社会 OR 科技",
    "经济 -社会",
    "经济 NOT 社会",
    "(经济 OR 科技) 创新",
    "经济 OR (科技 -创新)",
    "-经济 社会",
    "(金华 OR 嘉兴) 科创",
    # fields
    "title:新闻",
    "title:快讯 经济",
    "title:走廊",
    "outlet:嘉兴",
    "outlet:金华日报",
    "outlet:新華網",
    "place:上海",
    "place:嘉兴",
    "person:张伟 经济",
    "person:陳龍",
    "org:浙江大学 OR 数字",
    "org:政协",
    "date:2023-05",
    # pinyin and Latin
    "jingji",
    "shanghai",
    "jx",
    "g60",
    "G60 AI",
    "5G",
    "3.0",
    "gdp",
]


def hit_set(backend, query: str, **options) -> set[tuple[str, int, tuple]]:
    result = backend.search(query, pagelen=1000, **options)
    assert result.error is None, (query, result.error)
    assert result.total == len(result.hits) <= 1000
    return {(h.article_id, h.paragraph, h.spans) for h in result.hits}


@pytest.mark.parametrize("query", QUERIES)
def test_same_hits_as_the_reference(backend, reference, query):
    expected = hit_set(reference, query)
    assert hit_set(backend, query) == expected


def test_the_queries_find_something(reference):
    empty = [q for q in QUERIES if not hit_set(reference, q)]
    assert empty == ['"经济 社会"']  # the corpus never writes a space between them


@pytest.mark.parametrize("query", ["经济", "科创走廊", "place:嘉兴"])
def test_counts_agree(backend, reference, query):
    got, want = backend.search(query), reference.search(query)
    assert (got.total, got.articles) == (want.total, want.articles)


def test_articles_and_duplicates_agree(backend, reference):
    assert {a.article_id for a in backend.list_articles()} == {
        a.article_id for a in reference.list_articles()
    }
    got, want = backend.stats(), reference.stats()
    assert (got.articles, got.paragraphs, got.duplicates) == (
        want.articles,
        want.paragraphs,
        want.duplicates,
    )
    assert got.duplicates == 1  # the Traditional mirror of article 1
    assert got.enriched_paragraphs == got.paragraphs


def test_stored_articles_agree(backend, reference):
    for summary in reference.list_articles()[:40]:
        got = backend.article(summary.article_id)
        want = reference.article(summary.article_id)
        assert got is not None and want is not None
        assert got.article.title == want.article.title
        assert [p.text for p in got.article.paragraphs] == [p.text for p in want.article.paragraphs]
        assert got.entities == want.entities
        assert [c.path for c in got.copies] == [c.path for c in want.copies]


def test_top_entities_agree(backend, reference):
    assert backend.top_entities(None, 5) == reference.top_entities(None, 5)


def test_pinyin_expansions_agree(backend, reference):
    for key in ("jinhua", "jingji", "jx", "shanghai", "kechuang"):
        assert backend.expand_pinyin(key) == reference.expand_pinyin(key), key
