"""Analysis results as Whoosh posting items: what a field's ``index()`` returns.

The analyzer (:mod:`g60_reader.index.analyzer`) gives plain data: terms, positions, word
bonuses. Here they become Whoosh's ``(term bytes, frequency, weight, value bytes)``
items, with packed ``Positions`` values (varint deltas, :mod:`.packed`) for the
positional fields and varint frequencies for the ``words`` field. A build makes one
item per posting (about 300k per MB of source), so the common single-position value and
the weight floats are shared, not re-made.
"""

from __future__ import annotations

from collections import Counter

from whoosh.system import emptybytes

from g60_reader.index.analyzer import WORD_BONUS, ParagraphAnalysis, text_positions
from g60_reader.index.units import BodyUnits

from .packed import PackedPositions, varint

PostingItems = list[tuple[bytes, int, float, bytes]]
_encode_positions = PackedPositions().encode

_SINGLE_POSITION: dict[int, bytes] = {}
_WEIGHTS: dict[float, float] = {}


def _weight(w: float) -> float:
    """One shared float object per weight value (the writer holds millions of them)."""
    return _WEIGHTS.setdefault(w, w)


def encode_positions(poslist: list[int]) -> bytes:
    """The packed ``Positions`` value (varint deltas), cached for one position."""
    if len(poslist) == 1:
        p = poslist[0]
        enc = _SINGLE_POSITION.get(p)
        if enc is None:
            enc = _SINGLE_POSITION[p] = _encode_positions(poslist)
        return enc
    return _encode_positions(poslist)


def positions_items(poses: dict[str, list[int]]) -> PostingItems:
    """Items of a Positions field without bonuses (title, outlet)."""
    return [
        (term.encode("utf-8"), len(pl), _weight(float(len(pl))), encode_positions(pl))
        for term, pl in poses.items()
    ]


def body_items(analysis: ParagraphAnalysis) -> PostingItems:
    """The ``body`` items of a paragraph: positions, weights with the word bonus."""
    return poses_items(analysis.poses, analysis.bonus)


def units_items(batch: BodyUnits, k: int) -> PostingItems:
    """The ``body`` items of paragraph ``k`` of a batch of units (no word bonus: the
    lean pass runs no jieba)."""
    return poses_items(batch.poses(k), None)


def poses_items(poses: dict[str, list[int]], bonus) -> PostingItems:
    """``body`` items from terms' positions and the word bonus (``bonus``: term ->
    count of whole-word occurrences, or empty)."""
    body: PostingItems = []
    append = body.append
    single = _SINGLE_POSITION
    weights = _WEIGHTS
    for term, pl in poses.items():
        n = len(pl)
        x = n + WORD_BONUS * bonus[term] if bonus else n
        w = weights.get(x)
        if w is None:
            w = _weight(float(x))
        if n == 1:
            enc = single.get(pl[0])
            if enc is None:
                enc = encode_positions(pl)
        else:
            enc = _encode_positions(pl)
        append((term.encode("utf-8"), n, w, enc))
    return body


def words_items(analysis: ParagraphAnalysis) -> PostingItems:
    """The ``words`` items (long jieba words, frequencies only)."""
    return frequency_items(analysis.long_words) if analysis.long_words else []


def frequency_items(words: list[str]) -> PostingItems:
    return [(w.encode("utf-8"), n, _weight(float(n)), varint(n)) for w, n in Counter(words).items()]


def existence_items(values: list[str]) -> PostingItems:
    return [(v.encode("utf-8"), 1, 1.0, emptybytes) for v in dict.fromkeys(values)]


def text_items(text: str) -> PostingItems:
    """Sub-word items for a short text (title, outlet): no jieba needed."""
    return positions_items(text_positions(text))
