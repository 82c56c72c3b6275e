"""The concordance as a list: one line per match, the keyword in one column.

::

    2023-03-14     产业 合作 投资 人才  科创走廊  建设 一体化 会议
    2023-05-02  …城市 经济 新能源 的   科創走廊  ，企业 项目

The left context is right-aligned against the keyword and the right context starts after
it, so the keywords stand in one column whatever the script: widths are terminal cells
(:mod:`.cells`, a Han character two), never characters. A context too long for its side
is cut at its far end with "…"; the keyword itself is cut only when it alone is wider
than a third of the line. Lines come from
:func:`g60_reader.tui.workbench.kwic.concordance` and are shown as plain text styled by
component classes (``kwic--match``, ``kwic--date``, ``kwic--cursor``), never markup.

Why not an ``OptionList``: it measures the height of every option when they are added
(wrapping each one), 0.27-0.42 s for the 2,325 lines of 2,000 hits here, on the UI
thread, again at every sort. This list is a :class:`~textual.scroll_view.ScrollView` of
one-line rows drawn only when they are on screen (``render_line``): showing or
re-sorting 2,325 lines costs the column layout (one pass of ``cell_len``, about 10 ms)
and about 40 µs per visible row.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from g60_reader.tui.widgets.cells import cut, flat, pad_left
from g60_reader.tui.widgets.rendering import convert_script, visible
from g60_reader.tui.workbench.kwic import KwicLine

DATE_CELLS = 10
MIN_KEY = 2

Columns = tuple[int, int, int, int]  # date, left, keyword, right (cells)


def layout(lines: list[KwicLine], width: int) -> Columns:
    """(date, left, keyword, right) column widths in cells for ``lines`` in ``width``."""
    dated = DATE_CELLS + 2 if any(line.published for line in lines) else 0
    key = max([MIN_KEY, *(cell_len(flat(line.match)) for line in lines)])
    key = min(key, max(MIN_KEY, width // 3))
    room = max(8, width - dated - key - 2)
    widest_left = max([0, *(cell_len(flat(line.left)) for line in lines)])
    left = min(widest_left, room // 2)
    return dated, left, key, room - left


class KwicList(ScrollView, can_focus=True):
    """The concordance lines; ``cursor`` is the highlighted one. Enter (or a click) posts
    :class:`KwicList.Selected`, a move :class:`KwicList.Highlighted`."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"kwic--match", "kwic--date", "kwic--cursor"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "move(1)", "Next", show=False, id="result_down", tooltip="Next line"),
        Binding(
            "k,up", "move(-1)", "Previous", show=False, id="result_up", tooltip="Previous line"
        ),
        Binding(
            "pagedown", "page(1)", "Page down", show=False, id="kwic_page_down", tooltip="Page down"
        ),
        Binding("pageup", "page(-1)", "Page up", show=False, id="kwic_page_up", tooltip="Page up"),
        Binding("home", "first", "First", show=False, id="kwic_first", tooltip="First line"),
        Binding("end", "last", "Last", show=False, id="kwic_last", tooltip="Last line"),
        Binding("enter", "select", "Open", show=False, id="kwic_select", tooltip="Open this line"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, kwic_list: KwicList, index: int) -> None:
            super().__init__()
            self.kwic_list = kwic_list
            self.index = index

        @property
        def control(self) -> KwicList:
            return self.kwic_list

    class Selected(Message):
        def __init__(self, kwic_list: KwicList, line: KwicLine) -> None:
            super().__init__()
            self.kwic_list = kwic_list
            self.line = line

        @property
        def control(self) -> KwicList:
            return self.kwic_list

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[KwicLine] = []
        self.script = "written"
        self._columns: Columns = (0, 0, MIN_KEY, 8)
        self._width = 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"kwic--{name}", partial=True)

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(24, width - 1) if width else 78

    def _shown(self, text: str) -> str:
        return visible(convert_script(flat(text), self.script))

    def line_text(self, line: KwicLine, columns: Columns | None = None) -> Text:
        """One line as it is drawn (without the cursor's style)."""
        dated, left, key, right = columns or self._columns
        text = Text(end="", no_wrap=True)
        if dated:
            text.append(f"{(line.published or '')[:10]:<{DATE_CELLS}}  ", style=self._style("date"))
        text.append(pad_left(self._shown(line.left), left))
        text.append(" ")
        match = self._shown(line.match)
        shown = cut(match, key) if cell_len(match) > key else match
        text.append(shown, style=self._style("match"))
        text.append(" " * (key - cell_len(shown)) + " ")
        text.append(cut(self._shown(line.right), right))
        return text

    def show(self, lines: list[KwicLine], script: str = "written", keep: int | None = None) -> None:
        """Show ``lines``; the cursor on line ``keep`` (clamped) or the first."""
        self.lines = list(lines)
        self.script = script
        self._relayout()
        self.cursor = min(keep or 0, max(0, len(self.lines) - 1))
        self.call_after_refresh(self._reveal)  # once the new height is laid out

    def _relayout(self) -> None:
        self._width = self.text_width
        self._columns = layout(self.lines, self._width)
        self.virtual_size = Size(self._width, len(self.lines))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self.lines and self.text_width != self._width:
            self._relayout()

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        if self.lines:
            self.post_message(self.Highlighted(self, new))

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        base = self.rich_style
        if not 0 <= index < len(self.lines):
            return Strip.blank(width, base)
        text = self.line_text(self.lines[index])
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("kwic--cursor")
        text.stylize_before(style)
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, width, style).simplify()

    def _reveal(self) -> None:
        if self.lines:
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def _go(self, index: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(len(self.lines) - 1, index))
        self._reveal()

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._go(self.cursor + step * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(len(self.lines) - 1)

    def action_select(self) -> None:
        line = self.current
        if line is not None:
            self.post_message(self.Selected(self, line))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.lines):
            self._go(index)
            self.action_select()

    @property
    def current(self) -> KwicLine | None:
        if not 0 <= self.cursor < len(self.lines):
            return None
        return self.lines[self.cursor]

    def line_at(self, index: int) -> Text:
        """Line ``index`` as drawn (for tests and the snapshot's sake)."""
        return self.line_text(self.lines[index])


__all__ = ["Columns", "KwicList", "layout"]
