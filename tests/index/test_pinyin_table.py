"""The searcher's pinyin table read in place (``lexicon.PinyinTable``): every key gives
back its words in order, absent keys give the default, and an index written before
the table format (a marshalled dictionary) still reads."""

from __future__ import annotations

import marshal
import random

from g60_reader.index.backends.whoosh import lexicon
from g60_reader.index.backends.whoosh.files import PINYIN_NAME


def _table(rnd: random.Random) -> dict[str, list[str]]:
    syllables = ["zhi", "hui", "jin", "hua", "xi", "an", "chang", "san", "jiao", "a", "e"]
    han = "智慧金华西安长三角中国家科创走廊嘉兴"
    out: dict[str, list[str]] = {}
    for _ in range(3000):
        key = "".join(rnd.choice(syllables) for _ in range(rnd.randrange(1, 4)))
        if rnd.random() < 0.1:
            key = "".join(rnd.choice("zhjxcs") for _ in range(rnd.randrange(1, 5)))
        words = ["".join(rnd.choice(han) for _ in range(rnd.randrange(1, 5)))]
        words += [w + "区" for w in words] * rnd.randrange(0, 3)
        out[key] = words
    out["lüe"] = ["略"]  # a key outside ASCII
    return out


def test_every_key_reads_back_in_order(tmp_path):
    table = _table(random.Random(5))
    (tmp_path / PINYIN_NAME).write_bytes(lexicon._pinyin_bytes(table))
    loaded = lexicon.load_pinyin(tmp_path)
    assert isinstance(loaded, lexicon.PinyinTable)
    assert len(loaded) == len(table)
    for key, words in table.items():
        assert loaded.get(key) == words, key
        assert key in loaded
    for absent in ["", "zz", "zhihuiz", "a" * 40, "中", "lüf"]:
        if absent not in table:
            assert loaded.get(absent) is None
            assert loaded.get(absent, []) == []
            assert absent not in loaded


def test_an_empty_table_and_a_missing_file(tmp_path):
    (tmp_path / PINYIN_NAME).write_bytes(lexicon._pinyin_bytes({}))
    loaded = lexicon.load_pinyin(tmp_path)
    assert len(loaded) == 0 and loaded.get("zhi") is None
    assert lexicon.load_pinyin(tmp_path / "nowhere") == {}


def test_the_marshalled_dictionary_of_older_indexes_still_reads(tmp_path):
    table = {"jinhua": ["金华"], "jh": ["金华", "江湖"]}
    (tmp_path / PINYIN_NAME).write_bytes(marshal.dumps(table))
    assert lexicon.load_pinyin(tmp_path) == table


def test_the_lexicon_writer_writes_the_table(tmp_path):
    lex = {"金华": [5, ["jinhua", "jh"]], "江湖": [9, ["jianghu", "jh"]]}
    lexicon._save_lexicon(tmp_path, lex)
    loaded = lexicon.load_pinyin(tmp_path)
    assert loaded.get("jh") == ["江湖", "金华"]  # most frequent first
    assert loaded.get("jinhua") == ["金华"]
    assert lexicon.load_lexicon(tmp_path) == lex
