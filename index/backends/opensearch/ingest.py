"""Writing articles: the catalog of stored articles, batches, exact duplicates, story ranks.

The writer (one at a time, under the lease of :mod:`.lock`) keeps a :class:`Catalog` of
the article documents it may touch: for ``update`` all of them, read once at the start
(file path and content hash decide what is unchanged, as for Whoosh; text keys decide the
exact duplicates), for ``add_or_update``/``delete`` only those it asks about. It decides
everything in Python, in file order, so the result does not depend on how many worker
processes analysed the files, and queues the documents in a :class:`Batch`.

A batch is written in two steps, each acknowledged before the next: (1) paragraph
documents (new, replaced, deleted), (2) the article documents. An article document is
what says "this file is indexed with this hash", so an interruption between batches
(``cancel``, Ctrl-C) leaves every earlier batch complete and the next run skips exactly
those files; a writer killed inside a batch leaves at worst paragraphs of files the next
run indexes again (same document ids: they are overwritten).

The pinyin lexicon (``lex`` documents: Han word -> paragraphs holding it -> pinyin keys)
changes by exact deltas: each batch reads the Han words of every paragraph document it is
about to replace or delete (one ``mget``), the run adds them up and writes each changed
word once, at the end (rewriting the common words at every batch cost more than the
paragraphs). While a run is under way the index's ``meta`` document says
``lexicon_dirty``; a writer that finds it set (its predecessor was killed) counts every
word again from the paragraphs (a composite aggregation) instead of trusting the deltas.

Exact duplicates follow the reference (the memory backend): the first article of a text
key stays the original, later ones become copies (an article document with ``copy_of``
and its paragraphs' text, no paragraph documents); deleting an original promotes its
first copy (by date, then path) there and then; an original whose file changed to other
text leaves its copies to the first of them, or to the new article holding their text,
at the end of the run.

Reprint clusters: an article re-indexed by ``update`` keeps its cluster (``add_or_update``
drops it, as the reference does); whenever a cluster loses or changes a member the
ranks of its members are recomputed (:meth:`Writer.fix_ranks`): ``crank`` is an
article's place in its story, earliest first, and ``ckey`` is ``<cluster>#<rank>``, so
that a search can keep, per story, only the earliest copy that matches (see
:mod:`.backend`). An article alone in its cluster has no rank: it is no story.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from g60_reader.index import pinyin
from g60_reader.index.contract import UpdateReport
from g60_reader.index.results import earliest_first

from . import store
from .client import Connection
from .documents import (
    META_ID,
    AnalysedArticle,
    FileResult,
    analyse_article,
    article_doc_id,
    article_from_meta,
    paragraph_doc_id,
    paragraphs_of,
    word_doc_id,
)

FLUSH_PARAGRAPHS = 4000
FLUSH_BYTES = 12 * 1024 * 1024
ARTICLE_FIELDS = [
    "aid",
    "src",
    "fhash",
    "tkey",
    "copy_of",
    "paras",
    "pub",
    "cluster",
    "crank",
    "seq",
    "meta.src_raw",
    "meta.path",
    "meta.path_raw",
    "meta.outlet",
    "meta.source_credit",
    "meta.title",
]


@dataclass
class Info:
    """What the writer knows of one stored article document."""

    aid: str
    src: str
    fhash: str
    tkey: str
    copy_of: str | None
    paras: list[int]
    published: str | None
    path: str
    cluster: str | None = None
    rank: int | None = None  # place in its story (2+ members), earliest first
    src_raw: str | None = None
    seq: int = 0
    outlet: str = ""
    source_credit: str = ""
    title: str = ""

    @property
    def id(self) -> str:  # as an article, for the shared ordering of results.py
        return self.aid

    @classmethod
    def from_source(cls, doc: dict[str, Any]) -> Info:
        meta = doc.get("meta") or {}
        return cls(
            aid=doc["aid"],
            src=doc.get("src", ""),
            fhash=doc.get("fhash", ""),
            tkey=doc.get("tkey", ""),
            copy_of=doc.get("copy_of"),
            paras=list(doc.get("paras") or []),
            published=doc.get("pub"),
            path=meta.get("path", ""),
            cluster=doc.get("cluster"),
            rank=doc.get("crank"),
            src_raw=meta.get("src_raw"),
            seq=int(doc.get("seq") or 0),
            outlet=meta.get("outlet", ""),
            source_credit=meta.get("source_credit", ""),
            title=meta.get("title", ""),
        )


class Catalog:
    """Stored articles by id, file, text key and cluster, as this writer changes them."""

    def __init__(self, conn: Connection, complete: bool = False) -> None:
        self.conn = conn
        self.complete = complete
        self.infos: dict[str, Info] = {}
        self.gone: set[str] = set()  # deleted by this writer
        self.canon: dict[str, str] = {}  # text key -> original
        self.copies: dict[str, set[str]] = {}  # text key -> copies
        self.by_src: dict[str, list[str]] = {}
        self._tkeys: set[str] = set()  # text keys looked up (when not complete)
        self._clusters: set[str] = set()

    # -- loading -------------------------------------------------------------------------

    def load_all(self) -> None:
        for doc in store.scan(self.conn, {"term": {"kind": "a"}}, ARTICLE_FIELDS, ["aid"]):
            self._learn(Info.from_source(doc))
        self.complete = True

    def _learn(self, info: Info) -> None:
        if info.aid in self.infos or info.aid in self.gone:
            return
        self.add(info)

    def ensure(self, aids: Iterable[str]) -> None:
        if self.complete:
            return
        unknown = [a for a in aids if a not in self.infos and a not in self.gone]
        found = store.mget(self.conn, [article_doc_id(a) for a in unknown], ARTICLE_FIELDS)
        for doc in found.values():
            self._learn(Info.from_source(doc))
        for info in [self.infos[a] for a in unknown if a in self.infos]:
            self.ensure_tkeys([info.tkey])

    def ensure_tkeys(self, tkeys: Iterable[str]) -> None:
        if self.complete:
            return
        todo = [t for t in dict.fromkeys(tkeys) if t and t not in self._tkeys]
        for start in range(0, len(todo), 1000):
            chunk = todo[start : start + 1000]
            query = {"bool": {"filter": [{"term": {"kind": "a"}}, {"terms": {"tkey": chunk}}]}}
            for doc in store.scan(self.conn, query, ARTICLE_FIELDS, ["aid"]):
                self._learn(Info.from_source(doc))
            self._tkeys.update(chunk)

    def members(self, clusters: Iterable[str]) -> dict[str, list[Info]]:
        """The originals of each cluster."""
        wanted = {c for c in clusters if c}
        if not self.complete:
            todo = sorted(wanted - self._clusters)
            for start in range(0, len(todo), 1000):
                chunk = todo[start : start + 1000]
                query = {
                    "bool": {"filter": [{"term": {"kind": "a"}}, {"terms": {"cluster": chunk}}]}
                }
                for doc in store.scan(self.conn, query, ARTICLE_FIELDS, ["aid"]):
                    self._learn(Info.from_source(doc))
                self._clusters.update(chunk)
        out: dict[str, list[Info]] = {c: [] for c in wanted}
        for info in self.infos.values():
            if info.cluster in out and info.copy_of is None:
                out[info.cluster].append(info)
        return out

    # -- changing ------------------------------------------------------------------------

    def add(self, info: Info) -> None:
        self.infos[info.aid] = info
        self.gone.discard(info.aid)
        self.by_src.setdefault(info.src, []).append(info.aid)
        if info.copy_of is None:
            self.canon.setdefault(info.tkey, info.aid)
        else:
            self.copies.setdefault(info.tkey, set()).add(info.aid)

    def drop(self, aid: str) -> Info | None:
        info = self.infos.pop(aid, None)
        if info is None:
            return None
        self.gone.add(aid)
        ids = self.by_src.get(info.src)
        if ids is not None and aid in ids:
            ids.remove(aid)
            if not ids:
                del self.by_src[info.src]
        if info.copy_of is None:
            if self.canon.get(info.tkey) == aid:
                del self.canon[info.tkey]
        else:
            self.copies.get(info.tkey, set()).discard(aid)
        return info


@dataclass
class _Pending:
    """One batch's documents, handed over to be written."""

    para_writes: dict[str, dict[str, Any]]
    para_deletes: set[str]
    art_writes: dict[str, dict[str, Any]]
    art_deletes: set[str]
    updates: dict[str, dict[str, Any]]


