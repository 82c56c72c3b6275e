"""The OpenSearch backend measured beside Whoosh: build rate, query latency, disk, top ten.

    python -m tests.bench.run --size 100k --procs 2 --no-peers --no-startup --out w.json
    python -m tests.bench.opensearch_bench --size 100k --whoosh w.json --out os.json
    python -m tests.bench.opensearch_bench --size 1m --nodes 3 --heap 1g --out os1m.json
    # --skip-build: query what the last run left in the cluster's data directory

What it does, on the deterministic synthetic corpus (``tests.bench.synth``; 1m is written
into the bench cache on first use, 100k is the one ``tests.bench.run`` writes):

1. starts a local cluster of ``--nodes`` nodes (``cluster.start``; or ``--url`` names
   one), makes the index with ``shards = nodes`` and one replica when there are several
   nodes, and indexes the corpus through the backend (``update``, worker processes as
   ``--procs``), then the entity pass, then a re-run with nothing changed;
2. the disk: the index's primary store as built and after a force merge to one segment
   (beside the Whoosh index directory);
3. queries: the 200 queries of the Whoosh run (``run-<size>/queries.json``, seven kinds;
   the 100k set when there is no Whoosh run of the size), first page of 20 with spans,
   p50/p95/p99 and per kind; and the date/outlet/sort/timeline set (``when.json``);
4. agreement with Whoosh (when its index is there): the totals (paragraphs, articles) of
   each query must be equal; how much the top ten differ: overlap@10 and Kendall's tau
   over the hits both put in their top ten. The same on the contract suite's corpus and
   queries for memory, Whoosh and OpenSearch.

Figures are printed and written as JSON; nothing here asserts a time. The machine is
shared: the load average is recorded before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.bench.run import PAGE, SIZES, WHEN_KINDS, _dir_mb, _percentile
from tests.bench.synth import find_names

BENCH_SIZES = {k: v for k, v in SIZES.items() if v}  # the synthetic ones
KINDS = ("common", "rare", "and2", "phrase", "or3", "entity", "pinyin")


def _cpu(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def corpus_for(size: str) -> Path:
    from tests.bench.pd1998 import cache_dir
    from tests.bench.synth import write_corpus

    out = cache_dir() / f"synth-{BENCH_SIZES[size]}"
    write_corpus(out, BENCH_SIZES[size])
    return out


@contextlib.contextmanager
def local_cluster(nodes: int, heap: str, data: Path) -> Iterator[str]:
    from g60_reader.index.backends.opensearch import cluster

    port = cluster.free_port()
    while not all(cluster._port_free(port + i) for i in range(nodes)):
        port = cluster.free_port()
    info = cluster.start(nodes=nodes, port=port, data=data, heap=heap, timeout=300)
    try:
        yield ",".join(u.removeprefix("http://") for u in info.urls)
    finally:
        cluster.stop(data, timeout=60)


def store_bytes(backend, merged: bool = False) -> dict[str, int]:
    with backend.conn.call("bench") as client:
        if merged:
            client.indices.forcemerge(
                index=backend.target.index, max_num_segments=1, request_timeout=3600
            )
        client.indices.refresh(index=backend.target.index)
        stats = client.indices.stats(index=backend.target.index, metric="store")["_all"]
    return {
        "primaries": int(stats["primaries"]["store"]["size_in_bytes"]),
        "total": int(stats["total"]["store"]["size_in_bytes"]),
    }


def kendall_tau(a: list, b: list) -> float | None:
    """Kendall's tau of the items both lists hold, by their ranks in each (no ties)."""
    common = [x for x in a if x in set(b)]
    if len(common) < 2:
        return None
    rank_b = {x: i for i, x in enumerate(b)}
    concordant = discordant = 0
    for i in range(len(common)):
        for j in range(i + 1, len(common)):
            if rank_b[common[i]] < rank_b[common[j]]:
                concordant += 1
            else:
                discordant += 1
    return (concordant - discordant) / (concordant + discordant)


