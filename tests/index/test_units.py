"""The lean pass's array analysis (index/units.py) against the paragraph analyzer."""

from __future__ import annotations

import pickle
import random
import sys

import numpy as np
import pytest

from g60_reader.corpus.fold import fold
from g60_reader.index import analyzer, units

REALISTIC = [
    "嘉兴市召开科技大会，嘉兴G60科创走廊3.0版 嘉兴嘉兴。",
    "長三角一體化發展「高質量」推進：上海、杭州、合肥九城市共同簽署協議",
    "新华社北京1月1日电（记者 张三）2024年GDP增长5.2%，CPI上涨0.2%。",
    "　　据《人民日报》报道，iPhone 15与华为Mate60在5G市场竞争……",
    "",
    "，。！？…… ——",
    "   \t  ",
    "x",
    "中",
    "𠀀𠀁𠀂 石𠀀",  # Han beyond the BMP
    "a.1.2 3.0.x v1.2b _x_ café naïve ДОМ дом 한국어 ひらがな",
    "末尾有拉丁ABC",
    "ABC開頭",
    "\x00中\x00文\x00",
    "half\ud800way",  # a lone surrogate (undecodable bytes kept with surrogateescape)
]


def _expected(norm: str) -> tuple[dict[str, list[int]], int]:
    poses, _ = analyzer._body(norm)
    return poses, sum(map(len, poses.values()))


def _check(norms: list[str]) -> None:
    batch = units.body_units(norms)
    assert len(batch) == len(norms)
    for k, norm in enumerate(norms):
        poses, length = _expected(norm)
        assert batch.poses(k) == poses, norm
        assert int(batch.lengths[k]) == length, norm
    assert int(batch.offsets[-1]) == batch.codes.size == batch.pos.size


def test_realistic_paragraphs_match_the_analyzer():
    norms = [analyzer.normalise(fold(t)) for t in REALISTIC]
    _check(norms)
    for norm in norms:  # alone, and in batches of every size
        _check([norm])
    _check(norms[::-1] + norms)


def test_random_text_matches_the_analyzer():
    rnd = random.Random(7)
    alphabet = list("中国人嘉兴走廊") + list(" ,.。、，\t\u3000\n—《》_-") + list("3.0G60abé𠀀Д")
    for _ in range(300):
        paragraphs = [
            "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 40)))
            for _ in range(rnd.randrange(1, 8))
        ]
        _check([analyzer.normalise(p) for p in paragraphs])


def test_no_paragraphs_and_no_tokens():
    empty = units.body_units([])
    assert len(empty) == 0 and empty.codes.size == 0
    blank = units.body_units(["", "，。", "  "])
    assert blank.lengths.tolist() == [0, 0, 0]
    assert blank.poses(1) == {}


def test_codes_sort_as_the_terms_utf8_bytes():
    batch = units.body_units(["中国人民𠀀𠀁好", "嘉兴兴中", "丁"])
    codes = sorted(set(batch.codes.tolist()))
    terms = [batch.term(c) for c in codes]
    assert terms == sorted(terms, key=lambda t: t.encode("utf-8"))
    assert {"中国", "民𠀀", "𠀀𠀁", "好", "兴中", "中", "丁"} <= set(terms)


def test_latin_terms_are_numbered_per_batch():
    batch = units.body_units(["g60 走廊 g60", "3.0版 g60"])
    assert batch.latin == ["g60", "3.0"]
    latin_codes = batch.codes[batch.codes >= units.LATIN] - units.LATIN
    assert sorted(set(latin_codes.tolist())) == [0, 1]
    assert batch.poses(0)["g60"] == [0, 3]


@pytest.mark.skipif(sys.maxunicode < 0x10FFFF, reason="narrow build")
def test_the_space_table_has_every_space():
    spaces = [c for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert max(spaces) <= 0x3000
    assert np.array_equal(units._SPACE, np.array(spaces, dtype=np.uint32))


def test_term_bytes_decode_codes_at_once():
    batch = units.body_units(["中国人民𠀀𠀁好 g60 3.0版", "嘉兴g60"])
    codes = np.unique(batch.codes)
    assert units.term_bytes(codes, batch.latin) == [
        batch.term(c).encode("utf-8") for c in codes.tolist()
    ]
    assert units.term_bytes(np.zeros(0, dtype=np.int64), []) == []


def test_a_pickled_body_carries_its_items_not_the_batch():
    from g60_reader.index.backends.whoosh.postings import units_items
    from g60_reader.index.backends.whoosh.schema import Analyzed, AnalyzedUnits

    batch = units.body_units(["嘉兴科创走廊G60", "第二段" * 500])
    body = AnalyzedUnits(batch, 0)
    data = pickle.dumps(body)
    again = pickle.loads(data)
    assert type(again) is Analyzed and again.items == units_items(batch, 0)
    assert len(data) < 1000  # not the other paragraph's arrays
