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
from g60_reader.corpus.model import Article, EntitySpan, ReadError
from g60_reader.tui.widgets.rendering import ENTITY_STYLES

Entities = list[list[EntitySpan]]  # per body paragraph, in order

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


def article_entities(article: Article) -> Entities:
    """Each body paragraph's entity spans (non-overlapping, as the reader shows them)."""
    from g60_reader.corpus.entities import recognise_many
    from g60_reader.index.paths import point_jieba_cache

    point_jieba_cache()  # if the recogniser falls back to jieba.posseg

    paragraphs = article.paragraphs
    return recognise_many([p.text for p in paragraphs], [p.folded for p in paragraphs])


def article_json(article: Article, entities: Entities | None = None) -> dict[str, object]:
    """The ``--json`` object of one article (with ``entities`` per paragraph if given)."""
    paragraphs: list[dict[str, object]] = []
    for i, p in enumerate(article.paragraphs):
        record: dict[str, object] = {"n": p.number, "text": p.text}
        if entities is not None:
            record["entities"] = [span.as_dict() for span in entities[i]]
        paragraphs.append(record)
    return {
        "id": article.id,
        "path": _utf8(article.path),
        "title": article.title,
        "subtitle": article.subtitle,
        "outlet": article.outlet,
        "dateline": article.dateline,
        "byline": article.byline,
        "published": article.published,
        "source_credit": article.source_credit,
        "codec": article.codec,
        "date_text": article.date_text,
        "paragraphs": paragraphs,
        "damage": [d.as_dict() for d in article.damage],
    }


def _with_marks(text: str) -> Text:
    out = Text(text)
    start = text.find(DAMAGE_MARK)
    while start != -1:
        out.stylize(_DAMAGE_STYLE, start, start + 1)
        start = text.find(DAMAGE_MARK, start + 1)
    return out


def _with_entities(text: str, spans: Iterable[EntitySpan]) -> Text:
    out = _with_marks(text)
    for span in spans:
        out.stylize(ENTITY_STYLES.get(span.type, ""), span.start, span.end)
    return out


def _legend() -> Text:
    out = Text("entities: ", style="dim")
    for kind, style in ENTITY_STYLES.items():
        out.append(kind, style=style)
        out.append(" ")
    return out


def render_article(article: Article, entities: Entities | None = None) -> Group:
    """Metadata, numbered paragraphs (entities coloured) and the damage report."""
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="dim", no_wrap=True)
    meta.add_column()
    rows = [
        ("path", _printable(article.path)),
        ("id", article.id),
        ("subtitle", article.subtitle),
        ("outlet", article.outlet),
        ("dateline", article.dateline),
        ("byline", article.byline),
        ("published", article.published or "unknown"),
        ("source credit", article.source_credit),
        ("codec", article.codec),
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
        for i, p in enumerate(article.paragraphs):
            spans = entities[i] if entities is not None else ()
            body.add_row(Text(str(p.number)), _with_entities(p.text, spans))
        parts.append(body)
        if entities is not None:
            parts.append(_legend())
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
    # the readers (trafilatura, htmldate, numpy: 0.43 s) only when inspecting: every
    # other command imports this module through the command line
    from g60_reader.corpus.readers import SAMPLE_PATH, load_paths

    sources: Iterable[str | Path] = paths or (SAMPLE_PATH,)
    return load_paths(sources)


@click.command("inspect")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article per line.")
@click.option(
    "--no-entities", is_flag=True, help="Skip entity recognition (faster on large inputs)."
)
def inspect_command(paths: tuple[str, ...], as_json: bool, no_entities: bool) -> None:
    """Show how each file parses: metadata, numbered paragraphs (with entities), damage.

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
            entities = None if no_entities else article_entities(item)
            if as_json:
                click.echo(_json_line(article_json(item, entities)))
                continue
            if not first:
                console.rule()
            first = False
            console.print(render_article(item, entities))
    except BrokenPipeError:  # piped into `head`: stop quietly
        _silence_stdout()
        raise SystemExit(1) from None
    if failed:
        raise SystemExit(1)
