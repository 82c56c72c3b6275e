"""The parameters of reprint detection, with the measurement that chose each value.

All figures are from ``python -m tests.bench.reprints tune --size 4000`` (the dev split of
the labelled set built there from People's Daily, January 1998, plus synthetic text; one
parameter changed at a time; the defaults score precision 0.9985, recall 0.994; see
docs/reprints.md).
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
    """Shingle length in characters. On the 4,000-article dev set k=4 links roundups
    (precision 0.996), k=6 and 8 lose edited copies (recall 0.989, 0.991)."""
    num_perm: int = 64
    """MinHash permutations (rensa R-MinHash). 32 (16 bands) drops recall to 0.986; 96 and
    128 gain nothing for 1.5-2x the memory."""
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
    compared at the coarser level of the two). 64: recall 0.992; 256: 0.996, for twice the
    memory."""
    min_chars: int = 40
    """Articles with fewer content characters (letters, digits, Han, after furniture is
    dropped) are never clustered: a one-line notice is not a story. 60 costs recall 0.008
    and 100 costs 0.068 (two-line briefs); 20 gains 0.0015."""
    containment: float = 0.6
    """A candidate pair is a reprint when the share of one article's content found in the
    other reaches this (the larger of the two shares: the shorter copy is contained). At
    0.4 same-topic articles and bulletins get in (precision 0.996); at 0.8 recall falls to
    0.985."""
    floor: float = 0.3
    """... and the share of the other article found in the first reaches this: a roundup
    page that quotes several briefs in full does not tie them into one story. On the dev
    set 0.3 scores precision 0.9985, recall 0.994; 0.25 lets roundups in (0.993 / 0.997),
    0.2 more so (0.963 / 0.999); 0.35 drops copies cut to 40% (0.9985 / 0.986)."""
    df_cap: int = 30
    """A unit (sentence) found in this many articles or more is boilerplate: it does not
    count as shared content, unless an article has no rare content of its own (a story
    reprinted more often than this). Without the cap precision falls to 0.51 on the dev
    set (unknown site footers); 10 to 50 score alike."""
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
        if self.num_perm // self.bands not in (1, 2):
            raise ValueError("bands of 1 or 2 rows only (4 rows lost recall: 0.874 on dev)")


__all__ = ["Params"]
