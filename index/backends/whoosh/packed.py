"""The packed posting format: term dictionaries and postings that numpy decodes.

Whoosh's own format (W3) keeps every term in an on-disk hash table (8 bytes of lengths,
the key, a 29-byte term info and, for the short lists most Chinese bigrams have, a
pickle of the postings: about 110 bytes for a term seen once, plus 24 bytes of hash
slots) and longer lists as zlib-compressed pickles of each block. At 100k paragraphs
that was two thirds of the index, and decoding the pickles most of a query. The text
fields (:class:`PackedPositions`, :class:`PackedFrequency`: ``body``, ``words``,
``title``, ``outlet``) are written here instead, one ``.pkd`` file per segment; the
other fields (identifiers, dates, entity keywords) stay in Whoosh's files. Whoosh reads
both through :class:`MixedTermsReader` (its terms-reader interface), so Whoosh's own
queries and the fast path see the same postings.

File layout (all integers little-endian, arrays aligned to their width)::

    for each field: its postings; the term keys (uint64, n: a term's first eight bytes
                    as a big-endian number, zero-padded); the term lengths (uint8, n;
                    255 for 255 bytes or more); for the terms longer than eight bytes
                    their numbers (uint32, m), the offsets of their tails (uint32, m + 1)
                    and the tails (every byte after the eighth); the postings offsets
                    (uint32 or uint64, n + 1, from the field's postings start)
    a JSON directory: per field the places and sizes of the above, the weight table
    uint64: where the directory starts; MAGIC

The keys are what a lookup searches (``numpy.searchsorted`` over the memory map: nothing
is built when an index is opened), and they hold a bigram's six bytes whole: a term of
up to eight bytes costs nine bytes of dictionary plus its postings offset. A file's
postings and their offsets are read with ``pread``, not through the map (see
:class:`PackedField`): at 1M paragraphs that kept a reader at 441 MB RSS instead of 1 GB.

A term's postings (``df`` postings)::

    varint         df, the number of postings
    varint  x df   document deltas (the first from 0)
    varint  x df   weight numbers (an index into the field's weight table of float32)
    varint  x df   value lengths in bytes (fields with values)
    bytes          the values, one after the other

Values are varints too: a :class:`PackedPositions` value is the position deltas of the
posting (one varint per position, the first from 0), a :class:`PackedFrequency` value
the frequency. So a field's whole postings region is one stream of varints, which
:func:`decode_varints` turns into numbers for any number of terms at once.

Varints are LEB128 (seven bits a byte, low bits first, the high bit set on every byte
but the last).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import mmap
import os
import struct
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from whoosh.codec.base import FieldCursor
from whoosh.formats import Existence, Frequency, Positions
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.reading import TermInfo, TermNotFound

EXT = ".pkd"
MAGIC = b"G60PACK1"
VERSION = 2
_TAIL = struct.Struct("<Q8s")
SPAN_CACHE = 8192  # term spans and dfs remembered per field (cleared when full)
FEW_TERMS = 256  # dfs_of reads up to this many terms' counts one by one, more through the map
CHUNK_POSTINGS = 1_000_000  # postings encoded per vectorised pass while writing
SMALL = 48  # postings chunks shorter than this are decoded in Python (numpy costs µs a call)

# -- varints ----------------------------------------------------------------------------

_LIMITS = np.array([1 << (7 * k) for k in range(1, 10)], dtype=np.uint64)


def varint(n: int) -> bytes:
    """One LEB128 varint."""
    if n < 0x80:
        return _SMALL_VARINTS[n]
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL_VARINTS = [bytes((i,)) for i in range(0x80)]


def varints(numbers: Iterable[int]) -> bytes:
    """LEB128 varints of ``numbers`` (small inputs; see :func:`encode_varints`)."""
    small = _SMALL_VARINTS
    return b"".join([small[n] if n < 0x80 else varint(n) for n in numbers])


def varint_sizes(numbers: np.ndarray) -> np.ndarray:
    """Bytes each number takes as a varint."""
    x = numbers.astype(np.uint64, copy=False)
    sizes = np.ones(x.size, dtype=np.int64)
    for limit in _LIMITS:
        big = x >= limit
        if not big.any():
            break
        sizes += big
    return sizes


def encode_varints(numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(bytes as uint8, size of each number)`` of non-negative ``numbers``."""
    x = np.asarray(numbers).astype(np.uint64, copy=False)
    if x.size and int(x.max()) < 0x80:
        return x.astype(np.uint8), np.ones(x.size, dtype=np.int64)
    sizes = varint_sizes(x)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    out = np.zeros(int(ends[-1]) if x.size else 0, dtype=np.uint8)
    k = 0
    while True:
        live = np.flatnonzero(sizes > k)
        if not live.size:
            break
        part = (x[live] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = sizes[live] > k + 1
        out[starts[live] + k] = part.astype(np.uint8) | (more.astype(np.uint8) << 7)
        k += 1
    return out, sizes


def decode_varints(buf: np.ndarray, count: int | None = None) -> np.ndarray:
    """The numbers of a byte array of whole varints, as int64 (the first ``count``
    of them when given).

    Each number is built from its last byte (its highest seven bits) down: one pass
    for the one-byte numbers, then one more over the numbers still that long, for
    each further byte. Three times faster than shifting every byte into place and
    summing per number (3.0 against 8.5 ms for 450k numbers, a tenth of them two bytes
    long)."""
    if not buf.size:
        return np.zeros(0, dtype=np.int64)
    ends = np.flatnonzero(buf < 0x80)  # the last byte of each number
    if count is not None:
        ends = ends[:count]
    vals = buf[ends].astype(np.int64)
    if ends.size and ends[-1] + 1 == ends.size:  # every number one byte long
        return vals
    counts = np.diff(ends, prepend=-1)
    k = 1
    sel = np.flatnonzero(counts > 1)
    while sel.size:
        vals[sel] = (vals[sel] << 7) | (buf[ends[sel] - k] & 0x7F)
        k += 1
        sel = sel[counts[sel] > k]
    return vals


def decode_varints_py(data) -> list[int]:
    """:func:`decode_varints` for a few bytes (no numpy call)."""
    out = []
    n = 0
    shift = 0
    for b in data:
        if b < 0x80:
            out.append(n | (b << shift))
            n = 0
            shift = 0
        else:
            n |= (b & 0x7F) << shift
            shift += 7
    return out


def _group_offsets(sizes: np.ndarray) -> np.ndarray:
    """For groups of ``sizes`` items laid end to end, each item's index in its group."""
    total = int(sizes.sum())
    starts = np.cumsum(sizes) - sizes
    return np.arange(total) - np.repeat(starts, sizes)


# -- formats ----------------------------------------------------------------------------


class PackedPositions(Positions):
    """Whoosh's ``Positions`` with varint values: the deltas of the positions."""

    def encode(self, poslist):
        last = 0
        out = []
        for p in poslist:
            out.append(p - last)
            last = p
        return varints(out)

    def decode_positions(self, valuestring):
        pos = 0
        out = []
        for d in decode_varints_py(valuestring):
            pos += d
            out.append(pos)
        return out

    def decode_frequency(self, valuestring):
        return sum(1 for b in valuestring if b < 0x80)

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost

    def combine(self, vs):
        s = set()
        for v in vs:
            s.update(self.decode_positions(v))
        return self.encode(sorted(s))


class PackedFrequency(Frequency):
    """Whoosh's ``Frequency`` with the frequency as a varint value."""

    def word_values(self, value, analyzer, **kwargs):
        for w, freq, weight, _v in super().word_values(value, analyzer, **kwargs):
            yield w, freq, weight, varint(freq)

    def decode_frequency(self, valuestring):
        return decode_varints_py(valuestring)[0] if valuestring else 0

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost


class PackedExistence(Existence):
    """Whoosh's ``Existence`` in the packed format: postings without values (the entity
    keyword fields, whose common names have long lists)."""


PACKED_FORMATS = (PackedPositions, PackedFrequency, PackedExistence)


def has_values(fieldobj) -> bool:
    """Whether a packed field's postings carry values (positions, frequencies)."""
    return not isinstance(fieldobj.format, PackedExistence)


def is_packed(fieldobj) -> bool:
    return isinstance(getattr(fieldobj, "format", None), PACKED_FORMATS)


# -- writing ----------------------------------------------------------------------------


class FieldArrays:
    """Postings of consecutive terms of one field as arrays (what is encoded at once):
    the terms in order (``terms``, or ``tblob`` + ``tlens``: their bytes end to end and
    lengths), ``dfs`` per term, then per posting ``ids`` (ascending within a term),
    ``weights`` (float32), ``vlens`` and ``values`` (the value bytes laid end to end)."""

    __slots__ = ("dfs", "ids", "tblob", "tlens", "values", "vlens", "weights")

    def __init__(self, terms, dfs, ids, weights, vlens, values, tblob=None, tlens=None) -> None:
        if terms is not None:
            tblob = np.frombuffer(b"".join(terms), dtype=np.uint8)
            tlens = np.fromiter(map(len, terms), np.int64, len(terms))
        self.tblob = np.asarray(tblob, dtype=np.uint8)
        self.tlens = np.asarray(tlens, dtype=np.int64)
        self.dfs = np.asarray(dfs, dtype=np.int64)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.vlens = np.asarray(vlens, dtype=np.int64)
        self.values = np.asarray(values, dtype=np.uint8)

    def __len__(self) -> int:
        return int(self.tlens.size)

    def term(self, i: int) -> bytes:
        i = i % len(self)
        start = int(self.tlens[:i].sum())
        return self.tblob[start : start + int(self.tlens[i])].tobytes()


class PackedWriter:
    """Writes the ``.pkd`` file of one segment, field after field."""

    def __init__(self, path: str | None = None, fh=None) -> None:
        """Write to the file at ``path``, or to the open file object ``fh`` (a Whoosh
        storage's file: it is closed with the writer)."""
        self.path = path
        if fh is None:
            if path is None:
                raise ValueError("PackedWriter needs a path or a file")
            fh = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.fh = fh
        self.pos = 0
        self.directory: dict[str, dict] = {}
        self.closed = False

    def _write(self, data, align: int = 1) -> int:
        pad = -self.pos % align
        if pad:
            self.fh.write(bytes(pad))
            self.pos += pad
        at = self.pos
        self.fh.write(data)
        self.pos += len(data)
        return at

    def write_field(self, fieldname: str, has_values: bool, chunks: Iterable[FieldArrays]) -> None:
        """One field from its terms in order, in chunks of whole terms."""
        if fieldname in self.directory:
            raise ValueError(f"field {fieldname!r} written twice")
        post_start = self.pos
        table: dict[float, int] = {}
        term_parts: list[bytes] = []
        tlens: list[np.ndarray] = []
        plens: list[np.ndarray] = []
        last_term = b""
        n = 0
        for chunk in chunks:
            if not len(chunk):
                continue
            first = chunk.term(0)
            if n and first <= last_term:
                raise ValueError(f"terms out of order: {last_term!r} .. {first!r}")
            last_term = chunk.term(-1)
            term_parts.append(chunk.tblob.tobytes())
            tlens.append(chunk.tlens)
            data, sizes = _encode_chunk(chunk, table, has_values)
            self._write(data.tobytes())
            plens.append(sizes)
            n += len(chunk)
        if not n:
            return
        post_len = self.pos - post_start
        tl = np.concatenate(tlens)
        blob = np.frombuffer(b"".join(term_parts), dtype=np.uint8)
        starts = np.cumsum(tl) - tl
        keys = term_keys(blob, starts, tl)
        longs = np.flatnonzero(tl > 8)
        tail_lens = tl[longs] - 8
        tails = blob[np.repeat(starts[longs] + 8, tail_lens) + _group_offsets(tail_lens)]
        tail_offs = np.zeros(longs.size + 1, dtype=np.int64)
        np.cumsum(tail_lens, out=tail_offs[1:])
        poffs = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.concatenate(plens), out=poffs[1:])
        if int(tail_offs[-1]) >= 1 << 32:
            raise ValueError(f"field {fieldname!r}: term bytes over 4 GB in one segment")
        wide = int(poffs[-1]) >= 1 << 32
        keys_at = self._write(keys.astype("<u8").tobytes(), align=8)
        lens_at = self._write(np.minimum(tl, 255).astype(np.uint8).tobytes())
        long_at = self._write(longs.astype("<u4").tobytes(), align=4)
        tail_offs_at = self._write(tail_offs.astype("<u4").tobytes(), align=4)
        tails_at = self._write(tails.tobytes())
        poffs_at = self._write(
            poffs.astype("<u8" if wide else "<u4").tobytes(), align=8 if wide else 4
        )
        weights = [0.0] * len(table)
        for w, i in table.items():
            weights[i] = w
        self.directory[fieldname] = {
            "n": n,
            "postings": [post_start, post_len],
            "keys": keys_at,
            "lens": lens_at,
            "long": [long_at, int(longs.size)],
            "tail_offs": tail_offs_at,
            "tails": [tails_at, int(tail_offs[-1])],
            "poffs": poffs_at,
            "wide": wide,
            "weights": weights,
            "values": has_values,
        }

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            info = json.dumps({"version": VERSION, "fields": self.directory}).encode("utf-8")
            at = self._write(info)
            self._write(_TAIL.pack(at, MAGIC))
        finally:
            self.fh.close()


