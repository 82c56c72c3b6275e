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
as possible. Entity enrichment (:func:`enrich`) then rewrites article groups from their
stored fields: in its worker processes it recognises entities and, for paragraphs the
lean pass left unsegmented, runs jieba; paragraphs segmented earlier reuse their stored
jieba boundaries. It adds the words to the pinyin lexicon as it goes.

Commits drop segments whose documents were all deleted and rewrite segments more than a
third deleted (:func:`_merge_policy`), so replaced documents do not slow queries down.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import heapq
import json
import marshal
import multiprocessing as mp
import os
import queue
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex
from whoosh.filedb.filestore import FileStorage
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, Damage, EntitySpan, Paragraph, ReadError
from g60_reader.index import analyzer, pinyin
from g60_reader.index.analyzer import ParagraphAnalysis
from g60_reader.index.contract import UpdateReport
from g60_reader.index.errors import Cancelled, IndexBusy, IndexDamaged, IndexUnavailable
from g60_reader.index.paths import resolve_index_dir

from .schema import SCHEMA_VERSION, Analyzed, G60Codec, build_schema

INDEX_NAME = "MAIN"
LOCK_NAME = ".g60-write.lock"
LEXICON_NAME = ".lexicon"
PINYIN_NAME = ".pinyin"
META_NAME = ".g60-index.json"
MANIFEST_NAME = ".g60-files.json"  # segment file sizes of the last commit
REBUILD_HINT = "g60-reader index --rebuild PATH..."
BATCH_BYTES = 64 * 1024 * 1024
INPROCESS_BYTES = 512 * 1024  # smaller jobs are analysed in the main process
MAX_INFLIGHT = 3  # files queued per worker
SEGMENT_NOW_BYTES = 2 * 1024 * 1024  # larger updates defer jieba to the entity pass
ENRICH_POOL_ARTICLES = 16  # fewer articles are enriched in-process (no pool start-up)
# The entity pass commits after about this many paragraphs. Each commit writes a
# segment; 500-article batches (4k paragraphs) at 100k paragraphs made 25 small
# segments that the final commit had to merge through Whoosh's add_reader (100 s of
# the pass), and saved the whole pinyin lexicon 25 times (41 s).
ENRICH_BATCH_PARAGRAPHS = 25_000
# Postings a writer holds in memory before spilling a sorted run to disk. Workers keep
# their share of a batch (BATCH_BYTES / procs of source, ~310k postings per MB) in
# memory: spilling and merging runs cost a 50k-paragraph writer 48 instead of 36 CPU-s,
# and without spilling it peaked at 680 MB (about 90 bytes per posting, all included).
# The main process (in-process builds, entity pass) keeps the small limit.
POOL_POSTINGS = 2_000_000
WORKER_POOL_POSTINGS = 12_000_000

Progress = Callable[[int, int, str], None]


# -- the write lock ------------------------------------------------------------------


class WriteLock:
    """Our lock for a whole update run (``fcntl.flock`` on ``.g60-write.lock``)."""

    def __init__(self, index_dir: Path) -> None:
        self.path = index_dir / LOCK_NAME
        self._fh = None

    def acquire(self, wait: bool = False, poll: float = 0.2) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - held for the run
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    fh.close()
                    raise IndexBusy(
                        "index is busy: another g60-reader index is running (use --wait)"
                    ) from None
                time.sleep(poll)
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> WriteLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- a faster segment writer -----------------------------------------------------------