class Batch:
    """Documents waiting to be written (see the module docstring for the order)."""

    def __init__(self, conn: Connection, bulk: store.Bulk, fresh: bool) -> None:
        self.conn = conn
        self.bulk = bulk
        self.fresh = fresh  # the index was created by this writer: nothing to replace
        self.para_writes: dict[str, dict[str, Any]] = {}
        self.para_deletes: set[str] = set()
        self.art_writes: dict[str, dict[str, Any]] = {}
        self.art_deletes: set[str] = set()
        self.updates: dict[str, dict[str, Any]] = {}  # partial updates after the writes
        self.plus: Counter[str] = Counter()  # the run's paragraph counts of Han words
        self.minus: Counter[str] = Counter()
        self.bytes = 0
        self.written: set[str] = set()  # articles whose paragraphs this writer wrote
        self.marked = False  # the lexicon is marked as being changed
        self.keys_of: dict[str, list[str]] = {}  # pinyin keys the workers computed
        self._queue: queue.Queue[_Pending | None] | None = None
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    def write_paragraph(self, doc_id: str, source: dict[str, Any]) -> None:
        self.para_deletes.discard(doc_id)
        self.updates.pop(doc_id, None)
        old = self.para_writes.get(doc_id)
        if old is not None:
            self.plus.subtract(old.get("han") or ())
        self.para_writes[doc_id] = source
        self.plus.update(source.get("han") or ())
        self.bytes += 3 * len(source.get("text", "")) + 200

    def delete_paragraph(self, doc_id: str) -> None:
        self.updates.pop(doc_id, None)
        old = self.para_writes.pop(doc_id, None)
        if old is not None:
            self.plus.subtract(old.get("han") or ())
        self.para_deletes.add(doc_id)

    def write_article(self, doc_id: str, source: dict[str, Any]) -> None:
        self.art_deletes.discard(doc_id)
        self.updates.pop(doc_id, None)
        self.art_writes[doc_id] = source
        self.bytes += 500

    def delete_article(self, doc_id: str) -> None:
        self.art_writes.pop(doc_id, None)
        self.updates.pop(doc_id, None)
        self.art_deletes.add(doc_id)

    def update(self, doc_id: str, fields: dict[str, Any]) -> None:
        """A partial update of a document that exists (or is written in this batch)."""
        for pending in (self.para_writes, self.art_writes):
            if doc_id in pending:
                pending[doc_id].update(fields)
                return
        self.updates.setdefault(doc_id, {}).update(fields)

    @property
    def paragraphs(self) -> int:
        return len(self.para_writes) + len(self.para_deletes)

    def full(self) -> bool:
        return self.paragraphs >= FLUSH_PARAGRAPHS or self.bytes >= FLUSH_BYTES

    def empty(self) -> bool:
        return not (
            self.para_writes
            or self.para_deletes
            or self.art_writes
            or self.art_deletes
            or self.updates
        )

    def flush(self) -> None:
        """Write the waiting documents: now, or with a background writer (see
        :meth:`start_background`) by handing them over and going on."""
        if self.empty():
            return
        pending = _Pending(
            self.para_writes, self.para_deletes, self.art_writes, self.art_deletes, self.updates
        )
        self.para_writes, self.para_deletes = {}, set()
        self.art_writes, self.art_deletes, self.updates = {}, set(), {}
        self.bytes = 0
        if self._queue is None:
            self._write(pending)
            return
        self._raise_failure()
        self._queue.put(pending)  # blocks while one batch waits and one is being written

    def _write(self, pending: _Pending) -> None:
        replaced = list(pending.para_deletes) + list(pending.para_writes)
        if self.fresh:  # only what this writer wrote before can be there
            replaced = [i for i in replaced if _aid_of(i) in self.written]
        if replaced:
            for doc in store.mget(self.conn, replaced, ["han"]).values():
                self.minus.update(doc.get("han") or ())
        if not self.marked and (pending.para_writes or pending.para_deletes):
            mark_lexicon(self.bulk, dirty=True)
            self.marked = True
        actions: list[dict[str, Any]] = [
            {"_op_type": "delete", "_id": doc_id} for doc_id in sorted(pending.para_deletes)
        ]
        actions += [
            {"_op_type": "index", "_id": doc_id, "_source": source}
            for doc_id, source in pending.para_writes.items()
        ]
        self.bulk.run(actions)
        self.written.update(_aid_of(i) for i in pending.para_writes)
        actions = [{"_op_type": "delete", "_id": doc_id} for doc_id in sorted(pending.art_deletes)]
        actions += [
            {"_op_type": "index", "_id": doc_id, "_source": source}
            for doc_id, source in pending.art_writes.items()
        ]
        self.bulk.run(actions)
        self.bulk.run(
            [
                {"_op_type": "update", "_id": doc_id, "doc": fields}
                for doc_id, fields in pending.updates.items()
            ]
        )

    # -- the background writer -------------------------------------------------------

    def start_background(self) -> None:
        """From now on :meth:`flush` hands batches to a thread that writes them in
        order while the caller prepares the next (analysis and the cluster's indexing
        overlap); :meth:`drain` waits for it, and raises what it raised."""
        self._queue = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._background, name="g60-bulk", daemon=True)
        self._thread.start()

    def _background(self) -> None:
        assert self._queue is not None
        while True:
            pending = self._queue.get()
            try:
                if pending is None:
                    return
                if self._failure is None:  # after a failure nothing more is written
                    self._write(pending)
            except BaseException as exc:
                self._failure = exc
            finally:
                self._queue.task_done()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def drain(self) -> None:
        """Wait until every handed-over batch is written (and raise its failure)."""
        if self._queue is not None:
            self._queue.join()
        self._raise_failure()

    def close(self) -> None:
        """Stop the background writer (after the batches it holds)."""
        if self._queue is None or self._thread is None:
            return
        self._queue.join()
        self._queue.put(None)
        self._thread.join()
        self._queue, self._thread = None, None

    def write_lexicon(self, recount: bool) -> None:
        """Apply the run's counts to the lexicon documents (after the last flush), or,
        when an earlier writer died with the lexicon marked, count every word again."""
        if recount:
            recount_lexicon(self.conn, self.bulk)
        else:
            delta: Counter[str] = Counter()
            delta.update(self.plus)
            delta.subtract(self.minus)
            apply_lexicon(self.conn, self.bulk, {w: n for w, n in delta.items() if n}, self.keys_of)
        self.plus, self.minus = Counter(), Counter()
        if self.marked or recount:
            mark_lexicon(self.bulk, dirty=False)
            self.marked = False


