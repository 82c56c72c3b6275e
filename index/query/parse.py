"""The query language: a small recursive-descent parser producing a query tree
(:mod:`.ast`) that every backend translates.

Syntax
------
``word word``          both (implicit AND; ``AND`` may be written)
``a OR b``             either
``NOT a``, ``-a``      without
``"a phrase"``         the exact string (punctuation inside splits it into parts)
``( ... )``            grouping
``title:`` ``outlet:`` the article's title / outlet
``person:`` ``place:`` ``org:``/``organization:`` ``date:`` ``initiative:``
                       recognised entities (after the entity pass) and, for ``date:``,
                       the article date (``date:2023-12``)

Both scripts work everywhere (the query is folded like the text), and an all-letters
word of two or more letters is also read as pinyin (``jinhua``, ``jh``): it matches the
indexed Han words with that reading, ranked below direct matches.

How a word becomes a query on the sub-word field ``body``: one Han character is a
character prefix (every bigram starting with it), two are one term, more are a phrase of
bigrams OR'ed with the whole word in the ``words`` field (which ranks exact long words
higher). A piece ending in one Han character after digits or Latin letters (``1998年``,
``31日``, ``G60科``) is a phrase whose last term is *open* (``Phrase.open_end``): any
term starting with that character, since in ``1998年度`` the index holds ``年度`` there.

:func:`parse` never raises: a query it cannot use comes back with ``error`` set to one
line that says why.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from g60_reader.index.analyzer import (
    HAN_RUN_RE,
    fold_normalise,
    is_han,
    query_tokens,
    split_pieces,
)
from g60_reader.index.pinyin import is_pinyin_query

from . import ast as Q

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 64
PINYIN_BOOST = 0.5
WORDS_BOOST = 1.5
TITLE_BOOST = 0.5

ENTITY_ALIASES = {
    "person": "person",
    "place": "place",
    "org": "organization",
    "organization": "organization",
    "date": "date",
    "initiative": "initiative",
}
TEXT_FIELDS = ("title", "outlet")
KNOWN_FIELDS = (*TEXT_FIELDS, *ENTITY_ALIASES)

_QUOTES = {'"', "“", "”", "„", "「", "」", "『", "』", "＂"}
_OPEN = {"(", "（"}
_CLOSE = {")", "）"}

Expander = Callable[[str], list[str]]


class QueryError(ValueError):
    pass


@dataclass
class ParsedQuery:
    text: str
    query: Q.Node | None = None
    terms: tuple[str, ...] = ()  # normalised strings to highlight in paragraph text
    error: str | None = None
    words: tuple[str, ...] = ()  # positive body words (for suggestions)


@dataclass
class _Tok:
    kind: str  # WORD PHRASE LP RP OR AND NOT FIELD
    value: str = ""
    neg: bool = False


@dataclass
class _Ctx:
    expand: Expander | None
    terms: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    clauses: int = 0


def _check_text(text: str) -> str:
    if not text or not text.strip():
        raise QueryError("empty query")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters, at most {MAX_QUERY_CHARS})")
    for ch in text:
        if 0xD800 <= ord(ch) <= 0xDFFF:
            raise QueryError("query is not valid text (it holds a lone surrogate)")
    # control characters (NUL, ...) are spaces
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _OPEN:
            toks.append(_Tok("LP"))
            i += 1
            continue
        if ch in _CLOSE:
            toks.append(_Tok("RP"))
            i += 1
            continue
        neg = False
        if ch == "-" and i + 1 < n and not text[i + 1].isspace():
            neg = True
            i += 1
            ch = text[i]
        if ch in _QUOTES:
            j = i + 1
            while j < n and text[j] not in _QUOTES:
                j += 1
            toks.append(_Tok("PHRASE", text[i + 1 : j], neg))  # unclosed: to the end
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in _OPEN | _CLOSE | _QUOTES:
            j += 1
        word = text[i:j]
        i = j
        if not neg and word in ("OR", "AND", "NOT", "||", "&&"):
            kind = {"||": "OR", "&&": "AND"}.get(word, word)
            toks.append(_Tok(kind))
            continue
        name, colon, rest = word.partition(":")
        if not colon:
            name, colon, rest = word.partition("：")
        if colon and name and name.isascii() and name.isalpha():
            key = name.lower()
            if key not in KNOWN_FIELDS:
                raise QueryError(
                    f"unknown field '{name}:' (use {', '.join(f + ':' for f in KNOWN_FIELDS)})"
                )
            toks.append(_Tok("FIELD", key, neg))
            if rest:
                toks.append(_Tok("WORD", rest))
            continue
        if word:
            toks.append(_Tok("WORD", word, neg))
    return toks


class _Parser:
    def __init__(self, toks: list[_Tok], ctx: _Ctx) -> None:
        self.toks = toks
        self.i = 0
        self.ctx = ctx

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Q.Node | None:
        q = self.or_expr(None)
        tok = self.peek()
        if tok is not None:
            if tok.kind == "RP":
                raise QueryError("unbalanced ')' in query")
            raise QueryError(f"unexpected '{tok.value or tok.kind}' in query")
        return q

    def or_expr(self, fld: str | None) -> Q.Node | None:
        parts = [self.and_expr(fld)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            parts.append(self.and_expr(fld))
        found = [p for p in parts if p is not None]
        if not found:
            return None
        if len(found) > 1 and any(isinstance(p, Q.Not) for p in parts):
            raise QueryError("OR cannot join an excluded term (write the exclusion outside)")
        return found[0] if len(found) == 1 else Q.Or(tuple(found))

    def and_expr(self, fld: str | None) -> Q.Node | None:
        parts: list[Q.Node] = []
        seen_any = False
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RP"):
            if tok.kind == "AND":
                self.take()
                continue
            seen_any = True
            q = self.unary(fld)
            if q is not None:
                parts.append(q)
        if not seen_any:
            tok = self.peek()
            if tok is not None and tok.kind == "OR":
                raise QueryError("OR needs a term on both sides")
            if tok is None and self.i > 0 and self.toks[self.i - 1].kind == "OR":
                raise QueryError("OR needs a term on both sides")
        if not parts:
            return None
        pos = [p for p in parts if not isinstance(p, Q.Not)]
        neg = [p.child for p in parts if isinstance(p, Q.Not)]
        if not pos:
            return Q.Not(Q.Or(tuple(neg)) if len(neg) > 1 else neg[0])
        base = pos[0] if len(pos) == 1 else Q.And(tuple(pos))
        if neg:
            return Q.AndNot(base, Q.Or(tuple(neg)) if len(neg) > 1 else neg[0])
        return base

    def unary(self, fld: str | None) -> Q.Node | None:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.take()
            if self.peek() is None:
                raise QueryError("NOT needs a term after it")
            inner = self.unary(fld)
            return None if inner is None else Q.Not(inner)
        return self.atom(fld)

    def atom(self, fld: str | None) -> Q.Node | None:
        tok = self.take()
        neg = tok.neg
        if tok.kind == "FIELD":
            if fld is not None:
                raise QueryError(f"field '{tok.value}:' inside field '{fld}:'")
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RP", "OR", "AND"):
                raise QueryError(f"'{tok.value}:' needs a word after it")
            q = self.atom(tok.value)
        elif tok.kind == "LP":
            q = self.or_expr(fld)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "RP":
                self.take()
            # an unclosed '(' is closed at the end of the query
        elif tok.kind == "RP":
            raise QueryError("unbalanced ')' in query")
        elif tok.kind in ("WORD", "PHRASE"):
            q = self.leaf(tok.value, fld, negated=neg)
        else:
            raise QueryError(f"unexpected '{tok.kind}' in query")
        if q is None:
            return None
        return Q.Not(q) if neg else q

    # -- leaves --------------------------------------------------------------------

    def leaf(self, raw: str, fld: str | None, negated: bool) -> Q.Node | None:
        norm = fold_normalise(raw).strip()
        # entity values are whole keywords (a date keeps its "-"); text is split at
        # punctuation like the index
        pieces = ([norm] if norm else []) if fld in ENTITY_ALIASES else split_pieces(norm)
        if not pieces:
            return None
        self.ctx.clauses += len(pieces)
        if self.ctx.clauses > MAX_CLAUSES:
            raise QueryError(f"query has too many terms (at most {MAX_CLAUSES})")
        if fld in ENTITY_ALIASES:
            return self._entity(ENTITY_ALIASES[fld], pieces, negated)
        field_name = fld or "body"
        qs = [
            q for q in (self._text(field_name, piece, negated) for piece in pieces) if q is not None
        ]
        if not qs:
            return None
        q = qs[0] if len(qs) == 1 else Q.And(tuple(qs))
        if fld in TEXT_FIELDS:
            return Q.ArticleField(q, boost=TITLE_BOOST)
        return q

    def _pinyin(self, word: str) -> list[str]:
        if self.ctx.expand is None or not is_pinyin_query(word):
            return []
        return self.ctx.expand(word)

    def _han(self, fieldname: str, piece: str, boost: float = 1.0) -> Q.Node:
        toks = query_tokens(piece)
        if len(toks) == 1:
            t = toks[0]
            if is_han(t) and len(t) == 1:
                return Q.CharPrefix(fieldname, t, boost=boost)
            return Q.Term(fieldname, t, boost=boost)
        # a lone Han character at the end (1998年, G60科) is the start of whatever term
        # the text has there: 年度 in 1998年度, 年 only where it ends its run
        last = toks[-1]
        open_end = is_han(last) and len(last) == 1
        phrase = Q.Phrase(fieldname, tuple(toks), boost=boost, open_end=open_end)
        if fieldname == "body" and HAN_RUN_RE.fullmatch(piece) and len(piece) >= 3:
            return Q.Or((phrase, Q.Term("words", piece, boost=boost * WORDS_BOOST)))
        return phrase

    def _text(self, fieldname: str, piece: str, negated: bool) -> Q.Node | None:
        base = self._han(fieldname, piece)
        highlight = fieldname == "body" and not negated
        if highlight:
            self.ctx.terms.append(piece)
            self.ctx.words.append(piece)
        expansions = [w for w in self._pinyin(piece) if w != piece]
        if not expansions:
            return base
        if highlight:
            self.ctx.terms.extend(expansions)
        alts = [self._han(fieldname, w, boost=PINYIN_BOOST) for w in expansions]
        return Q.Or((base, *alts))

    def _entity(self, fieldname: str, pieces: list[str], negated: bool) -> Q.Node | None:
        qs: list[Q.Node] = []
        for piece in pieces:
            values = [piece, *[w for w in self._pinyin(piece) if w != piece]]
            alts: list[Q.Node] = [Q.Prefix(fieldname, v) for v in values]
            if fieldname == "date" and any(c.isdigit() for c in piece):
                alts.append(Q.ArticleField(Q.Prefix("adate", piece)))
            if not negated:
                self.ctx.terms.extend(values)
            qs.append(alts[0] if len(alts) == 1 else Q.Or(tuple(alts)))
        if not qs:
            return None
        return qs[0] if len(qs) == 1 else Q.And(tuple(qs))


def parse(text: str, expand: Expander | None = None) -> ParsedQuery:
    """Parse ``text``; never raises (a bad query has ``error`` set)."""
    out = ParsedQuery(text=text if isinstance(text, str) else "")
    try:
        if not isinstance(text, str):
            raise QueryError("query must be text")
        clean = _check_text(text)
        ctx = _Ctx(expand)
        q = _Parser(_lex(clean), ctx).parse()
        if q is None:
            raise QueryError("nothing to search for in the query (no letters, digits or Han)")
        if isinstance(q, Q.Not):
            raise QueryError("a query cannot only exclude terms (add a word to search for)")
        out.query = q
        out.terms = tuple(dict.fromkeys(t for t in ctx.terms if t))
        out.words = tuple(dict.fromkeys(ctx.words))
    except QueryError as exc:
        out.error = str(exc)
    except RecursionError:
        out.error = "query is nested too deeply"
    except Exception as exc:  # a parser bug must still not reach the caller
        out.error = f"cannot parse query: {exc}"
    return out
