"""The bookmarks as a list: two lines each, the columns measured in cells.

::

    2023-06-01  新华网      长三角协同创新大会开幕 ¶3                 missing
                读到这里 · #长三角 #会议

The first line holds the date, the outlet and the title (with the paragraph, for a
paragraph bookmark) and, at the right, the status when it is not ``ok``: ``missing`` (the
article left the index: the line is drawn from the bookmark's snapshot, never dropped),
``moved`` (found again under another path), ``unknown`` (no index to ask). The second
holds the note and the tags, or, without either, the start of the bookmarked text.
Everything is plain text styled by component classes (``bookmarks--missing`` …) and
``Text.stylize``, never markup: a note holding ``[bold]`` shows as typed. Rows are cut
to the list's width and rebuilt when it changes: 37 µs a row to build, 0.11 s to show
500 bookmarks here (the option list measures every row), once per opening.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from g60_reader.tui.widgets.cells import cut, flat, pad
from g60_reader.tui.widgets.rendering import display, display_date, visible
from g60_reader.tui.workbench.library import Resolved

OUTLET_CELLS = 12
STATUS_CELLS = 8  # "missing", "unknown"


class BookmarkList(OptionList):
    """One two-line option per bookmark (option id ``bm-<index>``)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "bookmarks--meta",
        "bookmarks--missing",
        "bookmarks--moved",
        "bookmarks--tags",
        "bookmarks--paragraph",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next", show=False, id="result_down", tooltip="Next bookmark"),
        Binding(
            "k", "cursor_up", "Previous", show=False, id="result_up", tooltip="Previous bookmark"
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[Resolved] = []
        self.script = "written"
        self._width = 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"bookmarks--{name}", partial=True)

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(20, width - 1) if width else 78

    def row_text(self, item: Resolved, width: int) -> Text:
        """Both lines of one bookmark, ``width`` cells wide."""
        bm = item.bookmark
        ref = bm.ref
        line = Text(end="", no_wrap=True)
        date = display_date(ref.published)[:10] or "(undated)"
        line.append(f"{date:<10}  ", style=self._style("meta"))
        outlet = display(flat(ref.outlet) or "(unknown)", self.script)
        line.append(pad(outlet, OUTLET_CELLS) + "  ", style=self._style("meta"))
        status = "" if item.status == "ok" else item.status
        where = f" ¶{bm.paragraph}" if bm.paragraph is not None else ""
        room = width - line.cell_len - (STATUS_CELLS + 2 if status else 0)
        title = display(flat(ref.title) or "(untitled)", self.script)
        title = cut(title, max(4, room - len(where)))
        line.append(title, style="bold")
        line.append(where, style=self._style("paragraph"))
        if status:
            line.append(" " * max(1, width - line.cell_len - len(status)))
            kind = "missing" if status in ("missing", "unknown") else "moved"
            line.append(status, style=self._style(kind))
        second = Text(" " * 12, end="", no_wrap=True)
        room = width - 12
        if bm.note or bm.tags:
            if bm.note:
                second.append(cut(visible(flat(bm.note)), room))
            if bm.tags:
                tags = " ".join(f"#{tag}" for tag in bm.tags)
                gap = " · " if bm.note else ""
                left = width - second.cell_len - len(gap)
                if left > 3:
                    second.append(gap, style=self._style("meta"))
                    second.append(cut(visible(flat(tags)), left), style=self._style("tags"))
        else:
            excerpt = display(flat(ref.text), self.script)
            second.append(cut(excerpt, room), style=self._style("meta"))
        return Text("\n", end="").join([line, second])

    def show(self, items: list[Resolved], script: str = "written", keep: int | None = None) -> None:
        """List ``items``; the cursor on row ``keep`` (clamped) or the first."""
        self.items = list(items)
        self.script = script
        self._rebuild(keep)

    def _rebuild(self, keep: int | None = None) -> None:
        width = self.text_width
        self._width = width
        self.clear_options()
        self.add_options(
            Option(self.row_text(item, width), id=f"bm-{n}") for n, item in enumerate(self.items)
        )
        if self.items:
            self.highlighted = min(keep or 0, len(self.items) - 1)

    def on_resize(self) -> None:
        if self.items and self.text_width != self._width:
            self._rebuild(self.highlighted)

    @property
    def current(self) -> Resolved | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.items):
            return None
        return self.items[self.highlighted]

    def item_of(self, option: Option) -> Resolved | None:
        if not option.id or not option.id.startswith("bm-"):
            return None
        index = int(option.id[3:])
        return self.items[index] if index < len(self.items) else None
