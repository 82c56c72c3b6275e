"""Building and updating: skip unchanged, replace changed, prune, rebuild, the lock,
cancellation, batches and worker processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.writing import SegmentWriter

from g60_reader.index import analyzer
from g60_reader.index.backends.whoosh import build, store
from g60_reader.index.backends.whoosh.schema import G60Codec
from g60_reader.index.backends.whoosh.search import WhooshBackend

ARTICLES = {
    "a.txt": "嘉兴新闻\n\n嘉兴市召开科技大会。\n\n会议讨论长三角一体化。\n",
    "b.txt": "杭州新闻\n\n杭州举办数字经济论坛。\n\n零跑汽车发布新车。\n",
    "c.txt": "金华新闻\n\n金华推进G60科创走廊建设。\n",
}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def hits(index_dir: Path, query: str) -> set[tuple[str, int]]:
    b = WhooshBackend(index_dir)
    try:
        res = b.search(query, pagelen=100)
        assert res.ok, res.error
        return {(Path(h.path).name, h.paragraph) for h in res.hits}
    finally:
        b.close()


def count(index_dir: Path) -> tuple[int, int]:
    b = WhooshBackend(index_dir)
    try:
        st = b.stats()
        return st.articles, st.paragraphs
    finally:
        b.close()


def test_incremental_runs_analyse_only_what_changed(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    first = store.update(index_dir, [corpus], procs=1)
    assert (first.added, first.updated, first.unchanged, first.failed) == (3, 0, 0, [])
    assert count(index_dir) == (3, 5)

    before = analyzer.counters["paragraphs"]
    again = store.update(index_dir, [corpus], procs=1)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert analyzer.counters["paragraphs"] == before  # nothing analysed

    (corpus / "b.txt").write_text("杭州新闻\n\n杭州举办人工智能大会。\n", encoding="utf-8")
    touched = store.update(index_dir, [corpus], procs=1)
    assert (touched.added, touched.updated, touched.unchanged) == (0, 1, 2)
    assert analyzer.counters["paragraphs"] - before == 1  # only b.txt's one paragraph
    assert hits(index_dir, "零跑") == set()
    assert hits(index_dir, "人工智能") == {("b.txt", 1)}
    assert count(index_dir) == (3, 4)


def test_prune_removes_articles_of_deleted_files(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], procs=1)
    (corpus / "c.txt").unlink()
    kept = store.update(index_dir, [corpus], procs=1)
    assert kept.removed == 0 and count(index_dir) == (3, 5)  # no --prune: kept
    pruned = store.update(index_dir, [corpus], procs=1, prune=True)
    assert pruned.removed == 1
    assert hits(index_dir, "金华") == set()
    assert count(index_dir) == (2, 4)


def test_rebuild_starts_afresh(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], procs=1)
    only_a = corpus / "a.txt"
    report = store.update(index_dir, [only_a], procs=1, rebuild=True)
    assert report.added == 1
    assert count(index_dir) == (1, 2)
    assert hits(index_dir, "杭州") == set()


def test_failures_are_reported_per_file(tmp_path, corpus):
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02 binary \xff\xfe" * 50)
    report = store.update(tmp_path / "ix", [corpus, tmp_path / "missing.txt"], procs=1)
    failed = dict(report.failed)
    assert set(failed) == {str(corpus / "bad.txt"), str(tmp_path / "missing.txt")}
    assert all(reason and "\n" not in reason for reason in failed.values())
    assert report.added == 3


def test_worker_processes_build_the_same_index(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(build, "INPROCESS_BYTES", 0)
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    store.update(serial, [corpus], procs=1)
    before = analyzer.counters["paragraphs"]
    report = store.update(parallel, [corpus], procs=2)
    assert report.added == 3 and report.paragraphs == 5
    assert analyzer.counters["paragraphs"] - before == 5  # counted in the workers
    for query in ("嘉兴", "长三角", "零跑", "科创走廊", "jiaxing", "title:杭州"):
        assert hits(serial, query) == hits(parallel, query)
    assert count(parallel) == (3, 5)
    assert not list(parallel.glob(".tmp-*"))


def test_batches_commit_progress_and_interrupt_keeps_it(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    calls = []

    def interrupt_after_two(done, total, message):
        calls.append(done)
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.update(index_dir, [corpus], procs=1, batch_bytes=1, progress=interrupt_after_two)
    # the first file's batch was committed before the interruption
    assert count(index_dir) == (1, 2)
    report = store.update(index_dir, [corpus], procs=1)
    assert (report.added, report.unchanged) == (2, 1)
    assert count(index_dir) == (3, 5)


def test_cancel_leaves_the_committed_index(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus / "a.txt"], procs=1)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(store.Cancelled):
        store.update(index_dir, [corpus], procs=1, cancel=cancel)
    assert count(index_dir) == (1, 2)
    assert hits(index_dir, "嘉兴") == {("a.txt", 1)}


def test_second_writer_in_another_process_is_busy(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus / "a.txt"], procs=1)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from g60_reader.index.backends.whoosh.store import WriteLock
                lock = WriteLock(Path({str(index_dir)!r}))
                lock.acquire()
                print("locked", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(store.IndexBusy, match="index is busy"):
            store.update(index_dir, [corpus], procs=1)
        # --wait: succeeds once the other writer is done
        result = {}

        def waiting():
            result["report"] = store.update(index_dir, [corpus], procs=1, wait=True)

        t = threading.Thread(target=waiting)
        t.start()
        time.sleep(0.5)
        assert t.is_alive()  # still waiting for the lock
        holder.stdin.write("\n")
        holder.stdin.flush()
        t.join(timeout=60)
        assert result["report"].added == 2
    finally:
        holder.kill()
        holder.wait()


def test_add_and_delete_articles_directly(tmp_path):
    from g60_reader.corpus.readers import load_sample

    index_dir = tmp_path / "ix"
    article = load_sample()
    report = store.add_articles(index_dir, [article])
    assert report.added == 1
    assert store.add_articles(index_dir, [article]).updated == 1
    assert count(index_dir) == (1, len(article.paragraphs))
    assert store.delete_articles(index_dir, [article.id, "missing"]) == 1
    assert count(index_dir) == (0, 0)


class PlainCodec(G60Codec):
    """Whoosh's own W3 field writer (module level: the codec is pickled in the TOC)."""

    def field_writer(self, storage, segment):
        return W3FieldWriter(self, storage, segment)


