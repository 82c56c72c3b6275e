"""The shipped gazetteer: well-known places, regions, initiatives and organisations,
matched on folded text.

The data lives in ``corpus/data/gazetteer.tsv`` (places, regions, initiatives; its header
documents the format) and ``corpus/data/organisations.tsv`` (well-known Chinese and
international organisations, same format). Names
are stored in Simplified script and are folded once more with the same ``t2s`` folding as
the text, so a name matches Traditional and Simplified writing alike. Matching here is
plain string search; whether a match stands as a word is decided by the recogniser, which
knows the tokenisation (``g60_reader.corpus.entities``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GAZETTEER_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.tsv"
ORGANISATIONS_PATH = GAZETTEER_PATH.with_name("organisations.tsv")
#: The shipped files, read in this order (the first entry for a form wins).
DATA_PATHS = (GAZETTEER_PATH, ORGANISATIONS_PATH)
TYPES = ("place", "organization", "initiative")
ABBREVIATION = "abbreviation"


class GazetteerError(ValueError):
    """A malformed gazetteer file: ``"<path>:<line>: <reason>"``."""


@dataclass(frozen=True, slots=True)
class Entry:
    name: str  # the form as written in the file (Simplified)
    type: str  # place | organization | initiative
    group: str  # g60, province, prefecture, region, initiative, abbreviation ...
    canonical: str  # the full name this form belongs to


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    entry: Entry


class Gazetteer:
    """Names by folded form; ``find`` lists every occurrence (overlaps included)."""

    def __init__(self, entries: list[Entry], fold: Callable[[str], str] | None = None) -> None:
        self._fold = fold or (lambda s: s)
        self.entries: dict[str, Entry] = {}
        self.abbreviations: dict[str, Entry] = {}
        self._by_first: dict[str, list[str]] = {}
        for entry in entries:
            key = self._fold(entry.name)
            if entry.group == ABBREVIATION:
                self.abbreviations[key] = entry
                continue
            # The first entry for a form wins (吉林 is the province's short form first).
            self.entries.setdefault(key, entry)
        #: the folded one-character short forms (沪 苏 浙 皖 ...), for folded text
        self.abbreviation_chars = frozenset(self.abbreviations)
        for key in self.entries:
            self._by_first.setdefault(key[0], []).append(key)
        for keys in self._by_first.values():
            keys.sort(key=len, reverse=True)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._fold(name) in self.entries

    def lookup(self, name: str) -> Entry | None:
        return self.entries.get(self._fold(name))

    def is_abbreviation(self, char: str) -> bool:
        return self._fold(char) in self.abbreviations

    def find(self, folded: str) -> list[Match]:
        """Every occurrence of every name in ``folded`` (already folded), longest first."""
        out: list[Match] = []
        by_first = self._by_first
        for i, ch in enumerate(folded):
            keys = by_first.get(ch)
            if not keys:
                continue
            for key in keys:
                if folded.startswith(key, i):
                    out.append(Match(i, i + len(key), self.entries[key]))
        return out


def parse(text: str, source: str = "gazetteer") -> list[Entry]:
    """Entries of a gazetteer file's text; raises :class:`GazetteerError` on a bad line."""
    entries: list[Entry] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 3 or len(cols) > 4:
            raise GazetteerError(f"{source}:{number}: expected 3 or 4 tab-separated columns")
        name, typ, group = (c.strip() for c in cols[:3])
        shorts = [s.strip() for s in cols[3].split("|")] if len(cols) == 4 else []
        if not name:
            raise GazetteerError(f"{source}:{number}: empty name")
        if typ not in TYPES:
            raise GazetteerError(f"{source}:{number}: unknown type {typ!r}")
        if group == ABBREVIATION and len(name) != 1:
            raise GazetteerError(f"{source}:{number}: an abbreviation is one character")
        entries.append(Entry(name, typ, group, name))
        entries.extend(Entry(s, typ, group, name) for s in shorts if s)
    return entries


def _default_fold(text: str) -> str:
    from g60_reader.corpus.entities import fold_text

    return fold_text(text)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer: places and organisations (loaded once per process)."""
    entries: list[Entry] = []
    for path in DATA_PATHS:
        entries.extend(parse(path.read_text(encoding="utf-8"), str(path)))
    return Gazetteer(entries, fold=_default_fold)
