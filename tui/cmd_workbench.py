"""``bookmarks``, ``bookmark add|rm``, ``saved add|list|run|rm``, ``export`` and ``kwic``.

The researcher's workbench on the command line (see ``docs/workbench.md``). Bookmarks
and saved searches live in ``$G60_READER_HOME/library.sqlite3``
(:mod:`g60_reader.tui.workbench.library`); the index is reached through the backend
contract only. Like every command: one line on stderr for a failure, never a traceback,
and the exit codes of :mod:`.options` (2 a bad query, an unusable index or an output file
that exists; 3 the library is busy beyond its 30 s wait; 130 interrupted).

Queries that read "every hit" (saved-search counts, ``saved run``, ``export``, ``kwic``)
read at most ``--cap`` hits (default 10,000, best first); the total printed is the
backend's full count.

Filters (``--since``, ``--until``, ``--outlet``, ``--sort``) arrive as options with their
own issue: they go on the commands through :func:`filter_options`, are collected by
:func:`filters_of` into the dict a saved search stores (dates as the user typed them, so
``--since 今天`` is today at every run), and :func:`search_hits` hands them to the
backend as the contract's ``Filters`` and ``sort``. A backend that cannot filter yet, an
unknown key or an unreadable date is refused on one line, never ignored.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from g60_reader.tui.options import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    backend_options,
    fail,
    fail_on,
    open_backend,
    open_existing,
    stderr,
)

if TYPE_CHECKING:  # pragma: no cover
    from g60_reader.index.contract import Backend, Hit, SearchResult
    from g60_reader.tui.workbench.library import Library

F = TypeVar("F", bound=Callable[..., Any])
CAP_HELP = "Read at most N hits, best first (default 10,000)."


# -- shared helpers ----------------------------------------------------------------------


@contextlib.contextmanager
def _errors(doing: str) -> Iterator[None]:
    """Every failure as one line on stderr with its exit code."""
    from g60_reader.tui.workbench import QueryError
    from g60_reader.tui.workbench.export import ExportError
    from g60_reader.tui.workbench.library import LibraryError

    try:
        yield
    except (SystemExit, click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except KeyboardInterrupt:
        fail(f"interrupted: {doing} stopped; nothing was left half-written", EXIT_INTERRUPTED)
    except LibraryError as exc:
        fail(str(exc), exc.exit_code)
    except QueryError as exc:
        fail(str(exc), EXIT_USAGE)
    except ExportError as exc:
        fail(f"cannot export: {exc}", EXIT_USAGE)
    except Exception as exc:  # backend errors, OSError, bugs: one line, no traceback
        fail_on(exc, doing)


def _library() -> Library:
    from g60_reader.tui.workbench.library import Library

    return Library.open()


def _inherited(backend_url: str | None, index_dir: Path | None) -> tuple[str | None, Path | None]:
    """The backend options given to this command, else to its group
    (``g60-reader bookmark --index-dir D add ID`` and ``... add ID --index-dir D``)."""
    if backend_url is not None or index_dir is not None:
        return backend_url, index_dir
    parent = click.get_current_context().parent
    while parent is not None:
        url, directory = parent.params.get("backend_url"), parent.params.get("index_dir")
        if url is not None or directory is not None:
            return url, directory
        parent = parent.parent
    return None, None


def _optional_backend(backend_url: str | None, index_dir: Path | None) -> Backend | None:
    """The backend when its index exists and can be read, else None (bookmarks and saved
    searches can be listed without one)."""
    from g60_reader.index.errors import BackendError

    backend = open_backend(backend_url, index_dir)
    try:
        return backend if backend.exists() else None
    except (BackendError, OSError):
        return None


def date_filter_options(func: F) -> F:
    """``--since/--until/--outlet``, as for ``search``."""
    from g60_reader.tui.options import filter_options as dates_and_outlets

    return dates_and_outlets(func)


def filter_options(func: F) -> F:
    """``--since/--until/--outlet`` (as for ``search``) and ``--sort``."""
    func = click.option(
        "--sort",
        type=click.Choice(["relevance", "date", "oldest"]),
        default=None,
        help="date: newest first; oldest: oldest first (default: relevance).",
    )(func)
    return date_filter_options(func)


def filters_of(**options: Any) -> dict[str, Any]:
    """The filters a command was given, as the dict a saved search stores (``since``,
    ``until`` as typed, ``outlets``, ``sort``)."""
    return {key: value for key, value in options.items() if value not in (None, (), [])}


def search_hits(
    backend: Backend,
    query: str,
    filters: dict[str, Any] | None = None,
    *,
    cap: int,
    on_total: Callable[[int], None] | None = None,
) -> tuple[SearchResult, Iterator[Hit]]:
    """The first page of ``query`` narrowed by ``filters`` (the dict a saved search
    stores: dates as typed, read again at every run) and an iterator over at most
    ``cap`` hits."""
    from g60_reader.tui.workbench import first_page, iter_hits, search_options

    query, options = search_options(filters, query)
    first = first_page(backend, query, options=options)
    hits = iter_hits(backend, query, cap=cap, options=options, first=first, on_total=on_total)
    return first, hits


def _printable(text: object) -> str:
    from g60_reader.tui.widgets.rendering import printable

    return printable("" if text is None else str(text))


# -- bookmarks ---------------------------------------------------------------------------


@click.command("bookmarks")
@click.option("--tag", default=None, help="Only bookmarks with this tag.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per bookmark.")
@backend_options
def bookmarks_command(
    tag: str | None, as_json: bool, backend_url: str | None, index_dir: Path | None
) -> None:
    """List the bookmarks, oldest first. A bookmark whose article left the index is shown
    as missing (from what was saved with it), never dropped; one whose file moved is
    found again by its content and re-linked."""
    from g60_reader.tui.workbench.library import resolve_bookmarks

    with _errors("listing bookmarks"):
        library = _library()
        marks = library.bookmarks(tag)
        backend = _optional_backend(backend_url, index_dir) if marks else None
        resolved = resolve_bookmarks(library, backend, marks)
        library.close()
    if as_json:
        for item in resolved:
            bm = item.bookmark
            ref = bm.ref
            record = {
                "id": bm.id,
                "article_id": ref.article_id,
                "paragraph": bm.paragraph,
                "title": ref.title,
                "outlet": ref.outlet or None,
                "published": ref.published,
                "path": ref.path,
                "note": bm.note,
                "tags": list(bm.tags),
                "created": bm.created,
                "status": item.status,
                "text": ref.text,
            }
            from g60_reader.tui.workbench.export import clean

            record = {k: clean(v) if isinstance(v, str) else v for k, v in record.items()}
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    _print_bookmarks(resolved, tag)


def _print_bookmarks(resolved, tag: str | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not resolved:
        console.print(
            Text(f"no bookmarks tagged {tag!r}" if tag else "no bookmarks yet")
            + Text(" (add one with `g60-reader bookmark add ARTICLE_ID`)", style="dim")
        )
        return
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("id", justify="right")
    table.add_column("title", ratio=3, overflow="fold")
    table.add_column("¶", justify="right")
    table.add_column("date")
    table.add_column("tags", ratio=1, overflow="fold")
    table.add_column("note", ratio=2, overflow="fold")
    table.add_column("status")
    styles = {"ok": "green", "moved": "yellow", "missing": "bold red", "unknown": "dim"}
    for item in resolved:
        bm = item.bookmark
        table.add_row(
            str(bm.id),
            Text(_printable(bm.ref.title) or bm.ref.article_id),
            "" if bm.paragraph is None else str(bm.paragraph),
            (bm.ref.published or "")[:10],
            Text(", ".join(bm.tags)),
            Text(_printable(bm.note)),
            Text(item.status, style=styles.get(item.status, "")),
        )
    console.print(table)
    missing = sum(item.status == "missing" for item in resolved)
    moved = sum(item.status == "moved" for item in resolved)
    summary = f"{len(resolved)} bookmark{'s' if len(resolved) != 1 else ''}"
    if moved:
        summary += f"; {moved} found again under a new path (re-linked)"
    if missing:
        summary += f"; {missing} no longer in the index (kept: shown from the saved snapshot)"
    if any(item.status == "unknown" for item in resolved):
        summary += "; the index could not be read, so none was checked"
    console.print(Text(summary))


@click.group("bookmark")
@backend_options
def bookmark_group(backend_url: str | None, index_dir: Path | None) -> None:
    """Add or remove a bookmark (list them with `g60-reader bookmarks`)."""


@bookmark_group.command("add")
@click.argument("article_id")
@click.option(
    "--paragraph",
    "-p",
    type=click.IntRange(1, None),
    default=None,
    help="Bookmark this paragraph (default: the whole article).",
)
@click.option("--note", default="", help="A note kept with the bookmark.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@backend_options
def bookmark_add_command(
    article_id: str,
    paragraph: int | None,
    note: str,
    tags: tuple[str, ...],
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Bookmark the article ARTICLE_ID (as `search --json` prints it), or one of its
    paragraphs. Bookmarking the same place again adds the tags and replaces the note."""
    from g60_reader.tui.workbench.library import ArticleRef

    backend = open_existing(*_inherited(backend_url, index_dir))
    with _errors("adding a bookmark"):
        stored = backend.article(article_id)
        if stored is None:
            fail(f"no article {article_id!r} in {backend.url}", EXIT_USAGE)
        numbers = [p.number for p in stored.article.paragraphs]
        if paragraph is not None and paragraph not in numbers:
            fail(
                f"article {article_id} has no paragraph {paragraph} (it has {len(numbers)})",
                EXIT_USAGE,
            )
        library = _library()
        ref = ArticleRef.of(stored.article, paragraph)
        if ref.article_id != article_id:  # the id of an exact duplicate: keep the one given
            from dataclasses import replace

            ref = replace(ref, article_id=article_id)
        bookmark_id = library.add_bookmark(ref, paragraph=paragraph, note=note, tags=tags)
        library.close()
    where = f" ¶{paragraph}" if paragraph is not None else ""
    click.echo(f"bookmark {bookmark_id}: {_printable(stored.article.title)}{where}")


