"""install / start / status / stop / kill_node of the local OpenSearch cluster.

The tests marked ``opensearch`` use the session's real node; the others check install,
Java and stop logic against fakes (a local file repository, fake ``java`` scripts, sleeping
processes standing in for nodes), which needs no JVM.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import time
import zipfile
from pathlib import Path

import pytest

from g60_reader.index.backends.opensearch import cluster

from .conftest import _POLITE, _STUBBORN, Node, fake_cluster, free_ports

# --------------------------------------------------------------------------- install


@pytest.mark.opensearch
def test_install_is_idempotent_and_complete(opensearch_node: Node) -> None:
    calls: list[tuple[str, int, int]] = []
    began = time.monotonic()
    home = cluster.install(progress=lambda *args: calls.append(args))
    assert time.monotonic() - began < 1.0
    assert calls == []  # nothing downloaded again
    assert home == cluster.install()
    assert home == cluster.default_cache() / f"opensearch-{cluster.VERSION}"
    assert os.access(home / "bin" / "opensearch", os.X_OK)
    descriptor = home / "modules" / "analysis-common" / "plugin-descriptor.properties"
    assert "CommonAnalysisPlugin" in descriptor.read_text()
    assert (home / "modules" / "transport-netty4").is_dir()
    marker = json.loads((home.parent / cluster.MARKER_FILE).read_text())
    assert marker["version"] == cluster.VERSION
    assert not (home.parent / "downloads").exists()


def test_lock_pins_the_distribution_and_the_module() -> None:
    artifacts = cluster.load_lock()
    kinds = {(a.group, a.artifact, a.type) for a in artifacts}
    assert ("org.opensearch.distribution.integ-test-zip", "opensearch", "zip") in kinds
    assert ("org.opensearch.plugin", "analysis-common", "jar") in kinds
    assert {a.version for a in artifacts} == {cluster.VERSION}
    with pytest.raises(cluster.InstallError, match="line 1 is malformed"):
        cluster.load_lock("org.x:y:1:jar nothex 12\n")


def _fake_repository(root: Path, *, corrupt: bool = False) -> str:
    """A file:// Maven repository with a tiny distribution zip and module jar, and its lock."""
    buffer = io.BytesIO()
    top = f"opensearch-{cluster.VERSION}"
    with zipfile.ZipFile(buffer, "w") as zipped:
        script = zipfile.ZipInfo(f"{top}/bin/opensearch")
        script.external_attr = (stat.S_IFREG | 0o755) << 16
        zipped.writestr(script, "#!/bin/sh\necho fake\n")
        zipped.writestr(f"{top}/lib/opensearch-{cluster.VERSION}.jar", b"jar")
        zipped.writestr(f"{top}/modules/transport-netty4/plugin-descriptor.properties", "x=1")
    files = {
        "org.opensearch.distribution.integ-test-zip:opensearch:{v}:zip": buffer.getvalue(),
        "org.opensearch.plugin:analysis-common:{v}:jar": b"module jar bytes",
    }
    lines = []
    for coords, payload in files.items():
        coords = coords.format(v=cluster.VERSION)
        artifact = cluster.load_lock(f"{coords}\t{'0' * 40}\t0")[0]
        target = root / artifact.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(payload)
        sha1 = hashlib.sha1(payload).hexdigest()
        if corrupt:
            sha1 = "f" * 40
        lines.append(f"{coords}\t{sha1}\t{len(payload)}")
    return "\n".join(lines) + "\n"


