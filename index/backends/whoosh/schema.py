"""The Whoosh schema, pre-analysed fields and the codec.

Documents
---------
One document per **article** (``kind=a``), immediately followed (same segment,
consecutive document numbers: a Whoosh *group*) by one document per **body paragraph**
(``kind=p``). Title, outlet and date are indexed once, on the article document; queries
such as ``title:X`` reach the paragraphs through :class:`whoosh.query.NestedChildren`.
This keeps paragraph documents small: the index spends its postings on the body.

Article document: ``kind``, ``aid``, ``src`` (resolved source path, for skipping
unchanged files and pruning), ``tkey`` (the text key: equal for exact duplicates),
``title``/``outlet`` (sub-word, positions), ``adate`` (ISO publication date), stored
``meta`` (all article metadata, damage, file hash, ...).

An exact duplicate of an indexed article (same folded text: a mirror, a re-download) is
an article document with ``copy=1`` and no paragraphs, title, outlet or date terms: no
query finds it, the reader lists it with the article it copies (same ``tkey``).

Paragraph document: ``kind``, ``aid``, ``body`` (sub-word stream with positions),
``words`` (long jieba words, frequencies), entity keyword fields ``person``, ``place``,
``organization``, ``date``, ``initiative`` (folded entity text), ``enriched`` ("0"/"1"),
stored ``para``, ``text`` (original paragraph), ``norm`` (its folded, normalised form,
only where folding changed it), ``seg`` (jieba token lengths) and ``ents`` (entity
spans, JSON).

Pre-analysed values
-------------------
Analysis (jieba, bigrams) happens in the process that builds a segment; the field
receives a :class:`Analyzed` value holding the finished posting items and returns them
from ``index()`` unchanged, so Whoosh never re-runs an analyzer at write time. Plain
strings still go through the field's analyzer (used only by Whoosh utilities; queries
are built by :mod:`g60_reader.index.query`).
"""

from __future__ import annotations

import os
import pickle
import struct
import zlib
from array import array
from hashlib import md5 as _md5
from itertools import chain, groupby, pairwise
from operator import itemgetter, sub

from whoosh import fields
from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PostingsWriter,
)
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

from g60_reader.corpus.model import ENTITY_TYPES
from g60_reader.index.analyzer import body_tokens, fold_normalise
from g60_reader.index.units import BodyUnits

from . import _compat
from .packed import (
    EXT as PACKED_EXT,
)
from .packed import (
    MixedTermsReader,
    PackedExistence,
    PackedFile,
    PackedFrequency,
    PackedPositions,
    PackedWriter,
    chunks_from_lists,
    has_values,
    is_packed,
)
from .postings import PostingItems, units_items

SCHEMA_VERSION = 7  # 4: packed text fields (.pkd); 5: keys on disk; 6: norm; 7: packed keywords
_dumps = pickle.dumps


class Analyzed:
    """Finished posting items for one field of one document."""

    __slots__ = ("items",)

    def __init__(self, items: PostingItems) -> None:
        self.items = items

    def __reduce__(self):
        return (Analyzed, (self.items,))


class AnalyzedUnits:
    """The ``body`` of paragraph ``k`` of a batch of units (:mod:`g60_reader.index.units`,
    the lean pass): our writer takes its postings from the batch's arrays
    (:meth:`~.writer._TermPool.add_units`); ``items`` gives the posting items for any
    other use."""

    __slots__ = ("batch", "k")

    def __init__(self, batch: BodyUnits, k: int) -> None:
        self.batch = batch
        self.k = k

    @property
    def items(self) -> PostingItems:
        return units_items(self.batch, self.k)

    def __reduce__(self):
        return (Analyzed, (self.items,))


class SubwordAnalyzer(Composable):
    """Whoosh analyzer producing the sub-word stream (for Whoosh's own utilities)."""

    def __call__(self, value, positions=False, chars=False, mode="", **kwargs):
        norm = fold_normalise(value)
        tok = Token(positions, chars, mode=mode, **kwargs)
        for term, pos, start, end in body_tokens(norm):
            tok.text = term
            tok.boost = 1.0
            tok.stopped = False
            if positions:
                tok.pos = pos
            if chars:
                tok.startchar = start
                tok.endchar = end
            yield tok

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class _PreMixin:
    def index(self, value, **kwargs):
        if isinstance(value, (Analyzed, AnalyzedUnits)):
            return value.items
        return super().index(value, **kwargs)


