"""The Chinese analyzer: script folding, jieba words and Han character bigrams.

Everything is computed on the *folded* text (OpenCC ``t2s``, same length as the
original), further normalised character for character (full-width ASCII to half-width,
Latin lowercased, ideographic space to space) so that every offset found here is an
offset into the original text.

Two token streams come out of one paragraph:

``body`` (sub-word field, with positions)
    For each run of Han characters, the bigram starting at every character (the last
    character of a run is emitted alone), at consecutive positions; each run of Latin
    letters / digits (``G60``, ``3.0``, ``5g``) is one whole token. Anything else
    (punctuation) leaves a one-position gap so that phrases never cross it; whitespace
    does not. A query word of two Han characters is one term here, a longer one a phrase
    of its bigrams, one character a prefix: every substring of the text can be found,
    whatever jieba made of it. When a bigram is also a whole jieba word at that spot its
    weight is raised (``WORD_BONUS``) so exact words rank above sub-word matches.

``words`` (word field, frequencies only)
    jieba words of three or more characters that contain Han, for ranking long words.
    Two-character words are already bigrams (and get the bonus above); shorter words
    would only double the index for no gain in recall.

Stop words are kept, all of them. Dropping 与/和/的 would break phrases such as
"科技与产业" (its bigrams 技与 and 与产 would be missing) and would lose exact-substring
recall, which is the point of this index; BM25 already gives frequent terms little
weight.

jieba only ranks (and feeds the pinyin lexicon); it never decides what can be found. For
large updates it therefore runs in the entity pass, not the first one
(:func:`analyse_paragraph` with ``words=False``; see :mod:`.store`).

jieba's dictionary is loaded once per process, with its cache in the app's cache
directory, and logs nothing. Analysis never happens at query time: spans are found by
substring search in the folded text.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from g60_reader.corpus.fold import fold

from .paths import cache_dir, point_jieba_cache

WORD_BONUS = 1.0  # extra weight of a bigram that is also a whole jieba word

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{_HAN}]")
HAN_RUN_RE = re.compile(f"[{_HAN}]+")
# A Han run, or a run of other letters/digits, optionally with ".<digit>..." parts (3.0).
_LAT = rf"(?:(?![{_HAN}])[^\W_])"
TOKEN_RE = re.compile(rf"([{_HAN}]+)|({_LAT}+(?:\.\d{_LAT}*)*)")

# Full-width ASCII -> half-width (what NFKC does for these; it keeps the length).
_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20

# Counters of work done in this process (tests count analyzer calls with them). Keys
# starting with ``s_`` are seconds spent (the benchmark splits build time with them).
# counts, and seconds for s_ keys (a Counter: workers' counters are added up)
counters: Any = Counter()


_WIDE_RE = re.compile("[\uff01-\uff5e\u3000]")


def normalise(folded: str) -> str:
    """Half-width, lowercase form of already folded text; same length as the input."""
    # translate looks every character up (10 µs for a paragraph): only when needed
    out = folded.translate(_WIDTH) if _WIDE_RE.search(folded) else folded
    low = out.lower()
    if len(low) == len(out):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in out)


def fold_normalise(text: str) -> str:
    """Folding plus :func:`normalise` (used for queries and stored text alike)."""
    return normalise(fold(text))


def is_han(text: str) -> bool:
    return HAN_RE.search(text) is not None


# -- jieba -----------------------------------------------------------------------------

_JIEBA_LOCK = threading.Lock()
_JIEBA = None


def jieba_tokenizer():  # -> jieba.Tokenizer
    """The process-wide jieba tokenizer, initialised on first use (quietly)."""
    global _JIEBA
    if _JIEBA is not None:
        return _JIEBA
    with _JIEBA_LOCK:
        if _JIEBA is None:
            import jieba

            logging.getLogger("jieba").setLevel(logging.WARNING)
            jieba.setLogLevel(logging.WARNING)
            point_jieba_cache()  # the global tokenizer too (jieba.posseg uses it)
            tk = jieba.Tokenizer()
            tk.tmp_dir = str(cache_dir())
            tk.cache_file = "jieba.cache"
            tk.initialize()
            _JIEBA = tk
    return _JIEBA


def segment(norm: str) -> list[str]:
    """jieba words of normalised folded text (every character belongs to one token)."""
    counters["segment"] += 1
    t0 = time.perf_counter()
    tokens = list(jieba_tokenizer().cut(norm, HMM=True))
    counters["s_segment"] += time.perf_counter() - t0
    return tokens


def encode_seg(tokens: list[str]) -> bytes:
    """Token lengths as bytes (tokens longer than 255 are split: only word starts and
    ends of words up to 255 characters matter)."""
    out = bytearray()
    for tok in tokens:
        n = len(tok)
        while n > 255:
            out.append(255)
            n -= 255
        if n:
            out.append(n)
    return bytes(out)


def decode_seg(norm: str, seg: bytes) -> list[tuple[int, int]]:
    """(start, end) of each token; falls back to one token when ``seg`` does not fit."""
    spans = []
    pos = 0
    for n in seg:
        spans.append((pos, pos + n))
        pos += n
    if pos != len(norm):
        return [(0, len(norm))] if norm else []
    return spans


# -- token streams ---------------------------------------------------------------------


def body_tokens(norm: str) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, startchar, endchar) of the sub-word stream of normalised text."""
    pos = 0
    last_end = 0
    first = True
    for m in TOKEN_RE.finditer(norm):
        start = m.start()
        if not first and norm[last_end:start].strip():
            pos += 1  # punctuation between tokens: phrases must not cross it
        first = False
        han = m.group(1)
        if han is not None:
            n = len(han)
            for i in range(n):
                yield han[i : i + 2], pos, start + i, start + min(i + 2, n)
                pos += 1
        else:
            yield m.group(2), pos, start, m.end()
            pos += 1
        last_end = m.end()


