"""Hits are highlighted from the stored folded form of a Traditional paragraph (or
from the text itself when folding leaves it unchanged): the spans equal those found
in ``fold_normalise(text)``, which the index was built from."""

from __future__ import annotations

import pytest
from whoosh import index as windex

from g60_reader.index.analyzer import find_spans, fold_normalise
from g60_reader.index.backends.whoosh import store
from g60_reader.index.backends.whoosh.search import WhooshBackend


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))


def test_traditional_paragraphs_store_their_folded_form(tmp_path):
    news = tmp_path / "news"
    news.mkdir()
    (news / "trad.txt").write_text(
        "長三角科創走廊\n\n長三角科創走廊建設加快，嘉興發佈數據。\n\nG60 ＡＩ 峰會在松江舉行。\n",
        "utf-8",
    )
    (news / "simp.txt").write_text("长三角新闻\n\n长三角科创走廊建设加快。\n", "gb18030")
    store.update(tmp_path / "ix", [news], procs=1)
    ix = windex.open_dir(str(tmp_path / "ix"), store.INDEX_NAME)
    with ix.searcher() as s:
        paras = [s.stored_fields(d) for d in s.document_numbers(kind="p")]
    assert len(paras) == 3
    for fields in paras:
        text = fields["text"]
        if fold_normalise(text) == text.lower():
            assert "norm" not in fields  # nothing to keep for Simplified text
        else:
            assert fields["norm"] == fold_normalise(text)
    b = WhooshBackend(tmp_path / "ix")
    try:
        for query in ("科创走廊", "科創", "嘉兴", "ai", "G60"):
            result = b.search(query)
            assert result.total >= 1, query
            for hit in result.hits:
                want = tuple(find_spans(fold_normalise(hit.text), result.terms))
                assert hit.spans == want and hit.spans, (query, hit.text)
    finally:
        b.close()


def test_han_terms_and_latin_terms_highlight_like_the_folded_text(tmp_path):
    """Han-only terms are looked for in the text as it is (normalising changes no Han
    character); Latin ones in its normalised form (full-width letters, case)."""
    news = tmp_path / "news"
    news.mkdir()
    (news / "a.txt").write_text(
        "标题\n\n（一）长三角ＧＤＰ增长，Ｇ60科创走廊：嘉兴　发布ＡＩ规划。\n", "utf-8"
    )
    store.update(tmp_path / "ix", [news], procs=1)
    b = WhooshBackend(tmp_path / "ix")
    try:
        for query in ("长三角", "gdp", "科创走廊 ai", "g60", "嘉兴 发布"):
            result = b.search(query)
            assert result.total == 1, query
            hit = result.hits[0]
            want = tuple(find_spans(fold_normalise(hit.text), result.terms))
            assert hit.spans == want and hit.spans, (query, hit.spans, want)
    finally:
        b.close()
