"""Script folding keeps offsets: the folded text always has the original's length."""

from __future__ import annotations

import g60_reader.corpus.fold as fold_module
from g60_reader.corpus.fold import fold, to_traditional


def test_fold_is_t2s():
    assert fold("九地市政協共商G60科創走廊") == "九地市政协共商G60科创走廊"
    assert fold("長三角") == fold("长三角") == "长三角"


def test_to_traditional_is_s2t():
    assert to_traditional("科创走廊") == "科創走廊"


def test_fold_keeps_length_and_simplified_text():
    text = "金华日报消息 区域一体，科创先行。(记者 张三)"
    assert fold(text) == text
    assert len(fold("")) == 0


def test_fold_keeps_offsets_of_matches():
    text = "為G60科創走廊更高質量發展，助推打造全國重要創新策源地"
    folded = fold(text)
    start = folded.index("科创走廊")
    assert text[start : start + 4] == "科創走廊"


def test_fold_falls_back_to_char_by_char_when_a_phrase_changes_length(monkeypatch):
    def stretching(config: str, text: str) -> str:
        return text + "!" if len(text) > 1 else {"華": "华", "國": "国"}.get(text, text)

    monkeypatch.setattr(fold_module, "_convert", stretching)
    fold_module._convert_char.cache_clear()
    try:
        assert fold("中華民國") == "中华民国"
    finally:
        fold_module._convert_char.cache_clear()


def test_fold_survives_lone_surrogates():
    text = "科創\udcff走廊"
    assert fold(text) == "科创\udcff走廊"
