"""Building and updating the index: the writer lock, worker processes, batches.

How a build runs
----------------
The main process holds the write lock (our ``fcntl`` lock for the whole run, plus
Whoosh's own lock per batch), walks the given paths, computes each file's digest and
skips files whose path and digest are already indexed (no analysis at all). Changed and
new files go to *builders*. A builder reads the file, analyses every paragraph (jieba on
the folded text, bigrams, pinyin keys of the words) and adds the documents to **its own
Whoosh segment**; with ``procs > 1`` each builder is a worker process, so analysis and
the costly part of Whoosh writing (sorting postings, encoding blocks) run in parallel.
Small jobs run in-process (no start-up cost).

Every ``batch_bytes`` of source the workers close their segments and the main process
commits them in one new Whoosh generation, together with the deletions of the old
versions of changed files: progress is durable and a re-run skips what was committed.
Ctrl-C (or ``cancel``) stops the workers and cancels the writer: nothing half-written is
committed and the last committed index stays readable.

The pinyin lexicon (Han word -> document frequency and pinyin keys) lives beside the
index in ``.lexicon`` (rewritten before each commit; a stale word only costs an empty
OR branch at query time).

Two passes. Large updates (over ``SEGMENT_NOW_BYTES`` of changed files) are indexed
lean first: bigrams only, no jieba, no pinyin lexicon, so the text is searchable as soon
as possible. A lean file's paragraphs are analysed together, as arrays
(:func:`g60_reader.index.units.body_units`), and their postings are made from those
arrays when the segment is written. Entity enrichment (:func:`enrich`) then rewrites
article groups from their stored fields: in its worker processes it recognises entities
and, for paragraphs the lean pass left unsegmented, runs jieba; paragraphs segmented
earlier reuse their stored jieba boundaries. It adds the words to the pinyin lexicon as
it goes.

Commits drop segments whose documents were all deleted and rewrite segments more than a
third deleted (:func:`_merge_policy`), so replaced documents do not slow queries down.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import multiprocessing as mp
import os
import queue
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage

from g60_reader.corpus.model import Article, ReadError
from g60_reader.index import analyzer, pinyin
from g60_reader.index.contract import UpdateReport
from g60_reader.index.errors import IndexBusy
from g60_reader.index.paths import resolve_index_dir

from . import _compat
from .documents import (
    _add_group,
    _article_doc,
    _lean_paragraph_docs,
    _meta,
    _paragraph_docs,
    _src_of,
)
from .files import (
    INDEX_NAME,
    WriteLock,
    _cleanup_tmp,
    _create,
    _open_storage,
    _remove_uncommitted,
    _write_atomic,
    check_index,
    index_exists,
)
from .lexicon import _merge_lexicon, _save_lexicon, load_lexicon
from .lifecycle import _check_cancel, _exit_with_parent
from .writer import (
    POOL_POSTINGS,
    WORKER_POOL_POSTINGS,
    FastWriter,
    _abandon,
    _commit_segments,
    _gc_paused,
)

BATCH_BYTES = 64 * 1024 * 1024


INPROCESS_BYTES = 512 * 1024  # smaller jobs are analysed in the main process


MAX_INFLIGHT = 3  # files queued per worker


SEGMENT_NOW_BYTES = 2 * 1024 * 1024  # larger updates defer jieba to the entity pass


Progress = Callable[[int, int, str], None]


@dataclass
class FileOutcome:
    index: int
    path: str
    src: str
    digest: str
    aids: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the text key of each of ``aids``
    metas: list[dict] = field(default_factory=list)  # the stored metadata of each
    copies: set[str] = field(default_factory=set)  # ids written as exact duplicates
    paragraphs: int = 0
    errors: list[str] = field(default_factory=list)  # "path: reason" lines
    words: dict[str, list] = field(default_factory=dict)  # word -> [df, keys]


def build_file(writer, index: int, path: str, digest: str, segment: bool, src: str) -> FileOutcome:
    """Read, analyse and add one file's articles to ``writer`` (``segment``: run jieba now,
    see :func:`update`). An article whose text this writer has already added (an exact
    duplicate: a mirror in the same batch) is written as a copy, without paragraphs.

    ``src``: the file's resolved path, as :func:`update` found it (resolving it again,
    one ``lstat`` per path component, was 4% of a build in a sampling profile)."""
    from g60_reader.corpus.readers import read_file

    out = FileOutcome(index, path, src, digest)
    t0 = time.perf_counter()
    try:
        articles, errors = read_file(path, digest=digest)
    except Exception as exc:  # a reader bug must not kill the whole run
        articles, errors = [], [ReadError(path, f"cannot read: {exc}")]
    counters = analyzer.counters
    counters["s_read"] += time.perf_counter() - t0
    out.errors = [f"{e.path}: {e.reason}" if e.line is None else str(e) for e in errors]
    words: Counter[str] = Counter()
    seen: dict[str, str] = writer.__dict__.setdefault("g60_text_keys", {})
    firsts = [seen.setdefault(article.text_key, article.id) for article in articles]
    lean: Iterator[list[dict]] = iter(())
    if not segment:  # the lean pass: every article's bodies in array batches
        lean = iter(
            _lean_paragraph_docs(
                [a for a, first in zip(articles, firsts, strict=True) if first == a.id]
            )
        )
    for article, first in zip(articles, firsts, strict=True):
        meta = _meta(article, src)
        if first != article.id:
            meta["copy_of"] = first
            _add_group(writer, _article_doc(meta, enriched=True), [])
            out.copies.add(article.id)
        else:
            docs = next(lean) if not segment else _paragraph_docs(article, segment, words)
            t0 = time.perf_counter()
            _add_group(writer, _article_doc(meta, enriched=False), docs)
            counters["s_write"] += time.perf_counter() - t0
            out.paragraphs += len(article.paragraphs)
        out.aids.append(article.id)
        out.keys.append(article.text_key)
        out.metas.append(meta)
    t0 = time.perf_counter()
    out.words = {w: [n, list(pinyin.keys(w))] for w, n in words.items()}
    counters["s_pinyin"] += time.perf_counter() - t0
    return out


def _worker_main(
    wid: int, index_dir: str, jobs: mp.Queue, results: mp.Queue, parent: int | None = None
) -> None:
    """Worker loop: ("file", i, path, digest, segment, src) | ("apply", func, args) |
    ("flush",) | ("stop",).

    ``parent`` is the indexer's pid as the indexer saw it: a worker still starting up
    when the indexer is killed would otherwise read its new parent (init) here and
    never notice."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # see _gc_paused; the garbage of a segment is collected after its flush
    storage = _open_storage(Path(index_dir), private=True)
    writer = None
    tmpbase = os.path.join(index_dir, f".tmp-{os.getpid()}")
    if parent is None:
        parent = os.getppid()
    _exit_with_parent(parent)
    try:
        while True:
            if os.getppid() != parent:  # the indexer was killed: do not live on
                results.cancel_join_thread()  # nobody reads the results any more
                break
            try:
                job = jobs.get(timeout=1.0)
            except queue.Empty:
                continue
            if job[0] == "stop":
                break
            if job[0] in ("file", "apply") and writer is None:
                ix = storage.open_index(INDEX_NAME)
                writer = FastWriter(ix, pool_limit=WORKER_POOL_POSTINGS, _lk=False)
            if (
                job[0] == "apply"
            ):  # ("apply", func, args): func(writer, *args), e.g. the entity pass
                results.put(("applied", wid, job[1](writer, *job[2]), None))
            elif job[0] == "file":
                try:
                    res = build_file(writer, job[1], job[2], job[3], job[4], job[5])
                except Exception as exc:
                    res = FileOutcome(job[1], job[2], job[5], job[3])
                    res.errors = [f"{job[2]}: cannot index: {exc}"]
                results.put(("file", wid, res, dict(analyzer.counters)))
                analyzer.counters.clear()
            elif job[0] == "flush":
                segment = None
                t0 = time.perf_counter()
                if writer is not None:
                    has_docs = _compat.writer_has_documents(writer)
                    segment = _compat.finalize_segment(writer) if has_docs else None
                    if segment is None:
                        _compat.close_segment(writer)
                    writer = None
                    shutil.rmtree(tmpbase, ignore_errors=True)
                    gc.collect()
                spent = {"s_write": time.perf_counter() - t0}
                results.put(("segment", wid, segment, spent))
    except Exception as exc:  # report, the main process decides
        results.put(("error", f"worker failed: {exc}"))
    finally:
        shutil.rmtree(tmpbase, ignore_errors=True)


