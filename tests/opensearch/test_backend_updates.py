"""Writing to OpenSearch: incremental updates by path and hash, prune, rebuild, the bundled
sample, exact duplicates, cancel and resume, the entity pass's resume, the writer lease.

Every step is done to the OpenSearch backend and to the memory backend (the reference) on
the same folder, and the two must agree afterwards (hit sets with spans, counts, articles,
copies, pinyin expansions).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from g60_reader.index.backends.opensearch import backend as backend_module
from g60_reader.index.backends.opensearch import ingest
from g60_reader.index.backends.opensearch.lock import WriterLock
from g60_reader.index.errors import Cancelled, IndexBusy
from g60_reader.index.registry import open_backend

from .test_backend import (
    RECORDS,
    assert_same,
    backend_at,
    hit_set,
    memory_twin,
    newsroom,
    one_line,
    raw_client,
)

pytestmark = pytest.mark.opensearch


@pytest.fixture
def backend(opensearch_url):
    yield from backend_at(opensearch_url)


@pytest.fixture
def room(tmp_path: Path) -> Path:
    return newsroom(tmp_path / "news")


def both(backend, reference, **update):
    """The same update on both backends; their reports agree on what was done."""
    paths = update.pop("paths")
    got = backend.update(paths, procs=1, **update)
    want = reference.update(paths, procs=1, **update)
    assert (got.added, got.updated, got.unchanged, got.removed) == (
        want.added,
        want.updated,
        want.unchanged,
        want.removed,
    )
    assert sorted(got.failed) == sorted(want.failed)
    return got


def versions(node: str, index: str) -> dict[str, int]:
    """Every document's ``_version`` (a rewrite raises it)."""
    client = raw_client(node)
    try:
        found = client.search(
            index=index,
            body={"size": 1000, "version": True, "_source": False, "query": {"match_all": {}}},
        )
        return {h["_id"]: h["_version"] for h in found["hits"]["hits"]}
    finally:
        client.close()


