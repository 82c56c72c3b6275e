"""``g60-reader timeline``, ``outlets`` and ``reprints``: when, who, and is it the same
story. Click commands without Textual; the answers come from the backend contract."""

from __future__ import annotations

import json
from pathlib import Path

import click

from g60_reader.tui.options import (
    EXIT_USAGE,
    backend_options,
    fail,
    filter_options,
    open_existing,
    prepared_query,
)

BAR = "█"
PARTS = " ▏▎▍▌▋▊▉"


def _echo_json(record: dict) -> None:
    click.echo(json.dumps(record, ensure_ascii=False))


def _bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of ``value`` out of ``top`` in ``width`` cells (eighths)."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    return BAR * (eighths // 8) + (PARTS[eighths % 8] if eighths % 8 else "")


@click.command("timeline")
@click.argument("query", required=False, default="")
@click.option(
    "--by",
    type=click.Choice(["day", "week", "month", "year"]),
    default=None,
    help="The period of a bar (default: chosen from the span of the hits).",
)
@click.option("--by-outlet", is_flag=True, help="A line per outlet and period.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per period.")
@backend_options
def timeline_command(
    query: str,
    by: str | None,
    by_outlet: bool,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """How many matching articles (and paragraphs) were published per period: every
    article when QUERY is empty. An exact duplicate counts once; every reprint counts."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from g60_reader.index.errors import BackendError

    prepared = prepared_query(query, since, until, outlets)
    backend = open_existing(backend_url, index_dir)
    try:
        timeline = backend.timeline(
            prepared.query, filters=prepared.filters, by=by, by_outlet=by_outlet
        )
    except BackendError as exc:
        fail(f"cannot count: {exc}", exc.exit_code)
    if timeline.error:
        fail(f"bad query {query!r}: {timeline.error}", EXIT_USAGE)
    if as_json:
        for b in timeline.buckets:
            record = {"period": b.period, "articles": b.articles, "paragraphs": b.paragraphs}
            if by_outlet:
                record["outlet"] = b.outlet
            _echo_json(record)
        return
    console = Console(highlight=False)
    if not timeline.buckets:
        console.print(Text(f"no dated articles for {query!r}"))
    else:
        top = max(b.articles for b in timeline.buckets)
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column(timeline.by)
        if by_outlet:
            table.add_column("outlet")
        table.add_column("articles", justify="right")
        table.add_column("¶", justify="right")
        table.add_column("", ratio=1, no_wrap=True)
        width = max(10, console.width - 40)
        for b in timeline.buckets:
            row = [Text(b.period)]
            if by_outlet:
                row.append(Text(b.outlet or ""))
            bar = Text(_bar(b.articles, top, width), style="cyan")
            row += [Text(str(b.articles)), Text(str(b.paragraphs)), bar]
            table.add_row(*row)
        console.print(table)
    total = sum(b.articles for b in timeline.buckets)
    line = f"{total} dated articles by {timeline.by}"
    if prepared.label:
        line += f", published {prepared.label}"
    if timeline.undated_articles:
        line += f"; {timeline.undated_articles} undated (not shown)"
    console.print(Text(line, style="dim"))


@click.command("outlets")
@click.argument("query", required=False, default="")
@filter_options
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per outlet.")
@backend_options
def outlets_command(
    query: str,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    limit: int,
    as_json: bool,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Who published it: matching articles and paragraphs per outlet (every article
    when QUERY is empty)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from g60_reader.index.errors import BackendError

    prepared = prepared_query(query, since, until, outlets)
    backend = open_existing(backend_url, index_dir)
    try:
        if prepared.query.strip():
            check = backend.search(prepared.query, pagelen=1)
            if check.error:
                fail(f"bad query {query!r}: {check.error}", EXIT_USAGE)
        counts = backend.outlets(prepared.query, filters=prepared.filters, limit=limit)
    except BackendError as exc:
        fail(f"cannot count: {exc}", exc.exit_code)
    if as_json:
        for c in counts:
            _echo_json(
                {"outlet": c.outlet or None, "articles": c.articles, "paragraphs": c.paragraphs}
            )
        return
    console = Console(highlight=False)
    if not counts:
        console.print(Text(f"no articles for {query!r}"))
        return
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("outlet")
    table.add_column("articles", justify="right")
    table.add_column("¶", justify="right")
    for c in counts:
        table.add_row(
            Text(c.outlet or "(unknown)", style="" if c.outlet else "dim"),
            str(c.articles),
            str(c.paragraphs),
        )
    console.print(table)


@click.command("reprints")
@click.argument("query", required=False, default="")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@backend_options
def reprints_command(
    query: str,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Stories published more than once (reprints, in either script), who published
    first, and how long after it each copy appeared."""
    from rich.console import Console
    from rich.text import Text

    from g60_reader.index.errors import BackendError
    from g60_reader.tui.widgets.rendering import display_date, lag

    prepared = prepared_query(query, since, until, outlets)
    backend = open_existing(backend_url, index_dir)
    try:
        if prepared.query.strip():
            check = backend.search(prepared.query, pagelen=1)
            if check.error:
                fail(f"bad query {query!r}: {check.error}", EXIT_USAGE)
        stories = backend.stories(prepared.query, filters=prepared.filters)
    except BackendError as exc:
        fail(f"cannot list reprints: {exc}", exc.exit_code)
    if as_json:
        for story in stories:
            _echo_json(
                {
                    "cluster": story.cluster,
                    "articles": [
                        {
                            "article_id": m.article_id,
                            "path": m.path,
                            "title": m.title,
                            "outlet": m.outlet or None,
                            "published": m.published,
                            "source_credit": m.source_credit or None,
                        }
                        for m in story.members
                    ],
                }
            )
        return
    console = Console(highlight=False)
    if not stories:
        console.print(Text("no reprinted stories" + (f" for {query!r}" if query else "")))
        return
    for n, story in enumerate(stories):
        first = story.members[0]
        if n:
            console.print()
        head = Text(first.title, style="bold")
        head.append(f"  {len(story.members)} copies", style="dim")
        console.print(head)
        for k, m in enumerate(story.members):
            line = Text("  ")
            line.append(f"{display_date(m.published) or '(undated)':16}", style="dim")
            line.append(" first    " if k == 0 else f" {lag(first.published, m.published):8} ")
            line.append(m.outlet or "(unknown outlet)")
            if m.source_credit:
                line.append(f"  来源 {m.source_credit}", style="green")
            elif k:
                line.append("  (no source named)", style="yellow")
            if m.title != first.title:
                line.append(f"  「{m.title}」", style="dim")
            console.print(line)