class _TokenField(_PreMixin, fields.FieldType):
    """Scored, unstored text analysed by our analyzer (or given pre-analysed); the
    subclasses differ only in what a posting records."""

    format_class: type = PackedPositions

    def __init__(self, field_boost: float = 1.0) -> None:
        self.analyzer = SubwordAnalyzer()
        self.format = self.format_class(field_boost=field_boost)
        self.vector = None
        self.scorable = True
        self.stored = False
        self.unique = False
        self.column_type = None
        self.spelling = False


class SubwordField(_TokenField):
    """Sub-word (bigram) text with positions and length normalisation."""

    format_class = PackedPositions
    multitoken_query = "phrase"


class WordField(_TokenField):
    """jieba words (frequencies only)."""

    format_class = PackedFrequency


class KeywordField(_PreMixin, fields.KEYWORD):
    """Whole values (entity names, kinds), no scoring by length."""

    def __init__(self) -> None:
        super().__init__(stored=False, lowercase=False, commas=False, scorable=False)
        self.format = PackedExistence()


class _G60PostingsWriter(W3PostingsWriter):
    """W3 postings writer whose inlining of short posting lists works.

    Whoosh 2.7's ``finish_postings`` calls a misspelt ``set_inline`` on the term info,
    so any ``inlinelimit`` above 1 fails; inlined short lists save a block (a pickle and
    a compression call) per rare term, which is most terms of a Chinese index.
    """

    def finish_postings(self):
        terminfo = self._terminfo
        if not self.written() and len(self) < self._inlinelimit:
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
        else:
            if self._ids:
                self._write_block(last=True)
            startoffset = self._startoffset
            length = self._postfile.tell() - startoffset
            terminfo.set_extent(startoffset, length)
        self._terminfo = None
        return terminfo


_HEAD = _compat.TERMINFO_HEAD  # the fixed part of a term info
_KV_LENGTHS = struct.Struct("!ii")  # before each key/value pair of Whoosh's hash file
_WRITE_CHUNK = 1 << 20  # bytes buffered before a write


def _md5_low32(key: bytes) -> int:
    """Whoosh's ``md5_hash`` (the low 32 bits of the MD5 digest read as a big-endian
    number), without going through the hex digest."""
    return int.from_bytes(_md5(key, usedforsecurity=False).digest()[12:], "big")


_POINTER = struct.Struct("!Iq")  # a slot of Whoosh's hash tables


class _OrderedHashWriter(OrderedHashWriter):
    """Whoosh's ordered hash file writer with the 256 hash tables written in one pass:
    the same slots (linear probing from ``(hash >> 8) % slots``) and bytes, packed
    with one ``join`` per table instead of a ``write`` per slot."""

    def _write_hashes(self):
        dbfile = self.dbfile
        pos = dbfile.tell()
        pack = _POINTER.pack
        out = []
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((pos, numslots))
            hashes = [0] * numslots
            places = [0] * numslots  # 0: empty (no key starts at 0: the header is there)
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while places[slot]:
                    slot = (slot + 1) % numslots
                hashes[slot] = hashval
                places[slot] = position
            out.append(emptybytes.join(map(pack, hashes, places)))
            pos += numslots * _POINTER.size
        dbfile.write(emptybytes.join(out))
        self.buckets = [[] for _ in range(256)]  # free the entries now (no cycle wait)


