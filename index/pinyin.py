"""Pinyin keys for Han words, so that ``jinhua`` or ``jh`` finds 金华.

Readings come from pypinyin (its phrase dictionary decides heteronyms in context: 银行
is yin hang, 重庆 chong qing) plus :data:`OVERRIDES` for words it reads wrong. The
overrides are loaded into pypinyin's phrase dictionary, so longer words that contain
them (长三角地区) are read right too. A word may have more than one accepted reading
(朝阳 is zhao yang in 朝阳产业 and chao yang for the district): each gives keys.

Keys of a word: the toneless full pinyin ("jinhua") and the initials ("jh"). Results
are cached per word.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

# word -> accepted readings (space separated syllables, toneless)
OVERRIDES: dict[str, tuple[str, ...]] = {
    "长三角": ("chang san jiao",),
    "长三角区域": ("chang san jiao qu yu",),
    "朝阳": ("zhao yang", "chao yang"),
    "单县": ("shan xian",),
    "长兴岛": ("chang xing dao",),
    "长治": ("chang zhi",),
    "长汀": ("chang ting",),
}

_PINYIN_QUERY = re.compile(r"[a-z]{2,40}")
_SYLLABLE = re.compile(r"[a-z]+")
_LOCK = threading.Lock()
_READY = False


def _setup() -> None:
    global _READY
    if _READY:
        return
    with _LOCK:
        if _READY:
            return
        from pypinyin import load_phrases_dict

        phrases = {w: [[s] for s in r[0].split()] for w, r in OVERRIDES.items()}
        load_phrases_dict(phrases)
        _READY = True


_TONES = str.maketrans(
    {
        **dict.fromkeys("āáǎà", "a"),
        **dict.fromkeys("ēéěèê", "e"),
        **dict.fromkeys("īíǐì", "i"),
        **dict.fromkeys("ōóǒò", "o"),
        **dict.fromkeys("ūúǔù", "u"),
        **dict.fromkeys("üǖǘǚǜ", "v"),
        **dict.fromkeys("ńňǹ", "n"),
        **dict.fromkeys("ḿ", "m"),
    }
)
_MAX_PHRASE = 8


def _plain(syllable: str) -> str:
    out = syllable.translate(_TONES)
    if not out.isascii():
        out = "".join(c for c in unicodedata.normalize("NFD", out) if not unicodedata.combining(c))
    return out


@lru_cache(maxsize=65_536)
def _char(ch: str) -> str:
    from pypinyin.constants import PINYIN_DICT

    value = PINYIN_DICT.get(ord(ch))
    return _plain(value.split(",")[0]) if value else ""


@lru_cache(maxsize=200_000)
def _phrase(part: str) -> tuple[str, ...] | None:
    from pypinyin.constants import PHRASES_DICT

    value = PHRASES_DICT.get(part)
    if value is None:
        return None
    return tuple(_plain(options[0]) for options in value)


@lru_cache(maxsize=200_000)
def readings(word: str) -> tuple[tuple[str, ...], ...]:
    """Toneless syllables of ``word`` for each accepted reading (Han characters only).

    Forward maximum matching over pypinyin's phrase dictionary (with our overrides),
    each character alone otherwise: what ``lazy_pinyin`` does, without its per-call
    overhead (indexing reads every word of the corpus).
    """
    if word in OVERRIDES:
        return tuple(tuple(r.split()) for r in OVERRIDES[word])
    _setup()
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        for size in range(min(_MAX_PHRASE, n - i), 1, -1):
            syllables = _phrase(word[i : i + size])
            if syllables is not None and len(syllables) == size:
                out.extend(syllables)
                i += size
                break
        else:
            syllable = _char(word[i])
            if not syllable or not _SYLLABLE.fullmatch(syllable):
                return ()
            out.append(syllable)
            i += 1
    return (tuple(out),)


@lru_cache(maxsize=200_000)
def keys(word: str) -> tuple[str, ...]:
    """Pinyin keys of a Han word: full toneless pinyin and initials, per reading."""
    out: list[str] = []
    for syllables in readings(word):
        full = "".join(syllables)
        initials = "".join(s[0] for s in syllables)
        for key in (full, initials):
            if key not in out:
                out.append(key)
    return tuple(out)


def full_key(word: str) -> str:
    """The first reading's full toneless pinyin ("" when it has none)."""
    r = readings(word)
    return "".join(r[0]) if r else ""


