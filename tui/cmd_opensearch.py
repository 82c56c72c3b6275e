"""``g60-reader opensearch start|status|stop``: a real local OpenSearch cluster.

The nodes run as detached processes on 127.0.0.1 and outlive the command; the data directory
(default ``$G60_READER_HOME/opensearch``) holds their files and the state file that
``status`` and ``stop`` read. OpenSearch is installed from Maven Central into the cache on the
first ``start`` (a progress bar on stderr).

Exit codes: 0 ok; 1 the cluster could not be started or stopped (one line on stderr says
why); 3 ``status``: no cluster is running from that data directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

EXIT_FAILED = 1
EXIT_NOT_RUNNING = 3

_data_option = click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Cluster data directory (default: $G60_READER_HOME/opensearch).",
)


def _stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    from rich.text import Text

    _stderr().print(Text(f"error: {message}"), soft_wrap=True)
    sys.exit(code)


def _mib(size: int | None) -> str:
    return "?" if size is None else f"{size / 2**20:.0f} MiB"


@click.group("opensearch")
def opensearch_group() -> None:
    """Run a local OpenSearch cluster (installed from Maven Central on first use)."""


@opensearch_group.command("start")
@click.option("--nodes", type=click.IntRange(1, 9), default=1, show_default=True)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=9200,
    show_default=True,
    help="HTTP port of the first node; node i listens on PORT+i.",
)
@_data_option
@click.option("--heap", default="512m", show_default=True, help="JVM heap per node.")
@click.option(
    "--replicas",
    type=click.IntRange(0, 8),
    default=None,
    help="Default replicas of new indices (default: 0 for one node, else 1).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for health green.",
)
def start_command(
    nodes: int, port: int, data: Path | None, heap: str, replicas: int | None, timeout: float
) -> None:
    """Start NODES OpenSearch nodes on 127.0.0.1 and wait for health green."""
    from g60_reader.index.backends.opensearch import cluster

    console = _stderr()
    bar = _Feedback(console, f"starting {nodes} OpenSearch node(s)…")
    try:
        info = cluster.start(
            nodes=nodes,
            port=port,
            data=data,
            heap=heap,
            replicas=replicas,
            timeout=timeout,
            progress=bar,
        )
    except cluster.ClusterError as exc:
        bar.close()
        _fail(str(exc))
    except KeyboardInterrupt:
        bar.close()
        _fail("interrupted", 130)
    bar.close()
    click.echo(
        f"OpenSearch {info.version}: {len(info.nodes)} node(s) {info.health} at {info.url} "
        f"in {info.seconds:.1f} s"
    )
    for node in info.nodes:
        click.echo(f"  {node.name}  pid {node.pid}  {node.url}  log {node.log}")
    for note in info.notes:
        click.echo(f"  note: {note}")
    click.echo(
        f"  data {info.data_dir}; stop with: g60-reader opensearch stop --data {info.data_dir}"
    )


class _Feedback:
    """A spinner on stderr while nodes start; a download bar instead during a first install.

    Both are live displays that leave nothing behind, and nothing at all when stderr is no
    terminal, so a failure stays a single line.
    """

    def __init__(self, console, message: str) -> None:
        self._console = console
        self._bar = None
        self._tasks: dict[str, int] = {}
        self._spinner = console.status(message)
        self._spinner.start()

    def __call__(self, name: str, done: int, total: int) -> None:
        if self._bar is None:
            self._spinner.stop()
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                console=self._console,
                transient=True,
            )
            self._bar.start()
        if name not in self._tasks:
            self._tasks[name] = self._bar.add_task(f"downloading {name}", total=total)
        self._bar.update(self._tasks[name], completed=done)

    def close(self) -> None:
        self._spinner.stop()
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@opensearch_group.command("status")
@_data_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status_command(data: Path | None, as_json: bool) -> None:
    """Show the nodes, their pids and the cluster health (exit 3 when nothing runs)."""
    from g60_reader.index.backends.opensearch import cluster

    try:
        found = cluster.status(data)
    except cluster.ClusterError as exc:
        _fail(str(exc))
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    elif not found.running:
        click.echo(f"no OpenSearch cluster is running from {found.data_dir}")
    else:
        click.echo(
            f"OpenSearch {found.version} cluster {found.cluster_name}: {found.health}, "
            f"{len(found.alive)} of {len(found.nodes)} node(s) up, url {found.url}"
        )
        for node in found.nodes:
            state = f"up  rss {_mib(node.rss_bytes)}" if node.alive else "down"
            click.echo(
                f"  {node.name}  pid {node.pid}  http {node.http_port}  "
                f"transport {node.transport_port}  {state}  log {node.log}"
            )
    if not found.running:
        sys.exit(EXIT_NOT_RUNNING)


@opensearch_group.command("stop")
@_data_option
@click.option(
    "--timeout",
    type=click.FloatRange(0),
    default=30.0,
    show_default=True,
    help="Seconds to wait after SIGTERM before SIGKILL.",
)
def stop_command(data: Path | None, timeout: float) -> None:
    """Stop the cluster (SIGTERM, then SIGKILL after the timeout)."""
    from g60_reader.index.backends.opensearch import cluster

    try:
        result = cluster.stop(data, timeout=timeout)
    except cluster.ClusterError as exc:
        _fail(str(exc))
    if not result.any:
        click.echo(f"no OpenSearch cluster was running from {result.data_dir}")
        return
    pids = " ".join(str(pid) for pid in result.stopped + result.killed)
    forced = f" ({len(result.killed)} killed after the timeout)" if result.killed else ""
    click.echo(f"stopped {len(result.stopped) + len(result.killed)} node(s), pids {pids}{forced}")
