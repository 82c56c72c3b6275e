"""Search on the bundled sample: the gold queries, spans, paging, errors, enrichment."""

from __future__ import annotations

import re

import pytest

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import EntitySpan
from g60_reader.corpus.readers import load_sample
from g60_reader.index import analyzer
from g60_reader.index.backends.whoosh import store
from g60_reader.index.backends.whoosh.search import WhooshBackend
from tests.support import open_sample_index


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("home")
    mp.setenv("G60_READER_HOME", str(path))
    yield path
    mp.undo()


@pytest.fixture(scope="module")
def backend(home) -> WhooshBackend:
    b = open_sample_index(home / "index")
    yield b
    b.close()


@pytest.fixture(scope="module")
def article():
    return load_sample()


def paragraphs_with(article, *words: str, without: tuple[str, ...] = ()) -> set[int]:
    out = set()
    for p in article.paragraphs:
        folded = fold(p.text)
        if all(fold(w) in folded for w in words) and not any(fold(w) in folded for w in without):
            out.add(p.number)
    return out


def hit_set(backend, query: str) -> set[int]:
    res = backend.search(query, pagelen=100)
    assert res.ok, res.error
    assert res.total == len(res.hits)
    return {h.paragraph for h in res.hits}


def allowed_terms(backend, words: list[str]) -> set[str]:
    allowed = {analyzer.fold_normalise(w) for w in words}
    for w in words:
        allowed.update(backend.expand_pinyin(w))
    return allowed


def check_spans(backend, query: str, words: list[str]) -> None:
    """Each span, folded, is a query word or a pinyin match; all occurrences are found."""
    allowed = allowed_terms(backend, words)
    res = backend.search(query, pagelen=100)
    assert res.hits
    for hit in res.hits:
        assert hit.spans, f"{query}: paragraph {hit.paragraph} has no span"
        for start, end in hit.spans:
            assert analyzer.fold_normalise(hit.text[start:end]) in allowed
        assert list(hit.spans) == sorted(hit.spans)
        assert all(a[1] <= b[0] for a, b in zip(hit.spans, hit.spans[1:], strict=False))
        occurrences = sum(
            len(re.findall(re.escape(t), analyzer.fold_normalise(hit.text))) for t in allowed
        )
        assert len(hit.spans) == occurrences
        first = hit.spans[0]
        assert hit.text[hit.snippet_start : hit.snippet_start + len(hit.snippet)] == hit.snippet
        assert hit.snippet_start <= first[0] < hit.snippet_start + len(hit.snippet)


def test_gold_queries_all_have_tests(gold):
    assert [q["q"] for q in gold["queries"]] == [
        "科创走廊",
        "長三角",
        '"科創走廊"',
        "嘉兴 杭州",
        "jinhua",
        "零跑",
        "政协 -主席",
    ]


def test_simplified_query_finds_traditional_text(backend, article):
    expected = paragraphs_with(article, "科創走廊")
    assert expected and hit_set(backend, "科创走廊") == expected
    check_spans(backend, "科创走廊", ["科创走廊"])


def test_both_scripts_give_identical_hits(backend, article):
    trad = backend.search("長三角", pagelen=100)
    simp = backend.search("长三角", pagelen=100)
    assert [(h.paragraph, h.spans) for h in trad.hits] == [
        (h.paragraph, h.spans) for h in simp.hits
    ]
    assert {h.paragraph for h in trad.hits} == paragraphs_with(article, "長三角")
    check_spans(backend, "長三角", ["長三角"])


def test_phrase(backend, article):
    assert hit_set(backend, '"科創走廊"') == paragraphs_with(article, "科創走廊")
    check_spans(backend, '"科創走廊"', ["科創走廊"])
    # a phrase holding a stop word
    assert hit_set(backend, '"科技与产业"') == paragraphs_with(article, "科技與產業")


def test_two_words_find_the_lead_paragraph(backend, article):
    hits = hit_set(backend, "嘉兴 杭州")
    assert hits == {1} == paragraphs_with(article, "嘉興", "杭州")
    assert article.paragraphs[0].text.startswith(article.dateline)
    check_spans(backend, "嘉兴 杭州", ["嘉兴", "杭州"])


