"""Compaction after the entity pass (``compact.py``) and the merge's per-document copy
(``FastWriter.write_per_doc``): fewer segments, the same documents and answers."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from whoosh.writing import SegmentWriter

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import EntitySpan
from g60_reader.index.backends.whoosh import _compat, compact, store
from g60_reader.index.backends.whoosh import enrich as enrich_module
from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.index.backends.whoosh.writer import FastWriter, _commit_segments
from g60_reader.index.contract import COMPACTING
from g60_reader.index.errors import Cancelled
from tests.contract.conftest import write_corpus

PLACES = ("北京", "上海", "杭州", "嘉兴", "深圳", "广州", "香港", "台北")
QUERIES = (
    "北京",
    "上海 发展",
    '"经济"',
    "place:杭州",
    "place:北",
    "经济 OR 文化 OR 科技",
    "jingji",
    "臺灣",
    "-上海 北京",
)


def places(text: str, folded: str) -> list[EntitySpan]:
    """Place names by string search (module level: the workers import it)."""
    out = []
    for name in PLACES:
        at = folded.find(fold(name))
        while at >= 0:
            out.append(EntitySpan(at, at + len(name), "place", text[at : at + len(name)]))
            at = folded.find(fold(name), at + len(name))
    return sorted(out, key=lambda e: e.start)


def _segments(index_dir: Path) -> list[int]:
    ix = store.open_index(index_dir)
    return sorted(s.doc_count_all() for s in _compat.index_segments(ix) if s.doc_count() > 0)


def _answers(index_dir: Path) -> dict[str, tuple]:
    """Every query's matches: (total, articles, the hits as (article, paragraph, spans),
    sorted: merged segments number documents differently, so equal scores may come in
    another order)."""
    b = WhooshBackend(index_dir)
    try:
        out = {}
        for q in QUERIES:
            r = b.search(q, pagelen=1000)
            assert r.error is None, (q, r.error)
            hits = sorted((h.article_id, h.paragraph, h.spans, h.text) for h in r.hits)
            out[q] = (r.total, r.articles, hits)
        return out
    finally:
        b.close()


def _documents(index_dir: Path) -> list[dict]:
    ix = store.open_index(index_dir)
    with ix.searcher() as s:
        docs = [s.stored_fields(d) for d in s.reader().all_doc_ids()]
    return sorted(docs, key=lambda f: (f["aid"], f.get("para", 0)))


@pytest.fixture
def lean(tmp_path: Path) -> Path:
    """A searchable, not yet enriched index of a mixed folder (text files in both
    scripts, a JSON-lines dump, the sample article)."""
    corpus = write_corpus(tmp_path / "src")
    index_dir = tmp_path / "lean"
    store.update(index_dir, [corpus], procs=1)
    return index_dir


def _enriched(lean: Path, to: Path, monkeypatch, *, compact_at: int, procs: int) -> Path:
    shutil.copytree(lean, to)
    monkeypatch.setattr(compact, "COMPACT_SEGMENTS", compact_at)
    monkeypatch.setattr(enrich_module, "ENRICH_POOL_ARTICLES", 2)
    monkeypatch.setattr(enrich_module, "ENRICH_BATCH_PARAGRAPHS", 60)  # many commits
    monkeypatch.setattr(enrich_module, "WORKER_BATCHES", 1)
    assert store.enrich(to, places, procs=procs) > 0
    return to


def test_groups_balance_documents_and_leave_a_compact_index_alone(monkeypatch):
    monkeypatch.setattr(compact, "COMPACT_SEGMENTS", 3)
    assert compact.compaction_groups({"a": 5, "b": 5, "c": 5}, 2) == []
    sizes = {"a": 50, "b": 40, "c": 30, "d": 20, "e": 10, "f": 10}
    groups = compact.compaction_groups(sizes, 2)
    assert sorted(sorted(g) for g in groups) == [["a", "d", "e"], ["b", "c", "f"]]
    assert sorted(sum(sizes[s] for s in g) for g in groups) == [80, 80]
    # one worker: everything into one segment
    assert compact.compaction_groups(sizes, 1) == [["a", "b", "c", "d", "e", "f"]]
    # no merged segment past COMPACT_MAX_DOCS: more groups than workers
    monkeypatch.setattr(compact, "COMPACT_MAX_DOCS", 60)
    groups = compact.compaction_groups(sizes, 2)
    assert len(groups) == 3 and all(sum(sizes[s] for s in g) <= 60 for g in groups)
    # a group of one segment has nothing to merge and is left out
    monkeypatch.setattr(compact, "COMPACT_MAX_DOCS", 45)
    groups = compact.compaction_groups(sizes, 2)
    assert all(len(g) > 1 for g in groups)
    assert not any("a" in g for g in groups)  # 50 documents: a group of its own


def test_the_pool_compacts_into_one_segment_per_worker_with_the_same_answers(
    lean, tmp_path, monkeypatch
):
    many = _enriched(lean, tmp_path / "many", monkeypatch, compact_at=10**6, procs=2)
    few = _enriched(lean, tmp_path / "few", monkeypatch, compact_at=2, procs=2)
    assert len(_segments(many)) > 4
    assert len(_segments(few)) == 2
    assert sum(_segments(few)) == sum(_segments(many))
    assert _documents(few) == _documents(many)
    assert _answers(few) == _answers(many)
    assert _answers(few)["place:杭州"][0] > 0
    # a later run with nothing to do leaves the compact index as it is
    generation = store.open_index(few).latest_generation()
    assert store.enrich(few, places, procs=2) == 0
    assert len(_segments(few)) == 2
    assert store.open_index(few).latest_generation() == generation + 1  # the final commit


def test_more_groups_than_workers_make_a_segment_each(lean, tmp_path, monkeypatch):
    """Past COMPACT_MAX_DOCS the groups outnumber the workers: they are merged in rounds,
    one segment per group."""
    from g60_reader.index.backends.whoosh import writer as writer_module

    # no MERGE_SMALL at the pass's last commit: segments of about one batch each
    monkeypatch.setattr(writer_module, "_merge_policy", writer_module._drop_dead)
    many = _enriched(lean, tmp_path / "many", monkeypatch, compact_at=10**6, procs=2)
    sizes = {str(k): v for k, v in enumerate(_segments(many))}
    monkeypatch.setattr(compact, "COMPACT_MAX_DOCS", sum(sizes.values()) // 4)
    monkeypatch.setattr(compact, "COMPACT_SEGMENTS", 2)
    groups = compact.compaction_groups(sizes, 2)
    assert len(groups) > 2 and all(len(g) > 1 for g in groups)
    capped = _enriched(lean, tmp_path / "capped", monkeypatch, compact_at=2, procs=2)
    after = _segments(capped)
    singles = len(sizes) - sum(len(g) for g in groups)
    assert len(after) == len(groups) + singles
    assert sum(after) == sum(sizes.values())
    assert sorted(after) == sorted(
        [sum(sizes[s] for s in g) for g in groups]
        + [v for k, v in sizes.items() if not any(k in g for g in groups)]
    )
    assert _answers(capped) == _answers(many)


def test_one_process_compacts_into_one_segment(lean, tmp_path, monkeypatch):
    many = _enriched(lean, tmp_path / "many", monkeypatch, compact_at=10**6, procs=1)
    one = _enriched(lean, tmp_path / "one", monkeypatch, compact_at=2, procs=1)
    assert len(_segments(many)) > 2
    assert len(_segments(one)) == 1
    assert _documents(one) == _documents(many)
    assert _answers(one) == _answers(many)


def test_a_stopped_compaction_keeps_the_index_and_the_next_run_finishes_it(
    lean, tmp_path, monkeypatch
):
    reference = _enriched(lean, tmp_path / "ref", monkeypatch, compact_at=10**6, procs=2)
    index_dir = tmp_path / "stopped"
    shutil.copytree(lean, index_dir)
    monkeypatch.setattr(compact, "COMPACT_SEGMENTS", 2)
    stop = threading.Event()
    phases: list[str] = []

    def progress(done: int, total: int, what: str) -> None:
        if what == COMPACTING:
            phases.append(what)
            assert done == total
            stop.set()

    with pytest.raises(Cancelled):
        store.enrich(index_dir, places, procs=2, progress=progress, cancel=stop)
    assert phases == [COMPACTING]
    # every paragraph enriched and searchable, in the pass's segments
    assert len(_segments(index_dir)) > 2
    assert _documents(index_dir) == _documents(reference)
    assert _answers(index_dir) == _answers(reference)
    assert not list(index_dir.glob(".tmp-*"))
    # the next entity run has nothing to enrich and compacts
    assert store.enrich(index_dir, places, procs=2) == 0
    assert len(_segments(index_dir)) == 2
    assert _answers(index_dir) == _answers(reference)


def _merge_all(index_dir: Path) -> None:
    """Merge every segment of the index into one, in this process."""
    ix = store.open_index(index_dir)
    writer = FastWriter(ix, timeout=0.0)
    ids = [s.segment_id() for s in writer.segments]
    compact.merge_segments(writer, ids)
    _commit_segments(writer, [], merge=False, drop=False, replaced=set(ids))


def _segment_files(index_dir: Path) -> dict[str, bytes]:
    """The one segment's files by extension (the segment name left out)."""
    ix = store.open_index(index_dir)
    (seg,) = _compat.index_segments(ix)
    name = seg.segment_id()
    return {
        p.name[len(name) :]: p.read_bytes() for p in index_dir.iterdir() if p.name.startswith(name)
    }


