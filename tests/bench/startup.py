"""Time from process start to the reader's first paint and to its first search result.

Each measurement starts a fresh Python process that runs the Textual app headless with a
query in the search box and exits as soon as the first result and the timeline strip over
it are on screen (the strip is counted after the results, in its own worker); the parent
takes the time just before starting the process, the child reports when it painted,
when the index was open and when the first result arrived. Figures are printed, never
asserted.

    python -m tests.bench.startup                      # the bundled sample
    python -m tests.bench.startup --paragraphs 10000   # plus a synthetic 10k-paragraph index
    python -m tests.bench.startup --runs 5 --query 长三角

Scenarios: "first launch" (no index yet: the sample is indexed on the way), "warm" (the
index exists), and, with --paragraphs, a synthetic corpus of that many paragraphs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _child(index_dir: Path, query: str) -> None:
    """Run the app headless until the first result; print the timeline as JSON."""
    started = time.time()
    offset = started - time.perf_counter()  # perf_counter -> epoch seconds
    from g60_reader.tui.app import G60App
    from g60_reader.tui.history import QueryHistory

    imported = time.time()
    app = G60App(
        index_dir=index_dir,
        history=QueryHistory(None),
        initial_query=query,
        exit_after_first_result=True,
    )
    app.run(headless=True, size=(100, 30))
    stamps = {name: value + offset for name, value in app.timings.items()}
    stamps["child_started"] = started
    stamps["imported"] = imported
    if app.results is not None:
        stamps["total_hits"] = float(app.results.total)
    print(json.dumps(stamps))


def _measure(index_dir: Path, query: str, env: dict[str, str]) -> dict[str, float]:
    command = [sys.executable, "-m", "tests.bench.startup", "--child", str(index_dir), query]
    before = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    stamps = json.loads(done.stdout.strip().splitlines()[-1])
    figures = {
        name: (stamps[name] - before) * 1000
        for name in ("imported", "first_paint", "index_open", "first_result", "first_timeline")
        if name in stamps
    }
    figures["hits"] = stamps.get("total_hits", 0.0)
    return figures


def _report(label: str, runs: list[dict[str, float]]) -> None:
    print(f"\n{label} ({len(runs)} run{'s' if len(runs) != 1 else ''})")
    for name, caption in (
        ("imported", "imports done"),
        ("first_paint", "first paint"),
        ("index_open", "index open"),
        ("first_result", "first result"),
        ("first_timeline", "timeline strip"),
    ):
        values = [run[name] for run in runs if name in run]
        if values:
            print(
                f"  {caption:<14} median {statistics.median(values):8.0f} ms"
                f"   min {min(values):8.0f} ms   max {max(values):8.0f} ms"
            )
    print(f"  hits for the query: {runs[-1]['hits']:.0f}")


def _build_synthetic(root: Path, paragraphs: int) -> Path:
    from g60_reader.index.backends.whoosh import store
    from tests.bench.synth import write_corpus

    corpus = root / f"synth{paragraphs}"
    index_dir = root / f"synth{paragraphs}-index"
    write_corpus(corpus, paragraphs)
    started = time.perf_counter()
    report = store.update(index_dir, [corpus], wait=True)
    seconds = time.perf_counter() - started
    print(f"\nsynthetic corpus: {report.paragraphs} paragraphs indexed in {seconds:.1f} s")
    return index_dir


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs per scenario")
    parser.add_argument("--query", default="科创走廊", help="the query typed at start")
    parser.add_argument("--paragraphs", type=int, default=0, help="also a synthetic index")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="g60-bench-") as tmp:
        root = Path(tmp)
        env = dict(os.environ, G60_READER_HOME=str(root / "home"))
        sample_dir = root / "home" / "index"
        _report(
            "sample, first launch (indexes the sample)", [_measure(sample_dir, args.query, env)]
        )
        warm = [_measure(sample_dir, args.query, env) for _ in range(args.runs)]
        _report("sample, warm", warm)
        if args.paragraphs:
            index_dir = _build_synthetic(root, args.paragraphs)
            runs = [_measure(index_dir, args.query, env) for _ in range(args.runs)]
            _report(f"synthetic {args.paragraphs} paragraphs, warm", runs)


if __name__ == "__main__":
    main()
