"""The concordance as a list: one line per match, the keyword in one column.

::

    2023-03-14     产业 合作 投资 人才  科创走廊  建设 一体化 会议
    2023-05-02  …城市 经济 新能源 的   科創走廊  ，企业 项目

The left context is right-aligned against the keyword and the right context starts after
it, so the keywords stand in one column whatever the script: widths are terminal cells
(:mod:`.cells`, a Han character two), never characters. A context too long for its side
is cut at its far end with "…"; the keyword itself is never cut. Lines come from
:func:`g60_reader.tui.workbench.kwic.concordance` and are shown as plain text styled by
component classes (``kwic--match``, ``kwic--date``), never markup. Rebuilding 2,000 rows
for a new width or order takes about 60 ms here.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from g60_reader.tui.widgets.cells import cut, flat, pad_left
from g60_reader.tui.widgets.rendering import convert_script, visible
from g60_reader.tui.workbench.kwic import KwicLine

DATE_CELLS = 10
MIN_KEY = 2


def layout(lines: list[KwicLine], width: int) -> tuple[int, int, int, int]:
    """(date, left, keyword, right) column widths in cells for ``lines`` in ``width``."""
    dated = DATE_CELLS + 2 if any(line.published for line in lines) else 0
    key = max([MIN_KEY, *(cell_len(flat(line.match)) for line in lines)])
    key = min(key, max(MIN_KEY, width // 3))
    room = max(8, width - dated - key - 2)
    widest_left = max([0, *(cell_len(flat(line.left)) for line in lines)])
    left = min(widest_left, room // 2)
    return dated, left, key, room - left


class KwicList(OptionList):
    """One option per concordance line (option id ``kwic-<index>``)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"kwic--match", "kwic--date"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next", show=False, id="result_down", tooltip="Next line"),
        Binding("k", "cursor_up", "Previous", show=False, id="result_up", tooltip="Previous line"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[KwicLine] = []
        self.script = "written"
        self._width = 0

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"kwic--{name}", partial=True)

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(24, width - 1) if width else 78

    def _shown(self, text: str) -> str:
        return visible(convert_script(flat(text), self.script))

    def line_text(self, line: KwicLine, columns: tuple[int, int, int, int]) -> Text:
        dated, left, key, right = columns
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
        self.lines = list(lines)
        self.script = script
        self._rebuild(keep)

    def _rebuild(self, keep: int | None = None) -> None:
        width = self.text_width
        self._width = width
        columns = layout(self.lines, width)
        self.clear_options()
        self.add_options(
            Option(self.line_text(line, columns), id=f"kwic-{n}")
            for n, line in enumerate(self.lines)
        )
        if self.lines:
            self.highlighted = min(keep or 0, len(self.lines) - 1)

    def on_resize(self) -> None:
        if self.lines and self.text_width != self._width:
            self._rebuild(self.highlighted)

    @property
    def current(self) -> KwicLine | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.lines):
            return None
        return self.lines[self.highlighted]

    def line_of(self, option: Option) -> KwicLine | None:
        if not option.id or not option.id.startswith("kwic-"):
            return None
        index = int(option.id[5:])
        return self.lines[index] if index < len(self.lines) else None
