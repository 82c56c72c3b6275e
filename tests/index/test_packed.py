"""The packed posting format (:mod:`g60_reader.index.backends.whoosh.packed`, version 2),
checked against references written here from its module docstring: LEB128 varints, the
file layout byte for byte (postings led by their df; the dictionary as 8-byte keys, length
bytes and the tails of long terms; arrays aligned to their width), reading back (lookups,
prefix ranges, document frequencies, term bytes, both decode paths, bulk decoding),
merging segments with deletions, Whoosh's reader interface on a real index, and damaged
files. Generated data comes from ``random.Random(seed)``."""

from __future__ import annotations

import gc
import itertools
import json
import os
import random
import struct
from pathlib import Path

import numpy as np
import pytest

from g60_reader.index.backends.whoosh import packed, store
from g60_reader.index.backends.whoosh.packed import (
    FieldArrays,
    PackedFile,
    PackedPositions,
    PackedWriter,
    chunks_from_lists,
    decode_varints,
    decode_varints_py,
    encode_varints,
    merge_fields,
    positions_of,
    varint,
    varints,
)

Term = tuple[bytes, list]

# -- references -------------------------------------------------------------------------


def leb128(n: int) -> bytes:
    """Seven bits a byte, low bits first, the high bit on every byte but the last."""
    assert n >= 0
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def leb128_all(numbers) -> bytes:
    return b"".join(leb128(int(n)) for n in numbers)


def f32(w: float) -> float:
    return float(np.float32(w))


def ref_chunks(terms: list[Term], chunk_postings: int) -> list[list[Term]]:
    """How :func:`chunks_from_lists` groups terms: a chunk ends after the term that brings
    it to ``chunk_postings`` postings."""
    chunks: list[list[Term]] = []
    cur: list[Term] = []
    count = 0
    for t in terms:
        cur.append(t)
        count += len(t[1]) // 3
        if count >= chunk_postings:
            chunks.append(cur)
            cur, count = [], 0
    if cur:
        chunks.append(cur)
    return chunks


def term_key(t: bytes) -> int:
    """A term's first eight bytes as a big-endian number, zero-padded."""
    return int.from_bytes(t[:8].ljust(8, b"\0"), "big")


def u4(values) -> bytes:
    values = list(values)
    return struct.pack(f"<{len(values)}I", *values)


# "arrays aligned to their width": the postings offsets are uint32 unless the field is
# wide, so they are aligned to 4 bytes (the keys, uint64, to 8). The writer (v2 as of
# this test) pads them to 8 even when narrow: the file-bytes tests fail on that region
# until the docstring or the writer changes.
POFFS_ALIGN = 4


def ref_field(terms: list[Term], chunk_postings: int) -> dict:
    """One field's regions as the docstring lays them out. Weight numbers: the table
    grows chunk by chunk, a chunk's new weights numbered in ascending order."""
    table: dict[float, int] = {}
    post = bytearray()
    poffs = [0]
    for chunk in ref_chunks(terms, chunk_postings):
        new = sorted({f32(w) for _t, flat in chunk for w in flat[1::3]} - set(table))
        for w in new:
            table[w] = len(table)
        for _t, flat in chunk:
            ids, ws, vals = flat[0::3], flat[1::3], flat[2::3]
            deltas = [ids[0]] + [b - a for a, b in itertools.pairwise(ids)]
            post += (
                leb128(len(ids))  # df
                + leb128_all(deltas)
                + leb128_all(table[f32(w)] for w in ws)
                + leb128_all(len(v) for v in vals)
                + b"".join(vals)
            )
            poffs.append(len(post))
    names = [t for t, _f in terms]
    longs = [i for i, t in enumerate(names) if len(t) > 8]
    tail_offs = [0]
    for i in longs:
        tail_offs.append(tail_offs[-1] + len(names[i]) - 8)
    weights = [0.0] * len(table)
    for w, i in table.items():
        weights[i] = w
    return {
        "postings": bytes(post),
        "keys": struct.pack(f"<{len(names)}Q", *map(term_key, names)),
        "lens": bytes(min(len(t), 255) for t in names),
        "long": u4(longs),
        "tail_offs": u4(tail_offs),
        "tails": b"".join(names[i][8:] for i in longs),
        "poffs": u4(poffs),
        "weights": weights,
        "n": len(terms),
        "m": len(longs),
    }


def ref_file(fields: list[tuple[str, list[Term]]], chunk_postings: int) -> tuple[bytes, dict]:
    out = bytearray()

    def put(data: bytes, align: int = 1) -> int:
        out.extend(bytes(-len(out) % align))  # zero padding before an aligned array
        at = len(out)
        out.extend(data)
        return at

    directory: dict[str, dict] = {}
    for name, terms in fields:
        r = ref_field(terms, chunk_postings)
        post_at = put(r["postings"])
        keys_at = put(r["keys"], 8)
        lens_at = put(r["lens"])
        long_at = put(r["long"], 4)
        tail_offs_at = put(r["tail_offs"], 4)
        tails_at = put(r["tails"])
        poffs_at = put(r["poffs"], POFFS_ALIGN)
        directory[name] = {
            "n": r["n"],
            "postings": [post_at, len(r["postings"])],
            "keys": keys_at,
            "lens": lens_at,
            "long": [long_at, r["m"]],
            "tail_offs": tail_offs_at,
            "tails": [tails_at, len(r["tails"])],
            "poffs": poffs_at,
            "wide": False,
            "weights": r["weights"],
            "values": True,
        }
    at = len(out)
    out += json.dumps({"version": 2, "fields": directory}).encode("utf-8")
    out += struct.pack("<Q", at) + b"G60PACK1"
    return bytes(out), directory