def mark_lexicon(bulk: store.Bulk, dirty: bool) -> None:
    """Record in the index that a writer is changing the lexicon (cleared at its end)."""
    bulk.run(
        [
            {
                "_op_type": "update",
                "_id": META_ID,
                "doc": {"kind": "meta", "lexicon_dirty": dirty},
                "doc_as_upsert": True,
            }
        ]
    )


def lexicon_dirty(conn: Connection) -> bool:
    found = store.mget(conn, [META_ID], ["lexicon_dirty"]).get(META_ID) or {}
    return bool(found.get("lexicon_dirty"))


def apply_lexicon(
    conn: Connection,
    bulk: store.Bulk,
    delta: dict[str, int],
    keys_of: dict[str, list[str]] | None = None,
) -> None:
    """Add ``delta`` (word -> paragraphs) to the lexicon documents."""
    words = sorted(delta)
    for start in range(0, len(words), store.MGET_CHUNK):
        chunk = words[start : start + store.MGET_CHUNK]
        stored = store.mget(conn, [word_doc_id(w) for w in chunk], ["df", "keys"])
        actions: list[dict[str, Any] | None] = []
        for word in chunk:
            old = stored.get(word_doc_id(word))
            df = (old.get("df", 0) if old else 0) + delta[word]
            actions.append(_lexicon_action(word, df, old, (keys_of or {}).get(word)))
        bulk.run([a for a in actions if a is not None])


