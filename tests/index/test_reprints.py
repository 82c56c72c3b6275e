"""Story clusters: behaviour of the engine on articles built here (synthetic Chinese from
jieba's dictionary, in both scripts, with the furniture news sites add).

The quality figures on a labelled set are in ``test_reprints_quality.py``; this file checks
the mechanics: incremental equals batch, removal splits, persistence and crash safety,
furniture, scripts, trims, same-topic articles, degenerate input.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.errors import IndexDamaged, IndexUnavailable
from g60_reader.index.reprints import Params, StoryClusters, StoryDoc, cluster_id, storage
from g60_reader.index.reprints import clusters as clusters_module
from g60_reader.index.reprints.text import content_units
from tests.bench.reprints import NOTICES, UNKNOWN_FOOTERS, Words, same_topic_group


@pytest.fixture(scope="module")
def words() -> Words:
    return Words(random.Random(20240601))


def _article(words: Words, paragraphs: int = 6) -> list[str]:
    return [words.paragraph(120, 220) for _ in range(paragraphs)]


def _doc(aid: str, paras: list[str], title: str = "标题") -> StoryDoc:
    return StoryDoc(aid, title, "\n".join(paras))


def _partition(sc: StoryClusters) -> set[frozenset[str]]:
    return {frozenset(m) for _, m in sc.clusters()}


@pytest.fixture(scope="module")
def corpus(words: Words) -> list[StoryDoc]:
    """40 stories, 12 of them with 1-4 copies (scripts, trims, furniture), and 30
    unrelated articles that carry one unknown footer (more than ``df_cap`` of them)."""
    rng = random.Random(7)
    docs: list[StoryDoc] = []
    for s in range(40):
        paras = _article(words, rng.randint(3, 7))
        docs.append(_doc(f"s{s:02d}", paras))
        if s < 12:
            for c in range(rng.randint(1, 4)):
                copy = list(paras)
                if c % 2:
                    copy = copy[: max(2, len(copy) * 2 // 3)]
                copy = ["来源：新华社", *copy, f"责任编辑：{words.name()}"]
                if c % 3 == 0:
                    copy = [to_traditional(p) for p in copy]
                docs.append(_doc(f"s{s:02d}c{c}", copy, title=words.clause()))
    for u in range(Params().df_cap + 5):
        docs.append(_doc(f"u{u:02d}", [words.paragraph(60, 90), UNKNOWN_FOOTERS[0]]))
    rng.shuffle(docs)
    return docs


def _truth(docs: list[StoryDoc]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for d in docs:
        if d.article_id.startswith("s"):
            groups.setdefault(d.article_id[:3], set()).add(d.article_id)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def test_batch_finds_exactly_the_planted_stories(corpus: list[StoryDoc]) -> None:
    sc = StoryClusters.open(None)
    sc.add(corpus)
    assert _partition(sc) == _truth(corpus)
    for d in corpus:
        if d.article_id.startswith("u"):  # the shared footer links none of them
            assert sc.cluster_of(d.article_id) is None


def test_incremental_add_equals_batch(corpus: list[StoryDoc]) -> None:
    batch = StoryClusters.open(None)
    batch.add(corpus)
    one_by_one = StoryClusters.open(None)
    for d in corpus:
        one_by_one.add([d])
    assert _partition(one_by_one) == _partition(batch)
    chunks = StoryClusters.open(None)
    for i in range(0, len(corpus), 17):
        chunks.add(corpus[i : i + 17])
    assert _partition(chunks) == _partition(batch)
    assert {d.article_id: chunks.cluster_of(d.article_id) for d in corpus} == {
        d.article_id: batch.cluster_of(d.article_id) for d in corpus
    }


def test_frequency_crossing_revisits_old_pairs(words: Words) -> None:
    """Two short notes sharing a long unknown footer are linked while the footer is rare;
    once it is in ``df_cap`` articles it is boilerplate and the link goes, exactly as a
    batch run over all articles decides (and it comes back when they are removed)."""
    params = Params(df_cap=6)
    footer = UNKNOWN_FOOTERS[1] + UNKNOWN_FOOTERS[2]
    a = _doc("a", [words.sentence(30, 40), footer])
    b = _doc("b", [words.sentence(30, 40), footer])
    sc = StoryClusters.open(None, params=params)
    sc.add([a, b])
    assert sc.cluster_of("a") is not None and sc.cluster_of("a") == sc.cluster_of("b")
    others = [_doc(f"o{i}", [words.paragraph(80, 120), footer]) for i in range(5)]
    sc.add(others)
    assert sc.cluster_of("a") is None and sc.cluster_of("b") is None
    batch = StoryClusters.open(None, params=params)
    batch.add([a, b, *others])
    assert _partition(batch) == _partition(sc) == set()
    sc.remove([d.article_id for d in others])
    assert sc.cluster_of("a") == sc.cluster_of("b") is not None


def test_remove_splits_a_cluster_when_the_bridge_goes(words: Words) -> None:
    paras = _article(words, 8)
    lead = _doc("lead", paras[:4])  # first half
    tail = _doc("tail", paras[4:])  # second half: shares nothing with ``lead``
    full = _doc("full", paras)
    sc = StoryClusters.open(None)
    sc.add([lead, tail, full])
    assert _partition(sc) == {frozenset({"lead", "tail", "full"})}
    cid = sc.cluster_of("full")
    assert cid == cluster_id("full")  # the smallest member id
    sc.remove(["full"])
    assert _partition(sc) == set()
    assert sc.cluster_of("lead") is None and sc.cluster_of("tail") is None
    assert sc.members(cid) == []
    # with a copy of each half left, the halves become two clusters of their own
    sc.add([_doc("lead2", [to_traditional(p) for p in paras[:4]]), _doc("tail2", paras[4:])])
    sc.add([full])
    assert _partition(sc) == {frozenset({"lead", "lead2", "tail", "tail2", "full"})}
    sc.remove(["full"])
    assert _partition(sc) == {frozenset({"lead", "lead2"}), frozenset({"tail", "tail2"})}
    assert sc.cluster_of("lead") == cluster_id("lead")
    assert sc.cluster_of("tail2") == cluster_id("tail")


def test_cluster_ids_are_stable(words: Words, corpus: list[StoryDoc]) -> None:
    sc = StoryClusters.open(None)
    sc.add(corpus)
    before = dict(sc.clusters())
    sc.add(_doc(f"z{i}", _article(words, 3)) for i in range(20))  # unrelated
    assert dict(sc.clusters()) == before
    for cid, members in before.items():
        assert cid == cluster_id(min(members))
        assert sc.members(cid) == sorted(members)
    # a new member with a smaller id renames the cluster after itself
    cid, members = next(iter(before.items()))
    first = next(d for d in corpus if d.article_id == min(members))
    sc.add([StoryDoc("0-new", "新标题", to_traditional(first.text))])
    assert sc.cluster_of(members[0]) == cluster_id("0-new")
    assert sc.members(cid) == []


def test_replacing_an_article_moves_it(words: Words) -> None:
    one, two = _article(words), _article(words)
    sc = StoryClusters.open(None)
    sc.add([_doc("a", one), _doc("b", one), _doc("c", two)])
    assert _partition(sc) == {frozenset({"a", "b"})}
    sc.add([_doc("b", two)])  # same id, new text
    assert _partition(sc) == {frozenset({"b", "c"})}
    assert len(sc) == 3


def test_reopen_after_save_gives_the_same_clusters(tmp_path: Path, corpus: list[StoryDoc]) -> None:
    sc = StoryClusters.open(tmp_path)
    sc.add(corpus[:60])
    sc.save()
    assert (tmp_path / storage.FILE_NAME).is_file()
    again = StoryClusters.open(tmp_path)
    assert _partition(again) == _partition(sc)
    assert {d.article_id: again.cluster_of(d.article_id) for d in corpus} == {
        d.article_id: sc.cluster_of(d.article_id) for d in corpus
    }
    # the reopened store goes on exactly as the one that never closed
    again.add(corpus[60:])
    sc.add(corpus[60:])
    assert _partition(again) == _partition(sc)
    again.remove([corpus[0].article_id])
    again.save()
    assert _partition(StoryClusters.open(tmp_path)) == _partition(again)


def test_a_file_path_works_too(tmp_path: Path, corpus: list[StoryDoc]) -> None:
    target = tmp_path / "beside-the-index.npz"
    sc = StoryClusters.open(target)
    sc.add(corpus)
    sc.save()
    assert target.is_file()
    assert _partition(StoryClusters.open(target)) == _truth(corpus)


def test_killed_save_never_corrupts_the_stored_state(
    tmp_path: Path, corpus: list[StoryDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = StoryClusters.open(tmp_path)
    sc.add(corpus[:50])
    sc.save()
    saved = _partition(sc)
    file = tmp_path / storage.FILE_NAME
    good = file.read_bytes()
    # a save killed while writing: a partial temporary file stays behind
    partial = tmp_path / f".{storage.FILE_NAME}.tmp-4242-deadbeef"
    partial.write_bytes(good[: len(good) // 3])
    assert _partition(StoryClusters.open(tmp_path)) == saved
    # a save that dies before the rename: the old file is untouched, no temporary left
    sc.add(corpus[50:])

    def killed(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(storage.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        sc.save()
    monkeypatch.undo()
    assert file.read_bytes() == good
    assert _partition(StoryClusters.open(tmp_path)) == saved
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == [partial.name]
    # the next save succeeds and clears temporaries once they are old
    old = os.stat(partial).st_mtime - 7200
    os.utime(partial, (old, old))
    sc.save()
    assert not partial.exists()
    assert _partition(StoryClusters.open(tmp_path)) == _partition(sc)


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_file_is_reported_not_half_read(
    tmp_path: Path, corpus: list[StoryDoc], damage: str
) -> None:
    sc = StoryClusters.open(tmp_path)
    sc.add(corpus)
    sc.save()
    file = tmp_path / storage.FILE_NAME
    data = bytearray(file.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 2] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not a cluster file at all" * 10)
    else:
        data = bytearray()
    file.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="story clusters are damaged"):
        StoryClusters.open(tmp_path)


def test_other_hashing_parameters_are_refused(tmp_path: Path, corpus: list[StoryDoc]) -> None:
    sc = StoryClusters.open(tmp_path)
    sc.add(corpus[:10])
    sc.save()
    with pytest.raises(IndexUnavailable, match="re-cluster"):
        StoryClusters.open(tmp_path, params=Params(k=6))
    # thresholds may change: they are decisions, not signatures
    StoryClusters.open(tmp_path, params=Params(containment=0.7))


def test_platform_notices_do_not_link_unrelated_stories(words: Words) -> None:
    """Short unrelated items that all carry the same notices and credits: each notice is
    as long as the item's own text, so only dropping or discounting it keeps them apart."""
    docs = []
    for i in range(60):
        paras = [words.sentence(40, 60)]
        paras.append(NOTICES[i % len(NOTICES)])
        paras.append(UNKNOWN_FOOTERS[0])
        paras.append("来源：新浪看点" if i % 2 else "责任编辑：张三")
        docs.append(_doc(f"n{i:02d}", paras))
    sc = StoryClusters.open(None)
    sc.add(docs)
    assert _partition(sc) == set()