_GC_LOCK = threading.Lock()
_GC_STATE = {"depth": 0, "was_enabled": True}


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a segment is built or written.

    A writer holds millions of small lists (one per term and field); every few hundred
    new container objects Python's collector runs, and its older generations walk all
    of them again and again although they form no cycles. A 1-process 10k build took
    9.1 instead of 10.5 CPU-s with the collector paused (interleaved A/B, 3 runs each).
    Nested and thread-safe; the collector is switched back on (if it was on) when the
    outermost pause ends.
    """
    with _GC_LOCK:
        if _GC_STATE["depth"] == 0:
            _GC_STATE["was_enabled"] = gc.isenabled()
            gc.disable()
        _GC_STATE["depth"] += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_STATE["depth"] -= 1
            if _GC_STATE["depth"] == 0 and _GC_STATE["was_enabled"]:
                gc.enable()


class _CachedLengths:
    """Field lengths read once per field (Whoosh asks for them once per posting)."""

    def __init__(self, pdr, doccount: int) -> None:
        self.pdr = pdr
        self.n = doccount
        self.cache: dict[str, list[int]] = {}

    def lengths(self, fieldname: str) -> list[int]:
        arr = self.cache.get(fieldname)
        if arr is None:
            get = self.pdr.doc_field_length
            arr = self.cache[fieldname] = [get(i, fieldname) for i in range(self.n)]
        return arr

    def length_bytes(self, fieldname: str) -> bytes:
        """Every document's length byte (what Whoosh stores and the term statistics
        use)."""
        lengths = self.lengths(fieldname)
        table = {n: length_to_byte(n) for n in set(lengths)}
        return bytes([table[n] for n in lengths])

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        arr = self.lengths(fieldname)
        return arr[docnum] if docnum < self.n else default

    def close(self) -> None:
        self.pdr.close()


class _TermPool:
    """Postings grouped by field and term while documents are added.

    Replaces Whoosh's pool, which makes a tuple per posting, pickles each one to a run
    file and sorts them all: here a posting is three list appends under its term (one
    dictionary per field, keyed by the term's bytes), only the distinct terms are
    sorted, and the field writer receives each term's postings at once. When ``limit``
    postings are held, the groups are written to a sorted run (marshal) and merged at
    the end; documents are added in increasing order, so later runs simply extend a
    term's postings.
    """

    def __init__(self, tempdir: str, limit: int = POOL_POSTINGS) -> None:
        self.fields: dict[str, dict[bytes, list]] = {}
        self.count = 0
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        self.limit = limit
        self.tempdir = tempdir

    def _terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item: tuple) -> None:
        """One posting ``(fieldname, btext, docnum, weight, vbytes)`` (Whoosh's API)."""
        fieldname, btext, docnum, weight, vbytes = item
        terms = self._terms(fieldname)
        flat = terms.get(btext)
        if flat is None:
            terms[btext] = [docnum, weight, vbytes or b""]
        else:
            flat += (docnum, weight, vbytes or b"")
        self.count += 1
        if self.count >= self.limit:
            self.save()

    def add_items(self, fieldname: str, docnum: int, items) -> int:
        """All postings of one field of one document; returns the field length."""
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self._terms(fieldname)
        length = 0
        get = terms.get
        for tbytes, freq, weight, vbytes in items:
            length += freq
            flat = get(tbytes)
            if flat is None:
                terms[tbytes] = [docnum, weight, vbytes]
            else:
                flat += (docnum, weight, vbytes)
        self.count += len(items)
        if self.count >= self.limit:
            self.save()
        return length

    def _sorted(self) -> list[tuple[str, list[tuple[bytes, list]]]]:
        # sorting the items beats sorting the keys and looking each one up again
        # (the lookups miss the cache in a dictionary of millions of terms)
        out = [
            (fieldname, sorted(self.fields[fieldname].items(), key=_first))
            for fieldname in sorted(self.fields)
        ]
        self.fields = {}
        self.count = 0
        return out

    def save(self) -> None:
        if not self.fields:
            return
        os.makedirs(self.tempdir, exist_ok=True)
        fd, path = tempfile.mkstemp(suffix=".run", dir=self.tempdir)
        with os.fdopen(fd, "wb") as fh:
            for fieldname, groups in self._sorted():
                for i in range(0, len(groups), 20_000):
                    marshal.dump((fieldname, groups[i : i + 20_000]), fh)
        self.runs.append(path)

    @staticmethod
    def _read(path: str) -> Iterator[tuple[str, list]]:
        try:
            with open(path, "rb") as fh:
                while True:
                    try:
                        yield marshal.load(fh)
                    except EOFError:
                        break
        finally:
            with contextlib.suppress(OSError):
                os.remove(path)

    def iter_fields(self) -> Iterator[tuple[str, Iterator[tuple[bytes, list]]]]:
        """``(fieldname, terms)`` in field order; ``terms`` yields ``(btext, [docnum,
        weight, vbytes, ...])`` in term order (each must be consumed before the next
        field is asked for)."""
        current = self._sorted()
        if not self.runs:
            for fieldname, groups in current:
                yield fieldname, groups
            return
        runs, self.runs = self.runs, []
        sources = [_RunFields(self._read(p)) for p in runs]
        sources.append(_RunFields(iter(current)))
        names = sorted(self.fieldnames)
        for fieldname in names:
            yield fieldname, _merge_terms([src.terms(fieldname) for src in sources])

    def iter_terms(self) -> Iterator[tuple[str, bytes, list]]:
        """``(fieldname, btext, [docnum, weight, vbytes, ...])`` in term order."""
        for fieldname, terms in self.iter_fields():
            for btext, flat in terms:
                yield fieldname, btext, flat

    def iter_postings(self) -> Iterator[tuple]:
        for fieldname, btext, flat in self.iter_terms():
            for i in range(0, len(flat), 3):
                yield fieldname, btext, flat[i], flat[i + 1], flat[i + 2]

    def cleanup(self) -> None:
        for path in self.runs:
            with contextlib.suppress(OSError):
                os.remove(path)
        self.runs = []
        self.fields = {}
        self.fieldnames = set()
        self.count = 0


class _RunFields:
    """One sorted run read field by field: chunks of ``(fieldname, [(btext, flat)])``
    in field order, read lazily (one chunk ahead)."""

    def __init__(self, chunks: Iterator[tuple[str, list]]) -> None:
        self.chunks = chunks
        self.head = next(chunks, None)

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, list]]:
        while self.head is not None and self.head[0] == fieldname:
            groups = self.head[1]
            self.head = next(self.chunks, None)
            yield from groups


