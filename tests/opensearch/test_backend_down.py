"""The backend on three real nodes: a node dies, the reader keeps its answers; the cluster
stops, every call fails in one line naming the URL.

Three nodes are started for this module through the CLI (``g60-reader opensearch start
--nodes 3``), the index is made with ``?shards=3&replicas=1`` and a URL naming all three
hosts, so the client can go on with the others. One node is SIGKILLed: searches give the
same hits (with spans), and a write afterwards waits until the shards that lost a copy
have two again (the index replaces a node that left after 20 s), then is acknowledged. Then the
cluster is stopped: search, stats, update and the command line each fail on one line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from g60_reader.index.backends.opensearch import cluster
from g60_reader.index.errors import IndexUnavailable
from g60_reader.index.registry import open_backend
from tests.opensearch_node import cli, free_ports

from .test_backend import QUERIES, hit_set, newsroom, one_line

pytestmark = [pytest.mark.slow, pytest.mark.opensearch]


@pytest.fixture(scope="module")
def three(tmp_path_factory) -> Iterator[tuple[Path, int]]:
    data = tmp_path_factory.mktemp("three") / "cluster"
    port = free_ports(3)
    done = cli("opensearch", "start", "--nodes", "3", "--port", str(port), "--data", str(data))
    if done.returncode != 0:
        cluster.stop(data, timeout=10)
        pytest.fail(f"opensearch start failed: {done.stderr.strip()}")
    try:
        yield data, port
    finally:
        cluster.stop(data, timeout=30)


def test_a_dead_node_and_a_stopped_cluster(three, tmp_path):
    data, port = three
    hosts = ",".join(f"127.0.0.1:{port + i}" for i in range(3))
    url = f"opensearch+http://{hosts}/news?shards=3&replicas=1"
    backend = open_backend(url)
    room = newsroom(tmp_path / "news")
    report = backend.update([room], procs=1)
    assert report.added == 7
    before = {q: hit_set(backend, q) for q in QUERIES}

    cluster.kill_node(data, 1)
    for q in QUERIES:  # answered by the copies on the two survivors
        assert hit_set(backend, q) == before[q], q
    (room / "late.txt").write_text("嘉善新闻\n\n嘉善县举办招商会。\n", encoding="utf-8")
    began = time.monotonic()
    assert backend.update([room], procs=1).added == 1  # two copies acknowledge it
    assert time.monotonic() - began < 60
    assert backend.search("嘉善").total == 1

    cluster.stop(data, timeout=30)
    time.sleep(0.5)
    for call in (
        lambda: backend.search("嘉兴"),
        backend.stats,
        lambda: backend.update([room], procs=1),
        lambda: open_backend(url).exists(),
    ):
        with pytest.raises(IndexUnavailable) as caught:
            call()
        message = one_line(str(caught.value))
        assert f"opensearch+http://{hosts}/news" in message and "cannot reach" in message
    done = cli("search", "--backend", url, "嘉兴")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot reach" in done.stderr
