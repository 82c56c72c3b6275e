"""The fast paths of the first pass write exactly what Whoosh's own code writes.

The segment writer packs term infos, hash tables, inlined postings and posting blocks
itself (``schema._G60FieldWriter``), groups postings per field (``store._TermPool``) and
adds plain field values without Whoosh's per-posting tuples (``store.FastWriter``). The
files of the fields kept in Whoosh's format must stay readable by Whoosh's stock W3
reader, so these tests compare them byte for byte with what Whoosh's
``W3FieldWriter``/``W3PostingsWriter`` write for the same input, and whole segments
(packed text fields included) with what Whoosh's ``SegmentWriter`` and pool give through
the same codec. The packed format has its own byte-level tests (``test_packed.py``).
"""

from __future__ import annotations

import json
import pickle
import random
from array import array
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from g60_reader.index import analyzer, units
from g60_reader.index.backends.whoosh import build, documents, postings, store, writer
from g60_reader.index.backends.whoosh.schema import (
    Analyzed,
    G60Codec,
    SubwordField,
    WordField,
    _SinglePostingPickle,
)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))


# -- the inlined single posting ------------------------------------------------------


def test_single_posting_pickle_is_pickle_dumps():
    rnd = random.Random(7)
    positions = Positions()
    values = [
        b"",
        positions.encode([0]),
        positions.encode([5]),
        positions.encode([300]),
        positions.encode([1, 7, 70000]),
        pack_uint(3),
        bytes(range(256)),  # every byte, Latin-1 text through UTF-8
        bytes(rnd.randrange(256) for _ in range(300)),
    ]
    docnums = [0, 1, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1]
    weights = [1.0, 2.0, 1.5, 0.1, 1e-3, 3, 250.0]
    single = _SinglePostingPickle()  # one instance: its caches are exercised too
    for _ in range(2):
        for d in docnums:
            for w in weights:
                for v in values:
                    w4 = array("f", [w])[0]
                    expected = pickle.dumps(((d,), (w4,), (v,) if v else ()), 2)
                    assert single.dumps(d, w, v) == (w4, expected)
                    assert pickle.loads(single.dumps(d, w, v)[1])[0] == (d,)


# -- the field writer ----------------------------------------------------------------


class _Schema(dict):
    """``schema[fieldname]`` for the field writer."""


class _Lengths:
    """A per-document reader's ``doc_field_length`` over fixed lengths."""

    def __init__(self, lengths: dict[str, list[int]]) -> None:
        self.table = lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        return self.table[fieldname][docnum] if fieldname in self.table else default


def _random_terms(rnd: random.Random, fieldname: str, fmt, ndocs: int, nterms: int):
    """``(btext, [docnum, weight, vbytes, ...])`` in term order, documents ascending,
    with document frequencies around the inline limit and the block size."""
    out = []
    texts = sorted({f"{fieldname}{rnd.randrange(10**6)}".encode() for _ in range(nterms)})
    for btext in texts:
        df = rnd.choice([1, 1, 1, 2, 3, 4, 5, 127, 128, 129, 257, min(ndocs, 600)])
        docs = sorted(rnd.sample(range(ndocs), min(df, ndocs)))
        flat: list = []
        for d in docs:
            if isinstance(fmt, Positions):
                poses = sorted(rnd.sample(range(400), rnd.choice([1, 1, 2, 5])))
                weight, value = float(len(poses) + rnd.choice([0, 0, 1])), fmt.encode(poses)
            elif isinstance(fmt, Frequency):
                n = rnd.choice([1, 1, 2, 9])
                weight, value = float(n), pack_uint(n)
            else:
                weight, value = 1.0, b""
            if rnd.random() < 0.05:
                weight = rnd.choice([0.5, 1.25, 7.75])
            flat += (d, weight, value)
        out.append((btext, flat))
    return out


def _segment_files(storage: RamStorage, segment) -> dict[str, bytes]:
    prefix = segment.segment_id()
    return {
        name[len(prefix) :]: bytes(storage.files[name])
        for name in storage.list()
        if name.startswith(prefix)
    }


