"""The neutral query tree (:mod:`g60_reader.index.query.ast`) as Whoosh queries.

One Whoosh query per node, field names as in :mod:`.schema`. Two need more than a
Whoosh class of the same name:

- :class:`CharPrefix` (one Han character anywhere) gathers the documents of every term
  starting with the character once per segment reader (a plain ``Prefix`` would OR one
  matcher per term: thousands for a common character);
- a :class:`~g60_reader.index.query.ast.Phrase` with ``open_end`` (``1998年``: the last
  position holds any term starting with 年, ``年度`` or ``年`` alone) is
  :class:`OpenPhrase`: Whoosh's ``SpanNear2`` over the exact terms and a ``SpanOr`` of
  the terms starting with the character, expanded per segment reader (the array path,
  :mod:`.fastpath`, evaluates it without the matchers and scores it the same: the
  exact terms' BM25F plus, as Whoosh's union does, that of every expanded term the
  document holds);
- :class:`~g60_reader.index.query.ast.ArticleField` is Whoosh's ``NestedChildren``: the
  child runs on the article documents (``kind=a``) and matches their paragraphs (the
  documents after each article up to the next one; copies of exact duplicates are
  article documents without paragraphs, so they never match).
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from whoosh import query as W
from whoosh.matching import ListMatcher, NullMatcher, WrappingMatcher
from whoosh.query.nested import NestedChildren
from whoosh.query.spans import SpanNear2, SpanOr

from g60_reader.index.query import ast as Q

from . import _compat
from .packed import MixedTermsReader

_CHAR_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CHAR_LOCK = threading.Lock()
PARENTS = W.Term("kind", "a")


class CharPrefix(W.Prefix):
    """Documents holding one Han character anywhere.

    Every character of a Han run starts a body term (a bigram, or the run's last
    character alone), so this is the union of the postings of the terms starting with
    the character, gathered once per segment reader and cached. Every matching document
    gets the same score.
    """

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        key = (self.fieldname, self.text)
        with _CHAR_LOCK:
            per_reader = _CHAR_CACHE.setdefault(reader, {})
            ids = per_reader.get(key)
        if ids is None:
            ids = _packed_char_ids(reader, self.fieldname, self.text)
            if ids is None:
                found: set[int] = set()
                for term in reader.expand_prefix(self.fieldname, self.text):
                    found.update(reader.postings(self.fieldname, term).all_ids())
                ids = sorted(found)
            with _CHAR_LOCK:
                if len(per_reader) > 256:
                    per_reader.clear()
                per_reader[key] = ids
        if not ids:
            return NullMatcher()
        return ListMatcher(ids, [self.boost] * len(ids))


def _packed_char_ids(reader, fieldname: str, text: str) -> list[int] | None:
    """The live documents of every term starting with ``text`` in a segment's packed
    field, decoded in one pass over the term range (``None``: not a packed field)."""
    terms = _compat.terms_reader(reader) if hasattr(reader, "segment") else None
    if not isinstance(terms, MixedTermsReader):
        return None
    field = terms.packed_field(fieldname)
    if field is None:
        return None
    lo, hi = field.prefix_range(text.encode("utf-8"))
    if lo >= hi:
        return []
    _term_of, ids, _w, _vl, _v = field.bulk(lo, hi)
    docs = np.unique(ids)
    if reader.has_deletions():
        deleted = np.fromiter(reader.deleted_docs_set, np.int64)
        docs = docs[~np.isin(docs, deleted)]
    return docs.tolist()


class OpenPhrase(W.Phrase):
    """``words[:-1]`` at consecutive positions followed by any term starting with the
    character ``words[-1]`` (:attr:`~g60_reader.index.query.ast.Phrase.open_end`)."""

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0) -> None:
        if len(words) < 2:
            raise ValueError("an open phrase needs a term before its open end")
        super().__init__(fieldname, words, slop=1, boost=boost)

    def _and_query(self):
        return W.And([W.Term(self.fieldname, w) for w in self.words[:-1]])

    def matcher(self, searcher, context=None):
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return NullMatcher()
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        head: list[W.Query] = []
        for word in self.words[:-1]:
            try:
                btext = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (fieldname, btext) not in reader:
                return NullMatcher()
            head.append(W.Term(fieldname, btext))
        ends = [W.Term(fieldname, t) for t in reader.expand_prefix(fieldname, self.words[-1])]
        if not ends:
            return NullMatcher()
        last = ends[0] if len(ends) == 1 else SpanOr(ends)
        m = SpanNear2([*head, last], slop=1, ordered=True, mindist=1).matcher(searcher, context)
        if self.boost != 1.0:
            m = WrappingMatcher(m, boost=self.boost)
        return m


def to_whoosh(node: Q.Node) -> W.Query:
    """The Whoosh query for a query tree."""
    if isinstance(node, Q.Term):
        return W.Term(node.field, node.text, boost=node.boost)
    if isinstance(node, Q.Phrase):
        if node.open_end:
            if len(node.terms) == 1:  # the character alone: anywhere
                return CharPrefix(node.field, node.terms[0], boost=node.boost)
            return OpenPhrase(node.field, list(node.terms), boost=node.boost)
        return W.Phrase(node.field, list(node.terms), boost=node.boost)
    if isinstance(node, Q.CharPrefix):
        return CharPrefix(node.field, node.char, boost=node.boost)
    if isinstance(node, Q.Prefix):
        return W.Prefix(node.field, node.text, boost=node.boost)
    if isinstance(node, Q.And):
        return W.And([to_whoosh(c) for c in node.children], boost=node.boost)
    if isinstance(node, Q.Or):
        return W.Or([to_whoosh(c) for c in node.children], boost=node.boost)
    if isinstance(node, Q.AndNot):
        return W.AndNot(to_whoosh(node.positive), to_whoosh(node.negative))
    if isinstance(node, Q.Not):
        return W.Not(to_whoosh(node.child))
    if isinstance(node, Q.ArticleField):
        return NestedChildren(PARENTS, to_whoosh(node.child), boost=node.boost)
    raise TypeError(f"not a query node: {node!r}")