def test_incremental_updates_by_path_and_hash(opensearch_url, backend, room):
    reference = memory_twin()
    first = both(backend, reference, paths=[room])
    assert (first.added, first.duplicates, first.failed) == (7, 1, [])
    assert_same(backend, reference)
    before = versions(opensearch_url, backend.target.index)

    again = both(backend, reference, paths=[room])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 7)
    assert versions(opensearch_url, backend.target.index) == before  # nothing rewritten

    # one record changes, one goes: the dump is re-read, the pages are not
    records = [dict(RECORDS[0], content="浙江大学今天发布量子计算研究成果。"), RECORDS[2]]
    (room / "dump.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    changed = both(backend, reference, paths=[room])
    assert (changed.updated, changed.removed, changed.unchanged) == (2, 1, 4)
    assert_same(backend, reference, ["量子计算", "人工智能", "数字经济", "長三角", "杭州"])
    assert backend.search("人工智能").total == 0 and backend.search("量子").total == 1
    after = versions(opensearch_url, backend.target.index)
    pages = [i for i in before if i.startswith(("a|", "p|")) and i in after]
    rewritten = [i for i in pages if after[i] != before[i]]
    assert rewritten and all(  # only the dump's documents
        backend.article(i.split("|")[1]).article.path.endswith("dump.jsonl") for i in rewritten
    )
    for key in ("shuzi", "renggong", "liangzi", "zhejiang", "sz"):  # the lexicon followed
        assert backend.expand_pinyin(key) == reference.expand_pinyin(key), key


def test_prune_rebuild_and_the_sample(backend, room):
    from g60_reader.corpus.readers import SAMPLE_PATH

    reference = memory_twin()
    both(backend, reference, paths=[SAMPLE_PATH])
    sample_hits = hit_set(backend, "科創走廊")
    assert sample_hits and sample_hits == hit_set(reference, "科創走廊")
    dropped = both(backend, reference, paths=[room])  # the user's own articles arrive
    assert dropped.removed >= 1
    assert not any("000_" in a.path for a in backend.list_articles())
    assert_same(backend, reference)

    (room / "site" / "page1.html").unlink()
    kept = both(backend, reference, paths=[room])
    assert kept.removed == 0 and backend.search("零跑").total == 1
    pruned = both(backend, reference, paths=[room], prune=True)
    assert pruned.removed == 1 and backend.search("零跑").total == 0
    assert_same(backend, reference)

    uuid_before = _uuid(backend)
    rebuilt = both(backend, reference, paths=[room], rebuild=True)
    assert rebuilt.added == 6 and _uuid(backend) != uuid_before  # a new index
    assert_same(backend, reference)


def _uuid(backend) -> str:
    with backend.conn.call("test") as client:
        found = client.indices.get_settings(index=backend.target.index, name="index.uuid")
    return next(iter(found.values()))["settings"]["index"]["uuid"]


def test_exact_duplicates_and_their_promotion(backend, room):
    reference = memory_twin()
    both(backend, reference, paths=[room])
    original = backend.search("苏州工业园区", pagelen=50).hits[0]
    stored = backend.article(original.article_id)
    assert original.path.endswith("suzhou-copy.txt")  # read first (name order)
    assert [c.path for c in stored.copies] == [str(room / "suzhou.txt")]
    copy_id = stored.copies[0].article_id
    assert backend.article(copy_id).article.id == original.article_id  # a copy gives its original
    assert backend.delete([original.article_id, "no-such-id"]) == 1
    assert reference.delete([original.article_id]) == 1
    promoted = backend.search("苏州工业园区", pagelen=50).hits
    assert {h.article_id for h in promoted} == {copy_id}
    assert promoted[0].path.endswith("suzhou.txt")
    assert promoted[0].text.startswith("蘇州工業園區")  # its own script now
    assert_same(backend, reference)

    # add_or_update replaces an article by id, and a text already indexed is a copy
    from g60_reader.corpus.readers import read_file

    articles, _ = read_file(room / "suzhou-copy.txt")
    got = backend.add_or_update(articles)
    want = reference.add_or_update(articles)
    assert (got.added, got.duplicates) == (want.added, want.duplicates) == (1, 1)
    assert_same(backend, reference)


def test_cancel_leaves_whole_files_and_a_rerun_finishes(monkeypatch, backend, tmp_path):
    root = tmp_path / "many"
    root.mkdir()
    for n in range(40):
        text = f"第{n}号新闻\n2023年3月{n % 28 + 1}日　嘉兴日报\n"
        text += "".join(f"嘉兴第{n}号项目第{k}期进展顺利，投资{n * k}亿元。\n" for k in range(6))
        (root / f"{n:02d}.txt").write_text(text, encoding="utf-8")
    monkeypatch.setattr(ingest, "FLUSH_PARAGRAPHS", 30)  # a batch every five files
    cancel = threading.Event()

    def progress(done: int, total: int, _path: str) -> None:
        if done == 17:
            cancel.set()

    with pytest.raises(Cancelled) as caught:
        backend.update([root], procs=1, progress=progress, cancel=cancel)
    assert "a re-run continues" in one_line(str(caught.value))
    partial = backend.stats()
    assert 0 < partial.articles < 40 and partial.paragraphs == 6 * partial.articles
    again = backend.update([root], procs=1)
    assert again.unchanged == partial.articles and again.added == 40 - partial.articles
    reference = memory_twin()
    reference.update([root], procs=1)
    assert_same(backend, reference, ["嘉兴", "第17号", "投资", "jx"])


def test_the_entity_pass_resumes(monkeypatch, backend, room):
    from tests.contract.conftest import recognise

    backend.update([room], procs=1)
    monkeypatch.setattr(backend_module, "ENRICH_BATCH_PARAGRAPHS", 3)
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int, _path: str) -> None:
        seen.append(done)
        if done >= 2:
            cancel.set()

    with pytest.raises(Cancelled):
        backend.enrich(recognise, progress=progress, cancel=cancel)
    done = backend.stats().enriched_paragraphs
    assert 0 < done < backend.stats().paragraphs
    rest = backend.enrich(recognise)
    assert done + rest == backend.stats().paragraphs == backend.stats().enriched_paragraphs
    assert backend.enrich(recognise) == 0  # nothing left
    reference = memory_twin()
    reference.update([room], procs=1)
    reference.enrich(recognise)
    assert_same(backend, reference, ["place:嘉兴", "place:上海", "org:浙江大学", "嘉兴"])
    assert backend.top_entities(None, 5) == reference.top_entities(None, 5)
    for summary in reference.list_articles():
        got, want = backend.article(summary.article_id), reference.article(summary.article_id)
        assert got.entities == want.entities and got.enriched == want.enriched
    facets = backend.facets("长三角")
    assert dict(facets["place"])["嘉兴"] == dict(reference.facets("长三角")["place"])["嘉兴"]


def test_enrich_with_worker_processes(monkeypatch, backend, room):
    from tests.contract.conftest import recognise

    monkeypatch.setattr(backend_module, "ENRICH_INPROCESS_PARAGRAPHS", 0)
    backend.update([room], procs=1)
    assert backend.enrich(recognise, procs=2) == 13
    assert backend.search("person:孙景淼").total == 0 and backend.search("place:杭州").total > 0


