"""The indexer with a small commit batch, as a process of its own (for kill -9 trials).

``g60-reader index`` commits every 64 MB of source; a test corpus of a few megabytes
would then commit once, at the end. This runs the same ``store.update`` with a batch of
``BATCH`` bytes, so a kill can land between, or in the middle of, many commits.

    python -m tests.robustness.index_helper INDEX_DIR BATCH PROCS PATH...
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from g60_reader.index.backends.whoosh import store

    index_dir, batch, procs, *paths = argv
    report = store.update(index_dir, paths, batch_bytes=int(batch), procs=int(procs))
    print(f"added={report.added} failed={len(report.failed)} paragraphs={report.paragraphs}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
