"""The query language (:mod:`.parse`) and the tree it produces (:mod:`.ast`)."""

from __future__ import annotations

from . import ast
from .parse import (
    ENTITY_ALIASES,
    KNOWN_FIELDS,
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    PINYIN_BOOST,
    TITLE_BOOST,
    WORDS_BOOST,
    ParsedQuery,
    QueryError,
    parse,
)

__all__ = [
    "ENTITY_ALIASES",
    "KNOWN_FIELDS",
    "MAX_CLAUSES",
    "MAX_QUERY_CHARS",
    "PINYIN_BOOST",
    "TITLE_BOOST",
    "WORDS_BOOST",
    "ParsedQuery",
    "QueryError",
    "ast",
    "parse",
]