def top_agreement(left, right, queries: list[str], k: int = 10) -> dict[str, Any]:
    """Totals equal? overlap@k and Kendall's tau of the top k, over ``queries``."""
    overlaps, taus, unequal = [], [], []
    for q in queries:
        a, b = left.search(q, 1, k), right.search(q, 1, k)
        if (a.total, a.articles) != (b.total, b.articles):
            unequal.append([q, [a.total, a.articles], [b.total, b.articles]])
        top_a = [(h.article_id, h.paragraph) for h in a.hits]
        top_b = [(h.article_id, h.paragraph) for h in b.hits]
        if not top_a and not top_b:
            continue
        overlaps.append(len(set(top_a) & set(top_b)) / max(1, min(k, len(top_a), len(top_b))))
        tau = kendall_tau(top_a, top_b)
        if tau is not None:
            taus.append(tau)
    return {
        "queries": len(queries),
        "totals_unequal": unequal,
        "overlap_at_10_mean": statistics.mean(overlaps) if overlaps else None,
        "overlap_at_10_min": min(overlaps) if overlaps else None,
        "kendall_tau_mean": statistics.mean(taus) if taus else None,
        "kendall_tau_queries": len(taus),
    }


def time_queries(backend, queries: list[dict]) -> dict[str, Any]:
    first = time.perf_counter()
    backend.search(queries[0]["text"], 1, PAGE)
    out: dict[str, Any] = {"first_query_ms": (time.perf_counter() - first) * 1000}
    out["warm_up_ms"] = backend.warm_up() * 1000
    timings = []
    for q in queries:
        s = time.perf_counter()
        result = backend.search(q["text"], 1, PAGE)
        ms = (time.perf_counter() - s) * 1000
        if result.error:
            raise SystemExit(f"query {q['text']!r}: {result.error}")
        timings.append((q["kind"], ms, result.total))
    ms_all = [t[1] for t in timings]
    for p in (50, 95, 99):
        out[f"query_p{p}_ms"] = _percentile(ms_all, p)
    for kind in KINDS:
        sub = [t[1] for t in timings if t[0] == kind]
        if sub:
            out[f"{kind}_p50_ms"] = _percentile(sub, 50)
            out[f"{kind}_max_ms"] = max(sub)
    return out


def time_when(backend, queries: list[dict]) -> dict[str, Any]:
    from g60_reader.index.contract import Filters

    timings = []
    for q in queries:
        s = time.perf_counter()
        if q["kind"] == "timeline":
            backend.timeline(q["word"])
        else:
            filters = None
            if q["kind"] == "since":
                filters = Filters(since=q["since"], until=q["until"])
            elif q["kind"] == "outlet":
                filters = Filters(outlets=(q["outlet"],))
            sort = "date" if q["kind"] == "sorted" else "relevance"
            backend.search(q["word"], 1, PAGE, filters=filters, sort=sort)
        timings.append((q["kind"], (time.perf_counter() - s) * 1000))
    out = {}
    for kind in WHEN_KINDS:
        sub = [t[1] for t in timings if t[0] == kind]
        if sub:
            out[f"when_{kind}_p50_ms"] = _percentile(sub, 50)
            out[f"when_{kind}_p99_ms"] = _percentile(sub, 99)
    return out


def contract_agreement(node: str) -> dict[str, Any]:
    """memory, Whoosh and OpenSearch on the contract corpus: top ten, pairwise."""
    from g60_reader.index.registry import open_backend
    from tests.contract.conftest import recognise, write_corpus
    from tests.contract.test_hit_sets import QUERIES

    with tempfile.TemporaryDirectory() as tmp:
        news = write_corpus(Path(tmp))
        backends = {
            "memory": open_backend(f"memory:bench-{os.getpid()}"),
            "whoosh": open_backend(f"whoosh:{Path(tmp) / 'ix'}"),
            "opensearch": open_backend(f"opensearch+http://{node}/bench-contract"),
        }
        for b in backends.values():
            b.update([news], rebuild=True, procs=1)
            b.enrich(recognise)
        pairs = [("opensearch", "whoosh"), ("opensearch", "memory"), ("whoosh", "memory")]
        out = {f"{a}_vs_{b}": top_agreement(backends[a], backends[b], QUERIES) for a, b in pairs}
        with backends["opensearch"].conn.call("bench") as client:
            client.indices.delete(index="bench-contract")
        return out


