"""The entity pass's batching: commits every ``ENRICH_BATCH_PARAGRAPHS`` paragraphs,
with the next batch queued to the recognisers before the current one is committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from g60_reader.corpus.model import EntitySpan
from g60_reader.index.backends.whoosh import enrich as enrich_module
from g60_reader.index.backends.whoosh import store
from g60_reader.index.backends.whoosh.search import WhooshBackend

ARTICLES = {
    f"a{k}.txt": (
        f"第{k}篇\n\n嘉兴{k}号项目在杭州签约。\n\n长三角一体化发展第{k}段。\n\n金华科创走廊。\n"
    )
    for k in range(12)
}


def _places(text: str, folded: str) -> list[EntitySpan]:
    out = []
    for name in ("嘉兴", "杭州", "金华"):
        start = folded.find(name)
        if start >= 0:
            out.append(EntitySpan(start, start + 2, "place", text[start : start + 2]))
    return out


def _build(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    index_dir = tmp_path / "ix"
    store.update(index_dir, [root], segment=False)  # the lean first pass
    return index_dir


def _generation(index_dir: Path) -> int:
    return store.open_index(index_dir).latest_generation()


def _check(index_dir: Path, paragraphs: int) -> None:
    b = WhooshBackend(index_dir)
    try:
        assert b.stats().enriched_paragraphs == paragraphs
        assert b.search("place:杭州").total == len(ARTICLES)
        assert b.search("place:金华").total == len(ARTICLES)
        assert b.search("hangzhou").total >= len(ARTICLES)
    finally:
        b.close()


def test_paragraph_sized_batches_commit_as_they_go(tmp_path, monkeypatch):
    index_dir = _build(tmp_path)
    monkeypatch.setattr(enrich_module, "ENRICH_BATCH_PARAGRAPHS", 10)  # 4 articles of 3
    start = _generation(index_dir)
    seen: list[int] = []

    def look(done: int, total: int, message: str) -> None:
        seen.append(_generation(index_dir))

    n = store.enrich(index_dir, _places, progress=look)
    assert n == 3 * len(ARTICLES)
    # committed between batches (not only at the end), and once per batch
    assert len(set(seen)) >= 3
    assert _generation(index_dir) - start == 3
    _check(index_dir, n)
    assert store.enrich(index_dir, _places) == 0  # nothing left


def test_one_batch_by_default_for_a_small_corpus(tmp_path):
    index_dir = _build(tmp_path)
    start = _generation(index_dir)
    n = store.enrich(index_dir, _places)
    assert _generation(index_dir) - start == 1
    _check(index_dir, n)


def test_batches_with_a_worker_pool_queue_ahead_and_agree(tmp_path, monkeypatch):
    """Two processes and many small batches: the batch read ahead of each commit is
    recognised in the pool while the main process commits; the result is the same as
    enriching in one go."""
    index_dir = _build(tmp_path)
    monkeypatch.setattr(enrich_module, "ENRICH_POOL_ARTICLES", 2)
    monkeypatch.setattr(enrich_module, "ENRICH_BATCH_PARAGRAPHS", 7)
    n = store.enrich(index_dir, _places_module_level, procs=2)
    assert n == 3 * len(ARTICLES)
    _check(index_dir, n)


def _places_module_level(text: str, folded: str) -> list[EntitySpan]:
    return _places(text, folded)


def _contents(index_dir: Path) -> tuple[list, bytes, dict]:
    """Every document's stored fields (by article and paragraph), the pinyin table's
    bytes and the writer's lexicon."""
    from g60_reader.index.backends.whoosh.lexicon import PINYIN_NAME, load_lexicon

    ix = store.open_index(index_dir)
    with ix.searcher() as s:
        docs = [s.stored_fields(d) for d in s.reader().all_doc_ids()]
    # the workers write their own segments: the same documents, in another order
    docs.sort(key=lambda f: (f["aid"], f.get("para", 0)))
    return docs, (index_dir / PINYIN_NAME).read_bytes(), dict(load_lexicon(index_dir))


def test_the_pool_builds_the_same_documents_and_lexicon_as_one_process(tmp_path, monkeypatch):
    """The workers recognise, segment and write each article's documents into their
    own segments and send the pinyin keys of new words; the main process deletes the
    old documents and commits: the documents, the lexicon and the searches are those
    of the in-process pass."""
    from g60_reader.index.backends.whoosh.lexicon import LEXICON_NAME

    one = _build(tmp_path)  # the same files, indexed twice
    pooled = tmp_path / "pooled"
    store.update(pooled, [tmp_path / "corpus"], segment=False)
    monkeypatch.setattr(enrich_module, "ENRICH_POOL_ARTICLES", 2)
    assert store.enrich(one, _places_module_level) == 3 * len(ARTICLES)
    assert store.enrich(pooled, _places_module_level, procs=2) == 3 * len(ARTICLES)
    docs_one, table_one, lex_one = _contents(one)
    docs_pooled, table_pooled, lex_pooled = _contents(pooled)
    assert docs_pooled == docs_one
    assert any(d.get("ents") for d in docs_one) and all(
        d.get("seg") for d in docs_one if "para" in d
    )
    assert table_pooled == table_one
    assert lex_pooled == lex_one and "嘉兴" in lex_one
    for query in ("place:杭州", "金华科创", "jiaxing", "place:嘉兴 签约"):
        a, b = WhooshBackend(one), WhooshBackend(pooled)
        try:
            ra, rb = a.search(query), b.search(query)
            assert ra.total == rb.total > 0 and ra.articles == rb.articles
            assert sorted(h.score for h in ra.hits) == pytest.approx(
                sorted(h.score for h in rb.hits)
            )
        finally:
            a.close()
            b.close()
    assert (one / LEXICON_NAME).exists()


