"""A real OpenSearch node for the session, started once through the installed CLI.

``opensearch_url`` starts one node with ``g60-reader opensearch start`` in a child process
(on a free port, data under pytest's tmp): the node has to outlive that process, as it does
for a user. OpenSearch is installed into the user cache on first use (one download of about
54 MiB from Maven Central; later sessions reuse it). At session end the node is stopped and
checked gone. Tests that use it are marked ``opensearch``; they are never skipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from g60_reader.index.backends.opensearch import cluster


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``g60-reader`` (the installed entry point's module) in a child process."""
    return subprocess.run(
        [sys.executable, "-c", "from g60_reader.tui.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "200"},
    )


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports free on 127.0.0.1."""
    for _ in range(200):
        base = cluster.free_port()
        if base + count > 65535:
            continue
        if all(_bindable(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


_STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
_POLITE = "import time; time.sleep(60)"


_FAKES: list[subprocess.Popen[bytes]] = []


def fake_cluster(data: Path, programs: list[str]) -> list[int]:
    """A state file whose 'nodes' are sleeping Python processes carrying a config path."""
    nodes = []
    for i, program in enumerate(programs):
        config = data / f"node-{i}" / "config"
        config.mkdir(parents=True)
        process = subprocess.Popen(
            [sys.executable, "-c", program, str(config)], start_new_session=True
        )
        _FAKES.append(process)
        nodes.append(
            {
                "index": i,
                "name": f"node-{i}",
                "pid": process.pid,
                "http_port": 1,
                "transport_port": 2,
                "directory": str(config.parent),
                "config": str(config),
                "log": str(config.parent / "opensearch.log"),
                "stdout": str(config.parent / "stdout.log"),
            }
        )
    (data / cluster.STATE_FILE).write_text(json.dumps({"version": "x", "nodes": nodes}))
    return [node["pid"] for node in nodes]


@pytest.fixture(autouse=True)
def _forget_fakes() -> Iterator[None]:
    """Fake nodes are ended by the code under test; poll them so Popen knows they are gone."""
    yield
    for process in _FAKES:
        if process.poll() is None:
            process.kill()
            process.wait()
    _FAKES.clear()


@dataclass
class Node:
    """The session's node: its URL, data directory, port and how long start took."""

    url: str
    data: Path
    port: int
    start_seconds: float


@pytest.fixture(scope="session")
def opensearch_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("opensearch") / "cluster"
    port = free_ports(1)
    began = time.monotonic()
    done = cli("opensearch", "start", "--port", str(port), "--data", str(data))
    seconds = time.monotonic() - began
    if done.returncode != 0:
        cluster.stop(data, timeout=10)
        pytest.fail(f"opensearch start failed ({done.returncode}): {done.stderr.strip()}")
    try:
        found = cluster.status(data)
        assert found.running and found.health == "green", found
        yield Node(url=f"http://127.0.0.1:{port}", data=data, port=port, start_seconds=seconds)
    finally:
        pids = [node.pid for node in cluster.status(data).nodes]
        result = cluster.stop(data, timeout=30)
        assert sorted(result.stopped + result.killed) == sorted(pids)
        assert not cluster.status(data).running
        assert not (data / cluster.STATE_FILE).exists()


@pytest.fixture(scope="session")
def opensearch_url(opensearch_node: Node) -> str:
    """The HTTP URL of a real single OpenSearch node (green, 0 default replicas)."""
    return opensearch_node.url


@pytest.fixture
def client(opensearch_url: str):
    from opensearchpy import OpenSearch

    os_client = OpenSearch(hosts=[opensearch_url], timeout=30)
    yield os_client
    os_client.close()