class _G60FieldWriter(W3FieldWriter):
    """W3 field writer that writes whole posting lists at once.

    The term index (Whoosh's ordered hash file) and the postings file get exactly the
    bytes Whoosh's own ``W3FieldWriter`` + ``W3PostingsWriter`` would write for the
    same postings (with short lists inlined; ``tests/index/test_build_speed_paths.py``
    compares the files byte for byte), but per term there is no postings-writer object,
    no file ``tell()`` (positions are counted) and no single write: entries are packed
    in a tight loop and written in large chunks. Lists of fewer than ``inlinelimit``
    postings are pickled into the term info, longer ones are written as W3 blocks of
    ``blocklimit`` postings (a pickle of the block info, a zlib-compressed pickle of
    the delta-coded ids, weights and values).
    """

    def __init__(self, codec, storage, segment) -> None:
        super().__init__(codec, storage, segment)
        self._storage = storage
        self._segment = segment
        self._packed: PackedWriter | None = None
        self._fields: dict = {}  # packed fields by name, as the schema gives them
        if self._tindex.hashtype != 0:  # _md5_low32 is Whoosh's hash type 0
            raise ValueError(f"unexpected term index hash type {self._tindex.hashtype}")
        self._tindex.__class__ = _OrderedHashWriter

    def add_postings(self, schema, lengths, items):
        """Whoosh's interface: postings one by one, grouped here by term."""

        def grouped():
            key = None
            flat: list = []
            for fieldname, btext, docnum, weight, value in items:
                if docnum == -1:  # Whoosh's spelling-word marker (unused here)
                    continue
                if (fieldname, btext) != key:
                    if key is not None:
                        yield key[0], key[1], flat
                    key, flat = (fieldname, btext), []
                flat += (docnum, weight, emptybytes if value is None else value)
            if key is not None:
                yield key[0], key[1], flat

        self.add_terms(schema, lengths, grouped())

    def add_terms(self, schema, lengths, terms):
        """``terms``: ``(fieldname, btext, [docnum, weight, vbytes, ...])`` in order."""

        def checked():
            lastfn = None
            lasttext = b""
            for fieldname, btext, flat in terms:
                if fieldname != lastfn:
                    if lastfn is not None and fieldname < lastfn:
                        raise ValueError(f"postings out of order: {lastfn!r} .. {fieldname!r}")
                    lastfn = fieldname
                elif btext <= lasttext:
                    raise ValueError(f"postings out of order: {lasttext!r} .. {btext!r}")
                lasttext = btext
                yield fieldname, btext, flat

        self.add_fields(
            schema,
            lengths,
            (
                (fieldname, ((btext, flat) for _f, btext, flat in group))
                for fieldname, group in groupby(checked(), key=itemgetter(0))
            ),
        )

    def add_fields(self, schema, lengths, fields) -> None:
        """``fields``: ``(fieldname, terms)`` in field order, ``terms`` yielding
        ``(btext, [docnum, weight, vbytes, ...])`` in term order, documents ascending.
        ``lengths``: Whoosh's per-document reader (or ``None``), or an object whose
        ``length_bytes(fieldname)`` gives every document's length byte."""
        cached = hasattr(lengths, "length_bytes")
        for fieldname, terms in fields:
            fieldobj = schema[fieldname]
            if is_packed(fieldobj):
                self._fields[fieldname] = fieldobj
                self._write_packed(fieldname, terms)
                continue
            terms = iter(terms)
            first = next(terms, None)
            if first is None:  # Whoosh's writer does not know a field without terms
                continue
            if lengths is None or not fieldobj.scorable:
                # Whoosh stores no lengths for a field that is not scored: all 0 (and its
                # per-document reader would look for the missing column file each time)
                lbs = None
            elif cached:
                lbs = lengths.length_bytes(fieldname)
            else:
                lbs = _LengthBytes(lengths, fieldname)
            self.start_field(fieldname, fieldobj)
            self._write_field(fieldobj.format, lbs, chain((first,), terms))
            self.finish_field()

    def _write_packed(self, fieldname: str, terms) -> None:
        """A text field into the segment's packed file: ``terms`` as the pool gives them
        (``(btext, [docnum, weight, vbytes, ...])``) or :class:`MergedTerms`."""
        if self._packed is None:
            self._packed = PackedWriter(fh=self._segment.create_file(self._storage, PACKED_EXT))
        values = has_values(self._fields[fieldname])
        if isinstance(terms, MergedTerms):
            chunks = terms.chunks
        else:
            chunks = chunks_from_lists(terms, values)
        self._packed.write_field(fieldname, values, chunks)

    def close(self) -> None:
        super().close()
        if self._packed is not None:
            self._packed.close()

    def _write_field(self, fmt, lbs, terms) -> None:
        """Write one field's terms; ``lbs[docnum]`` is a document's length byte (Whoosh
        stores lengths as bytes, and the term statistics are bytes again)."""
        codec = self._codec
        inline, blocklimit, compression = _compat.codec_limits(codec)
        inline *= 3
        fixed = fmt.fixed_value_size()
        prefix = pack_ushort(self._fieldid)
        pack = _HEAD.pack
        pack_kv = _KV_LENGTHS.pack
        dumps = _dumps
        single = _SinglePostingPickle()
        single_pickle = single.dumps

        tindex = self._tindex
        tfile = tindex.dbfile
        tpos = tfile.tell()
        buckets = tindex.buckets
        positions: list[int] = []
        tout: list[bytes] = []
        tsize = 0

        postfile = self._postfile
        ppos = postfile.tell()
        pout: list[bytes] = []
        psize = 0

        lastkey = tindex.lastkey
        for btext, flat in terms:
            n = len(flat)
            if n == 3:  # one posting: most terms
                d, w, v = flat
                lb = lbs[d] if lbs is not None else 0
                w4, inlined = single_pickle(d, w, v)
                value = pack(1, w4, 1, lb, lb, max(0, w), d, d) + inlined
            else:
                ids = flat[0::3]
                if any(a >= b for a, b in pairwise(ids)):
                    ids, flat = _sorted_postings(flat)
                weights = flat[1::3]
                values = flat[2::3]
                lns = [0] * len(ids) if lbs is None else [lbs[d] for d in ids]
                if n < inline:
                    w4s = tuple(array("f", weights))
                    nonzero = [x for x in lns if x]
                    value = pack(
                        1,
                        sum(w4s),
                        len(ids),
                        min(nonzero) if nonzero else 0,
                        max(nonzero) if nonzero else 0,
                        max(0, *weights),
                        ids[0],
                        ids[-1],
                    ) + dumps((tuple(ids), w4s, tuple(v for v in values if v)), 2)
                else:
                    start = ppos + psize
                    chunks, stats = _blocks(
                        ids, weights, values, lns, fixed, blocklimit, compression
                    )
                    for c in chunks:
                        psize += len(c)
                    pout += chunks
                    wsum, minlb, maxlb, maxw = stats
                    value = pack(
                        0, wsum, len(ids), minlb, maxlb, maxw, ids[0], ids[-1]
                    ) + _pack_extent(start, ppos + psize - start)
                    if psize >= _WRITE_CHUNK:
                        postfile.write(emptybytes.join(pout))
                        ppos += psize
                        pout = []
                        psize = 0
            key = prefix + btext
            if key <= lastkey:
                raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
            lastkey = key
            h = _md5_low32(key)
            pos = tpos + tsize
            positions.append(pos)
            buckets[h & 255].append((h, pos))
            tout += (pack_kv(len(key), len(value)), key, value)
            tsize += 8 + len(key) + len(value)
            if tsize >= _WRITE_CHUNK:
                tfile.write(emptybytes.join(tout))
                tpos += tsize
                tout = []
                tsize = 0
        if tout:
            tfile.write(emptybytes.join(tout))
        if pout:
            postfile.write(emptybytes.join(pout))
        if positions:
            _extend_index(tindex.index, positions)
            tindex.lastkey = lastkey