def _merge_terms(sources: list[Iterator[tuple[bytes, list]]]) -> Iterator[tuple[bytes, list]]:
    """Merge one field's sorted term streams; a term in several runs gets its postings
    concatenated in run order (documents ascend from run to run)."""
    merged = heapq.merge(*sources, key=_first)
    last = None
    acc: list = []
    for btext, flat in merged:
        if btext != last:
            if last is not None:
                yield last, acc
            last, acc = btext, list(flat)
        else:
            acc += flat
    if last is not None:
        yield last, acc


def _first(group: tuple) -> bytes:
    return group[0]


def _items(field, value) -> list:
    """Posting items of a plain value, as Whoosh's ``add_document`` makes them (the
    weight times the field boost of 1.0: a float)."""
    return [(t, freq, weight * 1.0, vbytes) for t, freq, weight, vbytes in field.index(value)]


class FastWriter(SegmentWriter):
    """A SegmentWriter for pre-analysed documents: postings grouped by term in memory,
    field lengths cached, short posting lists inlined (see ``G60Codec``)."""

    def __init__(self, ix, pool_limit: int = POOL_POSTINGS, **kwargs) -> None:
        kwargs.setdefault("codec", G60Codec())
        # Separate segment files, not one compound file: Whoosh reads a compound file's
        # parts through BytesIO copies of the mmap, which held ~450 MB per searcher at
        # 10k paragraphs; plain files are read in place.
        kwargs.setdefault("compound", False)
        try:
            super().__init__(ix, **kwargs)
            self.pool = _TermPool(os.path.join(self._tempstorage.folder, "pool"), limit=pool_limit)
            # posting items of plain (not pre-analysed) values, per field and value
            self._plain_items: dict[tuple[str, str], list] = {}
        except BaseException:
            # Whoosh takes the write lock first and does not give it back when the rest
            # of its set-up fails (a full disk, say): the lock would stay held by this
            # half-built writer and every later writer in the process would see "busy".
            lock = getattr(self, "writelock", None)
            if lock is not None and getattr(lock, "fd", None) is not None:
                with contextlib.suppress(Exception):
                    lock.release()
            raise

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document`` for our fields, without a tuple per posting:
        pre-analysed values give their posting items, plain values go through the
        field's ``index()`` as in Whoosh; documents with Whoosh's ``_boost`` /
        ``_stored_`` keywords or with vector or spelling fields take Whoosh's path."""
        schema = self.schema
        names = []
        for k in fields:
            if k.startswith("_"):
                return super().add_document(**fields)
            names.append(k)
        names.sort()
        self._check_fields(schema, names)
        self._check_state()
        docnum = self.docnum
        perdoc = self.perdocwriter
        add_items = self.pool.add_items
        plain = self._plain_items
        fieldobjs = [schema[name] for name in names]
        if any(f.vector or f.separate_spelling() for f in fieldobjs):
            return super().add_document(**fields)
        perdoc.start_doc(docnum)
        try:
            for name, field in zip(names, fieldobjs, strict=True):
                value = fields[name]
                if value is None:
                    continue
                length = 0
                if field.indexed:
                    if isinstance(value, Analyzed):
                        items = value.items
                    else:  # kind, aid, enriched...: few distinct values, analysed once
                        key = (name, value)
                        items = plain.get(key) if type(value) is str else None
                        if items is None:
                            items = _items(field, value)
                            if type(value) is str:
                                plain[key] = items
                    length = add_items(name, docnum, items)
                    if not field.scorable:
                        length = 0
                perdoc.add_field(name, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _finish(self) -> None:
        # the pool's spill directory lives in Whoosh's temp storage, whose clean-up
        # removes files only (a large merge used to fail here with IsADirectoryError)
        self.pool.cleanup()
        shutil.rmtree(self.pool.tempdir, ignore_errors=True)
        super()._finish()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = None
        if self.codec.length_stats:
            pdr = _CachedLengths(self.per_document_reader(), self.docnum)
        self.fieldwriter.add_fields(self.schema, pdr, self.pool.iter_fields())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class _PrivateTempStorage(FileStorage):
    """Storage whose temporary directories are private to this process."""

    def temp_storage(self, name=None):
        base = os.path.join(self.folder, f".tmp-{os.getpid()}")
        path = os.path.join(base, name or uuid.uuid4().hex)
        return FileStorage(path).create()


def _drop_dead(writer, segments: list) -> list:
    """Segments with live documents (a segment whose documents were all deleted, as the
    entity pass leaves behind, is dropped instead of being searched through)."""
    return [s for s in segments if s.doc_count() > 0]


def _merge_policy(writer, segments: list) -> list:
    """Whoosh's ``MERGE_SMALL`` plus: drop dead segments and rewrite any segment more
    than a third deleted. Without this the entity pass (which replaces every document)
    left the old segments in place, fully deleted, and queries walked their postings
    too: at 10k paragraphs 11k of 22k documents searched were dead."""
    from whoosh.reading import SegmentReader
    from whoosh.writing import MERGE_SMALL

    keep = []
    for seg in _drop_dead(writer, segments):
        if seg.deleted_count() * 3 > seg.doc_count_all():
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        else:
            keep.append(seg)
    return MERGE_SMALL(writer, keep)


def _commit_segments(writer: FastWriter, segments: list, *, merge: bool, drop: bool) -> None:
    """Commit ``writer`` (its deletions and own documents) plus finished ``segments``."""
    t0 = time.perf_counter()
    with _gc_paused():
        policy = _merge_policy if merge else _drop_dead
        final = [] if drop else writer._merge_segments(policy, False, merge)
        final += [s for s in segments if s is not None]
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc(final)
        writer._finish()
    _write_manifest(Path(writer.storage.folder))
    analyzer.counters["s_commit"] += time.perf_counter() - t0


# -- documents -------------------------------------------------------------------------


def _meta(article: Article, src: str) -> dict:
    if not article.text_key:  # an article made by a program, not read from a file
        from g60_reader.corpus.readers import text_key

        article.text_key = text_key(article.title, article.paragraphs)
    return {
        "id": article.id,
        "path": article.path,
        "src": src,
        "title": article.title,
        "subtitle": article.subtitle,
        "outlet": article.outlet,
        "dateline": article.dateline,
        "published": article.published,
        "date_text": article.date_text,
        "byline": article.byline,
        "source_credit": article.source_credit,
        "codec": article.codec,
        "text_key": article.text_key,
        "damage": [d.as_dict() for d in article.damage],
        "content_hash": article.content_hash,
        "file_hash": article.file_hash,
        "record": article.record,
        "format": article.format,
        "paragraphs": len(article.paragraphs),
    }


def article_from_meta(meta: dict, paragraphs: list[Paragraph]) -> Article:
    return Article(
        id=meta["id"],
        path=meta["path"],
        title=meta["title"],
        subtitle=meta.get("subtitle", ""),
        outlet=meta.get("outlet", ""),
        dateline=meta.get("dateline", ""),
        published=meta.get("published"),
        date_text=meta.get("date_text", ""),
        byline=meta.get("byline", ""),
        source_credit=meta.get("source_credit", ""),
        codec=meta.get("codec", ""),
        text_key=meta.get("text_key", ""),
        paragraphs=paragraphs,
        damage=[Damage(**d) for d in meta.get("damage", [])],
        content_hash=meta.get("content_hash", ""),
        file_hash=meta.get("file_hash", ""),
        record=meta.get("record", 0),
        format=meta.get("format", ""),
    )


def _paragraph_doc(
    aid: str,
    number: int,
    text: str,
    analysis: ParagraphAnalysis,
    entities: list[EntitySpan] | None,
) -> dict:
    doc: dict = {
        "kind": "p",
        "aid": aid,
        "body": Analyzed(analysis.body),
        "para": number,
        "text": text,
        "seg": analysis.seg,
        "enriched": "1" if entities is not None else "0",
    }
    if analysis.words:
        doc["words"] = Analyzed(analysis.words)
    if entities:
        by_type: dict[str, list[str]] = {}
        for ent in entities:
            value = analyzer.fold_normalise(ent.text).strip()
            if value:
                by_type.setdefault(ent.type, []).append(value)
        for etype, values in by_type.items():
            doc[etype] = Analyzed(analyzer.existence_items(values))
        doc["ents"] = json.dumps([[e.start, e.end, e.type] for e in entities], ensure_ascii=False)
    return doc


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
        doc["title"] = Analyzed(analyzer.text_items(meta["title"]))
    if meta["outlet"]:
        doc["outlet"] = Analyzed(analyzer.text_items(meta["outlet"]))
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


# -- builders (in-process or in a worker) ----------------------------------------------


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


def build_file(writer, index: int, path: str, digest: str, segment: bool = True) -> FileOutcome:
    """Read, analyse and add one file's articles to ``writer`` (``segment``: run jieba now,
    see :func:`update`). An article whose text this writer has already added (an exact
    duplicate: a mirror in the same batch) is written as a copy, without paragraphs."""
    from g60_reader.corpus.readers import read_file

    src = _src_of(path)
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
    for article in articles:
        meta = _meta(article, src)
        first = seen.setdefault(article.text_key, article.id)
        if first != article.id:
            meta["copy_of"] = first
            _add_group(writer, _article_doc(meta, enriched=True), [])
            out.copies.add(article.id)
        else:
            docs = _paragraph_docs(article, segment, words)
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


def _paragraph_docs(article: Article, segment: bool, words: Counter[str]) -> list[dict]:
    """The paragraph documents of ``article`` (not yet enriched); counts its Han words
    (once per paragraph) into ``words`` for the pinyin lexicon."""
    docs = []
    for para in article.paragraphs:
        analysis = analyzer.analyse_paragraph(para.folded or fold(para.text), segment)
        docs.append(_paragraph_doc(article.id, para.number, para.text, analysis, None))
        words.update(set(analysis.han_words))
    return docs


def _open_storage(index_dir: Path, private: bool = False) -> FileStorage:
    cls = _PrivateTempStorage if private else FileStorage
    return cls(str(index_dir))


def _worker_main(
    wid: int, index_dir: str, jobs: mp.Queue, results: mp.Queue, parent: int | None = None
) -> None:
    """Worker loop: ("file", i, path, digest) | ("flush",) | ("stop",).

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
            if job[0] == "file":
                if writer is None:
                    ix = storage.open_index(INDEX_NAME)
                    writer = FastWriter(ix, pool_limit=WORKER_POOL_POSTINGS, _lk=False)
                try:
                    res = build_file(writer, job[1], job[2], job[3], job[4])
                except Exception as exc:
                    res = FileOutcome(job[1], job[2], _src_of(job[2]), job[3])
                    res.errors = [f"{job[2]}: cannot index: {exc}"]
                results.put(("file", wid, res, dict(analyzer.counters)))
                analyzer.counters.clear()
            elif job[0] == "flush":
                segment = None
                t0 = time.perf_counter()
                if writer is not None:
                    segment = writer._finalize_segment() if writer._added else None
                    if segment is None:
                        writer._close_segment()
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


# -- opening ---------------------------------------------------------------------------


def _meta_path(index_dir: Path) -> Path:
    return index_dir / META_NAME


def index_exists(index_dir: Path) -> bool:
    try:
        return windex.exists_in(str(index_dir), INDEX_NAME) and _schema_ok(index_dir)
    except Exception:
        return False


def _schema_ok(index_dir: Path) -> bool:
    try:
        info = json.loads(_meta_path(index_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return info.get("schema") == SCHEMA_VERSION


def _ours(name: str) -> bool:
    """Files and directories this index keeps in its directory."""
    return (
        name.startswith((f"_{INDEX_NAME}_", f"{INDEX_NAME}_", f"{INDEX_NAME}.tmp", ".tmp-"))
        or name.startswith((LEXICON_NAME, PINYIN_NAME))
        or name in (LOCK_NAME, META_NAME, MANIFEST_NAME)
    )


def _create(index_dir: Path) -> None:
    """A new, empty index (replacing an older or broken one of ours). Never deletes
    anything else: a directory holding other files is refused."""
    index_dir.mkdir(parents=True, exist_ok=True)
    foreign = sorted(c.name for c in index_dir.iterdir() if not _ours(c.name))
    if foreign:
        raise IndexUnavailable(
            f"{index_dir} is not an index directory (it holds {foreign[0]!r}"
            f"{' and more' if len(foreign) > 1 else ''}); choose an empty or new directory"
        )
    for child in index_dir.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                child.unlink()
    FileStorage(str(index_dir)).create_index(build_schema(), indexname=INDEX_NAME)
    _meta_path(index_dir).write_text(json.dumps({"schema": SCHEMA_VERSION}), encoding="utf-8")


def _latest_toc(index_dir: Path) -> tuple[int, str] | None:
    best = None
    for p in index_dir.glob(f"_{INDEX_NAME}_*.toc"):
        try:
            gen = int(p.name[len(INDEX_NAME) + 2 : -4])
        except ValueError:
            continue
        if best is None or gen > best[0]:
            best = (gen, p.name)
    return best


def _remove_uncommitted(index_dir: Path) -> None:
    """After a failed run (full disk, Ctrl-C, a crash in a builder): delete the segment
    files that no committed generation uses, so a full disk is not left fuller. Only
    called while holding the write lock."""
    with contextlib.suppress(Exception):
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        live = {f"{INDEX_NAME}_{seg.segid}." for seg in ix._segments()}
        for p in index_dir.glob(f"{INDEX_NAME}_*"):
            if p.name.endswith("WRITELOCK") or any(p.name.startswith(x) for x in live):
                continue
            with contextlib.suppress(OSError):
                p.unlink()
    _cleanup_tmp(index_dir)


def _write_manifest(index_dir: Path) -> None:
    """Record the size of every file of the committed generation, so that a cut or
    missing file is recognised as damage (not taken for "no index" and wiped)."""
    latest = _latest_toc(index_dir)
    if latest is None:
        return
    files = {latest[1]: (index_dir / latest[1]).stat().st_size}
    for p in index_dir.glob(f"{INDEX_NAME}_*"):
        if p.is_file() and not p.name.endswith("WRITELOCK"):
            files[p.name] = p.stat().st_size
    _write_atomic(
        index_dir / MANIFEST_NAME,
        json.dumps({"generation": latest[0], "files": files}).encode("utf-8"),
    )


def _damaged(index_dir: Path, reason: str) -> IndexDamaged:
    return IndexDamaged(
        f"the index at {index_dir} is damaged ({reason}); nothing was changed:"
        f" rebuild it with `{REBUILD_HINT}`"
    )


def check_index(index_dir: Path) -> bool:
    """``True`` for a sound index, ``False`` when there is none (or one of an older
    format, which is rebuilt as before); raises :class:`IndexDamaged` when its files are
    damaged: a missing or unreadable table of contents or metadata, or a segment file
    missing or of another size than at its commit."""
    if not index_dir.is_dir():
        return False
    latest = _latest_toc(index_dir)
    meta = _meta_path(index_dir)
    if latest is None and not meta.exists():
        return False
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _damaged(index_dir, "its metadata file is missing") from None
    except (OSError, ValueError):
        raise _damaged(index_dir, "its metadata file is unreadable") from None
    if not isinstance(info, dict):
        raise _damaged(index_dir, "its metadata file is unreadable")
    if info.get("schema") != SCHEMA_VERSION:
        return False
    if latest is None:
        raise _damaged(index_dir, "its table of contents is missing")
    try:
        manifest = json.loads((index_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if isinstance(manifest, dict) and manifest.get("generation") == latest[0]:
        for name, size in dict(manifest.get("files") or {}).items():
            try:
                actual = (index_dir / name).stat().st_size
            except OSError:
                raise _damaged(index_dir, f"{name} is missing") from None
            if actual != size:
                raise _damaged(index_dir, f"{name} has {actual} bytes, {size} were written")
    try:
        ix = FileStorage(str(index_dir)).open_index(INDEX_NAME)
        ix._segments()
    except Exception as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _damaged(index_dir, f"cannot read its table of contents: {reason}") from None
    return True


def open_index(index_dir: str | os.PathLike[str] | None = None):
    """The Whoosh index at ``index_dir`` (``None`` when there is none); raises
    :class:`IndexDamaged` for a damaged one."""
    path = resolve_index_dir(index_dir)
    if not check_index(path):
        return None
    return FileStorage(str(path)).open_index(INDEX_NAME)


def load_lexicon(index_dir: Path) -> dict[str, list]:
    try:
        data = (index_dir / LEXICON_NAME).read_bytes()
        lex = marshal.loads(data)
        return lex if isinstance(lex, dict) else {}
    except (OSError, ValueError, EOFError, TypeError):
        return {}


def load_pinyin(index_dir: Path) -> dict[str, list[str]]:
    """Pinyin key -> Han words (most frequent first), as the searcher needs it."""
    try:
        table = marshal.loads((index_dir / PINYIN_NAME).read_bytes())
        return table if isinstance(table, dict) else {}
    except (OSError, ValueError, EOFError, TypeError):
        return {}


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _save_lexicon(index_dir: Path, lex: dict[str, list]) -> None:
    """The writer's lexicon (word -> [document frequency, pinyin keys]) and the
    searcher's table (key -> words by frequency), precomputed so that the first pinyin
    query does not pay for it."""
    by_key: dict[str, list[tuple[int, str]]] = {}
    for word, (df, keys) in lex.items():
        for key in keys:
            by_key.setdefault(key, []).append((-df, word))
    table = {key: [w for _n, w in sorted(v)] for key, v in by_key.items()}
    _write_atomic(index_dir / LEXICON_NAME, marshal.dumps(lex))
    _write_atomic(index_dir / PINYIN_NAME, marshal.dumps(table))


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


def _cleanup_tmp(index_dir: Path) -> None:
    for child in index_dir.glob(".tmp-*"):
        shutil.rmtree(child, ignore_errors=True)
    for pattern in (f"{LEXICON_NAME}.*.tmp", f"{PINYIN_NAME}.*.tmp"):
        for child in index_dir.glob(pattern):
            with contextlib.suppress(OSError):
                child.unlink()
    with contextlib.suppress(OSError):
        shutil.rmtree(index_dir / f"{INDEX_NAME}.tmp", ignore_errors=True)


# -- update ----------------------------------------------------------------------------


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
        existing, canon = ({}, {}) if rebuild else _existing(ix)

        # 1. which files need work
        jobs: list[_Job] = []
        seen_src: set[str] = set()
        resolved_dirs: dict[str, str] = {}
        for i, item in enumerate(iter_source_files(list(paths))):
            if isinstance(item, ReadError):
                report.failed.append((item.path, item.reason))
                continue
            src = _src_of(item, resolved_dirs)
            if src in seen_src:
                continue
            seen_src.add(src)
            try:
                digest = file_digest(item)
                size = item.stat().st_size
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

    def writer(self) -> FastWriter:
        self.ix = FileStorage(str(self.index_dir)).open_index(INDEX_NAME)
        try:
            return FastWriter(self.ix, timeout=0.0)
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
            writer = None
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


def _abandon(writer: FastWriter | None) -> None:
    """Give up an uncommitted writer and, whatever happens on the way, release its lock.

    A failed commit (a full disk, say) can leave the writer half-closed, and
    ``cancel()`` itself may fail again; the write lock must still be released, or the
    next run in this process would find the index "busy".
    """
    if writer is None:
        return
    try:
        if not writer.is_closed:
            writer.cancel()
    except Exception:
        pass
    finally:
        lock = getattr(writer, "writelock", None)
        if lock is not None and getattr(lock, "fd", None) is not None:
            with contextlib.suppress(Exception):
                lock.release()


def _pinyin_keys(word: str) -> list[str]:
    return list(pinyin.keys(word))


def _merge_lexicon(
    lexicon: dict[str, list],
    counts: Iterable[tuple[str, int]],
    keys_of: Callable[[str], list[str]] = _pinyin_keys,
) -> None:
    """Add word counts to the pinyin lexicon (``word -> [count, keys]``); keys are only
    looked up for words the lexicon does not know yet."""
    for word, n in counts:
        cur = lexicon.get(word)
        if cur is None:
            lexicon[word] = [n, keys_of(word)]
        else:
            cur[0] += n


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("indexing cancelled")


def _run_in_process(state, jobs, doomed, total, progress, on_paragraphs, cancel, batch_bytes):
    writer = state.writer()
    try:
        if not state.drop:
            state.prune(writer, doomed)
        pending = 0
        for job in jobs:
            _check_cancel(cancel)
            out = build_file(writer, job.index, job.path, job.digest, state.words)
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
                    workers.jobs[w].put(("file", job.index, job.path, job.digest, state.words))
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
            segments = []
            flushed = [w for w in range(nprocs) if used[w]]
            for w in flushed:
                workers.jobs[w].put(("flush",))
            for _ in flushed:
                msg = workers.get()
                while msg[0] != "segment":
                    if msg[0] == "error":
                        raise RuntimeError(msg[1])
                    msg = workers.get()
                segments.append(msg[2])
                analyzer.counters.update(msg[3])
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


# -- direct article updates, deletion, entity enrichment -------------------------------


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
            writer = None
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
            writer = None
        finally:
            _abandon(writer)
    return removed


Recogniser = Callable[[str, str], list[EntitySpan]]


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
        out = []
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


def _recognise_texts(
    job: tuple[Recogniser, list[tuple[str, str, bool]]],
) -> list[tuple[list[EntitySpan], bytes | None]]:
    """Worker side of :func:`enrich`: for each ``(text, folded, needs_seg)`` paragraph,
    its entities and, when the first pass left it unsegmented, its jieba boundaries."""
    recognise, texts = job
    out = []
    for text, folded, needs_seg in texts:
        seg = None
        if needs_seg:
            seg = analyzer.encode_seg(analyzer.segment(analyzer.normalise(folded)))
        out.append((_valid_entities(text, recognise(text, folded)), seg))
    return out


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit as soon as the process that started it is gone (killed), even
    in the middle of a long task."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="g60-parent-watch", daemon=True).start()


def _ignore_sigint(parent: int | None = None) -> None:
    """Initializer of the entity pass's pool workers: Ctrl-C is the parent's business,
    and a worker whose parent was killed exits instead of waiting for tasks forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _exit_with_parent(parent)


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
        writer = state.writer()
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
                groups = []
                for aid, meta, paras in batch:
                    texts = [
                        (f.get("text", ""), fold(f.get("text", "")), not f.get("seg"))
                        for f in paras
                    ]
                    groups.append((aid, meta, paras, texts))
                jobs = [(recognise, texts) for _aid, _m, _p, texts in groups]
                if pool is not None:
                    return groups, pool.imap(_recognise_texts, jobs, chunksize=4)
                return groups, map(_recognise_texts, jobs)

            # One batch is always queued ahead of the one being written, so the
            # recognisers keep working while the main process commits (the 100k profile
            # had them idle through every commit and every batch read).
            first = cut(searcher)
            ahead = submit(first) if first else None
            while ahead is not None:
                groups, found = ahead
                following = cut(searcher)
                ahead = submit(following) if following else None
                for (aid, meta, paras, texts), results in zip(groups, found, strict=True):
                    _check_cancel(cancel)
                    docs = []
                    new_words: Counter[str] = Counter()
                    for fields, (text, folded, _n), (ents, seg) in zip(
                        paras, texts, results, strict=True
                    ):
                        stored = fields.get("seg", b"")
                        analysis = analyzer.reanalyse_paragraph(folded, seg or stored)
                        if seg is not None:  # segmented only now: new lexicon words
                            new_words.update(set(analysis.han_words))
                        number = int(fields.get("para", 0))
                        docs.append(_paragraph_doc(aid, number, text, analysis, ents))
                    _merge_lexicon(state.lexicon, new_words.items())
                    writer.delete_by_term("aid", aid)
                    _add_group(writer, _article_doc(dict(meta), enriched=True), docs)
                    done_paragraphs += len(docs)
                    done += 1
                    if progress:
                        progress(done, total, meta.get("path", ""))
                if ahead is not None:
                    _check_cancel(cancel)
                    _save_lexicon(index_dir, state.lexicon)
                    _commit_segments(writer, [], merge=False, drop=False)
                    writer = state.writer()
                    searcher = writer.searcher()
            _check_cancel(cancel)
            _save_lexicon(index_dir, state.lexicon)
            _commit_segments(writer, [], merge=True, drop=False)
            writer = None
        finally:
            if pool is not None:
                pool.terminate()
                pool.join()
            _abandon(writer)
    return done_paragraphs


def _term(fieldname: str, text: str):
    from whoosh.query import Term

    return Term(fieldname, text)
