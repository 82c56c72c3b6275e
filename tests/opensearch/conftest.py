"""Fake clusters for the cluster tests, and a client of the session's real node.

The real node (``opensearch_node``, ``opensearch_url``) is started once per session by the
root plugin ``tests/opensearch_node.py``, so that the contract suite can share it;
``Node``, ``cli`` and ``free_ports`` are re-exported from there for these tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from g60_reader.index.backends.opensearch import cluster
from tests.opensearch_node import Node, cli, free_ports

__all__ = ["Node", "cli", "free_ports"]


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


@pytest.fixture
def client(opensearch_url: str):
    from opensearchpy import OpenSearch

    os_client = OpenSearch(hosts=[opensearch_url], timeout=30)
    yield os_client
    os_client.close()
