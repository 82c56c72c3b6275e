"""The array query evaluator (the Whoosh backend's ``fastpath``) against Whoosh's matchers.

The reference is the same backend with ``fast=False``: every query is run both ways and
must give the same total, the same distinct-article count and the same first page
(same documents in the same order, scores equal up to floating-point summation order).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.matching.binary import AndNotMatcher

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, EntitySpan, Paragraph
from g60_reader.corpus.readers import SAMPLE_PATH, load_sample
from g60_reader.index.backends.whoosh import fastpath, store
from g60_reader.index.backends.whoosh.fastpath import FastSearcher, count_groups, top_hits
from g60_reader.index.backends.whoosh.search import WhooshBackend

# vocabulary of the fixture corpus: two-character words, longer words (phrases), names
WORDS2 = [
    "经济",
    "社会",
    "发展",
    "科技",
    "创新",
    "合作",
    "嘉兴",
    "杭州",
    "会议",
    "项目",
    "企业",
    "市场",
    "人才",
    "政策",
    "文化",
    "交通",
    "生态",
    "数字",
    "产业",
    "城市",
]
WORDS3 = ["长三角", "一体化", "科创走廊", "经济社会", "高质量发展", "数字经济", "产业园"]
NAMES = {
    "person": ["张伟", "李娜"],
    "place": ["上海", "金华", "湖州"],
    "organization": ["浙江大学"],
}
LATIN = ["G60", "AI", "5G"]
ALL_NAMES = [(t, n) for t, ns in NAMES.items() for n in ns]


_ZIPF = [1 / (k + 1) for k in range(len(WORDS2))]


def _paragraph(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(4, 14)):
        r = rng.random()
        if r < 0.6:
            parts.append(rng.choices(WORDS2, _ZIPF)[0])
        elif r < 0.78:
            parts.append(rng.choice(WORDS3))
        elif r < 0.9:
            parts.append(rng.choice(ALL_NAMES)[1])
        elif r < 0.95:
            parts.append(rng.choice(LATIN))
        else:
            parts.append("，")
    return "".join(parts) + "。"


def _article(rng: random.Random, k: int, version: int = 0) -> Article:
    paras = []
    for number in range(1, rng.randint(2, 7) + 1):
        text = _paragraph(rng)
        paras.append(Paragraph(number, text, fold(text)))
    title = "".join(rng.sample(WORDS2, 2)) + ("新闻" if version == 0 else "快讯")
    return Article(
        id=f"art{k:03d}",
        path=f"/fixture/art{k:03d}.txt",
        title=title,
        outlet=rng.choice(["嘉兴日报", "金华日报"]),
        published=f"2023-{rng.randint(1, 12):02d}-01",
        paragraphs=paras,
    )


def _recognise(text: str, folded: str) -> list[EntitySpan]:
    out = []
    for etype, names in NAMES.items():
        for name in names:
            start = folded.find(name)
            while start >= 0:
                out.append(
                    EntitySpan(start, start + len(name), etype, text[start : start + len(name)])
                )
                start = folded.find(name, start + 1)
    return sorted(out, key=lambda e: e.start)


@pytest.fixture(scope="module")
def fixture_index(tmp_path_factory) -> Path:
    """200 articles in several commits, enriched, then some updated and some deleted
    (segments with deleted documents; the common words span several postings
    blocks)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("G60_READER_HOME", str(tmp_path_factory.mktemp("home")))
    index_dir = tmp_path_factory.mktemp("fast") / "index"
    rng = random.Random(60)
    articles = [_article(rng, k) for k in range(200)]
    for start in range(0, 200, 50):
        store.add_articles(index_dir, articles[start : start + 50])
    store.enrich(index_dir, _recognise)
    store.add_articles(index_dir, [_article(rng, k, version=1) for k in range(0, 200, 7)])
    store.delete_articles(index_dir, [f"art{k:03d}" for k in range(3, 200, 11)])
    store.add_articles(index_dir, [_article(rng, k) for k in range(200, 210)])
    yield index_dir
    mp.undo()


def _find_first(self) -> None:
    """Whoosh's ``AndNotMatcher._find_first`` checks the excluded matcher only when it
    starts on the same document; when it starts earlier, the first candidate escapes
    the exclusion. The reference path gets this corrected version (the fast path does
    not use Whoosh's matcher for ``AndNot``)."""
    if self.a.is_active() and self.b.is_active():
        self._find_next()


@pytest.fixture(scope="module", autouse=True)
def fixed_andnot():
    mp = pytest.MonkeyPatch()
    mp.setattr(AndNotMatcher, "_find_first", _find_first)
    yield
    mp.undo()


