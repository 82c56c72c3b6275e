"""Articles as OpenSearch documents, analysed in Python exactly as for every backend.

:func:`analyse_article` runs :func:`g60_reader.index.analyzer.analyse_paragraph` (jieba on
the folded text, bigrams, whole Latin runs, position gaps at punctuation) on each
paragraph and writes the terms as the whitespace-separated lines the mapping indexes
(see :mod:`.mapping`): the server never analyses Chinese. :func:`read_and_analyse` is
what a worker process runs per file.

Cost (measured on the 2-core machine, 100k synthetic paragraphs of ~110 characters):
about 0.35 ms a paragraph for the analysis (jieba is 80% of it) and 0.02 ms to turn it
into a document; JSON encoding and the bulk request add about 0.04 ms in the main
process.

Paths may hold surrogate escapes (undecodable file names): indexed keywords hold a
``backslashreplace`` form, the exact path is kept as bytes (base64) in the metadata.
"""

from __future__ import annotations

import base64
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, EntitySpan, Paragraph
from g60_reader.index import analyzer, pinyin
from g60_reader.index.results import outlet_key

from .mapping import GAP, MAX_TERM_CHARS

ARTICLE_PREFIX = "a|"
PARAGRAPH_PREFIX = "p|"
WORD_PREFIX = "w|"
META_ID = "meta"


def article_doc_id(aid: str) -> str:
    return ARTICLE_PREFIX + aid


def paragraph_doc_id(aid: str, number: int) -> str:
    return f"{PARAGRAPH_PREFIX}{aid}|{number}"


def word_doc_id(word: str) -> str:
    return WORD_PREFIX + word


def safe(text: str) -> str:
    """``text`` as valid UTF-8 (surrogate escapes written as ``\\udcxx``)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "backslashreplace")


def _pack(text: str) -> str | None:
    """Base64 of a string that is not valid UTF-8 (else ``None``: ``safe`` keeps it)."""
    if safe(text) == text:
        return None
    return base64.b64encode(text.encode("utf-8", "surrogateescape")).decode("ascii")


def _unpack(shown: str, packed: str | None) -> str:
    if not packed:
        return shown
    return base64.b64decode(packed).decode("utf-8", "surrogateescape")


def src_of(path: str | os.PathLike[str], dirs: dict[str, str] | None = None) -> str:
    """The resolved path of a source file (``dirs`` caches resolved directories)."""
    try:
        if dirs is None or os.path.islink(path):
            return str(Path(path).resolve())
        head, tail = os.path.split(os.path.abspath(path))
        real = dirs.get(head)
        if real is None:
            real = dirs[head] = str(Path(head).resolve())
        return os.path.join(real, tail)
    except (OSError, RuntimeError):
        return os.path.abspath(path)


# -- metadata ----------------------------------------------------------------------------


def article_meta(article: Article, src: str) -> dict[str, Any]:
    """Everything of ``article`` but its paragraphs, JSON-ready (paths that are not valid
    UTF-8 kept exactly beside their readable form)."""
    meta: dict[str, Any] = {**article.metadata(), "path": safe(article.path), "src": safe(src)}
    for key, value in (("path_raw", _pack(article.path)), ("src_raw", _pack(src))):
        if value is not None:
            meta[key] = value
    return meta


def meta_src(meta: dict[str, Any]) -> str:
    """The exact source path of stored metadata."""
    return _unpack(meta.get("src", ""), meta.get("src_raw"))


def article_from_meta(meta: dict[str, Any], paragraphs: list[Paragraph]) -> Article:
    path = _unpack(meta.get("path", ""), meta.get("path_raw"))
    return Article.from_metadata({**meta, "path": path}, paragraphs)


def paragraphs_of(items: list[tuple[int, str]]) -> list[Paragraph]:
    return [Paragraph(number, text, fold(text)) for number, text in sorted(items)]


# -- terms as lines ------------------------------------------------------------------------


def _clip(term: str) -> str:
    return term if len(term) <= MAX_TERM_CHARS else term[:MAX_TERM_CHARS]


def positional_line(poses: dict[str, list[int]]) -> str:
    """Terms by position, ``_`` at the analyzer's position gaps."""
    if not poses:
        return ""
    last = max(p for positions in poses.values() for p in positions)
    slots = [GAP] * (last + 1)
    for term, positions in poses.items():
        clipped = _clip(term)
        for p in positions:
            slots[p] = clipped
    return " ".join(slots)


def text_line(text: str) -> str:
    """The positional line of a short text (title, outlet)."""
    return positional_line(analyzer.text_positions(text)) if text else ""


def article_fields(article: Article, meta: dict[str, Any]) -> dict[str, Any]:
    """The article's fields as copied onto each of its paragraphs (and its own document)."""
    fields: dict[str, Any] = {
        "aid": article.id,
        "title": text_line(article.title),
        "outlet": text_line(article.outlet),
        "okey": outlet_key(article.outlet) if article.outlet else "",
        "odisp": article.outlet,
        "art": {
            "title": article.title,
            "outlet": article.outlet,
            "published": article.published,
            "path": meta["path"],
            **({"path_raw": meta["path_raw"]} if "path_raw" in meta else {}),
        },
    }
    if article.published:
        fields["pub"] = article.published
        fields["adate"] = article.published[:10]
        fields["published"] = article.published
    return fields