# a distinct jieba word per article, so that each batch brings new lexicon words
_WORDS = ["教育", "体育", "医疗", "交通", "旅游", "农业", "金融", "能源"]


def test_a_cancelled_pass_leaves_the_pinyin_table_of_what_it_committed(tmp_path, monkeypatch):
    """Each commit saves the lexicon; the searcher's pinyin table is rebuilt only when
    the lexicon has grown enough (here: never after the first commit) and at the end.
    A pass stopped between tables still leaves the table of every committed batch,
    and a later pass completes it."""
    import threading

    import pytest

    from g60_reader.index.backends.whoosh.lexicon import load_pinyin
    from g60_reader.index.errors import Cancelled

    root = tmp_path / "corpus"
    root.mkdir()
    for k, word in enumerate(_WORDS):
        (root / f"n{k}.txt").write_text(f"第{k}篇\n\n今年{word}工作取得新进展。\n", "utf-8")
    index_dir = tmp_path / "ix"
    store.update(index_dir, [root], segment=False)
    monkeypatch.setattr(enrich_module, "ENRICH_BATCH_PARAGRAPHS", 2)  # two articles a batch
    monkeypatch.setattr(enrich_module, "TABLE_GROWTH", 1000.0)
    cancel = threading.Event()

    def stop_in_the_third_batch(done: int, _total: int, _path: str) -> None:
        if done == 5:
            cancel.set()

    with pytest.raises(Cancelled):
        store.enrich(index_dir, _places, progress=stop_in_the_third_batch, cancel=cancel)
    b = WhooshBackend(index_dir)
    try:
        enriched = b.stats().enriched_paragraphs
    finally:
        b.close()
    assert enriched == 4  # two batches committed
    table = load_pinyin(index_dir)
    found = {w for w in _WORDS for k in [_pinyin_of(w)] if w in (table.get(k) or [])}
    assert len(found) == 4  # the committed batches' words, though the table was stale
    store.enrich(index_dir, _places)
    table = load_pinyin(index_dir)
    assert all(w in (table.get(_pinyin_of(w)) or []) for w in _WORDS)


def _pinyin_of(word: str) -> str:
    from g60_reader.index import pinyin

    return next(k for k in pinyin.keys(word) if len(k) > 2)


_MANY_CALLS: list[int] = []


def _places_in_batches(text: str, folded: str) -> list[EntitySpan]:
    raise AssertionError("the pass should hand paragraphs over together")


def _many_places(texts: list[str], folds: list[str]) -> list[list[EntitySpan]]:
    _MANY_CALLS.append(len(texts))
    return [_places(t, f) for t, f in zip(texts, folds, strict=True)]


_places_in_batches.many = _many_places  # type: ignore[attr-defined]


def test_the_pass_hands_a_job_of_articles_to_a_batch_recogniser(tmp_path, monkeypatch):
    """A recogniser with a ``many`` form gets the paragraphs of several articles at once
    (LAC tags them in batches), in jobs of about ENRICH_JOB_PARAGRAPHS_IN_PROCESS
    paragraphs, never cutting an article; the index is the one a per-paragraph pass
    builds, with workers too."""
    index_dir = _build(tmp_path)
    monkeypatch.setattr(enrich_module, "ENRICH_JOB_PARAGRAPHS_IN_PROCESS", 7)
    _MANY_CALLS.clear()
    assert store.enrich(index_dir, _places_in_batches) == 3 * len(ARTICLES)
    # 12 articles of 3 paragraphs in jobs of at least 7: three articles (9) per call
    assert _MANY_CALLS == [9, 9, 9, 9]
    _check(index_dir, 3 * len(ARTICLES))

    plain = tmp_path / "plain"
    store.update(plain, [tmp_path / "corpus"], segment=False)
    store.enrich(plain, _places_module_level)
    pooled = tmp_path / "pooled"
    store.update(pooled, [tmp_path / "corpus"], segment=False)
    monkeypatch.setattr(enrich_module, "ENRICH_POOL_ARTICLES", 2)
    monkeypatch.setattr(enrich_module, "ENRICH_JOB_PARAGRAPHS", 4)
    assert store.enrich(pooled, _places_in_batches, procs=2) == 3 * len(ARTICLES)
    assert _contents(index_dir)[0] == _contents(plain)[0] == _contents(pooled)[0]


def test_jobs_hold_whole_articles() -> None:
    articles = [(f"a{i}", {}, [{}] * n) for i, n in enumerate([3, 1, 5, 0, 2, 9])]
    jobs = enrich_module._jobs(articles, 4)
    assert [[a[0] for a in job] for job in jobs] == [["a0", "a1"], ["a2"], ["a3", "a4", "a5"]]
    assert enrich_module._jobs([], 4) == []
