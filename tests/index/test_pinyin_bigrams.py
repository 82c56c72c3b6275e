"""Pinyin before the entity pass: on a lean (bigram-only) index the words for a pinyin
query come from the bigrams themselves, and after the entity pass the lexicon gives the
same results."""

from __future__ import annotations

from pathlib import Path

import pytest
from whoosh.query import Prefix

from g60_reader.index import pinyin
from g60_reader.index.backends.whoosh import packed, search, store
from g60_reader.index.backends.whoosh.search import WhooshBackend, _body_terms

ARTICLES = {
    "jinhua.txt": "金华新闻\n\n金华推进科创走廊建设。\n\n他们讨论长三角一体化。\n",
    "jinhua_hant.txt": "金華日報\n\n金華市舉辦數字經濟論壇。\n",
    "bank.txt": "经济新闻\n\n这家银行发布报告。\n",
    "xian.txt": "西安新闻\n\n西安举办文化节。\n\n我们先到北京。\n",
    "other.txt": "杭州新闻\n\n杭州举办数字经济论坛。\n",
}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(search, "REFRESH_INTERVAL", 0.0)


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def hits(b: WhooshBackend, query: str) -> set[tuple[str, int]]:
    res = b.search(query, pagelen=100)
    assert res.ok, res.error
    return {(Path(h.path).name, h.paragraph) for h in res.hits}


def paragraphs_with(b: WhooshBackend, text: str) -> set[tuple[str, int]]:
    """Paragraphs whose folded text contains ``text`` (what a pinyin query should find)."""
    return hits(b, f'"{text}"')


def test_syllables_and_characters():
    assert set(pinyin.segmentations("xian")) == {("xian",), ("xi", "an")}
    assert pinyin.segmentations("xian")[0] == ("xian",)  # fewest syllables first
    assert ("chang", "san", "jiao") in pinyin.segmentations("changsanjiao")
    assert pinyin.segmentations("jh") == ()  # initials are no syllables
    assert pinyin.segmentations("qwerty") == ()
    assert pinyin.segmentations("yi" * 12) == ()  # more than MAX_SYLLABLES
    assert "行" in pinyin.characters("hang") and "行" in pinyin.characters("xing")
    assert "華" not in pinyin.characters("hua") and "华" in pinyin.characters("hua")
    assert pinyin.needs_apostrophe(("xi", "an")) and not pinyin.needs_apostrophe(("jin", "hua"))
    assert pinyin.main_reading("行", "xing") and not pinyin.main_reading("行", "hang")


def test_lean_index_answers_pinyin_from_bigrams(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], segment=False)
    assert len(store.load_pinyin(index_dir)) == 0  # no lexicon before the entity pass
    b = WhooshBackend(index_dir)
    try:
        jinhua = paragraphs_with(b, "金华")
        # both scripts: the Traditional article is indexed folded
        assert {name for name, _ in jinhua} == {"jinhua.txt", "jinhua_hant.txt"}
        assert hits(b, "jinhua") == jinhua
        assert "金华" in b.expand_pinyin("jinhua")
        assert hits(b, "changsanjiao") == paragraphs_with(b, "长三角") != set()
        assert b.expand_pinyin("changsanjiao")[0] == "长三角"
        # a heteronym: 行 is hang here
        assert hits(b, "yinhang") == paragraphs_with(b, "银行") != set()
        # xian is one syllable (先) or two (西安)
        words = b.expand_pinyin("xian")
        assert "西安" in words and "先" in words
        assert hits(b, "xian") >= paragraphs_with(b, "西安") | paragraphs_with(b, "先")
        assert ("xian.txt", 2) in hits(b, "xian")
        # nonsense and initials find nothing, without an error
        for query in ("qwertyzz", "zzzz", "jh", "xiangxiangxiangxiangxiang"):
            assert b.expand_pinyin(query) == []
            assert hits(b, query) == set()
        assert hits(b, "jinhua xian") == set()  # no paragraph has both
    finally:
        b.close()