# -- generated data ---------------------------------------------------------------------

HAN = "长三角一体化数字经济科创走廊嘉兴会议推进金华湖州苏州合肥上海松江杭州宣城芜湖"


def vocabulary(rnd: random.Random) -> list[bytes]:
    """Han characters (3 bytes), bigrams (6), long terms (one of 300 bytes), terms sharing
    their first 8 bytes, a term that is a prefix of others, ASCII, bytes near 0x80 / 0xff
    and zero bytes (terms whose zero-padded keys are equal)."""
    words = set(HAN)
    words |= {rnd.choice(HAN) + rnd.choice(HAN) for _ in range(120)}
    words |= {"长三角", "长三角一体化", "长三角一体化发展", "数字经济", "数字经营", "数字经"}
    words |= {"g60", "g60科创走廊", "abcdefgh", "abcdefghi", "abcdefghij", "abcdefgz", "x"}
    out = {w.encode("utf-8") for w in words}
    out |= {b"\x7f\xff", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff", b"\x80"}
    out |= {b"ab", b"ab\x00", b"ab\x00c", b"abcdefgh\x00", "嘉".encode() * 100}  # zero bytes, 300
    return sorted(out)


def posting_list(rnd: random.Random, docs: list[int], many_weights: bool) -> list:
    flat: list = []
    for d in docs:
        r = rnd.random()
        if many_weights and r < 0.5:
            w = rnd.randrange(1, 400) / 8  # a weight table past 128 entries
        elif r < 0.08:
            w = 0.5
        elif r < 0.14:
            w = 1.25
        else:
            w = float(rnd.randint(1, 6))
        k = rnd.choice([1, 1, 1, 2, 3, 7])
        top = rnd.choice([60, 300, 40_000])
        pos = sorted(rnd.sample(range(top), k))
        flat += [d, w, PackedPositions().encode(pos)]
    return flat


def make_terms(
    rnd: random.Random, vocab: list[bytes], ndocs: int, many_weights: bool = False
) -> list[Term]:
    out = []
    for t in vocab:
        r = rnd.random()
        if r < 0.4:
            k = 1
        elif r < 0.9:
            k = rnd.randint(2, 12)
        elif r < 0.97:
            k = rnd.randint(30, 80)
        else:
            k = rnd.randint(min(200, ndocs), min(400, ndocs))
        docs = sorted(rnd.sample(range(ndocs), min(k, ndocs)))
        out.append((t, posting_list(rnd, docs, many_weights)))
    # always one term of 200+ postings with big document gaps
    big = (
        b"\xe9\x95\xbf\xe5\xbe\x88",
        posting_list(rnd, sorted(rnd.sample(range(ndocs), min(250, ndocs))), False),
    )
    out = [t for t in out if t[0] != big[0]] + [big]
    return sorted(out)


def write(path: Path, fields: list[tuple[str, list[Term]]]) -> bytes:
    w = PackedWriter(str(path))
    for name, terms in fields:
        w.write_field(name, True, chunks_from_lists(terms, True))
    w.close()
    return path.read_bytes()


@pytest.fixture(scope="module")
def data() -> dict[str, list[Term]]:
    rnd = random.Random(60)
    vocab = vocabulary(rnd)
    return {
        "body": make_terms(rnd, vocab, 5000),
        "title": make_terms(rnd, vocab[::3], 900, many_weights=True),
    }


# -- 1. varints -------------------------------------------------------------------------

EDGES = [0, 1, 127, 128, 255, 16383, 16384, 2**21 - 1, 2**21, 2**32 - 1, 2**32, 2**56, 2**63 - 1]


def varint_cases() -> list[list[int]]:
    rnd = random.Random(1)
    cases = [[n] for n in EDGES] + [EDGES, [], [5, 0, 127]]
    for _ in range(30):
        cases.append(
            [
                rnd.choice([rnd.randrange(128), rnd.randrange(2 ** rnd.randrange(1, 63))])
                for _ in range(rnd.randrange(1, 300))
            ]
        )
    return cases


@pytest.mark.parametrize("numbers", varint_cases())
def test_varints_match_leb128(numbers: list[int]) -> None:
    expected = leb128_all(numbers)
    data, sizes = encode_varints(np.array(numbers, dtype=np.uint64))
    assert data.dtype == np.uint8
    assert data.tobytes() == expected
    assert sizes.tolist() == [len(leb128(n)) for n in numbers]
    assert decode_varints(np.frombuffer(expected, dtype=np.uint8)).tolist() == numbers
    assert decode_varints_py(expected) == numbers
    assert varints(numbers) == expected
    assert [varint(n) for n in numbers] == [leb128(n) for n in numbers]


def test_varint_known_bytes() -> None:
    assert leb128(300) == b"\xac\x02"  # the reference itself, against the textbook value
    assert varint(300) == b"\xac\x02"
    assert varint(2**32) == b"\x80\x80\x80\x80\x10"
    assert encode_varints(np.array([128, 1]))[0].tobytes() == b"\x80\x01\x01"


# -- 2. file bytes ----------------------------------------------------------------------


def regions(d: dict) -> dict[str, tuple[int, int]]:
    """Each region of a field's directory entry: (offset, length in bytes)."""
    n, (long_at, m) = d["n"], d["long"]
    return {
        "postings": tuple(d["postings"]),
        "keys": (d["keys"], 8 * n),
        "lens": (d["lens"], n),
        "long": (long_at, 4 * m),
        "tail_offs": (d["tail_offs"], 4 * (m + 1)),
        "tails": tuple(d["tails"]),
        "poffs": (d["poffs"], (8 if d["wide"] else 4) * (n + 1)),
    }


def assert_file(got: bytes, expected: bytes, directory: dict) -> None:
    at, _magic = struct.unpack("<Q8s", got[-16:])
    got_dir = json.loads(got[at:-16])["fields"]
    for name, d in directory.items():  # region by region first, for a readable failure
        got_regions = regions(got_dir[name])
        for region, (at, ln) in regions(d).items():
            g_at, g_ln = got_regions[region]
            assert got[g_at : g_at + g_ln] == expected[at : at + ln], (name, region)
            assert (g_at, g_ln) == (at, ln), (name, region)
    assert got == expected


def test_file_bytes_one_field(tmp_path: Path, data) -> None:
    fields = [("body", data["body"])]
    got = write(tmp_path / "a.pkd", fields)
    expected, directory = ref_file(fields, packed.CHUNK_POSTINGS)
    assert_file(got, expected, directory)


def test_file_bytes_two_fields(tmp_path: Path, data) -> None:
    fields = [("body", data["body"]), ("title", data["title"])]
    got = write(tmp_path / "a.pkd", fields)
    expected, directory = ref_file(fields, packed.CHUNK_POSTINGS)
    assert len(directory["title"]["weights"]) > 128  # two-byte weight numbers
    assert_file(got, expected, directory)
    at, magic = struct.unpack("<Q8s", got[-16:])
    assert magic == packed.MAGIC == b"G60PACK1"
    assert json.loads(got[at:-16])["fields"] == json.loads(json.dumps(directory))


def test_file_bytes_in_chunks(tmp_path: Path, monkeypatch, data) -> None:
    fields = [("body", data["body"]), ("title", data["title"])]
    write(tmp_path / "whole.pkd", fields)
    monkeypatch.setattr(packed, "CHUNK_POSTINGS", 50)
    assert len(list(chunks_from_lists(data["body"], True))) > 5
    got = write(tmp_path / "chunks.pkd", fields)
    expected, directory = ref_file(fields, 50)
    assert_file(got, expected, directory)
    # same content as the file written at once (weight numbers may differ: compare floats)
    a, b = PackedFile(str(tmp_path / "whole.pkd")), PackedFile(str(tmp_path / "chunks.pkd"))
    for name, _terms in fields:
        fa, fb = a.field(name), b.field(name)
        assert fa.n == fb.n
        for i in range(fa.n):
            assert fa.term(i) == fb.term(i)
            pa, pb = fa.postings(i, values=True), fb.postings(i, values=True)
            for x, y in zip(pa, pb, strict=True):
                assert x.tolist() == y.tolist()
    # with every weight in the first chunk the numbering, and so the file, is the same
    first = data["body"][0]
    ws = sorted({f32(w) for _t, f in data["body"] for w in f[1::3]})
    docs = list(range(len(ws)))
    seed = (b"\x01", [x for d, w in zip(docs, ws, strict=True) for x in (d, w, b"\x00")])
    terms = [seed, *data["body"]]
    assert first[0] > seed[0]
    got = write(tmp_path / "c2.pkd", [("body", terms)])
    monkeypatch.setattr(packed, "CHUNK_POSTINGS", 1_000_000)
    assert got == write(tmp_path / "w2.pkd", [("body", terms)])
    assert got == ref_file([("body", terms)], 1_000_000)[0]


def test_writer_rejects_bad_order(tmp_path: Path) -> None:
    w = PackedWriter(str(tmp_path / "x.pkd"))
    chunks = [
        FieldArrays([b"b"], [1], [0], [1.0], [1], [0]),
        FieldArrays([b"a"], [1], [0], [1.0], [1], [0]),
    ]
    with pytest.raises(ValueError, match="out of order"):
        w.write_field("body", True, iter(chunks))
    with pytest.raises(ValueError, match="twice"):
        w.write_field(
            "title", True, chunks_from_lists([(b"a", [5, 1.0, b"\x00", 5, 1.0, b"\x00"])], True)
        )
    w.close()


# -- 3. reading back --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pkd(tmp_path_factory, data) -> PackedFile:
    path = tmp_path_factory.mktemp("pkd") / "MAIN_x.pkd"
    write(path, [("body", data["body"]), ("title", data["title"])])
    return PackedFile(str(path))


def absent_terms(terms: list[bytes]) -> list[bytes]:
    present = set(terms)
    cands = [
        b"",
        b"\x00",
        b"zzzz",
        "长三".encode(),
        "长三角一体".encode(),
        "长三角一体化发".encode(),
    ]
    cands += ["数字经x".encode(), "数字经济发展".encode(), b"abcdefg", b"abcdefgha", b"abcdefghik"]
    cands += [b"abcdefgh\x00", b"\xff" * 12, b"\x7f", "长三角一体化发展了".encode()]
    for t in terms:
        cands += [t[:-1], t + b"\x01", t + "化".encode(), t[:-1] + bytes([(t[-1] + 1) % 256])]
    return [c for c in dict.fromkeys(cands) if c not in present]


@pytest.mark.parametrize("name", ["body", "title"])
def test_lookups(pkd: PackedFile, data, name: str) -> None:
    terms = [t for t, _f in data[name]]
    f = pkd.field(name)
    assert f.n == len(terms)
    assert [f.term(i) for i in range(f.n)] == terms
    assert (b"abcdefgh" in terms and b"abcdefghi" in terms) or name == "title"
    for i, t in enumerate(terms):
        assert f.find(t) == i, t
    absent = absent_terms(terms)
    assert len(absent) > 100
    for t in absent:
        assert f.find(t) == -1, t
    queries = terms + absent
    random.Random(2).shuffle(queries)
    assert f.find_many(queries).tolist() == [f.find(q) for q in queries]
    assert pkd.field("nope") is None


@pytest.mark.parametrize("name", ["body", "title"])
def test_prefix_ranges(pkd: PackedFile, data, name: str) -> None:
    terms = [t for t, _f in data[name]]
    f = pkd.field(name)
    prefixes = {b"", b"a", b"\xff", b"\x7f", b"\xe9", b"\xe9\x95", "长".encode()}
    prefixes |= {t[:k] for t in terms for k in (1, 3, 6, 8, 9, 12) if len(t) >= k}
    prefixes |= {"长三角一".encode(), b"abcdefghi", b"abcdefgh\x00"}
    for p in sorted(prefixes):
        idx = [i for i, t in enumerate(terms) if t.startswith(p)]
        expected = (idx[0], idx[-1] + 1) if idx else None
        lo, hi = f.prefix_range(p)
        if expected is None:
            assert lo == hi, p
        else:
            assert (lo, hi) == expected, p
    short = sorted(p for p in prefixes if len(p) <= 8)
    assert f.prefix_counts(short).tolist() == [sum(t.startswith(p) for t in terms) for p in short]


def check_postings(f, i: int, flat: list) -> None:
    ids, weights, counts, deltas = f.postings(i, values=True)
    assert ids.tolist() == flat[0::3]
    assert weights.tolist() == [f32(w) for w in flat[1::3]]
    vals = flat[2::3]
    assert counts.tolist() == [len(PackedPositions().decode_positions(v)) for v in vals]
    pos = positions_of(counts, deltas).tolist()
    assert pos == [p for v in vals for p in PackedPositions().decode_positions(v)]
    ids2, weights2, c2, d2 = f.postings(i)
    assert ids2.tolist() == ids.tolist() and weights2.tolist() == weights.tolist()
    assert c2 is None and d2 is None
    assert f.value_bytes(i) == vals


@pytest.mark.parametrize("small", [None, 0, 10**9])
@pytest.mark.parametrize("name", ["body", "title"])
def test_postings(pkd: PackedFile, data, name: str, small, monkeypatch) -> None:
    if small is not None:
        monkeypatch.setattr(packed, "SMALL", small)
    f = pkd.field(name)
    sizes = [f.raw(i).size for i in range(f.n)]
    assert min(sizes) <= packed.SMALL < max(sizes) or small is not None
    for i, (_t, flat) in enumerate(data[name]):
        check_postings(f, i, flat)


@pytest.mark.parametrize("name", ["body", "title"])
def test_bulk(pkd: PackedFile, data, name: str) -> None:
    f = pkd.field(name)
    rnd = random.Random(4)
    ranges = [(0, f.n), (0, 1), (f.n - 1, f.n), (3, 3)]
    ranges += [tuple(sorted(rnd.sample(range(f.n + 1), 2))) for _ in range(20)]
    for lo, hi in ranges:
        term_of, ids, wnums, vlens, values = f.bulk(lo, hi)
        e_term, e_ids, e_w, e_vl, e_vals = [], [], [], [], b""
        for i in range(lo, hi):
            flat = data[name][i][1]
            e_term += [i] * (len(flat) // 3)
            e_ids += flat[0::3]
            e_w += [f32(w) for w in flat[1::3]]
            e_vl += [len(v) for v in flat[2::3]]
            e_vals += b"".join(flat[2::3])
        assert term_of.tolist() == e_term, (lo, hi)
        assert ids.tolist() == e_ids, (lo, hi)
        assert f.weights[wnums.astype(np.int64)].tolist() == e_w, (lo, hi)
        assert vlens.tolist() == e_vl, (lo, hi)
        assert np.asarray(values, dtype=np.uint8).tobytes() == e_vals, (lo, hi)


# -- 4. merging -------------------------------------------------------------------------


def segments(seed: int):
    """Three segments' terms (overlapping and disjoint vocabularies) and docmaps that
    renumber them end to end with deletions."""
    rnd = random.Random(seed)
    vocab = vocabulary(rnd)
    sizes = [700, 40, 1200]
    segs = []
    for k, n in enumerate(sizes):
        words = [t for t in vocab if rnd.random() < 0.6]
        words += [f"段{k}独有词{j}".encode() for j in range(rnd.randrange(3, 9))]
        segs.append((make_terms(rnd, sorted(set(words)), n), n))
    docmaps = []
    nxt = 0
    for _terms, n in segs:
        dm = np.full(n, -1, dtype=np.int64)
        for d in range(n):
            if rnd.random() > 0.15:
                dm[d] = nxt
                nxt += 1
        docmaps.append(dm)
    return segs, docmaps


def brute_merge(segs, docmaps) -> dict[bytes, list]:
    out: dict[bytes, list] = {}
    for (terms, _n), dm in zip(segs, docmaps, strict=True):
        for t, flat in terms:
            for d, w, v in zip(flat[0::3], flat[1::3], flat[2::3], strict=True):
                if dm[d] >= 0:
                    out.setdefault(t, []).append((int(dm[d]), f32(w), v))
    return {t: sorted(p) for t, p in out.items()}


def merged_contents(path: Path) -> dict[bytes, list]:
    f = PackedFile(str(path)).field("body")
    out = {}
    for i in range(f.n):
        ids, weights, _c, _d = f.postings(i, values=True)
        out[f.term(i)] = list(zip(ids.tolist(), weights.tolist(), f.value_bytes(i), strict=True))
    assert list(out) == sorted(out)
    return out


@pytest.mark.parametrize("merge_postings", [None, 300])
@pytest.mark.parametrize("as_arrays", [False, True])
def test_merge(tmp_path: Path, monkeypatch, merge_postings, as_arrays: bool) -> None:
    segs, docmaps = segments(7)
    if merge_postings is not None:
        monkeypatch.setattr(packed, "MERGE_POSTINGS", merge_postings)
    sources = []
    for k, ((terms, _n), dm) in enumerate(zip(segs, docmaps, strict=True)):
        if as_arrays and k == 1:  # the writer's own documents, still in memory
            (arrays,) = list(chunks_from_lists(terms, True))
            assert isinstance(arrays, FieldArrays)
            sources.append((arrays, dm))
        else:
            p = tmp_path / f"s{k}.pkd"
            write(p, [("body", terms)])
            sources.append((PackedFile(str(p)).field("body"), dm))
    chunks = list(merge_fields(sources, True))
    if merge_postings is not None:
        assert len(chunks) > 3
    w = PackedWriter(str(tmp_path / "m.pkd"))
    w.write_field("body", True, iter(chunks))
    w.close()
    expected = brute_merge(segs, docmaps)
    got = merged_contents(tmp_path / "m.pkd")
    assert set(got) == set(expected)
    for t in expected:
        assert got[t] == expected[t], t


def test_merge_keeps_numbers_without_docmap(tmp_path: Path) -> None:
    rnd = random.Random(9)
    vocab = vocabulary(rnd)
    a = make_terms(rnd, vocab[::2], 300)
    # the second segment's documents come after the first's: shift its numbers
    b = [
        (t, [x + 300 if j % 3 == 0 else x for j, x in enumerate(f)])
        for t, f in make_terms(rnd, vocab[1::3], 300)
    ]
    write(tmp_path / "a.pkd", [("body", a)])
    write(tmp_path / "b.pkd", [("body", b)])
    srcs = [(PackedFile(str(tmp_path / n)).field("body"), None) for n in ("a.pkd", "b.pkd")]
    w = PackedWriter(str(tmp_path / "m.pkd"))
    w.write_field("body", True, merge_fields(srcs, True))
    w.close()
    ident = [np.arange(300, dtype=np.int64), np.arange(600, dtype=np.int64)]
    assert merged_contents(tmp_path / "m.pkd") == brute_merge([(a, 300), (b, 600)], ident)


# -- 5. Whoosh's interface on a real index ----------------------------------------------


def corpus(root: Path) -> Path:
    root.mkdir()
    rnd = random.Random(5)
    words = ["嘉兴", "科创", "走廊", "长三角", "一体化", "数字经济", "G60", "会议", "推进", "长期"]
    for i in range(10):
        paras = ["".join(rnd.choice(words) for _ in range(rnd.randrange(3, 40))) + "。"]
        paras += [
            "，".join(rnd.choice(words) for _ in range(rnd.randrange(2, 30))) for _ in range(4)
        ]
        text = f"长三角新闻{i}\n\n" + "\n\n".join(paras) + "\n"
        (root / f"{i:02d}.txt").write_bytes(text.encode("gb18030" if i % 3 == 0 else "utf-8"))
    (root / "long.txt").write_text(
        "长文\n\n" + "\n\n".join(f"走廊{i}号长江" for i in range(200)) + "\n", "utf-8"
    )
    return root


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("ix")
    mp = pytest.MonkeyPatch()
    mp.setenv("G60_READER_HOME", str(base / "home"))
    try:
        store.update(base / "index", [corpus(base / "corpus")], procs=1)
    finally:
        mp.undo()
    return base / "index"


def test_whoosh_reader(index_dir: Path) -> None:
    from whoosh import index as windex
    from whoosh.reading import TermNotFound

    ix = windex.open_dir(str(index_dir), store.INDEX_NAME)
    with ix.reader() as r:
        readers = [sr for sr, _off in r.leaf_readers()]
        assert len(readers) == 1
        seg = readers[0].segment()
        pkds = sorted(p.name for p in index_dir.glob("*.pkd"))
        assert pkds == [f"{store.INDEX_NAME}_{seg.segid}.pkd"]
        pf = PackedFile(str(index_dir / pkds[0]))
        checked = 0
        for name in ("body", "title", "words"):
            f = pf.field(name)
            assert f is not None and f.n > 0, name
            fieldobj = ix.schema[name]
            positional = fieldobj.format.supports("positions")
            for i in range(f.n):
                btext = f.term(i)
                ids, weights, counts, deltas = f.postings(i, values=True)
                m = r.postings(name, btext)
                got = []
                while m.is_active():
                    item = [m.id(), m.weight()]
                    if positional:
                        item.append(m.value_as("positions"))
                    got.append(item)
                    m.next()
                expected = [[d, w] for d, w in zip(ids.tolist(), weights.tolist(), strict=True)]
                if positional:
                    pos = positions_of(counts, deltas).tolist()
                    ends = np.cumsum(counts).tolist()
                    for e, a, b in zip(expected, [0, *ends[:-1]], ends, strict=True):
                        e.append(pos[a:b])
                assert got == expected, (name, btext)
                info = r.term_info(name, btext)
                assert info.doc_frequency() == ids.size == f.df(i) == int(f.dfs_of([i])[0])
                assert r.doc_frequency(name, btext) == ids.size
                assert info.weight() == pytest.approx(float(weights.sum()))
                assert info.max_weight() == pytest.approx(float(weights.max()))
                assert (info.min_id(), info.max_id()) == (int(ids[0]), int(ids[-1]))
                if ids.size > 2:  # skip_to lands on the first id at or after the target
                    m = r.postings(name, btext)
                    # a document between two postings when there is one, else a posting's
                    mid = ids.size // 2
                    gap = int(ids[mid]) - int(ids[mid - 1]) > 1
                    target = int(ids[mid]) - 1 if gap else int(ids[mid])
                    m.skip_to(target)
                    assert m.id() == int(ids[np.searchsorted(ids, target)])
                    m.skip_to(int(ids[-1]) + 1)
                    assert not m.is_active()
                checked += 1
        assert checked > 100
        body = pf.field("body")
        terms = [body.term(i) for i in range(body.n)]
        want = [t for t in terms if t.startswith("长".encode())]
        assert len(want) > 2
        assert list(r.expand_prefix("body", "长")) == want
        assert list(r.expand_prefix("body", "长三")) == [
            t for t in want if t.startswith("长三".encode())
        ]
        with pytest.raises(TermNotFound):
            r.postings("body", "不在索引里的词")
        assert ("body", "长三".encode()) in r or "长三".encode() not in terms
        assert ("body", "这不是一个词".encode()) not in r
        pf.close()


# -- 6. damaged files -------------------------------------------------------------------


def test_bad_files(tmp_path: Path, data) -> None:
    good = write(tmp_path / "good.pkd", [("body", data["body"][:40])])
    version = f'"version": {packed.VERSION}'.encode()
    assert good.count(version) == 1
    PackedFile(str(tmp_path / "good.pkd")).close()
    cases = {
        "empty.pkd": b"",
        "short.pkd": good[:7],
        "cut.pkd": good[: len(good) // 2],
        "cut1.pkd": good[:-1],
        "magic.pkd": good[:-8] + b"G60PACK2",
        "past.pkd": good[:-16] + struct.pack("<Q", len(good) + 5) + packed.MAGIC,
        "version.pkd": good.replace(version, b'"version": 9'),
        "pointer.pkd": good[:-16] + struct.pack("<Q", 0) + packed.MAGIC,
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError) as err:
            PackedFile(str(tmp_path / name))
        assert name in str(err.value), (name, str(err.value))


def test_terms_with_nul_bytes(tmp_path: Path) -> None:
    """Keys are a term's first eight bytes zero-padded, so ``ab`` and ``ab\\0`` share one:
    lookups and prefix ranges must still compare the bytes."""
    terms = [
        (t, [k, 1.0, b"\x00"])
        for k, t in enumerate([b"ab", b"ab\x00", b"ab\x00c", b"abcdefgh", b"abcdefgh\x00"])
    ]
    write(tmp_path / "nul.pkd", [("body", terms)])
    f = PackedFile(str(tmp_path / "nul.pkd")).field("body")
    names = [t for t, _f in terms]
    assert [f.find(t) for t in names] == [0, 1, 2, 3, 4]
    assert f.find_many(names).tolist() == [0, 1, 2, 3, 4]
    assert f.prefix_range(b"ab\x00") == (1, 3)
    assert f.prefix_range(b"abcdefgh") == (3, 5)


def test_packed_file_from_bytes(tmp_path: Path, data) -> None:
    content = write(tmp_path / "a.pkd", [("title", data["title"])])
    f = PackedFile(data=content, name="seg.pkd").field("title")
    for i, (t, flat) in enumerate(data["title"]):
        assert f.term(i) == t and f.find(t) == i
        check_postings(f, i, flat)
    with pytest.raises(ValueError, match=r"seg\.pkd"):
        PackedFile(data=content[:-3], name="seg.pkd")


# -- 7. the dictionary: document frequencies, term bytes, alignment --------------------


def dict_terms() -> list[Term]:
    """Short and long terms mixed (3, 6, 8, 9, 300 bytes, zero bytes inside and at the
    end), with document frequencies whose df varint takes 1, 2 and 3 bytes."""
    rnd = random.Random(11)
    names = {
        "长".encode(),
        "长三".encode(),
        "长三角一体化".encode(),
        b"abcdefgh",
        b"abcdefgh\x00",
        b"abcdefghi",
        b"ab\x00",
        "嘉".encode() * 100,  # 300 bytes: its length byte is 255
        "嘉".encode() * 100 + b"!",
        "科创走廊".encode(),
    }
    names |= {(rnd.choice(HAN) * rnd.randrange(1, 6)).encode() for _ in range(40)}
    out = []
    for k, t in enumerate(sorted(names)):
        df = [1, 2, 127, 128, 200, 16383, 16384, 20_000][k % 8]
        docs = sorted(rnd.sample(range(30_000), df))
        out.append((t, [x for d in docs for x in (d, float(1 + d % 3), varint(d % 50))]))
    return out


@pytest.fixture(scope="module")
def dict_file(tmp_path_factory) -> tuple[list[Term], bytes, PackedFile]:
    path = tmp_path_factory.mktemp("dict") / "d.pkd"
    terms = dict_terms()
    content = write(path, [("title", terms[::2]), ("body", terms)])
    return terms, content, PackedFile(str(path))


def test_dict_file_bytes(dict_file) -> None:
    terms, content, _pf = dict_file
    expected, directory = ref_file([("title", terms[::2]), ("body", terms)], packed.CHUNK_POSTINGS)
    assert_file(content, expected, directory)


def test_df(dict_file) -> None:
    terms, _content, pf = dict_file
    f = pf.field("body")
    expected = [len(flat) // 3 for _t, flat in terms]
    assert {len(leb128(d)) for d in expected} == {1, 2, 3}
    assert [f.df(i) for i in range(f.n)] == expected
    assert f.dfs_of(np.arange(f.n)).tolist() == expected
    assert f.dfs_range(0, f.n).tolist() == expected
    assert f.dfs_range(3, 9).tolist() == expected[3:9]
    assert f.dfs_range(4, 4).tolist() == []
    idx = [f.n - 1, 0, 6, 6, 7, 5, 2]
    assert f.dfs_of(idx).tolist() == [expected[i] for i in idx]
    assert f.dfs_of(np.array([], dtype=np.int64)).tolist() == []
    for i in range(f.n):  # the df is the first varint of the postings, read whole
        raw = f.raw(i).tobytes()
        assert raw.startswith(leb128(expected[i]))
        assert f.postings(i)[0].size == expected[i]


@pytest.mark.parametrize("name", ["body", "title"])
def test_df_generated(pkd: PackedFile, data, name: str) -> None:
    f = pkd.field(name)
    expected = [len(flat) // 3 for _t, flat in data[name]]
    assert max(expected) >= 128
    assert [f.df(i) for i in range(f.n)] == expected
    assert f.dfs_of(np.arange(f.n)[::-1]).tolist() == expected[::-1]


def test_gather_terms_and_tlens(dict_file) -> None:
    terms, _content, pf = dict_file
    f = pf.field("body")
    names = [t for t, _f in terms]
    assert any(len(t) <= 8 for t in names) and any(len(t) > 8 for t in names)
    long300 = names.index("嘉".encode() * 100)
    assert len(names[long300]) == 300 and int(f.lens[long300]) == 255
    assert int(f.lens[long300 + 1]) == 255  # 301 bytes
    assert f.tlens.tolist() == [len(t) for t in names]
    assert f.term(long300) == names[long300]
    assert f.find(names[long300]) == long300
    assert f.find(names[long300][:-1]) == -1
    assert f.find_many(names).tolist() == list(range(f.n))
    assert f.prefix_range("嘉嘉嘉".encode()) == (long300, long300 + 2)
    rnd = random.Random(3)
    cases = [list(range(f.n)), [], [long300], [0], list(range(f.n))[::-1]]
    cases += [[rnd.randrange(f.n) for _ in range(rnd.randrange(1, 30))] for _ in range(20)]
    for idx in cases:
        got, lens = f.gather_terms(np.array(idx, dtype=np.int64))
        assert lens.tolist() == [len(names[i]) for i in idx], idx
        assert np.asarray(got, dtype=np.uint8).tobytes() == b"".join(names[i] for i in idx), idx
    only_short = [i for i, t in enumerate(names) if len(t) <= 8]
    got, lens = f.gather_terms(np.array(only_short))
    assert got.tobytes() == b"".join(names[i] for i in only_short)


def test_arrays_aligned(dict_file, pkd: PackedFile) -> None:
    _terms, content, pf = dict_file
    at, _magic = struct.unpack("<Q8s", content[-16:])
    fields = json.loads(content[at:-16])["fields"]
    fields = [fields[name] for name in ("title", "body")] + list(pkd.infos.values())
    padded = 0
    for d in fields:
        assert d["keys"] % 8 == 0
        assert d["long"][0] % 4 == 0 and d["tail_offs"] % 4 == 0
        assert d["poffs"] % (8 if d["wide"] else 4) == 0
        # the arrays before them leave the file unaligned, so padding was needed
        padded += (d["postings"][0] + d["postings"][1]) % 8 != 0
        padded += (d["lens"] + d["n"]) % 4 != 0
        padded += (d["tails"][0] + d["tails"][1]) % 4 != 0
    assert padded >= 3
    for f in (pf.field("title"), pf.field("body")):  # views on the map, not copies
        for arr in (f.keys, f.long, f.tail_offs, f.poffs):
            assert arr.base is not None and arr.ctypes.data % arr.dtype.itemsize == 0


# -- fields without values (entity keywords) ------------------------------------------


def test_fields_without_values(tmp_path: Path) -> None:
    """A field written with ``has_values=False`` (PackedExistence: the entity keyword
    fields) keeps no value lengths: each posting is a document delta and a weight
    number; it reads back, bulk-decodes and merges like the others."""
    rnd = random.Random(21)
    names = sorted({f"地名{rnd.randrange(500)}".encode() for _ in range(300)})
    terms = []
    for t in names:
        docs = sorted(rnd.sample(range(2000), rnd.choice([1, 1, 2, 7, 300])))
        flat: list = []
        for d in docs:
            flat += (d, 1.0, b"")
        terms.append((t, flat))
    w = packed.PackedWriter(str(tmp_path / "kw.pkd"))
    w.write_field("place", False, packed.chunks_from_lists(terms, False))
    w.close()
    f = PackedFile(str(tmp_path / "kw.pkd")).field("place")
    assert f is not None and not f.has_values and f.per == 2
    for i, (t, flat) in enumerate(terms):
        assert f.term(i) == t and f.df(i) == len(flat) // 3
        ids, weights, counts, deltas = f.postings(i, values=True)
        assert ids.tolist() == flat[0::3] and weights.tolist() == flat[1::3]
        assert counts is None and deltas is None
        assert f.value_bytes(i) == [b""] * (len(flat) // 3)
        raw = f.raw(i).tobytes()  # df, then a delta and a weight number per posting
        assert len(leb128_all([len(flat) // 3])) + len(
            leb128_all(np.diff([0, *flat[0::3]]).tolist())
        ) + len(flat) // 3 == len(raw)
    term_of, ids, wnums, vlens, values = f.bulk(0, f.n)
    assert term_of.tolist() == [i for i, (_t, fl) in enumerate(terms) for _d in fl[0::3]]
    assert ids.tolist() == [d for _t, flat in terms for d in flat[0::3]]
    assert f.weights[wnums].tolist() == [1.0] * ids.size
    assert not vlens.any() and values.size == 0
    # merged with itself renumbered after it: every list twice, in document order
    shift = np.arange(2000, dtype=np.int64) + 2000
    merged = list(packed.merge_fields([(f, None), (f, shift)], False))
    w = packed.PackedWriter(str(tmp_path / "m.pkd"))
    w.write_field("place", False, iter(merged))
    w.close()
    m = PackedFile(str(tmp_path / "m.pkd")).field("place")
    for t, flat in terms:
        j = m.find(t)
        assert j >= 0
        want = flat[0::3] + [d + 2000 for d in flat[0::3]]
        assert m.postings(j)[0].tolist() == want


def test_merge_ranges_are_cut_over_all_sources(tmp_path: Path, monkeypatch) -> None:
    """A key range holds about MERGE_POSTINGS postings of all the sources together, not
    of one: merging many segments of one size must not hold all of them at once."""
    rnd = random.Random(33)
    sources = []
    for s in range(12):
        terms = []
        for t in sorted({f"词{rnd.randrange(3000)}".encode() for _ in range(400)}):
            docs = sorted(rnd.sample(range(100), rnd.choice([1, 2, 3])))
            terms.append((t, [x for d in docs for x in (d, 1.0, b"\x00")]))
        w = packed.PackedWriter(str(tmp_path / f"s{s}.pkd"))
        w.write_field("body", True, packed.chunks_from_lists(terms, True))
        w.close()
        field = PackedFile(str(tmp_path / f"s{s}.pkd")).field("body")
        sources.append((field, np.arange(100, dtype=np.int64) + 100 * s))
    sizes: list[int] = []
    real = packed._merge_range

    def spy(srcs, klo, khi, has_values):
        out = real(srcs, klo, khi, has_values)
        sizes.append(0 if out is None else int(out.dfs.sum()))
        return out

    monkeypatch.setattr(packed, "MERGE_POSTINGS", 500)
    monkeypatch.setattr(packed, "_merge_range", spy)
    merged = list(packed.merge_fields(sources, True))
    total = sum(int(f.dfs_range(0, f.n).sum()) for f, _d in sources)
    assert sum(int(c.dfs.sum()) for c in merged) == total == sum(sizes)
    assert len(sizes) >= total // 500 - 1
    assert max(sizes) <= 500 + 3 * 12  # one range overshoots by at most a key's postings


def test_decode_varints_can_stop_after_the_first_numbers():
    """``count`` decodes only the first numbers (a term's documents and weights
    without the positions behind them)."""
    rng = random.Random(7)
    for _ in range(300):
        nums = [
            rng.choice((rng.randrange(128), rng.randrange(2**40))) for _ in range(rng.randrange(61))
        ]
        cut = rng.randrange(70)
        buf = np.frombuffer(b"".join(packed.varint(n) for n in nums), dtype=np.uint8)
        assert packed.decode_varints(buf, cut).tolist() == nums[:cut]
        assert packed.decode_varints(buf).tolist() == nums


# -- postings read with pread, the dictionary through the map ---------------------------


def test_file_postings_are_read_not_mapped(pkd: PackedFile) -> None:
    """A file's postings, offsets and dfs come from ``pread`` (the kernel maps a whole
    large folio into the reader for one byte read through the map), and are the bytes
    the in-memory path (same file, given as bytes) reads."""
    assert pkd.path is not None
    content = Path(pkd.path).read_bytes()
    mem = PackedFile(data=content, name="same.pkd")
    for name in ("body", "title"):
        f, g = pkd.field(name), mem.field(name)
        assert f.fd is not None and g.fd is None
        for i in range(f.n):
            raw = f.raw(i)
            assert not np.shares_memory(raw, f.buf)
            assert raw.tobytes() == g.raw(i).tobytes()
            assert f.df(i) == g.df(i)
            for values in (False, True):
                for x, y in zip(f.postings(i, values), g.postings(i, values), strict=True):
                    assert (x is None and y is None) or np.array_equal(x, y)
        every = np.arange(f.n)
        assert f.dfs_of(every).tolist() == g.dfs_of(every).tolist()  # through the map
        few = every[: packed.FEW_TERMS]
        assert f.dfs_of(few).tolist() == g.dfs_of(few).tolist()  # one by one
        for lo, hi in [(0, f.n), (1, f.n // 2), (f.n // 3, f.n // 3)]:
            for x, y in zip(f.bulk(lo, hi), g.bulk(lo, hi), strict=True):
                assert np.array_equal(x, y), (name, lo, hi)


def test_fields_keep_their_file_open_after_close(tmp_path: Path, data) -> None:
    """A field still in use when its file is closed (a query running while the
    searcher is refreshed) keeps reading the same file; the descriptor closes with
    the last field, so a number the process reuses is never read by mistake."""
    path = tmp_path / "seg.pkd"
    write(path, [("body", data["body"])])
    pf = PackedFile(str(path))
    field = pf.field("body")
    before = [field.raw(i).tobytes() for i in range(field.n)]
    fd = field.fd.fd
    pf.close()
    assert [field.raw(i).tobytes() for i in range(field.n)] == before
    os.fstat(fd)  # still open
    del field, pf
    gc.collect()
    with pytest.raises(OSError):
        os.fstat(fd)


def test_a_file_cut_short_after_opening_is_an_error_not_garbage(tmp_path: Path, data) -> None:
    path = tmp_path / "seg.pkd"
    write(path, [("body", data["body"])])
    field = PackedFile(str(path)).field("body")
    last = field.n - 1
    start, _end = field._span(last)  # known (cached): the read below is of the postings
    os.truncate(path, start + 1)
    with pytest.raises(ValueError, match="cut short"):
        field.raw(last)