class _W3Subword(SubwordField):
    """The sub-word field with Whoosh's own ``Positions`` values: a field the writer
    keeps in Whoosh's files (the schema's text fields are in the packed format)."""

    format_class = Positions


class _W3Word(WordField):
    format_class = Frequency


@pytest.mark.parametrize("cached_lengths", [True, False])
def test_field_writer_files_are_whooshs_bytes(cached_lengths):
    rnd = random.Random(60 + cached_lengths)
    ndocs = 700
    fmts = {
        "body": _W3Subword(),
        "kind": store.build_schema()["kind"],  # Existence, not scorable
        "words": _W3Word(),
    }
    assert isinstance(fmts["kind"].format, Existence)
    terms = {name: _random_terms(rnd, name, f.format, ndocs, 300) for name, f in fmts.items()}
    # lengths as Whoosh's per-document reader returns them: decoded length bytes (a
    # scorable field has a length wherever it has postings; "kind" has none)
    lengths = {
        "body": [byte_to_length(rnd.randrange(1, 256)) for _ in range(ndocs)],
        "words": [byte_to_length(rnd.randrange(1, 40)) for _ in range(ndocs)],
    }
    schema = _Schema(fmts)
    codec = G60Codec()

    storage = RamStorage()
    ours = codec.new_segment(storage, "T")
    writer = codec.field_writer(storage, ours)
    pdr = _Lengths(lengths)
    if cached_lengths:
        pdr = store._CachedLengths(pdr, ndocs)
    writer.add_fields(schema, pdr, ((name, iter(terms[name])) for name in sorted(terms)))
    writer.close()

    reference = codec.new_segment(storage, "T")
    plain = W3FieldWriter(codec, storage, reference)  # Whoosh's writer, term by term
    for name in sorted(terms):
        plain.start_field(name, schema[name])
        for btext, flat in terms[name]:
            plain.start_term(btext)
            for i in range(0, len(flat), 3):
                d = flat[i]
                plain.add(d, flat[i + 1], flat[i + 2], lengths.get(name, [0] * ndocs)[d])
            plain.finish_term()
        plain.finish_field()
    plain.close()

    got, want = _segment_files(storage, ours), _segment_files(storage, reference)
    assert set(got) == set(want) == {".trm", ".pst"}
    assert got[".pst"] == want[".pst"]
    assert got[".trm"] == want[".trm"]


def test_field_writer_refuses_terms_out_of_order():
    codec = G60Codec()
    storage = RamStorage()
    writer = codec.field_writer(storage, codec.new_segment(storage, "T"))
    schema = _Schema(body=SubwordField())
    terms = [("body", b"b", [0, 1.0, b""]), ("body", b"a", [0, 1.0, b""])]
    with pytest.raises(ValueError, match="out of order"):
        writer.add_terms(schema, None, iter(terms))


# -- whole segments ------------------------------------------------------------------


def _corpus(root: Path) -> Path:
    root.mkdir()
    rnd = random.Random(3)
    words = ["嘉兴", "科创", "走廊", "长三角", "一体化", "数字经济", "G60", "会议", "推进"]
    for i in range(12):
        paras = ["".join(rnd.choice(words) for _ in range(rnd.randrange(3, 40))) + "。"]
        paras += [
            "，".join(rnd.choice(words) for _ in range(rnd.randrange(2, 30))) for _ in range(5)
        ]
        (root / f"{i:02d}.txt").write_text(f"标题{i}\n\n" + "\n\n".join(paras) + "\n", "utf-8")
    # a term in more than one block (128 postings)
    (root / "long.txt").write_text(
        "长文\n\n" + "\n\n".join(f"走廊{i}号" for i in range(300)) + "\n", "utf-8"
    )
    return root


def _files(index_dir: Path) -> dict[str, bytes]:
    out = {}
    for p in index_dir.glob(f"{store.INDEX_NAME}_*.*"):
        if not p.name.endswith("WRITELOCK"):
            out[p.name.split(".", 1)[1]] = p.read_bytes()
    return out


def _assert_same_segment(fast_dir: Path, plain_dir: Path) -> None:
    fast, plain = _files(fast_dir), _files(plain_dir)
    assert {"trm", "pst", "pkd", "_stored.col", "_body_len.col"} <= set(fast)
    assert set(fast) == set(plain)
    for ext in fast:
        assert fast[ext] == plain[ext], ext