class _Workers:
    def __init__(self, index_dir: Path, n: int) -> None:
        ctx = mp.get_context("spawn")
        self.results = ctx.Queue()
        self.jobs = [ctx.Queue() for _ in range(n)]
        self.procs = [
            ctx.Process(
                target=_worker_main,
                args=(wid, str(index_dir), q, self.results, os.getpid()),
                daemon=True,
            )
            for wid, q in enumerate(self.jobs)
        ]
        for p in self.procs:
            p.start()
        self.inflight = [0] * n
        self.load = [0] * n

    def get(self, timeout: float = 0.5):
        while True:
            try:
                return self.results.get(timeout=timeout)
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive()]
                if dead:
                    raise RuntimeError("an indexing worker process died") from None

    def flush(self, used: list[bool]) -> list:
        """Close the segments of the workers ``used`` and return them (once every
        result sent before is read)."""
        segments = []
        flushed = [w for w, u in enumerate(used) if u]
        for w in flushed:
            self.jobs[w].put(("flush",))
        for _ in flushed:
            msg = self.get()
            while msg[0] != "segment":
                if msg[0] == "error":
                    raise RuntimeError(msg[1])
                msg = self.get()
            segments.append(msg[2])
            analyzer.counters.update(msg[3])
        return segments

    def stop(self) -> None:
        for q in self.jobs:
            with contextlib.suppress(Exception):
                q.put(("stop",))
        for p in self.procs:
            p.join(timeout=5)
            if p.is_alive():
                p.terminate()
                p.join(timeout=5)

    def kill(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        for p in self.procs:
            p.join(timeout=5)


EXISTING_NAME = ".g60-existing"  # _existing's answer for one index generation
DIGESTS_NAME = ".g60-digests"  # src -> (size, mtime_ns, sha256) of the files last seen
RACY_NS = 2_000_000_000  # a file changed this close to the digest cache is re-read


def _existing_cached(ix, index_dir: Path):
    """:func:`_existing`, kept beside the index for its generation: reading every
    article's stored metadata was half of a no-op run (0.5 s at 100k paragraphs, 5 s
    at 1M); the cached answer is one marshal load."""
    gen = ix.latest_generation()
    path = index_dir / EXISTING_NAME
    try:
        saved = marshal.loads(path.read_bytes())
        if isinstance(saved, tuple) and len(saved) == 3 and saved[0] == gen:
            return saved[1], saved[2]
    except (OSError, ValueError, EOFError, TypeError):
        pass
    files, canon = _existing(ix)
    with contextlib.suppress(OSError):
        _write_atomic(path, marshal.dumps((gen, files, canon)))
    return files, canon


def refresh_existing(index_dir: Path) -> None:
    """Cache :func:`_existing` for the generation just committed, so that the next run
    (a no-op, typically) starts from it. Never raises."""
    with contextlib.suppress(Exception):
        _existing_cached(FileStorage(str(index_dir)).open_index(INDEX_NAME), index_dir)


class _Digests:
    """The sha256 of each source file, reused while its size and modification time
    stay what they were (as ``git status`` does): a no-op run then reads no file.
    A file modified within ``RACY_NS`` of the cache being written is read again (its
    time stamp could not tell a later change in the same tick apart)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / DIGESTS_NAME
        self.old: dict[str, tuple[int, int, str]] = {}
        self.written_ns = 0
        try:
            saved = marshal.loads(self.path.read_bytes())
            if isinstance(saved, tuple) and len(saved) == 2 and isinstance(saved[1], dict):
                self.written_ns, self.old = saved
        except (OSError, ValueError, EOFError, TypeError):
            pass
        self.new: dict[str, tuple[int, int, str]] = {}

    def digest(self, src: str, path: Path, digest_of) -> tuple[str, int]:
        """``(sha256, size)`` of the file ``path`` (known as ``src``)."""
        st = path.stat()
        known = self.old.get(src)
        if (
            known is not None
            and known[0] == st.st_size
            and known[1] == st.st_mtime_ns
            and st.st_mtime_ns < self.written_ns - RACY_NS
        ):
            digest = known[2]
        else:
            digest = digest_of(path)
        self.new[src] = (st.st_size, st.st_mtime_ns, digest)
        return digest, st.st_size

    def save(self) -> None:
        if self.new.items() <= self.old.items() and self.written_ns:
            return  # nothing new: keep the file (and its time)
        merged = {**self.old, **self.new}
        with contextlib.suppress(OSError):
            _write_atomic(self.path, marshal.dumps((time.time_ns(), merged)))


def _existing(ix) -> tuple[dict[str, tuple[str, list[str]]], dict[str, str]]:
    """``(files, canon)``: src -> (file_hash, [article ids]) for every indexed article
    (exact duplicates included), and text key -> id of the article that stands for it
    (see :func:`_article_doc`)."""
    out: dict[str, tuple[str, list[str]]] = {}
    canon: dict[str, str] = {}
    with ix.searcher() as s:
        for docnum in s.document_numbers(kind="a"):
            meta = s.stored_fields(docnum).get("meta") or {}
            src = meta.get("src", "")
            prev = out.get(src)
            if prev is None:
                out[src] = (meta.get("file_hash", ""), [meta.get("id", "")])
            else:
                prev[1].append(meta.get("id", ""))
            key = meta.get("text_key")
            if key and not meta.get("copy_of"):
                canon[key] = meta.get("id", "")
    return out, canon


@dataclass
class _Job:
    index: int
    path: str
    src: str
    digest: str
    size: int


def update(
    index_dir: str | os.PathLike[str] | None,
    paths: Iterable[str | os.PathLike[str]],
    *,
    prune: bool = False,
    rebuild: bool = False,
    wait: bool = False,
    procs: int | None = None,
    progress: Progress | None = None,
    on_paragraphs: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
    batch_bytes: int = BATCH_BYTES,
    segment: bool | None = None,
) -> UpdateReport:
    """Add or update the articles of ``paths`` (files or directories).

    ``segment``: run jieba in this pass (word ranking bonus, ``words`` field, pinyin
    lexicon). ``None`` (default) decides by size: small jobs (at most
    ``SEGMENT_NOW_BYTES`` of changed files) are segmented at once; larger ones get a
    lean, bigram-only first pass so the text is searchable sooner, and :func:`enrich`
    segments them together with entity recognition.

    Raises :class:`IndexBusy` when another writer holds the index (unless ``wait``),
    :class:`Cancelled` when ``cancel`` is set, and re-raises ``KeyboardInterrupt``; in
    all three cases nothing of the current batch is committed.
    """
    from g60_reader.corpus.readers import SAMPLE_PATH, file_digest, iter_source_files

    index_dir = resolve_index_dir(index_dir)
    report = UpdateReport()
    lock = WriteLock(index_dir)
    lock.acquire(wait=wait)
    try:
        # check_index raises for a damaged index (only --rebuild replaces one)
        fresh = not index_exists(index_dir) if rebuild else not check_index(index_dir)
        if fresh:
            _create(index_dir)
        _cleanup_tmp(index_dir)
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        existing, canon = ({}, {}) if rebuild else _existing_cached(ix, index_dir)
        digests = _Digests(index_dir)

        # 1. which files need work
        jobs: list[_Job] = []
        seen_src: set[str] = set()
        resolved_dirs: dict[str, str] = {}
        for i, item in enumerate(iter_source_files([os.fspath(p) for p in paths])):
            if isinstance(item, ReadError):
                report.failed.append((item.path, item.reason))
                continue
            src = _src_of(item, resolved_dirs)
            if src in seen_src:
                continue
            seen_src.add(src)
            try:
                digest, size = digests.digest(src, item, file_digest)
            except OSError as exc:
                report.failed.append((str(item), exc.strerror or "cannot read"))
                continue
            prev = existing.get(src)
            if prev is not None and prev[0] == digest:
                report.unchanged += len(prev[1])
                continue
            jobs.append(_Job(i, str(item), src, digest, size))

        doomed: set[str] = set()  # src whose old articles go
        if prune:
            for src in existing:
                if src not in seen_src and not os.path.exists(src):
                    doomed.add(src)
        # The bundled sample only keeps the reader company until the user's own articles
        # arrive: an index of PATH holds PATH's articles (unless PATH is the sample).
        sample = _src_of(SAMPLE_PATH)
        if sample in existing and sample not in seen_src:
            doomed.add(sample)

        if not jobs and not doomed and not rebuild:
            digests.save()
            return report
        # the lexicon is only needed when something changes (half a no-op run's time)
        lexicon = {} if rebuild else load_lexicon(index_dir)

        total = len(jobs)
        nprocs = max(1, procs if procs is not None else (os.cpu_count() or 1))
        in_process = nprocs == 1 or sum(j.size for j in jobs) <= INPROCESS_BYTES
        nprocs = 1 if in_process else min(nprocs, len(jobs))
        state = _RunState(index_dir, ix, existing, lexicon, report, rebuild)
        state.set_canon(canon)
        jobs_bytes = sum(j.size for j in jobs)
        state.words = segment if segment is not None else jobs_bytes <= SEGMENT_NOW_BYTES
        if progress:
            progress(0, total, "")
        try:
            if in_process:
                with _gc_paused():
                    _run_in_process(
                        state, jobs, doomed, total, progress, on_paragraphs, cancel, batch_bytes
                    )
            else:
                _run_workers(
                    state,
                    jobs,
                    doomed,
                    nprocs,
                    total,
                    progress,
                    on_paragraphs,
                    cancel,
                    batch_bytes,
                )
        except BaseException:
            _remove_uncommitted(index_dir)
            raise
        digests.save()  # only after a run that went through: a failed run changes nothing
        refresh_existing(index_dir)
        return report
    finally:
        lock.release()


class _RunState:
    def __init__(self, index_dir, ix, existing, lexicon, report, rebuild) -> None:
        self.index_dir: Path = index_dir
        self.ix = ix
        self.existing: dict[str, tuple[str, list[str]]] = existing
        self.lexicon: dict[str, list] = lexicon
        self.report: UpdateReport = report
        self.drop = rebuild  # first commit drops every old segment
        self.done = 0
        self.paragraphs = 0
        self.words = True  # run jieba in this pass
        # text key -> the article that stands for it (exact duplicates become copies),
        # and back; set by :meth:`set_canon`
        self.canon: dict[str, str] = {}
        self.key_of: dict[str, str] = {}
        self.lost_originals = False  # an article that others copy left the index
        # articles written in full that turned out to be exact duplicates: they become
        # copies in a small commit after the one that holds them
        self.pending: list[dict] = []

    def writer(self, pool_limit: int = POOL_POSTINGS) -> FastWriter:
        self.ix = FileStorage(str(self.index_dir)).open_index(INDEX_NAME)
        try:
            return FastWriter(self.ix, pool_limit=pool_limit, timeout=0.0)
        except windex.LockError:
            raise IndexBusy(
                "index is busy: another g60-reader index is running (use --wait)"
            ) from None

    def set_canon(self, canon: dict[str, str]) -> None:
        self.canon = canon
        self.key_of = {aid: key for key, aid in canon.items()}

    def forget(self, aids: Iterable[str]) -> None:
        """Articles that leave the index no longer stand for their text."""
        for aid in aids:
            key = self.key_of.pop(aid, None)
            if key is not None and self.canon.get(key) == aid:
                del self.canon[key]
                self.lost_originals = True

    def absorb(self, out: FileOutcome) -> list[str]:
        """Account for one finished file; returns the ids of the old articles of that file
        (their documents must go)."""
        report = self.report
        for err in out.errors:
            path, _, reason = err.partition(": ")
            report.failed.append((path, reason or err))
        old = self.existing.get(out.src)
        old_ids = set(old[1]) if old else set()
        self.forget(old_ids)
        for aid, key, meta in zip(out.aids, out.keys, out.metas, strict=True):
            if aid in old_ids:
                report.updated += 1
            else:
                report.added += 1
            if aid in out.copies:  # its writer had written the same text before
                report.duplicates += 1
                if key not in self.canon:  # (that original is gone again): settle later
                    self.lost_originals = True
                continue
            first = self.canon.setdefault(key, aid)
            if first == aid:
                self.key_of[aid] = key
            else:  # written in full by another writer, or in an earlier batch
                report.duplicates += 1
                report.paragraphs -= int(meta.get("paragraphs", 0))
                self.pending.append({**meta, "copy_of": first})
        report.removed += len(old_ids - set(out.aids))
        report.paragraphs += out.paragraphs
        self.paragraphs += out.paragraphs
        counted = out.words  # word -> (count, keys computed by the worker)
        _merge_lexicon(
            self.lexicon, ((w, n) for w, (n, _) in counted.items()), lambda w: counted[w][1]
        )
        return sorted(old_ids)

    def prune(self, writer, doomed: set[str]) -> None:
        for src in doomed:
            old = self.existing.get(src)
            if old:
                for aid in old[1]:
                    writer.delete_by_term("aid", aid)
                self.report.removed += len(old[1])
                self.forget(old[1])

    def commit(self, writer, segments: list, *, final: bool) -> None:
        _save_lexicon(self.index_dir, self.lexicon)
        settle = bool(self.pending) or (final and self.lost_originals)
        _commit_segments(writer, segments, merge=final and not settle, drop=self.drop)
        self.drop = False
        if settle:
            self._settle_copies(final)

    def _settle_copies(self, final: bool) -> None:
        """Turn the pending exact duplicates into copies and, at the end of a run, give
        every copy whose original left the index an original again (the copy is
        promoted: read from its file and indexed in full)."""
        pending, self.pending = self.pending, []
        writer = self.writer()
        try:
            for meta in pending:
                writer.delete_by_term("aid", meta["id"])
                _add_group(writer, _article_doc(meta, enriched=True), [])
            if final and self.lost_originals:
                self.lost_originals = False
                words: Counter[str] = Counter()
                added = _promote_orphans(writer, self.canon, words)
                self.key_of.update((aid, key) for key, aid in self.canon.items())
                self.report.paragraphs += added
                _merge_lexicon(self.lexicon, words.items())
                _save_lexicon(self.index_dir, self.lexicon)
            _commit_segments(writer, [], merge=final, drop=False)
        finally:
            _abandon(writer)


def _promote_orphans(writer, canon: dict[str, str], words: Counter[str]) -> int:
    """Copies whose text no indexed article stands for any more (the original was
    deleted or changed): for each such text, the first copy whose file still holds it is
    indexed in full and becomes the original (``canon`` is updated); the others point
    to it. Copies whose file is gone or changed are left for the next run to settle.
    Returns the paragraphs added."""
    from g60_reader.corpus.readers import read_file

    searcher = writer.searcher()
    orphans: dict[str, list[dict]] = {}
    for docnum in searcher.document_numbers(copy="1"):
        meta = searcher.stored_fields(docnum).get("meta") or {}
        key = meta.get("text_key", "")
        if key and key not in canon:
            orphans.setdefault(key, []).append(meta)
    added = 0
    for key, metas in orphans.items():
        metas.sort(key=lambda m: (m.get("published") or "9999", m.get("path", "")))
        for meta in metas:
            try:
                articles, _errors = read_file(meta["path"])
            except Exception:
                continue
            article = next((a for a in articles if a.id == meta["id"]), None)
            if article is None or article.text_key != key:
                continue
            writer.delete_by_term("aid", article.id)
            promoted = _meta(article, meta.get("src", ""))
            promoted["file_hash"] = meta.get("file_hash", promoted["file_hash"])
            docs = _paragraph_docs(article, True, words)
            _add_group(writer, _article_doc(promoted, enriched=False), docs)
            canon[key] = article.id
            added += len(docs)
            for other in metas:
                if other is not meta:
                    writer.delete_by_term("aid", other["id"])
                    _add_group(
                        writer, _article_doc({**other, "copy_of": article.id}, enriched=True), []
                    )
            break
    return added


def _run_in_process(state, jobs, doomed, total, progress, on_paragraphs, cancel, batch_bytes):
    writer = state.writer()
    try:
        if not state.drop:
            state.prune(writer, doomed)
        pending = 0
        for job in jobs:
            _check_cancel(cancel)
            out = build_file(writer, job.index, job.path, job.digest, state.words, job.src)
            for aid in state.absorb(out):
                if not state.drop:
                    _delete_before(writer, aid)
            state.done += 1
            pending += job.size
            if progress:
                progress(state.done, total, job.path)
            if on_paragraphs:
                on_paragraphs(state.paragraphs)
            if pending >= batch_bytes and state.done < total:
                state.commit(writer, [], final=False)
                writer = state.writer()
                pending = 0
        _check_cancel(cancel)
        state.commit(writer, [], final=True)
        writer = None
    finally:
        _abandon(writer)


def _delete_before(writer: FastWriter, aid: str) -> None:
    """Delete article ``aid`` (its article and paragraph documents) from the segments
    that existed before this writer; documents added by this writer are not visible to
    deletions, so the new version of the article survives."""
    writer.delete_by_term("aid", aid)


def _run_workers(state, jobs, doomed, nprocs, total, progress, on_paragraphs, cancel, batch_bytes):
    workers = _Workers(state.index_dir, nprocs)
    writer = None
    try:
        writer = state.writer()
        if not state.drop:
            state.prune(writer, doomed)
        todo = list(jobs)
        todo.reverse()
        while todo:
            # one batch
            batch_size = 0
            outstanding = 0
            used = [False] * nprocs
            while todo or outstanding:
                _check_cancel(cancel)
                while todo and batch_size < batch_bytes:
                    free = [w for w in range(nprocs) if workers.inflight[w] < MAX_INFLIGHT]
                    if not free:
                        break
                    w = min(free, key=lambda k: workers.load[k])
                    job = todo.pop()
                    workers.jobs[w].put(
                        ("file", job.index, job.path, job.digest, state.words, job.src)
                    )
                    workers.inflight[w] += 1
                    workers.load[w] += job.size
                    used[w] = True
                    batch_size += job.size
                    outstanding += 1
                if not outstanding:
                    break
                msg = workers.get()
                if msg[0] == "error":
                    raise RuntimeError(msg[1])
                _kind, wid, out, counts = msg
                analyzer.counters.update(counts)
                workers.inflight[wid] -= 1
                outstanding -= 1
                for aid in state.absorb(out):
                    if not state.drop:
                        _delete_before(writer, aid)
                state.done += 1
                if progress:
                    progress(state.done, total, out.path)
                if on_paragraphs:
                    on_paragraphs(state.paragraphs)
            # close the workers' segments and commit them
            segments = workers.flush(used)
            workers.load = [0] * nprocs
            _check_cancel(cancel)
            state.commit(writer, segments, final=not todo)
            writer = state.writer() if todo else None
        if writer is not None:
            state.commit(writer, [], final=True)
            writer = None
        workers.stop()
    except BaseException:
        workers.kill()
        _abandon(writer)
        _cleanup_tmp(state.index_dir)
        raise


def add_articles(
    index_dir: str | os.PathLike[str] | None, articles: Iterable[Article], *, wait: bool = True
) -> UpdateReport:
    """Index ``articles`` (already read), replacing any with the same id; an exact
    duplicate of an indexed article is kept as its copy."""
    index_dir = resolve_index_dir(index_dir)
    report = UpdateReport()
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=wait)
        if not index_exists(index_dir):
            _create(index_dir)
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        _files, canon = _existing(ix)
        state = _RunState(index_dir, ix, {}, load_lexicon(index_dir), report, False)
        state.set_canon(canon)
        writer = state.writer()
        try:
            searcher = writer.searcher()
            words: Counter[str] = Counter()
            for article in articles:
                existed = any(True for _ in searcher.document_numbers(aid=article.id))
                if existed:
                    writer.delete_by_term("aid", article.id)
                    state.forget([article.id])
                    report.updated += 1
                else:
                    report.added += 1
                meta = _meta(article, _src_of(article.path) if article.path else "")
                first = state.canon.setdefault(article.text_key, article.id)
                if first != article.id:
                    report.duplicates += 1
                    _add_group(writer, _article_doc({**meta, "copy_of": first}, True), [])
                    continue
                state.key_of[article.id] = article.text_key
                _add_group(
                    writer,
                    _article_doc(meta, enriched=False),
                    _paragraph_docs(article, True, words),
                )
                report.paragraphs += len(article.paragraphs)
            _merge_lexicon(state.lexicon, words.items())
            state.commit(writer, [], final=True)
        finally:
            _abandon(writer)
    return report


def delete_articles(
    index_dir: str | os.PathLike[str] | None, article_ids: Iterable[str], *, wait: bool = True
) -> int:
    """Delete articles by id; returns how many existed. A deleted article's exact
    duplicates stay: one of them becomes the original."""
    index_dir = resolve_index_dir(index_dir)
    if not index_exists(index_dir):
        return 0
    with WriteLock(index_dir) as lock:
        lock.acquire(wait=wait)
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        _files, canon = _existing(ix)
        state = _RunState(index_dir, ix, {}, load_lexicon(index_dir), UpdateReport(), False)
        state.set_canon(canon)
        writer = state.writer()
        removed = 0
        try:
            searcher = writer.searcher()
            for aid in dict.fromkeys(article_ids):
                if any(True for _ in searcher.document_numbers(aid=aid, kind="a")):
                    writer.delete_by_term("aid", aid)
                    state.forget([aid])
                    removed += 1
            state.commit(writer, [], final=True)
        finally:
            _abandon(writer)
    return removed