@bookmark_group.command("rm")
@click.argument("bookmark_id", type=int)
def bookmark_rm_command(bookmark_id: int) -> None:
    """Remove the bookmark BOOKMARK_ID (the id `g60-reader bookmarks` shows)."""
    with _errors("removing a bookmark"):
        library = _library()
        removed = library.remove_bookmark(bookmark_id)
        library.close()
    if not removed:
        fail(f"no bookmark {bookmark_id} (see `g60-reader bookmarks`)", EXIT_FAILED)
    click.echo(f"removed bookmark {bookmark_id}")


# -- saved searches ----------------------------------------------------------------------


@click.group("saved")
@backend_options
def saved_group(backend_url: str | None, index_dir: Path | None) -> None:
    """Saved searches: add, list (with the count of new hits), run, rm."""


@saved_group.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--replace", is_flag=True, help="Replace a saved search of that name.")
@filter_options
@backend_options
def saved_add_command(
    name: str,
    query: str,
    replace: bool,
    backend_url: str | None,
    index_dir: Path | None,
    **filter_values: Any,
) -> None:
    """Save QUERY as NAME. Every hit counts as new until the first `saved run NAME`."""
    backend = _optional_backend(*_inherited(backend_url, index_dir))
    with _errors("saving the search"):
        if backend is not None:  # check the query now rather than at every run
            from g60_reader.tui.workbench import first_page

            first_page(backend, query, pagelen=1)
        library = _library()
        saved = library.saved_add(name, query, filters_of(**filter_values), replace=replace)
        library.close()
    click.echo(f"saved {saved.name!r}: {_printable(saved.query)}")


