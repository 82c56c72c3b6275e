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
