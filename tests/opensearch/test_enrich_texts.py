"""The OpenSearch entity pass's worker step (no cluster needed): a recogniser's batch
form is used when it has one, and a failing recogniser costs only the paragraphs it
fails on their entities."""

from __future__ import annotations

from g60_reader.corpus.model import EntitySpan
from g60_reader.index.backends.opensearch.backend import _enrich_texts

CALLS: list[int] = []


def _towns(text: str, folded: str) -> list[EntitySpan]:
    if "坏" in text:
        raise RuntimeError("recogniser bug")
    k = folded.find("嘉兴")
    return [EntitySpan(k, k + 2, "place", text[k : k + 2])] if k >= 0 else []


def _batch(texts: list[str], folds: list[str]) -> list[list[EntitySpan]]:
    CALLS.append(len(texts))
    return [_towns(t, f) for t, f in zip(texts, folds, strict=True)]


_towns.many = _batch  # type: ignore[attr-defined]

TEXTS = [("嘉兴召开会议。", False), ("杭州。", True), ("嘉興的新聞。", False)]


def test_the_batch_form_gets_every_paragraph_at_once():
    CALLS.clear()
    out = _enrich_texts((_towns, TEXTS))
    assert CALLS == [3]
    assert [[(e.start, e.end, e.text) for e in spans] for spans, _w, _k in out] == [
        [(0, 2, "嘉兴")],
        [],
        [(0, 2, "嘉興")],
    ]
    assert out[0][1] is None and out[1][1] is not None  # words only where asked


def test_a_failing_recogniser_costs_only_its_paragraphs():
    CALLS.clear()
    out = _enrich_texts((_towns, [*TEXTS, ("坏嘉兴", False)]))
    assert CALLS == [4]  # the batch failed, then each paragraph alone
    assert [len(spans) for spans, _w, _k in out] == [1, 0, 1, 0]