class _LengthBytes:
    """``lbs[docnum]``: the length byte of a field from any Whoosh per-document reader."""

    def __init__(self, reader, fieldname: str) -> None:
        self.get = reader.doc_field_length
        self.fieldname = fieldname

    def __getitem__(self, docnum: int) -> int:
        return length_to_byte(self.get(docnum, self.fieldname))


_BINFLOAT = struct.Struct(">d")


class _SinglePostingPickle:
    """``pickle.dumps(((docnum,), (weight,), (value,) or ()), 2)`` for the inlined
    postings of a term seen in one document, assembled from cached pieces.

    Protocol 2 writes that tuple as: the protocol mark; the document number as a 1-, 2-
    or 4-byte int opcode and a one-tuple (memo 0); the weight as an 8-byte float and a
    one-tuple (memo 1); for a value, ``_codecs.encode(<value as Latin-1 text>,
    "latin1")`` and a one-tuple (memo 2-7), or an empty tuple; then the three-tuple and
    its memo. Each piece depends on one of the three items only, so each is cached; a
    document number outside ``0 <= d < 2**31`` or a value that is not ``bytes`` goes to
    :func:`pickle.dumps`. Tests compare the result with ``pickle.dumps``.
    """

    def __init__(self) -> None:
        self.ids: dict[int, bytes] = {}
        self.weights: dict[float, tuple[float, bytes]] = {}
        self.values: dict[bytes, bytes] = {}

    def dumps(self, d: int, w: float, v: bytes) -> tuple[float, bytes]:
        """``(weight as float32, pickle)``."""
        wpart = self.weights.get(w)
        if wpart is None:  # the pickle holds the weight as float32 (Whoosh's array)
            w4 = array("f", (w,))[0]
            wpart = self.weights[w] = (w4, b"G" + _BINFLOAT.pack(w4) + b"\x85q\x01")
        dpart = self.ids.get(d)
        if dpart is None:
            if type(d) is not int or not 0 <= d < 2**31:
                return wpart[0], _dumps(((d,), (wpart[0],), (v,) if v else ()), 2)
            if d < 0x100:
                op = b"K" + d.to_bytes(1, "little")
            elif d < 0x10000:
                op = b"M" + d.to_bytes(2, "little")
            else:
                op = b"J" + d.to_bytes(4, "little")
            dpart = self.ids[d] = b"\x80\x02" + op + b"\x85q\x00"
        if not v:
            return wpart[0], dpart + wpart[1] + b")\x87q\x02."
        if type(v) is not bytes:
            return wpart[0], _dumps(((d,), (wpart[0],), (v,)), 2)
        vpart = self.values.get(v)
        if vpart is None:
            text = v.decode("latin-1").encode("utf-8")
            vpart = self.values[v] = (
                b"c_codecs\nencode\nq\x02X"
                + len(text).to_bytes(4, "little")
                + text
                + b"q\x03X\x06\x00\x00\x00latin1q\x04\x86q\x05Rq\x06\x85q\x07\x87q\x08."
            )
        return wpart[0], dpart + wpart[1] + vpart


