"""Where the bytes of a Whoosh index go: per field and per structure.

    python -m tests.bench.index_size ~/.cache/g60-reader-bench/run-100k/index [--json]

For every segment:

- **term dictionary** (``.trm``): each term's key and term info, per field; the term
  infos of short posting lists hold the postings themselves (**inlined postings**), and
  the 256 hash tables that find a key add a fixed overhead (**hash tables**);
- **postings** (``.pst``): the blocks of the longer lists, per field, split into the
  document numbers and weights and the **positions** (each block is re-pickled and
  compressed in two parts to measure the share of each; the parts are scaled to the
  block's size on disk);
- **stored fields** (``_stored.col``): the pickled dictionary of each document, split by
  key (``text``, ``meta``, ``ents``, ``seg``, ...) by the sizes of their pickles, scaled to
  the file;
- **field lengths** (``_<field>_len.col``);
- **packed** (``.pkd``, the text fields since the packed format): per field the postings
  heads (df, document deltas, weight numbers, value lengths), the values (positions, or
  the frequencies of ``words``), the term keys and length bytes, the tails of terms
  longer than eight bytes and the postings offsets;
- the files beside the segments (pinyin lexicon, article tables, reprint clusters).

Nothing is estimated from a sample unless ``--sample`` is given: every term, block and
document is read, so at 100k paragraphs this takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import pickle
import zlib
from collections import Counter
from pathlib import Path

from g60_reader.index.backends.whoosh import _compat, store


def measure(index_dir: Path) -> Counter[tuple[str, str]]:
    """Bytes per (field, structure)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    sizes: Counter[tuple[str, str]] = Counter()
    ix = store.open_index(index_dir)
    if ix is None:
        raise SystemExit(f"no index at {index_dir}")
    reader = ix.reader()
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    for sub, _offset in leaves:
        segid = sub.segment().segid
        terms = _compat.terms_reader(sub)
        tindex = _compat.term_hash_file(terms)
        w3 = getattr(terms, "w3", terms)  # the packed format's reader holds Whoosh's
        names = {num: name for name, num in w3._fieldmap.items()}
        head = _compat.TERMINFO_HEAD.size
        listed = 0
        for key, value in tindex.items():
            field = names.get(int.from_bytes(key[:2], "big"), "?")
            listed += 8 + len(key) + len(value)
            sizes[(field, "term dictionary")] += 8 + len(key) + min(len(value), head)
            if len(value) > head + 12:  # more than an extent: inlined postings
                sizes[(field, "inlined postings")] += len(value) - head
        trm = index_dir / f"{store.INDEX_NAME}_{segid}.trm"
        sizes[("(all)", "hash tables")] += trm.stat().st_size - listed
        postfile = _compat.postings_file(terms)
        for field in names.values():
            fieldobj = sub.schema.items() and dict(sub.schema.items()).get(field)
            if fieldobj is None or not fieldobj.indexed:
                continue
            for btext, info in sub.iter_field(field):
                if info.is_inlined():
                    continue
                text = btext.encode("utf-8") if isinstance(btext, str) else btext
                info = terms.term_info(field, text)
                offset, length = info.extent()
                if isinstance(length, tuple):  # (Whoosh 2.7 unpacks it as a 1-tuple)
                    length = length[0]
                matcher = W3LeafMatcher(postfile, offset, length, fieldobj.format)
                ids_part = values_part = 0
                for block in _compat.leaf_blocks(matcher):
                    deltas, weights, values = block.data()
                    a = len(zlib.compress(pickle.dumps((deltas, weights), 2), 3))
                    b = len(zlib.compress(pickle.dumps(values, 2), 3)) if values else 0
                    ids_part += a
                    values_part += b
                whole = ids_part + values_part or 1
                sizes[(field, "postings: ids, weights")] += length * ids_part / whole
                sizes[(field, "postings: positions")] += length * values_part / whole
        packed = getattr(terms, "packed", None)
        if packed is not None:
            _measure_packed(packed, sizes)
        stored = Counter()
        for fields in sub.all_stored_fields():
            for key, value in fields.items():
                stored[key] += len(pickle.dumps(value, 2))
        col = index_dir / f"{store.INDEX_NAME}_{segid}._stored.col"
        total = sum(stored.values()) or 1
        for key, n in stored.items():
            sizes[(key, "stored")] += col.stat().st_size * n / total
        for path in index_dir.glob(f"{store.INDEX_NAME}_{segid}._*_len.col"):
            field = path.name.split("._", 1)[1].removesuffix("_len.col")
            sizes[(field, "field lengths")] += path.stat().st_size
    for path in index_dir.iterdir():
        if path.name.startswith(store.INDEX_NAME) or path.name.startswith("_MAIN"):
            continue
        size = (
            sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            if path.is_dir()
            else path.stat().st_size
        )
        sizes[(path.name, "beside the index")] += size
    return sizes


def _measure_packed(packed, sizes: Counter[tuple[str, str]]) -> None:
    """The structures of a segment's packed file (``.pkd``), per field: the postings
    split into their heads (df, document deltas, weight numbers, value lengths) and
    the values (positions; frequencies of ``words``), the term keys, the length bytes,
    the tails of terms longer than eight bytes and the postings offsets."""
    listed = 0
    for name, info in packed.infos.items():
        field = packed.field(name)
        values = 0
        step = 200_000
        for lo in range(0, field.n, step):
            _t, _ids, _w, vlens, _v = field.bulk(lo, min(field.n, lo + step))
            values += int(vlens.sum())
        kind = "positions" if name != "words" else "frequencies"
        width = 8 if info["wide"] else 4
        m = info["long"][1]
        parts = {
            "packed: ids, weights": field.plen - values,
            f"packed: {kind}": values,
            "packed: term keys": 8 * field.n,
            "packed: term lengths": field.n,
            "packed: long-term tails": 4 * m + 4 * (m + 1) + info["tails"][1],
            "packed: postings offsets": width * (field.n + 1),
        }
        for structure, n in parts.items():
            sizes[(name, structure)] += n
            listed += n
    sizes[("(all)", "packed: directory, padding")] += packed.buf.size - listed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sizes = measure(args.index_dir)
    total = sum(sizes.values())
    rows = sorted(sizes.items(), key=lambda kv: -kv[1])
    if args.json:
        print(
            json.dumps(
                [{"field": f, "structure": s, "bytes": round(n)} for (f, s), n in rows],
                ensure_ascii=False,
            )
        )
        return
    print(f"{'field':14} {'structure':24} {'MB':>9} {'share':>7}")
    for (field, structure), n in rows:
        if n / total < 0.001:
            continue
        print(f"{field:14} {structure:24} {n / 2**20:9.1f} {n / total:7.1%}")
    print(f"{'':14} {'total':24} {total / 2**20:9.1f}")


if __name__ == "__main__":
    main()