class PlainWriter(SegmentWriter):
    def __init__(self, ix, **kwargs):
        kwargs["codec"] = PlainCodec()
        super().__init__(ix, **kwargs)


def test_fast_writer_writes_what_whoosh_would(tmp_path, corpus, monkeypatch):
    """Our writer (postings grouped by term, inlined short lists) stores exactly the
    postings Whoosh's own SegmentWriter and W3 field writer store for the same docs."""
    from whoosh import index as windex

    from g60_reader.index.backends.whoosh.packed import is_packed

    (corpus / "d.txt").write_text(
        "重复\n\n" + "长三角长三角，科创走廊科创走廊。" * 40 + "\n", encoding="utf-8"
    )
    store.update(tmp_path / "fast", [corpus], procs=1)
    monkeypatch.setattr(build, "FastWriter", PlainWriter)
    store.update(tmp_path / "plain", [corpus], procs=1)
    fast = windex.open_dir(str(tmp_path / "fast"), store.INDEX_NAME)
    plain = windex.open_dir(str(tmp_path / "plain"), store.INDEX_NAME)
    with fast.reader() as a, plain.reader() as b:
        terms = list(a.all_terms())
        assert terms == list(b.all_terms())
        assert any(a.doc_frequency(f, t) >= 4 for f, t in terms)  # block path used too
        for fieldname, text in terms:
            ia, ib = a.term_info(fieldname, text), b.term_info(fieldname, text)
            assert (ia.weight(), ia.doc_frequency(), ia.max_weight()) == (
                ib.weight(),
                ib.doc_frequency(),
                ib.max_weight(),
            )
            if not is_packed(a.schema[fieldname]):  # the packed format keeps no lengths
                assert (ia.min_length(), ia.max_length()) == (ib.min_length(), ib.max_length())
            kind = "positions" if fieldname in ("body", "title", "outlet") else "weight"
            assert list(a.postings(fieldname, text).items_as(kind)) == list(
                b.postings(fieldname, text).items_as(kind)
            )


