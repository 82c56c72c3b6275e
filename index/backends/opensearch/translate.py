"""The neutral query tree (:mod:`g60_reader.index.query.ast`) as OpenSearch query DSL.

Each node means on a paragraph document what the memory backend (the reference) says it
means, clause for clause:

=====================  ===============================================================
node                   OpenSearch
=====================  ===============================================================
``Term``               ``term`` on ``body`` (``words`` for the word field)
``Phrase``             ``match_phrase`` with slop 0 (our whitespace analyzer: the
                       terms at consecutive positions, in order); one term: ``term``;
                       with ``open_end`` (``1998年``) ``match_phrase_prefix`` (slop
                       0): the last position any term starting with the character
                       (``年度``, ``年``), every such term (``max_expansions``)
``CharPrefix``         ``prefix`` on the positional field (constant score: every
                       term starting with the character, in one bitset)
``Prefix``             ``prefix`` on the entity keyword field
``And`` / ``Or``       ``bool`` ``must`` / ``should`` (at least one)
``AndNot`` / ``Not``   ``bool`` ``must_not``
``ArticleField``       the child on the article fields copied onto every paragraph
                       (``title``, ``outlet``, ``adate``): no join
=====================  ===============================================================

Under :class:`~g60_reader.index.query.ast.ArticleField` a ``Term``/``Phrase``/
``CharPrefix`` reads ``title`` when its field is ``title`` and ``outlet`` otherwise, a
``Prefix`` reads ``adate`` only; elsewhere the reference evaluates text nodes on the
paragraph's body whatever their field (and a ``Prefix`` on a field no paragraph holds
finds nothing): so does this translation. Scores differ from the reference's (BM25 here),
hit sets do not.

Why ``match_phrase_prefix`` for an open end, not ``span_near`` over a ``span_multi``
``prefix``: a span prefix becomes one span clause per term it expands to, counted
against ``indices.query.bool.max_clause_count`` (1024 by default; OpenSearch's documented
"too many clauses" failure, and Lucene 9 counts after any ``top_terms`` rewrite), and a
common character heads more body terms than that (measured, terms starting with
年 / 日 / 中: 1,216 / 710 / 1,199 in the 10k synthetic benchmark index, 3,015 / 2,059 /
2,949 at 100k; 851 / 500 / 821 in one month of People's Daily 1998), so ``1998年`` would
be refused. The phrase prefix query puts every expanded term at the last position of one
``MultiPhraseQuery`` (one clause per position whatever the number of terms: the contract
test holds 1,456 terms starting with 年 and the node answers exactly); its
``max_expansions`` is set above the number of terms that can start with one Han character
(the character alone or followed by one Han character: :data:`MAX_EXPANSIONS`), so no
term is ever left out.
"""

from __future__ import annotations

from typing import Any

from g60_reader.index.query import ast as Q

from .mapping import ANALYZER, ENTITY_FIELDS

NOTHING: dict[str, Any] = {"match_none": {}}
# Body terms starting with one Han character: that character alone, or followed by one
# of the analyzer's Han code points (U+3400-4DBF, U+4E00-9FFF, U+F900-FAFF,
# U+20000-3134F). An open phrase end expands to at most this many terms.
_HAN_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
MAX_EXPANSIONS = 1 + sum(hi - lo + 1 for lo, hi in _HAN_BLOCKS)
Dsl = dict[str, Any]


def to_dsl(node: Q.Node) -> Dsl:
    """The query DSL for a query tree, evaluated on paragraph documents."""
    return _para(node)


def _term(field: str, text: str, boost: float) -> Dsl:
    return {"term": {field: {"value": text, "boost": boost}}}


def _phrase(field: str, terms: tuple[str, ...], boost: float) -> Dsl:
    if not terms:
        return NOTHING
    if len(terms) == 1:
        return _term(field, terms[0], boost)
    return {
        "match_phrase": {
            field: {"query": " ".join(terms), "analyzer": ANALYZER, "slop": 0, "boost": boost}
        }
    }


def _open_phrase(field: str, terms: tuple[str, ...], boost: float) -> Dsl:
    """``terms[:-1]`` at consecutive positions, then any term starting with the
    character ``terms[-1]`` (:attr:`~g60_reader.index.query.ast.Phrase.open_end`)."""
    if len(terms) == 1:
        return _prefix(field, terms[0], boost)
    return {
        "match_phrase_prefix": {
            field: {
                "query": " ".join(terms),
                "analyzer": ANALYZER,
                "slop": 0,
                "max_expansions": MAX_EXPANSIONS,
                "boost": boost,
            }
        }
    }


def _prefix(field: str, text: str, boost: float) -> Dsl:
    return {"prefix": {field: {"value": text, "boost": boost}}}


def _bool(node: Q.Node, leaf) -> Dsl | None:
    """And/Or/AndNot/Not with ``leaf`` translating the children; None for a leaf."""
    if isinstance(node, Q.And):
        return {"bool": {"must": [leaf(c) for c in node.children], "boost": node.boost}}
    if isinstance(node, Q.Or):
        return {
            "bool": {
                "should": [leaf(c) for c in node.children],
                "minimum_should_match": 1,
                "boost": node.boost,
            }
        }
    if isinstance(node, Q.AndNot):
        return {"bool": {"must": [leaf(node.positive)], "must_not": [leaf(node.negative)]}}
    if isinstance(node, Q.Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [leaf(node.child)]}}
    return None


def _para(node: Q.Node) -> Dsl:
    if isinstance(node, Q.Term):
        field = "words" if node.field == "words" else "body"
        return _term(field, node.text, node.boost)
    if isinstance(node, Q.Phrase):
        if node.open_end:
            return _open_phrase("body", node.terms, node.boost)
        return _phrase("body", node.terms, node.boost)
    if isinstance(node, Q.CharPrefix):
        return _prefix("body", node.char, node.boost)
    if isinstance(node, Q.Prefix):
        if node.field not in ENTITY_FIELDS:
            return NOTHING
        return _prefix(node.field, node.text, node.boost)
    if isinstance(node, Q.ArticleField):
        return {"constant_score": {"filter": _article(node.child), "boost": node.boost}}
    dsl = _bool(node, _para)
    if dsl is None:
        raise TypeError(f"not a query node: {node!r}")
    return dsl


def _article(node: Q.Node) -> Dsl:
    """A node evaluated on the article's fields (as copied onto its paragraphs)."""
    if isinstance(node, Q.Term | Q.Phrase | Q.CharPrefix):
        field = "title" if node.field == "title" else "outlet"
        if isinstance(node, Q.Term):
            return _term(field, node.text, 1.0)
        if isinstance(node, Q.Phrase):
            if node.open_end:
                return _open_phrase(field, node.terms, 1.0)
            return _phrase(field, node.terms, 1.0)
        return _prefix(field, node.char, 1.0)
    if isinstance(node, Q.Prefix):
        return _prefix("adate", node.text, 1.0) if node.field == "adate" else NOTHING
    if isinstance(node, Q.And | Q.Or | Q.AndNot):
        dsl = _bool(node, _article)
        assert dsl is not None
        return dsl
    # the reference finds no article for Not or ArticleField on article fields
    return NOTHING
