"""The benchmark's own measures: a figure it reports must be the thing it names."""

from __future__ import annotations

import json
import subprocess
import sys


def test_a_child_peak_rss_is_its_own_not_its_parents() -> None:
    """ru_maxrss survives exec: a child of a large parent (the runner holding a corpus
    to draw queries from) reported the parent's size as the reader's RSS."""
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    code = "import json; from tests.bench.run import _maxrss_mb; print(json.dumps(_maxrss_mb()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    child_mb = json.loads(done.stdout)
    assert 5 < child_mb < 200, child_mb  # the child imports little; the parent holds 300 MB
    del ballast
