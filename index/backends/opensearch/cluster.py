"""A real local OpenSearch cluster: installed from Maven Central, one process per node.

What it runs is OpenSearch's own integration-test distribution
(``org.opensearch.distribution.integ-test-zip:opensearch``, a real ``bin/ lib/ config/``
distribution without a bundled JDK) at :data:`VERSION`, plus the ``analysis-common`` module
(``cjk_bigram``, ``mapping`` char filters, …) added as a module next to ``transport-netty4``.
Both files are pinned by sha1 in ``artifacts.lock`` beside this module, so a user's machine
needs Java (11 to 23) and bash, not Maven.

* :func:`install` fetches and unpacks them once into a cache directory.
* :func:`start` writes a config directory per node (``opensearch.yml``, ``jvm.options``,
  ``log4j2.properties``) and starts each node as a detached process (its own session, so it
  outlives the Python process that started it) through the distribution's ``bin/opensearch``,
  on 127.0.0.1 only, plain HTTP, no security plugin. It waits for health green.
* :func:`status`, :func:`stop` and :func:`kill_node` read the state file that :func:`start`
  leaves in the data directory.

Running as root: OpenSearch's bootstrap refuses root, and it detects root through JNA. Under
root (CI, containers) the nodes are started with JNA's native library switched off
(``-Djna.nosys=true -Djna.nounpack=true``): the root check, the seccomp filter and memory
locking are then skipped with a warning in the node's log. Nothing else changes.

Every failure raises :class:`ClusterError` (or a subclass) with a one-line message that names
the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

VERSION = "2.19.6"
"""The OpenSearch version installed and started (its Lucene is 9.12.3)."""

JAVA_MIN = 11
JAVA_MAX = 23
"""Java versions OpenSearch 2.19 runs on (from 24 on, its security manager cannot start)."""

DEFAULT_REPOSITORY = "https://repo1.maven.org/maven2/"
ENV_REPOSITORY = "G60_MAVEN_REPOSITORY"
"""Environment variable naming another Maven repository (a mirror) to install from."""

HOST = "127.0.0.1"
STATE_FILE = "state.json"
CLUSTER_FILE = "cluster.json"
MARKER_FILE = "installed.json"

Progress = Callable[[str, int, int], None]
"""``progress(file_name, bytes_done, bytes_total)``, called while downloading."""

_PACKAGE = "g60_reader.index.backends.opensearch"
_ROOT_JAVA_OPTS = "-Djna.nosys=true -Djna.nounpack=true"
_HEAP_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class ClusterError(Exception):
    """Any failure of install, start, status or stop; its message is one line."""


class InstallError(ClusterError):
    """The artifacts could not be downloaded, verified or unpacked."""


class JavaError(ClusterError):
    """No usable Java: missing, too old or too new for :data:`VERSION`."""


class PortInUse(ClusterError):
    """An HTTP port the cluster needs is taken on 127.0.0.1."""


class StartError(ClusterError):
    """A node exited during start, or the cluster did not get healthy in time."""


class ClusterRunning(ClusterError):
    """A cluster from this data directory is already running; ``status`` describes it."""

    def __init__(self, message: str, status: ClusterStatus) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- artifacts


@dataclass(frozen=True)
class Artifact:
    """One pinned file on Maven Central (a line of ``artifacts.lock``)."""

    group: str
    artifact: str
    version: str
    type: str
    sha1: str
    size: int

    @property
    def file_name(self) -> str:
        return f"{self.artifact}-{self.version}.{self.type}"

    @property
    def path(self) -> str:
        """The file's path inside a Maven repository."""
        return f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}/{self.file_name}"


def _lock_text() -> str:
    return resources.files(_PACKAGE).joinpath("artifacts.lock").read_text("utf-8")


def load_lock(text: str | None = None) -> list[Artifact]:
    """The artifacts pinned in ``artifacts.lock`` (or in ``text``).

    Raises:
        InstallError: a line is not ``group:artifact:version:type<TAB>sha1<TAB>size``.
    """
    if text is None:
        text = _lock_text()
    found = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            coords, sha1, size = line.split()
            group, artifact, version, kind = coords.split(":")
            if not re.fullmatch(r"[0-9a-f]{40}", sha1):
                raise ValueError(sha1)
            found.append(Artifact(group, artifact, version, kind, sha1, int(size)))
        except ValueError:
            raise InstallError(f"artifacts.lock line {number} is malformed: {line!r}") from None
    return found


