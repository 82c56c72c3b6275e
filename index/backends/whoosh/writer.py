"""The segment writer: documents in, Whoosh segment files out, and the commit.

:class:`FastWriter` groups postings per field and term in memory (:class:`_TermPool`,
spilling sorted runs past a limit) and hands whole posting lists to the codec's field
writer (:mod:`.schema`); :func:`_commit_segments` commits a writer together with the
segments worker processes built, dropping dead segments and rewriting ones more than a
third deleted.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import marshal
import os
import shutil
import tempfile
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from g60_reader.index import analyzer, units
from g60_reader.index.units import LATIN, BodyUnits

from . import _compat
from .files import _write_manifest
from .packed import (
    MixedTermsReader,
    PackedFile,
    _group_offsets,
    chunks_from_columns,
    chunks_from_lists,
    encode_varints,
    has_values,
    is_packed,
    merge_fields,
)
from .schema import Analyzed, AnalyzedUnits, G60Codec, MergedTerms

# Postings a writer holds in memory before spilling a sorted run to disk. Workers keep
# their share of a batch (BATCH_BYTES / procs of source, ~310k postings per MB) in
# memory: spilling and merging runs cost a 50k-paragraph writer 48 instead of 36 CPU-s,
# and without spilling it peaked at 680 MB (about 90 bytes per posting, all included).
# The main process (in-process builds, entity pass) keeps the small limit.
POOL_POSTINGS = 2_000_000


WORKER_POOL_POSTINGS = 12_000_000


_GC_LOCK = threading.Lock()


_GC_STATE = {"depth": 0, "was_enabled": True}


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a segment is built or written.

    A writer holds millions of small lists (one per term and field); every few hundred
    new container objects Python's collector runs, and its older generations walk all
    of them again and again although they form no cycles. A 1-process 10k build took
    9.1 instead of 10.5 CPU-s with the collector paused (interleaved A/B, 3 runs each).
    Nested and thread-safe; the collector is switched back on (if it was on) when the
    outermost pause ends.
    """
    with _GC_LOCK:
        if _GC_STATE["depth"] == 0:
            _GC_STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC_STATE["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["depth"] -= 1
            if _GC_STATE["depth"] == 0 and _GC_STATE["was_enabled"]:
                gc.enable()


class _CachedLengths:
    """Field lengths read once per field (Whoosh asks for them once per posting)."""

    def __init__(self, pdr, doccount: int) -> None:
        self.pdr = pdr
        self.n = doccount
        self.cache: dict[str, list[int | None]] = {}

    def lengths(self, fieldname: str) -> list[int | None]:
        arr = self.cache.get(fieldname)
        if arr is None:
            table = _compat.length_bytes(self.pdr, fieldname)
            if table is not None:  # one read of the column (as doc_field_length has it)
                arr = [_compat.LENGTH_OF_BYTE[b] for b in table[: self.n]]
            else:
                get = self.pdr.doc_field_length
                arr = [get(i, fieldname) for i in range(self.n)]
            self.cache[fieldname] = arr
        return arr

    def length_bytes(self, fieldname: str) -> bytes:
        """Every document's length byte (what Whoosh stores and the term statistics
        use)."""
        lengths = self.lengths(fieldname)
        table = {n: length_to_byte(n) for n in set(lengths)}
        return bytes([table[n] for n in lengths])

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        arr = self.lengths(fieldname)
        return arr[docnum] if docnum < self.n else default

    def close(self) -> None:
        self.pdr.close()


# (keys, tids, docs, weights, vlens, vblob): postings as chunks_from_columns takes them
_PostingArrays = tuple[list[bytes], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class _Columns:
    """One packed field's postings in the order they arrive (documents ascending): per
    posting its term number, weight and value bytes in flat arrays, per document its
    number and count; grouped by term only when the segment is written
    (:func:`~.packed.chunks_from_columns`: one stable argsort).

    A list per term (the pool's other fields) costs a tuple and a list extension per
    posting in millions of small lists scattered over memory, and then a pass over
    every list to lay them end to end; here each document's postings are looked up and
    appended by C loops (``zip``, ``map``, ``array.extend``).

    Documents of the lean pass bring no posting items but their paragraph's units
    (:class:`~.schema.AnalyzedUnits`): only a reference to the batch is kept, and the
    postings are made from the batches' arrays when the segment is written
    (:meth:`_unit_postings`), without a term lookup or a value object per posting.
    """

    __slots__ = ("counts", "docnums", "ids", "keys", "tids", "units", "values", "weights")

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}  # term bytes -> term number
        self.keys: list[bytes] = []  # term number -> term bytes
        self.tids = array("i")  # 32-bit: a segment's field has fewer terms
        self.weights = array("d")
        self.values: list[bytes] = []
        self.docnums: list[int] = []
        self.counts: list[int] = []
        # (batch, [paragraph k], [docnum]) for runs of documents from one batch of units
        self.units: list[tuple[BodyUnits, list[int], list[int]]] = []

    def add(self, docnum: int, items) -> int:
        """A document's ``(term bytes, freq, weight, value bytes)`` items; returns the
        field length (the sum of the frequencies)."""
        tbs, freqs, weights, values = zip(*items, strict=True)
        get = self.ids.get
        found: list = list(map(get, tbs))
        if None in found:
            ids = self.ids
            keys = self.keys
            for i, t in enumerate(found):
                if t is None:
                    key = tbs[i]
                    t = ids.get(key)
                    if t is None:
                        t = ids[key] = len(keys)
                        keys.append(key)
                    found[i] = t
        self.tids.extend(found)
        self.weights.extend(weights)
        self.values.extend(values)
        self.docnums.append(docnum)
        self.counts.append(len(found))
        return sum(freqs)

    def add_units(self, docnum: int, batch: BodyUnits, k: int) -> int:
        """Paragraph ``k`` of ``batch`` as document ``docnum``; returns its length."""
        units = self.units
        if units and units[-1][0] is batch:
            units[-1][1].append(k)
            units[-1][2].append(docnum)
        else:
            units.append((batch, [k], [docnum]))
        return int(batch.lengths[k])

    def __len__(self) -> int:
        """Postings held; a paragraph added as units counts its units (occurrences:
        its postings are only known when the segment is written)."""
        return len(self.tids) + sum(int(batch.lengths[ks].sum()) for batch, ks, _docs in self.units)

    def _docs(self) -> np.ndarray:
        return np.repeat(
            np.asarray(self.docnums, dtype=np.int32), np.asarray(self.counts, dtype=np.int64)
        )

    def chunks(self, has_values: bool) -> Iterator:
        """The field's :class:`~.packed.FieldArrays`, in term order. Gives up the value
        objects (their bytes are joined into one array first): call it last."""
        if self.units:
            return chunks_from_columns(*self._arrays(has_values), has_values)
        vlens = vblob = None
        if has_values:
            vlens = np.fromiter(map(len, self.values), np.int32, len(self.values))
            vblob = np.frombuffer(b"".join(self.values), dtype=np.uint8)
        self.values = []
        tids = np.frombuffer(self.tids, dtype=np.int32) if len(self.tids) else np.zeros(0, np.int32)
        weights = (
            np.frombuffer(self.weights, dtype=np.float64) if len(self.weights) else np.zeros(0)
        )
        return chunks_from_columns(self.keys, tids, self._docs(), weights, vlens, vblob, has_values)

    def groups(self, has_values: bool) -> list[tuple[bytes, list]]:
        """``(btext, [docnum, weight, vbytes, ...])`` in term order (for a sorted run)."""
        if self.units:
            keys, tids, docs, weights, vlens, vblob = self._arrays(has_values)
            ends = np.cumsum(vlens, dtype=np.int64).tolist()
            blob = vblob.tobytes()
            values = [blob[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]
            postings = zip(tids.tolist(), docs.tolist(), weights.tolist(), values, strict=True)
        else:
            keys = self.keys
            postings = zip(self.tids, self._docs().tolist(), self.weights, self.values, strict=True)
        flats: list[list] = [[] for _ in keys]
        for tid, doc, weight, value in postings:
            flats[tid] += (doc, weight, value)
        return sorted(zip(keys, flats, strict=True), key=_first)

    def _arrays(self, has_values: bool) -> _PostingArrays:
        """Every posting as arrays, ``(keys, tids, docs, weights, vlens, vblob)`` as
        :func:`~.packed.chunks_from_columns` takes them: the added items' first, then
        the units' (their terms numbered after the items' terms). Gives up both."""
        if not has_values:
            raise ValueError("units are positions: the field must keep values")
        ukeys, utids, udocs, uweights, uvlens, uvblob = self._unit_postings()
        if not len(self.tids):
            return ukeys, utids, udocs, uweights, uvlens, uvblob
        ids, keys = self.ids, self.keys
        remap = np.empty(len(ukeys), dtype=np.int32)
        for i, key in enumerate(ukeys):
            t = ids.get(key)
            if t is None:
                t = ids[key] = len(keys)
                keys.append(key)
            remap[i] = t
        vlens = np.fromiter(map(len, self.values), np.int32, len(self.values))
        vblob = np.frombuffer(b"".join(self.values), dtype=np.uint8)
        self.values = []
        return (
            keys,
            np.concatenate((np.frombuffer(self.tids, dtype=np.int32), remap[utids])),
            np.concatenate((self._docs(), udocs)),
            np.concatenate((np.frombuffer(self.weights, dtype=np.float64), uweights)),
            np.concatenate((vlens, uvlens)),
            np.concatenate((vblob, uvblob)),
        )

    def _unit_postings(self) -> _PostingArrays:
        """The postings of the documents added as units: ``(keys, tids, docs, weights,
        vlens, vblob)``, terms in code order, a term's postings in document order."""
        code_parts, pos_parts, doc_parts = [], [], []
        latin: dict[str, int] = {}  # Latin/digit terms of all batches, numbered anew
        for batch, ks, docnums in self.units:
            lengths = batch.lengths
            if len(ks) == len(batch) and ks == list(range(len(batch))):
                codes, pos, n = batch.codes, batch.pos, lengths
            else:
                sel = np.asarray(ks, dtype=np.int64)
                n = lengths[sel]
                at = np.repeat(batch.offsets[sel], n) + _group_offsets(n)
                codes, pos = batch.codes[at], batch.pos[at]
            if batch.latin:
                number = np.array(
                    [latin.setdefault(t, len(latin)) for t in batch.latin], dtype=np.int64
                )
                lat = codes >= LATIN
                codes = codes.copy()
                codes[lat] = LATIN + number[codes[lat] - LATIN]
            code_parts.append(codes)
            pos_parts.append(pos)
            doc_parts.append(np.repeat(np.asarray(docnums, dtype=np.int32), n))
        self.units = []
        codes = np.concatenate(code_parts)
        order = np.argsort(codes, kind="stable")  # documents stay ascending in a term
        codes = codes[order]
        docs = np.concatenate(doc_parts)[order]
        pos = np.concatenate(pos_parts)[order].astype(np.int64)
        del order, code_parts, pos_parts, doc_parts
        total = codes.size
        new_term = np.ones(total, dtype=bool)
        new_term[1:] = codes[1:] != codes[:-1]
        new_posting = new_term.copy()
        new_posting[1:] |= docs[1:] != docs[:-1]
        starts = np.flatnonzero(new_posting)
        freqs = np.diff(np.append(starts, total))
        deltas = pos.copy()  # a posting's value: its positions as varint deltas
        deltas[1:] -= pos[:-1]
        deltas[starts] = pos[starts]
        vblob, sizes = encode_varints(deltas)
        vlens = np.add.reduceat(sizes, starts).astype(np.int32) if total else sizes
        tids = (np.cumsum(new_term) - 1)[starts].astype(np.int32)
        keys = units.term_bytes(codes[new_term], list(latin))
        return keys, tids, docs[starts], freqs.astype(np.float64), vlens, vblob


class _TermPool:
    """Postings grouped by field and term while documents are added.

    Replaces Whoosh's pool, which makes a tuple per posting, pickles each one to a run
    file and sorts them all: here a posting is three list appends under its term (one
    dictionary per field, keyed by the term's bytes), only the distinct terms are
    sorted, and the field writer receives each term's postings at once. The packed
    fields, text and entity keywords (``columnar``: field name -> whether its postings
    carry values), which hold nearly all the postings, keep theirs in flat arrays
    instead (:class:`_Columns`).
    When ``limit`` postings are held, the groups are written to a sorted run (marshal)
    and merged at the end; documents are added in increasing order, so later runs
    simply extend a term's postings.
    """

    def __init__(
        self, tempdir: str, limit: int = POOL_POSTINGS, columnar: dict[str, bool] | None = None
    ) -> None:
        self.fields: dict[str, dict[bytes, list]] = {}
        self.columns: dict[str, _Columns] = {}
        self.columnar = dict(columnar or {})
        self.count = 0
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        self.limit = limit
        self.tempdir = tempdir

    def _field_terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def _field_columns(self, fieldname: str) -> _Columns:
        cols = self.columns.get(fieldname)
        if cols is None:
            cols = self.columns[fieldname] = _Columns()
            self.fieldnames.add(fieldname)
        return cols

    def add(self, item: tuple) -> None:
        """One posting ``(fieldname, btext, docnum, weight, vbytes)`` (Whoosh's API)."""
        fieldname, btext, docnum, weight, vbytes = item
        if fieldname in self.columnar:
            self._field_columns(fieldname).add(docnum, ((btext, 0, weight, vbytes or b""),))
        else:
            terms = self._field_terms(fieldname)
            flat = terms.get(btext)
            if flat is None:
                terms[btext] = [docnum, weight, vbytes or b""]
            else:
                flat += (docnum, weight, vbytes or b"")
        self.count += 1
        if self.count >= self.limit:
            self.save()

    def add_units(self, fieldname: str, docnum: int, value: AnalyzedUnits) -> int:
        """A lean paragraph's body (a columnar field); returns the field length."""
        length = self._field_columns(fieldname).add_units(docnum, value.batch, value.k)
        self.count += length
        if self.count >= self.limit:
            self.save()
        return length

    def add_items(self, fieldname: str, docnum: int, items) -> int:
        """All postings of one field of one document; returns the field length."""
        if fieldname in self.columnar:
            length = self._field_columns(fieldname).add(docnum, items) if items else 0
            self.count += len(items)
            if self.count >= self.limit:
                self.save()
            return length
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self._field_terms(fieldname)
        length = 0
        get = terms.get
        for tbytes, freq, weight, vbytes in items:
            length += freq
            flat = get(tbytes)
            if flat is None:
                terms[tbytes] = [docnum, weight, vbytes]
            else:
                flat += (docnum, weight, vbytes)
        self.count += len(items)
        if self.count >= self.limit:
            self.save()
        return length

    def _sorted(self) -> list[tuple[str, list[tuple[bytes, list]]]]:
        # sorting the items beats sorting the keys and looking each one up again
        # (the lookups miss the cache in a dictionary of millions of terms)
        out = [
            (
                fieldname,
                self.columns[fieldname].groups(self.columnar[fieldname])
                if fieldname in self.columns
                else sorted(self.fields[fieldname].items(), key=_first),
            )
            for fieldname in sorted(set(self.fields) | set(self.columns))
        ]
        self.fields = {}
        self.columns = {}
        self.count = 0
        return out

    def save(self) -> None:
        if not self.fields and not self.columns:
            return
        os.makedirs(self.tempdir, exist_ok=True)
        fd, path = tempfile.mkstemp(suffix=".run", dir=self.tempdir)
        with os.fdopen(fd, "wb") as fh:
            for fieldname, groups in self._sorted():
                for i in range(0, len(groups), 20_000):
                    marshal.dump((fieldname, groups[i : i + 20_000]), fh)
        self.runs.append(path)

    @staticmethod
    def _read(path: str) -> Iterator[tuple[str, list]]:
        try:
            with open(path, "rb") as fh:
                while True:
                    try:
                        yield marshal.load(fh)
                    except EOFError:
                        break
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)

    def iter_fields(self) -> Iterator[tuple[str, Iterable[tuple[bytes, list]] | MergedTerms]]:
        """``(fieldname, terms)`` in field order; ``terms`` yields ``(btext, [docnum,
        weight, vbytes, ...])`` in term order (each must be consumed before the next
        field is asked for), or is a :class:`MergedTerms` of arrays for a columnar
        field that never spilled."""
        if not self.runs:
            names = sorted(set(self.fields) | set(self.columns))
            for fieldname in names:
                cols = self.columns.pop(fieldname, None)
                if cols is not None:
                    yield fieldname, MergedTerms(cols.chunks(self.columnar[fieldname]))
                else:
                    yield fieldname, sorted(self.fields.pop(fieldname).items(), key=_first)
            self.fields = {}
            self.columns = {}
            self.count = 0
            return
        yield from self._merged_runs()

    def _merged_runs(self) -> Iterator[tuple[str, Iterator[tuple[bytes, list]]]]:
        """Every field as lists, the sorted runs merged with what is held now."""
        current = self._sorted()
        runs, self.runs = self.runs, []
        sources = [_RunFields(self._read(p)) for p in runs]
        sources.append(_RunFields(iter(current)))
        names = sorted(self.fieldnames)
        for fieldname in names:
            yield fieldname, _merge_terms([src.terms(fieldname) for src in sources])

    def iter_terms(self) -> Iterator[tuple[str, bytes, list]]:
        """``(fieldname, btext, [docnum, weight, vbytes, ...])`` in term order, every
        field as lists (Whoosh's interface; the segment writer uses ``iter_fields``)."""
        fields: Iterable[tuple[str, Iterable[tuple[bytes, list]]]]
        fields = self._merged_runs() if self.runs else self._sorted()
        for fieldname, terms in fields:
            for btext, flat in terms:
                yield fieldname, btext, flat

    def iter_postings(self) -> Iterator[tuple]:
        for fieldname, btext, flat in self.iter_terms():
            for i in range(0, len(flat), 3):
                yield fieldname, btext, flat[i], flat[i + 1], flat[i + 2]

    def cleanup(self) -> None:
        for path in self.runs:
            with contextlib.suppress(OSError):
                os.remove(path)
        self.runs = []
        self.fields = {}
        self.columns = {}
        self.fieldnames = set()
        self.count = 0


class _RunFields:
    """One sorted run read field by field: chunks of ``(fieldname, [(btext, flat)])``
    in field order, read lazily (one chunk ahead)."""

    def __init__(self, chunks: Iterator[tuple[str, list]]) -> None:
        self.chunks = chunks
        self.head = next(chunks, None)

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, list]]:
        while self.head is not None and self.head[0] == fieldname:
            groups = self.head[1]
            self.head = next(self.chunks, None)
            yield from groups


