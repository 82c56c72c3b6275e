"""Three real nodes, one SIGKILLed while a reader keeps querying: nothing acknowledged is lost.

Started and stopped through the CLI (``g60-reader opensearch start --nodes 3`` / ``stop``).
An index of 3 shards with 1 replica gets 2,000 documents (bulk, refresh, every write
acknowledged by all copies); then the elected cluster-manager is SIGKILLed while a thread
queries the count through a client that knows all three nodes. Every query must answer with
all 2,000 documents (the client may retry: up to 20 tries within about 10 s), during the
failure and after it, and the two survivors must get green again.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from g60_reader.index.backends.opensearch import cluster
from g60_reader.tui.cli import main

from .conftest import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.opensearch]

INDEX = "g60-failover"
DOCS = 2000


class Reader(threading.Thread):
    """Queries the count until told to stop; records every query's outcome."""

    def __init__(self, hosts: list[dict[str, object]]) -> None:
        super().__init__(daemon=True)
        from opensearchpy import OpenSearch

        self.client = OpenSearch(hosts=hosts, timeout=5, max_retries=3, retry_on_timeout=True)
        self.halt = threading.Event()
        self.answers: list[tuple[float, int, int, float]] = []  # (seconds, tries, total, at)
        self.failures: list[str] = []

    def query_once(self) -> tuple[int, int]:
        last = ""
        for tries in range(1, 21):
            try:
                response = self.client.search(
                    index=INDEX,
                    body={"size": 0, "track_total_hits": True, "query": {"match_all": {}}},
                )
            except Exception as exc:  # the client's own retries are exhausted
                last = f"{type(exc).__name__}: {exc}"
            else:
                total = response["hits"]["total"]["value"]
                if response["_shards"]["failed"] == 0 and total == DOCS:
                    return tries, total
                last = f"total {total}, shards {response['_shards']}"
            time.sleep(0.5)
        raise AssertionError(f"no full answer in 20 tries: {last}")

    def run(self) -> None:
        while not self.halt.is_set():
            began = time.monotonic()
            try:
                tries, total = self.query_once()
            except AssertionError as exc:
                self.failures.append(str(exc))
            else:
                self.answers.append((time.monotonic() - began, tries, total, time.monotonic()))
            time.sleep(0.05)


def wait_green(client, nodes: int, limit: float = 90.0) -> dict:
    """The cluster health once green with ``nodes`` nodes, or the last one after ``limit`` s.

    (opensearch-py takes a ``timeout=`` argument as its own request timeout, so the wait is
    a loop of short server-side waits.)
    """
    deadline = time.monotonic() + limit
    while True:
        health = client.cluster.health(
            index=INDEX, wait_for_status="green", wait_for_nodes=str(nodes), request_timeout=40
        )
        if (health["status"], health["number_of_nodes"]) == ("green", nodes):
            return health
        if time.monotonic() > deadline:
            return health
        time.sleep(0.5)


def test_three_nodes_survive_a_killed_node(tmp_path: Path) -> None:
    from opensearchpy import OpenSearch, helpers

    data = tmp_path / "cluster"
    port = free_ports(3)
    runner = CliRunner()
    began = time.monotonic()
    result = runner.invoke(
        main, ["opensearch", "start", "--nodes", "3", "--port", str(port), "--data", str(data)]
    )
    start_seconds = time.monotonic() - began
    assert result.exit_code == 0, result.stderr
    try:
        found = json.loads(
            runner.invoke(main, ["opensearch", "status", "--json", "--data", str(data)]).stdout
        )
        assert found["health"] == "green" and found["number_of_nodes"] == 3
        hosts = [{"host": "127.0.0.1", "port": port + i} for i in range(3)]
        writer = OpenSearch(hosts=hosts, timeout=30)
        writer.indices.create(
            index=INDEX,
            body={
                "settings": {
                    "number_of_shards": 3,
                    "number_of_replicas": 1,
                    "index.unassigned.node_left.delayed_timeout": "0s",
                },
                "mappings": {"properties": {"body": {"type": "text", "analyzer": "whitespace"}}},
            },
        )
        assert wait_green(writer, 3)["status"] == "green"
        actions = (
            {"_index": INDEX, "_id": str(i), "_source": {"body": f"文档 {i} 内容 {i % 7}"}}
            for i in range(DOCS)
        )
        indexed, errors = helpers.bulk(
            writer, actions, chunk_size=500, refresh=True, wait_for_active_shards="all"
        )
        assert (indexed, errors) == (DOCS, [])
        assert writer.count(index=INDEX)["count"] == DOCS

        manager = writer.cat.cluster_manager(format="json")[0]["node"]
        victim = int(manager.rsplit("-", 1)[1])
        reader = Reader(hosts)
        reader.start()
        time.sleep(2)
        killed_at = time.monotonic()
        pid = cluster.kill_node(data, victim)
        time.sleep(4)
        survivor = OpenSearch(hosts=[h for i, h in enumerate(hosts) if i != victim], timeout=30)
        health = wait_green(survivor, 2)
        recovered = time.monotonic() - killed_at
        time.sleep(2)
        reader.halt.set()
        reader.join(timeout=60)

        assert not reader.failures, reader.failures[:3]
        assert len(reader.answers) >= 20, reader.answers
        assert {total for _, _, total, _ in reader.answers} == {DOCS}
        after = sum(1 for *_, at in reader.answers if at > killed_at)
        assert after >= 10, after
        assert health["status"] == "green" and health["number_of_nodes"] == 2
        assert survivor.count(index=INDEX)["count"] == DOCS
        for i in range(DOCS)[::97]:
            assert survivor.get(index=INDEX, id=str(i))["found"]
        nodes = cluster.status(data).nodes
        assert [n.alive for n in nodes] == [i != victim for i in range(3)]
        assert nodes[victim].pid == pid

        slowest = max(seconds for seconds, *_ in reader.answers)
        retried = sum(1 for _, tries, *_ in reader.answers if tries > 1)
        print(
            f"\n3 nodes started in {start_seconds:.1f} s; killed {manager} (pid {pid}); "
            f"{len(reader.answers)} queries ({after} after the kill), {retried} needed a retry, "
            f"slowest {slowest:.2f} s; "
            f"green again on 2 nodes {recovered:.1f} s after the kill"
        )
    finally:
        stopped = runner.invoke(main, ["opensearch", "stop", "--data", str(data)])
        assert stopped.exit_code == 0, stopped.stderr
        assert not cluster.status(data).running