@pytest.fixture(scope="module")
def pair(fixture_index):
    fast, slow = WhooshBackend(fixture_index), WhooshBackend(fixture_index, fast=False)
    yield fast, slow
    fast.close()
    slow.close()


@pytest.fixture(scope="module")
def sample_pair(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("sample") / "index"
    store.add_articles(index_dir, [load_sample()])
    from g60_reader.corpus.entities import recognise

    store.enrich(index_dir, recognise)  # the real recogniser: entity fields as users get them
    fast, slow = WhooshBackend(index_dir), WhooshBackend(index_dir, fast=False)
    yield fast, slow
    fast.close()
    slow.close()


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def assert_same(fast: WhooshBackend, slow: WhooshBackend, query: str, page: int = 1) -> int:
    """Both ways, and the fast path once more restricting every subquery after the
    first of an AND to the documents matched so far (normally only when they are few)
    and keeping every decoded posting list (normally only long ones)."""
    total = _assert_same(fast, slow, query, page)
    mp = pytest.MonkeyPatch()
    try:
        mp.setattr(fastpath, "SPARSE", 10**9)
        mp.setattr(fastpath, "CACHE_MIN", 1)
        fast._view()._counts.clear()
        assert _assert_same(fast, slow, query, page) == total
    finally:
        mp.undo()
        fast._view()._counts.clear()
    return total


def _assert_same(fast: WhooshBackend, slow: WhooshBackend, query: str, page: int) -> int:
    a = fast.search(query, page=page, pagelen=20)
    # the reference always scores every match: with its counts cached, the Whoosh path
    # uses block-quality skipping, which can drop hits (its bounds use lossy lengths)
    slow._view()._counts.clear()
    b = slow.search(query, page=page, pagelen=20)
    assert a.error == b.error, query
    if a.error:
        return 0
    assert (a.total, a.articles) == (b.total, b.articles), query
    assert len(a.hits) == len(b.hits), query
    for x, y in zip(a.hits, b.hits, strict=True):
        assert _close(x.score, y.score), (query, x.score, y.score)
    # same documents in the same order, except among (nearly) equal scores
    key_a = [(round(h.score, 7), h.article_id, h.paragraph) for h in a.hits]
    key_b = [(round(h.score, 7), h.article_id, h.paragraph) for h in b.hits]
    if key_a != key_b:
        last = b.hits[-1].score if b.hits else 0.0
        strict_a = {k[1:] for k in key_a if not _close(k[0], last)}
        strict_b = {k[1:] for k in key_b if not _close(k[0], last)}
        assert strict_a == strict_b, query
        assert (
            sorted(key_a, key=lambda k: (-k[0], k[1:]))[: len(strict_a)]
            == sorted(key_b, key=lambda k: (-k[0], k[1:]))[: len(strict_b)]
        ), query
    spans_b = {(h.article_id, h.paragraph): h.spans for h in b.hits}
    for h in a.hits:
        if (h.article_id, h.paragraph) in spans_b:
            assert h.spans == spans_b[(h.article_id, h.paragraph)], query
    return a.total


def test_the_fixture_has_several_segments_and_deletions(pair):
    fast, _slow = pair
    searcher = fast.searcher()
    leaves = searcher.leaf_searchers()
    assert len(leaves) >= 2
    assert any(sub.reader().has_deletions() for sub, _off in leaves)
    view = fast._view()
    assert view.fast is not None
    assert not view.fast.live.all()


FIXED = [
    "经济",
    "经济 社会",
    "经济 OR 社会 OR 科技",
    "长三角",
    "经济社会",
    '"数字经济"',
    "经",
    "济",
    "嘉 兴",
    "经济 -社会",
    "经济 NOT 社会",
    "(经济 OR 科技) 创新",
    "经济 OR (科技 -创新)",
    "title:新闻",
    "title:快讯 经济",
    "outlet:嘉兴",
    "place:上海",
    "person:张伟 经济",
    "org:浙江大学 OR 数字",
    "jingji",
    "shanghai",
    "g60",
    "G60 AI",
    "5G",
    "date:2023-05",
    "-经济 社会",
    "高质量发展 OR 产业园",
    '"经济 社会"',
    "一体化 长三角 科创走廊",
]


@pytest.mark.parametrize("query", FIXED)
def test_fixed_queries_agree(pair, query):
    fast, slow = pair
    assert_same(fast, slow, query)
    assert_same(fast, slow, query, page=2)


def test_queries_find_something(pair):
    fast, slow = pair
    found = [assert_same(fast, slow, q) for q in FIXED]
    assert sum(1 for n in found if n > 0) >= len(FIXED) - 3
    assert fast.search("经济").total > 300  # several postings blocks


def test_exclusion_is_exact(pair):
    """No hit of ``a -b`` holds ``b`` (Whoosh's own matcher misses this, see above)."""
    fast, _slow = pair
    for query, excluded in (
        ("科技 -创新", "创新"),
        ("经济 OR (科技 -创新)", None),
        ("数字 -经济", "经济"),
    ):
        res = fast.search(query, pagelen=1000)
        assert res.total == len(res.hits) > 0
        for hit in res.hits:
            if excluded:
                assert excluded not in fold(hit.text)
            elif "经济" not in fold(hit.text):
                assert "创新" not in fold(hit.text)


def test_repeated_queries_use_the_count_cache_and_still_agree(pair):
    fast, slow = pair
    for _ in range(2):
        for query in ("经济 OR 社会", "科技 创新", '"数字经济"'):
            assert_same(fast, slow, query)


def test_sample_queries_agree(sample_pair):
    fast, slow = sample_pair
    text = SAMPLE_PATH.read_text("utf-8")
    rng = random.Random(7)
    runs = [r for r in (fold(x) for x in text.split()) if len(r) >= 4]
    queries = ["嘉兴", "科创", "长三角 一体化", "G60", "走廊 OR 科技 OR 合作", "jiaxing"]
    for _ in range(30):
        run = rng.choice(runs)
        n = rng.randint(1, min(6, len(run)))
        i = rng.randrange(0, len(run) - n + 1)
        queries.append(run[i : i + n])
    for query in queries:
        assert_same(fast, slow, query)


def test_entity_prefixes_run_on_the_fast_path(sample_pair, monkeypatch):
    """``place:金华`` is a prefix over the entity keywords (金华, 金华市, ...): the fast
    path expands it itself instead of handing the subtree to Whoosh (which took up to
    0.6 s for a common place at 100k paragraphs, one matcher per expanded term)."""
    fast, slow = sample_pair
    reader = fast.searcher().reader()
    assert len([t for t in reader.expand_prefix("place", "金华") if t]) >= 2
    queries = [
        "place:金华",
        "place:金華 科创",
        "place:浙江",
        "org:政协 OR person:陈龙",
        "place:无此地",
    ]
    for query in queries:
        assert_same(fast, slow, query)

    def no_fallback(self, q, within):
        raise AssertionError(f"Whoosh fallback for {q!r}")

    monkeypatch.setattr(FastSearcher, "_whoosh", no_fallback)
    fast.close()  # fresh views: nothing cached from the runs above
    for query in queries:
        result = fast.search(query)
        assert result.error is None
    assert fast.search("place:金华").total == slow.search("place:金华").total > 0


def test_boosted_entity_prefixes_score_like_whoosh(sample_pair):
    """Whoosh boosts a prefix's Or of several expanded terms, but a single expanded
    term is a plain Term with no boost; the fast path does the same."""
    from whoosh import query as Q

    fast, _slow = sample_pair
    view = fast._view()
    for q in (Q.Prefix("place", "金华", boost=2.5), Q.Prefix("place", "嘉兴", boost=2.5)):
        total, _articles, top = view.fast.run(q, 10, view.parents_array)
        expected = view.searcher.search(q, limit=10)
        assert total == len(expected) > 0
        assert [d for d, _s in top] == [h.docnum for h in expected]
        assert all(_close(s, h.score) for (_d, s), h in zip(top, expected, strict=True))


_word = st.sampled_from(WORDS2 + WORDS3 + LATIN + [n for _t, n in ALL_NAMES])
_char = st.sampled_from(sorted(set("".join(WORDS2 + WORDS3))))
_pinyin = st.sampled_from(["jingji", "shehui", "keji", "jiaxing", "shanghai", "zhangwei", "jj"])
_entity = st.sampled_from([f"{t[:3] if t == 'organization' else t}:{n}" for t, n in ALL_NAMES])
_title = st.sampled_from(["title:新闻", "title:快讯", "outlet:金华", "title:经济"])
_phrase = st.sampled_from(WORDS3).map(lambda w: f'"{w}"') | st.tuples(
    st.sampled_from(WORDS2), st.sampled_from(WORDS2)
).map(lambda t: f'"{t[0]}{t[1]}"')
_leaf = st.one_of(_word, _char, _pinyin, _entity, _title, _phrase)


@st.composite
def _queries(draw) -> str:
    def expr(depth: int) -> str:
        if depth == 0 or draw(st.booleans()):
            return draw(_leaf)
        parts = [expr(depth - 1) for _ in range(draw(st.integers(2, 3)))]
        op = draw(st.sampled_from([" ", " AND ", " OR "]))
        return "(" + op.join(parts) + ")"

    q = expr(2)
    if draw(st.booleans()):
        q += " -" + draw(st.one_of(_word, _char))
    return q


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query=_queries())
def test_generated_queries_agree(pair, query):
    fast, slow = pair
    assert_same(fast, slow, query)