class _PlainWriter(SegmentWriter):
    """Whoosh's own segment writer and postings pool, with our codec (its field writer
    is compared with Whoosh's above, for the fields kept in Whoosh's files; the packed
    fields reach it through Whoosh's ``add_postings``)."""

    def __init__(self, ix, **kwargs):
        kwargs["codec"] = G60Codec()
        kwargs["compound"] = False
        super().__init__(ix, **kwargs)


def test_segments_are_whooshs_bytes(tmp_path, monkeypatch):
    """Documents added through FastWriter (pre-analysed and plain values) give the same
    segment files, byte for byte, as Whoosh's SegmentWriter, pool and W3 writer."""
    corpus = _corpus(tmp_path / "corpus")
    store.update(tmp_path / "fast", [corpus], procs=1, segment=True)
    monkeypatch.setattr(build, "FastWriter", _PlainWriter)
    store.update(tmp_path / "plain", [corpus], procs=1, segment=True)
    _assert_same_segment(tmp_path / "fast", tmp_path / "plain")


def _lean_corpus(root: Path) -> Path:
    """The corpus above, plus a scraper's dump: several articles in one file (one batch
    of units), Traditional script, Latin and digits, an exact duplicate, and an article
    with a paragraph of punctuation only (no units)."""
    _corpus(root)
    records = [
        {"title": "長三角", "content": "長三角一體化發展「高質量」推進\n上海、杭州、合肥簽署協議"},
        {"title": "数据", "content": "2024年GDP增长5.2%，CPI上涨0.2%\niPhone 15与Mate60……"},
        {"title": "長三角", "content": "長三角一體化發展「高質量」推進\n上海、杭州、合肥簽署協議"},
        {"title": "符号", "content": "——\n，。！\n末尾G60"},
    ]
    (root / "dump.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8"
    )
    return root


@pytest.mark.parametrize("mixed", [False, True])
@pytest.mark.parametrize("batch_chars", [documents.UNITS_BATCH_CHARS, 40])
def test_lean_segments_are_whooshs_bytes(tmp_path, monkeypatch, mixed, batch_chars):
    """The lean pass's bodies, made from arrays (index/units.py) when the segment is
    written, give the same segment files, byte for byte, as Whoosh's own writer given
    each paragraph's posting items. ``mixed``: every third paragraph comes as items
    instead, so the field gets postings both ways and batches are used in part;
    ``batch_chars`` 40: a file's paragraphs are split over many batches."""
    monkeypatch.setattr(documents, "UNITS_BATCH_CHARS", batch_chars)
    corpus = _lean_corpus(tmp_path / "corpus")
    real = build._lean_paragraph_docs
    made: list[int] = []

    def lean_docs(articles):
        out = real(articles)
        n = 0
        for docs in out:
            for doc in docs:
                if mixed and n % 3 == 1:
                    doc["body"] = Analyzed(doc["body"].items)
                n += 1
        return out

    monkeypatch.setattr(build, "_lean_paragraph_docs", lean_docs)
    original = writer._Columns._unit_postings

    def spy(self):
        out = original(self)
        made.append(len(out[1]))
        return out

    monkeypatch.setattr(writer._Columns, "_unit_postings", spy)
    real_units = units.body_units
    batches: list[int] = []

    def body_units(norms):
        batches.append(len(norms))
        return real_units(norms)

    monkeypatch.setattr(units, "body_units", body_units)
    store.update(tmp_path / "fast", [corpus], procs=1, segment=False)
    assert made and made[0] > 100  # the bodies did come from the arrays
    files = len(list(corpus.iterdir()))
    assert len(batches) > 3 * files if batch_chars == 40 else len(batches) == files
    monkeypatch.setattr(build, "FastWriter", _PlainWriter)
    store.update(tmp_path / "plain", [corpus], procs=1, segment=False)
    _assert_same_segment(tmp_path / "fast", tmp_path / "plain")


