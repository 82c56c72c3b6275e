"""``g60-reader entities``: the most frequent entities across the indexed corpus.

No Textual here (start-up time). The counts come from the index's stored entity keyword
fields through ``g60_reader.index.search.top_entities(index_dir, type, limit)``, which
returns ``{type: [(entity, paragraphs), ...]}`` most frequent first.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from g60_reader.corpus.model import ENTITY_TYPES

TYPE_ALIASES = {"org": "organization", "organisation": "organization", "people": "person"}
TYPE_CHOICES = (*ENTITY_TYPES, *TYPE_ALIASES)


def _top_entities(
    index_dir: Path | None, kind: str | None, limit: int
) -> Mapping[str, Sequence[tuple[str, int]]]:
    try:
        search = importlib.import_module("g60_reader.index.search")
        top_entities = search.top_entities
    except (ImportError, AttributeError) as exc:
        raise click.ClickException(f"this build cannot count entities ({exc})") from None
    try:
        return top_entities(index_dir, kind, limit)
    except (OSError, ValueError) as exc:
        where = f"{index_dir}: " if index_dir is not None else ""
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(f"{where}{reason}") from None


@click.command("entities")
@click.option(
    "--type",
    "kind",
    type=click.Choice(TYPE_CHOICES, case_sensitive=False),
    default=None,
    help="Only this type (org = organization). Default: every type.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Entities listed per type.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--index-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The index directory (default: the usual index location).",
)
def entities_command(kind: str | None, limit: int, as_json: bool, index_dir: Path | None) -> None:
    """Top people, places, organisations, dates and initiatives in the corpus, with the
    number of paragraphs that mention each."""
    if kind is not None:
        kind = kind.lower()
        kind = TYPE_ALIASES.get(kind, kind)
    result = _top_entities(index_dir, kind, limit)
    types = [kind] if kind is not None else [t for t in ENTITY_TYPES if t in result]
    types += [t for t in result if t not in types and kind is None]
    if as_json:
        payload = {
            t: [{"text": str(text), "count": int(count)} for text, count in result.get(t, [])]
            for t in types
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    if not any(result.get(t) for t in types):
        click.echo("no entities in the index yet (the entity pass may still be running)")
        return
    for n, t in enumerate(types):
        rows = list(result.get(t, []))
        if n:
            click.echo("")
        click.echo(f"{t} ({len(rows)})")
        if not rows:
            click.echo("  none")
            continue
        width = max(len(str(count)) for _, count in rows)
        for text, count in rows:
            click.echo(f"  {count:>{width}}  {text}")
