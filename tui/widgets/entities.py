"""The entity panel: the open article's entities by type, or the facets of the hits.

Facets also list the hits' **outlets** and publication **years**. Choosing an entity
adds ``type:value`` to the query (paragraphs that mention it); choosing an outlet or a
year narrows instead (an outlet as ``--outlet`` does, a year as ``in:YEAR``), which the
panel says by posting :class:`EntityPanel.Chosen` with ``outlet`` or ``year`` set.
"""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from g60_reader.corpus.model import ENTITY_TYPES
from g60_reader.index.contract import StoredArticle
from g60_reader.tui.widgets.rendering import ENTITY_STYLES, display

_SPECIAL = set(' \t"():\\') | {"\u3000"}

# Facets that narrow the search rather than add to the query, and their section titles.
NARROWING_LABELS: dict[str, str] = {"outlet": "outlets", "year": "years"}


def field_query(field: str, value: str) -> str:
    """``field:value``, quoted when the value holds spaces or query punctuation."""
    if any(char in _SPECIAL for char in value):
        return f'{field}:"{value.replace(chr(34), "")}"'
    return f"{field}:{value}"


def _type_order(kind: str) -> tuple[int, str]:
    return (ENTITY_TYPES.index(kind), kind) if kind in ENTITY_TYPES else (len(ENTITY_TYPES), kind)


class EntityList(OptionList):
    """The panel's list; j/k move in it like in the results."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next result", show=False, id="result_down"),
        Binding("k", "cursor_up", "Previous result", show=False, id="result_up"),
    ]


class EntityPanel(Vertical):
    """A side panel; Enter (or a click) on an entry posts :class:`EntityPanel.Chosen`."""

    class Chosen(Message):
        """An entry was chosen: ``query`` to search (an entity), or an ``outlet`` or a
        ``year`` to narrow the current search to."""

        def __init__(self, query: str, outlet: str | None = None, year: str | None = None) -> None:
            super().__init__()
            self.query = query
            self.outlet = outlet
            self.year = year

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.queries: list[str] = []  # entity entries: the query each one runs
        self.narrowings: list[tuple[str, str]] = []  # ("outlet" | "year", value) entries
        self.mode = "empty"  # "article", "facets" or "empty"

    def compose(self) -> ComposeResult:
        yield Static(id="entities-title")
        yield EntityList(id="entity-list")

    @property
    def option_list(self) -> EntityList:
        return self.query_one("#entity-list", EntityList)

    def _fill(
        self,
        title: Text,
        groups: list[tuple[str, list[tuple[str, int, str]]]],
        narrowings: list[tuple[str, list[tuple[str, int, str]]]] | None = None,
    ) -> None:
        """``groups``: (type, [(shown text, count, query)]); ``narrowings``: ("outlet" or
        "year", [(shown text, count, value)])."""
        self.query_one("#entities-title", Static).update(title)
        options: list[Option] = []
        self.queries = []
        self.narrowings = []
        for kind, entries in [*groups, *(narrowings or [])]:
            narrowing = kind in NARROWING_LABELS
            total = sum(count for _text, count, _query in entries)
            header = Text(end="")
            header.append(NARROWING_LABELS.get(kind, kind), style=ENTITY_STYLES.get(kind, "bold"))
            unit = " articles" if narrowing else ""
            header.append(f" · {len(entries)} ({total}{unit})", style="dim")
            options.append(Option(header, disabled=True))
            for shown, count, value in entries:
                line = Text("  ", end="")
                line.append(shown, style=ENTITY_STYLES.get(kind, ""))
                line.append(f"  {count}", style="dim")
                if narrowing:
                    options.append(Option(line, id=f"n-{len(self.narrowings)}"))
                    self.narrowings.append((kind, value))
                else:
                    options.append(Option(line, id=f"q-{len(self.queries)}"))
                    self.queries.append(value)
        option_list = self.option_list
        option_list.clear_options()
        option_list.add_options(options)
        if not self.queries and not self.narrowings:
            option_list.add_option(Option(Text("(none)", style="dim"), disabled=True))
        else:
            option_list.highlighted = 1  # the first entry (0 is its type's header)

    def show_article(self, stored: StoredArticle, script: str) -> None:
        self.mode = "article"
        counts: Counter[tuple[str, str]] = Counter()
        for number in sorted(stored.entities):
            for span in stored.entities[number]:
                counts[(span.type, span.text)] += 1
        by_type: dict[str, list[tuple[str, int, str]]] = {}
        for (kind, text), count in sorted(counts.items(), key=lambda item: -item[1]):
            by_type.setdefault(kind, []).append(
                (display(text, script), count, field_query(kind, text))
            )
        title = Text("Entities in this article", style="bold")
        if not counts:
            title.append("\nnone recognised yet", style="dim")
        groups = [(kind, by_type[kind]) for kind in sorted(by_type, key=_type_order)]
        self._fill(title, groups)

    def show_facets(
        self, query: str, facets: dict[str, list[tuple[str, int]]], script: str
    ) -> None:
        """The facets of ``query`` (as typed): entities, then outlets and years."""
        self.mode = "facets"
        groups = []
        for kind in sorted(facets, key=_type_order):
            if kind in NARROWING_LABELS:
                continue
            entries = [
                (display(value, script), count, f"{query} {field_query(kind, value)}")
                for value, count in facets[kind]
            ]
            if entries:
                groups.append((kind, entries))
        narrowings = []
        outlets = [(display(v, script), n, v) for v, n in facets.get("outlet", []) if v]
        if outlets:
            narrowings.append(("outlet", outlets))
        years = sorted(facets.get("year", []), reverse=True)  # newest first
        if years:
            narrowings.append(("year", [(year, n, year) for year, n in years if year]))
        title = Text("Facets of the hits", style="bold")
        title.append("\nEnter narrows the search", style="dim")
        self._fill(title, groups, narrowings)

    def show_message(self, message: str) -> None:
        self.mode = "empty"
        self.queries = []
        self.narrowings = []
        self.query_one("#entities-title", Static).update(Text(message, style="dim"))
        self.option_list.clear_options()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id and option_id.startswith("q-"):
            self.post_message(self.Chosen(self.queries[int(option_id[2:])]))
        elif option_id and option_id.startswith("n-"):
            kind, value = self.narrowings[int(option_id[2:])]
            if kind == "outlet":
                self.post_message(self.Chosen("", outlet=value))
            else:
                self.post_message(self.Chosen("", year=value))
