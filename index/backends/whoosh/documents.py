"""Articles as Whoosh documents: one article document, then its paragraph documents (a
Whoosh group), and the stored metadata that gives the article back.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, EntitySpan, Paragraph
from g60_reader.index import analyzer, units
from g60_reader.index.analyzer import ParagraphAnalysis

from . import postings
from .schema import Analyzed, AnalyzedUnits


def _meta(article: Article, src: str) -> dict:
    return {**article.metadata(), "src": src, "paragraphs": len(article.paragraphs)}


def article_from_meta(meta: dict, paragraphs: list[Paragraph]) -> Article:
    return Article.from_metadata(meta, paragraphs)


def _paragraph_fields(
    aid: str, number: int, text: str, norm: str, seg: bytes, body, folded: str | None
) -> dict:
    """The fields every paragraph document has (not enriched)."""
    doc: dict = {
        "kind": "p",
        "aid": aid,
        "body": body,
        "para": number,
        "text": text,
        "seg": seg,
        "enriched": "0",
    }
    if folded != text and norm != analyzer.normalise(text):
        # folding changed the text (Traditional script): the folded form is stored, so
        # that highlighting a hit does not run OpenCC again (24 µs a hit)
        doc["norm"] = norm
    return doc


def _paragraph_doc(
    aid: str,
    number: int,
    text: str,
    analysis: ParagraphAnalysis,
    entities: list[EntitySpan] | None,
    folded: str | None = None,
) -> dict:
    """A paragraph's document; ``folded`` is its folded text when known (a text that
    folding left unchanged needs no stored normal form, and is not normalised twice)."""
    body = Analyzed(postings.body_items(analysis))
    doc = _paragraph_fields(aid, number, text, analysis.norm, analysis.seg, body, folded)
    if entities is not None:
        doc["enriched"] = "1"
    if analysis.long_words:
        doc["words"] = Analyzed(postings.words_items(analysis))
    if entities:
        by_type: dict[str, list[str]] = {}
        for ent in entities:
            value = analyzer.fold_normalise(ent.text).strip()
            if value:
                by_type.setdefault(ent.type, []).append(value)
        for etype, values in by_type.items():
            doc[etype] = Analyzed(postings.existence_items(values))
        doc["ents"] = json.dumps([[e.start, e.end, e.type] for e in entities], ensure_ascii=False)
    return doc


UNITS_BATCH_CHARS = 256 * 1024  # text analysed per array batch (bounds its temporaries)


def _lean_paragraph_docs(articles: list[Article]) -> list[list[dict]]:
    """The paragraph documents of ``articles`` for the lean pass (no jieba), one list
    per article: their bodies are made for many paragraphs at once, as arrays
    (:func:`g60_reader.index.units.body_units`, up to ``UNITS_BATCH_CHARS`` of text a
    batch), not paragraph by paragraph."""
    rows = []
    for article in articles:
        for para in article.paragraphs:
            folded = para.folded or fold(para.text)
            rows.append((para, folded, analyzer.normalise(folded)))
    t0 = time.perf_counter()
    bodies: list[AnalyzedUnits] = []
    start = size = 0
    for end, (_para, _folded, norm) in enumerate(rows, 1):
        size += len(norm) + 1
        if size >= UNITS_BATCH_CHARS or end == len(rows):
            batch = units.body_units([norm for _p, _f, norm in rows[start:end]])
            bodies += [AnalyzedUnits(batch, k) for k in range(end - start)]
            start, size = end, 0
    analyzer.counters["paragraphs"] += len(rows)
    analyzer.counters["s_analyse"] += time.perf_counter() - t0
    out = []
    at = 0
    for article in articles:
        docs = []
        for para, folded, norm in rows[at : at + len(article.paragraphs)]:
            docs.append(
                _paragraph_fields(article.id, para.number, para.text, norm, b"", bodies[at], folded)
            )
            at += 1
        out.append(docs)
    return out


def _paragraph_docs(article: Article, segment: bool, words: Counter[str]) -> list[dict]:
    """The paragraph documents of ``article`` (not yet enriched); counts its Han words
    (once per paragraph) into ``words`` for the pinyin lexicon."""
    docs = []
    for para in article.paragraphs:
        folded = para.folded or fold(para.text)
        analysis = analyzer.analyse_paragraph(folded, segment)
        docs.append(_paragraph_doc(article.id, para.number, para.text, analysis, None, folded))
        words.update(set(analysis.han_words))
    return docs


def _article_doc(meta: dict, enriched: bool) -> dict:
    # the indexed term must be valid UTF-8 (a file name may not be); the exact path stays
    # in the stored meta, which is what updates and pruning use
    src_term = meta["src"].encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    doc: dict = {"kind": "a", "aid": meta["id"], "src": src_term, "meta": meta}
    meta["enriched"] = enriched
    if meta.get("text_key"):
        doc["tkey"] = meta["text_key"]
    if meta.get("copy_of"):
        # An exact duplicate: found by its text key, never by a query (no title, outlet
        # or date terms, no paragraphs), so results show the article once.
        doc["copy"] = "1"
        return doc
    if meta["title"]:
        doc["title"] = Analyzed(postings.text_items(meta["title"]))
    if meta["outlet"]:
        doc["outlet"] = Analyzed(postings.text_items(meta["outlet"]))
    if meta["published"]:
        doc["adate"] = meta["published"][:10]
    return doc


def _add_group(writer, article_doc: dict, para_docs: list[dict]) -> None:
    with writer.group():
        writer.add_document(**article_doc)
        for doc in para_docs:
            writer.add_document(**doc)


def _src_of(path: str | Path, dirs: dict[str, str] | None = None) -> str:
    """The resolved path of a source file. ``dirs`` caches resolved directories for
    one run (a no-op re-run of 12k files spent most of its time resolving each path
    component by component)."""
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