def _build(backend, corpus: Path, args: argparse.Namespace, res: dict[str, Any]) -> None:
    """Index the corpus from empty, then the entity pass (unless ``--no-enrich``)."""
    from g60_reader.corpus.entities import recognise

    print(f"indexing {corpus} into {backend.url}...", flush=True)
    t0 = time.perf_counter()
    cpu0 = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
    report = backend.update([corpus], rebuild=True, procs=args.procs)
    res["build_s"] = time.perf_counter() - t0
    res["build_cpu_client_s"] = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN) - cpu0
    res["paragraphs"] = report.paragraphs
    res["articles"] = report.added
    res["paragraphs_per_s"] = report.paragraphs / res["build_s"]
    print(f"  {report.paragraphs} paragraphs in {res['build_s']:.1f} s", flush=True)
    if not args.no_enrich:
        t0 = time.perf_counter()
        chosen = recognise if args.recogniser == "lac" else find_names
        res["recogniser"] = args.recogniser
        res["enriched"] = backend.enrich(chosen, procs=args.procs, wait=True)
        res["enrich_s"] = time.perf_counter() - t0
        print(f"  entity pass {res['enrich_s']:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    from g60_reader.index.registry import open_backend
    from tests.bench.pd1998 import cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(BENCH_SIZES), required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--nodes", type=int, default=1)
    ap.add_argument("--heap", default="1g")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--url", help="HOST:PORT[,HOST:PORT...] of a running cluster")
    ap.add_argument("--whoosh", type=Path, help="the tests.bench.run JSON of the same size")
    ap.add_argument("--no-enrich", action="store_true")
    ap.add_argument(
        "--recogniser",
        choices=("lac", "names"),
        default="lac",
        help="the entity pass's recogniser: the real one, or names of the synthetic"
        " corpus found by string search (the pass's jieba and writes, without LAC's cost)",
    )
    ap.add_argument("--no-contract", action="store_true")
    ap.add_argument(
        "--skip-build",
        action="store_true",
        help="query the index the last run left in the cluster's data directory",
    )
    args = ap.parse_args(argv)

    cache = cache_dir()
    corpus = corpus_for(args.size)
    query_run = cache / f"run-{args.size}"
    if not (query_run / "queries.json").exists():
        query_run = cache / "run-100k"  # no Whoosh run of this size: the 100k queries
    res: dict[str, Any] = {"size": args.size, "nodes": args.nodes, "procs": args.procs}
    res["load_before"] = os.getloadavg()
    cluster_cm = (
        contextlib.nullcontext(args.url)
        if args.url
        else local_cluster(args.nodes, args.heap, cache / f"os-{args.size}-{args.nodes}")
    )
    with cluster_cm as node:
        replicas = 1 if args.nodes > 1 else 0
        url = f"opensearch+http://{node}/bench-{args.size}?shards={args.nodes}&replicas={replicas}"
        backend = open_backend(url)
        if args.skip_build:
            print(f"reusing {backend.url}...", flush=True)
        else:
            _build(backend, corpus, args, res)
            t0 = time.perf_counter()
            again = backend.update([corpus], procs=args.procs)
            res["noop_rerun_s"] = time.perf_counter() - t0
            res["noop_unchanged"] = again.unchanged
        res["store_as_built"] = store_bytes(backend)
        res["query_set"] = str(query_run / "queries.json")
        queries = json.loads((query_run / "queries.json").read_text("utf-8"))
        print("queries...", flush=True)
        res.update(time_queries(backend, queries))
        when_file = query_run / "when.json"
        if when_file.exists():
            res.update(time_when(backend, json.loads(when_file.read_text("utf-8"))))
        whoosh_dir = cache / f"run-{args.size}" / "index"
        if whoosh_dir.exists():
            res["whoosh_index_mb"] = _dir_mb(whoosh_dir)
            whoosh = open_backend(f"whoosh:{whoosh_dir}")
            print("top ten against Whoosh...", flush=True)
            res["vs_whoosh"] = top_agreement(backend, whoosh, [q["text"] for q in queries])
        res["store_merged"] = store_bytes(backend, merged=True)
        if not args.no_contract:
            print("contract corpus agreement...", flush=True)
            res["contract"] = contract_agreement(node.split(",")[0])
    res["load_after"] = os.getloadavg()
    if args.whoosh and args.whoosh.exists():
        w = json.loads(args.whoosh.read_text("utf-8"))
        res["whoosh"] = {
            k: w.get(k)
            for k in (
                "searchable_s",
                "enrich_s",
                "noop_rerun_s",
                "index_mb",
                "query_p50_ms",
                "query_p95_ms",
                "query_p99_ms",
                "first_query_ms",
                *[f"{k}_p50_ms" for k in KINDS],
                *[f"when_{k}_p50_ms" for k in WHEN_KINDS],
            )
        }
        builds = w.get("builds") or {}
        if builds:
            b = next(iter(builds.values()))
            res["whoosh"]["paragraphs_per_s"] = b.get("paragraphs_per_s")
    args.out.write_text(json.dumps(res, ensure_ascii=False, indent=1), "utf-8")
    _print(res)
    return 0


def _print(res: dict[str, Any]) -> None:
    mb = 1024 * 1024
    print(f"\n== {res['size']} on {res['nodes']} node(s): {res.get('paragraphs', '?')} paragraphs")
    if "build_s" in res:
        print(
            f"build {res['build_s']:.1f} s ({res['paragraphs_per_s']:.0f} paragraphs/s),"
            f" entity pass {res.get('enrich_s', float('nan')):.1f} s,"
            f" no-op re-run {res['noop_rerun_s']:.1f} s"
        )
    print(f"queries: {res.get('query_set')}")
    built, merged = res["store_as_built"], res["store_merged"]
    print(
        f"disk: primaries {built['primaries'] / mb:.0f} MB as built,"
        f" {merged['primaries'] / mb:.0f} MB merged (all copies {merged['total'] / mb:.0f} MB);"
        f" Whoosh {res.get('whoosh_index_mb', float('nan')):.0f} MB"
    )
    w = res.get("whoosh") or {}
    keys = ["query_p50_ms", "query_p95_ms", "query_p99_ms", "first_query_ms"]
    keys += [f"{k}_p50_ms" for k in KINDS] + [f"when_{k}_p50_ms" for k in WHEN_KINDS]
    print(f"\n{'':18}{'opensearch':>12}{'whoosh':>10}")
    for key in keys:
        o, v = res.get(key), w.get(key)
        left = "-" if o is None else f"{o:.1f}"
        right = "-" if v is None else f"{v:.1f}"
        print(f"{key:18}{left:>12}{right:>10}")
    if "vs_whoosh" in res:
        a = res["vs_whoosh"]
        print(
            f"\nvs Whoosh: {len(a['totals_unequal'])} of {a['queries']} totals differ;"
            f" overlap@10 {a['overlap_at_10_mean']:.2f} (min {a['overlap_at_10_min']:.2f}),"
            f" Kendall tau {a['kendall_tau_mean']}"
        )
    for pair, a in (res.get("contract") or {}).items():
        print(
            f"contract {pair}: {len(a['totals_unequal'])} totals differ,"
            f" overlap@10 {a['overlap_at_10_mean']:.2f}, tau {a['kendall_tau_mean']}"
        )


if __name__ == "__main__":
    sys.exit(main())