def test_a_directory_with_other_files_is_never_wiped(tmp_path, corpus):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "diary.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(store.IndexUnavailable, match="not an index directory"):
        store.update(precious, [corpus], procs=1)
    assert (precious / "diary.txt").read_text(encoding="utf-8") == "keep me"


def _no_entities(text: str, folded: str) -> list:
    return []


def test_lean_first_pass_is_searchable_and_the_entity_pass_adds_words(tmp_path, corpus):
    lean, full = tmp_path / "lean", tmp_path / "full"
    before = analyzer.counters["segment"]
    store.update(lean, [corpus], segment=False)
    assert analyzer.counters["segment"] == before  # no jieba in the lean pass
    store.update(full, [corpus], segment=True)
    # every substring is searchable at once, pinyin too (from the bigrams, without
    # the lexicon: tests/index/test_pinyin_bigrams.py)
    for query in ("嘉兴", "长三角一体化", '"数字经济"', "G60", "hangzhou"):
        assert hits(lean, query) == hits(full, query) != set()
    assert store.load_lexicon(lean) == {}

    assert store.enrich(lean, _no_entities) == 5
    assert analyzer.counters["segment"] > before
    assert hits(lean, "hangzhou") == hits(full, "hangzhou") != set()
    assert set(store.load_lexicon(lean)) == set(store.load_lexicon(full))
    b = WhooshBackend(lean)
    try:
        assert b.stats().enriched_paragraphs == 5
        assert [h.paragraph for h in b.search("一体化").hits] == [2]
    finally:
        b.close()


def test_entity_pass_leaves_no_dead_segments_behind(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], procs=1, batch_bytes=1)  # one segment per file
    assert len(store.open_index(index_dir)._segments()) == 3
    expected = {q: hits(index_dir, q) for q in ("嘉兴", "长三角", "G60")}
    live: list[list[int]] = []

    def look(done, total, message):  # between batches: earlier batches are committed
        live.append([s.doc_count() for s in store.open_index(index_dir)._segments()])

    assert store.enrich(index_dir, _no_entities, batch_articles=1, progress=look) == 5
    assert len(live) == 4 and all(all(n > 0 for n in counts) for counts in live)
    segments = store.open_index(index_dir)._segments()
    # every document was replaced: the old segments are gone, not kept fully deleted
    assert all(s.doc_count() > 0 for s in segments)
    assert all(s.deleted_count() * 3 <= s.doc_count_all() for s in segments)
    assert sum(s.doc_count_all() for s in segments) == 3 + 5
    assert {q: hits(index_dir, q) for q in expected} == expected


def test_a_damaged_index_is_reported_and_kept_until_rebuild(tmp_path, corpus):
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus])
    biggest = max(index_dir.glob("MAIN_*.*"), key=lambda p: p.stat().st_size)
    with open(biggest, "r+b") as fh:
        fh.truncate(biggest.stat().st_size // 2)
    before = sorted((p.name, p.stat().st_size) for p in index_dir.iterdir())
    with pytest.raises(store.IndexDamaged, match="--rebuild"):
        WhooshBackend(index_dir).exists()
    with pytest.raises(store.IndexDamaged, match="--rebuild"):
        WhooshBackend(index_dir).search("长三角")
    with pytest.raises(store.IndexDamaged, match=biggest.name):
        store.update(index_dir, [corpus])
    after = sorted((p.name, p.stat().st_size) for p in index_dir.iterdir())
    assert [x for x in after if x[0] != store.LOCK_NAME] == [
        x for x in before if x[0] != store.LOCK_NAME
    ]
    store.update(index_dir, [corpus], rebuild=True)
    assert hits(index_dir, "长三角") == {("a.txt", 2)}


@pytest.mark.parametrize("where", ["magic", "directory"])
def test_a_packed_file_damaged_in_place_is_reported(tmp_path, corpus, where):
    """Same size, bad bytes (the manifest cannot see it): the packed postings' tail and
    directory are checked when the index is opened, and nothing is changed."""
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus])
    packed = max(index_dir.glob("MAIN_*.pkd"), key=lambda p: p.stat().st_size)
    data = bytearray(packed.read_bytes())
    if where == "magic":
        data[-1] ^= 0xFF
    else:  # the JSON directory just before the 16-byte tail
        data[-20] = ord("}") if data[-20] != ord("}") else ord("{")
    packed.write_bytes(bytes(data))
    before = sorted((p.name, p.stat().st_size) for p in index_dir.iterdir())
    with pytest.raises(store.IndexDamaged, match=packed.name):
        WhooshBackend(index_dir).search("长三角")
    with pytest.raises(store.IndexDamaged, match="--rebuild"):
        store.update(index_dir, [corpus])
    after = sorted((p.name, p.stat().st_size) for p in index_dir.iterdir())
    assert [x for x in after if x[0] != store.LOCK_NAME] == [
        x for x in before if x[0] != store.LOCK_NAME
    ]
    store.update(index_dir, [corpus], rebuild=True)
    assert hits(index_dir, "长三角") == {("a.txt", 2)}