@saved_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per saved search.")
@click.option("--cap", type=click.IntRange(1, None), default=None, help=CAP_HELP)
@backend_options
def saved_list_command(
    as_json: bool, cap: int | None, backend_url: str | None, index_dir: Path | None
) -> None:
    """Every saved search with its hits now and how many are new since it was last run
    (new hits are counted among the first --cap hits)."""
    from g60_reader.tui.workbench import HIT_CAP, hit_key

    with _errors("listing saved searches"):
        library = _library()
        saved = library.saved_list()
        library.close()
        backend = _optional_backend(*_inherited(backend_url, index_dir)) if saved else None
        rows = []
        for item in saved:
            row: dict[str, Any] = {
                "name": item.name,
                "query": item.query,
                "total": None,
                "new": None,
                "last_opened": item.last_opened,
            }
            if backend is not None:
                try:
                    first, hits = search_hits(backend, item.query, item.filters, cap=cap or HIT_CAP)
                    row["total"] = first.total
                    row["new"] = len(item.new(hit_key(hit) for hit in hits))
                except ValueError as exc:  # a query this backend cannot use
                    row["error"] = str(exc)
            rows.append(row)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        _print_saved(rows)
    if saved and backend is None:
        stderr().print("no index to run the searches on: totals unknown", soft_wrap=True)


