"""The pinyin lexicon kept beside the index: Han word -> [document frequency, pinyin
keys] for the writer (``.lexicon``) and pinyin key -> words by frequency for the searcher
(``.pinyin``), rewritten before each commit.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterable
from pathlib import Path

from g60_reader.index import pinyin

from .files import LEXICON_NAME, PINYIN_NAME, _write_atomic


def load_lexicon(index_dir: Path) -> dict[str, list]:
    try:
        data = (index_dir / LEXICON_NAME).read_bytes()
        lex = marshal.loads(data)
        return lex if isinstance(lex, dict) else {}
    except (OSError, ValueError, EOFError, TypeError):
        return {}


def load_pinyin(index_dir: Path) -> dict[str, list[str]]:
    """Pinyin key -> Han words (most frequent first), as the searcher needs it."""
    try:
        table = marshal.loads((index_dir / PINYIN_NAME).read_bytes())
        return table if isinstance(table, dict) else {}
    except (OSError, ValueError, EOFError, TypeError):
        return {}


def _save_lexicon(index_dir: Path, lex: dict[str, list]) -> None:
    """The writer's lexicon (word -> [document frequency, pinyin keys]) and the
    searcher's table (key -> words by frequency), precomputed so that the first pinyin
    query does not pay for it."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for word, (df, keys) in lex.items():
        for key in keys:
            by_key.setdefault(key, []).append((-df, word))
    table = {key: [w for _n, w in sorted(v)] for key, v in by_key.items()}
    _write_atomic(index_dir / LEXICON_NAME, marshal.dumps(lex))
    _write_atomic(index_dir / PINYIN_NAME, marshal.dumps(table))


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