def _contents(index_dir: Path) -> list:
    """Every term's statistics and postings, as Whoosh's W3 reader returns them."""
    from whoosh import index as windex

    ix = windex.open_dir(str(index_dir), store.INDEX_NAME)
    out = []
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            info = r.term_info(fieldname, text)
            m = r.postings(fieldname, text)
            postings = []
            while m.is_active():
                postings.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (info.weight(), info.doc_frequency(), info.max_weight())
            lengths = (info.min_length(), info.max_length(), info.min_id(), info.max_id())
            out.append((fieldname, text, stats, lengths, postings))
        out.append([r.stored_fields(d) for d in range(r.doc_count_all())])
    return out


@pytest.mark.parametrize("segment", [True, False])
def test_spilled_runs_give_the_same_segment(tmp_path, monkeypatch, segment):
    """A writer whose pool spills sorted runs (tiny limit) and merges them stores the
    same terms, statistics and postings as one that keeps every posting in memory (the
    bytes may differ: a value shared by several postings is pickled once with a memo
    reference when it is the same object, which a run file does not preserve)."""
    corpus = _lean_corpus(tmp_path / "corpus")
    store.update(tmp_path / "memory", [corpus], procs=1, segment=segment)
    original = store._TermPool.__init__
    saved: list[int] = []

    def tiny(self, tempdir, limit=store.POOL_POSTINGS, **kw):
        original(self, tempdir, limit=7, **kw)
        real_save = self.save

        def save():
            saved.append(self.count)
            real_save()

        self.save = save

    monkeypatch.setattr(store._TermPool, "__init__", tiny)
    store.update(tmp_path / "spilled", [corpus], procs=1, segment=segment)
    assert len(saved) > 10  # many runs were merged
    spilled, memory = _contents(tmp_path / "spilled"), _contents(tmp_path / "memory")
    assert len(spilled) > 100
    assert spilled == memory
    assert not list((tmp_path / "spilled").glob(".tmp-*"))


def test_in_process_writers_keep_the_small_pool(tmp_path, monkeypatch):
    """The main process's writer spills at the small limit; the workers' limit (large,
    see store.WORKER_POOL_POSTINGS) covers a worker's share of a batch."""
    limits: list[int] = []
    original = store._TermPool.__init__

    def record(self, tempdir, limit=store.POOL_POSTINGS, **kw):
        limits.append(limit)
        original(self, tempdir, limit=limit, **kw)

    monkeypatch.setattr(store._TermPool, "__init__", record)
    corpus = _corpus(tmp_path / "corpus")
    store.update(tmp_path / "ix", [corpus], procs=1)
    assert limits and set(limits) == {store.POOL_POSTINGS}
    assert store.WORKER_POOL_POSTINGS > store.POOL_POSTINGS
    # ~300k postings per MB of source: a worker's share of a batch fits in memory
    share_mb = store.BATCH_BYTES / 2 / 2**20
    assert share_mb * 300_000 <= store.WORKER_POOL_POSTINGS


def test_lean_analysis_items_are_unchanged():
    """The inlined item loop gives the items the helper functions would."""
    text = analyzer.normalise("嘉兴市召开科技大会，嘉兴G60科创走廊3.0版 嘉兴嘉兴。")
    for seg in (b"", analyzer.encode_seg(analyzer.segment(text))):
        a = analyzer.ParagraphAnalysis(text, seg)
        poses: dict[str, list[int]] = {}
        for term, pos, _s, _e in analyzer.body_tokens(text):
            poses.setdefault(term, []).append(pos)
        by_term = {t.decode(): (n, w, v) for t, n, w, v in postings.body_items(a)}
        assert set(by_term) == set(poses) == set(a.poses)
        for term, pl in poses.items():
            n, w, v = by_term[term]
            assert n == len(pl) and v == postings.encode_positions(pl)
            assert type(w) is float and w >= len(pl)
            if not seg:
                assert w == float(len(pl))


def test_a_lean_segment_without_a_single_token(tmp_path):
    """Paragraphs of punctuation only: the segment's body has units references but no
    units at all (this crashed the commit once)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("标点\n\n——，。！\n\n……\n", "utf-8")
    report = store.update(tmp_path / "ix", [corpus], procs=1, segment=False)
    assert report.paragraphs == 2 and not report.failed
    assert _contents(tmp_path / "ix")  # a readable index
