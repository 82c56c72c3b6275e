"""The pinyin lexicon kept beside the index: Han word -> [document frequency, pinyin
keys] for the writer (``.lexicon``) and pinyin key -> words by frequency for the searcher
(``.pinyin``), rewritten before each commit.

The searcher's table is read in place (:class:`PinyinTable`): sorted keys and their
words in two blobs with offset arrays, memory-mapped and binary-searched, so a reader
does not hold it as Python objects. At 100k paragraphs the marshalled dictionary it
replaces cost 75 MB of memory from the first pinyin query on (a 9.8 MB file); a lookup
is a binary search over about 300k keys.
"""

from __future__ import annotations

import marshal
import mmap
import struct
from bisect import bisect_left
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from g60_reader.index import pinyin

from .files import LEXICON_NAME, PINYIN_NAME, _write_atomic


def load_lexicon(index_dir: Path) -> dict[str, list]:
    try:
        data = (index_dir / LEXICON_NAME).read_bytes()
        lex = marshal.loads(data)
        return lex if isinstance(lex, dict) else {}
    except (OSError, ValueError, EOFError, TypeError):
        return {}


_MAGIC = b"G60PY1\n\0"
_HEAD = struct.Struct("<8sQ")


class PinyinTable:
    """Pinyin key -> Han words (most frequent first), read from the ``.pinyin`` file in
    place: ``get(key)`` as a dictionary's."""

    def __init__(self, data) -> None:
        self.data = data
        _magic, n = _HEAD.unpack(data[: _HEAD.size])
        self.n = n
        buf = np.frombuffer(data, dtype=np.uint8)
        at = _HEAD.size
        self.koffs = buf[at : at + 8 * (n + 1)].view("<u8")
        at += 8 * (n + 1)
        self.voffs = buf[at : at + 8 * (n + 1)].view("<u8")
        at += 8 * (n + 1)
        self.kbase = at
        self.vbase = at + int(self.koffs[-1])

    def key(self, i: int) -> bytes:
        a, b = int(self.koffs[i]), int(self.koffs[i + 1])
        return self.data[self.kbase + a : self.kbase + b]

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> bytes:  # the sorted keys, for bisect
        return self.key(i)

    def get(self, key: str, default=None):
        k = key.encode("utf-8")
        i = bisect_left(self, k)
        if i >= self.n or self.key(i) != k:
            return default
        a, b = int(self.voffs[i]), int(self.voffs[i + 1])
        return self.data[self.vbase + a : self.vbase + b].decode("utf-8").split("\n")

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


def load_pinyin(index_dir: Path):
    """Pinyin key -> Han words (most frequent first), as the searcher needs it: a
    :class:`PinyinTable` over the file (a dictionary for one written before the table
    format, ``{}`` when there is none)."""
    path = index_dir / PINYIN_NAME
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_MAGIC))
            if head == _MAGIC:
                return PinyinTable(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
            table = marshal.loads(head + fh.read())
            return table if isinstance(table, dict) else {}
    except (OSError, ValueError, EOFError, TypeError, struct.error):
        return {}


def _pinyin_bytes(table: dict[str, list[str]]) -> bytes:
    """The ``.pinyin`` file of ``table``: the keys sorted by their UTF-8 bytes."""
    items = sorted((k.encode("utf-8"), "\n".join(v).encode("utf-8")) for k, v in table.items())
    keys = [k for k, _v in items]
    vals = [v for _k, v in items]
    koffs = np.zeros(len(items) + 1, dtype="<u8")
    np.cumsum([len(k) for k in keys], out=koffs[1:])
    voffs = np.zeros(len(items) + 1, dtype="<u8")
    np.cumsum([len(v) for v in vals], out=voffs[1:])
    return b"".join(
        [_HEAD.pack(_MAGIC, len(items)), koffs.tobytes(), voffs.tobytes(), *keys, *vals]
    )


def _save_lexicon(index_dir: Path, lex: dict[str, list], table: bool = True) -> None:
    """The writer's lexicon (word -> [document frequency, pinyin keys]) and, with
    ``table``, the searcher's table (key -> words by frequency), precomputed so that
    the first pinyin query does not pay for it."""
    _write_atomic(index_dir / LEXICON_NAME, marshal.dumps(lex))
    if table:
        _save_pinyin_table(index_dir, lex)


def _save_pinyin_table(index_dir: Path, lex: dict[str, list]) -> None:
    """The searcher's ``.pinyin`` table of the lexicon ``lex``."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for word, (df, keys) in lex.items():
        for key in keys:
            by_key.setdefault(key, []).append((-df, word))
    table = {key: [w for _n, w in sorted(v)] for key, v in by_key.items()}
    _write_atomic(index_dir / PINYIN_NAME, _pinyin_bytes(table))


def _pinyin_keys(word: str) -> list[str]:
    return list(pinyin.keys(word))


def _merge_lexicon(
    lexicon: dict[str, list],
    counts: Iterable[tuple[str, int]],
    keys_of: Callable[[str], list[str]] = _pinyin_keys,
) -> None:
    """Add word counts to the pinyin lexicon (``word -> [count, keys]``); keys are only
    looked up for words the lexicon does not know yet."""
    for word, n in counts:
        cur = lexicon.get(word)
        if cur is None:
            lexicon[word] = [n, keys_of(word)]
        else:
            cur[0] += n
