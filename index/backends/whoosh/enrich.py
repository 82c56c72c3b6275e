"""The entity pass: entities (and jieba words, for paragraphs the lean first pass left
unsegmented) added to every paragraph not yet enriched, committing as it goes so that an
interrupted pass resumes.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import EntitySpan
from g60_reader.index import analyzer
from g60_reader.index.contract import UpdateReport
from g60_reader.index.paths import resolve_index_dir

from .build import Progress, _RunState, refresh_existing
from .documents import _add_group, _article_doc, _paragraph_doc
from .files import WriteLock, index_exists
from .lexicon import (
    _merge_lexicon,
    _pinyin_keys,
    _save_lexicon,
    _save_pinyin_table,
    load_lexicon,
)
from .lifecycle import _check_cancel, _ignore_sigint
from .writer import _abandon, _commit_segments

ENRICH_POOL_ARTICLES = 16  # fewer articles are enriched in-process (no pool start-up)


# The entity pass commits after about this many paragraphs. Each commit writes a
# segment; 500-article batches (4k paragraphs) at 100k paragraphs made 25 small
# segments that the final commit had to merge through Whoosh's add_reader (100 s of
# the pass), and saved the whole pinyin lexicon 25 times (41 s).
ENRICH_BATCH_PARAGRAPHS = 25_000

# Postings the pass's writer holds before spilling a sorted run: a batch's (about 175
# a paragraph, ~90 bytes each) fit, so nothing is spilled and merged back. The 100k
# pass took 134 instead of 144 s (its commits 19 instead of 28 s).
ENRICH_POOL_POSTINGS = 8_000_000

# Each commit saves the pinyin lexicon (what a resumed pass continues from); the
# searcher's table built from it is rewritten only once the lexicon has grown by this
# factor since the last table, and at the end. Rebuilding it at every commit was 10.5
# s of the 100k pass (4 commits) and would grow with the lexicon at every one of the
# forty commits at 1M paragraphs.
TABLE_GROWTH = 1.25


Recogniser = Callable[[str, str], list[EntitySpan]]


def _read_group(searcher, aid: str) -> tuple[dict | None, list[dict]]:
    meta = None
    paras: list[dict] = []
    for docnum in searcher.document_numbers(aid=aid):
        fields = searcher.stored_fields(docnum)
        if fields.get("kind") == "a":
            meta = fields.get("meta")
        else:
            paras.append(fields)
    paras.sort(key=lambda f: f.get("para", 0))
    return meta, paras


def _valid_entities(text: str, spans: Iterable[EntitySpan]) -> list[EntitySpan]:
    from g60_reader.corpus.model import ENTITY_TYPES

    out = []
    for e in spans:
        if e.type in ENTITY_TYPES and 0 <= e.start < e.end <= len(text):
            out.append(EntitySpan(e.start, e.end, e.type, text[e.start : e.end]))
    return out


def _batches(todo: list[str], batch_articles: int | None) -> Callable[..., list[tuple]]:
    """``cut(searcher)``: the next batch of ``todo``'s articles as ``(aid, meta,
    paragraph fields)``, each article read once (empty at the end):
    ``batch_articles`` articles, or by default as many as hold about
    ``ENRICH_BATCH_PARAGRAPHS`` paragraphs."""
    pos = 0

    def cut(searcher) -> list[tuple]:
        nonlocal pos
        out: list[tuple] = []
        paragraphs = 0
        while pos < len(todo):
            if batch_articles is not None:
                if len(out) >= max(1, batch_articles):
                    break
            elif paragraphs >= ENRICH_BATCH_PARAGRAPHS:
                break
            aid = todo[pos]
            pos += 1
            meta, paras = _read_group(searcher, aid)
            if meta is not None:
                out.append((aid, meta, paras))
                paragraphs += max(1, len(paras))
        return out

    return cut


# Words whose pinyin keys this process has sent back (each worker computes a word's
# keys once and sends them once; the main process merges them into the lexicon).
_SENT_KEYS: set[str] = set()


def _recognise_texts(
    job: tuple[Recogniser, list[tuple[str, bool]]],
) -> tuple[list[tuple[str, list[EntitySpan], bytes | None]], dict[str, list[str]]]:
    """Worker side of :func:`enrich`, one article: for each ``(text, needs jieba)``
    paragraph, its folded text, its entities and, when the first pass left it
    unsegmented, its jieba boundaries; with the pinyin keys of the Han words segmented
    here that this process has not sent before.

    The main process writes: it re-analyses each paragraph from these and makes its
    posting items there. Sending finished documents instead (items pickled both ways)
    cost more than making them: the 10k pass took 16.3-16.8 s against 14.9-15.2 s."""
    recognise, texts = job
    out = []
    keys: dict[str, list[str]] = {}
    for text, needs_seg in texts:
        folded = fold(text)
        seg = None
        if needs_seg:
            tokens = analyzer.segment(analyzer.normalise(folded))
            seg = analyzer.encode_seg(tokens)
            for tok in tokens:
                if len(tok) >= 2 and tok not in _SENT_KEYS and analyzer.HAN_RUN_RE.fullmatch(tok):
                    keys[tok] = _pinyin_keys(tok)
                    _SENT_KEYS.add(tok)
        out.append((folded, _valid_entities(text, recognise(text, folded)), seg))
    return out, keys


def _keys_from(sent: dict[str, list[str]]) -> Callable[[str], list[str]]:
    """A word's pinyin keys: as a worker sent them, else worked out here."""

    def keys_of(word: str) -> list[str]:
        return sent.get(word) or _pinyin_keys(word)

    return keys_of