def test_install_clears_a_half_finished_install(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    lock = _fake_repository(repo)
    monkeypatch.setattr(cluster, "_lock_text", lambda: lock)
    cache = tmp_path / "cache"
    # What an interrupted install leaves: a partial download, a staging dir, a home
    # without its marker.
    (cache / "downloads").mkdir(parents=True)
    (cache / "downloads" / f"opensearch-{cluster.VERSION}.zip.part").write_bytes(b"half")
    (cache / ".staging-old" / "junk").mkdir(parents=True)
    (cache / f"opensearch-{cluster.VERSION}" / "stale").mkdir(parents=True)
    calls: list[tuple[str, int, int]] = []
    home = cluster.install(cache, progress=lambda *a: calls.append(a), repository=repo.as_uri())
    assert home == cache / f"opensearch-{cluster.VERSION}"
    assert not (home / "stale").exists()
    assert not list(cache.glob(".staging-*"))
    assert os.access(home / "bin" / "opensearch", os.X_OK)
    module = home / "modules" / "analysis-common"
    assert (module / f"analysis-common-{cluster.VERSION}.jar").read_bytes() == b"module jar bytes"
    assert "CommonAnalysisPlugin" in (module / "plugin-descriptor.properties").read_text()
    assert {name for name, _, _ in calls} == {
        f"opensearch-{cluster.VERSION}.zip",
        f"analysis-common-{cluster.VERSION}.jar",
    }
    calls.clear()
    assert cluster.install(cache, progress=lambda *a: calls.append(a)) == home
    assert calls == []


def test_install_refuses_a_checksum_mismatch(tmp_path: Path, monkeypatch) -> None:
    repo = tmp_path / "repo"
    lock = _fake_repository(repo, corrupt=True)
    monkeypatch.setattr(cluster, "_lock_text", lambda: lock)
    cache = tmp_path / "cache"
    with pytest.raises(cluster.InstallError, match=r"does not match artifacts\.lock") as caught:
        cluster.install(cache, repository=repo.as_uri())
    assert "\n" not in str(caught.value)
    assert not (cache / cluster.MARKER_FILE).exists()
    assert not (cache / f"opensearch-{cluster.VERSION}").exists()
    assert not list((cache / "downloads").iterdir())


def test_install_reports_a_missing_artifact(tmp_path: Path, monkeypatch) -> None:
    lock = _fake_repository(tmp_path / "repo")
    monkeypatch.setattr(cluster, "_lock_text", lambda: lock)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(cluster.InstallError, match="cannot download"):
        cluster.install(tmp_path / "cache", repository=empty.as_uri())


# --------------------------------------------------------------------------- java


def _fake_java(root: Path, version_line: str) -> Path:
    home = root / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(0o755)
    return home


@pytest.mark.parametrize(
    ("line", "major"),
    [('openjdk version "17.0.15" 2025-04-15', 17), ('openjdk version "11.0.2" 2019', 11)],
)
def test_java_in_range_is_accepted(tmp_path: Path, line: str, major: int) -> None:
    home = _fake_java(tmp_path, line)
    java = cluster.find_java({"JAVA_HOME": str(home), "PATH": ""})
    assert java.major == major
    assert java.home == home.resolve()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('java version "1.8.0_392"', "Java 1.8.0_392 at .* is too old"),
        ('openjdk version "25.0.1" 2025-10-21', "Java 25.0.1 at .* is too new"),
    ],
)
def test_java_out_of_range_is_refused(tmp_path: Path, line: str, reason: str) -> None:
    home = _fake_java(tmp_path, line)
    with pytest.raises(cluster.JavaError, match=reason):
        cluster.find_java({"OPENSEARCH_JAVA_HOME": str(home), "PATH": ""})


def test_missing_java_is_refused(tmp_path: Path) -> None:
    with pytest.raises(cluster.JavaError, match="Java not found"):
        cluster.find_java({"PATH": str(tmp_path)})
    with pytest.raises(cluster.JavaError, match="has no executable bin/java"):
        cluster.find_java({"JAVA_HOME": str(tmp_path), "PATH": ""})


def test_start_refuses_an_old_java(tmp_path: Path, monkeypatch) -> None:
    home = _fake_java(tmp_path, 'java version "1.8.0_392"')
    monkeypatch.setenv("OPENSEARCH_JAVA_HOME", str(home))
    with pytest.raises(cluster.JavaError, match="too old"):
        cluster.start(port=free_ports(1), data=tmp_path / "data")
    assert not (tmp_path / "data" / cluster.STATE_FILE).exists()


# --------------------------------------------------------------------------- the real node


@pytest.mark.opensearch
def test_status_of_the_running_node(opensearch_node: Node) -> None:
    found = cluster.status(opensearch_node.data)
    assert found.running and found.health == "green"
    assert found.url == opensearch_node.url
    assert found.version == cluster.VERSION and found.number_of_nodes == 1
    (node,) = found.nodes
    assert node.alive and node.http_port == opensearch_node.port
    assert node.rss_bytes and node.rss_bytes > 50 * 2**20
    assert os.getsid(node.pid) == node.pid  # detached: its own session
    assert node.transport_port != node.http_port
    yml = (Path(node.config) / "opensearch.yml").read_text()
    assert "discovery.type: single-node" in yml
    assert "cluster.routing.allocation.disk.threshold_enabled: false" in yml
    assert "network.host: 127.0.0.1" in yml
    state = json.loads((opensearch_node.data / cluster.STATE_FILE).read_text())
    assert state["nodes"][0]["pid"] == node.pid
    assert Path(node.log).is_file()


