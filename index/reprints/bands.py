"""Candidate pairs by MinHash banding, over rensa's signatures, in sorted numpy arrays.

Signatures are rensa's R-MinHash (the hashing stays the library's). LSH banding splits a
signature of ``num_perm`` values into ``bands`` bands of ``rows`` values; two articles are
candidates when all rows of some band agree. With 2 rows a band *is* a 64-bit key (the two
32-bit values side by side), so nothing is hashed here: each band is a sorted array of
keys with the slot of each, queried with ``searchsorted``.

Why not rensa's own ``RMinHashLSH`` (or datasketch's ``MinHashLSH``)? Measured on this
machine with 100k distinct signatures (64 permutations, 32 bands of 2 rows, each in a
fresh process: ``python -m tests.bench.reprints index-memory``): rensa's index is resident
at 279 MB and needs a 3.3 KB ``RMinHash`` object per insert and per query; datasketch's
is 1,142 MB of Python dicts. These arrays hold the same bands with exact keys in
32 x 12 bytes = 38 MB per 100k (75 MB resident while being built), and on the 3,000
dev articles they return exactly the candidate sets rensa's index returns
(``python -m tests.bench.reprints libs``). They are rebuilt from the stored signatures in
about 0.3 s; neither library keeps its index on disk by itself.

New keys wait in a pending list and go into a small sorted tail before the next query; the
tail is folded into the main arrays once it passes an eighth of them. Removed slots are
masked and dropped at the next fold once a quarter is dead.
"""

from __future__ import annotations

import numpy as np

_EMPTY_KEYS = np.empty(0, dtype=np.uint64)
_EMPTY_SLOTS = np.empty(0, dtype=np.int32)


class BandIndex:
    """Slots by band key; :meth:`pairs` gives candidate pairs of given slots.

    Two sorted levels per band, as in a log-structured merge: a large *main* array and a
    small *tail* that takes new keys (re-sorted on each merge, cheap while small) and is
    folded into the main array once it passes an eighth of it. Many small ``add`` calls
    then cost about their own size each, not a sort of the whole archive.
    """

    def __init__(self, num_perm: int, bands: int) -> None:
        if num_perm % bands or num_perm // bands not in (1, 2):
            raise ValueError("bands must have 1 or 2 rows (a band is then its own key)")
        self.num_perm = num_perm
        self.bands = bands
        self.rows = num_perm // bands
        # per level (0: main, 1: tail), per band: sorted keys and their slots
        self._keys = [[_EMPTY_KEYS] * bands, [_EMPTY_KEYS] * bands]
        self._slots = [[_EMPTY_SLOTS] * bands, [_EMPTY_SLOTS] * bands]
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # (keys (n, bands), slots)
        self._alive = np.zeros(0, dtype=np.bool_)
        self._dead = 0

    def band_keys(self, sigs: np.ndarray) -> np.ndarray:
        """``(n, bands)`` uint64 keys of ``(n, num_perm)`` uint32 signatures."""
        sigs = np.asarray(sigs, dtype=np.uint64).reshape(-1, self.bands, self.rows)
        if self.rows == 1:
            return sigs[:, :, 0]
        return (sigs[:, :, 0] << np.uint64(32)) | sigs[:, :, 1]

    def add(self, slots: np.ndarray, sigs: np.ndarray) -> None:
        """Index ``slots`` (int array) with their signatures (``(n, num_perm)`` uint32)."""
        slots = np.asarray(slots, dtype=np.int64)
        if not len(slots):
            return
        top = int(slots.max()) + 1
        if top > len(self._alive):
            grown = np.zeros(max(top, 2 * len(self._alive), 1024), dtype=np.bool_)
            grown[: len(self._alive)] = self._alive
            self._alive = grown
        self._alive[slots] = True
        self._pending.append((self.band_keys(sigs), slots.astype(np.int32)))

    def remove(self, slots: np.ndarray) -> None:
        slots = np.asarray(slots, dtype=np.int64)
        slots = slots[slots < len(self._alive)]
        self._dead += int(self._alive[slots].sum())
        self._alive[slots] = False

    def __len__(self) -> int:
        return int(self._alive.sum())

    def _merge(self) -> None:
        compact = self._dead * 4 > max(1, len(self))
        if not self._pending and not compact:
            return
        new_keys = (
            np.concatenate([k for k, _ in self._pending])
            if self._pending
            else np.empty((0, self.bands), dtype=np.uint64)
        )
        new_slots = np.concatenate([s for _, s in self._pending]) if self._pending else _EMPTY_SLOTS
        main_size = len(self._keys[0][0])
        tail_size = len(self._keys[1][0]) + len(new_slots)
        fold = compact or tail_size * 8 > main_size
        for b in range(self.bands):
            keys = [self._keys[1][b], new_keys[:, b]]
            slots = [self._slots[1][b], new_slots]
            if fold:
                keys.insert(0, self._keys[0][b])
                slots.insert(0, self._slots[0][b])
            k = np.concatenate(keys)
            s = np.concatenate(slots)
            if compact:
                keep = self._alive[s]
                k, s = k[keep], s[keep]
            order = np.argsort(k, kind="stable")
            level = 0 if fold else 1
            self._keys[level][b] = k[order]
            self._slots[level][b] = s[order]
            if fold:
                self._keys[1][b] = _EMPTY_KEYS
                self._slots[1][b] = _EMPTY_SLOTS
        self._pending = []
        if compact:
            self._dead = 0

    def pairs(self, slots: np.ndarray, sigs: np.ndarray) -> np.ndarray:
        """Candidate pairs ``(slot, other)`` of each given slot (``(m, 2)`` int64, each pair
        once, ``other != slot``, only live slots)."""
        self._merge()
        slots = np.asarray(slots, dtype=np.int64)
        if not len(slots):
            return np.empty((0, 2), dtype=np.int64)
        qkeys = self.band_keys(sigs)
        found: list[np.ndarray] = []
        for level in (0, 1):
            for b in range(self.bands):
                keys = self._keys[level][b]
                if not len(keys):
                    continue
                lo = np.searchsorted(keys, qkeys[:, b], side="left")
                hi = np.searchsorted(keys, qkeys[:, b], side="right")
                counts = hi - lo
                total = int(counts.sum())
                if total == 0:
                    continue
                src = np.repeat(slots, counts)
                starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
                other = self._slots[level][b][starts + np.arange(total)].astype(np.int64)
                found.append(np.stack([src, other], axis=1))
        if not found:
            return np.empty((0, 2), dtype=np.int64)
        pairs = np.concatenate(found)
        pairs = pairs[(pairs[:, 0] != pairs[:, 1]) & self._alive[pairs[:, 1]]]
        code = np.unique((pairs[:, 0] << 32) | pairs[:, 1])  # slots stay below 2**31
        return np.stack([code >> 32, code & 0xFFFFFFFF], axis=1)


__all__ = ["BandIndex"]
