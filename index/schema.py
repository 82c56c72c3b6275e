"""The Whoosh schema, pre-analysed fields and the codec.

Documents
---------
One document per **article** (``kind=a``), immediately followed (same segment,
consecutive document numbers: a Whoosh *group*) by one document per **body paragraph**
(``kind=p``). Title, outlet and date are indexed once, on the article document; queries
such as ``title:X`` reach the paragraphs through :class:`whoosh.query.NestedChildren`.
This keeps paragraph documents small: the index spends its postings on the body.

Article document: ``kind``, ``aid``, ``src`` (resolved source path, for skipping
unchanged files and pruning), ``title``/``outlet`` (sub-word, positions), ``adate``
(ISO date), stored ``meta`` (all article metadata, damage, file hash, ...).

Paragraph document: ``kind``, ``aid``, ``body`` (sub-word stream with positions),
``words`` (long jieba words, frequencies), entity keyword fields ``person``, ``place``,
``organization``, ``date``, ``initiative`` (folded entity text), ``enriched`` ("0"/"1"),
stored ``para``, ``text`` (original paragraph), ``seg`` (jieba token lengths) and
``ents`` (entity spans, JSON).

Pre-analysed values
-------------------
Analysis (jieba, bigrams) happens in the process that builds a segment; the field
receives a :class:`Analyzed` value holding the finished posting items and returns them
from ``index()`` unchanged, so Whoosh never re-runs an analyzer at write time. Plain
strings still go through the field's analyzer (used only by Whoosh utilities; queries
are built by :mod:`g60_reader.index.query`).
"""

from __future__ import annotations

import pickle

from whoosh import fields
from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter, W3TermInfo
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import emptybytes, pack_ushort
from whoosh.util.numeric import length_to_byte

from g60_reader.corpus.model import ENTITY_TYPES

from .analyzer import PostingItems, body_tokens, fold_normalise

SCHEMA_VERSION = 2
_dumps = pickle.dumps


class Analyzed:
    """Finished posting items for one field of one document."""

    __slots__ = ("items",)

    def __init__(self, items: PostingItems) -> None:
        self.items = items

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
        if isinstance(value, Analyzed):
            return value.items
        return super().index(value, **kwargs)


class _TokenField(_PreMixin, fields.FieldType):
    """Scored, unstored text analysed by our analyzer (or given pre-analysed); the
    subclasses differ only in what a posting records."""

    format_class: type = Positions

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

    format_class = Positions
    multitoken_query = "phrase"


class WordField(_TokenField):
    """jieba words (frequencies only)."""

    format_class = Frequency


class KeywordField(_PreMixin, fields.KEYWORD):
    """Whole values (entity names, kinds), no scoring by length."""

    def __init__(self) -> None:
        super().__init__(stored=False, lowercase=False, commas=False, scorable=False)
        self.format = Existence()


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


class _Lengths:
    """``lengths[docnum]`` for any Whoosh per-document reader."""

    def __init__(self, reader, fieldname: str) -> None:
        self.get = reader.doc_field_length
        self.fieldname = fieldname

    def __getitem__(self, docnum: int) -> int:
        return self.get(docnum, self.fieldname)


class _G60FieldWriter(W3FieldWriter):
    """W3 field writer with a fast path for short posting lists.

    Most terms of a bigram index occur in one to three documents. For those, the term
    info (statistics plus the inlined postings) is packed directly, byte for byte as
    Whoosh's own writer would, instead of going through a postings block object per
    term; longer lists take Whoosh's normal path.
    """

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
        inline = self._codec._inlinelimit * 3
        lastfn = None
        lasttext = None
        lens: list[int] | None = None
        pack = W3TermInfo._struct.pack
        tindex_add = self._tindex.add
        cached = hasattr(lengths, "lengths")
        for fieldname, btext, flat in terms:
            if fieldname != lastfn:
                if lastfn is not None:
                    self.finish_field()
                    if fieldname < lastfn:
                        raise ValueError(f"postings out of order: {lastfn!r} .. {fieldname!r}")
                fieldobj = schema[fieldname]
                self.start_field(fieldname, fieldobj)
                lastfn = fieldname
                lasttext = None
                if lengths is None:
                    lens = None
                elif cached:
                    lens = lengths.lengths(fieldname)
                else:
                    lens = _Lengths(lengths, fieldname)
            elif btext <= lasttext:
                raise ValueError(f"postings out of order: {lasttext!r} .. {btext!r}")
            lasttext = btext
            if len(flat) >= inline:
                self.start_term(btext)
                add = self._postwriter.add_posting
                for i in range(0, len(flat), 3):
                    d = flat[i]
                    add(d, flat[i + 1], flat[i + 2], lens[d] if lens is not None else 0)
                self.finish_term()
                continue
            ids = tuple(flat[0::3])
            weights = tuple(float(w) for w in flat[1::3])
            nonzero = [n for n in (lens[d] for d in ids) if n] if lens is not None else []
            head = pack(
                1,
                sum(weights),
                len(ids),
                length_to_byte(min(nonzero)) if nonzero else 0,
                length_to_byte(max(nonzero)) if nonzero else length_to_byte(0),
                max(0, *weights),
                ids[0],
                ids[-1],
            )
            inlined = (ids, weights, tuple(v for v in flat[2::3] if v))
            tindex_add(pack_ushort(self._fieldid) + btext, head + _dumps(inlined, 2))
        if lastfn is not None:
            self.finish_field()


class G60Codec(W3Codec):
    def __init__(self, blocklimit: int = 128, compression: int = 3, inlinelimit: int = 4):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

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


# Query-side entity field names -> schema field names
ENTITY_FIELDS: dict[str, str] = {t: t for t in ENTITY_TYPES}


def build_schema() -> fields.Schema:
    entity_fields = {name: KeywordField() for name in ENTITY_FIELDS.values()}
    return fields.Schema(
        kind=fields.ID(stored=True),
        aid=fields.ID(stored=True),
        src=fields.ID(),
        title=SubwordField(),
        outlet=SubwordField(),
        adate=fields.ID(),
        meta=fields.STORED(),
        body=SubwordField(),
        words=WordField(),
        enriched=fields.ID(),
        para=fields.STORED(),
        text=fields.STORED(),
        seg=fields.STORED(),
        ents=fields.STORED(),
        **entity_fields,
    )