def _pack_extent(offset: int, length: int) -> bytes:
    return pack_long(offset) + pack_int(length)


def _sorted_postings(flat: list) -> tuple[list, list]:
    triples = sorted(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
    flat = [x for t in triples for x in t]
    return flat[0::3], flat


def _extend_index(index, positions: list[int]) -> None:
    """Append increasing ``positions`` to Whoosh's ``GrowableArray`` of key positions,
    widening its type first the way ``GrowableArray.append`` would."""
    arr = index.array
    if isinstance(arr, array):
        try:
            array(arr.typecode, (positions[-1],))
        except OverflowError:
            _compat.widen_array(index, positions[-1])
    index.array.extend(positions)


def _blocks(ids, weights, values, lbs, fixed, blocklimit: int, compression: int):
    """W3 posting blocks of one term (what ``W3PostingsWriter`` writes) and the term's
    statistics ``(weight, min length byte, max length byte, max weight)``; ``lbs``: the
    documents' length bytes (0: no length)."""
    chunks = [WHOOSH3_HEADER_MAGIC]
    total = len(ids)
    wsum = 0
    minlb = 0
    maxlb = 0
    maxw = 0
    dumps = _dumps
    for b in range(0, total, blocklimit):
        e = b + blocklimit
        bids = ids[b:e]
        bweights = weights[b:e]
        w4 = array("f", bweights)
        wsum += sum(w4)
        bmaxw = max(0, *bweights)
        if bmaxw > maxw:
            maxw = bmaxw
        nonzero = [x for x in lbs[b:e] if x]
        if nonzero:
            bmin = min(nonzero)
            bmax = max(nonzero)
            minlb = bmin if minlb == 0 else min(minlb, bmin)
            maxlb = max(maxlb, bmax)
        else:
            bmin = bmax = 0
        deltas = tuple(map(sub, bids, [0, *bids[:-1]]))
        first = w4[0]
        if all(x == 1.0 for x in w4):
            wmini = None
        elif all(x == first for x in w4):
            wmini = first
        else:
            wmini = tuple(w4)
        if fixed is None or fixed < 0:
            vmini = tuple(v for v in values[b:e] if v)
        elif fixed == 0:
            vmini = None
        else:
            vmini = emptybytes.join(v for v in values[b:e] if v)
        data = dumps((deltas, wmini, vmini), 2)
        if compression:
            data = zlib.compress(data, compression)
        info = dumps(
            (
                len(bids),
                bids[-1],
                bmaxw,
                compression,
                bmin,
                bmax,
            ),
            2,
        )
        size = len(info) + len(data)
        chunks += (pack_int(-size if e >= total else size), info, data)
    return chunks, (wsum, minlb, maxlb, maxw)


def compress_stored(data: bytes, level: int) -> bytes:
    """A document's stored fields deflated as ``zlib.compress(data, level)`` does, with
    a window no larger than the data and a smaller hash table: zlib sets up its whole
    window and tables for every call, which made this 45-60 us of a paragraph's
    stored fields (about 600 bytes) against 27 us, with the same size (0.776 of the
    pickle either way on synthetic news). ``zlib.decompress`` reads it as before."""
    bits = max(9, min(15, len(data).bit_length()))
    deflate = zlib.compressobj(level, zlib.DEFLATED, bits, 4)
    return deflate.compress(data) + deflate.flush()


class G60Codec(W3Codec):
    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 4):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_writer(self, storage, segment):
        writer = super().per_document_writer(storage, segment)
        _compat.set_stored_compressor(writer, compress_stored)
        return writer

    def postings_writer(self, dbfile, byteids=False):
        return _G60PostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def field_writer(self, storage, segment):
        return _G60FieldWriter(self, storage, segment)

    def terms_reader(self, storage, segment):
        """Whoosh's terms reader for the identifier and keyword fields, the packed file
        for the text fields (:mod:`.packed`)."""
        w3 = super().terms_reader(storage, segment)
        name = segment.make_filename(PACKED_EXT)
        packed = None
        try:
            if storage.file_exists(name):
                folder = getattr(storage, "folder", "")
                if isinstance(storage, FileStorage) and folder:
                    packed = PackedFile(os.path.join(folder, name))
                else:
                    with storage.open_file(name) as fh:
                        packed = PackedFile(data=fh.read(), name=name)
        except BaseException:
            w3.close()
            raise
        return MixedTermsReader(w3, packed)


class MergedTerms:
    """A packed field's terms given as :class:`~.packed.FieldArrays` chunks (merged
    segments) instead of the pool's lists."""

    __slots__ = ("chunks",)

    def __init__(self, chunks) -> None:
        self.chunks = chunks


# Query-side entity field names -> schema field names
ENTITY_FIELDS: dict[str, str] = {t: t for t in ENTITY_TYPES}


def build_schema() -> fields.Schema:
    entity_fields = {name: KeywordField() for name in ENTITY_FIELDS.values()}
    return fields.Schema(
        kind=fields.ID(stored=True),
        aid=fields.ID(stored=True),
        src=fields.ID(),
        tkey=fields.ID(),
        copy=fields.ID(),
        title=SubwordField(),
        outlet=SubwordField(),
        adate=fields.ID(),
        meta=fields.STORED(),
        body=SubwordField(),
        words=WordField(),
        enriched=fields.ID(),
        para=fields.STORED(),
        text=fields.STORED(),
        norm=fields.STORED(),
        seg=fields.STORED(),
        ents=fields.STORED(),
        **entity_fields,
    )