@dataclass
class AnalysedArticle:
    """An article read and analysed: its metadata, the fields its paragraphs share and
    each paragraph's document source (without the article fields)."""

    article: Article
    meta: dict[str, Any]
    shared: dict[str, Any]
    paragraphs: list[dict[str, Any]] = field(default_factory=list)


def word_fields(analysis: analyzer.ParagraphAnalysis) -> dict[str, Any]:
    """The jieba part of a paragraph's document: its long words and its Han words."""
    out: dict[str, Any] = {"segmented": True}
    if analysis.long_words:
        out["words"] = " ".join(_clip(w) for w in analysis.long_words)
    han = sorted(set(analysis.han_words))
    if han:
        out["han"] = han
    return out


def paragraph_source(
    aid: str, number: int, text: str, folded: str, words: bool = True
) -> dict[str, Any]:
    """A paragraph's document (without the article's fields). Without ``words`` jieba
    does not run: the bigrams are searchable at once, the entity pass adds the words."""
    analysis = analyzer.analyse_paragraph(folded, words)
    source: dict[str, Any] = {
        "kind": "p",
        "aid": aid,
        "para": number,
        "text": text,
        "body": positional_line(analysis.poses),
        "enriched": False,
        "segmented": False,
    }
    if words:
        source.update(word_fields(analysis))
    return source


def analyse_article(article: Article, src: str, words: bool = True) -> AnalysedArticle:
    """Analyse every paragraph (``words``: jieba too; see :func:`paragraph_source`)."""
    meta = article_meta(article, src)
    out = AnalysedArticle(article, meta, article_fields(article, meta))
    for para in article.paragraphs:
        folded = para.folded or fold(para.text)
        out.paragraphs.append(paragraph_source(article.id, para.number, para.text, folded, words))
    return out


def segment_text(text: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The word fields of a paragraph the first pass left unsegmented, and the pinyin
    keys of its Han words (run by the entity pass's workers)."""
    fields = word_fields(analyzer.analyse_paragraph(fold(text)))
    return fields, {w: list(pinyin.keys(w)) for w in fields.get("han", ())}


@dataclass
class FileResult:
    """What a worker sends back for one file."""

    index: int
    path: str
    src: str
    digest: str
    articles: list[AnalysedArticle] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    seconds: float = 0.0
    keys: dict[str, list[str]] = field(default_factory=dict)  # Han word -> pinyin keys


def read_and_analyse(job: tuple[int, str, str, str, bool]) -> FileResult:
    """Read one file with the corpus readers and analyse its articles (never raises);
    ``job``: (order, path, resolved path, content hash, run jieba now)."""
    from g60_reader.corpus.readers import read_file

    index, path, src, digest, words = job
    out = FileResult(index, path, src, digest)
    t0 = time.perf_counter()
    try:
        articles, errors = read_file(path, digest=digest)
        out.errors = [
            (e.path, e.reason if e.line is None else f"line {e.line}: {e.reason}") for e in errors
        ]
        out.articles = [analyse_article(a, src, words) for a in articles]
        han = {w for item in out.articles for p in item.paragraphs for w in p.get("han", ())}
        out.keys = {w: list(pinyin.keys(w)) for w in han}  # here, in parallel
    except Exception as exc:  # a reader bug must not end the run
        out.articles = []
        out.errors = [(path, f"cannot index: {exc}")]
    out.seconds = time.perf_counter() - t0
    return out


# -- entities -------------------------------------------------------------------------------


def valid_entities(text: str, spans: list[EntitySpan]) -> list[EntitySpan]:
    from g60_reader.corpus.model import ENTITY_TYPES

    return [
        EntitySpan(e.start, e.end, e.type, text[e.start : e.end])
        for e in spans
        if e.type in ENTITY_TYPES and 0 <= e.start < e.end <= len(text)
    ]


def entity_fields(entities: list[EntitySpan]) -> dict[str, Any]:
    """The partial update of an enriched paragraph: values per type, spans, the flag."""
    from g60_reader.corpus.model import ENTITY_TYPES

    out: dict[str, Any] = {"enriched": True, "ents": {"spans": []}}
    values: dict[str, set[str]] = {t: set() for t in ENTITY_TYPES}
    for e in entities:
        value = analyzer.fold_normalise(e.text).strip()
        if value:
            values[e.type].add(_clip(value))
    for etype, found in values.items():
        out[etype] = sorted(found)
    out["ents"] = {"spans": [[e.start, e.end, e.type] for e in entities]}
    return out


def entities_of(text: str, ents: Any) -> list[EntitySpan]:
    spans = (ents or {}).get("spans") or []
    return [EntitySpan(s, e, t, text[s:e]) for s, e, t in spans]