def test_top_hits_orders_like_whooshs_top_collector():
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        docs = np.sort(rng.choice(1000, size=n, replace=False)).astype(np.int64)
        scores = rng.integers(0, 5, size=n).astype(np.float64) / 4  # many ties
        limit = int(rng.integers(1, 30))
        expected = sorted(
            zip(docs.tolist(), scores.tolist(), strict=True), key=lambda p: (-p[1], p[0])
        )
        assert top_hits(docs, scores, limit) == expected[:limit]


@settings(max_examples=200, deadline=None)
@given(
    parents=st.lists(st.integers(0, 300), max_size=40, unique=True).map(sorted),
    docs=st.lists(st.integers(0, 299), max_size=300, unique=True).map(sorted),
)
def test_article_counts_through_parent_numbers_agree_with_count_groups(parents, docs):
    """Many matches are counted through a per-document parent number, few by binary
    search; both give count_groups' answer."""
    from types import SimpleNamespace

    p = np.asarray(parents, dtype=np.int64)
    d = np.asarray(docs, dtype=np.int64)
    fake = SimpleNamespace(n=300, _ranks=None)
    assert FastSearcher.count_articles(fake, p, d) == count_groups(p, d)  # type: ignore[arg-type]
    if d.size * 64 >= 300:
        assert fake._ranks is not None and fake._ranks[0] is p  # the gather path ran


