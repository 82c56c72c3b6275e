"""The analyzer: folding, offsets, bigram positions, Latin tokens, pinyin, seg replay."""

from __future__ import annotations

import pytest

from g60_reader.corpus.fold import fold
from g60_reader.corpus.readers import load_sample
from g60_reader.index import analyzer, pinyin
from g60_reader.index.analyzer import (
    body_tokens,
    decode_seg,
    encode_seg,
    find_spans,
    fold_normalise,
    normalise,
    query_tokens,
    split_pieces,
)


def test_normalise_keeps_length_and_folds_width_and_case():
    text = "Ｇ６０科創走廊　ＡＢＣ 5G"
    out = fold_normalise(text)
    assert len(out) == len(text)
    assert out == "g60科创走廊 abc 5g"
    assert len(normalise("İstanbul")) == len("İstanbul")  # lower() would lengthen it


def test_offsets_point_into_the_original_text():
    article = load_sample()
    for para in article.paragraphs:
        norm = normalise(para.folded)
        assert len(norm) == len(para.text)
        for term, _pos, start, end in body_tokens(norm):
            assert norm[start:end] == term
            assert fold_normalise(para.text[start:end]) == term


def test_bigram_positions_are_consecutive_within_a_run_and_gapped_at_punctuation():
    toks = list(body_tokens("长三角，科创"))
    assert [(t, p) for t, p, _s, _e in toks] == [
        ("长三", 0),
        ("三角", 1),
        ("角", 2),
        ("科创", 4),  # one position skipped at the comma
        ("创", 5),
    ]
    # whitespace leaves no gap
    assert [p for _t, p, _s, _e in body_tokens("科创 走廊")] == [0, 1, 2, 3]


@pytest.mark.parametrize("word", ["g60", "3.0", "5g", "1.5g"])
def test_latin_and_digits_stay_whole(word):
    norm = fold_normalise(f"进入{word.upper()}版")
    terms = [t for t, *_ in body_tokens(norm)]
    assert word in terms


def test_query_tokens_and_pieces():
    assert query_tokens("科创走廊") == ["科创", "创走", "走廊"]
    assert query_tokens("科创") == ["科创"]
    assert query_tokens("科") == ["科"]
    # a run that is not last keeps its final character (the text has it as a unigram)
    assert query_tokens("科创 走廊") == ["科创", "创", "走廊"]
    assert query_tokens("g60科创") == ["g60", "科创"]
    assert split_pieces("科创,走廊 g60") == ["科创", "走廊 g60"]


def test_stop_words_are_kept_so_phrases_with_them_match():
    terms = {t for t, *_ in body_tokens("科技与产业")}
    assert {"技与", "与产"} <= terms


def test_find_spans_finds_all_and_never_overlaps():
    assert find_spans("abcabc", ["bc"]) == [(1, 3), (4, 6)]
    assert find_spans("长三角长三", ["长三", "三角"]) == [(0, 2), (3, 5)]
    assert find_spans("金华金华", ["金华"]) == [(0, 2), (2, 4)]
    assert find_spans("abc", []) == []


def test_seg_round_trip_and_replay_without_jieba():
    norm = normalise(fold("九地市政協共商G60科創走廊更高質量發展"))
    tokens = analyzer.segment(norm)
    seg = encode_seg(tokens)
    spans = decode_seg(norm, seg)
    assert ["".join(norm[s:e]) for s, e in spans] == tokens
    first = analyzer.analyse_paragraph(fold("九地市政協共商G60科創走廊更高質量發展"))
    before = analyzer.counters["segment"]
    again = analyzer.reanalyse_paragraph(fold("九地市政協共商G60科創走廊更高質量發展"), first.seg)
    assert analyzer.counters["segment"] == before  # jieba did not run
    assert again.poses == first.poses and again.bonus == first.bonus
    assert sorted(again.long_words) == sorted(first.long_words)
    assert decode_seg("abc", b"\x01") == [(0, 3)]  # a seg that does not fit is one token


def test_whole_words_weigh_more_than_sub_words():
    analysis = analyzer.analyse_paragraph("他们在嘉兴开会")
    assert analysis.weight("嘉兴") > analysis.weight("兴开")


@pytest.mark.parametrize(
    ("word", "key"),
    [("长三角", "changsanjiao"), ("重庆", "chongqing"), ("银行", "yinhang"), ("金华", "jinhua")],
)
def test_pinyin_readings(word, key):
    assert key in pinyin.keys(word)


def test_pinyin_initials_and_longer_words():
    assert pinyin.keys("金华") == ("jinhua", "jh")
    assert pinyin.keys("长三角地区")[0].startswith("changsanjiao")
    assert pinyin.is_pinyin_query("jinhua")
    assert not pinyin.is_pinyin_query("j")
    assert not pinyin.is_pinyin_query("g60")


def test_jieba_caches_live_in_the_apps_cache_directory(tmp_path, monkeypatch):
    import jieba

    from g60_reader.index import analyzer
    from g60_reader.index.paths import cache_dir, point_jieba_cache

    monkeypatch.setenv("G60_READER_HOME", str(tmp_path))
    monkeypatch.setattr(jieba.dt, "tmp_dir", None)
    point_jieba_cache()
    assert jieba.dt.tmp_dir == str(tmp_path / "cache") == str(cache_dir())
    assert not str(analyzer.jieba_tokenizer().tmp_dir).startswith("/tmp")
