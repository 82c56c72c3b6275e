"""The concordance view: every match of the current search with its left and right
context, the keyword in one column.

Opened with ``K`` over the results. The app reads the hits (the search as the results
show it: typed dates, strip period, outlet, order, copies) and cuts the contexts in a
thread worker (:func:`g60_reader.tui.workbench.kwic.concordance`: jieba words, or
characters), then fills the view with :meth:`KwicScreen.show`. ``l`` / ``r`` / ``d`` /
``o`` sort by the left context, the right context, the date, or back to the hits'
order; ``w`` counts the context in words or in characters. Each change posts
:class:`KwicScreen.Redo` and the app cuts again in its worker (sorting 2,000 lines in
pinyin order is not for the UI thread). Enter closes the view and hands the line back:
the app opens its article with that match as the current hit.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from g60_reader.tui.widgets.kwic import KwicList
from g60_reader.tui.widgets.rendering import display, display_date
from g60_reader.tui.workbench.kwic import KwicLine

HINT = "sort: l left · r right · d date · o hits · w words/chars · ⏎ opens · Esc"
SORT_NAMES = {
    None: "in the hits' order",
    "left": "sorted by the left context",
    "right": "sorted by the right context",
    "date": "sorted by date",
}
UNIT_NAMES = {"words": "context in words", "chars": "context in characters"}


def _sort_binding(key: str, sort: str, label: str, tooltip: str) -> Binding:
    return Binding(key, f"sort('{sort}')", label, id=f"kwic_sort_{sort}", tooltip=tooltip)


class KwicScreen(ModalScreen[KwicLine | None]):
    """The concordance of ``query``; dismissed with the line to open, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="view_close", tooltip="Close the view"),
        Binding(
            "enter", "open", "Open", id="view_open", tooltip="Open the highlighted item", show=False
        ),
        _sort_binding("l", "left", "Sort left", "Sort by the left context, nearest word first"),
        _sort_binding("r", "right", "Sort right", "Sort by the right context"),
        _sort_binding("d", "date", "Sort date", "Sort by date, oldest first"),
        _sort_binding("o", "hits", "Hits' order", "Back to the order of the hits"),
        Binding(
            "w",
            "toggle_unit",
            "Words/chars",
            id="kwic_unit",
            tooltip="Count the context in words or in characters",
        ),
    ]

    class Redo(Message):
        """Cut the lines again: in ``unit``, sorted by ``sort`` (None: the hits' order)."""

        def __init__(self, screen: KwicScreen, unit: str, sort: str | None) -> None:
            super().__init__()
            self.view = screen
            self.unit = unit
            self.sort = sort

    def __init__(self, query: str, script: str = "written") -> None:
        super().__init__(id="kwic-screen", classes="workbench-view")
        self.query_text = query
        self.script = script
        self.unit = "words"
        self.sort: str | None = None
        self.lines: list[KwicLine] | None = None  # None: still being cut
        self.about = ""  # how many hits the lines come from

    def compose(self) -> ComposeResult:
        with Vertical(classes="view-body"):
            yield Static(self._title(), classes="view-title")
            yield KwicList(id="kwic-list")
            yield Static(Text(""), id="kwic-detail")
            yield Static(
                Text("Reading the hits and cutting their contexts…", style="dim"),
                classes="view-hint",
            )

    @property
    def kwic_list(self) -> KwicList:
        return self.query_one("#kwic-list", KwicList)

    def on_mount(self) -> None:
        self.kwic_list.focus()

    def _title(self) -> Text:
        title = Text("Concordance", style="bold", end="")
        title.append(" · ")
        title.append(display(self.query_text, self.script) or "(no query)")
        if self.lines is not None:
            title.append(f" · {len(self.lines):,} line{'s' if len(self.lines) != 1 else ''}")
        if self.about:
            title.append(f" from {self.about}")
        title.append(f" · {SORT_NAMES[self.sort]} · {UNIT_NAMES[self.unit]}", style="dim")
        return title

    def show(self, lines: list[KwicLine], unit: str, sort: str | None, about: str = "") -> None:
        """The lines cut in ``unit``, sorted by ``sort``; the cursor stays on its line."""
        current = self.kwic_list.current
        self.lines = list(lines)
        self.unit = unit
        self.sort = sort
        if about:
            self.about = about
        keep = None
        if current is not None:
            for index, line in enumerate(self.lines):
                same = (line.article_id, line.paragraph, line.offset)
                if same == (current.article_id, current.paragraph, current.offset):
                    keep = index
                    break
        self.kwic_list.show(self.lines, self.script, keep)
        self.query_one(".view-title", Static).update(self._title())
        if not self.lines:
            self.set_message("No matches to show: search for words first · Esc")
        else:
            self.set_message("")
        self._detail()

    def set_message(self, message: str, error: bool = False) -> None:
        hint = self.query_one(".view-hint", Static)
        hint.set_class(error, "-error")
        hint.update(Text(message, style="bold") if message else Text(HINT, style="dim"))

    @on(KwicList.Highlighted, "#kwic-list")
    def _highlighted(self, event: KwicList.Highlighted) -> None:
        self._detail()

    def _detail(self) -> None:
        line = self.kwic_list.current
        detail = Text(end="", no_wrap=True, overflow="ellipsis")
        if line is not None:
            detail.append(f"¶{line.paragraph} ", style="bold")
            detail.append(display(line.title or "(untitled)", self.script), style="bold")
            meta = " · ".join(p for p in (display_date(line.published), line.outlet) if p)
            if meta:
                detail.append("  " + display(meta, self.script), style="dim")
        self.query_one("#kwic-detail", Static).update(detail)

    @on(KwicList.Selected, "#kwic-list")
    def _chosen(self, event: KwicList.Selected) -> None:
        event.stop()
        self.dismiss(event.line)

    def action_open(self) -> None:
        line = self.kwic_list.current
        if line is not None:
            self.dismiss(line)

    def action_sort(self, sort: str) -> None:
        wanted = None if sort == "hits" else sort
        if self.lines is None:
            self.set_message("Still cutting the contexts…")
            return
        self.set_message(f"Sorting {SORT_NAMES[wanted].removeprefix('sorted ')}…")
        self.post_message(self.Redo(self, self.unit, wanted))

    def action_toggle_unit(self) -> None:
        if self.lines is None:
            self.set_message("Still cutting the contexts…")
            return
        unit = "chars" if self.unit == "words" else "words"
        self.set_message(f"Cutting the contexts in {'characters' if unit == 'chars' else 'words'}…")
        self.post_message(self.Redo(self, unit, self.sort))

    def action_close(self) -> None:
        self.dismiss(None)