def test_known_furniture_is_dropped_from_the_text() -> None:
    text = (
        "来源：新华社\n新华社北京1月1日电（记者 张三）国务院总理今天会见了客人。\n"
        "本文为网易号作者上传并发布，仅代表该作者观点。网易仅提供信息发布平台。\n"
        "免责声明：本文转自网络，版权归原作者所有，如有侵权请联系删除。\n"
        "（责任编辑：李四）返回搜狐，查看更多\n"
        "编者按：这是一段编者按，说明转载的缘由，很长很长。"
    )
    assert content_units(text).stream == "新华社北京1月1日电国务院总理今天会见了客人"
    # an interview question is text, not a credit line
    assert (
        content_units("记者：请问您如何看待今年的形势？").stream == "记者请问您如何看待今年的形势"
    )


def test_traditional_and_simplified_copies_cluster(words: Words) -> None:
    paras = _article(words, 5)
    trad = [to_traditional(p) for p in paras]
    assert trad != paras
    mixed = [trad[0], *paras[1:3], *trad[3:]]
    sc = StoryClusters.open(None)
    sc.add([_doc("simp", paras), _doc("trad", trad), _doc("mixed", mixed)])
    assert _partition(sc) == {frozenset({"simp", "trad", "mixed"})}


@pytest.mark.parametrize("keep", [0.4, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("where", ["lead", "tail"])
def test_trimmed_copies_cluster(words: Words, keep: float, where: str) -> None:
    paras = _article(words, 10)
    n = round(len(paras) * keep)
    part = paras[:n] if where == "lead" else paras[-n:]
    copy = ["來源：人民日報", *[to_traditional(p) for p in part], "（責任編輯：王五）"]
    sc = StoryClusters.open(None)
    sc.add([_doc("orig", paras), _doc("copy", copy, title="全新的标题")])
    assert sc.cluster_of("copy") == sc.cluster_of("orig") == cluster_id("copy")


def test_punctuation_width_and_paragraph_changes_do_not_matter(words: Words) -> None:
    paras = _article(words, 6)
    half = [p.replace("，", ",").replace("。", ".") for p in paras]
    merged = ["".join(half[:3]), *half[3:]]
    wrapped = "\n".join(merged)
    lines = [wrapped[i : i + 30] for i in range(0, len(wrapped), 30)]
    sc = StoryClusters.open(None)
    sc.add([_doc("a", paras), StoryDoc("b", "", "\n".join(lines))])
    assert sc.cluster_of("a") == sc.cluster_of("b") is not None


def test_same_topic_articles_stay_apart(words: Words) -> None:
    rng = random.Random(11)
    group = same_topic_group(rng, words, 6)
    docs = [_doc(f"t{i}", list(a.paragraphs)) for i, a in enumerate(group)]
    # and two independent reports of one event: same names, one sentence quoted
    names = "、".join(words.name() for _ in range(10))
    quote = "他说：“" + words.sentence(40, 50) + "”"
    for i in range(2):
        docs.append(_doc(f"e{i}", [f"{names}等出席。", *_article(words, 3), quote]))
    sc = StoryClusters.open(None)
    sc.add(docs)
    assert _partition(sc) == set()


def test_identical_texts_cluster(words: Words) -> None:
    text = _article(words, 4)
    sc = StoryClusters.open(None)
    sc.add([_doc("x1", text), _doc("x2", text), _doc("x3", text, title="other")])
    assert _partition(sc) == {frozenset({"x1", "x2", "x3"})}


def test_a_story_reprinted_more_often_than_the_frequency_cap(words: Words) -> None:
    """Every sentence of a story with 60 copies is 'common'; its copies (and lead-only
    copies) still cluster, and unrelated articles with its footer stay out."""
    params = Params()
    paras = _article(words, 6)
    docs = [_doc(f"m{i:02d}", [*paras, NOTICES[0]]) for i in range(params.df_cap * 2)]
    docs.append(_doc("lead-only", paras[:3]))
    docs.append(_doc("other", [words.paragraph(100, 150), NOTICES[0]]))
    sc = StoryClusters.open(None, params=params)
    sc.add(docs)
    assert _partition(sc) == {frozenset(d.article_id for d in docs[:-1])}


def test_empty_tiny_and_huge_articles(words: Words) -> None:
    rng = random.Random(3)
    huge_paras = []
    while sum(map(len, huge_paras)) < 1_000_000 // 3:  # about 1 MB of UTF-8
        huge_paras.append(words.paragraph(150, 300))
    huge = "\n".join(huge_paras)
    assert len(huge.encode()) >= 1_000_000
    inner = huge_paras[rng.randrange(len(huge_paras) - 5) :][:5]
    docs = [
        StoryDoc("empty", "", ""),
        StoryDoc("spaces", "标题", " \n\u3000\t\n"),
        StoryDoc("punct", "", "，。！？……——“”"),
        StoryDoc("tiny", "", "今天下雨。"),
        StoryDoc("tiny2", "", "今天下雨。"),
        StoryDoc("furniture-only", "", "来源：新华社\n责任编辑：张三\n" + NOTICES[0]),
        StoryDoc("surrogate", "", "\ud800 孤立的代理字符" * 20),
        StoryDoc("huge", "巨文", huge),
        StoryDoc("huge-copy", "", to_traditional(huge)),
        StoryDoc("inside-huge", "", "\n".join(inner)),
    ]
    sc = StoryClusters.open(None)
    sc.add(docs)
    for aid in ("empty", "spaces", "punct", "tiny", "tiny2", "furniture-only"):
        assert sc.cluster_of(aid) is None
    assert sc.cluster_of("huge") == sc.cluster_of("huge-copy") is not None
    # five paragraphs of a 1 MB text are far too small a share of it to be a reprint
    assert sc.cluster_of("inside-huge") is None
    assert len(sc) == len(docs)
    sc.remove(["huge", "empty", "never-there"])
    assert sc.cluster_of("huge-copy") is None


def test_worker_processes_give_the_same_clusters(
    corpus: list[StoryDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = StoryClusters.open(None, workers=1)
    serial.add(corpus)
    monkeypatch.setattr(clusters_module, "PARALLEL_MIN", 10)
    parallel = StoryClusters.open(None, workers=2)
    parallel.add(iter(corpus))  # any iterable, consumed once
    assert _partition(parallel) == _partition(serial)


def test_pool_reuses_space_and_keeps_values() -> None:
    import numpy as np

    from g60_reader.index.reprints.pool import Pool

    pool = Pool(np.uint32, chunk_items=64)
    rng = random.Random(5)
    expected: dict[int, list[int]] = {}
    for step in range(2000):
        slot = rng.randrange(50)
        if rng.random() < 0.3:
            pool.drop(slot)
            expected.pop(slot, None)
        else:
            values = [rng.randrange(1 << 32) for _ in range(rng.randrange(0, 40))]
            pool.put(slot, np.array(values, dtype=np.uint32))
            expected[slot] = values
        if step % 97 == 0:
            for s in range(50):
                got = pool.get(s)
                assert (got.tolist() if got is not None else None) == expected.get(s)
    assert sorted(pool.live_slots().tolist()) == sorted(expected)
    # holes are reclaimed: the pool never grows far past what is live
    assert pool.nbytes < 4 * (64 + 40 * 50) * 4 + 20 * len(pool._where)
    slots = np.array(sorted(expected), dtype=np.int64)
    firsts = pool.item(slots[[len(expected[s]) > 0 for s in slots.tolist()]], 0)
    assert firsts.tolist() == [expected[s][0] for s in slots.tolist() if expected[s]]


def test_without_a_main_file_the_work_stays_in_this_process(
    corpus: list[StoryDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A REPL or ``python -c`` has no main module to re-import, so no worker can start."""
    import sys
    import types

    from g60_reader.index.reprints import sketch

    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert not sketch.can_spawn()
    monkeypatch.setattr(clusters_module, "PARALLEL_MIN", 10)
    sc = StoryClusters.open(None, workers=2)
    sc.add(corpus)
    assert _partition(sc) == _truth(corpus)


def test_signatures_of_another_rensa_algorithm_make_the_store_read_only(
    tmp_path: Path, corpus: list[StoryDoc]
) -> None:
    sc = StoryClusters.open(tmp_path)
    sc.add(corpus)
    sc.save()
    file = tmp_path / storage.FILE_NAME
    snap = storage.read(file)
    snap.meta["rensa_meta"]["rminhash_algorithm"] = -1
    storage.write(file, snap)
    old = StoryClusters.open(tmp_path)
    assert old.stale
    assert _partition(old) == _truth(corpus)  # reading still works
    with pytest.raises(IndexUnavailable, match="re-cluster"):
        old.add(corpus[:1])
    with pytest.raises(IndexUnavailable, match="re-cluster"):
        old.remove([corpus[0].article_id])
    # signatures of another width than the parameters say: damaged
    snap.meta["rensa_meta"] = clusters_module._rensa_meta()
    snap.sigs = snap.sigs[:, :10]
    storage.write(file, snap)
    with pytest.raises(IndexDamaged):
        StoryClusters.open(tmp_path)


def test_the_same_id_twice_in_one_call_keeps_the_last(words: Words) -> None:
    one, two = _article(words), _article(words)
    sc = StoryClusters.open(None)
    sc.add([_doc("x", one), _doc("y", one), _doc("x", two), _doc("z", two)])
    assert _partition(sc) == {frozenset({"x", "z"})}
    assert len(sc) == 3
    batch = StoryClusters.open(None)
    batch.add([_doc("y", one), _doc("x", two), _doc("z", two)])
    assert _partition(batch) == _partition(sc)


def test_removing_most_articles_then_adding_again(corpus: list[StoryDoc]) -> None:
    """Removed slots are masked, then compacted away; what stays clusters as before."""
    sc = StoryClusters.open(None)
    sc.add(corpus)
    gone = [d.article_id for d in corpus if d.article_id[-2:-1] == "c" or d.article_id < "s2"]
    sc.remove(gone)
    rest = [d for d in corpus if d.article_id not in set(gone)]
    fresh = StoryClusters.open(None)
    fresh.add(rest)
    assert _partition(sc) == _partition(fresh)
    sc.add(d for d in corpus if d.article_id in set(gone))
    assert _partition(sc) == _truth(corpus)


def test_bands_need_one_or_two_rows() -> None:
    with pytest.raises(ValueError, match="rows"):
        Params(num_perm=64, bands=16)
    with pytest.raises(ValueError):
        Params(num_perm=64, bands=24)


def test_band_index_finds_exactly_the_pairs_sharing_a_band() -> None:
    """Against brute force, over many small adds (tail levels and folds) and removals."""
    import numpy as np

    from g60_reader.index.reprints.bands import BandIndex

    rng = np.random.default_rng(9)
    index = BandIndex(8, 4)
    n = 600
    # few distinct values, so that bands collide often
    sigs = rng.integers(0, 6, size=(n, 8), dtype=np.uint32)
    alive = np.zeros(n, dtype=bool)
    for start in range(0, n, 37):
        part = np.arange(start, min(n, start + 37))
        index.add(part, sigs[part])
        alive[part] = True
        if start % 3 == 0:
            gone = rng.choice(np.flatnonzero(alive), size=5, replace=False)
            index.remove(gone)
            alive[gone] = False
        query = np.flatnonzero(alive)[:50]
        got = {tuple(p) for p in index.pairs(query, sigs[query]).tolist()}
        keys = index.band_keys(sigs)
        want = {
            (int(q), int(o))
            for q in query
            for o in np.flatnonzero(alive & (keys == keys[q]).any(axis=1))
            if o != q
        }
        assert got == want
    assert len(index) == int(alive.sum())


def test_worker_processes_are_kept_between_calls_and_closed(
    corpus: list[StoryDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clusters_module, "PARALLEL_MIN", 10)
    serial = StoryClusters.open(None, workers=1)
    serial.add(corpus)
    with StoryClusters.open(None, workers=2) as sc:
        sc.add(corpus[:40])
        pool = sc._pool
        assert pool is not None
        sc.add(corpus[40:])
        assert sc._pool is pool  # the same processes did the second batch
        assert _partition(sc) == _partition(serial)
    assert sc._pool is None
    sc.add([StoryDoc(f"late{i}", "", d.text) for i, d in enumerate(corpus[:12])])
    assert sc._pool is not None  # a closed store starts workers again when it needs them
    sc.close()