def _merge_terms(sources: list[Iterator[tuple[bytes, list]]]) -> Iterator[tuple[bytes, list]]:
    """Merge one field's sorted term streams; a term in several runs gets its postings
    concatenated in run order (documents ascend from run to run)."""
    merged = heapq.merge(*sources, key=_first)
    last = None
    acc: list = []
    for btext, flat in merged:
        if btext != last:
            if last is not None:
                yield last, acc
            last, acc = btext, list(flat)
        else:
            acc += flat
    if last is not None:
        yield last, acc


def _first(group: tuple) -> bytes:
    return group[0]


def _items(field, value) -> list:
    """Posting items of a plain value, as Whoosh's ``add_document`` makes them (the
    weight times the field boost of 1.0: a float)."""
    return [(t, freq, weight * 1.0, vbytes) for t, freq, weight, vbytes in field.index(value)]


class FastWriter(SegmentWriter):
    """A SegmentWriter for pre-analysed documents: postings grouped by term in memory,
    field lengths cached, short posting lists inlined (see ``G60Codec``)."""

    def __init__(self, ix, pool_limit: int = POOL_POSTINGS, **kwargs) -> None:
        kwargs.setdefault("codec", G60Codec())
        # Separate segment files, not one compound file: Whoosh reads a compound file's
        # parts through BytesIO copies of the mmap, which held ~450 MB per searcher at
        # 10k paragraphs; plain files are read in place.
        kwargs.setdefault("compound", False)
        try:
            super().__init__(ix, **kwargs)
            columnar = {
                name: has_values(field) for name, field in self.schema.items() if is_packed(field)
            }
            self.pool = _TermPool(
                os.path.join(self._tempstorage.folder, "pool"), limit=pool_limit, columnar=columnar
            )
            # posting items of plain (not pre-analysed) values, per field and value
            self._plain_items: dict[tuple[str, str], list] = {}
            # packed fields of segments merged in: (field, docmap) per field name
            self._merging: dict[str, list] = {}
            self._merge_files: list[PackedFile] = []
        except BaseException:
            # Whoosh takes the write lock first and does not give it back when the rest
            # of its set-up fails (a full disk, say): the lock would stay held by this
            # half-built writer and every later writer in the process would see "busy".
            lock = getattr(self, "writelock", None)
            if lock is not None and getattr(lock, "fd", None) is not None:
                with contextlib.suppress(Exception):
                    lock.release()
            raise

    def write_per_doc(self, fieldnames, reader):
        """Whoosh's ``write_per_doc`` (a merged segment's stored fields and lengths)
        without decoding, for segments laid out as ours are: each document's stored
        fields are copied as the segment holds them (pickled and compressed) and its
        length bytes come from one read of each length column. Whoosh's loop unpickled
        and re-compressed every document and looked on disk for each field's length
        column (a ``stat``) once per document and field: 40% of a merge. The segment
        written is the same; other readers take Whoosh's loop."""
        schema = self.schema
        perdoc = _compat.perdoc_reader(reader)
        get_raw = _compat.raw_stored_reader(perdoc) if perdoc is not None else None
        add_raw = _compat.raw_stored_writer(self.perdocwriter)
        names = sorted(n for n in fieldnames if n in schema)
        if (
            get_raw is None
            or add_raw is None
            or any(schema[n].vector or schema[n].column_type for n in names)
        ):
            return super().write_per_doc(fieldnames, reader)
        lengths = []
        for name in names:
            if not _compat.has_length_column(perdoc, name):
                continue
            table = _compat.length_bytes(perdoc, name)
            if table is None:
                return super().write_per_doc(fieldnames, reader)
            lengths.append((name, schema[name], table))
        pdw = self.perdocwriter
        docmap: dict[int, int] | None = {} if reader.has_deletions() else None
        is_deleted = reader.is_deleted
        for docnum in range(reader.doc_count_all()):
            if docmap is not None:
                if is_deleted(docnum):
                    continue
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            for name, fieldobj, table in lengths:
                lb = table[docnum]
                if lb:
                    pdw.add_field(name, fieldobj, None, _compat.LENGTH_OF_BYTE[lb])
            raw = get_raw(docnum)
            if raw:
                add_raw(self.docnum, raw)
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document`` for our fields, without a tuple per posting:
        pre-analysed values give their posting items, plain values go through the
        field's ``index()`` as in Whoosh; documents with Whoosh's ``_boost`` /
        ``_stored_`` keywords or with vector or spelling fields take Whoosh's path."""
        schema = self.schema
        names = []
        for k in fields:
            if k.startswith("_"):
                return super().add_document(**fields)
            names.append(k)
        names.sort()
        self._check_fields(schema, names)
        self._check_state()
        docnum = self.docnum
        perdoc = self.perdocwriter
        add_items = self.pool.add_items
        add_units = self.pool.add_units
        columnar = self.pool.columnar
        plain = self._plain_items
        fieldobjs = [schema[name] for name in names]
        if any(f.vector or f.separate_spelling() for f in fieldobjs):
            return super().add_document(**fields)
        perdoc.start_doc(docnum)
        try:
            for name, field in zip(names, fieldobjs, strict=True):
                value = fields[name]
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    items: list | None
                    if type(value) is AnalyzedUnits and name in columnar:
                        length = add_units(name, docnum, value)
                    else:
                        if isinstance(value, Analyzed):
                            items = value.items
                        else:  # kind, aid, enriched...: few distinct values, analysed once
                            key = (name, value)
                            items = plain.get(key) if type(value) is str else None
                            if items is None:
                                items = _items(field, value)
                                if type(value) is str:
                                    plain[key] = items
                        length = add_items(name, docnum, items)
                    if not field.scorable:
                        length = 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader, startdoc, docmap) -> None:
        """Postings of a segment merged in (Whoosh's ``add_reader``): the identifier and
        keyword fields through Whoosh's matchers into the pool, the packed text fields
        kept as they are and merged as arrays when the segment is written."""
        terms = _compat.terms_reader(reader) if hasattr(reader, "segment") else None
        if not isinstance(terms, MixedTermsReader) or terms.packed is None:
            return super().add_postings_to_pool(reader, startdoc, docmap)
        schema = self.schema

        def w3_postings():
            for fieldname, btext in terms.w3.terms():
                if fieldname not in schema:
                    continue
                m = reader.postings(fieldname, btext)
                while m.is_active():
                    yield fieldname, btext, m.id(), m.weight(), m.value()
                    m.next()

        add = self.pool.add
        for item in self._process_posts(w3_postings(), startdoc, docmap):
            add(item)
        n = reader.doc_count_all()
        if docmap is None:
            newdocs = np.arange(startdoc, startdoc + n, dtype=np.int64)
        else:
            newdocs = np.full(n, -1, dtype=np.int64)
            if docmap:
                old = np.fromiter(docmap.keys(), np.int64, len(docmap))
                newdocs[old] = np.fromiter(docmap.values(), np.int64, len(docmap))
        packed = terms.packed.reopen()  # its own map: the reader is closed next
        self._merge_files.append(packed)
        for name in packed.infos:
            if name in schema:
                self._merging.setdefault(name, []).append((packed.field(name), newdocs))

    def _fields_to_write(self):
        """The pool's fields, with the packed fields of merged segments joined in."""
        merging = self._merging
        if not merging:
            yield from self.pool.iter_fields()
            return
        for fieldname, terms in self.pool.iter_fields():
            sources = merging.pop(fieldname, None)
            if sources is None:
                yield fieldname, terms
                continue
            values = has_values(self.schema[fieldname])
            chunks = (
                terms.chunks if isinstance(terms, MergedTerms) else chunks_from_lists(terms, values)
            )
            own = [(chunk, None) for chunk in chunks]
            yield fieldname, MergedTerms(merge_fields(own + sources, values))
        for fieldname in sorted(merging):
            values = has_values(self.schema[fieldname])
            yield fieldname, MergedTerms(merge_fields(merging[fieldname], values))
        merging.clear()

    def _close_merge_files(self) -> None:
        self._merging = {}
        for f in self._merge_files:
            f.close()
        self._merge_files = []

    def _finish(self) -> None:
        self._close_merge_files()
        # the pool's spill directory lives in Whoosh's temp storage, whose clean-up
        # removes files only (a large merge used to fail here with IsADirectoryError)
        self.pool.cleanup()
        shutil.rmtree(self.pool.tempdir, ignore_errors=True)
        super()._finish()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = None
        if self.codec.length_stats:
            pdr = _CachedLengths(self.per_document_reader(), self.docnum)
        self.fieldwriter.add_fields(self.schema, pdr, self._fields_to_write())
        self.fieldwriter.close()
        self._close_merge_files()
        if pdr:
            pdr.close()


