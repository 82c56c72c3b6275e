"""The entity pass: entities (and jieba words, for paragraphs the lean first pass left
unsegmented) added to every paragraph not yet enriched, committing as it goes so that an
interrupted pass resumes.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import EntitySpan
from g60_reader.index import analyzer
from g60_reader.index.contract import COMPACTING, Recogniser, UpdateReport, recognise_all
from g60_reader.index.paths import resolve_index_dir

from .build import Progress, _RunState, _Workers, refresh_existing
from .compact import compact
from .documents import _add_group, _article_doc, _paragraph_doc
from .files import WriteLock, _cleanup_tmp, index_exists
from .lexicon import (
    _merge_lexicon,
    _pinyin_keys,
    _save_lexicon,
    _save_pinyin_table,
    load_lexicon,
)
from .lifecycle import _check_cancel
from .writer import _abandon, _commit_segments

ENRICH_POOL_ARTICLES = 16  # fewer articles are enriched in-process (no workers started)


# The entity pass commits after about this many paragraphs. Each commit writes a
# segment; 500-article batches (4k paragraphs) at 100k paragraphs made 25 small
# segments that the final commit had to merge through Whoosh's add_reader (100 s of
# the pass), and saved the whole pinyin lexicon 25 times (41 s).
ENRICH_BATCH_PARAGRAPHS = 25_000

# With worker processes a batch is this many times ENRICH_BATCH_PARAGRAPHS per
# worker: each commit adds a segment per worker, and the index's segments are what a
# query walks (25k-paragraph batches left 8 segments at 100k paragraphs, 80 at 1M).
WORKER_BATCHES = 2

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


# Articles go to the recogniser (and to a worker) in jobs of about this many
# paragraphs: LAC tags the pieces of a job that have the same length in one call of its
# model. On 6,000 People's Daily paragraphs tagged in jobs of 1 / 500 / 2,000 / 6,000:
# 14.0 / 10.6 / 9.2 / 8.9 s. The pass in this process checks for cancelling between
# jobs, hence its smaller ones (about a second each).
ENRICH_JOB_PARAGRAPHS = 2_000
ENRICH_JOB_PARAGRAPHS_IN_PROCESS = 500


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


def _batches(
    todo: list[str], batch_articles: int | None, paragraphs_per_batch: int
) -> Callable[..., list[tuple]]:
    """``cut(searcher)``: the next batch of ``todo``'s articles as ``(aid, meta,
    paragraph fields)``, each article read once (empty at the end):
    ``batch_articles`` articles, or by default as many as hold about
    ``paragraphs_per_batch`` paragraphs."""
    pos = 0

    def cut(searcher) -> list[tuple]:
        nonlocal pos
        out: list[tuple] = []
        paragraphs = 0
        while pos < len(todo):
            if batch_articles is not None:
                if len(out) >= max(1, batch_articles):
                    break
            elif paragraphs >= paragraphs_per_batch:
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
    recognise: Recogniser, texts: list[tuple[str, bool]]
) -> tuple[list[tuple[str, list[EntitySpan], bytes | None]], dict[str, list[str]]]:
    """For each ``(text, needs jieba)`` paragraph its folded text, its entities and,
    when the first pass left it unsegmented, its jieba boundaries; with the pinyin keys
    of the Han words segmented here that this process has not sent before. The
    recogniser sees all the paragraphs at once (:func:`recognise_all`)."""
    keys: dict[str, list[str]] = {}
    folds = [fold(text) for text, _ in texts]
    segs: list[bytes | None] = []
    for (_text, needs_seg), folded in zip(texts, folds, strict=True):
        seg = None
        if needs_seg:
            tokens = analyzer.segment(analyzer.normalise(folded))
            seg = analyzer.encode_seg(tokens)
            for tok in tokens:
                if len(tok) >= 2 and tok not in _SENT_KEYS and analyzer.HAN_RUN_RE.fullmatch(tok):
                    keys[tok] = _pinyin_keys(tok)
                    _SENT_KEYS.add(tok)
        segs.append(seg)
    found = recognise_all(recognise, [text for text, _ in texts], folds)
    out = [
        (folded, _valid_entities(text, spans), seg)
        for (text, _), folded, spans, seg in zip(texts, folds, found, segs, strict=True)
    ]
    return out, keys


# An article's outcome: its path, its number of paragraphs and the counts of the Han
# words segmented only now; a job's: its articles' outcomes and the pinyin keys of
# those words that its process had not sent before.
Enriched = tuple[str, int, list[tuple[str, int]]]
JobResult = tuple[list[Enriched], dict[str, list[str]]]


def _enrich_articles(writer, recognise: Recogniser, articles: list[tuple]) -> JobResult:
    """Articles' documents written to ``writer`` again, enriched: entities found, jieba
    run where the first pass left it out, each paragraph re-analysed from its stored
    text and boundaries. ``articles`` are ``(aid, meta, paragraph fields)``. Runs in the
    build's worker processes (each writing its own segment) or in the calling process."""
    texts = [(f.get("text", ""), not f.get("seg")) for _, _, paras in articles for f in paras]
    results, keys = _recognise_texts(recognise, texts)
    outcomes: list[Enriched] = []
    pos = 0
    for aid, meta, paras in articles:
        docs = []
        new_words: Counter[str] = Counter()
        for fields, (folded, ents, seg) in zip(paras, results[pos : pos + len(paras)], strict=True):
            analysis = analyzer.reanalyse_paragraph(folded, seg or fields.get("seg", b""))
            if seg is not None:  # segmented only now: new lexicon words
                new_words.update(set(analysis.han_words))
            number = int(fields.get("para", 0))
            text = fields.get("text", "")
            docs.append(_paragraph_doc(aid, number, text, analysis, ents, folded))
        pos += len(paras)
        _add_group(writer, _article_doc(dict(meta), enriched=True), docs)
        outcomes.append((meta.get("path", ""), len(docs), list(new_words.items())))
    return outcomes, keys


