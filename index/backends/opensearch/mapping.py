"""The index's mapping, settings and template, versioned.

One index holds four kinds of documents (``kind``):

``p`` — one per paragraph (``_id`` ``p|<article id>|<number>``): what queries find.
    ``body`` holds the paragraph's sub-word terms, already made in Python by
    :mod:`g60_reader.index.analyzer` and space-joined in position order, in a text field
    analysed by ``whitespace`` only, with positions: a phrase of bigrams is then exactly a
    substring, as on every backend. Where the analyzer leaves a position gap (punctuation)
    the line holds ``_``, a token no query can contain (the analyzer's tokens are letters,
    digits and Han), so positions are the analyzer's own. ``words`` holds the jieba words
    of three or more characters (frequencies only). The article's own fields are copied
    onto every paragraph (``title`` and ``outlet`` terms with positions, ``okey`` the
    outlet key, ``adate`` the publication day, ``pub`` the publication string for the
    date sorts, ``cluster``/``crank``/``ckey`` for the reprint collapse, ``seq`` the article's place
    in indexing order), so that no query needs a join: ``title:`` and date filters are
    plain clauses on the paragraph. ``seq`` orders per-article rows as the reference
    iterates its articles, so that an outlet written in two scripts is shown as written by
    the first article indexed, as on every backend.
    Entities are keywords per type (folded values: prefix queries), ``ents`` keeps their
    spans and ``han`` the paragraph's Han jieba words (the pinyin lexicon's counts).
``a`` — one per article (``_id`` ``a|<article id>``): the article's metadata as stored
    (``meta``), its file (``src``, ``fhash``) for incremental updates, its text key for
    exact duplicates (``tkey``; a copy has ``copy_of`` and keeps its paragraphs' text in
    ``copy_paras`` so that it can take the original's place), its paragraph numbers.
``lex`` — one per Han word (``_id`` ``w|<word>``): its pinyin keys and the number of
    paragraphs holding it; ``expand_pinyin`` is one sorted query on these.
``meta`` — the index's own state (last update).

The analysed fields use a custom ``whitespace`` tokenizer whose token limit (8,191
characters) is above any term we send: the built-in one cuts tokens at 255 characters.

``_meta.g60-reader-mapping-version`` says which layout an index has; an index of another
version is refused with "re-index with --rebuild". The settings and mappings are also
installed as an index template (``g60-reader-<index>``, matching exactly the index name),
so an index re-created by hand or by a stray write gets the right mapping.
"""

from __future__ import annotations

from typing import Any

MAPPING_VERSION = 1
META_KEY = "g60-reader-mapping-version"
MAX_TERM_CHARS = 8191  # 4 bytes a character at most: under Lucene's 32,766-byte term limit
GAP = "_"  # stands at a position gap in the positional fields
MAX_RESULT_WINDOW = 1_000_000
ENTITY_FIELDS = ("person", "place", "organization", "date", "initiative")
ANALYZER = "g60_terms"
NODE_LEFT_DELAY = "20s"

_TEXT_POS = {"type": "text", "analyzer": ANALYZER, "index_options": "positions", "norms": True}
_KEYWORD = {"type": "keyword", "ignore_above": MAX_TERM_CHARS}
_STORED = {"type": "object", "enabled": False}


def settings(shards: int, replicas: int) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "max_result_window": MAX_RESULT_WINDOW,
        # writes wait for two active copies when there are replicas (see store.Bulk): a
        # node that left is replaced after 20 s rather than OpenSearch's default minute,
        # so writes pause for about half a minute instead of failing after one
        "unassigned.node_left.delayed_timeout": NODE_LEFT_DELAY,
        "analysis": {
            "tokenizer": {
                ANALYZER: {"type": "whitespace", "max_token_length": MAX_TERM_CHARS},
            },
            "analyzer": {ANALYZER: {"type": "custom", "tokenizer": ANALYZER}},
        },
    }


def mappings() -> dict[str, Any]:
    properties: dict[str, Any] = {
        "kind": {"type": "keyword"},
        "aid": {"type": "keyword"},
        # paragraphs
        "para": {"type": "integer"},
        "text": {"type": "text", "index": False},
        "body": _TEXT_POS,
        "words": {"type": "text", "analyzer": ANALYZER, "index_options": "freqs"},
        "han": _KEYWORD,
        "ents": _STORED,
        "enriched": {"type": "boolean"},
        "segmented": {"type": "boolean"},  # jieba ran (words, han); else the entity pass
        # article fields (on paragraphs and articles)
        "title": _TEXT_POS,
        "outlet": _TEXT_POS,
        "okey": _KEYWORD,
        "odisp": _KEYWORD,
        "pub": _KEYWORD,
        "adate": _KEYWORD,
        "published": {"type": "date", "ignore_malformed": True},
        "cluster": {"type": "keyword"},
        "crank": {"type": "integer"},  # place in its story, earliest first
        "ckey": {"type": "keyword"},  # "<cluster>#<crank>"
        "seq": {"type": "long"},  # the article's place in indexing order
        "art": _STORED,  # title, outlet, published, path as written (for hits)
        # articles
        "src": _KEYWORD,
        "fhash": {"type": "keyword"},
        "tkey": {"type": "keyword"},
        "copy_of": {"type": "keyword"},
        "paras": {"type": "integer"},
        "npara": {"type": "integer"},
        "meta": _STORED,
        "copy_paras": _STORED,
        # the pinyin lexicon
        "word": _KEYWORD,
        "keys": {"type": "keyword"},
        "df": {"type": "integer"},
        # the index's state
        "updated": {"type": "double"},
        "lexicon_dirty": {"type": "boolean"},
        "mapping_version": {"type": "integer"},
    }
    for etype in ENTITY_FIELDS:
        properties[etype] = _KEYWORD
    return {
        "dynamic": "strict",
        "_meta": {META_KEY: MAPPING_VERSION, "app": "g60-reader"},
        "properties": properties,
    }


def template_name(index: str) -> str:
    return f"g60-reader-{index}"


def template(index: str, shards: int, replicas: int) -> dict[str, Any]:
    return {
        "index_patterns": [index],
        "priority": 500,
        "version": MAPPING_VERSION,
        "_meta": {META_KEY: MAPPING_VERSION},
        "template": {"settings": settings(shards, replicas), "mappings": mappings()},
    }


def version_of(mapping_response: dict[str, Any], index: str) -> int | None:
    """The mapping version recorded in an index's ``_meta`` (``None``: not ours)."""
    for name, body in mapping_response.items():
        if name != index and len(mapping_response) > 1:
            continue
        meta = (body.get("mappings") or {}).get("_meta") or {}
        value = meta.get(META_KEY)
        if isinstance(value, int):
            return value
        return None
    return None