def test_count_groups_counts_distinct_parents():
    parents = np.array([0, 5, 9, 20], dtype=np.int64)
    assert count_groups(parents, np.array([1, 2, 6, 21], dtype=np.int64)) == 3
    assert count_groups(parents, np.array([], dtype=np.int64)) == 0
    assert count_groups(np.array([3], dtype=np.int64), np.array([1, 2], dtype=np.int64)) == 0
    assert count_groups(parents, np.array([9, 10, 11], dtype=np.int64)) == 1


def test_an_unknown_weighting_is_refused(pair):
    from whoosh.scoring import TF_IDF

    from g60_reader.index.backends.whoosh.fastpath import Unsupported

    other = store.open_index(pair[0].index_dir).searcher(weighting=TF_IDF())
    try:
        with pytest.raises(Unsupported):
            FastSearcher(other, lambda perdoc, fieldname: None)
    finally:
        other.close()


@settings(max_examples=200, deadline=None)
@given(
    lists=st.lists(
        st.lists(st.integers(0, 100_000), min_size=1, max_size=4, unique=True).map(sorted),
        max_size=30,
    )
)
def test_positions_are_read_as_whoosh_reads_them(lists):
    """Whoosh-format positions values (a field left in Whoosh's format) read into the
    flat arrays the evaluator works on, and the (document, position) keys made of them."""
    from whoosh.formats import Positions

    fmt = Positions()
    values = [fmt.encode(ps) for ps in lists]
    starts, counts, flat = fastpath._flat_positions(values)
    assert counts.tolist() == [len(ps) for ps in lists]
    for j, value in enumerate(values):
        expected = fmt.decode_positions(value)
        assert flat[starts[j] : starts[j] + counts[j]].tolist() == expected
    ids = np.arange(len(lists), dtype=np.int64) * 3 + 1
    at = np.arange(0, len(lists), 2)
    keys = fastpath._keys(ids, (starts, counts, flat), at)
    expected_keys = [int(ids[j]) * (1 << 32) + p for j in at.tolist() for p in lists[j]]
    assert keys.tolist() == expected_keys
    assert keys.tolist() == sorted(expected_keys)


def test_threads_get_their_own_evaluator_and_agree(pair):
    import threading

    fast, _slow = pair
    queries = [
        "经济",
        "经济 OR 社会 OR 科技",
        '"数字经济"',
        "科技 -创新",
        "jingji",
        "place:上海 经济",
    ]
    expected = {q: [(h.article_id, h.paragraph) for h in fast.search(q).hits] for q in queries}
    seen: list[object] = []
    errors: list[str] = []

    def work() -> None:
        seen.append(fast._view().fast)
        for _ in range(5):
            for q in queries:
                got = [(h.article_id, h.paragraph) for h in fast.search(q).hits]
                if got != expected[q]:
                    errors.append(q)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    evaluators = seen
    assert all(e is not None for e in evaluators)
    assert len({id(e) for e in evaluators}) == len(threads)


def test_facets_agree(pair):
    fast, slow = pair
    for query in ("经济", "经济 OR 上海", "place:上海", "科技 -创新", "jingji"):
        facets = fast.facets(query)
        assert facets == slow.facets(query), query
    assert any(fast.facets("经济").values())