@pytest.mark.opensearch
def test_second_start_on_the_same_data_reports_the_running_cluster(
    opensearch_node: Node,
) -> None:
    with pytest.raises(cluster.ClusterRunning) as caught:
        cluster.start(port=free_ports(1), data=opensearch_node.data)
    message = str(caught.value)
    assert "already running at " + opensearch_node.url in message
    assert "\n" not in message
    assert caught.value.status.running
    assert cluster.status(opensearch_node.data).health == "green"


@pytest.mark.opensearch
def test_port_in_use_is_refused_in_one_line(opensearch_node: Node, tmp_path: Path) -> None:
    with pytest.raises(cluster.PortInUse) as caught:
        cluster.start(port=opensearch_node.port, data=tmp_path / "other")
    assert f"port {opensearch_node.port} on 127.0.0.1 is in use" in str(caught.value)
    assert "\n" not in str(caught.value)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        with pytest.raises(cluster.PortInUse, match=f"port ({taken - 1}|{taken}) "):
            cluster.start(nodes=2, port=taken - 1, data=tmp_path / "third")
    assert not (tmp_path / "other" / cluster.STATE_FILE).exists()


def test_a_data_dir_of_another_size_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "node-0" / "data" / "nodes").mkdir(parents=True)
    (data / cluster.CLUSTER_FILE).write_text(json.dumps({"nodes": 3, "cluster_name": "x"}))
    with pytest.raises(cluster.ClusterError, match="holds a 3-node cluster"):
        cluster.start(nodes=1, port=free_ports(1), data=data)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(cluster.ClusterError, match="heap"):
        cluster.start(heap="lots", data=tmp_path)
    with pytest.raises(cluster.ClusterError, match="at least 1"):
        cluster.start(nodes=0, data=tmp_path)


# --------------------------------------------------------------------------- stop (fakes)


def test_stop_sends_sigterm_then_sigkill(tmp_path: Path) -> None:
    polite, stubborn = fake_cluster(tmp_path, [_POLITE, _STUBBORN])
    time.sleep(0.3)  # let the stubborn one install its handler
    found = cluster.status(tmp_path)
    assert found.running and found.health == "unreachable"
    began = time.monotonic()
    result = cluster.stop(tmp_path, timeout=1.0)
    assert time.monotonic() - began < 8
    assert result.stopped == [polite] and result.killed == [stubborn]
    assert not (tmp_path / cluster.STATE_FILE).exists()
    assert not cluster.status(tmp_path).running
    assert not cluster.stop(tmp_path).any  # nothing left: not an error


def test_kill_node_kills_one(tmp_path: Path) -> None:
    first, second = fake_cluster(tmp_path, [_POLITE, _STUBBORN])
    assert cluster.kill_node(tmp_path, 1) == second
    found = cluster.status(tmp_path)
    assert [node.alive for node in found.nodes] == [True, False]
    with pytest.raises(cluster.ClusterError, match="not running"):
        cluster.kill_node(tmp_path, 1)
    with pytest.raises(cluster.ClusterError, match="no node 5"):
        cluster.kill_node(tmp_path, 5)
    assert cluster.stop(tmp_path).stopped == [first]


def test_a_reused_pid_is_not_taken_for_a_node(tmp_path: Path) -> None:
    (pid,) = fake_cluster(tmp_path, [_POLITE])
    state = json.loads((tmp_path / cluster.STATE_FILE).read_text())
    real_directory = state["nodes"][0]["directory"]
    state["nodes"][0]["directory"] = str(tmp_path / "node-9")
    (tmp_path / cluster.STATE_FILE).write_text(json.dumps(state))
    assert not cluster.status(tmp_path).running  # the pid runs, but it is no node of ours
    state["nodes"][0]["directory"] = real_directory
    (tmp_path / cluster.STATE_FILE).write_text(json.dumps(state))
    assert cluster.stop(tmp_path).stopped == [pid]