def test_update_with_worker_processes_matches(backend, tmp_path):
    root = tmp_path / "big"
    root.mkdir()
    for n in range(24):  # over INPROCESS_BYTES in total: worker processes run
        body = "".join(
            f"长三角第{n}号项目在嘉兴落地，数字经济产业园第{k}期投资{n + k}亿元。" * 60 + "\n"
            for k in range(5)
        )
        (root / f"{n:02d}.txt").write_text(f"项目{n}\n\n{body}", encoding="utf-8")
    assert sum(p.stat().st_size for p in root.iterdir()) > backend_module.INPROCESS_BYTES
    report = backend.update([root], procs=2)
    assert (report.added, report.failed) == (24, [])
    reference = memory_twin()
    reference.update([root], procs=1)
    assert_same(backend, reference, ["长三角", "第7号", "数字经济", "szjj"])


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from g60_reader.index.registry import open_backend
    from g60_reader.index.backends.opensearch.lock import WriterLock
    backend = open_backend(sys.argv[1])
    lock = WriterLock(backend.conn, lease=float(sys.argv[2]), heartbeat=0.5)
    lock.acquire()
    print("held", flush=True)
    time.sleep(600)
    """
)


def test_one_writer_at_a_time_and_a_killed_one_expires(backend, room):
    backend.update([room], procs=1)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, backend.url, "4"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(IndexBusy) as caught:
            backend.update([room], procs=1)
        message = one_line(str(caught.value))
        assert f"pid {holder.pid}" in message and "--wait" in message
        time.sleep(5)  # past the lease: the heartbeat keeps it
        with pytest.raises(IndexBusy):
            backend.enrich(_none)
        os.kill(holder.pid, signal.SIGKILL)  # the writer dies without releasing
        holder.wait()
        began = time.monotonic()
        report = backend.update([room], procs=1, wait=True)  # waits out the lease
        assert report.unchanged == 7 and time.monotonic() - began < 30
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    lock = WriterLock(backend.conn)
    assert lock.holder() is None  # released


def _none(text: str, folded: str) -> list:
    return []


def test_a_waiting_writer_goes_on_when_the_lock_is_released(backend, room):
    backend.update([room], procs=1)
    lock = WriterLock(backend.conn)
    lock.acquire()
    threading.Timer(1.5, lock.release).start()
    began = time.monotonic()
    assert backend.update([room], procs=1, wait=True).unchanged == 7
    assert 1.0 < time.monotonic() - began < 20


def test_a_writer_that_lost_its_lease_stops(backend, room):
    lock = WriterLock(backend.conn, lease=0.5, heartbeat=3600)
    lock.acquire()
    time.sleep(1.0)  # expired, and another writer takes over
    other = WriterLock(backend.conn)
    other.acquire()
    lock.renew()
    with pytest.raises(IndexBusy) as caught:
        lock.check()
    assert "took it over" in one_line(str(caught.value))
    lock.release()
    assert other.holder()["owner"] == other.owner  # the loser did not delete it
    other.release()


def test_a_second_backend_sees_the_same_index(backend, room):
    backend.update([room], procs=1)
    other = open_backend(backend.url)
    assert other.exists()
    assert hit_set(other, "长三角") == hit_set(backend, "长三角")
    assert other.stats().articles == 6


def test_a_killed_writer_leaves_the_lexicon_to_be_counted_again(opensearch_url, backend, room):
    reference = memory_twin()
    both(backend, reference, paths=[room])
    index = backend.target.index
    client = raw_client(opensearch_url)
    try:  # as a writer killed mid-run leaves it: the mark set, the counts off
        client.update(index=index, id="meta", body={"doc": {"lexicon_dirty": True}})
        client.index(
            index=index,
            id="w|举行",
            body={"kind": "lex", "word": "举行", "keys": ["juxing", "jx"], "df": 999},
        )
        client.delete(index=index, id="w|嘉兴", refresh=True)
    finally:
        client.close()
    assert backend.expand_pinyin("jx") == ["举行"]
    (room / "late.txt").write_text("嘉善新闻\n\n嘉善县举办招商会。\n", encoding="utf-8")
    both(backend, reference, paths=[room])  # the next writer counts every word again
    for key in ("jx", "jiaxing", "juxing", "jiashan", "shuzi"):
        assert backend.expand_pinyin(key) == reference.expand_pinyin(key), key
    with backend.conn.call("test") as os_client:
        meta = os_client.get(index=index, id="meta")["_source"]
    assert meta["lexicon_dirty"] is False


def _wire(root: Path) -> Path:
    """One wire story three times (retitled, trimmed, credited, one in Traditional) and
    an unrelated article."""
    from g60_reader.corpus.fold import to_traditional

    root.mkdir(parents=True)
    story = [
        "6月1日，长三角G60科创走廊联席会议在嘉兴召开，九城市代表出席会议并签署合作协议。",
        "会议审议通过了科创走廊年度工作要点，提出加快建设产业协同创新中心和人才服务平台。",
        "与会代表表示，将推动重大科技基础设施共建共享，支持企业跨区域布局研发机构和生产基地。",
        "会议还发布了科技成果转化平台建设方案，计划三年内服务企业超过一万家，促进成果落地。",
        "下一步，各城市将围绕集成电路、生物医药、人工智能等产业链深化合作，共同培育产业集群。",
    ]
    versions = [
        ("长三角G60科创走廊联席会议召开", "2023年6月1日　新华网", story, ""),
        ("科创走廊联席会议在嘉兴召开", "2023年6月1日　澎湃新闻", story[:4], "（来源：新华网）"),
        ("G60科創走廊聯席會議召開", "2023年6月2日　人民网", story[1:], "（责任编辑：王芳）"),
    ]
    for n, (title, line, paras, tail) in enumerate(versions):
        text = "\n".join([title, line, *paras, *([tail] if tail else [])]) + "\n"
        (root / f"story-{n}.txt").write_text(to_traditional(text) if n == 2 else text, "utf-8")
    (root / "other.txt").write_text(
        "金华新闻\n2023年6月3日　金华日报\n金华市举办数字经济招商推介会，签约项目二十个。\n",
        encoding="utf-8",
    )
    return root


def test_stories_follow_deletions_and_updates(backend, tmp_path):
    root = _wire(tmp_path / "wire")
    reference = memory_twin()
    for b in (backend, reference):
        b.update([root], procs=1)
        assert b.cluster_stories() == 3
    queries = ["科创走廊", "人工智能", "title:聯席會議", "数字经济", "嘉兴"]

    def agree() -> None:
        got, want = backend.stories(), reference.stories()
        assert [[m.article_id for m in s.members] for s in got] == [
            [m.article_id for m in s.members] for s in want
        ]
        for q in queries:
            for options in ({}, {"all_copies": True}):
                assert hit_set(backend, q, **options) == hit_set(reference, q, **options), q
            got_hits = {(h.article_id, h.reprints) for h in backend.search(q, pagelen=50).hits}
            want_hits = {(h.article_id, h.reprints) for h in reference.search(q, pagelen=50).hits}
            assert got_hits == want_hits, q

    agree()
    (story,) = backend.stories()
    assert [m.outlet for m in story.members] == ["新华网", "澎湃新闻", "人民網"]  # as written
    collapsed = backend.search("科创走廊", pagelen=50).hits
    assert {h.article_id for h in collapsed} == {story.members[0].article_id}
    assert {h.reprints for h in collapsed} == {2}

    # re-dated (in the dateline and the text): still in the story, no longer first
    (root / "story-0.txt").write_text(
        (root / "story-0.txt").read_text("utf-8").replace("6月1日", "6月5日"), "utf-8"
    )
    for b in (backend, reference):
        assert b.update([root], procs=1).updated == 1
    agree()
    assert backend.stories()[0].members[-1].outlet == "新华网"

    first = backend.stories()[0].members[0].article_id
    for b in (backend, reference):
        assert b.delete([first]) == 1
    agree()
    assert len(backend.stories()[0].members) == 2
    second = backend.stories()[0].members[0].article_id
    for b in (backend, reference):
        assert b.delete([second]) == 1
    agree()
    assert backend.stories() == [] and backend.search("科创走廊").total > 0  # alone: shown


def test_a_large_update_leaves_jieba_to_the_entity_pass(monkeypatch, backend, room):
    from tests.contract.conftest import recognise

    monkeypatch.setattr(backend_module, "SEGMENT_NOW_BYTES", 0)  # every update is "large"
    reference = memory_twin()
    for b in (backend, reference):
        b.update([room], procs=1)
    plain = ["长三角", '"数字经济"', "人工智能 OR 集成电路", "g60", "title:零跑", "苏州工业园区"]
    for q in plain:  # the text is searchable at once, the same
        assert hit_set(backend, q) == hit_set(reference, q), q
    assert backend.expand_pinyin("jiaxing") == []  # no words yet: no pinyin lexicon
    assert backend.enrich(recognise) == 13
    reference.enrich(recognise)
    assert_same(backend, reference, [*plain, "jiaxing", "szjj", "place:嘉兴"])
    for key in ("jiaxing", "sz", "rengongzhineng", "shuzi"):
        assert backend.expand_pinyin(key) == reference.expand_pinyin(key), key