def query_tokens(norm: str) -> list[str]:
    """The body terms a query string must have at consecutive positions.

    Like :func:`body_tokens`, except that the last Han run of the string drops its final
    single character when it has two or more: the bigrams already cover it, and in a
    longer run of the text that character starts a bigram rather than standing alone.
    Punctuation gaps are not represented (see :func:`split_pieces`).
    """
    matches = list(TOKEN_RE.finditer(norm))
    out: list[str] = []
    for k, m in enumerate(matches):
        han = m.group(1)
        if han is None:
            out.append(m.group(2))
            continue
        last = k == len(matches) - 1
        n = len(han)
        stop = n - 1 if (last and n > 1) else n
        out.extend(han[i : i + 2] for i in range(stop))
    return out


def split_pieces(norm: str) -> list[str]:
    """Split a query string at punctuation (where the index has position gaps)."""
    pieces: list[str] = []
    start = None
    last_end = 0
    for m in TOKEN_RE.finditer(norm):
        if start is None:
            start = m.start()
        elif norm[last_end : m.start()].strip():
            pieces.append(norm[start:last_end])
            start = m.start()
        last_end = m.end()
    if start is not None:
        pieces.append(norm[start:last_end])
    return pieces


# -- paragraph analysis ----------------------------------------------------------------


def _body(norm: str) -> tuple[dict[str, list[int]], list[int]]:
    """Sub-word postings of normalised text: term -> positions, and for every character
    the position of the bigram starting there (-1 outside Han runs)."""
    poses: dict[str, list[int]] = {}
    pos_at = [-1] * len(norm)
    pos = 0
    last_end = -1
    for m in TOKEN_RE.finditer(norm):
        start, end = m.span()
        if last_end >= 0 and norm[last_end:start].strip():
            pos += 1
        han = m.group(1)
        if han is not None:
            n = end - start
            pos_at[start:end] = range(pos, pos + n)
            for i, term in enumerate([han[i : i + 2] for i in range(n)], pos):
                pl = poses.get(term)
                if pl is None:
                    poses[term] = [i]
                else:
                    pl.append(i)
            pos += n
        else:
            term = m.group(2)
            pl = poses.get(term)
            if pl is None:
                poses[term] = [pos]
            else:
                pl.append(pos)
            pos += 1
        last_end = end
    return poses, pos_at