def enrich(
    index_dir: str | os.PathLike[str] | None,
    recognise: Recogniser,
    *,
    article_ids: Iterable[str] | None = None,
    wait: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    batch_articles: int | None = None,
    procs: int = 1,
) -> int:
    """Add recognised entities to articles not yet enriched (or to ``article_ids``).

    For each article, ``recognise(text, folded)`` runs on every body paragraph (in
    ``procs`` worker processes when ``procs > 1`` and there are at least
    ``ENRICH_POOL_ARTICLES`` articles: ``recognise`` must then be a module-level
    function), together with jieba for paragraphs the lean first pass left unsegmented;
    the article's documents are then rewritten from their stored fields and jieba
    boundaries, with the entity keyword fields filled, the word bonus and ``words``
    field added, the pinyin lexicon extended and the ``enriched`` flag set. Commits
    after every ``ENRICH_BATCH_PARAGRAPHS`` paragraphs (or ``batch_articles`` articles,
    when given), so progress is durable and a re-run continues; returns
    the number of paragraphs enriched. Raises :class:`IndexBusy` / :class:`Cancelled`
    like :func:`update`.
    """
    index_dir = resolve_index_dir(index_dir)
    if not index_exists(index_dir):
        return 0
    done_paragraphs = 0
    pool = None
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=wait)
        state = _RunState(index_dir, None, {}, load_lexicon(index_dir), UpdateReport(), False)
        writer = state.writer(ENRICH_POOL_POSTINGS)
        table_words = len(state.lexicon)  # words of the lexicon in the table on disk
        stale = False  # committed words missing from the table
        try:
            searcher = writer.searcher()
            if article_ids is None:
                todo = list(
                    dict.fromkeys(
                        searcher.stored_fields(d).get("aid", "")
                        for d in sorted(searcher.docs_for_query(_term("enriched", "0")))
                    )
                )
            else:
                todo = list(dict.fromkeys(article_ids))
            total = len(todo)
            if progress:
                progress(0, total, "")
            if procs > 1 and total >= ENRICH_POOL_ARTICLES:
                pool = mp.get_context("spawn").Pool(
                    procs, initializer=_ignore_sigint, initargs=(os.getpid(),)
                )
            done = 0
            cut = _batches(todo, batch_articles)

            def submit(batch: list[tuple]):
                """Queue a batch's stored paragraphs for the recognisers (the pool
                starts on them at once; without a pool, ``map`` is lazy)."""
                jobs = [
                    (recognise, [(f.get("text", ""), not f.get("seg")) for f in paras])
                    for _aid, _meta, paras in batch
                ]
                if pool is not None:
                    return batch, pool.imap(_recognise_texts, jobs, chunksize=4)
                return batch, map(_recognise_texts, jobs)

            # One batch is always queued ahead of the one being written, so the
            # recognisers keep working while the main process commits (the 100k profile
            # had them idle through every commit and every batch read).
            first = cut(searcher)
            ahead = submit(first) if first else None
            while ahead is not None:
                groups, found = ahead
                following = cut(searcher)
                ahead = submit(following) if following else None
                for (aid, meta, paras), (results, keys) in zip(groups, found, strict=True):
                    _check_cancel(cancel)
                    docs = []
                    new_words: Counter[str] = Counter()
                    for fields, (folded, ents, seg) in zip(paras, results, strict=True):
                        text = fields.get("text", "")
                        stored = fields.get("seg", b"")
                        analysis = analyzer.reanalyse_paragraph(folded, seg or stored)
                        if seg is not None:  # segmented only now: new lexicon words
                            new_words.update(set(analysis.han_words))
                        number = int(fields.get("para", 0))
                        docs.append(_paragraph_doc(aid, number, text, analysis, ents))
                    _merge_lexicon(state.lexicon, new_words.items(), _keys_from(keys))
                    writer.delete_by_term("aid", aid)
                    _add_group(writer, _article_doc(dict(meta), enriched=True), docs)
                    done_paragraphs += len(docs)
                    done += 1
                    if progress:
                        progress(done, total, meta.get("path", ""))
                if ahead is not None:
                    _check_cancel(cancel)
                    table = len(state.lexicon) > table_words * TABLE_GROWTH
                    _save_lexicon(index_dir, state.lexicon, table=table)
                    _commit_segments(writer, [], merge=False, drop=False)
                    if table:
                        table_words, stale = len(state.lexicon), False
                    else:
                        stale = True
                    writer = state.writer(ENRICH_POOL_POSTINGS)
                    searcher = writer.searcher()
            _check_cancel(cancel)
            _save_lexicon(index_dir, state.lexicon)
            stale = False
            _commit_segments(writer, [], merge=True, drop=False)
            refresh_existing(index_dir)
        except BaseException:
            if stale:  # stopped between tables: the table of what was committed
                with contextlib.suppress(Exception):
                    _save_pinyin_table(index_dir, load_lexicon(index_dir))
            raise
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            _abandon(writer)
    return done_paragraphs


def _term(fieldname: str, text: str):
    from whoosh.query import Term

    return Term(fieldname, text)