def test_after_the_entity_pass_the_lexicon_gives_the_same_results(tmp_path, corpus):
    lean, full = tmp_path / "lean", tmp_path / "full"
    store.update(lean, [corpus], segment=False)
    store.update(full, [corpus], segment=True)
    queries = ("jinhua", "changsanjiao", "yinhang", "hangzhou", "jinhua jianshe")
    b = WhooshBackend(lean)
    try:
        before = {q: hits(b, q) for q in queries}
    finally:
        b.close()
    store.enrich(lean, lambda text, folded: [])
    lexicon = store.load_pinyin(lean)
    for key in ("jinhua", "yinhang", "hangzhou", "jianshe"):
        assert lexicon.get(key)  # the lexicon path answers these now
    assert before["jinhua jianshe"] == {("jinhua.txt", 1)}
    for index_dir in (lean, full):
        b = WhooshBackend(index_dir)
        try:
            for q in queries:
                assert hits(b, q) == before[q], q
        finally:
            b.close()


def test_batched_term_lookups_agree_with_whoosh(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], segment=False, procs=1, batch_bytes=1)
    b = WhooshBackend(index_dir)
    try:
        view = b._view()
        assert len(list(view.searcher.leaf_searchers())) > 1  # one segment per file
        terms = _body_terms(view)
        assert terms.tables is not None  # the fast reader, not the fallback
        reader = view.searcher.reader()
        indexed = [t.decode("utf-8") for t in reader.lexicon("body")]
        missing = ["金花", "银华", "西行", "先后", "zz", "行"]
        want = {t: reader.doc_frequency("body", t) for t in indexed + missing}
        got = terms.frequencies(list(want))
        assert {t: got[t] for t in want} == want
        assert any(want[t] == 0 for t in missing) and all(want[t] for t in indexed)
        chars = ["金", "华", "先", "行", "鑫"]
        counts = terms.starting(chars)
        leaves = [sub.reader() for sub, _offset in view.searcher.leaf_searchers()]
        for c in chars:  # terms starting with c, counted per segment
            expected = sum(1 for leaf in leaves for _ in leaf.expand_prefix("body", c))
            assert counts[c] == expected, c
        assert counts["鑫"] == 0 and counts["金"] > 0
        assert list(view.searcher.docs_for_query(Prefix("body", "先")))
    finally:
        b.close()


def test_derived_words_follow_the_index_generation(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], segment=False)
    b = WhooshBackend(index_dir)
    try:
        assert "进化" not in b.expand_pinyin("jinhua")
        (corpus / "new.txt").write_text("科学新闻\n\n生物进化的研究。\n", encoding="utf-8")
        store.update(index_dir, [corpus], segment=False)
        assert "进化" in b.expand_pinyin("jinhua")
        assert ("new.txt", 1) in hits(b, "jinhua")
    finally:
        b.close()


def test_without_the_fast_term_reader_the_same_words_come_back(tmp_path, corpus, monkeypatch):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], segment=False, procs=1, batch_bytes=1)
    keys = ("jinhua", "xian", "yinhang", "changsanjiao", "qwertyzz")
    b = WhooshBackend(index_dir)
    try:
        fast = {k: b.expand_pinyin(k) for k in keys}
    finally:
        b.close()

    def unsupported(*args, **kwargs):
        raise search.Unsupported("test")

    monkeypatch.setattr(search._TermTable, "__init__", unsupported)
    monkeypatch.setattr(packed.PackedField, "find_many", unsupported)
    monkeypatch.setattr(packed.PackedField, "prefix_counts", unsupported)
    b = WhooshBackend(index_dir)
    try:
        assert {k: b.expand_pinyin(k) for k in keys} == fast
        assert _body_terms(b._view()).tables is None  # Whoosh's own lookups were used
    finally:
        b.close()
    assert fast["jinhua"][0] == "金华" and fast["qwertyzz"] == []


def test_no_derivation_once_everything_is_enriched(tmp_path, corpus):
    """A key the lexicon lacks after the entity pass is not Chinese in this corpus
    (an English word such as ``china``): it gets no accidental bigram words then, while
    on the lean index the same key is still derived from the bigrams."""
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], segment=False)
    b = WhooshBackend(index_dir)
    try:
        # 发布 and 报告 are jieba words, 布报 an accidental bigram across them
        assert "布报" in b.expand_pinyin("bubao")
    finally:
        b.close()
    store.enrich(index_dir, lambda text, folded: [])
    assert "bubao" not in store.load_pinyin(index_dir)
    b = WhooshBackend(index_dir)
    try:
        assert b.expand_pinyin("bubao") == []
        assert "金华" in b.expand_pinyin("jinhua")  # the lexicon still answers
    finally:
        b.close()
