"""The saved searches as a list: name, how many hits are new, what the search is.

::

    长三角会议                               3 new   41 hits
                长三角 会议 in:2023 · outlet 新华网 · newest first · opened 2023-06-02

The counts arrive after the list, one saved search at a time (a worker runs each: see
:mod:`g60_reader.tui.app_saved`); until then a row says "counting…", and only the row
whose count arrived is drawn again (about 4 ms beyond the repaint here, where
rebuilding a list of 100 saved searches takes 30 ms). A search that
cannot run any more (a date this reader cannot read, a backend that cannot filter) shows
its one-line reason instead. Plain text and component classes, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from g60_reader.tui.widgets.cells import cut, flat
from g60_reader.tui.widgets.rendering import visible
from g60_reader.tui.workbench.library import SavedSearch
from g60_reader.tui.workbench.searches import describe

INDENT = 4


@dataclass(frozen=True, slots=True)
class SavedCount:
    """A saved search's standing now: hits (the backend's total), new ones among the
    first hits read (the cap), or why it could not run."""

    total: int | None = None
    new: int | None = None
    capped: bool = False
    error: str = ""

    def label(self) -> str:
        if self.error:
            return "cannot run"
        if self.new is None:
            return "counting…"
        return f"{self.new:,}{'+' if self.capped and self.new else ''} new"


class SavedList(OptionList):
    """One two-line option per saved search (option id ``saved-<index>``)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "saved--new",
        "saved--meta",
        "saved--error",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next", show=False, id="result_down", tooltip="Next search"),
        Binding(
            "k", "cursor_up", "Previous", show=False, id="result_up", tooltip="Previous search"
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.searches: list[SavedSearch] = []
        self.counts: dict[str, SavedCount] = {}
        self._width = 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"saved--{name}", partial=True)

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(20, width - 1) if width else 78

    def row_text(self, saved: SavedSearch, width: int) -> Text:
        count = self.counts.get(saved.name, SavedCount())
        right = Text(end="", no_wrap=True)
        label = count.label()
        if count.error:
            right.append(label, style=self._style("error"))
        elif count.new:
            right.append(label, style=self._style("new"))
        else:
            right.append(label, style=self._style("meta"))
        if count.total is not None:
            right.append(f"  {count.total:,} hit{'s' if count.total != 1 else ''}")
        line = Text(end="", no_wrap=True)
        line.append(cut(visible(flat(saved.name)), max(4, width - right.cell_len - 2)), "bold")
        line.append(" " * max(2, width - line.cell_len - right.cell_len))
        line.append_text(right)
        second = Text(" " * INDENT, end="", no_wrap=True)
        if count.error:
            second.append(cut(visible(flat(count.error)), width - INDENT), self._style("error"))
        else:
            what = describe(saved.query, saved.filters)
            opened = (saved.last_opened or "")[:16].replace("T", " ")
            tail = f" · opened {opened}" if opened else " · never opened"
            second.append(cut(visible(flat(what)), max(4, width - INDENT - len(tail))))
            if second.cell_len + len(tail) <= width:
                second.append(tail, style=self._style("meta"))
        return Text("\n", end="").join([line, second])

    def show(self, searches: list[SavedSearch], keep: int | None = None) -> None:
        self.searches = list(searches)
        self._rebuild(keep)

    def set_counts(self, counts: dict[str, SavedCount]) -> None:
        """New counts: only the rows whose count changed are drawn again (the counts
        arrive one saved search at a time)."""
        changed = {name for name, count in counts.items() if self.counts.get(name) != count}
        self.counts = dict(counts)
        width = self._width or self.text_width
        for index, saved in enumerate(self.searches):
            if saved.name in changed:
                self.replace_option_prompt_at_index(index, self.row_text(saved, width))

    def _rebuild(self, keep: int | None = None) -> None:
        width = self.text_width
        self._width = width
        self.clear_options()
        self.add_options(
            Option(self.row_text(saved, width), id=f"saved-{n}")
            for n, saved in enumerate(self.searches)
        )
        if self.searches:
            self.highlighted = min(keep or 0, len(self.searches) - 1)

    def on_resize(self) -> None:
        if self.searches and self.text_width != self._width:
            self._rebuild(self.highlighted)

    @property
    def current(self) -> SavedSearch | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.searches):
            return None
        return self.searches[self.highlighted]

    def saved_of(self, option: Option) -> SavedSearch | None:
        if not option.id or not option.id.startswith("saved-"):
            return None
        index = int(option.id[6:])
        return self.searches[index] if index < len(self.searches) else None
