"""Substring recall and precision of the index on People's Daily, January 1998.

Not a test: run it and read the figures::

    python -m tests.bench.substring_recall [--out FILE.json] [--words 500] [--procs N]

The corpus (fetched into a cache by :mod:`tests.bench.pd1998`) is written as article
files (``--per-file`` paragraphs per JSON article with a title) under a temporary
directory and indexed through the normal code path (``store.update``). 500 words of 2
to 4 Han characters are sampled (seeded) from the corpus's own tokens; the truth for a
word is every indexed paragraph that contains it as a substring. Recall is the share of
true (word, paragraph) pairs the search returns, precision the share of returned pairs
that are true (both micro-averaged; the worst words are listed). The second run converts
the corpus to Traditional (OpenCC ``s2t``) and leaves the queries Simplified; its truth
is the Simplified source paragraph containing the word. Also reported: build time,
paragraphs/s, index size, and query p50/p95/p99 (first page of 20 with spans, searcher
reused) and the first query after opening.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.bench.pd1998 import load_tagged

HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the index workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _write_corpus(root: Path, paragraphs: list[str], per_file: int) -> int:
    root.mkdir(parents=True, exist_ok=True)
    files = 0
    for k in range(0, len(paragraphs), per_file):
        record = {"title": f"人民日报 {k // per_file:05d}", "content": paragraphs[k : k + per_file]}
        (root / f"pd{k // per_file:05d}.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )
        files += 1
    return files


def _all_hits(backend, word: str) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    page = 1
    while True:
        # every copy: recall is the index's, not the story-once display's
        res = backend.search(word, page=page, pagelen=1000, all_copies=True)
        if res.error:
            raise RuntimeError(f"{word}: {res.error}")
        out.update((h.article_id, h.paragraph) for h in res.hits)
        if page * 1000 >= res.total:
            return out
        page += 1


def _same(a: str, b: str) -> bool:
    """The same paragraph, but for the odd character a script round trip changes."""
    a, b = a.strip(), b.strip()
    return len(a) == len(b) and sum(x == y for x, y in zip(a, b, strict=False)) >= 0.9 * len(a)


def run_variant(
    name: str,
    source: list[str],
    texts: list[str],
    words: list[str],
    per_file: int,
    procs: int | None,
    workdir: Path,
) -> dict:
    from g60_reader.corpus.fold import fold
    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    corpus = workdir / name / "corpus"
    index_dir = workdir / name / "index"
    _write_corpus(corpus, texts, per_file)

    t0 = time.perf_counter()
    cpu0 = _cpu_seconds()
    report = store.update(index_dir, [corpus], procs=procs)
    build_s = time.perf_counter() - t0
    build_cpu_s = _cpu_seconds() - cpu0
    t0 = time.perf_counter()
    store.update(index_dir, [corpus], procs=procs)
    noop_s = time.perf_counter() - t0

    backend = WhooshBackend(index_dir)
    t0 = time.perf_counter()
    backend.search(words[0])
    first_query_ms = (time.perf_counter() - t0) * 1000

    # stored paragraphs -> source paragraph (by file order and paragraph number)
    para_source: dict[tuple[str, int], str] = {}
    stored_folded: dict[tuple[str, int], str] = {}
    misaligned = 0
    for summary in backend.list_articles():
        stored = backend.article(summary.article_id)
        assert stored is not None
        k = int(stored.article.title.split()[-1])
        src = source[k * per_file : (k + 1) * per_file]
        # aligned only if every stored paragraph is its source paragraph (the reader may
        # take a first line as subtitle or header and split a long one: counts can agree
        # while the paragraphs have moved)
        aligned = len(src) == len(stored.article.paragraphs) and all(
            _same(fold(p.text), fold(src[p.number - 1])) for p in stored.article.paragraphs
        )
        misaligned += not aligned
        for p in stored.article.paragraphs:
            key = (summary.article_id, p.number)
            stored_folded[key] = fold(p.text)
            para_source[key] = src[p.number - 1] if aligned else fold(p.text)

    true_pos = truth_total = returned_total = 0
    per_word = []
    latencies = []
    for word in words:
        folded_word = fold(word)
        truth = {key for key, text in para_source.items() if folded_word in fold(text)}
        t0 = time.perf_counter()
        backend.search(word, pagelen=20)
        latencies.append((time.perf_counter() - t0) * 1000)
        got = _all_hits(backend, word)
        tp = len(truth & got)
        true_pos += tp
        truth_total += len(truth)
        returned_total += len(got)
        per_word.append(
            {
                "word": word,
                "truth": len(truth),
                "returned": len(got),
                "hits": tp,
                "missed_example": next((para_source[k][:80] for k in sorted(truth - got)), None),
                "extra_example": next((stored_folded[k][:80] for k in sorted(got - truth)), None),
            }
        )
    stats = backend.stats()
    backend.close()
    recall = true_pos / truth_total if truth_total else 1.0
    precision = true_pos / returned_total if returned_total else 1.0
    worst = sorted(
        (w for w in per_word if w["hits"] < max(w["truth"], w["returned"])),
        key=lambda w: (w["hits"] - w["truth"]) + (w["hits"] - w["returned"]),
    )[:10]
    return {
        "variant": name,
        "paragraphs": stats.paragraphs,
        "articles": stats.articles,
        "misaligned_articles": misaligned,
        "characters": sum(len(t) for t in texts),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "paragraphs_per_s": round(report.paragraphs / build_s, 1) if build_s else None,
        "noop_rerun_s": round(noop_s, 2),
        "index_mb": round(stats.size_bytes / (1024 * 1024), 1),
        "words": len(words),
        "truth_pairs": truth_total,
        "returned_pairs": returned_total,
        "recall": round(recall, 4),
        "precision": round(precision, 4),
        "words_with_full_recall": sum(w["hits"] == w["truth"] for w in per_word),
        "first_query_ms": round(first_query_ms, 2),
        "query_p50_ms": round(_percentile(latencies, 50), 2),
        "query_p95_ms": round(_percentile(latencies, 95), 2),
        "query_p99_ms": round(_percentile(latencies, 99), 2),
        "query_mean_ms": round(statistics.fmean(latencies), 2),
        "worst_words": worst,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    ap.add_argument("--words", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1998)
    ap.add_argument("--per-file", type=int, default=10)
    ap.add_argument("--procs", type=int, default=None)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N paragraphs")
    ap.add_argument("--variants", default="simplified,traditional")
    args = ap.parse_args(argv)

    from rich.console import Console
    from rich.table import Table

    from g60_reader.corpus.fold import to_traditional

    tagged = load_tagged(args.limit)
    source = ["".join(t.word for t in toks) for toks in tagged]
    vocab = sorted({t.word for toks in tagged for t in toks if HAN_WORD.fullmatch(t.word)})
    words = random.Random(args.seed).sample(vocab, min(args.words, len(vocab)))

    results = []
    with tempfile.TemporaryDirectory(prefix="g60-recall-") as tmp:
        os.environ["G60_READER_HOME"] = str(Path(tmp) / "home")
        for variant in args.variants.split(","):
            texts = source if variant == "simplified" else [to_traditional(p) for p in source]
            results.append(
                run_variant(variant, source, texts, words, args.per_file, args.procs, Path(tmp))
            )

    table = Table(title="substring recall / precision (People's Daily 1998-01)")
    keys = [
        "paragraphs",
        "build_s",
        "build_cpu_s",
        "load_average_1m",
        "paragraphs_per_s",
        "noop_rerun_s",
        "index_mb",
        "recall",
        "precision",
        "truth_pairs",
        "returned_pairs",
        "first_query_ms",
        "query_p50_ms",
        "query_p95_ms",
        "query_p99_ms",
    ]
    table.add_column("figure")
    for r in results:
        table.add_column(r["variant"], justify="right")
    for key in keys:
        table.add_row(key, *[str(r[key]) for r in results])
    console = Console()
    console.print(table)
    for r in results:
        for w in r["worst_words"][:5]:
            console.print(
                f"[dim]{r['variant']}: {w['word']} truth={w['truth']} returned={w['returned']}"
                f" hits={w['hits']}[/dim]",
                markup=True,
                highlight=False,
            )
    out = {
        "goal": {"recall": 0.98, "precision": 0.99},
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "results": results,
    }
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