def _drop_dead(writer, segments: list) -> list:
    """Segments with live documents (a segment whose documents were all deleted, as the
    entity pass leaves behind, is dropped instead of being searched through)."""
    return [s for s in segments if s.doc_count() > 0]


def _merge_policy(writer, segments: list) -> list:
    """Whoosh's ``MERGE_SMALL`` plus: drop dead segments and rewrite any segment more
    than a third deleted. Without this the entity pass (which replaces every document)
    left the old segments in place, fully deleted, and queries walked their postings
    too: at 10k paragraphs 11k of 22k documents searched were dead."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import MERGE_SMALL

    keep = []
    for seg in _drop_dead(writer, segments):
        if seg.deleted_count() * 3 > seg.doc_count_all():
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        else:
            keep.append(seg)
    return MERGE_SMALL(writer, keep)


def _commit_segments(
    writer: FastWriter,
    segments: list,
    *,
    merge: bool,
    drop: bool,
    replaced: frozenset[str] | set[str] = frozenset(),
) -> None:
    """Commit ``writer`` (its deletions and own documents) plus finished ``segments``,
    without the segments ``replaced`` (merged into ``segments`` or the writer's own)."""
    t0 = time.perf_counter()
    with _gc_paused():
        policy = _merge_policy if merge else _drop_dead
        final = [] if drop else _compat.merged_segments(writer, policy, merge)
        final = [s for s in final if s.segment_id() not in replaced]
        final += [s for s in segments if s is not None]
        if _compat.writer_has_documents(writer):
            final.append(_compat.finalize_segment(writer))
        else:
            _compat.close_segment(writer)
        _compat.commit_toc(writer, final)
        _compat.finish_writer(writer)
    _write_manifest(Path(writer.storage.folder))
    analyzer.counters["s_commit"] += time.perf_counter() - t0


def _abandon(writer: FastWriter | None) -> None:
    """Give up an uncommitted writer and, whatever happens on the way, release its lock.

    A failed commit (a full disk, say) can leave the writer half-closed, and
    ``cancel()`` itself may fail again; the write lock must still be released, or the
    next run in this process would find the index "busy".
    """
    if writer is None:
        return
    try:
        if not writer.is_closed:
            writer.cancel()
    except Exception:
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            with contextlib.suppress(Exception):
                lock.release()