def _encode_chunk(chunk: FieldArrays, table: dict[float, int], has_values: bool):
    """The postings bytes of a chunk's terms, and each term's size in bytes."""
    dfs = chunk.dfs
    nterms = dfs.size
    total = int(dfs.sum())
    ids = chunk.ids
    tstart = np.cumsum(dfs) - dfs  # first posting of each term
    deltas = ids.copy()
    if total > 1:
        deltas[1:] -= ids[:-1]
    deltas[tstart] = ids[tstart]
    if (deltas < 0).any():
        raise ValueError("document numbers must ascend within a term")
    # the weight numbers: the field's table grows as new weights are seen
    uniq, inverse = np.unique(chunk.weights, return_inverse=True)
    codes = np.empty(uniq.size, dtype=np.int64)
    for i, w in enumerate(uniq.tolist()):
        code = table.get(w)
        if code is None:
            code = table[w] = len(table)
        codes[i] = code
    wnums = codes[inverse.reshape(-1)]
    # head numbers in term order: deltas, weights, value lengths of each term
    per = 3 if has_values else 2
    within = np.arange(total) - np.repeat(tstart, dfs)
    base = np.repeat(tstart * per, dfs) + within
    rep = np.repeat(dfs, dfs)
    nums = np.empty(total * per, dtype=np.int64)
    nums[base] = deltas
    nums[base + rep] = wnums
    if has_values:
        nums[base + 2 * rep] = chunk.vlens
    head, sizes = encode_varints(nums)
    term_of_num = np.repeat(np.arange(nterms), dfs * per)
    hlen = np.bincount(term_of_num, weights=sizes, minlength=nterms).astype(np.int64)
    hvar, hvsizes = encode_varints(dfs)
    if has_values:
        vlen = np.bincount(
            np.repeat(np.arange(nterms), dfs), weights=chunk.vlens, minlength=nterms
        ).astype(np.int64)
    else:
        vlen = np.zeros(nterms, dtype=np.int64)
    term_sizes = hvsizes + hlen + vlen
    tpos = np.cumsum(term_sizes) - term_sizes
    out = np.empty(int(term_sizes.sum()), dtype=np.uint8)
    out[np.repeat(tpos, hvsizes) + _group_offsets(hvsizes)] = hvar
    out[np.repeat(tpos + hvsizes, hlen) + _group_offsets(hlen)] = head
    if has_values and chunk.values.size:
        out[np.repeat(tpos + hvsizes + hlen, vlen) + _group_offsets(vlen)] = chunk.values
    return out, term_sizes


