"""The query as data: what the parser produces and every backend translates.

The leaves name index **terms** as the analyzer makes them (:mod:`g60_reader.index
.analyzer`): Han bigrams of the folded text and whole Latin/digit runs in the positional
fields ``body``, ``title`` and ``outlet``; whole jieba words in ``words``; whole folded
values in the keyword fields (``person``, ``place``, ``organization``, ``date``,
``initiative``, ``adate`` the publication day). A backend that indexes those same terms
(Whoosh, OpenSearch with whitespace-analysed fields) answers a query exactly alike.

Paragraphs are what a query finds. :class:`ArticleField` evaluates its child on the
article's own fields (title, outlet, publication date) and matches every paragraph of
the articles it finds.

Nodes are frozen dataclasses: hashable, comparable, printable (the Whoosh backend keys
its count cache on them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Term:
    """Paragraphs (or articles, under :class:`ArticleField`) holding ``text`` in
    ``field``."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Phrase:
    """``terms`` at consecutive positions of ``field`` (an exact substring of the text
    when the terms are its overlapping bigrams).

    ``open_end``: the last term is one Han character that must *start* the term at its
    position (a bigram beginning with it, or the character alone where it ends its Han
    run) rather than be that exact term. The parser sets it when a query piece ends in a
    one-character Han run after something else (``1998年``, ``31日``, ``G60科``): in the
    text ``1998年度`` the position after ``1998`` holds the bigram ``年度``, not ``年``.
    """

    field: str
    terms: tuple[str, ...]
    boost: float = 1.0
    open_end: bool = False

    @property
    def head(self) -> tuple[str, ...]:
        """The terms that must be exact (all but an open last one)."""
        return self.terms[:-1] if self.open_end else self.terms


@dataclass(frozen=True, slots=True)
class CharPrefix:
    """A single Han character anywhere in ``field``: every term starting with it. Every
    match scores the same (``boost``)."""

    field: str
    char: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Prefix:
    """A keyword field holding a value that starts with ``text`` (entity names: place:金华
    finds 金华市; publication days: 2019-03 finds 2019-03-05)."""

    field: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True, slots=True)
class AndNot:
    """``positive`` without ``negative`` (scores from ``positive``)."""

    positive: Node
    negative: Node


@dataclass(frozen=True, slots=True)
class Not:
    """Everything but ``child``: only ever inside :class:`AndNot` or at the top of a
    query the parser refuses ("a query cannot only exclude terms")."""

    child: Node


@dataclass(frozen=True, slots=True)
class ArticleField:
    """Every paragraph of the articles whose own fields match ``child``."""

    child: Node
    boost: float = 1.0


Node = Term | Phrase | CharPrefix | Prefix | And | Or | AndNot | Not | ArticleField

LEAVES = (Term, Phrase, CharPrefix, Prefix)


def walk(node: Node):
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, AndNot):
        yield from walk(node.positive)
        yield from walk(node.negative)
    elif isinstance(node, Not | ArticleField):
        yield from walk(node.child)
