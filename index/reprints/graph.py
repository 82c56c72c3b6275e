"""Story clusters as connected components of the verified reprint pairs.

Two articles are in one cluster when a chain of verified pairs joins them (a lead-trimmed
and a tail-trimmed copy share nothing, but both contain the same original). Only the pair
graph is stored; components are recomputed for the clusters an operation touches, so a
removed bridge article splits its cluster exactly.

**Cluster ids** are ``"s"`` followed by 16 hex digits of BLAKE2b of the cluster's smallest
member id (Python string order). They depend on the members only, never on the order
articles arrived in, so:

* adding articles unrelated to a cluster never changes its id;
* a new member with a smaller id than all others changes it (the id follows the smallest
  member);
* when clusters merge, the merged cluster takes the id of the one holding the smallest id;
* when a cluster splits, the part holding the smallest remaining id keeps the old id if
  that member is still there, and every other part gets the id of its own smallest member.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator


def cluster_id(smallest_member: str) -> str:
    """The stable id of the cluster whose smallest member id is ``smallest_member``."""
    digest = hashlib.blake2b(smallest_member.encode("utf-8", "surrogatepass"), digest_size=8)
    return "s" + digest.hexdigest()


class Components:
    """Pair graph over integer slots and its components of two or more articles."""

    def __init__(self, name_of: Callable[[int], str]) -> None:
        self._name_of = name_of
        self.adj: dict[int, set[int]] = {}
        self.cluster_of: dict[int, str] = {}
        self.members: dict[str, list[int]] = {}

    # -- edges ------------------------------------------------------------------------
    def link(self, u: int, v: int) -> None:
        self.adj.setdefault(u, set()).add(v)
        self.adj.setdefault(v, set()).add(u)

    def unlink(self, u: int, v: int) -> None:
        for a, b in ((u, v), (v, u)):
            nbrs = self.adj.get(a)
            if nbrs is not None:
                nbrs.discard(b)
                if not nbrs:
                    del self.adj[a]

    def has(self, u: int, v: int) -> bool:
        return v in self.adj.get(u, ())

    def drop(self, u: int) -> set[int]:
        """Remove ``u`` and its pairs; its former neighbours (to settle)."""
        nbrs = self.adj.pop(u, set())
        for v in nbrs:
            self.unlink(v, u)
        return nbrs

    def edges(self) -> Iterator[tuple[int, int]]:
        for u, nbrs in self.adj.items():
            for v in nbrs:
                if u < v:
                    yield u, v

    # -- components -------------------------------------------------------------------
    def settle(self, touched: Iterable[int]) -> None:
        """Recompute the components around ``touched`` (slots whose pairs changed, or that
        left); every old cluster they belonged to is dissolved and rebuilt."""
        stale: set[int] = set()
        for t in touched:
            stale.add(t)
            cid = self.cluster_of.get(t)
            if cid is not None:
                stale.update(self.members.get(cid, ()))
        for n in stale:
            old = self.cluster_of.pop(n, None)
            if old is not None:
                self.members.pop(old, None)
        seen: set[int] = set()
        for start in stale:
            if start in seen or start not in self.adj:
                continue
            comp = [start]
            seen.add(start)
            i = 0
            while i < len(comp):
                for nb in self.adj[comp[i]]:
                    if nb not in seen:
                        seen.add(nb)
                        comp.append(nb)
                i += 1
            for n in comp:  # a merge can reach clusters none of ``touched`` was in
                old = self.cluster_of.pop(n, None)
                if old is not None:
                    self.members.pop(old, None)
            if len(comp) < 2:
                continue
            comp.sort(key=self._name_of)
            cid = cluster_id(self._name_of(comp[0]))
            self.members[cid] = comp
            for n in comp:
                self.cluster_of[n] = cid


__all__ = ["Components", "cluster_id"]