def chunks_from_lists(
    terms: Iterable[tuple[bytes, list]], has_values: bool
) -> Iterator[FieldArrays]:
    """:class:`FieldArrays` from ``(btext, [docnum, weight, vbytes, ...])`` in term
    order (what the segment writer's pool gives), about ``CHUNK_POSTINGS`` at a time."""
    names: list[bytes] = []
    dfs: list[int] = []
    flat_all: list = []
    count = 0
    for btext, flat in terms:
        names.append(btext)
        df = len(flat) // 3
        dfs.append(df)
        flat_all += flat
        count += df
        if count >= CHUNK_POSTINGS:
            yield _lists_chunk(names, dfs, flat_all, has_values)
            names, dfs, flat_all, count = [], [], [], 0
    if names:
        yield _lists_chunk(names, dfs, flat_all, has_values)


def _not_ascending(ids: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """For each posting but the last, whether the next one's document is not above its
    own within the same term (``ends``: where each term's postings end)."""
    step = np.diff(ids) <= 0
    step[ends[:-1] - 1] = False  # a term's first posting starts over
    return step


def chunks_from_columns(
    keys: list[bytes],
    tids: np.ndarray,
    docs: np.ndarray,
    weights: np.ndarray,
    vlens: np.ndarray | None,
    vblob: np.ndarray | None,
    has_values: bool,
) -> Iterator[FieldArrays]:
    """:class:`FieldArrays` from postings in the order they were added: ``keys[t]`` is
    term number ``t``; per posting its term number, document, weight and value length,
    the values laid end to end in ``vblob`` (both ``None`` without values). Grouped by
    term in term order (postings of a term keep their order, documents ascending), in
    the chunks :func:`chunks_from_lists` would make of the same terms; the weights and
    values are gathered a chunk at a time (a worker's segment holds millions of
    postings, and whole-field temporaries cost it hundreds of MB)."""
    n = len(keys)
    if not n:
        return
    if n >= 1 << 31:
        raise ValueError("over 2**31 terms in one field of one segment")
    order = np.fromiter(sorted(range(n), key=keys.__getitem__), np.int64, n)
    rank = np.empty(n, dtype=np.int32)
    rank[order] = np.arange(n, dtype=np.int32)
    post_rank = rank[tids]
    del rank
    perm = np.argsort(post_rank, kind="stable")
    dfs = np.bincount(post_rank, minlength=n).astype(np.int64)
    ends = np.cumsum(dfs)
    ids = docs[perm]
    if _not_ascending(ids, ends).any():  # documents not added in order (never from
        perm = np.lexsort((docs, post_rank))  # our writer): sort them
        ids = docs[perm]
        if _not_ascending(ids, ends).any():
            raise ValueError("a document twice in one term's postings")
    del post_rank
    if has_values:
        assert vlens is not None and vblob is not None
        lens = vlens
        blob = vblob
        vstart = np.cumsum(lens, dtype=np.int64) - lens
    names = [keys[t] for t in order.tolist()]
    t0 = p0 = 0
    while t0 < n:
        # up to and with the term whose postings reach CHUNK_POSTINGS (as the lists do);
        # the weights and values are gathered a chunk at a time (bounded memory)
        t1 = min(int(np.searchsorted(ends, p0 + CHUNK_POSTINGS, side="left")) + 1, n)
        p1 = int(ends[t1 - 1])
        sel = perm[p0:p1]
        if has_values:
            part = lens[sel].astype(np.int64)
            vbytes = blob[np.repeat(vstart[sel], part) + _group_offsets(part)]
        else:
            part = np.zeros(p1 - p0, dtype=np.int64)
            vbytes = np.zeros(0, dtype=np.uint8)
        yield FieldArrays(
            names[t0:t1],
            dfs[t0:t1],
            ids[p0:p1],
            weights[sel].astype(np.float32),
            part,
            vbytes,
        )
        t0, p0 = t1, p1


def _lists_chunk(names, dfs, flat, has_values: bool) -> FieldArrays:
    ids = np.fromiter(flat[0::3], np.int64, len(flat) // 3)
    weights = np.fromiter(flat[1::3], np.float32, len(flat) // 3)
    dfa = np.asarray(dfs, dtype=np.int64)
    tstart = np.cumsum(dfa) - dfa
    # documents that do not ascend within a term (a term's first posting starts over)
    unsorted = np.flatnonzero(_not_ascending(ids, tstart + dfa))
    if unsorted.size:
        # a term whose documents do not ascend (never from our writer): sort it
        bad = set(np.searchsorted(tstart, unsorted + 1, side="right") - 1)
        bad = {t for t in bad if unsorted.size and dfa[t] > 1}
        values_list = flat[2::3]
        for t in sorted(bad):
            s, e = int(tstart[t]), int(tstart[t] + dfa[t])
            order = np.argsort(ids[s:e], kind="stable") + s
            if np.any(np.diff(ids[order]) == 0):
                raise ValueError("a document twice in one term's postings")
            ids[s:e] = ids[order]
            weights[s:e] = weights[order]
            values_list[s:e] = [values_list[i] for i in order.tolist()]
        flat = None
        values = values_list
    else:
        values = flat[2::3]
    if has_values:
        vlens = np.fromiter(map(len, values), np.int64, len(values))
        vbytes = np.frombuffer(b"".join(values), dtype=np.uint8)
    else:
        vlens = np.zeros(len(values), dtype=np.int64)
        vbytes = np.zeros(0, dtype=np.uint8)
    return FieldArrays(names, dfa, ids, weights, vlens, vbytes)


# -- reading ----------------------------------------------------------------------------


class _Fd:
    """A read-only file descriptor, closed when the last reader holding it goes (like
    the memory map: a field still in use after its file was closed keeps reading the
    same file, never a descriptor number the process has since reused)."""

    __slots__ = ("fd",)

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))

    def __del__(self) -> None:
        fd, self.fd = self.fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


class PackedField:
    """One field of a ``.pkd`` file, read in place from the memory map.

    With ``fd`` the postings and their offsets are read with ``pread`` instead of through
    the map. Each read is a few hundred bytes, but the kernel keeps the file's pages in
    the page cache as large folios and maps a whole folio (up to 2 MB) into the reader
    when one byte of it is touched: at 1M paragraphs the mapped postings made a reader's
    RSS grow by 84 MB in one query. The term dictionary (keys, lengths) stays mapped.
    """

    def __init__(self, buf: np.ndarray, info: dict, fd: _Fd | None = None, name: str = "") -> None:
        self.buf = buf
        self.fd = fd
        self.name = name
        self._poffs_at = int(info["poffs"])
        self._pdtype = "<u8" if info["wide"] else "<u4"
        self._pair = struct.Struct("<QQ" if info["wide"] else "<II")  # two offsets
        # term number -> (start, end) of its postings in the file, and its df: the
        # fast path asks for a term's df, then its postings, and the same terms recur
        self._spans: dict[int, tuple[int, int]] = {}
        self._dfs: dict[int, int] = {}
        self.n = n = int(info["n"])
        pstart, plen = info["postings"]
        self.pstart = int(pstart)
        self.plen = int(plen)
        self.keys = _view(buf, info["keys"], n, "<u8")
        self.lens = buf[info["lens"] : info["lens"] + n]
        long_at, m = info["long"]
        self.long = _view(buf, long_at, m, "<u4")
        self.tail_offs = _view(buf, info["tail_offs"], m + 1, "<u4")
        tails_at, tails_len = info["tails"]
        self.tails = buf[tails_at : tails_at + tails_len]
        self.poffs = _view(buf, info["poffs"], n + 1, "<u8" if info["wide"] else "<u4")
        self.weights = np.asarray(info["weights"], dtype=np.float32).astype(np.float64)
        self.weight_list = self.weights.tolist()
        self.has_values = bool(info["values"])
        self.per = 3 if self.has_values else 2

    # terms
    def term(self, i: int) -> bytes:
        length = int(self.lens[i])
        head = int(self.keys[i]).to_bytes(8, "big")
        if length <= 8:
            return head[:length]
        j = int(np.searchsorted(self.long, i))
        return head + self.tails[int(self.tail_offs[j]) : int(self.tail_offs[j + 1])].tobytes()

    @property
    def tlens(self) -> np.ndarray:
        """Every term's length in bytes."""
        return self.tlens_range(0, self.n)

    def tlens_range(self, lo: int, hi: int) -> np.ndarray:
        """The lengths in bytes of terms ``lo`` to ``hi`` (a new array)."""
        tl = self.lens[lo:hi].astype(np.int64)
        a, b = np.searchsorted(self.long, (lo, hi))
        if b > a:
            ends = self.tail_offs[a : b + 1].astype(np.int64)
            tl[self.long[a:b].astype(np.int64) - lo] = 8 + np.diff(ends)
        return tl

    def gather_terms(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The bytes of terms ``idx`` laid end to end, and their lengths."""
        idx = np.asarray(idx, dtype=np.int64)
        lens = self.lens[idx].astype(np.int64)
        rows = self.keys[idx].astype(">u8").view(np.uint8).reshape(-1, 8)
        short = np.minimum(lens, 8)
        first = rows[np.arange(8) < short[:, None]]
        is_long = np.flatnonzero(lens > 8)
        if not is_long.size:
            return first, lens
        j = np.searchsorted(self.long, idx[is_long])
        t0 = self.tail_offs[j].astype(np.int64)
        tlen = self.tail_offs[j + 1].astype(np.int64) - t0
        lens[is_long] = 8 + tlen
        out = np.empty(int(lens.sum()), dtype=np.uint8)
        pos = np.cumsum(lens) - lens
        out[np.repeat(pos, short) + _group_offsets(short)] = first
        out[np.repeat(pos[is_long] + 8, tlen) + _group_offsets(tlen)] = self.tails[
            np.repeat(t0, tlen) + _group_offsets(tlen)
        ]
        return out, lens

    def find(self, btext: bytes) -> int:
        """The term's number, or -1."""
        k = int.from_bytes(btext[:8].ljust(8, b"\0"), "big")
        key = np.uint64(k)
        keys = self.keys
        lo = int(keys.searchsorted(key))
        if lo >= self.n or int(keys[lo]) != k:
            return -1
        if lo + 1 >= self.n or int(keys[lo + 1]) != k:  # one term with this key
            if len(btext) <= 8:  # the key holds it whole: only the length can differ
                return lo if int(self.lens[lo]) == len(btext) else -1
            return lo if self.term(lo) == btext else -1
        # terms sharing the key: longer than 8 bytes, or ending in zero bytes
        hi = int(np.searchsorted(keys, key, "right"))
        seq = _TermSeq(self, lo, hi)
        i = bisect_left(seq, btext) + lo
        return i if i < hi and self.term(i) == btext else -1

    def find_many(self, btexts: list[bytes]) -> np.ndarray:
        """:meth:`find` of many terms at once (-1: not a term)."""
        out = np.full(len(btexts), -1, dtype=np.int64)
        if not btexts or not self.n:
            return out
        keys = np.fromiter(
            (int.from_bytes(b[:8].ljust(8, b"\0"), "big") for b in btexts),
            np.uint64,
            len(btexts),
        )
        at = np.searchsorted(self.keys, keys, "left")
        ok = at < self.n
        ok[ok] = self.keys[at[ok]] == keys[ok]
        nxt = np.minimum(at + 1, self.n - 1)
        alone = ok & ((at + 1 >= self.n) | (self.keys[nxt] != keys))
        lens = np.fromiter(map(len, btexts), np.int64, len(btexts))
        # a lone key of a term up to 8 bytes long: equal when the lengths are
        simple = alone & (lens <= 8)
        hit = simple.copy()
        hit[simple] = self.lens[at[simple]] == lens[simple]
        out[hit] = at[hit]
        for j in np.flatnonzero(ok & ~simple).tolist():
            out[j] = self.find(btexts[j])
        return out

    def prefix_range(self, prefix: bytes) -> tuple[int, int]:
        """Numbers ``lo..hi`` of the terms starting with ``prefix``."""
        if not prefix:
            return 0, self.n
        if len(prefix) <= 8 and not prefix.endswith(b"\0"):
            lo_key = int.from_bytes(prefix.ljust(8, b"\0"), "big")
            span = 1 << (8 * (8 - len(prefix)))
            lo = int(np.searchsorted(self.keys, np.uint64(lo_key), "left"))
            top = lo_key + span
            hi = (
                self.n
                if top >= 1 << 64
                else int(np.searchsorted(self.keys, np.uint64(top), "left"))
            )
            return lo, hi
        seq = _TermSeq(self, 0, self.n)
        lo = bisect_left(seq, prefix)
        # UTF-8 has no 0xff byte: every term with the prefix sorts below prefix + 0xff
        # (terms that hold one after the prefix are taken one by one)
        hi = max(lo, bisect_left(seq, prefix + b"\xff", lo))
        while hi < self.n and self.term(hi).startswith(prefix):
            hi += 1
        return lo, hi

    def prefix_counts(self, prefixes: list[bytes]) -> np.ndarray:
        """How many terms start with each of ``prefixes``."""
        out = np.zeros(len(prefixes), dtype=np.int64)
        for j, p in enumerate(prefixes):
            lo, hi = self.prefix_range(p)
            out[j] = hi - lo
        return out

    # postings
    def _pread(self, at: int, size: int) -> bytes:
        """``size`` bytes of the file at ``at`` (``self.fd`` is set)."""
        assert self.fd is not None
        data = os.pread(self.fd.fd, size, at)
        if len(data) != size:
            raise ValueError(f"{self.name or 'packed postings'} is cut short")
        return data

    def _read(self, at: int, size: int) -> np.ndarray:
        """``size`` bytes of the file at ``at``."""
        if self.fd is None:
            return self.buf[at : at + size]
        return np.frombuffer(self._pread(at, size), dtype=np.uint8)

    def _offsets(self, lo: int, hi: int) -> np.ndarray:
        """The postings offsets of terms ``lo..hi`` (both included), as int64."""
        if self.fd is None:
            return self.poffs[lo : hi + 1].astype(np.int64)
        width = self._pair.size // 2
        raw = self._read(self._poffs_at + lo * width, (hi - lo + 1) * width)
        return raw.view(self._pdtype).astype(np.int64)

    def _span(self, i: int) -> tuple[int, int]:
        """Where term ``i``'s postings start and end in the file."""
        span = self._spans.get(i)
        if span is None:
            if self.fd is None:
                start, end = int(self.poffs[i]), int(self.poffs[i + 1])
            else:  # struct, not numpy: a microsecond less per term and segment
                size = self._pair.size
                start, end = self._pair.unpack(self._pread(self._poffs_at + i * size // 2, size))
            span = _remember(self._spans, i, (self.pstart + start, self.pstart + end))
        return span

    def raw(self, i: int) -> np.ndarray:
        start, end = self._span(i)
        return self._read(start, end - start)

    def df(self, i: int) -> int:
        """Term ``i``'s document frequency (the first varint of its postings)."""
        df = self._dfs.get(i)
        if df is None:
            start, end = self._span(i)
            df = _remember(self._dfs, i, _first_varint(self._read(start, min(10, end - start))))
        return df

    def dfs_of(self, idx) -> np.ndarray:
        """The document frequencies of terms ``idx``."""
        if self.fd is not None and np.size(idx) <= FEW_TERMS:
            return np.asarray([self.df(int(i)) for i in np.ravel(idx)], dtype=np.int64)
        at = self.pstart + self.poffs[np.asarray(idx, dtype=np.int64)].astype(np.int64)
        out = np.zeros(at.size, dtype=np.int64)
        live = np.arange(at.size)
        shift = 0
        while live.size:
            b = self.buf[at[live]].astype(np.int64)
            out[live] |= (b & 0x7F) << shift
            more = b >= 0x80
            live, at = live[more], at.copy()
            at[live] += 1
            shift += 7
        return out

    def postings(self, i: int, values: bool = False):
        """``(ids, weights, counts, deltas)`` of term ``i`` as arrays: ids int64,
        weights float64; with ``values`` the number of value varints of each posting
        and all of them laid end to end (for positions: the deltas restarted per
        posting, see :func:`positions_of`)."""
        raw = self.raw(i)
        if raw.size <= SMALL:
            return self._split_py(raw.tobytes(), values)
        if values or not self.has_values:
            nums = decode_varints(raw)
            df = int(nums[0])
        else:  # only the document and weight numbers, not the values behind them
            df = _first_varint(raw)
            nums = decode_varints(raw, 1 + 2 * df)
        ids = np.cumsum(nums[1 : 1 + df])
        weights = self.weights[nums[1 + df : 1 + 2 * df]]
        if not values or not self.has_values:
            return ids, weights, None, None
        vl = nums[1 + 2 * df : 1 + 3 * df]
        vals = nums[1 + 3 * df :]
        # varints per value: count the last bytes in each value's byte range
        last = raw < 0x80
        vstart = int(np.flatnonzero(last)[3 * df]) + 1
        ends = np.cumsum(vl)
        cum = np.concatenate(([0], np.cumsum(last[vstart:])))
        counts = cum[ends] - cum[ends - vl]
        return ids, weights, counts, vals

    def _split_py(self, data: bytes, values: bool):
        nums = decode_varints_py(data)
        df = nums[0]
        ids = np.cumsum(np.asarray(nums[1 : 1 + df], dtype=np.int64))
        w = self.weight_list
        weights = np.asarray([w[k] for k in nums[1 + df : 1 + 2 * df]], dtype=np.float64)
        if not values or not self.has_values:
            return ids, weights, None, None
        vl = nums[1 + 2 * df : 1 + 3 * df]
        at = _skip_varints(data, 1 + 3 * df)
        counts = []
        for n in vl:
            counts.append(sum(1 for b in data[at : at + n] if b < 0x80))
            at += n
        return (
            ids,
            weights,
            np.asarray(counts, dtype=np.int64),
            np.asarray(nums[1 + 3 * df :], dtype=np.int64),
        )

    def value_bytes(self, i: int) -> list[bytes]:
        """Each posting's value as stored (Whoosh's ``value()``)."""
        raw = self.raw(i).tobytes()
        nums = (
            decode_varints_py(raw)
            if len(raw) <= SMALL
            else decode_varints(np.frombuffer(raw, dtype=np.uint8)).tolist()
        )
        df = nums[0]
        if not self.has_values:
            return [b""] * df
        vl = nums[1 + 2 * df : 1 + 3 * df]
        at = _skip_varints(raw, 1 + 3 * df)
        out = []
        for n in vl:
            out.append(raw[at : at + n])
            at += n
        return out

    def dfs_range(self, lo: int, hi: int) -> np.ndarray:
        return self.dfs_of(np.arange(lo, hi))

    def bulk(self, lo: int, hi: int):
        """Terms ``lo..hi`` decoded at once: ``(term of each posting, ids, weight numbers,
        value lengths, value bytes)``; for merging segments and character prefixes."""
        offs = self._offsets(lo, hi)
        raw = self._read(self.pstart + int(offs[0]), int(offs[-1] - offs[0]))
        nterms = hi - lo
        if not raw.size or not nterms:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, z, np.zeros(0, dtype=np.uint8)
        rel = offs[:-1] - offs[0]
        per = self.per
        ends = np.flatnonzero(raw < 0x80)  # last byte of every varint in the range
        starts = np.concatenate(([0], ends[:-1] + 1))
        counts = ends - starts + 1
        first_num = np.searchsorted(starts, rel)  # each term's df varint
        dfs = _decode_at(raw, starts, counts, first_num)
        total = int(dfs.sum())
        wanted = np.repeat(first_num + 1, dfs * per) + _group_offsets(dfs * per)
        nums = _decode_at(raw, starts, counts, wanted)
        tstart = np.cumsum(dfs) - dfs
        within = np.arange(total) - np.repeat(tstart, dfs)
        base = np.repeat(tstart * per, dfs) + within
        rep = np.repeat(dfs, dfs)
        deltas = nums[base]
        term_of = np.repeat(np.arange(nterms), dfs)
        cs = np.cumsum(deltas)
        before = np.concatenate(([0], cs))[tstart]
        ids = cs - np.repeat(before, dfs)
        wnums = nums[base + rep]
        if self.has_values:
            vlens = nums[base + 2 * rep]
            vstart = ends[first_num + dfs * per] + 1  # after each term's last head varint
            vtot = np.bincount(term_of, weights=vlens, minlength=nterms).astype(np.int64)
            values = raw[np.repeat(vstart, vtot) + _group_offsets(vtot)]
        else:
            vlens = np.zeros(total, dtype=np.int64)
            values = np.zeros(0, dtype=np.uint8)
        return term_of + lo, ids, wnums, vlens, values


def _remember(cache: dict, key, value):
    """``cache[key] = value`` in a cache of at most ``SPAN_CACHE`` (emptied when full)."""
    if len(cache) >= SPAN_CACHE:
        cache.clear()
    cache[key] = value
    return value


def _first_varint(data: np.ndarray) -> int:
    """The first LEB128 number of ``data``."""
    b = int(data[0])
    if b < 0x80:
        return b
    return decode_varints_py(data[:10].tobytes())[0]


def _view(buf: np.ndarray, at: int, count: int, dtype: str) -> np.ndarray:
    width = np.dtype(dtype).itemsize
    return buf[at : at + width * count].view(dtype)


def _decode_at(raw: np.ndarray, starts: np.ndarray, counts: np.ndarray, which) -> np.ndarray:
    """The varints number ``which`` of ``raw`` (given every varint's start and size)."""
    if not len(which):
        return np.zeros(0, dtype=np.int64)
    c = counts[which]
    if int(c.max()) == 1:
        return raw[starts[which]].astype(np.int64)
    return decode_varints(raw[np.repeat(starts[which], c) + _group_offsets(c)])


def _skip_varints(data: bytes, k: int) -> int:
    """The byte offset after the first ``k`` varints of ``data``."""
    if not k:
        return 0
    seen = 0
    for at, b in enumerate(data):
        if b < 0x80:
            seen += 1
            if seen == k:
                return at + 1
    raise ValueError("postings cut short")


def term_keys(blob: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Each term's first eight bytes as a big-endian uint64, zero-padded."""
    keys = np.zeros(lens.size, dtype=np.uint64)
    for j in range(8):
        has = np.flatnonzero(lens > j)
        if not has.size:
            break
        byte = np.zeros(lens.size, dtype=np.uint64)
        byte[has] = blob[starts[has] + j]
        keys |= byte << np.uint64(8 * (7 - j))
    return keys


# -- merging segments -------------------------------------------------------------------

MERGE_POSTINGS = 2_000_000  # postings of all sources merged per vectorised pass (~130 B each)


class _ArraySource:
    """Postings held as :class:`FieldArrays` (the writer's own documents), read like a
    :class:`PackedField` by the merge."""

    def __init__(self, arrays: FieldArrays) -> None:
        self.a = arrays
        self.n = len(arrays)
        self.tlens = arrays.tlens
        self.starts = np.cumsum(self.tlens) - self.tlens
        self.blob = arrays.tblob
        self.dfs = arrays.dfs
        self.keys = term_keys(self.blob, self.starts, self.tlens)
        self.pstart = np.concatenate(([0], np.cumsum(self.dfs))).astype(np.int64)
        self.vstart = np.concatenate(([0], np.cumsum(arrays.vlens))).astype(np.int64)
        self.weights = None

    def term(self, i: int) -> bytes:
        a = int(self.starts[i])
        return self.blob[a : a + int(self.tlens[i])].tobytes()

    def tlens_range(self, lo: int, hi: int) -> np.ndarray:
        return self.tlens[lo:hi].copy()  # the caller's to change

    def dfs_range(self, lo: int, hi: int) -> np.ndarray:
        return self.dfs[lo:hi]

    def gather_terms(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lens = self.tlens[idx]
        return self.blob[np.repeat(self.starts[idx], lens) + _group_offsets(lens)], lens

    def bulk(self, lo: int, hi: int):
        a = self.a
        s, e = int(self.pstart[lo]), int(self.pstart[hi])
        term_of = np.repeat(np.arange(lo, hi), self.dfs[lo:hi])
        values = a.values[int(self.vstart[s]) : int(self.vstart[e])]
        return term_of, a.ids[s:e], a.weights[s:e].astype(np.float64), a.vlens[s:e], values


def merge_fields(
    sources: list[tuple[Any, np.ndarray | None]], has_values: bool
) -> Iterator[FieldArrays]:
    """One field's postings from several segments (``(PackedField or FieldArrays,
    docmap)``: ``docmap[old] = new document number``, -1 for a deleted document;
    ``None`` keeps the numbers), merged in term order, as chunks for
    :meth:`PackedWriter.write_field`. Vectorised a key range at a time."""
    srcs: list[tuple[Any, np.ndarray | None]] = []
    for src, docmap in sources:
        if isinstance(src, FieldArrays):
            src = _ArraySource(src)
        if src.n:
            srcs.append((src, docmap))
    if not srcs:
        return
    # key ranges of about MERGE_POSTINGS postings over all the sources together (cut
    # by one source's postings, a merge of 40 segments held 40 times that in memory:
    # the 1M entity pass's final merge was killed at 24 GB)
    keys = np.concatenate([src.keys for src, _d in srcs])
    dfs = np.concatenate([src.dfs_range(0, src.n) for src, _d in srcs]).astype(np.int64)
    order = np.argsort(keys, kind="stable")
    keys, cum = keys[order], np.cumsum(dfs[order])
    cuts = np.searchsorted(cum, np.arange(MERGE_POSTINGS, int(cum[-1]), MERGE_POSTINGS))
    bounds = np.unique(keys[np.minimum(cuts, keys.size - 1)])
    edges = [None, *bounds.tolist(), None]
    for klo, khi in itertools.pairwise(edges):
        chunk = _merge_range(srcs, klo, khi, has_values)
        if chunk is not None:
            yield chunk


def _split_terms(blob: np.ndarray, lens: np.ndarray) -> list[bytes]:
    """Terms laid end to end (as ``gather_terms`` gives them) as a list of bytes."""
    data = blob.tobytes()
    ends = np.cumsum(lens).tolist()
    return [data[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def _merge_range(srcs, klo, khi, has_values: bool) -> FieldArrays | None:
    parts = []  # per source: (src, local terms, term_of, ids, weights, vlens, values)
    long_terms: set[bytes] = set()
    for src, docmap in srcs:
        keys = src.keys
        lo = 0 if klo is None else int(np.searchsorted(keys, np.uint64(klo), "left"))
        hi = src.n if khi is None else int(np.searchsorted(keys, np.uint64(khi), "left"))
        if lo >= hi:
            continue
        term_of, ids, w, vlens, values = src.bulk(lo, hi)
        if src.weights is not None:  # weight numbers of a packed field: its table
            w = src.weights[w]
        vstart = np.cumsum(vlens) - vlens
        if docmap is not None:
            ids = docmap[ids]
            keep = ids >= 0
            if not keep.all():
                term_of, ids, w, vlens, vstart = (
                    term_of[keep],
                    ids[keep],
                    w[keep],
                    vlens[keep],
                    vstart[keep],
                )
        # terms longer than their 8-byte key are told apart by their rank among the
        # range's long terms (read in one gather per source, not one lookup each)
        sec = src.tlens_range(lo, hi)
        longs = np.flatnonzero(sec > 8)
        names = _split_terms(*src.gather_terms(lo + longs)) if longs.size else []
        long_terms.update(names)
        parts.append((src, lo, hi, term_of, ids, w, vlens, vstart, values, sec, longs, names))
    if not parts:
        return None
    rank = {t: i for i, t in enumerate(sorted(long_terms))}
    key_l, sec_l, src_l, tix_l, ids_l, w_l, vl_l, vs_l, vals = [], [], [], [], [], [], [], [], []
    voff = 0
    for k, part in enumerate(parts):
        src, lo, hi, term_of, ids, w, vlens, vstart, values, sec, longs, names = part
        if longs.size:
            sec[longs] = 1000 + np.fromiter(map(rank.__getitem__, names), np.int64, len(names))
        key_l.append(src.keys[term_of])
        sec_l.append(sec[term_of - lo])
        src_l.append(np.full(ids.size, k, dtype=np.int64))
        tix_l.append(term_of)
        ids_l.append(ids)
        w_l.append(w)
        vl_l.append(vlens)
        vs_l.append(vstart + voff)
        vals.append(values)
        voff += values.size
    key = np.concatenate(key_l)
    sec = np.concatenate(sec_l)
    ids = np.concatenate(ids_l)
    if not ids.size:
        return None
    order = np.lexsort((ids, sec, key))
    key, sec, ids = key[order], sec[order], ids[order]
    srcs_of = np.concatenate(src_l)[order]
    tix = np.concatenate(tix_l)[order]
    w = np.concatenate(w_l)[order]
    vlens = np.concatenate(vl_l)[order]
    vstart = np.concatenate(vs_l)[order]
    new_term = np.ones(ids.size, dtype=bool)
    new_term[1:] = (key[1:] != key[:-1]) | (sec[1:] != sec[:-1])
    if np.any(~new_term[1:] & (ids[1:] == ids[:-1])):
        raise ValueError("a document twice in one term's postings")
    firsts = np.flatnonzero(new_term)
    dfs = np.diff(np.append(firsts, ids.size))
    # term bytes from the source of each term's first posting
    tsrc = srcs_of[firsts]
    ttix = tix[firsts]
    tlens = np.zeros(firsts.size, dtype=np.int64)
    pieces = []
    for k, part in enumerate(parts):
        at = np.flatnonzero(tsrc == k)
        if at.size:
            got, lens = part[0].gather_terms(ttix[at])
            tlens[at] = lens
            pieces.append((at, got, lens))
    outpos = np.cumsum(tlens) - tlens
    tblob = np.empty(int(tlens.sum()), dtype=np.uint8)
    for at, got, lens in pieces:
        tblob[np.repeat(outpos[at], lens) + _group_offsets(lens)] = got
    if has_values:
        allvals = np.concatenate(vals) if vals else np.zeros(0, dtype=np.uint8)
        values = allvals[np.repeat(vstart, vlens) + _group_offsets(vlens)]
    else:
        values = np.zeros(0, dtype=np.uint8)
    return FieldArrays(None, dfs, ids, w.astype(np.float32), vlens, values, tblob, tlens)


class _TermSeq:
    """Terms ``lo..hi`` of a field as a sequence, for :func:`bisect.bisect_left`."""

    def __init__(self, field: PackedField, lo: int, hi: int) -> None:
        self.field, self.lo, self.hi = field, lo, hi

    def __len__(self) -> int:
        return self.hi - self.lo

    def __getitem__(self, i: int) -> bytes:
        return self.field.term(self.lo + i)


def positions_of(counts: np.ndarray, deltas: np.ndarray) -> np.ndarray:
    """Absolute positions from per-posting deltas (each posting's first from 0)."""
    if not deltas.size:
        return deltas
    cs = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    before = np.concatenate(([0], cs))[starts]
    return cs - np.repeat(before, counts)


def check_file(path: str) -> str | None:
    """Why the ``.pkd`` file at ``path`` cannot be read (its tail and directory are
    checked, a few kilobytes), or ``None``."""
    try:
        PackedFile(path).close()
    except ValueError as exc:
        return str(exc)
    except OSError as exc:
        return f"{os.path.basename(path)}: {exc.strerror or 'cannot be read'}"
    return None


class PackedFile:
    """A segment's ``.pkd`` file, memory-mapped; fields parsed when first asked for."""

    def __init__(self, path: str | None = None, data: bytes | None = None, name: str = "") -> None:
        """The file at ``path`` (memory-mapped), or its bytes ``data`` (a storage
        without files); ``name`` for messages."""
        self.path = path
        self.data = data
        self.name = name or (os.path.basename(path) if path else "packed postings")
        self.map: mmap.mmap | None = None
        self.fd: _Fd | None = None
        if path is not None:
            with open(path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < _TAIL.size:
                    raise ValueError(f"{self.name} is cut short ({size} bytes)")
                self.map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            if hasattr(os, "pread"):
                self.fd = _Fd(path)
            raw: Any = self.map
        else:
            raw = data if data is not None else b""
            size = len(raw)
            if size < _TAIL.size:
                raise ValueError(f"{self.name} is cut short ({size} bytes)")
        at, magic = _TAIL.unpack(raw[size - _TAIL.size :])
        if magic != MAGIC or at >= size:
            raise ValueError(f"{self.name} is not a packed postings file")
        try:
            info = json.loads(raw[at : size - _TAIL.size])
        except ValueError:
            raise ValueError(f"{self.name}: its directory is damaged") from None
        if info.get("version") != VERSION:
            raise ValueError(f"{self.name}: packed format {info.get('version')} is not {VERSION}")
        self.buf = np.frombuffer(raw, dtype=np.uint8)
        self.infos: dict[str, dict] = info["fields"]
        self.fields: dict[str, PackedField] = {}

    def reopen(self) -> PackedFile:
        """Another reader of the same file (its own map)."""
        return PackedFile(self.path, self.data, self.name)

    def field(self, name: str) -> PackedField | None:
        f = self.fields.get(name)
        if f is None:
            info = self.infos.get(name)
            if info is None:
                return None
            f = self.fields[name] = PackedField(self.buf, info, self.fd, self.name)
        return f

    def close(self) -> None:
        self.fields = {}
        self.fd = None  # closed with the last field reading through it
        self.buf = None  # type: ignore[assignment]
        # arrays still pointing into the map keep it open: it goes with them
        if self.map is not None:
            with contextlib.suppress(BufferError):
                self.map.close()


# -- Whoosh's interfaces --------------------------------------------------------------------


class PackedMatcher(ListMatcher):
    """Whoosh's list matcher over decoded postings, with a binary-search ``skip_to``.
    No block quality: the term statistics needed for it are not stored, and Whoosh's
    quality skipping could drop hits anyway (lossy length bytes)."""

    def skip_to(self, id):
        ids = self._ids
        if self._i < len(ids) and ids[self._i] < id:
            self._i = bisect_left(ids, id, self._i)

    def supports_block_quality(self):
        return False

    def copy(self):
        return PackedMatcher(
            self._ids,
            self._weights,
            self._values,
            self._format,
            self._scorer,
            self._i,
            self._all_weights,
            self._term,
            self._terminfo,
        )


_LAZY_STATS = frozenset({"_weight", "_maxweight", "_minid", "_maxid"})


class PackedTermInfo(TermInfo):
    """Whoosh's term statistics of a packed term: the document frequency from the
    dictionary, the rest (weight, maximum weight, first and last document) decoded from
    the postings when first asked for. Lengths are not stored: reported as 0 (they only
    serve block-quality skipping, which :class:`PackedMatcher` does not offer)."""

    def __init__(self, field: PackedField, i: int) -> None:
        self.packed = (field, i)
        self._df = field.df(i)
        self._minlength = 0
        self._maxlength = 0
        self._done = False

    def _load(self) -> None:
        if not self._done:
            field, i = self.packed
            ids, weights, _c, _v = field.postings(i)
            self.fill(ids, weights)

    def __getattr__(self, name: str):
        """Whoosh's own code reads the statistics as attributes too (``MultiReader``
        shifts a term's ``_minid`` and ``_maxid`` by its segment's offset): they are
        decoded on that first read as on a method's."""
        if name in _LAZY_STATS and not self.__dict__.get("_done", True):
            self._load()
            return self.__dict__[name]
        raise AttributeError(name)

    def fill(self, ids: np.ndarray, weights: np.ndarray) -> None:
        """The statistics from the term's postings, already decoded by the caller."""
        self._weight = float(weights.sum())
        self._maxweight = float(weights.max()) if weights.size else 0.0
        self._minid = int(ids[0]) if ids.size else None
        self._maxid = int(ids[-1]) if ids.size else 0
        self._done = True

    def weight(self):
        self._load()
        return self._weight

    def max_weight(self):
        self._load()
        return self._maxweight

    def min_id(self):
        self._load()
        return self._minid

    def max_id(self):
        self._load()
        return self._maxid

    def doc_frequency(self):
        return self._df

    def min_length(self):
        return 0

    def max_length(self):
        return 0


class _LazyValues:
    """A term's value bytes, decoded when Whoosh first asks for one."""

    __slots__ = ("_list", "field", "i", "n")

    def __init__(self, field: PackedField, i: int, n: int) -> None:
        self.field, self.i, self.n = field, i, n
        self._list: list[bytes] | None = None

    def _values(self) -> list[bytes]:
        if self._list is None:
            self._list = self.field.value_bytes(self.i)
        return self._list

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, j):
        return self._values()[j]

    def __setitem__(self, j, v) -> None:
        self._values()[j] = v

    def __iter__(self):
        return iter(self._values())


class PackedCursor(FieldCursor):
    def __init__(self, field: PackedField, fieldobj) -> None:
        self.field = field
        self.fieldobj = fieldobj
        self.i = 0

    def first(self):
        self.i = 0
        return self.term()

    def find(self, string):
        if not isinstance(string, bytes):
            string = self.fieldobj.to_bytes(string)
        self.i = bisect_left(_TermSeq(self.field, 0, self.field.n), string)
        return self.term()

    def next(self):
        self.i += 1
        return self.term()

    def is_valid(self):
        return self.i < self.field.n

    def term(self):
        if self.i >= self.field.n:
            return None
        return self.fieldobj.from_bytes(self.field.term(self.i))

    def text(self):
        return self.term()

    def term_info(self):
        return PackedTermInfo(self.field, self.i)


class MixedTermsReader:
    """Whoosh's terms-reader interface over a segment's W3 terms (identifier and keyword
    fields) and its packed fields."""

    def __init__(self, w3, packed: PackedFile | None) -> None:
        self.w3 = w3
        self.packed = packed

    def packed_field(self, fieldname: str) -> PackedField | None:
        return self.packed.field(fieldname) if self.packed is not None else None

    def _packed_names(self) -> list[str]:
        return sorted(self.packed.infos) if self.packed is not None else []

    def __contains__(self, term) -> bool:
        fieldname, btext = term
        f = self.packed_field(fieldname)
        if f is not None:
            return f.find(btext) >= 0
        return term in self.w3

    def indexed_field_names(self):
        return sorted(set(self.w3.indexed_field_names()) | set(self._packed_names()))

    def cursor(self, fieldname, fieldobj):
        f = self.packed_field(fieldname)
        if f is not None:
            return PackedCursor(f, fieldobj)
        return self.w3.cursor(fieldname, fieldobj)

    def terms(self):
        return (t for t, _ti in self._all(items=False))

    def items(self):
        return self._all(items=True)

    def _all(self, items: bool):
        """Every term in (field, term) order, W3 and packed fields merged."""
        packed = self._packed_names()
        w3 = self.w3.items() if items else ((t, None) for t in self.w3.terms())
        pending = next(w3, None)
        for name in packed:
            while pending is not None and pending[0][0] < name:
                yield pending
                pending = next(w3, None)
            f = self.packed.field(name) if self.packed is not None else None
            if f is None:
                continue
            for i in range(f.n):
                yield (name, f.term(i)), (PackedTermInfo(f, i) if items else None)
        while pending is not None:
            yield pending
            pending = next(w3, None)

    def terms_from(self, fieldname, prefix):
        return (t for t, _ti in self._from(fieldname, prefix, items=False))

    def items_from(self, fieldname, prefix):
        return self._from(fieldname, prefix, items=True)

    def _from(self, fieldname, prefix, items: bool):
        """The field's terms from ``prefix`` on (callers stop at the field's end)."""
        f = self.packed_field(fieldname)
        if f is None:
            if items:
                yield from self.w3.items_from(fieldname, prefix)
            else:
                yield from ((t, None) for t in self.w3.terms_from(fieldname, prefix))
            return
        if len(prefix) <= 8:
            lo = f.prefix_range(prefix)[0]
        else:
            lo = bisect_left(_TermSeq(f, 0, f.n), prefix)
        for i in range(lo, f.n):
            yield (fieldname, f.term(i)), (PackedTermInfo(f, i) if items else None)

    def term_info(self, fieldname, tbytes):
        f = self.packed_field(fieldname)
        if f is not None:
            i = f.find(tbytes)
            if i < 0:
                raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
            return PackedTermInfo(f, i)
        return self.w3.term_info(fieldname, tbytes)

    def frequency(self, fieldname, tbytes):
        f = self.packed_field(fieldname)
        if f is not None:
            i = f.find(tbytes)
            if i < 0:
                return 0
            return float(f.postings(i)[1].sum())
        return self.w3.frequency(fieldname, tbytes)

    def doc_frequency(self, fieldname, tbytes):
        f = self.packed_field(fieldname)
        if f is not None:
            i = f.find(tbytes)
            return f.df(i) if i >= 0 else 0
        return self.w3.doc_frequency(fieldname, tbytes)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        f = self.packed_field(fieldname)
        if f is None:
            return self.w3.matcher(fieldname, tbytes, format_, scorer=scorer)
        i = f.find(tbytes)
        if i < 0:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        ids, weights, _c, _v = f.postings(i)
        if not ids.size:
            return NullMatcher()
        terminfo = PackedTermInfo(f, i)
        terminfo.fill(ids, weights)  # decoded once, for the matcher and its statistics
        return PackedMatcher(
            ids.tolist(),
            weights.tolist(),
            _LazyValues(f, i, int(ids.size)) if f.has_values else None,
            format_,
            scorer,
            term=(fieldname, tbytes),
            terminfo=terminfo,
        )

    def close(self):
        self.w3.close()
        if self.packed is not None:
            self.packed.close()