def _lexicon_action(
    word: str, df: int, old: dict[str, Any] | None, keys: list[str] | None = None
) -> dict[str, Any] | None:
    if df <= 0:
        return None if old is None else {"_op_type": "delete", "_id": word_doc_id(word)}
    if keys is None:
        keys = (old or {}).get("keys")
    if keys is None:
        keys = list(pinyin.keys(word))
    return {
        "_op_type": "index",
        "_id": word_doc_id(word),
        "_source": {"kind": "lex", "word": word, "keys": keys, "df": df},
    }


def recount_lexicon(conn: Connection, bulk: store.Bulk) -> None:
    """Every word's paragraph count from the paragraphs themselves (a composite
    aggregation over ``han``), written over the lexicon."""
    counts = {
        key["han"]: n
        for key, n in store.composite(conn, {"term": {"kind": "p"}}, [("han", "han")])
        if key["han"] is not None
    }
    stored = {
        doc["word"]: doc
        for doc in store.scan(conn, {"term": {"kind": "lex"}}, ["word", "df", "keys"], ["word"])
    }
    actions = []
    for word in sorted(set(counts) | set(stored)):
        old = stored.get(word)
        df = counts.get(word, 0)
        if old is not None and old.get("df") == df:
            continue
        action = _lexicon_action(word, df, old)
        if action is not None:
            actions.append(action)
    for start in range(0, len(actions), 5000):
        bulk.run(actions[start : start + 5000])