def test_pinyin_finds_the_han_word(backend, article):
    assert "金华" in backend.expand_pinyin("jinhua")
    assert hit_set(backend, "jinhua") == paragraphs_with(article, "金華")
    assert hit_set(backend, "jh") >= paragraphs_with(article, "金華")
    check_spans(backend, "jinhua", ["jinhua"])
    assert hit_set(backend, "changsanjiao") == paragraphs_with(article, "長三角")


def test_pinyin_ranks_below_direct_matches(backend):
    direct = backend.search("金华")
    via_pinyin = backend.search("jinhua")
    assert [h.paragraph for h in direct.hits] == [h.paragraph for h in via_pinyin.hits]
    assert direct.hits[0].score > via_pinyin.hits[0].score


def test_word_inside_a_longer_word(backend, article):
    last = article.paragraphs[-1].number
    assert hit_set(backend, "零跑") == {last} == paragraphs_with(article, "零跑")
    assert hit_set(backend, "三角") == paragraphs_with(article, "三角")
    assert hit_set(backend, "走廊") == paragraphs_with(article, "走廊")
    check_spans(backend, "零跑", ["零跑"])


def test_exclusion(backend, article):
    expected = paragraphs_with(article, "政協", without=("主席",))
    assert expected
    assert hit_set(backend, "政协 -主席") == expected
    assert hit_set(backend, "政协 NOT 主席") == expected
    check_spans(backend, "政协 -主席", ["政协"])


def test_or_and_parentheses(backend, article):
    assert hit_set(backend, "零跑 OR 嘉兴") == paragraphs_with(article, "零跑") | paragraphs_with(
        article, "嘉興"
    )
    assert hit_set(backend, "(零跑 OR 嘉兴) 杭州") == paragraphs_with(article, "嘉興", "杭州")


def test_latin_tokens(backend, article):
    assert hit_set(backend, "G60") == paragraphs_with(article, "G60")
    assert hit_set(backend, "Ｇ６０") == paragraphs_with(article, "G60")
    assert hit_set(backend, "3.0") == paragraphs_with(article, "3.0")


def test_title_and_outlet_fields(backend, article):
    every = {p.number for p in article.paragraphs}
    assert hit_set(backend, "title:G60") == every
    assert hit_set(backend, "title:科創走廊 零跑") == paragraphs_with(article, "零跑")
    assert hit_set(backend, "title:零跑") == set()
    assert hit_set(backend, "outlet:金华日报") == every
    assert hit_set(backend, "outlet:新华社") == set()


def test_counts_and_pages(backend, article):
    res = backend.search("科创", pagelen=2)
    expected = paragraphs_with(article, "科創")
    assert res.total == len(expected) and res.articles == 1
    seen = []
    page = 1
    while True:
        r = backend.search("科创", page=page, pagelen=2)
        if not r.hits:
            break
        assert len(r.hits) <= 2
        seen += [h.paragraph for h in r.hits]
        page += 1
    assert sorted(seen) == sorted(expected)
    scores = [h.score for h in backend.search("科创", pagelen=100).hits]
    assert scores == sorted(scores, reverse=True)


def test_hits_carry_article_fields(backend, article):
    hit = backend.search("零跑").hits[0]
    assert hit.article_id == article.id
    assert hit.title == article.title
    assert hit.outlet == article.outlet
    assert hit.text == article.paragraphs[-1].text


def test_did_you_mean(backend):
    res = backend.search("金化")  # a homophone typo of 金华
    assert res.total == 0
    assert "金华" in res.suggestions


@pytest.mark.parametrize(
    "query",
    ["", "   ", "foo:bar", "a)", "-主席", "NOT 主席", "\x00", "x" * 10_000, "\ud800", "😀😀", "OR"],
)
def test_bad_queries_give_errors(backend, query):
    res = backend.search(query)
    assert res.error and "\n" not in res.error
    assert res.total == 0 and not res.hits


def test_article_round_trip(backend, article):
    stored = backend.article(article.id)
    assert stored is not None
    assert stored.article.title == article.title
    assert [p.text for p in stored.article.paragraphs] == [p.text for p in article.paragraphs]
    assert [p.folded for p in stored.article.paragraphs] == [p.folded for p in article.paragraphs]
    assert stored.article.damage == article.damage
    assert backend.article("nope") is None
    (summary,) = backend.list_articles()
    assert summary.article_id == article.id and summary.paragraphs == len(article.paragraphs)
    st = backend.stats()
    assert (st.articles, st.paragraphs) == (1, len(article.paragraphs))
    assert st.size_bytes > 0 and st.last_update is not None


