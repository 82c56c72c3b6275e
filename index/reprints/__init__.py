"""Reprint clusters: one story, many copies, across both scripts.

Chinese news is republished constantly: a wire story appears on dozens of sites within
hours, converted between Simplified and Traditional script, under a new headline, with
the lead or tail trimmed, an editor's or source line added, punctuation changed. This
package groups such near-duplicates into *story clusters* at index time, for any search
backend (it imports no backend, no Whoosh, no Textual)::

    from g60_reader.index.reprints import StoryClusters, StoryDoc

    clusters = StoryClusters.open(index_dir)          # or None: in memory
    clusters.add(StoryDoc(a.id, a.title, a.text) for a in articles)
    clusters.save()                                   # atomic
    clusters.cluster_of("a1")                         # "s3f…" or None
    clusters.members("s3f…")                          # ["a1", "a7", …]

The method (fold, drop furniture, 5-shingles, rensa MinHash banded for candidates,
containment with boilerplate discounted for the decision, components for clusters), its
parameters and the measurements behind them are in ``docs/reprints.md``; each module's
docstring has its own figures.
"""

from __future__ import annotations

from .clusters import StoryClusters, StoryDoc
from .graph import cluster_id
from .params import Params

__all__ = ["Params", "StoryClusters", "StoryDoc", "cluster_id"]