def _copy_order(info: Info) -> tuple[str, str]:
    """Which copy takes a deleted original's place (the reference's order)."""
    return (info.published or "9999", info.path)


@dataclass
class Writer:
    """One write operation's state (see the module docstring)."""

    conn: Connection
    catalog: Catalog
    batch: Batch
    report: UpdateReport = field(default_factory=UpdateReport)
    touched_clusters: set[str] = field(default_factory=set)
    orphaned: set[str] = field(default_factory=set)  # text keys whose original changed
    next_seq: int | None = None
    recount_lexicon: bool = False

    def new_seq(self) -> int:
        """The next place in indexing order (after every stored article's)."""
        if self.next_seq is None:
            found = {}
            with self.conn.call("reading the index") as client:
                found = client.search(
                    index=self.conn.target.index,
                    body={"size": 0, "aggs": {"m": {"max": {"field": "seq"}}}},
                )
            top = found["aggregations"]["m"].get("value")
            self.next_seq = int(top) + 1 if top is not None else 1
        seq = self.next_seq
        self.next_seq += 1
        return seq

    # -- articles ------------------------------------------------------------------------

    def put(self, item: AnalysedArticle, src: str, keep_cluster: bool) -> int:
        """Write one analysed article, as the original of its text or as a copy;
        returns its paragraphs (0 for a copy). ``keep_cluster``: a replaced article
        keeps its reprint cluster."""
        article = item.article
        aid = article.id
        prev = self.catalog.infos.get(aid)
        cluster = prev.cluster if (prev is not None and keep_cluster) else None
        if prev is not None:
            self.catalog.drop(aid)
            if prev.copy_of is None and self.catalog.copies.get(prev.tkey):
                self.orphaned.add(prev.tkey)
            if prev.cluster:
                self.touched_clusters.add(prev.cluster)
        tkey = article.text_key
        self.catalog.ensure_tkeys([tkey])
        original = self.catalog.canon.get(tkey)
        old_paras = set(prev.paras) if prev is not None else set()
        seq = prev.seq if (prev is not None and prev.seq) else self.new_seq()
        info = Info(
            seq=seq,
            aid=aid,
            src=item.meta["src"],
            fhash=article.file_hash,
            tkey=tkey,
            copy_of=original,
            paras=[] if original else [p.number for p in article.paragraphs],
            published=article.published,
            path=item.meta["path"],
            cluster=None if original else cluster,
            rank=None,
            src_raw=item.meta.get("src_raw"),
            outlet=article.outlet,
            source_credit=article.source_credit,
            title=article.title,
        )
        if cluster and not original:
            self.touched_clusters.add(cluster)
        for number in sorted(old_paras - set(info.paras)):
            self.batch.delete_paragraph(paragraph_doc_id(aid, number))
        source: dict[str, Any] = {
            **item.shared,
            "kind": "a",
            "src": info.src,
            "fhash": info.fhash,
            "tkey": tkey,
            "paras": info.paras,
            "npara": len(article.paragraphs),
            "enriched": not info.paras,
            "meta": item.meta,
            "seq": seq,
        }
        if original is not None:
            source["copy_of"] = original
            source["copy_paras"] = {"items": [[p.number, p.text] for p in article.paragraphs]}
        else:
            if cluster:
                source["cluster"] = cluster
            for para in item.paragraphs:
                doc = {**para, **item.shared, "seq": seq}
                if cluster:
                    doc["cluster"] = cluster
                self.batch.write_paragraph(paragraph_doc_id(aid, para["para"]), doc)
        self.batch.write_article(article_doc_id(aid), source)
        self.catalog.add(info)
        return len(info.paras)

    def remove(self, aids: Iterable[str]) -> int:
        """Delete articles (and their paragraphs); an original's first copy takes its
        place at once. Returns how many existed."""
        removed = 0
        for aid in list(dict.fromkeys(aids)):
            info = self.catalog.drop(aid)
            if info is None:
                continue
            removed += 1
            self.batch.delete_article(article_doc_id(aid))
            for number in info.paras:
                self.batch.delete_paragraph(paragraph_doc_id(aid, number))
            if info.cluster:
                self.touched_clusters.add(info.cluster)
            if info.copy_of is None and info.tkey not in self.catalog.canon:
                self.catalog.ensure_tkeys([info.tkey])
                copies = [self.catalog.infos[c] for c in self.catalog.copies.get(info.tkey, ())]
                if copies:
                    self._promote(sorted(copies, key=_copy_order))
        return removed

    def _promote(self, copies: list[Info]) -> None:
        """The first of ``copies`` becomes the original (indexed from its stored
        paragraphs), the others its copies."""
        first = copies[0]
        doc = self.batch.art_writes.get(article_doc_id(first.aid))  # not written yet
        if doc is None:
            self.batch.drain()  # it may be in the batch being written
            doc = store.mget(self.conn, [article_doc_id(first.aid)], True).get(
                article_doc_id(first.aid)
            )
        if doc is None:
            return
        items = (doc.get("copy_paras") or {}).get("items") or []
        article = article_from_meta(doc.get("meta") or {}, paragraphs_of([tuple(i) for i in items]))
        self.catalog.drop(first.aid)
        item = analyse_article(article, first.src)
        item.meta.update({k: v for k, v in (doc.get("meta") or {}).items() if k.endswith("_raw")})
        self.report.paragraphs += self.put(item, first.src, keep_cluster=False)
        for other in copies[1:]:
            self._point(other, first.aid)

    def _point(self, info: Info, original: str) -> None:
        if info.copy_of == original:
            return
        info.copy_of = original
        self.batch.update(article_doc_id(info.aid), {"copy_of": original})

    def settle(self) -> None:
        """Copies whose original changed text: they point to the article that holds
        their text now, or the first of them becomes the original."""
        orphaned, self.orphaned = self.orphaned, set()
        for tkey in sorted(orphaned):
            self.catalog.ensure_tkeys([tkey])
            copies = sorted(
                (self.catalog.infos[c] for c in self.catalog.copies.get(tkey, ())),
                key=_copy_order,
            )
            if not copies:
                continue
            original = self.catalog.canon.get(tkey)
            if original is not None:
                for info in copies:
                    self._point(info, original)
            else:
                self._promote(copies)

    def fix_ranks(self) -> None:
        """Recompute the ranks of the members of every touched cluster."""
        touched, self.touched_clusters = self.touched_clusters, set()
        if not touched:
            return
        for _cluster, members in self.catalog.members(touched).items():
            ranks = story_ranks(members)
            for info in members:
                self.set_cluster(info, info.cluster, ranks[info.aid])

    def set_cluster(self, info: Info, cluster: str | None, rank: int | None) -> bool:
        """Store an article's cluster and rank (on it and its paragraphs) when they
        changed; returns whether they did."""
        if info.cluster == cluster and info.rank == rank:
            return False
        info.cluster, info.rank = cluster, rank
        fields = {
            "cluster": cluster,
            "crank": rank,
            "ckey": f"{cluster}#{rank}" if cluster and rank is not None else None,
        }
        self.batch.update(article_doc_id(info.aid), fields)
        for number in info.paras:
            self.batch.update(paragraph_doc_id(info.aid, number), fields)
        return True

    def absorb(self, result: FileResult) -> None:
        """One file read by a worker: its vanished articles go, the others are written."""
        report = self.report
        report.failed.extend(result.errors)
        self.batch.keys_of.update(result.keys)
        old_ids = list(self.catalog.by_src.get(_src_key(result.src), ()))
        new_ids = {a.article.id for a in result.articles}
        report.removed += self.remove([a for a in old_ids if a not in new_ids])
        for item in result.articles:
            if item.article.id in old_ids:
                report.updated += 1
            else:
                report.added += 1
            added = self.put(item, result.src, keep_cluster=True)
            report.paragraphs += added
            if added == 0 and item.article.paragraphs:
                report.duplicates += 1


def _aid_of(paragraph_id: str) -> str:
    return paragraph_id[2 : paragraph_id.rindex("|")]


def _src_key(src: str) -> str:
    from .documents import safe

    return safe(src)


def story_ranks(members: list[Info]) -> dict[str, int | None]:
    """Each member's place in its story, earliest first (the reference's order); no
    place for an article alone in its cluster (it is no story)."""
    if len(members) < 2:
        return {m.aid: None for m in members}
    order = earliest_first(members)  # the article fields it reads are on Info
    return {m.aid: k for k, m in enumerate(order)}