def test_the_fast_copy_of_stored_fields_and_lengths_writes_what_whoosh_writes(
    lean, tmp_path, monkeypatch
):
    """Merging with ``FastWriter.write_per_doc`` (stored fields copied still compressed,
    lengths read a column at a time) and with Whoosh's own loop (every document decoded
    and encoded again): the same segment files, but for the stored fields' bytes, whose
    documents decode the same; the same field-length totals."""
    src = _enriched(lean, tmp_path / "sources", monkeypatch, compact_at=10**6, procs=1)
    # deletions in the sources: the merge must leave the deleted documents out
    ix = store.open_index(src)
    w = FastWriter(ix, timeout=0.0)
    w.delete_by_term("aid", _documents(src)[0]["aid"])
    _commit_segments(w, [], merge=False, drop=False)
    assert store.open_index(src).doc_count_all() > store.open_index(src).doc_count()
    fast, slow = tmp_path / "fast", tmp_path / "slow"
    shutil.copytree(src, fast)
    shutil.copytree(src, slow)
    _merge_all(fast)
    monkeypatch.setattr(FastWriter, "write_per_doc", SegmentWriter.write_per_doc)
    _merge_all(slow)
    fast_files, slow_files = _segment_files(fast), _segment_files(slow)
    assert fast_files.keys() == slow_files.keys()
    assert "._stored.col" in fast_files and "._body_len.col" in fast_files
    for ext in fast_files:
        if ext != "._stored.col":
            assert fast_files[ext] == slow_files[ext], ext
    assert _documents(fast) == _documents(slow)
    (fseg,) = _compat.index_segments(store.open_index(fast))
    (sseg,) = _compat.index_segments(store.open_index(slow))
    assert fseg.doc_count_all() == sseg.doc_count_all() == store.open_index(src).doc_count()
    assert fseg._fieldlengths == sseg._fieldlengths
    assert _answers(fast) == _answers(slow)