def is_pinyin_query(word: str) -> bool:
    """An all-ASCII-letters query word of two or more letters may be pinyin."""
    return _PINYIN_QUERY.fullmatch(word) is not None


# -- from pinyin back to characters ----------------------------------------------------
#
# Before the entity pass has run jieba over a text there is no lexicon for it, so the
# searcher derives candidate words from the index itself: every way of splitting the
# query into syllables, each syllable read as the common characters with that reading,
# kept only where the bigrams exist (``search.py``). These helpers give the syllables
# and the characters.

MAX_SYLLABLES = 8  # longer candidate words are not derived
MAX_SEGMENTATIONS = 16
_VOWELS = frozenset("aeiouv")


def _common(ch: str) -> bool:
    """GB2312 level 1: the 3,755 most used Simplified characters. Measured against the
    People's Daily 1998 lexicon, words made of them carry 99.3% of the word occurrences
    (levels 1+2: 99.98%, but 1.7 times as many characters per syllable to look up)."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xB0 <= b[0] <= 0xD7


@lru_cache(maxsize=1)
def _by_syllable() -> dict[str, tuple[str, ...]]:
    """Toneless syllable -> the common characters with that reading (every reading of a
    heteronym counts: 行 is under xing and hang). Only characters that are their own
    Traditional-to-Simplified fold, since the index holds folded text. Built once (about
    40 ms after pypinyin's import)."""
    from pypinyin.constants import PINYIN_DICT

    from g60_reader.corpus.fold import fold

    chars = [chr(cp) for cp in PINYIN_DICT if _common(chr(cp))]
    folded = fold("\n".join(chars))[::2]  # one fold call; newlines keep chars apart
    out: dict[str, list[str]] = {}
    for ch, same in zip(chars, folded, strict=True):
        if ch != same:
            continue
        for reading in PINYIN_DICT[ord(ch)].split(","):
            syllable = _plain(reading)
            if not _SYLLABLE.fullmatch(syllable) or not _VOWELS.intersection(syllable):
                continue  # interjections written without a vowel (hng, m)
            group = out.setdefault(syllable, [])
            if ch not in group:
                group.append(ch)
    return {s: tuple(chars) for s, chars in out.items()}


def characters(syllable: str) -> tuple[str, ...]:
    """Common Simplified characters read ``syllable`` (toneless, ü as v)."""
    return _by_syllable().get(syllable, ())


def main_reading(ch: str, syllable: str) -> bool:
    """``syllable`` is the first (most used) reading pypinyin gives ``ch``."""
    return _char(ch) == syllable


def needs_apostrophe(syllables: tuple[str, ...]) -> bool:
    """A syllable after the first starts with a vowel (xi'an, fang'an): pinyin writes an
    apostrophe there, so a reading without one is the likelier."""
    return any(s[0] in "aeo" for s in syllables[1:])


@lru_cache(maxsize=4096)
def segmentations(
    key: str, limit: int = MAX_SEGMENTATIONS, longest: int = MAX_SYLLABLES
) -> tuple[tuple[str, ...], ...]:
    """Every way (at most ``limit``, fewest syllables first) to split toneless pinyin
    ``key`` into at most ``longest`` valid syllables: ``xian`` is (xian,) and (xi, an)."""
    table = _by_syllable()
    n = len(key)
    widest = 6  # zhuang, shuang, chuang
    # fewest syllables needed to finish from each position (None: cannot finish)
    need: list[int | None] = [None] * (n + 1)
    need[n] = 0
    for i in range(n - 1, -1, -1):
        best = None
        for j in range(i + 1, min(n, i + widest) + 1):
            rest = need[j]
            if rest is not None and key[i:j] in table and (best is None or rest + 1 < best):
                best = rest + 1
        need[i] = best
    if need[0] is None or need[0] > longest:
        return ()
    out: list[tuple[str, ...]] = []
    path: list[str] = []

    def walk(i: int) -> None:
        if len(out) >= limit * 4:  # enough to choose the shortest from
            return
        if i == n:
            out.append(tuple(path))
            return
        for j in range(min(n, i + widest), i, -1):
            rest = need[j]
            if rest is None or len(path) + 1 + rest > longest or key[i:j] not in table:
                continue
            path.append(key[i:j])
            walk(j)
            path.pop()

    walk(0)
    out.sort(key=len)
    return tuple(out[:limit])
