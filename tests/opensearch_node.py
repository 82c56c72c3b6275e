"""A real OpenSearch node for the whole test session, started once through the installed CLI.

Registered from ``tests/conftest.py`` so that every folder can use it: the OpenSearch tests
(``tests/opensearch``) and the contract suite (``tests/contract``, whose ``opensearch``
backend runs on it). ``opensearch_node`` starts one node with ``g60-reader opensearch
start`` in a child process (on a free port, data under pytest's tmp): the node has to
outlive that process, as it does for a user. OpenSearch is installed into the user cache
on first use (one download of about 54 MiB from Maven Central; later sessions reuse it).
At session end the node is stopped and checked gone. Tests that use it are marked
``opensearch``; they are never skipped. Starting takes 20-30 s on the 2-core machine.
"""

from __future__ import annotations

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