def test_large_merges_in_the_main_process_spill_and_commit(tmp_path, corpus, monkeypatch):
    """A writer whose postings overflow to run files (a big merge or entity pass in the
    main process) commits and cleans up its spill directory."""
    original = store._TermPool.__init__

    def tiny(self, tempdir, limit=2_000_000, **kw):
        original(self, tempdir, limit=5, **kw)

    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], procs=1, batch_bytes=1)
    monkeypatch.setattr(store._TermPool, "__init__", tiny)
    assert store.enrich(index_dir, _no_entities, batch_articles=1) == 5
    assert not list(index_dir.glob(f"{store.INDEX_NAME}.tmp*"))
    assert hits(index_dir, "长三角一体化") == {("a.txt", 2)}


def _towns(text: str, folded: str) -> list:
    from g60_reader.corpus.model import EntitySpan

    return [
        EntitySpan(k, k + 2, "place", text[k : k + 2])
        for town in ("嘉兴", "杭州", "金华")
        for k in [folded.find(town)]
        if k >= 0
    ]


def test_term_statistics_of_packed_terms_across_segments(tmp_path, corpus):
    """Whoosh's MultiReader shifts the statistics of a term held by one segment by
    reading and writing its attributes (``_minid``), not its methods: the packed
    term infos decode them on that read too. Found by the entity listing of an index
    with several segments, which failed with an AttributeError."""
    index_dir = tmp_path / "ix"
    store.update(index_dir, [corpus], procs=1, batch_bytes=1)  # one segment per file
    store.enrich(index_dir, _towns, batch_articles=1)
    ix = store.open_index(index_dir)
    assert len(ix._segments()) > 1
    with ix.reader() as r:
        for fieldname, text in (("body", "杭州"), ("body", "金华"), ("place", "金华")):
            info = r.term_info(fieldname, text)
            m = r.postings(fieldname, text)
            ids = []
            while m.is_active():
                ids.append(m.id())
                m.next()
            assert ids and info.doc_frequency() == len(ids)
            assert (info.min_id(), info.max_id()) == (ids[0], ids[-1])
        assert {t for t, _i in r.iter_field("place")} == {
            b"\xe5\x98\x89\xe5\x85\xb4",
            "杭州".encode(),
            "金华".encode(),
        }
    b = WhooshBackend(index_dir)
    try:
        assert {name for name, _n in b.top_entities("place", 10)["place"]} == {
            "嘉兴",
            "杭州",
            "金华",
        }
    finally:
        b.close()


def test_the_article_metadata_cache_is_bounded_and_the_listing_keeps_none(
    tmp_path, corpus, monkeypatch
):
    """At 1M paragraphs the listing (every article, the reader's empty query) left all
    125k metadata dictionaries in the searcher's cache: 325 MB for as long as the index
    was open. Hits and pages still reuse what they read."""
    from g60_reader.index.backends.whoosh import search as search_mod

    store.update(tmp_path / "ix", [corpus])
    backend = WhooshBackend(tmp_path / "ix")
    try:
        listed = backend.list_articles()
        assert len(listed) == len(ARTICLES) > 2
        view = backend._view()
        assert len(view._meta) == 0
        monkeypatch.setattr(search_mod, "META_CACHE", 2)
        for parent in view.parents:
            assert view.meta(parent) == view.searcher.stored_fields(parent)["meta"]
        assert list(view._meta) == list(view.parents)[-2:]  # the last two read
        assert [a.article_id for a in backend.list_articles()] == [a.article_id for a in listed]
    finally:
        backend.close()