def _print_saved(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    if not rows:
        console.print(
            Text("no saved searches yet")
            + Text(" (save one with `g60-reader saved add NAME QUERY`)", style="dim")
        )
        return
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("name", ratio=1, overflow="fold")
    table.add_column("query", ratio=2, overflow="fold")
    table.add_column("hits", justify="right")
    table.add_column("new", justify="right")
    table.add_column("last run")
    for row in rows:
        new = row["new"]
        table.add_row(
            Text(_printable(row["name"])),
            Text(_printable(row["query"])),
            "?" if row["total"] is None else str(row["total"]),
            Text("?" if new is None else str(new), style="bold" if new else ""),
            Text((row["last_opened"] or "never")[:16].replace("T", " ")),
        )
        if row.get("error"):
            table.add_row("", Text(_printable(row["error"]), style="red"), "", "", "")
    console.print(table)


@saved_group.command("run")
@click.argument("name")
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(0, None),
    default=20,
    show_default=True,
    help="Hits to show, new ones first (0: all).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--cap", type=click.IntRange(1, None), default=None, help=CAP_HELP)
@backend_options
def saved_run_command(
    name: str,
    limit: int,
    as_json: bool,
    cap: int | None,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Run the saved search NAME: its hits, new ones first, like `search` prints them.
    The hits shown are marked seen (the next `saved list` counts them as not new)."""
    from g60_reader.tui.workbench import HIT_CAP, hit_key

    backend = open_existing(*_inherited(backend_url, index_dir))
    with _errors("running the saved search"):
        library = _library()
        saved = library.saved_get(name)
        if saved is None:
            library.close()
            fail(f"no saved search {name!r} (see `g60-reader saved list`)", EXIT_FAILED)
        first, hits_iter = search_hits(backend, saved.query, saved.filters, cap=cap or HIT_CAP)
        hits = list(hits_iter)
        keys = [hit_key(hit) for hit in hits]
        new = set(saved.new(keys))
        ordered = [h for h in hits if hit_key(h) in new] + [
            h for h in hits if hit_key(h) not in new
        ]
        shown = ordered[:limit] if limit else ordered
        library.saved_mark_seen(saved.name, [hit_key(h) for h in shown], current=keys)
        library.close()
    if as_json:
        for hit in shown:
            record = _hit_record(hit)
            record["new"] = hit_key(hit) in new
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    _print_run(saved, first, shown, new)


def _hit_record(hit: Hit) -> dict[str, Any]:
    """A hit as `search --json` prints it."""
    from g60_reader.tui.workbench.export import clean

    return {
        "article_id": hit.article_id,
        "paragraph": hit.paragraph,
        "title": clean(hit.title),
        "outlet": clean(hit.outlet) or None,
        "published": hit.published,
        "path": clean(hit.path),
        "score": round(hit.score, 4),
        "text": clean(hit.text),
        "spans": [list(span) for span in hit.spans],
    }


def _print_run(saved, first, shown, new) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from g60_reader.tui.workbench import hit_key

    console = Console(highlight=False)
    since = (saved.last_opened or "")[:16].replace("T", " ")
    if not first.total:
        console.print(Text(f"{saved.name}: no hits for {saved.query!r}"))
        return
    table = Table(show_header=True, header_style="bold", expand=True)
    table.add_column("", width=3)
    table.add_column("title", ratio=2, overflow="fold")
    table.add_column("¶", justify="right")
    table.add_column("snippet", ratio=5, overflow="fold")
    table.add_column("date")
    for hit in shown:
        snippet = Text(_printable(hit.snippet))
        for start, end in hit.spans:
            s, e = start - hit.snippet_start, end - hit.snippet_start
            if e > 0 and s < len(hit.snippet):
                snippet.stylize("bold reverse", max(s, 0), min(e, len(hit.snippet)))
        table.add_row(
            Text("new", style="bold green") if hit_key(hit) in new else "",
            Text(_printable(hit.title)),
            str(hit.paragraph),
            snippet,
            (hit.published or "")[:10],
        )
    console.print(table)
    console.print(
        Text(
            f"{saved.name}: {first.total} paragraphs in {first.articles} articles,"
            f" {len(new)} new since {since or 'it was saved'}; showing {len(shown)}"
        )
    )


@saved_group.command("rm")
@click.argument("name")
def saved_rm_command(name: str) -> None:
    """Remove the saved search NAME."""
    with _errors("removing the saved search"):
        library = _library()
        removed = library.saved_remove(name)
        library.close()
    if not removed:
        fail(f"no saved search {name!r} (see `g60-reader saved list`)", EXIT_FAILED)
    click.echo(f"removed saved search {name!r}")


# -- export ------------------------------------------------------------------------------


@click.command("export")
@click.argument("query", required=False)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["csv", "jsonl", "md", "ris", "csljson"]),
    default=None,
    help="File format (default: from the file name's suffix).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write.",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.option("--bookmarks", "of_bookmarks", is_flag=True, help="Export the bookmarks.")
@click.option("--tag", default=None, help="With --bookmarks: only those with this tag.")
@click.option(
    "--article",
    "article_ids",
    multiple=True,
    metavar="ID",
    help="Export these articles (repeat; e.g. a reprint cluster).",
)
@click.option(
    "--story",
    "story_id",
    default=None,
    metavar="CLUSTER",
    help="Export every copy of a reprinted story (its cluster id: `g60-reader reprints`).",
)
@click.option("--copies", is_flag=True, help="With --article: add each one's exact duplicates.")
@click.option("--cap", type=click.IntRange(1, None), default=None, help=CAP_HELP)
@filter_options
@backend_options
def export_command(
    query: str | None,
    fmt: str | None,
    output: Path,
    force: bool,
    of_bookmarks: bool,
    tag: str | None,
    article_ids: tuple[str, ...],
    story_id: str | None,
    copies: bool,
    cap: int | None,
    backend_url: str | None,
    index_dir: Path | None,
    **filter_values: Any,
) -> None:
    """Export the hits of QUERY (or --bookmarks, --article ID..., --story CLUSTER) to a
    file: csv
    (Excel and LibreOffice), jsonl, md (full text), ris or csljson (reference managers).
    An existing file is kept unless --force; an interrupted export leaves no file."""
    from g60_reader.tui.workbench import HIT_CAP
    from g60_reader.tui.workbench import export as ex

    sources = [bool(query), of_bookmarks, bool(article_ids), bool(story_id)]
    if sum(sources) != 1:
        fail(
            "export: give a QUERY, --bookmarks, --article ID or --story CLUSTER (one of them)",
            EXIT_USAGE,
        )
    with _errors("exporting"):
        fmt_ = ex.format_for(output, fmt)
        ex.check_target(output, force=force)
    progress, tell, set_total = _progress_bar()
    rows: Any
    with _errors("exporting"):
        if of_bookmarks:
            from g60_reader.tui.workbench.library import resolve_bookmarks

            kind: ex.Kind = "bookmarks"
            library = _library()
            marks = library.bookmarks(tag)
            if fmt_ == "md":
                backend: Backend | None = open_existing(backend_url, index_dir)
            else:
                backend = _optional_backend(backend_url, index_dir) if marks else None
            rows = list(ex.rows_from_bookmarks(resolve_bookmarks(library, backend, marks)))
            library.close()
            set_total(len(rows))
        elif article_ids or story_id:
            kind = "articles"
            backend = open_existing(backend_url, index_dir)
            if story_id:
                story = backend.story(story_id)
                if story is None:
                    fail(f"export: no reprinted story {story_id!r} in the index", EXIT_USAGE)
                article_ids = tuple(m.article_id for m in story.members)  # earliest first
            rows = list(ex.rows_from_articles(backend, article_ids, copies=copies))
            set_total(len(rows))
        else:
            assert query is not None
            kind = "hits"
            backend = open_existing(backend_url, index_dir)
            _first, hits = search_hits(
                backend,
                query,
                filters_of(**filter_values),
                cap=cap or HIT_CAP,
                on_total=set_total,
            )
            rows = ex.rows_from_hits(hits)
        with progress:
            report = ex.export(
                rows,
                output,
                fmt_,
                kind=kind,
                force=force,
                articles=backend.article if backend is not None else None,
                query=query or "",
                progress=tell,
            )
    what = f"{report.rows} {'row' if report.rows == 1 else 'rows'} ({report.articles} articles)"
    line = f"wrote {what} to {output} as {report.format}"
    if report.missing:
        line += f"; {report.missing} no longer in the index (written from their snapshot)"
    stderr().print(line, soft_wrap=True, markup=False)


def _progress_bar():
    """A progress bar on stderr (only on a terminal), its callback, and a setter for the
    number of rows expected."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    console = stderr()
    progress = Progress(
        TextColumn("exporting {task.fields[what]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    task = progress.add_task("export", total=None, what="rows")
    expected = [0]

    def set_total(n: int) -> None:
        expected[0] = n
        progress.update(task, total=n or None)

    def tell(done: int, total: int, what: str) -> None:
        total = total or expected[0]
        progress.update(task, completed=done, total=total or None, what=what)

    return progress, tell, set_total


# -- kwic --------------------------------------------------------------------------------


@click.command("kwic")
@click.argument("query")
@click.option(
    "--width",
    "-w",
    type=click.IntRange(0, 200),
    default=None,
    help="Context each side: words (default 5), or characters with --chars (default 12).",
)
@click.option("--chars", is_flag=True, help="Count the context in characters, not words.")
@click.option(
    "--sort",
    "sort",
    type=click.Choice(["left", "right", "date"]),
    default=None,
    help="Sort by the left context (nearest word first), the right context, or "
    "the date (default: the hits' order).",
)
@click.option(
    "--limit", "-n", type=click.IntRange(1, None), default=None, help="Show at most N lines."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--cap", type=click.IntRange(1, None), default=None, help=CAP_HELP)
@date_filter_options
@backend_options
def kwic_command(
    query: str,
    width: int | None,
    chars: bool,
    sort: str | None,
    limit: int | None,
    as_json: bool,
    cap: int | None,
    backend_url: str | None,
    index_dir: Path | None,
    **filter_values: Any,
) -> None:
    """Keyword in context: every match of QUERY with its left and right context in
    words (jieba words, shown in the script the article was written in), the keyword
    aligned in one column."""
    from g60_reader.tui.workbench import HIT_CAP
    from g60_reader.tui.workbench.kwic import concordance, render

    backend = open_existing(backend_url, index_dir)
    console = stderr()
    busy = (
        console.status("reading the hits and cutting their contexts…")
        if console.is_terminal
        else contextlib.nullcontext()
    )
    with _errors("making the concordance"), busy:
        first, hits = search_hits(backend, query, filters_of(**filter_values), cap=cap or HIT_CAP)
        lines = concordance(
            hits,
            width=width,
            unit="chars" if chars else "words",
            sort=sort,  # type: ignore[arg-type]
            limit=limit,
        )
    if as_json:
        from g60_reader.tui.workbench.export import clean

        for line in lines:
            record = {k: clean(v) if isinstance(v, str) else v for k, v in line.as_json().items()}
            click.echo(json.dumps(record, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(highlight=False)
    if not lines:
        line = Text(f"no hits for {query!r}")
        if first.suggestions:
            line.append("; did you mean: " + ", ".join(first.suggestions))
        console.print(line)
        return
    for text in render(lines, console.width):
        console.print(text, soft_wrap=False, overflow="ellipsis", no_wrap=True, crop=True)
    more = f"{first.total} paragraphs in {first.articles} articles"
    if first.total > (cap or HIT_CAP):
        more += f" (the first {cap or HIT_CAP} read)"
    stderr().print(f"{len(lines)} lines from {more}", soft_wrap=True, markup=False)


COMMANDS = (bookmarks_command, bookmark_group, saved_group, export_command, kwic_command)

__all__ = [
    "COMMANDS",
    "bookmark_group",
    "bookmarks_command",
    "export_command",
    "filter_options",
    "filters_of",
    "kwic_command",
    "saved_group",
    "search_hits",
]