def _places(text: str, folded: str) -> list[EntitySpan]:
    """A small real recogniser: the sample's place names, found in the folded text."""
    out = []
    for name in ("金华", "嘉兴", "杭州"):
        for m in re.finditer(name, folded):
            out.append(EntitySpan(m.start(), m.end(), "place", text[m.start() : m.end()]))
    return out


def test_enrichment_adds_entity_fields_without_jieba(home, article):
    index_dir = home / "enrich-index"
    store.update(index_dir, [load_sample_path()])
    before = analyzer.counters["segment"]
    n = store.enrich(index_dir, _places)
    assert n == len(article.paragraphs)
    assert analyzer.counters["segment"] == before  # no re-segmentation
    b = WhooshBackend(index_dir)
    try:
        assert b.stats().enriched_paragraphs == len(article.paragraphs)
        assert hit_set(b, "place:金华") == paragraphs_with(article, "金華")
        assert hit_set(b, "place:嘉興 杭州") == paragraphs_with(article, "嘉興", "杭州")
        # the body is still searchable exactly as before
        assert hit_set(b, "科创走廊") == paragraphs_with(article, "科創走廊")
        facets = b.facets("科创")
        top = dict(facets["place"])
        assert top["金華"] == len(paragraphs_with(article, "科創", "金華"))
        stored = b.article(article.id)
        assert stored.enriched
        spans = [e for ents in stored.entities.values() for e in ents]
        assert spans and all(e.text in ("金華", "嘉興", "杭州") for e in spans)
        assert store.enrich(index_dir, _places) == 0  # nothing left to do
    finally:
        b.close()


def load_sample_path():
    from g60_reader.corpus.readers import SAMPLE_PATH

    return SAMPLE_PATH


def test_top_entities_over_the_whole_index(home, article):
    from g60_reader.index.errors import IndexUnavailable

    index_dir = home / "entities-index"
    store.update(index_dir, [load_sample_path()])
    backend = WhooshBackend(index_dir)
    assert backend.top_entities(None, 5) == {t: [] for t in ENTITY_TYPES_}
    backend.enrich(_places)
    top = backend.top_entities("place", 2)
    counts = {name: len(paragraphs_with(article, name)) for name in ("金华", "嘉兴", "杭州")}
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    assert top == {"place": expected}
    with pytest.raises(IndexUnavailable, match="no index at"):
        WhooshBackend(home / "missing").top_entities(None, 5)
    with pytest.raises(ValueError, match="unknown entity type"):
        backend.top_entities("weather", 5)
    backend.close()


ENTITY_TYPES_ = ("person", "place", "organization", "date", "initiative")


def test_enrichment_in_worker_processes_matches_in_process(home, article):
    serial, parallel = home / "enrich-serial", home / "enrich-parallel"
    for index_dir in (serial, parallel):
        store.update(index_dir, [load_sample_path()])
    assert store.enrich(serial, _places) == store.enrich(
        parallel, _places, procs=2, batch_articles=1
    )
    a, b = WhooshBackend(serial), WhooshBackend(parallel)
    try:
        assert a.article(article.id).entities == b.article(article.id).entities
        assert hit_set(a, "place:杭州") == hit_set(b, "place:杭州") != set()
    finally:
        a.close()
        b.close()


def test_warm_up_loads_the_pinyin_lexicon_and_pypinyin(home, backend):
    fresh = WhooshBackend(home / "index")
    try:
        assert fresh._lex_mtime is None  # nothing loaded by opening
        seconds = fresh.warm_up()
        assert seconds >= 0
        assert fresh._lex_mtime is not None  # the lexicon is in memory now
        assert fresh._by_key  # and it is the real one: pinyin keys of the sample's words
        from g60_reader.index import pinyin

        assert pinyin._READY
        # a warmed backend answers a pinyin query the same way as a cold one
        cold = WhooshBackend(home / "index")
        assert hit_set(fresh, "jinhua") == hit_set(cold, "jinhua")
        assert hit_set(fresh, "jinhua")
        cold.close()
    finally:
        fresh.close()


def test_warm_up_never_raises_on_a_vanished_index(tmp_path):
    home = tmp_path / "h"
    backend = open_sample_index(home / "index")
    import shutil

    shutil.rmtree(home / "index")
    assert backend.warm_up() >= 0
    backend.close()
