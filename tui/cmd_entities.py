"""``g60-reader entities``: the most frequent entities across the indexed corpus.

No Textual here (start-up time). The counts come from the backend's
``top_entities(type, limit)`` (``{type: [(entity, paragraphs), ...]}``, most frequent
first), read from the entity keyword fields the entity pass filled.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import click

from g60_reader.corpus.model import ENTITY_TYPES
from g60_reader.tui.options import backend_options, open_existing

TYPE_ALIASES = {"org": "organization", "organisation": "organization", "people": "person"}
TYPE_CHOICES = (*ENTITY_TYPES, *TYPE_ALIASES)


def _top_entities(
    backend_url: str | None, index_dir: Path | None, kind: str | None, limit: int
) -> Mapping[str, Sequence[tuple[str, int]]]:
    from g60_reader.index.errors import BackendError

    backend = open_existing(backend_url, index_dir)
    try:
        return backend.top_entities(kind, limit)
    except (BackendError, OSError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise click.ClickException(f"{backend.url}: {reason}") from None


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
@backend_options
def entities_command(
    kind: str | None,
    limit: int,
    as_json: bool,
    backend_url: str | None,
    index_dir: Path | None,
) -> None:
    """Top people, places, organisations, dates and initiatives in the corpus, with the
    number of paragraphs that mention each."""
    if kind is not None:
        kind = kind.lower()
        kind = TYPE_ALIASES.get(kind, kind)
    result = _top_entities(backend_url, index_dir, kind, limit)
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