class ParagraphAnalysis:
    """Everything an index needs from one paragraph, computed once, as plain data (the
    Whoosh backend encodes it into postings: ``backends/whoosh/postings.py``).

    - ``poses``: body term -> its positions (bigrams of Han runs, whole Latin/digit
      runs; see :func:`body_tokens`);
    - ``bonus``: body terms that are also whole two-character jieba words there (they
      rank above sub-word matches: ``WORD_BONUS`` each);
    - ``long_words``: jieba words of three or more characters holding Han (the
      ``words`` ranking field);
    - ``han_words``: the paragraph's Han jieba words (for the pinyin lexicon);
    - ``seg``: jieba token lengths, stored with the paragraph so that it can be
      re-indexed later (entity enrichment) without running jieba again.
    """

    __slots__ = ("bonus", "han_words", "long_words", "norm", "poses", "seg")

    def __init__(self, norm: str, seg: bytes) -> None:
        self.norm = norm
        self.seg = seg
        poses, pos_at = _body(norm)
        bonus: Counter[str] = Counter()
        long_words: list[str] = []
        han_words: list[str] = []
        start = 0
        total = len(norm)
        for n in seg:
            end = start + n
            if n >= 2 and end <= total and pos_at[start] >= 0:
                word = norm[start:end]
                if n == 2:
                    if pos_at[start + 1] == pos_at[start] + 1:  # a bigram of one run
                        bonus[word] += 1
                        han_words.append(word)
                elif HAN_RE.search(word):
                    long_words.append(word)
                    if HAN_RUN_RE.fullmatch(word):
                        han_words.append(word)
            start = end
        self.poses = poses
        self.bonus = bonus
        self.long_words = long_words
        self.han_words = han_words

    def weight(self, term: str) -> float:
        """The term's weight in the body field: its frequency plus the word bonus."""
        n = len(self.poses[term])
        return n + WORD_BONUS * self.bonus[term] if self.bonus else float(n)


def analyse_paragraph(folded: str, words: bool = True) -> ParagraphAnalysis:
    """Analyse a folded paragraph. With ``words`` jieba runs (word bonus, ``words``
    field, Han words for the pinyin lexicon); without, only the bigram stream is made
    and ``seg`` is empty: the entity pass segments the paragraph later."""
    norm = normalise(folded)
    counters["paragraphs"] += 1
    seg = encode_seg(segment(norm)) if words else b""
    t0 = time.perf_counter()
    analysis = ParagraphAnalysis(norm, seg)
    counters["s_analyse"] += time.perf_counter() - t0
    return analysis


def reanalyse_paragraph(folded: str, seg: bytes) -> ParagraphAnalysis:
    """Rebuild the analysis from stored jieba boundaries (no jieba)."""
    counters["replayed"] += 1
    return ParagraphAnalysis(normalise(folded), seg)


def text_positions(text: str) -> dict[str, list[int]]:
    """Sub-word terms of a short text (title, outlet) and their positions: no jieba."""
    poses: dict[str, list[int]] = defaultdict(list)
    for term, pos, _s, _e in body_tokens(fold_normalise(text)):
        poses[term].append(pos)
    return dict(poses)


def find_spans(norm_text: str, terms: list[str] | tuple[str, ...]) -> list[tuple[int, int]]:
    """Every occurrence of each (normalised) term in the normalised text, as sorted,
    non-overlapping spans; where occurrences overlap the earlier (then longer) one wins,
    so each span is exactly one term."""
    found: list[tuple[int, int]] = []
    for term in terms:
        if not term:
            continue
        start = norm_text.find(term)
        while start >= 0:
            found.append((start, start + len(term)))
            start = norm_text.find(term, start + 1)
    found.sort(key=lambda se: (se[0], -se[1]))
    out: list[tuple[int, int]] = []
    end = -1
    for s, e in found:
        if s >= end:
            out.append((s, e))
            end = e
    return out
