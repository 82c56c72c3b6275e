"""``g60-reader inspect PATH... [--json]``: show how files parse, for people and scripts.

Article text is data: it is put into ``rich.text.Text`` objects and never read as
markup. This module must not import Textual (subcommands start fast).
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from g60_reader.corpus.clean import DAMAGE_MARK, INVISIBLE
from g60_reader.corpus.model import Article, ReadError
from g60_reader.corpus.readers import SAMPLE_PATH, load_paths

_DAMAGE_STYLE = "bold reverse red"


# Characters that must not reach a terminal raw: controls (C0, C1), line breaks, bidi
# and zero-width characters. Cleaned article text has none; file paths may.
_UNSAFE_RE = re.compile(f"[{INVISIBLE}\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")


def _utf8(text: str) -> str:
    """``text`` encodable as UTF-8: undecodable path bytes become U+FFFD."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _printable(text: str) -> str:
    """``text`` safe to print: invisible and control characters shown as escapes."""
    return _UNSAFE_RE.sub(lambda m: ascii(m.group())[1:-1], _utf8(text))


def _json_line(obj: dict[str, object]) -> str:
    """One JSON line; characters a terminal would act on are written as ``\\uXXXX``."""
    line = json.dumps(obj, ensure_ascii=False)
    return _UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)


def article_json(article: Article) -> dict[str, object]:
    """The ``--json`` object of one article."""
    return {
        "id": article.id,
        "path": _utf8(article.path),
        "title": article.title,
        "subtitle": article.subtitle,
        "outlet": article.outlet,
        "dateline": article.dateline,
        "reporter": article.reporter,
        "date": article.date,
        "date_text": article.date_text,
        "paragraphs": [{"n": p.number, "text": p.text} for p in article.paragraphs],
        "damage": [d.as_dict() for d in article.damage],
    }


def _with_marks(text: str) -> Text:
    out = Text(text)
    start = text.find(DAMAGE_MARK)
    while start != -1:
        out.stylize(_DAMAGE_STYLE, start, start + 1)
        start = text.find(DAMAGE_MARK, start + 1)
    return out


def render_article(article: Article) -> Group:
    """Metadata, numbered paragraphs and the damage report, as rich renderables."""
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="dim", no_wrap=True)
    meta.add_column()
    rows = [
        ("path", _printable(article.path)),
        ("id", article.id),
        ("subtitle", article.subtitle),
        ("outlet", article.outlet),
        ("dateline", article.dateline),
        ("reporter", article.reporter),
        ("date", article.date or ""),
        ("date text", article.date_text),
    ]
    for label, value in rows:
        if value:
            meta.add_row(Text(label), _with_marks(value))

    title = _with_marks(article.title)
    title.stylize("bold")
    parts: list[Text | Table] = [title, meta, Text("")]
    if article.paragraphs:
        body = Table.grid(padding=(0, 2))
        body.add_column(style="dim", justify="right", no_wrap=True)
        body.add_column(overflow="fold")
        for p in article.paragraphs:
            body.add_row(Text(str(p.number)), _with_marks(p.text))
        parts.append(body)
    else:
        parts.append(Text("(no body paragraphs)", style="dim"))

    parts.append(Text(""))
    if article.damage:
        parts.append(Text(f"damage: {len(article.damage)} lost character(s)", style="bold"))
        for d in article.damage:
            where = d.part if d.paragraph is None else f"{d.part} {d.paragraph}"
            line = Text(f"  {where}, offset {d.offset}: source had ")
            line.append(repr(d.raw), style="yellow")
            parts.append(line)
    else:
        parts.append(Text("damage: none", style="dim"))
    return Group(*parts)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def _items(paths: tuple[str, ...]) -> Iterator[Article | ReadError]:
    sources: Iterable[str | Path] = paths or (SAMPLE_PATH,)
    return load_paths(sources)


@click.command("inspect")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article per line.")
def inspect_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Show how each file parses: metadata, numbered paragraphs, damage report.

    PATH may be files or directories; with no PATH the bundled sample is shown.
    """
    console = Console(highlight=False, emoji=False, markup=False)
    failed = False
    first = True
    try:
        for item in _items(paths):
            if isinstance(item, ReadError):
                failed = True
                click.echo(f"g60-reader: {_printable(str(item))}", err=True)
                continue
            if as_json:
                click.echo(_json_line(article_json(item)))
                continue
            if not first:
                console.rule()
            first = False
            console.print(render_article(item))
    except BrokenPipeError:  # piped into `head`: stop quietly
        _silence_stdout()
        raise SystemExit(1) from None
    if failed:
        raise SystemExit(1)
