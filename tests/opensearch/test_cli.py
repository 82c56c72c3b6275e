"""``g60-reader opensearch start|status|stop``: output, exit codes, one-line errors.

The session fixture itself starts its node through ``g60-reader opensearch start`` in a
child process; these tests drive the other paths, in-process (CliRunner) and through the
entry point in a child process.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from g60_reader.index.backends.opensearch import cluster
from g60_reader.tui.cli import main

from .conftest import _POLITE, _STUBBORN, Node, cli, fake_cluster, free_ports


def run(*args: str):
    return CliRunner().invoke(main, ["opensearch", *args], catch_exceptions=False)


def assert_one_line_error(stderr: str, text: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ") and text in lines[0], stderr
    assert "Traceback" not in stderr


@pytest.mark.opensearch
def test_status_json(opensearch_node: Node) -> None:
    result = run("status", "--json", "--data", str(opensearch_node.data))
    assert result.exit_code == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["running"] is True and found["health"] == "green"
    assert found["url"] == opensearch_node.url
    assert found["version"] == cluster.VERSION
    (node,) = found["nodes"]
    assert node["alive"] and node["http_port"] == opensearch_node.port and node["pid"] > 0


@pytest.mark.opensearch
def test_status_text(opensearch_node: Node) -> None:
    result = run("status", "--data", str(opensearch_node.data))
    assert result.exit_code == 0
    assert "green, 1 of 1 node(s) up" in result.stdout
    assert f"http {opensearch_node.port}" in result.stdout


@pytest.mark.opensearch
def test_start_on_a_running_data_dir_reports_it(opensearch_node: Node) -> None:
    result = run("start", "--port", str(free_ports(1)), "--data", str(opensearch_node.data))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, f"already running at {opensearch_node.url}")


@pytest.mark.opensearch
def test_start_on_a_taken_port_fails_in_one_line(opensearch_node: Node, tmp_path: Path) -> None:
    done = cli("opensearch", "start", "--port", str(opensearch_node.port), "--data", str(tmp_path))
    assert done.returncode == 1
    assert_one_line_error(done.stderr, f"port {opensearch_node.port} on 127.0.0.1 is in use")


def test_status_and_stop_when_nothing_runs(tmp_path: Path) -> None:
    result = run("status", "--data", str(tmp_path))
    assert result.exit_code == 3
    assert "no OpenSearch cluster is running" in result.stdout
    result = run("status", "--json", "--data", str(tmp_path))
    assert result.exit_code == 3
    assert json.loads(result.stdout)["running"] is False
    result = run("stop", "--data", str(tmp_path))
    assert result.exit_code == 0
    assert "no OpenSearch cluster was running" in result.stdout


def test_stop_command(tmp_path: Path) -> None:
    pids = fake_cluster(tmp_path, [_POLITE, _STUBBORN])
    time.sleep(0.3)
    result = run("stop", "--data", str(tmp_path), "--timeout", "0.5")
    assert result.exit_code == 0, result.stderr
    assert f"stopped 2 node(s), pids {pids[0]} {pids[1]} (1 killed" in result.stdout
    assert not (tmp_path / cluster.STATE_FILE).exists()


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    (tmp_path / cluster.STATE_FILE).write_text("{not json")
    done = cli("opensearch", "status", "--data", str(tmp_path))
    assert done.returncode == 1
    assert_one_line_error(done.stderr, "unreadable state file")
    result = run("start", "--heap", "lots", "--data", str(tmp_path / "x"))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "heap 'lots' is not a size")


def test_start_with_a_missing_java_fails_in_one_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    result = run("start", "--port", str(free_ports(1)), "--data", str(tmp_path / "d"))
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "has no executable bin/java")
