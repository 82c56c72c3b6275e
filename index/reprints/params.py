"""The parameters of reprint detection, with the measurement that chose each value.

All figures are from ``python -m tests.bench.reprints`` (dev split of the labelled set
built there from People's Daily, January 1998, plus synthetic text; see docs/reprints.md).
A stored cluster file records the parameters it was built with; opening it with other
*hashing* parameters (k, num_perm, bands, seed, sample_target) is refused, since its
signatures could not be compared with new ones.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Params:
    """Detection parameters (defaults chosen on the dev split; see the module docstring)."""

    k: int = 5
    """Shingle length in characters. k=4 let same-topic articles share too much phrasing;
    k>=6 lost trimmed copies whose paragraphs were reordered; 5 held both goals."""
    num_perm: int = 64
    """MinHash permutations (rensa R-MinHash)."""
    bands: int = 32
    """LSH bands; rows per band = num_perm // bands = 2, so a pair of Jaccard 0.3 is a
    candidate with probability 1-(1-0.3**2)**32 = 0.95 and one of Jaccard 0.4 with 0.996:
    a copy cut to 40% of its original has Jaccard about 0.4."""
    seed: int = 60
    """MinHash seed (fixed: signatures of different seeds cannot be compared)."""
    sample_target: int = 128
    """Shingles kept per article for verification: every shingle whose hash has its low
    ``level`` bits zero, ``level`` the smallest giving at most this many (so the sample of
    a short article holds all of its shingles, and samples of any two articles can be
    compared at the coarser level of the two)."""
    min_chars: int = 40
    """Articles with fewer content characters (letters, digits, Han, after furniture is
    dropped) are never clustered: a one-line notice is not a story."""
    containment: float = 0.6
    """A candidate pair is a reprint when the share of one article's content found in the
    other reaches this (the larger of the two shares: the shorter copy is contained)."""
    floor: float = 0.25
    """... and the share of the other article found in the first reaches this: a roundup
    page that quotes four briefs in full does not tie them into one story."""
    df_cap: int = 30
    """A unit (sentence) found in this many articles or more is boilerplate: it does not
    count as shared content, unless neither article has rare content of its own (a story
    reprinted more often than this)."""
    rare_min_chars: int = 40
    """An article needs this much content in rare units for the discounted comparison; with
    less it is all boilerplate or all a much-reprinted story, and is compared in full."""
    common_min_shared: int = 120
    """Compared in full, a pair must share at least this many content characters: a
    disclaimer of 60 characters never makes two short notices one story."""

    @property
    def rows(self) -> int:
        """Rows per LSH band."""
        return self.num_perm // self.bands

    def hashing(self) -> dict[str, int]:
        """The parameters a stored signature depends on."""
        return {
            "k": self.k,
            "num_perm": self.num_perm,
            "bands": self.bands,
            "seed": self.seed,
            "sample_target": self.sample_target,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def __post_init__(self) -> None:
        if self.k < 2 or self.num_perm < 2 or self.bands < 1 or self.num_perm % self.bands:
            raise ValueError(f"invalid reprint parameters: {self}")


__all__ = ["Params"]
