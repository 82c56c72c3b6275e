"""The ``body`` token stream of many paragraphs at once, as arrays (the lean pass).

:func:`g60_reader.index.analyzer._body` walks a paragraph in Python: a string, a
dictionary lookup and a list append for every bigram. A large update's first pass
(no jieba, see :mod:`.backends.whoosh.build`) needs only that stream, for a hundred
thousand paragraphs or more, so here it is made for a batch of paragraphs with numpy:
the regular expression still finds the token runs (a few per sentence), and everything
per character (each bigram's code, its position, the gaps at punctuation) is computed
on arrays.

A *unit* is one token occurrence: its term's **code** and its **position**, in
paragraph order and, within a paragraph, in position order. Codes are integers:

- a Han bigram ``ab`` is ``ord(a) << 21 | ord(b)``, the last character of a Han run,
  emitted alone, ``ord(a) << 21``: code order is the order of the terms' UTF-8 bytes;
- a run of Latin letters or digits is ``LATIN | i``, ``i`` its index in the batch's
  ``latin`` list.

The result is the same as :func:`~g60_reader.index.analyzer._body` for every
paragraph (the tests compare them on realistic and random text): same terms, same
positions, same lengths.
"""

from __future__ import annotations

import numpy as np

from .analyzer import TOKEN_RE

HAN_SHIFT = 21  # every code point is below 2**21
LOW = (1 << HAN_SHIFT) - 1
LATIN = 1 << (2 * HAN_SHIFT)  # above every Han code

# Characters for which str.isspace() holds: what ``str.strip()`` removes, so what does
# not make a gap between two tokens. U+3000 is the last one (a test checks).
_SPACE = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint32)
_SEP = "\x00"  # between paragraphs: neither a token nor a space


class BodyUnits:
    """The units of a batch of paragraphs: ``codes`` (int64) and ``pos`` (int32) per
    unit; ``lengths`` (int64) per paragraph, its number of units (the field length);
    ``offsets``: paragraph ``k``'s units are ``offsets[k]:offsets[k + 1]``;
    ``latin``: the Latin/digit terms, by the index in their code."""

    __slots__ = ("codes", "latin", "lengths", "offsets", "pos")

    def __init__(
        self, codes: np.ndarray, pos: np.ndarray, lengths: np.ndarray, latin: list[str]
    ) -> None:
        self.codes = codes
        self.pos = pos
        self.lengths = lengths
        self.offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        self.latin = latin

    def __len__(self) -> int:
        return int(self.lengths.size)

    def term(self, code: int) -> str:
        """The term of a code of this batch."""
        if code >= LATIN:
            return self.latin[code - LATIN]
        second = code & LOW
        return chr(code >> HAN_SHIFT) + (chr(second) if second else "")

    def poses(self, k: int) -> dict[str, list[int]]:
        """Paragraph ``k``'s terms and their positions (what ``_body`` gives)."""
        a, b = int(self.offsets[k]), int(self.offsets[k + 1])
        out: dict[str, list[int]] = {}
        term = self.term
        for code, p in zip(self.codes[a:b].tolist(), self.pos[a:b].tolist(), strict=True):
            out.setdefault(term(code), []).append(p)
        return out


def body_units(norms: list[str]) -> BodyUnits:
    """The units of normalised paragraphs (see the module's docstring)."""
    count = len(norms)
    text = _SEP.join(norms)
    # surrogatepass: a lone surrogate (undecodable bytes kept) is one code unit too
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    found = [(m.start(), m.end(), m.lastindex) for m in TOKEN_RE.finditer(text)]
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return BodyUnits(empty, empty.astype(np.int32), np.zeros(count, np.int64), [])
    runs = np.array(found, dtype=np.int64)
    start, end, han = runs[:, 0], runs[:, 1], runs[:, 2] == 1
    sizes = np.fromiter(map(len, norms), np.int64, count) + 1
    para = np.searchsorted(np.cumsum(sizes) - sizes, start, side="right") - 1
    units = np.where(han, end - start, 1)  # a Latin run is one token
    # a gap of one position where anything but spaces lies between two runs
    first = np.ones(start.size, dtype=bool)
    first[1:] = para[1:] != para[:-1]
    solid = np.zeros(cps.size + 1, dtype=np.int64)
    np.cumsum(~np.isin(cps, _SPACE), out=solid[1:])
    gap = np.zeros(start.size, dtype=np.int64)
    gap[1:] = solid[start[1:]] > solid[end[:-1]]
    gap[first] = 0
    before = np.cumsum(units) - units  # units of the batch before each run
    at = before + np.cumsum(gap)  # each run's position, counted over the batch
    heads = np.flatnonzero(first)
    at -= np.repeat(at[heads], np.diff(np.append(heads, start.size)))
    # one unit per Han character, one per Latin run
    run_of = np.repeat(np.arange(start.size), units)
    within = np.arange(run_of.size) - before[run_of]
    char = start[run_of] + within
    codes = cps[char].astype(np.int64) << HAN_SHIFT
    pair = np.flatnonzero(han[run_of] & (char + 1 < end[run_of]))
    codes[pair] |= cps[char[pair] + 1]
    latin: list[str] = []
    lat = np.flatnonzero(~han)
    if lat.size:
        ids: dict[str, int] = {}
        nums = [
            ids.setdefault(text[a:b], len(ids))
            for a, b in zip(start[lat].tolist(), end[lat].tolist(), strict=True)
        ]
        latin = list(ids)
        codes[before[lat]] = LATIN + np.array(nums, dtype=np.int64)
    pos = (at[run_of] + within).astype(np.int32)
    lengths = np.bincount(para, weights=units, minlength=count).astype(np.int64)
    return BodyUnits(codes, pos, lengths, latin)


def term_bytes(codes: np.ndarray, latin: list[str]) -> list[bytes]:
    """The UTF-8 bytes of the terms of ascending, distinct ``codes`` (Latin codes
    numbering into ``latin``), decoded at once rather than by :meth:`BodyUnits.term`
    one by one."""
    han = codes[codes < LATIN]
    first = han >> HAN_SHIFT
    second = han & LOW
    # UTF-8 lengths: Han characters take 3 bytes in the BMP, 4 beyond it
    size = np.where(first < 0x10000, 3, 4)
    size += np.where(second == 0, 0, np.where(second < 0x10000, 3, 4))
    pairs = np.stack((first, second), axis=1).astype(np.uint32)
    text = pairs.tobytes().decode("utf-32-le").replace("\x00", "").encode("utf-8")
    ends = np.cumsum(size).tolist()
    keys = [text[a:b] for a, b in zip([0, *ends], ends, strict=False)]
    keys += [latin[c - LATIN].encode("utf-8") for c in codes[codes >= LATIN].tolist()]
    return keys
