"""The pool's columns (``writer._Columns``) for the packed text fields: the same
chunks, bytes and index as the per-term lists they replace."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest

from g60_reader.index import analyzer, units
from g60_reader.index.backends.whoosh import packed, store
from g60_reader.index.backends.whoosh import postings as postings_module
from g60_reader.index.backends.whoosh import writer as writer_module
from g60_reader.index.backends.whoosh.packed import chunks_from_columns, chunks_from_lists
from g60_reader.index.backends.whoosh.search import WhooshBackend


def _postings(seed: int, docs: int, has_values: bool):
    """Documents' items as the analysis gives them: distinct terms per document, Zipf-ish
    term frequencies, terms of 1 to 12 bytes (some sharing an 8-byte prefix)."""
    rng = random.Random(seed)
    vocab = [
        "长三角".encode()[: rng.randint(1, 9)] + bytes([rng.randrange(256)]) for _ in range(400)
    ]
    vocab = list(dict.fromkeys(vocab + [b"prefix12" + bytes([k]) for k in range(20)]))
    out = []
    for docnum in range(0, docs * 3, 3):  # document numbers with gaps
        terms = rng.sample(vocab, rng.randint(1, 40))
        items = []
        for t in terms:
            freq = rng.choice([1, 1, 1, 2, 3, 7])
            value = bytes(rng.randrange(128) for _ in range(freq)) if has_values else b""
            items.append((t, freq, float(freq) + rng.choice([0.0, 0.5]), value))
        out.append((docnum, items))
    return out


def _lists(postings):
    terms: dict[bytes, list] = {}
    for docnum, items in postings:
        for t, _freq, w, v in items:
            terms.setdefault(t, []).extend((docnum, w, v))
    return sorted(terms.items())


def _columns(postings):
    cols = writer_module._Columns()
    lengths = [cols.add(docnum, items) for docnum, items in postings]
    return cols, lengths


def _arrays(chunk) -> tuple:
    return (
        chunk.tblob.tobytes(),
        chunk.tlens.tolist(),
        chunk.dfs.tolist(),
        chunk.ids.tolist(),
        chunk.weights.tolist(),
        chunk.vlens.tolist(),
        chunk.values.tobytes(),
    )


@pytest.mark.parametrize("has_values", [True, False])
@pytest.mark.parametrize("chunk", [7, 100, 1_000_000])
def test_columns_give_the_chunks_of_the_lists(monkeypatch, has_values: bool, chunk: int):
    monkeypatch.setattr(packed, "CHUNK_POSTINGS", chunk)
    postings = _postings(chunk, 300, has_values)
    cols, lengths = _columns(postings)
    assert lengths == [sum(f for _t, f, _w, _v in items) for _d, items in postings]
    assert len(cols) == sum(len(items) for _d, items in postings)
    got = [_arrays(c) for c in cols.chunks(has_values)]
    want = [_arrays(c) for c in chunks_from_lists(_lists(postings), has_values)]
    assert got == want
    if chunk == 7:
        assert len(got) > 10  # chunk boundaries were compared too
    # the lists a sorted run is made of (chunks() gave up the values: a fresh pool)
    assert _columns(postings)[0].groups(has_values) == _lists(postings)


def _unit_paragraphs(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    pieces = ["嘉兴", "科创走廊", "長三角", "G60", "3.0", "，", "。", " ", "𠀀", "数字经济", "ab"]
    return [
        analyzer.normalise("".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30))))
        for _ in range(count)
    ]


@pytest.mark.parametrize("chunk", [7, 100, 1_000_000])
def test_units_give_the_chunks_of_their_items(monkeypatch, chunk: int):
    """Paragraphs added as units (the lean pass, index/units.py), in batches, some
    batches in part, some paragraphs as items: the same chunks as every paragraph's
    posting items in per-term lists."""
    monkeypatch.setattr(packed, "CHUNK_POSTINGS", chunk)
    paragraphs = _unit_paragraphs(chunk, 240)
    cols = writer_module._Columns()
    postings = []
    lengths = []
    held = 0  # postings of items, occurrences of units
    docnum = 0
    for start in range(0, len(paragraphs), 40):
        batch = units.body_units(paragraphs[start : start + 40])
        for k in range(len(batch)):
            if k % 5 == 4:  # left out: the batch is used in part
                continue
            items = postings_module.units_items(batch, k)
            if k % 7 == 3:
                lengths.append(cols.add(docnum, items) if items else 0)
                held += len(items)
            else:
                lengths.append(cols.add_units(docnum, batch, k))
                held += lengths[-1]
            postings.append((docnum, items))
            docnum += 2
    assert lengths == [sum(f for _t, f, _w, _v in items) for _d, items in postings]
    assert len(cols) == held
    got = [_arrays(c) for c in cols.chunks(True)]
    want = [_arrays(c) for c in chunks_from_lists(_lists(postings), True)]
    assert got == want
    assert len(got) > (10 if chunk == 7 else 0)


def test_columns_sort_documents_added_out_of_order_and_refuse_twice():
    keys = [b"b", b"a"]
    tids = np.array([0, 1, 0, 0], dtype=np.int64)
    docs = np.array([5, 5, 2, 9], dtype=np.int64)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    vlens = np.ones(4, dtype=np.int32)
    values = np.frombuffer(b"\x01\x02\x03\x04", dtype=np.uint8)
    (chunk,) = chunks_from_columns(keys, tids, docs, weights, vlens, values, True)
    assert chunk.dfs.tolist() == [1, 3]
    assert chunk.ids.tolist() == [5, 2, 5, 9]
    assert chunk.values.tobytes() == b"\x02\x03\x01\x04"
    twice = np.array([5, 5, 5, 9], dtype=np.int64)
    with pytest.raises(ValueError, match="twice"):
        list(chunks_from_columns(keys, tids, twice, weights, vlens, values, True))
    assert list(chunks_from_columns([], tids[:0], docs[:0], weights[:0], None, None, False)) == []


def _corpus(root: Path) -> Path:
    rng = random.Random(18)
    han = "长三角一体化嘉兴杭州合肥科创走廊产业会议记者报道发展新区高铁金融數據經濟臺灣"
    root.mkdir()
    for k in range(40):
        paras = [
            "".join(rng.choice(han) for _ in range(rng.randint(5, 120)))
            + rng.choice(["", " G60 ", " 5G网络 ", "COVID-19"])
            for _ in range(rng.randint(1, 9))
        ]
        if k % 2:
            paras[0] = "嘉兴G60科创走廊建设取得新进展，" + paras[0]
        (root / f"a{k:02d}.txt").write_text(f"标题{k}\n\n" + "\n\n".join(paras) + "\n", "utf-8")
    return root


def _digests(index_dir: Path) -> list[str]:
    return sorted(
        hashlib.sha256(p.read_bytes()).hexdigest()
        for ext in ("pkd", "trm", "pst")
        for p in index_dir.glob(f"*.{ext}")
    )


def test_the_index_is_byte_for_byte_the_lists_one(tmp_path, monkeypatch):
    """A build whose pool keeps the packed fields in columns writes the same segment
    files as one that keeps every field in per-term lists; searches agree."""
    corpus = _corpus(tmp_path / "corpus")
    store.update(tmp_path / "columns", [corpus], procs=1)
    original = store._TermPool.__init__

    def lists_only(self, tempdir, limit=store.POOL_POSTINGS, columnar=None):
        original(self, tempdir, limit=limit, columnar=None)

    monkeypatch.setattr(store._TermPool, "__init__", lists_only)
    store.update(tmp_path / "lists", [corpus], procs=1)
    assert _digests(tmp_path / "columns") == _digests(tmp_path / "lists")
    a, b = WhooshBackend(tmp_path / "columns"), WhooshBackend(tmp_path / "lists")
    try:
        for query in ("嘉兴", "科创走廊", "g60", "经济", "jiaxing"):
            ra, rb = a.search(query), b.search(query)
            assert ra.total == rb.total > 0
            assert [(h.article_id, h.paragraph, h.score) for h in ra.hits] == [
                (h.article_id, h.paragraph, h.score) for h in rb.hits
            ]
    finally:
        a.close()
        b.close()
