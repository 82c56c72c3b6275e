"""``g60-reader index``, ``search`` and ``stats``: click commands without Textual.

They reach the index through the backend contract only (see :mod:`.options` for the
shared options and the exit codes).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from g60_reader.tui.options import (
    EXIT_BUSY,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    backend_options,
    fail,
    filter_options,
    open_backend,
    open_existing,
    prepared_query,
    stderr,
)


@click.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove articles whose files are gone.")
@click.option("--rebuild", is_flag=True, help="Start the index afresh.")
@click.option("--wait", is_flag=True, help="Wait for another running index to finish.")
@click.option(
    "--no-entities",
    is_flag=True,
    help="Skip the entity pass (a later run without this flag catches up).",
)
@click.option(
    "--procs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: the number of cores).",
)
@backend_options
def index_command(
    paths: tuple[Path, ...],
    prune: bool,
    rebuild: bool,
    wait: bool,
    no_entities: bool,
    procs: int | None,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Add or update the articles in PATH... (files or directories).

    Two passes: the text is committed and searchable first; then entities (people,
    places, organisations, dates, initiatives) are recognised and added, with their own
    progress bar. An interrupted or skipped entity pass resumes on the next run."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from g60_reader.index.errors import BackendError, IndexBusy, IndexUnavailable

    backend = open_backend(backend_url, index_dir)
    console = stderr()
    targets = [str(p) for p in paths]
    started = time.monotonic()
    paragraphs = [0]
    progress = Progress(
        TextColumn("indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("index", total=None, rate="")

    def on_progress(done: int, total: int, _message: str) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = f"{paragraphs[0] / elapsed:,.0f} paragraphs/s"
        progress.update(task, completed=done, total=total or None, rate=rate)

    def on_paragraphs(n: int) -> None:
        paragraphs[0] = n

    try:
        with progress:
            report = backend.update(
                targets,
                prune=prune,
                rebuild=rebuild,
                wait=wait,
                procs=procs,
                progress=on_progress,
                on_paragraphs=on_paragraphs,
            )
    except IndexBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except KeyboardInterrupt:
        fail("interrupted: the last committed index is intact", EXIT_INTERRUPTED)
    except IndexUnavailable as exc:
        fail(f"cannot use index: {exc}", exc.exit_code)
    except BackendError as exc:
        fail(str(exc), exc.exit_code)
    except OSError as exc:
        fail(f"cannot write index: {exc}", EXIT_USAGE)
    except Exception as exc:  # no traceback reaches the user
        fail(f"indexing failed: {exc}", EXIT_FAILED)

    _print_report(console, report, time.monotonic() - started)
    _story_pass(console, backend)
    if no_entities:
        console.print("entities: skipped (--no-entities); a later run adds them")
    else:
        _entity_pass(console, backend, procs)
    if report.failed:
        sys.exit(EXIT_FAILED)


def _story_pass(console, backend) -> None:
    """Reprint clusters: the articles added since the last run join the stories."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.text import Text

    from g60_reader.index.errors import BackendError, IndexBusy

    started = time.monotonic()
    progress = Progress(
        TextColumn("reprints"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles"),
        console=console,
        transient=True,
    )
    task = progress.add_task("reprints", total=None)

    def on_progress(done: int, total: int, _message: str) -> None:
        progress.update(task, completed=done, total=total or None)

    try:
        with progress:
            changed = backend.cluster_stories(progress=on_progress)
    except KeyboardInterrupt:
        fail("interrupted: the text is searchable; reprints are found on the next run", 130)
    except IndexBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except (BackendError, Exception) as exc:  # no traceback reaches the user
        fail(f"finding reprints failed: {exc}; the text is searchable", EXIT_FAILED)
    stories = sum(1 for _ in backend.stories())
    elapsed = time.monotonic() - started
    console.print(
        Text(f"reprints: {stories} stories published more than once ({elapsed:.1f} s)")
        if changed or stories
        else Text("reprints: none found")
    )


def _entity_pass(console, backend, procs: int | None) -> None:
    """Pass 2: recognise entities in every paragraph not yet enriched."""
    import os

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    from g60_reader.corpus import entities
    from g60_reader.index.contract import COMPACTING
    from g60_reader.index.errors import BackendError, IndexBusy

    started = time.monotonic()
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("articles"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = progress.add_task("entities", total=None)

    def on_progress(done: int, total: int, message: str) -> None:
        # every article done, the backend reorganising its index: say so
        what = COMPACTING if message == COMPACTING else "entities"
        progress.update(task, completed=done, total=total or None, description=what)

    nprocs = procs if procs is not None else (os.cpu_count() or 1)
    try:
        with progress:
            paragraphs = backend.enrich(
                entities.recognise, wait=True, progress=on_progress, procs=nprocs
            )
    except KeyboardInterrupt:
        fail(
            "interrupted: the text is searchable; the entity pass resumes on the next run",
            EXIT_INTERRUPTED,
        )
    except IndexBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except BackendError as exc:
        fail(f"entity pass failed: {exc}; the text is searchable", exc.exit_code)
    except Exception as exc:  # no traceback reaches the user
        fail(f"entity pass failed: {exc}; the text is searchable", EXIT_FAILED)
    status = entities.backend_status() if paragraphs else None
    if status:
        console.print(Text(status), soft_wrap=True)
    elapsed = time.monotonic() - started
    console.print(
        Text(f"entities: {paragraphs} paragraphs enriched in {elapsed:.1f} s")
        if paragraphs
        else Text("entities: every paragraph already enriched")
    )


def _print_report(console, report, elapsed: float) -> None:
    from rich.table import Table
    from rich.text import Text

    from g60_reader.tui.widgets.rendering import printable

    table = Table(title="index", show_header=True, header_style="bold")
    for col in ("added", "updated", "unchanged", "removed", "failed", "paragraphs", "seconds"):
        table.add_column(col, justify="right")
    table.add_row(
        str(report.added),
        str(report.updated),
        str(report.unchanged),
        str(report.removed),
        str(len(report.failed)),
        str(report.paragraphs),
        f"{elapsed:.1f}",
    )
    console.print(table)
    if report.duplicates:
        n = report.duplicates
        console.print(
            f"duplicates: {n} article{'s are' if n != 1 else ' is'} an exact copy of another"
            " (kept as a copy: it shows once in results)"
        )
    for path, reason in report.failed:
        console.print(Text(f"{printable(path)}: {printable(reason)}"), soft_wrap=True)


@click.command("search")
@click.argument("query")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=20, help="Hits per page.")
@click.option("--page", "-p", type=click.IntRange(1, None), default=1, help="Page number.")
@click.option(
    "--sort",
    type=click.Choice(["relevance", "date", "oldest"]),
    default="relevance",
    show_default=True,
    help="date: newest first; oldest: oldest first (undated articles last).",
)
@click.option(
    "--all",
    "all_copies",
    is_flag=True,
    help="Every copy of a reprinted story (default: the story once, its first copy).",
)
@filter_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@backend_options
def search_command(
    query: str,
    limit: int,
    page: int,
    sort: str,
    all_copies: bool,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Search the index (words, OR, NOT/-word, "phrases", title:, outlet:, pinyin;
    since:WHEN, until:WHEN, in:WHEN for the publication date)."""
    from g60_reader.index.errors import BackendError

    prepared = prepared_query(query, since, until, outlets)
    backend = open_existing(backend_url, index_dir)
    try:
        result = backend.search(
            prepared.query,
            page=page,
            pagelen=limit,
            filters=prepared.filters,
            sort=sort,
            all_copies=all_copies,
        )
    except BackendError as exc:
        fail(f"cannot search: {exc}", exc.exit_code)
    if result.error:
        fail(f"bad query {query!r}: {result.error}", EXIT_USAGE)
    if as_json:
        for hit in result.hits:
            record = {
                "article_id": hit.article_id,
                "paragraph": hit.paragraph,
                "title": hit.title,
                "outlet": hit.outlet or None,
                "published": hit.published,
                "path": hit.path,
                "cluster": hit.cluster,
                "reprints": hit.reprints,
                "score": round(hit.score, 4),
                "text": hit.text,
                "spans": [list(s) for s in hit.spans],
            }
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    _print_hits(result, prepared.label)


def _print_hits(result, when: str = "") -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from g60_reader.tui.widgets.rendering import display_date

    console = Console(highlight=False)
    if not result.total:
        line = Text(f"no hits for {result.query!r}" + (f" ({when})" if when else ""))
        if result.suggestions:
            line.append("; did you mean: " + ", ".join(result.suggestions))
        if result.undated:
            line.append(f"; {result.undated} undated articles left out by the date filter")
        console.print(line)
        return
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("title · published · outlet", ratio=2, overflow="fold")
    table.add_column("¶", justify="right")
    table.add_column("snippet", ratio=5, overflow="fold")
    for hit in result.hits:
        snippet = Text(hit.snippet)
        for start, end in hit.spans:
            s, e = start - hit.snippet_start, end - hit.snippet_start
            if e > 0 and s < len(hit.snippet):
                snippet.stylize("bold reverse", max(s, 0), min(e, len(hit.snippet)))
        title = Text(hit.title)
        if hit.reprints:
            title.append(f" +{hit.reprints} reprints", style="dim")
        meta = " · ".join(x for x in (display_date(hit.published), hit.outlet) if x)
        if meta:
            title.append("\n" + meta, style="dim")
        table.add_row(title, str(hit.paragraph), snippet)
    console.print(table)
    first = (result.page - 1) * result.pagelen + 1
    last = first + len(result.hits) - 1
    summary = (
        f"{result.total} paragraphs in {result.articles} articles"
        f" (showing {first}-{last}, {result.elapsed_ms:.1f} ms)"
        if result.hits
        else f"{result.total} paragraphs in {result.articles} articles"
        f" (page {result.page} is empty)"
    )
    if when:
        summary += f"; published {when}"
    if result.undated:
        summary += f"; {result.undated} undated articles left out"
    console.print(Text(summary))


@click.command("stats")
@backend_options
def stats_command(backend_url: str | None, index_dir: Path | None) -> None:
    """Articles, paragraphs, index size and last update."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from g60_reader.index.errors import BackendError

    backend = open_existing(backend_url, index_dir)
    try:
        st = backend.stats()
    except BackendError as exc:
        fail(f"cannot read index: {exc}", exc.exit_code)
    table = Table(show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    table.add_row("index", Text(backend.url))
    table.add_row("articles", str(st.articles))
    if st.duplicates:
        table.add_row("exact duplicates", f"{st.duplicates} (kept as copies of an article)")
    table.add_row("paragraphs", str(st.paragraphs))
    table.add_row("enriched paragraphs", str(st.enriched_paragraphs))
    table.add_row("size", f"{st.size_bytes / (1024 * 1024):.1f} MB")
    last = (
        datetime.fromtimestamp(st.last_update).strftime("%Y-%m-%d %H:%M:%S")
        if st.last_update
        else "never"
    )
    table.add_row("last update", last)
    Console(highlight=False).print(table)


__all__ = ["index_command", "search_command", "stats_command"]