def _jobs(articles: list[tuple], paragraphs: int) -> list[list[tuple]]:
    """``articles`` in runs of about ``paragraphs`` paragraphs (an article is never cut)."""
    jobs: list[list[tuple]] = []
    size = paragraphs  # start a new job at the first article
    for article in articles:
        if size >= paragraphs:
            jobs.append([])
            size = 0
        jobs[-1].append(article)
        size += max(1, len(article[2]))
    return jobs


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

    For each article, ``recognise(text, folded)`` runs on every body paragraph,
    together with jieba for paragraphs the lean first pass left unsegmented; the
    article's documents are then rewritten from their stored fields and jieba
    boundaries, with the entity keyword fields filled, the word bonus and ``words``
    field added, the pinyin lexicon extended and the ``enriched`` flag set. With
    ``procs > 1`` and at least ``ENRICH_POOL_ARTICLES`` articles this happens in the
    build's worker processes, each writing its own segments (``recognise`` must then
    be a module-level function); this process deletes the old documents and commits. Commits
    after every ``ENRICH_BATCH_PARAGRAPHS`` paragraphs (or ``batch_articles`` articles,
    when given), so progress is durable and a re-run continues; returns
    the number of paragraphs enriched. Raises :class:`IndexBusy` / :class:`Cancelled`
    like :func:`update`.
    """
    index_dir = resolve_index_dir(index_dir)
    if not index_exists(index_dir):
        return 0
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=wait)
        state = _RunState(index_dir, None, {}, load_lexicon(index_dir), UpdateReport(), False)
        writer = state.writer(ENRICH_POOL_POSTINGS)
        workers = None
        table_words = len(state.lexicon)  # words of the lexicon in the table on disk
        stale = False  # committed words missing from the table
        done = done_paragraphs = 0

        def absorb(result: JobResult) -> None:
            """A job's outcome: the lexicon and the progress."""
            nonlocal done, done_paragraphs
            outcomes, keys = result
            keys_of = _keys_from(keys)
            for path, paragraphs, new_words in outcomes:
                _merge_lexicon(state.lexicon, new_words, keys_of)
                done_paragraphs += paragraphs
                done += 1
                if progress:
                    progress(done, total, path)

        def commit(segments: list, final: bool) -> None:
            """Commit a batch: the old documents' deletions and the new documents
            (in ``writer`` or in the workers' ``segments``), after the lexicon."""
            nonlocal table_words, stale
            _check_cancel(cancel)
            table = final or len(state.lexicon) > table_words * TABLE_GROWTH
            _save_lexicon(index_dir, state.lexicon, table=table)
            _commit_segments(writer, segments, merge=final, drop=False)
            if table:
                table_words, stale = len(state.lexicon), False
            else:
                stale = True

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
            per_batch = ENRICH_BATCH_PARAGRAPHS
            if procs > 1 and total >= ENRICH_POOL_ARTICLES:
                workers = _Workers(index_dir, procs)
                per_batch *= WORKER_BATCHES * procs
            cut = _batches(todo, batch_articles, per_batch)
            batch = cut(searcher)
            if not batch:  # nothing to enrich: the final commit all the same (merges)
                commit([], final=True)
            while batch:
                if workers is None:
                    for job in _jobs(batch, ENRICH_JOB_PARAGRAPHS_IN_PROCESS):
                        _check_cancel(cancel)
                        for aid, _meta, _paras in job:
                            writer.delete_by_term("aid", aid)
                        absorb(_enrich_articles(writer, recognise, job))
                    following = cut(searcher)
                    segments = []
                else:
                    # The workers write the new documents into their own segments
                    # (the main process, which used to write them, was the pass's
                    # bottleneck); the next batch is read meanwhile. Each worker's
                    # share goes in jobs of ENRICH_JOB_PARAGRAPHS.
                    shares: list[list[tuple]] = [[] for _ in range(procs)]
                    load = [0] * procs
                    for article in batch:
                        w = min(range(procs), key=load.__getitem__)
                        shares[w].append(article)
                        load[w] += max(1, len(article[2]))
                    sent = 0
                    for w, share in enumerate(shares):
                        for job in _jobs(share, ENRICH_JOB_PARAGRAPHS):
                            workers.jobs[w].put(("apply", _enrich_articles, (recognise, job)))
                            sent += 1
                    used = [bool(share) for share in shares]
                    following = cut(searcher)
                    for _ in range(sent):
                        _check_cancel(cancel)
                        msg = workers.get()
                        if msg[0] == "error":
                            raise RuntimeError(msg[1])
                        absorb(msg[2])
                    for aid, _meta, _paras in batch:
                        writer.delete_by_term("aid", aid)
                    segments = workers.flush(used)
                commit(segments, final=not following)
                if following:
                    writer = state.writer(ENRICH_POOL_POSTINGS)
                    searcher = writer.searcher()
                batch = following

            def get_workers() -> _Workers:
                nonlocal workers
                if workers is None:
                    workers = _Workers(index_dir, procs)
                return workers

            def started() -> None:
                if progress:
                    progress(total, total, COMPACTING)

            writer = compact(
                lambda: state.writer(ENRICH_POOL_POSTINGS),
                get_workers,
                procs,
                _commit_merged,
                cancel=cancel,
                check_cancel=_check_cancel,
                started=started,
            )
            if workers is not None:
                workers.stop()
                workers = None
            refresh_existing(index_dir)
        except BaseException:
            if workers is not None:
                workers.kill()
                _cleanup_tmp(index_dir)
            if stale:  # stopped between tables: the table of what was committed
                with contextlib.suppress(Exception):
                    _save_pinyin_table(index_dir, load_lexicon(index_dir))
            raise
        finally:
            _abandon(writer)
    return done_paragraphs


def _commit_merged(writer, merged: list, replaced: set[str]) -> None:
    """Commit compaction's merged segments in place of the segments they hold."""
    _commit_segments(writer, merged, merge=False, drop=False, replaced=replaced)


def _term(fieldname: str, text: str):
    from whoosh.query import Term

    return Term(fieldname, text)
