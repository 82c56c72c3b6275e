"""A fast evaluator for the common query shapes (see docs/performance.md, "Fast query
path").

Whoosh matches and scores one document at a time in Python (2-3 µs per match), and the
total and distinct-article counts need every match. Here each term's postings are
decoded into arrays (a packed term's varints in one numpy pass, :mod:`.packed`; for a
field left in Whoosh's format, its W3 blocks or the short list inlined in the term
info), scored with BM25F exactly as Whoosh's configured weighting does, and the
query tree is combined with whole-array operations over each node's matches: its
document numbers (index-wide, ascending) and their scores, arrays as long as the
matches, never as the index (at a million paragraphs a dense mask and score array per
node cost more than the postings: 10 MB to clear, fill and scan for each):

- ``Term`` on a scored field: BM25F per posting (same idf, average field length, B, K1,
  field lengths from the per-segment length tables), times the boost;
- ``Phrase`` (``slop=1``): the words' postings intersected, rarest first, then
  consecutive positions checked (as arrays for the usual one-position postings); the
  score is the sum of the words' BM25F scores (Whoosh's ``SpanNear2`` intersection);
- ``OpenPhrase`` (``1998年``: the exact words, then any term starting with the
  character): the words' postings intersected as for ``Phrase``; the expanded terms
  (read once per segment from the term dictionary, those whose document range misses
  every candidate skipped) only in blocks holding candidates; positions compared as
  ``document << 32 | position`` keys. The score is Whoosh's ``SpanNear2`` over a
  ``SpanOr``: the words' BM25F plus that of every expanded term the document holds.
  Measured (median of 5, counts not cached): ``1998年`` on 2,000 People's Daily 1998
  articles (9,377 paragraphs, 644 terms starting with 年) 11.8 ms for the 160 paragraphs
  holding it, where the former exact phrase took 3.4 ms and found 37; ``G60科`` on the
  10k synthetic benchmark index (348 terms starting with 科) 7.2 ms, 463 hits (``G60科创``
  3-5 ms);
- ``CharPrefix``: its constant score on every document holding the character;
- ``Or``: union, scores summed (Whoosh's ``UnionMatcher``; the sorted runs merged by a
  stable sort, or summed over every document when they hold more than 1/``DENSE`` of
  them); ``And``: intersection (``searchsorted`` of one list in the other),
  summed, the smallest subquery first and the others only asked about the documents
  matched so far when those are few (postings blocks without any are not read);
  ``AndNot``: the first part's documents without the second's, first part's scores; a
  compound's boost multiplies the result (not with one subquery: Whoosh then returns
  the child's matcher as it is);
- anything else (``NestedChildren``, prefixes of keyword fields, ...) is run by Whoosh
  for that subtree only: its (document, score) pairs are collected from a Whoosh
  matcher, so mixed trees still work.

Deleted documents are excluded at the leaves (Whoosh's matchers already skip them).
The result: the number of matching documents, the distinct articles (parent documents)
among them and the top ``limit`` hits ordered like Whoosh's ``TopCollector`` (higher
score first, lower document number on ties). Scores equal Whoosh's up to the order of
floating-point additions. Two differences, both Whoosh bugs: Whoosh's ``AndNotMatcher``
lets the first candidate of a segment through when the excluded term's first document
comes earlier, and Whoosh's block-quality skipping (used for a repeated query whose
counts are cached) can drop hits, its bounds coming from lossy length bytes.

Long posting lists, once decoded whole, are kept per searcher (``CACHE_POSTINGS``).
One :class:`FastSearcher` belongs to one Whoosh searcher (one thread's view).
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate, repeat
from pickle import loads as _loads
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.formats import Positions
from whoosh.scoring import BM25F
from whoosh.system import _INT_SIZE
from whoosh.util.numeric import byte_to_length

from . import _compat
from .packed import MixedTermsReader, positions_of
from .translate import CharPrefix, OpenPhrase

_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
CHAR_CACHE = 64  # CharPrefix document arrays kept per view
FOUND_CACHE = 4096  # terms whose numbers in each segment are kept per view
DENSE = 16  # unions of more than 1/DENSE of all documents' postings summed over all of them
SPARSE = 8  # restrict later subqueries to the matches so far when under 1/SPARSE of all
CACHE_POSTINGS = 2_000_000  # decoded postings kept per searcher (about 16 MB); 0: none
CACHE_MIN = 1024  # only lists at least this long are kept
_KEY = 1 << 32  # (document, position) pairs as document * _KEY + position
SKIPPABLE = (Q.Term, Q.Prefix)  # Whoosh queries whose matchers are asked by skip_to


class Unsupported(Exception):
    """The index or searcher is not one the fast path understands: use Whoosh."""


class FastSearcher:
    """Evaluates queries over one Whoosh searcher with array operations."""

    def __init__(self, searcher, length_table) -> None:
        """``length_table(perdoc, fieldname) -> bytes | None``: one length byte per
        document of a segment (``None`` when the segment does not store it that way)."""
        weighting = searcher.weighting
        if type(weighting) is not BM25F or weighting.use_final:
            raise Unsupported("weighting")
        self.searcher = searcher
        self.weighting = weighting
        self.schema = searcher.schema
        self.leaves = [(sub, int(off)) for sub, off in searcher.leaf_searchers()]
        self.n = searcher.doc_count_all()
        self._length_table = length_table
        live = np.ones(self.n, dtype=bool)
        self.deleted = False
        for sub, off in self.leaves:
            reader = sub.reader()
            terms = getattr(reader, "_terms", None)
            if isinstance(terms, MixedTermsReader):
                terms = terms.w3
            if not isinstance(terms, W3TermsReader):
                raise Unsupported("terms reader")
            deleted = reader.deleted_docs_set if reader.has_deletions() else ()
            if deleted:
                live[np.fromiter(deleted, dtype=np.int64) + off] = False
                self.deleted = True
        self.live = live
        self._lengths: dict[str, _Lengths] = {}
        self._chars: dict[tuple[str, str], np.ndarray] = {}
        # decoded long posting lists (ids, weights, positions or None) by (segment,
        # field, term, with positions), least recently used first; at most
        # CACHE_POSTINGS postings in all (those with positions count twice)
        self._cache: dict[tuple[int, str, bytes, bool], tuple] = {}
        self._leafprefixes: dict[tuple[str, str], tuple] = {}  # ... per segment, with infos
        self._packedprefixes: dict[tuple[str, str], list] = {}  # ... as packed term ranges
        self._cached = 0
        self._ranks: tuple[np.ndarray, np.ndarray] | None = None  # parents, parent numbers
        # (field, term) -> its term number in each segment's packed field (-1: absent)
        self._found: dict[tuple[str, bytes], list[int]] = {}

    # -- public ----------------------------------------------------------------------

    def run(self, q, limit: int, parents: list[int] | np.ndarray | None = None):
        """``(total, articles, [(docnum, score), ...])`` of query ``q``: the number of
        matching documents, the number of distinct parents (``parents``: sorted parent
        docnums; ``None`` skips the count and gives -1) and the top ``limit`` hits."""
        docs, scores = self.evaluate(q)
        total = int(docs.size)
        articles = -1
        if parents is not None:
            articles = self.count_articles(np.asarray(parents, dtype=np.int64), docs)
        return total, articles, top_hits(docs, scores, limit)

    def count_articles(self, parents: np.ndarray, docs: np.ndarray) -> int:
        """:func:`count_groups`; for many documents through each document's parent
        number, worked out once per parents array (4 bytes a document: a gather
        instead of a binary search per match, 0.2 against 1.5 ms for 100k matches)."""
        if docs.size * 64 < self.n:
            return count_groups(parents, docs)
        if self._ranks is None or self._ranks[0] is not parents:
            rank = np.searchsorted(parents, np.arange(self.n, dtype=np.int64), side="right") - 1
            self._ranks = (parents, rank.astype(np.int32))
        k = self._ranks[1][docs]
        k = k[k >= 0]
        if not k.size:
            return 0
        return int(np.count_nonzero(k[1:] != k[:-1]) + 1)

    def evaluate(self, q, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(docs, scores)``: the matching document numbers (index-wide, ascending,
        int64) and their scores. The arrays may be shared: never change them in place.

        ``within`` (sorted docnums) says which documents the caller will look at: a node
        may then skip postings blocks without any of them. Whatever ``within`` is, every
        document given does match and its score is exact if it is in ``within``; a
        document of ``within`` not given does not match.
        """
        cls = type(q)
        if cls is Q.Term:
            out = self._term(q, within)
        elif cls is CharPrefix:
            out = self._char(q)
        elif cls is Q.Or:
            out = self._or(q, within)
        elif cls is Q.And:
            out = self._and(q, within)
        elif cls is Q.AndNot:
            out = self._andnot(q, within)
        elif cls is Q.Phrase:
            out = self._phrase(q, within)
        elif cls is OpenPhrase:
            out = self._open_phrase(q, within)
        elif cls is Q.Prefix:
            out = self._prefix(q, within)
        else:
            out = None
        if out is None:
            out = self._whoosh(q, within)
        return out

    def estimate(self, q) -> int:
        """An upper bound of the number of matches (for evaluation order; anything
        else, such as a prefix with terms, whose expansion costs, counts as every
        document)."""
        cls = type(q)
        try:
            if cls is Q.Term:
                return self._frequency(q.fieldname, q.text)
            if cls is Q.Phrase:
                return min((self._frequency(q.fieldname, w) for w in q.words), default=0)
            if cls is OpenPhrase:
                return min(self._frequency(q.fieldname, w) for w in q.words[:-1])
            if cls is Q.Or:
                return sum(self.estimate(sub) for sub in q.subqueries)
            if cls is Q.And:
                return min((self.estimate(sub) for sub in q.subqueries), default=0)
            if cls is Q.AndNot:
                return self.estimate(q.a)
            if cls is CharPrefix:
                docs = self._chars.get((q.fieldname, q.text))
                return self.n if docs is None else int(docs.size)
            if cls is Q.Prefix and q.text and q.fieldname in self.schema:
                return self._prefix_df(q)
        except Exception:
            pass
        return self.n

    def _frequency(self, fieldname: str, text) -> int:
        """The term's document frequency over the index (deleted documents included)."""
        if fieldname in self.schema:
            try:
                btext = self.schema[fieldname].to_bytes(text)
            except ValueError:
                return 0
            if self._where(fieldname, btext) is not None:
                return sum(
                    self._df(k, sub.reader(), fieldname, btext)
                    for k, (sub, _off) in enumerate(self.leaves)
                )
        return self.searcher.reader().doc_frequency(fieldname, text)

    # -- nodes -----------------------------------------------------------------------

    @staticmethod
    def _empty() -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)

    def _alive(self, docs: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        """``docs`` and the parallel ``arrays`` without the deleted documents."""
        if not self.deleted or not docs.size:
            return (docs, *arrays)
        keep = self.live[docs]
        if keep.all():
            return (docs, *arrays)
        return (docs[keep], *(a[keep] for a in arrays))

    def _union(self, docs: list[np.ndarray], scores: list[np.ndarray]):
        """Every document of the sorted ``docs`` lists, its scores summed in list order
        (Whoosh's ``UnionMatcher``). Many postings are summed into one array over every
        document (a pass over the index's documents); few are merged by a stable sort of
        the sorted runs."""
        pairs = [(d, s) for d, s in zip(docs, scores, strict=True) if d.size]
        if not pairs:
            return self._empty()
        if len(pairs) == 1:
            return pairs[0]
        all_docs = np.concatenate([d for d, _s in pairs])
        all_scores = np.concatenate([s for _d, s in pairs])
        if all_docs.size * DENSE >= self.n:
            summed = np.bincount(all_docs, weights=all_scores, minlength=self.n)
            seen = np.zeros(self.n, dtype=bool)
            seen[all_docs] = True
            out = np.flatnonzero(seen)
            return out, summed[out]
        return _sum_by_doc(all_docs, all_scores)

    def _or(self, q, within):
        """Whoosh's union: every document of any subquery, scores summed."""
        if q.scale or q.minmatch:
            return None
        subs = q.subqueries
        if not subs:
            return self._empty()
        if len(subs) == 1:  # Whoosh: the child's matcher as it is (no boost)
            return self.evaluate(subs[0], within)
        outs = [self.evaluate(sub, within) for sub in subs]
        docs, scores = self._union([d for d, _s in outs], [s for _d, s in outs])
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def _and(self, q, within):
        """Whoosh's intersection: scores summed; the smallest subquery first, the
        others only where it matched."""
        subs = q.subqueries
        if not subs:
            return self._empty()
        if len(subs) == 1:
            return self.evaluate(subs[0], within)
        docs = scores = None
        inner = within
        for sub in sorted(subs, key=self.estimate):
            d, s = self.evaluate(sub, inner)
            if docs is None:
                docs, scores = d, s
            else:
                at, where = _intersect(docs, d)
                docs = docs[at]
                scores = scores[at] + s[where]
            if not docs.size:
                return self._empty()
            inner = docs if docs.size * SPARSE < self.n else within
        if q.boost != 1.0:
            scores = scores * q.boost
        return docs, scores

    def _andnot(self, q, within):
        docs, scores = self.evaluate(q.a, within)
        if not docs.size:
            return docs, scores
        # the excluded part must be exact on every document the first part gives
        out, _ = self.evaluate(q.b, docs if docs.size * SPARSE < self.n else None)
        at, _where = _intersect(docs, out)
        if not at.size:
            return docs, scores
        keep = np.ones(docs.size, dtype=bool)
        keep[at] = False
        return docs[keep], scores[keep]

    def _scoring(self, fieldname: str):
        """(field, lengths) when ``fieldname`` is scored by BM25F here, else ``None``."""
        field = self.schema[fieldname]
        if not field.scorable:
            return None
        lengths = self._field_lengths(fieldname)
        if lengths is None:
            return None
        return field, lengths

    def _bm25(self, fieldname: str, btext: bytes, tf, fl):
        """``whoosh.scoring.bm25``, operation for operation, over arrays."""
        return self._bm25_idf(fieldname, self.searcher.idf(fieldname, btext), tf, fl)

    def _bm25_idf(self, fieldname: str, idf, tf, fl):
        """:meth:`_bm25` with the term's idf given (one per posting, or one for all)."""
        w = self.weighting
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        B = _compat.bm25_b(w, fieldname)
        K1 = w.K1
        tf = np.asarray(tf, dtype=np.float64)
        return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _local(self, within: np.ndarray | None, off: int, count: int) -> np.ndarray | None:
        """The documents of ``within`` in the segment at ``off``, segment-relative."""
        if within is None:
            return None
        lo, hi = np.searchsorted(within, (off, off + count))
        return within[lo:hi] - off

    def _term(self, q, within):
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return self._empty()
        field = self.schema[fieldname]
        scoring = self._scoring(fieldname) if field.scorable else (field, None)
        if scoring is None:
            return None
        field, lengths = scoring
        try:
            btext = field.to_bytes(q.text)
        except ValueError:
            return self._empty()
        idl: list[np.ndarray] = []
        wl: list[np.ndarray] = []
        where = self._where(fieldname, btext)
        for k, (sub, off) in enumerate(self.leaves):
            reader = sub.reader()
            if where[k] < 0 if where is not None else (fieldname, btext) not in reader:
                continue
            local = self._local(within, off, reader.doc_count_all())
            if local is not None and not local.size:
                continue
            ids, weights, _ = self._decoded(k, reader, fieldname, btext, field.format, local)
            if ids.size:
                ids += off
                idl.append(ids)
                wl.append(weights)
        if not idl:
            return self._empty()
        ids, weights = self._alive(_join(idl), _join(wl, np.float64))
        if lengths is None:  # unscored field (entity keywords): Whoosh's WeightScorer
            s = weights.astype(np.float64)
        else:
            s = self._bm25(fieldname, btext, weights, lengths[ids])
        if q.boost != 1.0:
            s = s * q.boost
        return ids, s

    def _leaf_prefix(self, q) -> tuple[list[list[tuple[bytes, object]]], int]:
        """Per segment, the ``(term, term info)`` pairs of a prefix, read in one ordered
        pass over each segment's term dictionary (no lookup per term and segment), and
        the sum of their document frequencies."""
        key = (q.fieldname, q.text)
        hit = self._leafprefixes.get(key)
        if hit is None:
            per_leaf = []
            df = 0
            for sub, _off in self.leaves:
                pairs = [(t, ti) for t, ti in sub.reader().iter_prefix(q.fieldname, q.text) if t]
                df += sum(ti.doc_frequency() for _t, ti in pairs)
                per_leaf.append(pairs)
            if len(self._leafprefixes) >= CHAR_CACHE:
                self._leafprefixes.pop(next(iter(self._leafprefixes)))
            hit = self._leafprefixes[key] = (per_leaf, df)
        return hit

    def _packed_prefix(self, q) -> list | None:
        """Per segment ``(packed field, lo, hi)``: the numbers of the terms starting with
        the prefix (``None`` when the field is not packed in every segment)."""
        key = (q.fieldname, q.text)
        hit = self._packedprefixes.get(key)
        if hit is not None:
            return hit
        prefix = q.text.encode("utf-8") if isinstance(q.text, str) else q.text
        out = []
        for sub, _off in self.leaves:
            field = _packed_field(sub.reader(), q.fieldname)
            if field is None:
                return None
            out.append((field, *field.prefix_range(prefix)))
        if len(self._packedprefixes) >= CHAR_CACHE:
            self._packedprefixes.pop(next(iter(self._packedprefixes)))
        self._packedprefixes[key] = out
        return out

    def _prefix_df(self, q) -> int:
        """The sum of the document frequencies of a prefix's terms (for ``estimate``)."""
        ranges = self._packed_prefix(q)
        if ranges is None:
            return self._leaf_prefix(q)[1]
        return sum(int(f.dfs_range(lo, hi).sum()) for f, lo, hi in ranges if hi > lo)

    def _keyword_prefix(self, q, within):
        """A prefix over an unscored field (the entity keywords, where a common place
        such as 金华 heads hundreds of longer names): Whoosh scores each posting by its
        weight (``WeightScorer``) and sums the expanded terms (``Or``), times the
        prefix's boost when there are several. Postings are gathered straight from
        each segment's term infos into one score array, not a dense array per term; in
        a packed field a segment's whole range of terms is read and decoded at once
        (a prefix of junk names on the 1M benchmark index expanded to 2,194 terms in
        each of 20 segments, and a read per term made it 140 ms)."""
        ranges = self._packed_prefix(q)
        if ranges is not None:
            return self._packed_keyword_prefix(q, within, ranges)
        field = self.schema[q.fieldname]
        per_leaf, _df = self._leaf_prefix(q)
        idl: list[np.ndarray] = []
        wl: list[np.ndarray] = []
        for k, (sub, off) in enumerate(self.leaves):
            pairs = per_leaf[k]
            if not pairs:
                continue
            reader = sub.reader()
            local = self._local(within, off, reader.doc_count_all())
            if local is not None and not local.size:
                continue
            for btext, terminfo in pairs:
                ids, weights, _ = _postings(
                    reader, q.fieldname, btext, field.format, False, local, terminfo
                )
                if ids.size:
                    idl.append(ids + off)
                    wl.append(weights.astype(np.float64))
        docs, scores = self._union(idl, wl)
        docs, scores = self._alive(docs, scores)
        # Whoosh: one expanded term is a plain Term (no boost), several an Or(boost)
        if q.boost != 1.0 and len({t for pairs in per_leaf for t, _ti in pairs}) > 1:
            scores = scores * q.boost
        return docs, scores

    def _packed_keyword_prefix(self, q, within, ranges: list):
        """:meth:`_keyword_prefix` over packed segments (the same sums, in the same
        order: each segment's postings come term by term, as the terms' lists did)."""
        idl: list[np.ndarray] = []
        wl: list[np.ndarray] = []
        names: set[bytes] = set()
        for k, (sub, off) in enumerate(self.leaves):
            field, lo, hi = ranges[k]
            if hi <= lo:
                continue
            if len(names) < 2:
                names.update(field.term(i) for i in range(lo, min(hi, lo + 2)))
            local = self._local(within, off, sub.reader().doc_count_all())
            if local is not None and not local.size:
                continue
            _term_of, ids, wnums, _vl, _v = field.bulk(lo, hi)
            if not ids.size:
                continue
            weights = np.asarray(field.weights, dtype=np.float64)[wnums]
            if hi - lo > 1:  # a document under several of the terms: one sum, term order
                ids, weights = _sum_by_doc(ids, weights)
            idl.append(ids + off)
            wl.append(weights)
        docs, scores = self._union(idl, wl)
        docs, scores = self._alive(docs, scores)
        if q.boost != 1.0 and len(names) > 1:
            scores = scores * q.boost
        return docs, scores

    def _prefix(self, q, within):
        """A prefix over an unscored field (the entity keywords, ``adate``); prefixes
        of scored fields, which the parser does not make, are left to Whoosh."""
        if q.text and q.fieldname in self.schema and not self.schema[q.fieldname].scorable:
            return self._keyword_prefix(q, within)
        return None

    def _where(self, fieldname: str, btext: bytes) -> list[int] | None:
        """The term's number in each segment's packed field (-1 where it is absent),
        looked up once per view (a query asked each segment two or three times: is it
        there, its frequency, its postings); ``None`` when a segment keeps the field in
        Whoosh's format."""
        key = (fieldname, btext)
        hit = self._found.get(key)
        if hit is None:
            hit = []
            for sub, _off in self.leaves:
                field = _packed_field(sub.reader(), fieldname)
                if field is None:
                    return None
                hit.append(field.find(btext))
            if len(self._found) >= FOUND_CACHE:
                self._found.pop(next(iter(self._found)))
            self._found[key] = hit
        return hit

    def _decoded(self, k: int, reader, fieldname: str, btext: bytes, format_, local, pos=False):
        """``(ids, weights, positions)`` of a term in segment ``k`` (``ids`` a fresh
        array; ``positions`` only with ``pos``, see :func:`_postings`). Long lists decoded
        whole are kept for the next queries (``CACHE_POSTINGS`` per searcher)."""
        key = (k, fieldname, btext, pos)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache[key] = self._cache.pop(key)  # most recently used last
            positions = hit[2]
            if positions is not None:
                positions = tuple(a.astype(np.int64) for a in positions)
            return hit[0].astype(np.int64), hit[1], positions
        where = self._where(fieldname, btext)
        if where is not None:
            field = _packed_field(reader, fieldname)
            ids, weights, positions = _packed_postings(field, where[k], pos)
        else:
            ids, weights, positions = _postings(reader, fieldname, btext, format_, pos, local)
        cost = _cost(ids, positions)
        whole = local is None or _packed_field(reader, fieldname) is not None
        if whole and ids.size >= CACHE_MIN and cost <= CACHE_POSTINGS:
            while self._cache and self._cached + cost > CACHE_POSTINGS:
                old_key, old = next(iter(self._cache.items()))
                del self._cache[old_key]
                self._cached -= _cost(old[0], old[2])
            compact = weights.astype(np.float32)
            if np.array_equal(compact, weights):  # term frequencies: exact as float32
                weights = compact
            if positions is not None:
                positions = tuple(a.astype(np.int32) for a in positions)
            self._cache[key] = (ids.astype(np.int32), weights, positions)
            self._cached += cost
        return ids, weights, positions

    def _candidates(self, seg, reader, fieldname, btexts, field, local, off) -> tuple:
        """The decoded postings of every word of a phrase (positions too) and the live
        documents holding them all, intersected rarest first; postings blocks outside
        ``local`` (segment docnums, or ``None``) are skipped."""
        dfs = [self._df(seg, reader, fieldname, bt) for bt in btexts]
        order = sorted(range(len(btexts)), key=dfs.__getitem__)
        lists: list = [None] * len(btexts)
        cand = None
        for i in order:
            lists[i] = self._decoded(seg, reader, fieldname, btexts[i], field.format, local, True)
            ids = lists[i][0]
            if cand is None:
                cand = ids[self.live[ids + off]] if self.deleted else ids
                if local is not None:
                    cand = cand[_member(cand, local)]
            else:
                cand = cand[_member(cand, ids)]
            if not cand.size:
                break
            local = cand
        return lists, cand

    def _in_segment(self, k: int, reader, fieldname: str, btexts: list[bytes]) -> bool:
        """Whether segment ``k`` holds every one of the terms."""
        for bt in btexts:
            where = self._where(fieldname, bt)
            if where[k] < 0 if where is not None else (fieldname, bt) not in reader:
                return False
        return True

    def _df(self, k: int, reader, fieldname: str, btext: bytes) -> int:
        """The term's document frequency in segment ``k``."""
        where = self._where(fieldname, btext)
        if where is None:
            return reader.doc_frequency(fieldname, btext)
        return _packed_field(reader, fieldname).df(where[k]) if where[k] >= 0 else 0

    def _phrase_words(self, q, words, least: int):
        """``(field, lengths, term bytes of words)`` for a phrase evaluated here (slop 1,
        at least ``least`` words, a scored positional field), ``None`` otherwise; the
        term bytes are ``None`` when a word cannot be a term (nothing matches)."""
        if q.slop != 1 or len(words) < least or q.fieldname not in self.schema:
            return None
        scoring = self._scoring(q.fieldname)
        if scoring is None or not isinstance(scoring[0].format, Positions):
            return None
        field, lengths = scoring
        try:
            return field, lengths, [field.to_bytes(w) for w in words]
        except ValueError:
            return field, lengths, None

    def _phrase(self, q, within):
        """Consecutive positions (Whoosh's ``Phrase`` with ``slop=1``: ``SpanNear2``
        over the words' ``Term`` matchers); the score is the sum of the words' BM25F
        scores (the intersection's), times the phrase's boost. The rarest word is read
        first, the others only in blocks holding its documents."""
        fieldname = q.fieldname
        got = self._phrase_words(q, q.words, 2)
        if got is None:
            return None
        field, lengths, btexts = got
        if btexts is None:
            return self._empty()
        found: list[np.ndarray] = []
        per_word: list[list[np.ndarray]] = [[] for _ in btexts]
        for seg, (sub, off) in enumerate(self.leaves):
            reader = sub.reader()
            if not self._in_segment(seg, reader, fieldname, btexts):
                continue
            count = reader.doc_count_all()
            local = self._local(within, off, count)
            if local is not None and not local.size:
                continue
            lists, cand = self._candidates(seg, reader, fieldname, btexts, field, local, off)
            if cand is None or not cand.size:
                continue
            where = [np.searchsorted(ids, cand) for ids, _w, _p in lists]
            # (document, position - i) keys of word i: those all words share start a match
            starts = None
            for i, ((ids, _w, positions), at) in enumerate(zip(lists, where, strict=True)):
                k = _keys(ids, positions, at) - i
                starts = k if starts is None else k[_member(k, starts)]
                if not starts.size:
                    break
            if starts is None or not starts.size:
                continue
            keep = _member(cand, _distinct_sorted(starts // _KEY))
            found.append(cand[keep] + off)
            for i, (_ids, weights, _v) in enumerate(lists):
                per_word[i].append(weights[where[i][keep]])
        if not found:
            return self._empty()
        docs = _join(found)
        fl = lengths[docs]
        total = None
        for bt, parts in zip(btexts, per_word, strict=True):
            s = self._bm25(fieldname, bt, np.concatenate(parts), fl)
            total = s if total is None else total + s
        if q.boost != 1.0:
            total = total * q.boost
        return docs, total

    def _open_phrase(self, q, within):
        """An :class:`~.translate.OpenPhrase`: the exact words at consecutive positions
        (read as in :meth:`_phrase`, rarest first), then at the next position any term
        starting with the last word's character. Scored like Whoosh's ``SpanNear2`` over
        the words and a ``SpanOr`` of the expanded terms: the words' BM25F plus that of
        every expanded term the document holds, times the boost."""
        fieldname = q.fieldname
        head = q.words[:-1]
        got = self._phrase_words(q, head, 1)
        if got is None:
            return None
        field, lengths, btexts = got
        if btexts is None:
            return self._empty()
        per_leaf, _df = self._leaf_prefix(CharPrefix(fieldname, q.words[-1]))
        out_docs: list[np.ndarray] = []
        out_scores: list[np.ndarray] = []
        for seg, (sub, off) in enumerate(self.leaves):
            reader = sub.reader()
            pairs = per_leaf[seg]
            if not pairs or not self._in_segment(seg, reader, fieldname, btexts):
                continue
            local = self._local(within, off, reader.doc_count_all())
            if local is not None and not local.size:
                continue
            lists, cand = self._candidates(seg, reader, fieldname, btexts, field, local, off)
            if cand is None or not cand.size:
                continue
            # where the exact words end: (document, next position) keys
            ends = None
            for i, (ids, _w, positions) in enumerate(lists):
                k = _keys(ids, positions, np.searchsorted(ids, cand)) + (len(head) - i)
                ends = k if ends is None else k[_member(k, ends)]
            cand = _distinct_sorted(ends // _KEY)
            if not cand.size:
                continue
            wanted = cand.tolist()
            lo_doc, hi_doc = wanted[0], wanted[-1]
            # every expanded term's postings in blocks holding candidates, gathered
            # into flat arrays; positions only of the postings of candidates
            idl: list[np.ndarray] = []
            wl: list[np.ndarray] = []
            pl: list[tuple] = []  # per term: its postings' positions (starts, counts, flat)
            idfs: list[float] = []
            for btext, terminfo in pairs:
                lo, hi = terminfo.min_id(), terminfo.max_id()
                if hi < lo_doc or lo > hi_doc:
                    continue
                k = bisect_right(wanted, hi)
                if k == 0 or wanted[k - 1] < lo:
                    continue  # no candidate in the term's document range
                ids, weights, positions = _postings(
                    reader, fieldname, btext, field.format, True, cand, terminfo
                )
                if ids.size:
                    idl.append(ids)
                    wl.append(weights)
                    pl.append(positions)
                    idfs.append(self.searcher.idf(fieldname, btext))
            if not idl:
                continue
            all_ids = np.concatenate(idl)
            at = np.flatnonzero(_member(all_ids, cand))
            if not at.size:
                continue
            term_of = np.repeat(np.arange(len(idl)), [ids.size for ids in idl])[at]
            ids = all_ids[at]
            where = np.searchsorted(cand, ids)
            end_score = np.zeros(cand.size, dtype=np.float64)
            tf = np.concatenate(wl)[at]
            idf = np.asarray(idfs, dtype=np.float64)[term_of]
            np.add.at(end_score, where, self._bm25_idf(fieldname, idf, tf, lengths[ids + off]))
            keys = np.unique(_keys(all_ids, _concat_positions(pl), at))
            hit = keys[_member(keys, ends)]
            matched = np.zeros(cand.size, dtype=bool)
            matched[np.searchsorted(cand, hit // _KEY)] = True
            if not matched.any():
                continue
            docs = cand[matched]
            total = end_score[matched]
            fl_docs = lengths[docs + off]
            for bt, (ids, weights, _p) in zip(btexts, lists, strict=True):
                s = self._bm25(fieldname, bt, weights[np.searchsorted(ids, docs)], fl_docs)
                total = s + total
            if q.boost != 1.0:
                total = total * q.boost
            out_docs.append(docs + off)
            out_scores.append(total)
        if not out_docs:
            return self._empty()
        return _join(out_docs), _join(out_scores, np.float64)

    def _char(self, q):
        key = (q.fieldname, q.text)
        docs = self._chars.get(key)
        if docs is None:
            parts = []
            for sub, off in self.leaves:
                m = q.matcher(sub)  # CharPrefix's cached, deletion-filtered ids
                if m.is_active():
                    parts.append(np.asarray(list(m.all_ids()), dtype=np.int64) + off)
            docs = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            if len(self._chars) >= CHAR_CACHE:
                self._chars.pop(next(iter(self._chars)))
            self._chars[key] = docs
        (docs,) = self._alive(docs)
        return docs, np.full(docs.size, float(q.boost))

    def _whoosh(self, q, within=None):
        """Any other query: Whoosh's own matcher for this subtree, per segment. With
        ``within``, term and prefix matchers (keyword fields) are only asked about those
        documents (``skip_to`` each); others (``NestedChildren``'s ``skip_to`` is not
        reliable) are read through."""
        if type(q) not in SKIPPABLE:
            within = None
        idl: list[np.ndarray] = []
        sl: list[np.ndarray] = []
        context = self.searcher.context()
        for sub, off in self.leaves:
            local = self._local(within, off, sub.reader().doc_count_all())
            if local is not None and not local.size:
                continue
            m = q.matcher(sub, context)
            ids: list[int] = []
            ss: list[float] = []
            if local is None:
                while m.is_active():
                    ids.append(m.id())
                    ss.append(m.score())
                    m.next()
            else:
                for d in local.tolist():
                    if not m.is_active():
                        break
                    if m.id() < d:
                        m.skip_to(d)
                        if not m.is_active():
                            break
                    if m.id() == d:
                        ids.append(d)
                        ss.append(m.score())
            if ids:
                idl.append(np.asarray(ids, dtype=np.int64) + off)
                sl.append(np.asarray(ss, dtype=np.float64))
        if not idl:
            return self._empty()
        return _join(idl), _join(sl, np.float64)

    # -- per-view data ---------------------------------------------------------------

    def _field_lengths(self, fieldname: str) -> _Lengths | None:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            raw = np.zeros(self.n, dtype=np.uint8)
            for sub, off in self.leaves:
                reader = sub.reader()
                perdoc = getattr(reader, "_perdoc", None)
                count = reader.doc_count_all()
                table = self._length_table(perdoc, fieldname) if perdoc is not None else None
                if table is None:
                    return None
                part = np.frombuffer(table, dtype=np.uint8, count=min(len(table), count))
                raw[off : off + part.size] = part
            lengths = self._lengths[fieldname] = _Lengths(raw)
        return lengths


class _Lengths:
    """A field's length per document, kept as Whoosh's length bytes (one byte a
    document, not eight) and decoded for the documents asked: ``lengths[docs]``."""

    __slots__ = ("raw",)

    def __init__(self, raw: np.ndarray) -> None:
        self.raw = raw

    def __getitem__(self, docs) -> np.ndarray:
        return _LENGTHS[self.raw[docs]]


def _sum_by_doc(docs: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document once, in order, with its scores summed in their given order (a
    stable sort: runs merged, list order kept on ties)."""
    order = np.argsort(docs, kind="stable")
    docs = docs[order]
    scores = scores[order]
    first = np.ones(docs.size, dtype=bool)
    first[1:] = docs[1:] != docs[:-1]
    starts = np.flatnonzero(first)
    return docs[starts], np.add.reduceat(scores, starts)


def _join(parts: list[np.ndarray], dtype=np.int64) -> np.ndarray:
    """``parts`` end to end (one part as it is)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts)


def _intersect(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(at, where)``: the indexes in ``a`` of the documents both sorted, unique
    arrays hold, and where each is in ``b`` (``a[at] == b[where]``)."""
    if not a.size or not b.size:
        none = np.zeros(0, dtype=np.int64)
        return none, none
    where = np.searchsorted(b, a)
    np.minimum(where, b.size - 1, out=where)
    at = np.flatnonzero(b[where] == a)
    return at, where[at]


def _postings(
    reader,
    fieldname: str,
    btext: bytes,
    format_,
    values: bool = False,
    within: np.ndarray | None = None,
    terminfo=None,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Segment-relative ids, weights and (with ``values``) the positions of a term's
    postings (deleted documents included), positions as ``(starts, counts, flat)``:
    posting ``j``'s are ``flat[starts[j] : starts[j] + counts[j]]``, ascending. A packed
    term is decoded whole (one array pass); in Whoosh's format, with ``within`` (sorted
    segment-relative docnums), blocks holding none of them are skipped unread.
    ``terminfo``: the term's info when the caller has it already (no lookup)."""
    terms = _compat.terms_reader(reader)
    packed = getattr(terminfo, "packed", None)
    if packed is None and terminfo is None and isinstance(terms, MixedTermsReader):
        field = terms.packed_field(fieldname)
        if field is not None:
            packed = (field, field.find(btext))
    if packed is not None:
        return _packed_postings(packed[0], packed[1], values)
    if terminfo is None:
        terminfo = terms.term_info(fieldname, btext)
    if terminfo.is_inlined():
        ids, weights, vals = terminfo.inlined_postings()
        return (
            np.asarray(ids, dtype=np.int64),
            np.asarray(weights, dtype=np.float64),
            _flat_positions(vals) if values else None,
        )
    offset, length = terminfo.extent()
    m = W3LeafMatcher(_compat.postings_file(terms), offset, length, format_)
    wanted = None if within is None else np.asarray(within).tolist()
    idl: list[int] = []
    wl: list[float] = []
    vl: list = []
    last = -1  # the previous block's last id
    for block in _compat.leaf_blocks(m):
        if wanted is not None:
            k = bisect_right(wanted, last)
            if k == len(wanted):
                break
            last = block.max_id
            if wanted[k] > last:  # no wanted document in this block
                continue
        data = block.data()
        idl.extend(accumulate(data[0]))  # delta-coded per block
        w = data[1]
        if w is None:
            wl.extend(repeat(1.0, len(data[0])))
        elif isinstance(w, float):
            wl.extend(repeat(w, len(data[0])))
        else:
            wl.extend(w)
        if values:
            vl.extend(data[2])
    positions = _flat_positions(vl) if values else None
    return np.asarray(idl, dtype=np.int64), np.asarray(wl, dtype=np.float64), positions


def _packed_postings(field, i: int, values: bool) -> tuple[np.ndarray, np.ndarray, Any]:
    """:func:`_postings` of a packed term."""
    if i < 0:
        none = np.zeros(0, dtype=np.int64)
        return none, np.zeros(0, dtype=np.float64), ((none, none, none) if values else None)
    ids, weights, counts, deltas = field.postings(i, values)
    if not values:
        return ids, weights, None
    return ids, weights, (np.cumsum(counts) - counts, counts, positions_of(counts, deltas))


def _flat_positions(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whoosh-format positions values (bytes) as ``(starts, counts, flat)``: the
    reference path for fields not packed (one Python decode per posting)."""
    lists = [_positions(v) for v in values]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter((p for ps in lists for p in ps), dtype=np.int64, count=int(counts.sum()))
    return np.cumsum(counts) - counts, counts, flat


def _concat_positions(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The positions of several terms' postings laid end to end."""
    counts = np.concatenate([c for _s, c, _f in parts])
    flat = np.concatenate([f for _s, _c, f in parts])
    return np.cumsum(counts) - counts, counts, flat


def _positions(value) -> list[int]:
    """Whoosh's ``Positions.decode_positions`` (a packed term's are decoded already)."""
    if not isinstance(value, bytes):
        return list(value)
    if not value.endswith(b"."):
        value += b"."
    return list(accumulate(_loads(value[_INT_SIZE:])))


def _keys(ids: np.ndarray, positions: tuple, at: np.ndarray) -> np.ndarray:
    """``document * _KEY + position`` of every position of the postings at indexes
    ``at`` (ascending ``at`` gives ascending keys)."""
    starts, counts, flat = positions
    c = counts[at]
    total = int(c.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    # each posting's positions: its start, then +1 up to its count
    first = np.cumsum(c) - c
    idx = np.repeat(starts[at] - first, c) + np.arange(total)
    return np.repeat(ids[at].astype(np.int64) * _KEY, c) + flat[idx]


def _member(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which elements of ``a`` the sorted array ``b`` holds."""
    if not b.size or not a.size:
        return np.zeros(a.size, dtype=bool)
    where = np.searchsorted(b, a)
    np.minimum(where, b.size - 1, out=where)
    return b[where] == a


def _distinct_sorted(a: np.ndarray) -> np.ndarray:
    """The distinct values of sorted ``a``."""
    if a.size < 2:
        return a
    keep = np.ones(a.size, dtype=bool)
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def _cost(ids: np.ndarray, positions) -> int:
    """What a decoded list counts for in the cache: its postings and positions."""
    return int(ids.size) + (0 if positions is None else int(positions[2].size))


def _packed_field(reader, fieldname: str):
    """The segment's packed field ``fieldname``, or ``None`` (Whoosh's format)."""
    terms = _compat.terms_reader(reader)
    return terms.packed_field(fieldname) if isinstance(terms, MixedTermsReader) else None


def count_groups(parents: np.ndarray, docs: np.ndarray) -> int:
    """Distinct parents among sorted docnums (the parent of ``d`` is the last parent
    ``<= d``; documents before the first parent count for none)."""
    if not docs.size or not parents.size:
        return 0
    k = np.searchsorted(parents, docs, side="right") - 1
    k = k[k >= 0]
    if not k.size:
        return 0
    return int(np.count_nonzero(np.diff(k)) + 1)


def top_hits(docs: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` of sorted ``docs``: higher score first, lower docnum on ties."""
    if not docs.size or limit <= 0:
        return []
    if docs.size > limit:
        cut = docs.size - limit
        kth = np.partition(scores, cut)[cut]  # the limit-th best score
        above = np.flatnonzero(scores > kth)
        ties = np.flatnonzero(scores == kth)[: limit - above.size]  # lowest docnums
        keep = np.concatenate((above, ties))
        docs = docs[keep]
        scores = scores[keep]
    order = np.lexsort((docs, -scores))[:limit]
    return [(int(d), float(s)) for d, s in zip(docs[order], scores[order], strict=True)]