def default_cache() -> Path:
    """``g60_reader.index.paths.cache_dir() / "opensearch" / VERSION``."""
    from g60_reader.index.paths import cache_dir

    return cache_dir() / "opensearch" / VERSION


def default_data() -> Path:
    """``g60_reader.index.paths.default_home() / "opensearch"``."""
    from g60_reader.index.paths import default_home

    return default_home() / "opensearch"


@contextlib.contextmanager
def _file_lock(path: Path, *, wait: bool, what: str) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise ClusterError(f"{what} is busy: another g60-reader holds {path}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sha1_of(path: Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(artifact: Artifact, dest: Path, repository: str, progress: Progress | None) -> None:
    """Download to ``dest.part``, check size and sha1, then rename to ``dest``."""
    url = repository.rstrip("/") + "/" + artifact.path
    part = dest.with_name(dest.name + ".part")
    last_error = ""
    for attempt in range(3):
        if attempt:
            time.sleep(2 * attempt)
        digest = hashlib.sha1()
        done = 0
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(part, "wb") as out:
                while block := response.read(1 << 18):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(artifact.file_name, done, artifact.size)
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            last_error = f"cannot download {url}: {reason}"
            part.unlink(missing_ok=True)
            if isinstance(exc, urllib.error.HTTPError) and 400 <= exc.code < 500:
                break  # the file is not there: trying again will not help
            if isinstance(reason, FileNotFoundError):
                break
            continue
        if done != artifact.size or digest.hexdigest() != artifact.sha1:
            part.unlink(missing_ok=True)
            raise InstallError(
                f"{artifact.file_name} from {url} does not match artifacts.lock "
                f"(sha1 {digest.hexdigest()}, {done} bytes; expected {artifact.sha1}, "
                f"{artifact.size} bytes)"
            )
        os.replace(part, dest)
        return
    raise InstallError(last_error)


def _extract(archive: Path, into: Path) -> None:
    """Unpack a zip, keeping the executable bits and refusing paths outside ``into``."""
    root = into.resolve()
    with zipfile.ZipFile(archive) as zipped:
        for member in zipped.infolist():
            target = (into / member.filename).resolve()
            if target != root and root not in target.parents:
                raise InstallError(f"{archive.name} holds a path outside its root: {member}")
            zipped.extract(member, into)
            mode = (member.external_attr >> 16) & 0o777
            if mode and not member.is_dir():
                os.chmod(target, mode)


def _module_descriptor(artifact: Artifact) -> str:
    return (
        "# Written by g60-reader's installer (the jar on Maven Central has no descriptor).\n"
        "description=Adds analyzers, tokenizers, token and char filters (analysis-common)\n"
        f"version={artifact.version}\n"
        "name=analysis-common\n"
        "classname=org.opensearch.analysis.common.CommonAnalysisPlugin\n"
        f"java.version={JAVA_MIN}\n"
        f"opensearch.version={artifact.version}\n"
    )


def install(
    cache: Path | None = None,
    *,
    progress: Progress | None = None,
    repository: str | None = None,
) -> Path:
    """Install OpenSearch :data:`VERSION` into ``cache`` once and return its home directory.

    Downloads the distribution zip and the ``analysis-common`` module jar listed in
    ``artifacts.lock`` (about 54 MiB) from Maven Central (or ``repository``, or
    ``$G60_MAVEN_REPOSITORY``), checks each against its pinned sha1 and size, unpacks the zip
    into a staging directory, adds the module and renames the result into place; a marker file
    written last says the install is whole. A second call returns at once. A half-finished
    earlier install (partial downloads, a staging directory, a home without marker) is cleared
    and done again. Concurrent installs wait for each other (a lock file in ``cache``).

    Args:
        cache: where to install (default :func:`default_cache`).
        progress: called as ``progress(file_name, bytes_done, bytes_total)`` while downloading.
        repository: the Maven repository's base URL.

    Returns:
        The OpenSearch home (``cache / "opensearch-<VERSION>"``, with ``bin/opensearch``).

    Raises:
        InstallError: a download failed or did not match its pinned sha1, or unpacking failed.
    """
    cache = Path(cache) if cache is not None else default_cache()
    repository = repository or os.environ.get(ENV_REPOSITORY) or DEFAULT_REPOSITORY
    lock_text = _lock_text()
    artifacts = load_lock(lock_text)
    lock_digest = hashlib.sha1(lock_text.encode()).hexdigest()
    home = cache / f"opensearch-{VERSION}"
    marker = cache / MARKER_FILE
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InstallError(f"cannot create the cache directory {cache}: {exc}") from None
    if _installed(marker, home, lock_digest):
        return home
    with _file_lock(cache / ".install.lock", wait=True, what="the install"):
        if _installed(marker, home, lock_digest):
            return home
        try:
            return _install_locked(
                cache, home, marker, artifacts, lock_digest, repository, progress
            )
        except OSError as exc:
            raise InstallError(f"cannot install OpenSearch into {cache}: {exc}") from None


def _installed(marker: Path, home: Path, lock_digest: str) -> bool:
    try:
        recorded = json.loads(marker.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("lock") == lock_digest and (home / "bin" / "opensearch").is_file()


def _install_locked(
    cache: Path,
    home: Path,
    marker: Path,
    artifacts: list[Artifact],
    lock_digest: str,
    repository: str,
    progress: Progress | None,
) -> Path:
    marker.unlink(missing_ok=True)
    for leftover in cache.glob(".staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if home.exists():
        shutil.rmtree(home)
    downloads = cache / "downloads"
    downloads.mkdir(exist_ok=True)
    for part in downloads.glob("*.part"):
        part.unlink()
    started = time.monotonic()
    files: dict[str, Path] = {}
    for artifact in artifacts:
        dest = downloads / artifact.file_name
        if not (dest.is_file() and _sha1_of(dest) == artifact.sha1):
            _download(artifact, dest, repository, progress)
        files[artifact.artifact + ":" + artifact.type] = dest
    distribution = next((a for a in artifacts if a.type == "zip"), None)
    if distribution is None:
        raise InstallError("artifacts.lock names no distribution zip")
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
    try:
        _extract(files[distribution.artifact + ":zip"], staging)
        unpacked = staging / f"opensearch-{VERSION}"
        if not (unpacked / "bin" / "opensearch").is_file():
            raise InstallError(
                f"{distribution.file_name} has no opensearch-{VERSION}/bin/opensearch"
            )
        for artifact in artifacts:
            if artifact.type != "jar":
                continue
            module = unpacked / "modules" / artifact.artifact
            module.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(files[artifact.artifact + ":jar"], module / artifact.file_name)
            (module / "plugin-descriptor.properties").write_text(
                _module_descriptor(artifact), "utf-8"
            )
        os.replace(unpacked, home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _write_json(
        marker,
        {
            "version": VERSION,
            "lock": lock_digest,
            "repository": repository,
            "download_bytes": sum(a.size for a in artifacts),
            "seconds": round(time.monotonic() - started, 2),
        },
    )
    shutil.rmtree(downloads, ignore_errors=True)
    return home


# --------------------------------------------------------------------------- java


@dataclass(frozen=True)
class Java:
    """The Java runtime the nodes will use."""

    executable: Path
    home: Path
    major: int
    version: str


def find_java(env: dict[str, str] | None = None) -> Java:
    """The Java to run OpenSearch with: ``$OPENSEARCH_JAVA_HOME``, else ``$JAVA_HOME``, else
    ``java`` on ``PATH``; checked to be version :data:`JAVA_MIN` to :data:`JAVA_MAX`.

    Raises:
        JavaError: no Java found, or it does not run, or its version is out of range.
    """
    env = dict(os.environ) if env is None else env
    for variable in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if env.get(variable):
            candidate = Path(env[variable]) / "bin" / "java"
            if not os.access(candidate, os.X_OK):
                raise JavaError(f"{variable}={env[variable]} has no executable bin/java")
            source = variable
            break
    else:
        found = shutil.which("java", path=env.get("PATH", os.defpath))
        if found is None:
            raise JavaError(
                f"Java not found: OpenSearch {VERSION} needs Java {JAVA_MIN} to {JAVA_MAX} "
                "(install a JDK, or set JAVA_HOME)"
            )
        candidate = Path(found)
        source = "PATH"
    try:
        done = subprocess.run(
            [str(candidate), "-version"], capture_output=True, text=True, timeout=60, env=env
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaError(f"cannot run {candidate} -version: {exc}") from None
    output = done.stderr + done.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?[^"]*"', output)
    if done.returncode != 0 or match is None:
        first = output.strip().splitlines()[0] if output.strip() else f"exit {done.returncode}"
        raise JavaError(f"{candidate} (from {source}) does not report a version: {first}")
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    version = match.group(0).split('"')[1]
    where = f"Java {version} at {candidate} (from {source})"
    if major < JAVA_MIN:
        raise JavaError(
            f"{where} is too old: OpenSearch {VERSION} needs Java {JAVA_MIN} to {JAVA_MAX} "
            "(set OPENSEARCH_JAVA_HOME or JAVA_HOME to such a JDK)"
        )
    if major > JAVA_MAX:
        raise JavaError(
            f"{where} is too new: OpenSearch {VERSION} runs on Java {JAVA_MIN} to {JAVA_MAX} "
            "(it needs the security manager removed in Java 24; set OPENSEARCH_JAVA_HOME "
            "or JAVA_HOME to such a JDK)"
        )
    real = candidate.resolve()
    return Java(executable=real, home=real.parent.parent, major=major, version=version)


# --------------------------------------------------------------------------- state


@dataclass
class NodeInfo:
    """One node as started: its process, ports and files."""

    index: int
    name: str
    pid: int
    http_port: int
    transport_port: int
    directory: str
    config: str
    log: str
    stdout: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.http_port}"


@dataclass
class ClusterInfo:
    """A cluster :func:`start` brought up. ``url`` is the first node's HTTP URL."""

    url: str
    nodes: list[NodeInfo]
    data_dir: str
    cluster_name: str
    version: str
    health: str
    seconds: float
    state_file: str
    notes: list[str] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        """Every node's HTTP URL (give them all to a client for failover)."""
        return [node.url for node in self.nodes]


@dataclass
class NodeStatus(NodeInfo):
    """A node as :func:`status` found it."""

    alive: bool = False
    rss_bytes: int | None = None


@dataclass
class ClusterStatus:
    """What :func:`status` found in a data directory.

    ``health`` is ``green``, ``yellow`` or ``red`` from the cluster, ``unreachable`` when
    processes live but no node answers HTTP, or ``stopped``.
    """

    data_dir: str
    running: bool
    health: str
    url: str | None
    nodes: list[NodeStatus]
    cluster_name: str | None = None
    version: str | None = None
    number_of_nodes: int | None = None

    @property
    def alive(self) -> list[NodeStatus]:
        return [node for node in self.nodes if node.alive]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``status --json``)."""
        return asdict(self)


@dataclass
class StopResult:
    """What :func:`stop` did: pids that ended on SIGTERM, and those it had to SIGKILL."""

    data_dir: str
    stopped: list[int]
    killed: list[int]

    @property
    def any(self) -> bool:
        return bool(self.stopped or self.killed)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
    os.replace(tmp, path)


def _read_state(data: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((data / STATE_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ClusterError(f"unreadable state file {data / STATE_FILE}: {exc}") from None
    if not isinstance(state, dict) or not isinstance(state.get("nodes"), list):
        raise ClusterError(f"unreadable state file {data / STATE_FILE}: no node list")
    return state


def _resolve_data(data: Path | str | None) -> Path:
    return (Path(data).expanduser() if data is not None else default_data()).absolute()


def _pid_alive(pid: int, directory: str | None = None) -> bool:
    """Whether ``pid`` runs, is no zombie and (on Linux) is the node living in ``directory``.

    The node's command line names its directory both while ``bin/opensearch`` (bash) runs
    (``-Epath.data=<directory>/data``) and once it has exec'd java
    (``-Dopensearch.path.conf=<directory>/config``), so a recycled pid is not taken for a node.
    """
    child = _CHILDREN.get(pid)
    if child is not None and child.poll() is not None:  # started here: reap it
        del _CHILDREN[pid]
        return False
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        if reaped == pid:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.is_dir():
        return True
    try:
        stat = (proc / "stat").read_text()
        if stat[stat.rindex(")") + 2 :].startswith(("Z", "X")):
            return False
        if directory is not None:
            cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
            return directory.rstrip("/") + "/" in cmdline
    except (OSError, ValueError):
        return False
    return True


def _rss(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _get_json(url: str, timeout: float) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def _put_json(url: str, body: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise StartError(f"cannot PUT {url}: {getattr(exc, 'reason', exc)}") from None


def _health(url: str, timeout: float, level: str = "cluster") -> dict[str, Any]:
    query = f"timeout={max(1, int(timeout))}s&cluster_manager_timeout={max(1, int(timeout))}s"
    return _get_json(f"{url}/_cluster/health?level={level}&{query}", timeout + 2)


def status(data: Path | str | None = None, *, timeout: float = 2.0) -> ClusterStatus:
    """What runs from the data directory ``data`` (default :func:`default_data`).

    Reads the state file :func:`start` wrote, checks each node's pid (and, on Linux, that the
    process is that node), its RSS, and asks the first live node for the cluster health.
    A data directory without a state file gives ``running=False, health="stopped"``.

    Raises:
        ClusterError: the state file exists but cannot be read.
    """
    directory = _resolve_data(data)
    state = _read_state(directory)
    if state is None:
        return ClusterStatus(str(directory), False, "stopped", None, [])
    nodes = []
    for raw in state["nodes"]:
        node = NodeStatus(**{k: raw[k] for k in NodeInfo.__dataclass_fields__})
        node.alive = _pid_alive(node.pid, node.directory)
        node.rss_bytes = _rss(node.pid) if node.alive else None
        nodes.append(node)
    result = ClusterStatus(
        data_dir=str(directory),
        running=any(node.alive for node in nodes),
        health="stopped",
        url=None,
        nodes=nodes,
        cluster_name=state.get("cluster_name"),
        version=state.get("version"),
    )
    if result.running:
        result.health = "unreachable"
        for node in result.alive:
            try:
                health = _health(node.url, timeout)
            except (OSError, ValueError):
                continue
            result.health = str(health.get("status", "unreachable"))
            result.number_of_nodes = health.get("number_of_nodes")
            result.url = node.url
            break
        else:
            result.url = result.alive[0].url
    return result


# --------------------------------------------------------------------------- start


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (chosen by the kernel)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _free_ports(count: int, exclude: set[int]) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        port = free_port()
        if port not in exclude and port not in chosen:
            chosen.append(port)
    return chosen


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _node_config(
    *,
    cluster_name: str,
    name: str,
    node_dir: Path,
    http_port: int,
    transport_port: int,
    seeds: list[str],
    names: list[str],
) -> str:
    lines = [
        "# Written by g60-reader at every start; edits here are overwritten.",
        f"cluster.name: {json.dumps(cluster_name)}",
        f"node.name: {json.dumps(name)}",
        f"path.data: {json.dumps(str(node_dir / 'data'))}",
        f"path.logs: {json.dumps(str(node_dir / 'logs'))}",
        f"network.host: {HOST}",
        f"http.port: {http_port}",
        f"transport.port: {transport_port}",
        "cluster.routing.allocation.disk.threshold_enabled: false",
    ]
    if len(names) == 1:
        lines.append("discovery.type: single-node")
    else:
        lines.append(f"discovery.seed_hosts: {_yaml_list(seeds)}")
        lines.append(f"cluster.initial_cluster_manager_nodes: {_yaml_list(names)}")
    return "\n".join(lines) + "\n"


def _jvm_options(heap: str, logs: Path) -> str:
    return "\n".join(
        [
            "# Written by g60-reader at every start (read by the distribution's launcher).",
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:-AlwaysPreTouch",
            "11-:-XX:+UseG1GC",
            "-Djava.io.tmpdir=${OPENSEARCH_TMPDIR}",
            f"-XX:ErrorFile={logs}/hs_err_pid%p.log",
            "18-:-Djava.security.manager=allow",
            "20-:--add-modules=jdk.incubator.vector",
            "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
            "org.opensearch.secure_sm.SecuredForkJoinWorkerThreadFactory",
            "",
        ]
    )


def _last_error(path: Path) -> str:
    """The most telling line of a node's console output, for a one-line error."""
    try:
        lines = path.read_text("utf-8", "replace").splitlines()
    except OSError:
        return ""
    telling = [
        line.strip()
        for line in lines
        if not line.startswith(("\t", " ")) and re.search(r"Exception|ERROR|[Ee]rror:", line)
    ]
    if not telling:
        return lines[-1].strip()[:300] if lines else ""
    return telling[-1][:300]


def _launch(
    home: Path, java: Java, node_dir: Path, config: Path, stdout: Path, bash: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    for variable in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "OPENSEARCH_HOME"):
        env.pop(variable, None)
    env["OPENSEARCH_JAVA_HOME"] = str(java.home)
    env["OPENSEARCH_PATH_CONF"] = str(config)
    env["OPENSEARCH_TMPDIR"] = str(node_dir / "tmp")
    env["OPENSEARCH_JAVA_OPTS"] = _ROOT_JAVA_OPTS if os.geteuid() == 0 else ""
    with open(stdout, "wb") as out:
        process = subprocess.Popen(
            [bash, str(home / "bin" / "opensearch"), f"-Epath.data={node_dir / 'data'}"],
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _CHILDREN[process.pid] = process
    return process


def start(
    *,
    nodes: int = 1,
    port: int = 9200,
    data: Path | str | None = None,
    heap: str = "512m",
    replicas: int | None = None,
    timeout: float = 120.0,
    cache: Path | None = None,
    progress: Progress | None = None,
) -> ClusterInfo:
    """Start ``nodes`` OpenSearch nodes on 127.0.0.1 and wait until the cluster is healthy.

    Each node is a separate detached process (it outlives the caller) with HTTP port
    ``port + i`` and a free transport port; one node uses single-node discovery, more use
    seed hosts and initial cluster-manager nodes. Disk thresholds are off, security is off,
    HTTP is plain. New indices get ``replicas`` replicas by default (0 for one node, 1 for
    more). Each node's files live in ``data/node-<i>/`` (``config``, ``data``, ``logs``,
    ``stdout.log``); ``data/state.json`` records pids, ports and log paths. OpenSearch is
    installed first when needed (see :func:`install`).

    Health: waits for green. Yellow is accepted only when all nodes have joined and the only
    unassigned shards are replicas that cannot be placed (more replicas than other nodes);
    ``ClusterInfo.health`` is then ``yellow`` and ``notes`` says why.

    Raises:
        ClusterRunning: a cluster from ``data`` is already running (``.status`` describes it).
        PortInUse: one of the HTTP ports is taken on 127.0.0.1.
        JavaError: Java is missing, too old or too new.
        InstallError: the install failed.
        StartError: a node exited or the cluster was not healthy within ``timeout`` seconds
            (the nodes started are stopped again; their logs stay).
        ClusterError: bad arguments, or a data directory holding a cluster of another size.
    """
    if nodes < 1:
        raise ClusterError(f"--nodes must be at least 1, not {nodes}")
    if not 1 <= port <= 65535 - nodes + 1:
        raise ClusterError(f"port {port} is out of range for {nodes} node(s)")
    if not _HEAP_RE.match(heap):
        raise ClusterError(f"heap {heap!r} is not a size such as 512m or 1g")
    if replicas is None:
        replicas = 0 if nodes == 1 else 1
    if replicas < 0:
        raise ClusterError(f"replicas must be 0 or more, not {replicas}")
    directory = _resolve_data(data)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ClusterError(f"cannot create the data directory {directory}: {exc}") from None
    with _file_lock(directory / ".lock", wait=False, what=f"the data directory {directory}"):
        return _start_locked(nodes, port, directory, heap, replicas, timeout, cache, progress)


def _start_locked(
    count: int,
    port: int,
    directory: Path,
    heap: str,
    replicas: int,
    timeout: float,
    cache: Path | None,
    progress: Progress | None,
) -> ClusterInfo:
    current = status(directory)
    if current.running:
        alive = current.alive
        raise ClusterRunning(
            f"a cluster from {directory} is already running at {current.url} "
            f"({len(alive)} of {len(current.nodes)} nodes up, health {current.health}, "
            f"pids {' '.join(str(n.pid) for n in alive)}); stop it first",
            current,
        )
    java = find_java()
    bash = shutil.which("bash")
    if bash is None:
        raise ClusterError("bash not found: OpenSearch's bin/opensearch needs it")
    recorded = _read_cluster_file(directory)
    if recorded is not None and recorded.get("nodes") != count and _has_data(directory):
        raise ClusterError(
            f"{directory} holds a {recorded.get('nodes')}-node cluster; start it with "
            f"--nodes {recorded.get('nodes')} or use another data directory"
        )
    http_ports = list(range(port, port + count))
    for http_port in http_ports:
        if not _port_free(http_port):
            raise PortInUse(
                f"port {http_port} on {HOST} is in use (another program or cluster); "
                "choose other ports with --port"
            )
    home = install(cache, progress=progress)
    transport_ports = _free_ports(count, set(http_ports))
    cluster_name = (recorded or {}).get("cluster_name") or (
        "g60-" + hashlib.sha1(str(directory).encode()).hexdigest()[:8]
    )
    _write_json(
        directory / CLUSTER_FILE,
        {"cluster_name": cluster_name, "nodes": count, "version": VERSION},
    )
    names = [f"node-{i}" for i in range(count)]
    seeds = [f"{HOST}:{p}" for p in transport_ports]
    log4j = resources.files(_PACKAGE).joinpath("log4j2.properties").read_text("utf-8")
    infos: list[NodeInfo] = []
    processes: list[subprocess.Popen[bytes]] = []
    began = time.monotonic()
    try:
        for i, name in enumerate(names):
            node_dir = directory / name
            config = node_dir / "config"
            for sub in (config, node_dir / "data", node_dir / "logs", node_dir / "tmp"):
                sub.mkdir(parents=True, exist_ok=True)
            (config / "opensearch.yml").write_text(
                _node_config(
                    cluster_name=cluster_name,
                    name=name,
                    node_dir=node_dir,
                    http_port=http_ports[i],
                    transport_port=transport_ports[i],
                    seeds=seeds,
                    names=names,
                ),
                "utf-8",
            )
            (config / "jvm.options").write_text(_jvm_options(heap, node_dir / "logs"), "utf-8")
            (config / "log4j2.properties").write_text(log4j, "utf-8")
            stdout = node_dir / "stdout.log"
            process = _launch(home, java, node_dir, config, stdout, bash)
            processes.append(process)
            infos.append(
                NodeInfo(
                    index=i,
                    name=name,
                    pid=process.pid,
                    http_port=http_ports[i],
                    transport_port=transport_ports[i],
                    directory=str(node_dir),
                    config=str(config),
                    log=str(node_dir / "logs" / "opensearch.log"),
                    stdout=str(stdout),
                )
            )
        state = {
            "version": VERSION,
            "cluster_name": cluster_name,
            "data_dir": str(directory),
            "url": infos[0].url,
            "home": str(home),
            "java": str(java.executable),
            "java_version": java.version,
            "heap": heap,
            "replicas": replicas,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "nodes": [asdict(info) for info in infos],
        }
        _write_json(directory / STATE_FILE, state)
    except BaseException:
        for process in processes:  # launched, but not yet recorded: end them here
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            _CHILDREN.pop(process.pid, None)
        raise
    try:
        health, notes = _wait_ready(infos, processes, timeout)
        _put_json(
            f"{infos[0].url}/_cluster/settings",
            {"persistent": {"cluster.default_number_of_replicas": replicas}},
        )
    except BaseException:
        stop(directory, timeout=15)
        raise
    notes = list(notes)
    if os.geteuid() == 0:
        notes.append("running as root: JNA is off in the nodes (no root check, no seccomp)")
    return ClusterInfo(
        url=infos[0].url,
        nodes=infos,
        data_dir=str(directory),
        cluster_name=cluster_name,
        version=VERSION,
        health=health,
        seconds=round(time.monotonic() - began, 2),
        state_file=str(directory / STATE_FILE),
        notes=notes,
    )


def _read_cluster_file(directory: Path) -> dict[str, Any] | None:
    try:
        recorded = json.loads((directory / CLUSTER_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return recorded if isinstance(recorded, dict) else None


def _has_data(directory: Path) -> bool:
    return any(any(path.iterdir()) for path in directory.glob("node-*/data") if path.is_dir())


def _wait_ready(
    infos: list[NodeInfo],
    processes: list[subprocess.Popen[bytes]],
    timeout: float,
) -> tuple[str, list[str]]:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while True:
        for info, process in zip(infos, processes, strict=True):
            code = process.poll()
            if code is not None:
                _CHILDREN.pop(process.pid, None)
                reason = _last_error(Path(info.stdout)) or f"exit code {code}"
                raise StartError(
                    f"{info.name} exited during start (code {code}): {reason} "
                    f"(see {info.stdout} and {info.log})"
                )
        try:
            health = _health(infos[0].url, 1.0)
        except (OSError, ValueError) as exc:
            last = f"no answer from {infos[0].url} ({getattr(exc, 'reason', exc)})"
        else:
            joined = health.get("number_of_nodes", 0)
            colour = health.get("status")
            last = f"{colour}, {joined} of {len(infos)} nodes joined"
            if joined == len(infos):
                if colour == "green":
                    return "green", []
                note = _unplaceable_replicas(infos[0].url, health, len(infos))
                if colour == "yellow" and note:
                    return "yellow", [note]
        if time.monotonic() >= deadline:
            raise StartError(
                f"the cluster was not green after {timeout:.0f} s ({last}); "
                f"see the logs under {Path(infos[0].directory).parent}"
            )
        time.sleep(0.5)


def _unplaceable_replicas(url: str, health: dict[str, Any], count: int) -> str | None:
    """A note when yellow only because replicas outnumber the other nodes, else None."""
    if health.get("status") != "yellow":
        return None
    if health.get("initializing_shards") or health.get("relocating_shards"):
        return None
    if health.get("delayed_unassigned_shards"):
        return None
    try:
        indices = _health(url, 1.0, level="indices").get("indices", {})
    except (OSError, ValueError):
        return None
    short = []
    for name, index in indices.items():
        if index.get("status") == "green":
            continue
        if index.get("status") != "yellow" or index.get("number_of_replicas", 0) < count:
            return None
        short.append(name)
    if not short:
        return None
    return (
        f"yellow: {', '.join(sorted(short))} ask for more replicas than {count} node(s) "
        "can hold; every primary is assigned"
    )


# --------------------------------------------------------------------------- stop


def _wait_dead(nodes: list[NodeInfo], deadline: float) -> list[NodeInfo]:
    remaining = list(nodes)
    while remaining:
        remaining = [node for node in remaining if _pid_alive(node.pid, node.directory)]
        if not remaining or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    return remaining


def stop(data: Path | str | None = None, *, timeout: float = 30.0) -> StopResult:
    """Stop the cluster started from ``data``: SIGTERM every live node, wait up to
    ``timeout`` seconds, SIGKILL whatever still runs, then remove the state file.
    Nothing running is not an error (``StopResult.any`` is False).

    Raises:
        ClusterError: the state file cannot be read, or a node survives SIGKILL.
    """
    directory = _resolve_data(data)
    state = _read_state(directory)
    if state is None:
        return StopResult(str(directory), [], [])
    nodes = [
        NodeInfo(**{k: raw[k] for k in NodeInfo.__dataclass_fields__}) for raw in state["nodes"]
    ]
    alive = [node for node in nodes if _pid_alive(node.pid, node.directory)]
    for node in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(node.pid, signal.SIGTERM)
    left = _wait_dead(alive, time.monotonic() + timeout)
    for node in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(node.pid, signal.SIGKILL)
    survivors = _wait_dead(left, time.monotonic() + 10)
    if survivors:
        raise ClusterError(
            f"pids {' '.join(str(n.pid) for n in survivors)} survive SIGKILL; "
            f"state kept in {directory / STATE_FILE}"
        )
    for node in alive:
        _CHILDREN.pop(node.pid, None)
    (directory / STATE_FILE).unlink(missing_ok=True)
    killed = {node.pid for node in left}
    return StopResult(
        str(directory),
        stopped=[n.pid for n in alive if n.pid not in killed],
        killed=sorted(killed),
    )


def kill_node(data: Path | str | None, index: int, *, timeout: float = 10.0) -> int:
    """SIGKILL node ``index`` of the cluster from ``data`` (for failure tests); returns its pid
    once it is gone. The state file keeps the node (``status`` shows it dead).

    Raises:
        ClusterError: no such node, it is not running, or it did not die in ``timeout``.
    """
    directory = _resolve_data(data)
    state = _read_state(directory)
    if state is None:
        raise ClusterError(f"no cluster is running from {directory}")
    if not 0 <= index < len(state["nodes"]):
        raise ClusterError(f"no node {index}: the cluster has {len(state['nodes'])} nodes")
    raw = state["nodes"][index]
    node = NodeInfo(**{k: raw[k] for k in NodeInfo.__dataclass_fields__})
    if not _pid_alive(node.pid, node.directory):
        raise ClusterError(f"{node.name} (pid {node.pid}) is not running")
    os.kill(node.pid, signal.SIGKILL)
    if _wait_dead([node], time.monotonic() + timeout):
        raise ClusterError(f"{node.name} (pid {node.pid}) is still alive after SIGKILL")
    return node.pid
