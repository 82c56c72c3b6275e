"""Script folding: Traditional -> Simplified (and back) that keeps every offset.

``fold`` is OpenCC ``t2s``; search folds both the text and the query with it so that
科創 and 科创 meet. The folded string always has the length of its input, so a match
offset in folded text is the same offset in the original. OpenCC converts character for
character in practice; should a phrase rule ever change the length, the text is
converted one character at a time instead, which cannot change it.
"""

from __future__ import annotations

import threading
from functools import cache, lru_cache

import opencc

_LOCK = threading.Lock()


@cache
def _converter(config: str) -> opencc.OpenCC:
    """One process-wide converter per configuration (loading the dictionaries is slow)."""
    return opencc.OpenCC(config)


def _convert(config: str, text: str) -> str:
    with _LOCK:  # the C++ converter is not documented as thread-safe
        return _converter(config).convert(text)


@lru_cache(maxsize=65536)
def _convert_char(config: str, char: str) -> str:
    try:
        out = _convert(config, char)
    except UnicodeError:  # a lone surrogate cannot reach the C++ library
        return char
    return out if len(out) == 1 else char


def _same_length(config: str, text: str) -> str:
    if not text:
        return text
    try:
        out = _convert(config, text)
    except UnicodeError:
        out = ""
    if len(out) != len(text):
        out = "".join([_convert_char(config, ch) for ch in text])
    assert len(out) == len(text), "script folding must keep the text length"
    return out


def fold(text: str) -> str:
    """OpenCC ``t2s`` of ``text`` with ``len(fold(text)) == len(text)``."""
    return _same_length("t2s", text)


def to_traditional(text: str) -> str:
    """OpenCC ``s2t`` of ``text`` with the same length (for the reader's script toggle)."""
    return _same_length("s2t", text)
