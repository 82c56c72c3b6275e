"""The timeline strip: one bar per period above the results, a cursor, and a selection that
narrows the search to a period or a range of periods.

Layout (two lines; one line when the widget is one cell high)::

    ▁▂▁ ▃█▅▂▁▁  ▁▂▃▂▁▁▂▄▆▅▃▂▁
    2019-01        2019-06 · 42 articles         2020-02

Bars are Unicode blocks ``▁▂▃▄▅▆▇█`` scaled to the largest period of the whole timeline
(not of what is in view, so bars keep their height while the view scrolls); a period with
no hits is blank, one with any hits at least ``▁``. With few periods each takes up to six
cells (five of bar and a gap). The second line names the first and last period in view
and, under the cursor, the cursor period and its count; in one line the cursor label
follows the bars.

When the periods do not fit, the strip shows a window of them that scrolls with the
cursor, with ``‹``/``›`` where more lie to the left or right. Periods are never merged here:
what a bar means stays what the caller asked for (``day``/``week``/``month``/``year``), and
the caller picks the period for the width with
:func:`g60_reader.index.timeline.choose_period` (``max_bars`` = the strip's width).

Keys (each binding has an id for keymap.toml and a tooltip):

- ``alt+left`` / ``alt+right`` (``timeline_previous`` / ``timeline_next``): move the
  cursor. ``alt+down`` (``timeline_select``): narrow to the cursor period.
  ``alt+shift+down`` (``timeline_extend``): the first press anchors a range at the cursor,
  the next presses select from the anchor to the cursor. ``alt+up`` (``timeline_clear``):
  back to every date. None of these is bound by Textual's ``Input`` (which takes
  ``left``/``right`` with ``shift``/``ctrl`` for the caret and selection, ``home``/``end``)
  nor by ``OptionList`` (``up``/``down``/``pageup``/``pagedown``/``home``/``end``/
  ``enter``), nor by the app, so they can be copied to the screen to work while the search
  box or the results have focus (tests check this). ``alt+letter`` is not used: many
  terminals send it as ESC and the letter, which Textual reads as the bare letter.
- When the strip itself has focus, plain keys as well: ``left``/``h``, ``right``/``l``,
  ``home``, ``end``, ``enter`` (select), ``space`` (extend), ``backspace``/``delete``
  (clear).

Selecting posts :class:`TimelineStrip.Selected` (first and last day, inclusive, and a
label); clearing a selection posts :class:`TimelineStrip.Cleared`. The strip keeps its
bars while a selection is active, so the caller should keep feeding it the unnarrowed
counts. Nothing here blocks: the caller counts (``index.timeline``) in a worker and hands
the buckets over with :meth:`TimelineStrip.set_buckets`. Measured at 100 columns (the
shared 2-core machine under load): a render 0.13 ms for 24 periods, 0.3 ms for 100 or 3,650
(only the periods in view are drawn); ``set_buckets`` 0.2 ms for 24 periods, 5 ms for
3,650 days (it adds outlets up and fills the gaps).

Colours are component classes (``timeline--bar``, ``timeline--cursor``,
``timeline--selected``, ``timeline--label``) with theme variables in ``DEFAULT_CSS``; an
app stylesheet overrides them (``TimelineStrip > .timeline--bar { color: ... }``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from g60_reader.index.timeline import PERIODS, TimelineBucket, fill, period_range, span

BLOCKS = "▁▂▃▄▅▆▇█"
MAX_CELLS = 6  # cells a period takes at most when there is room (bar cells and a gap)
MEASURES = ("articles", "paragraphs")


@dataclass(frozen=True)
class _Layout:
    width: int
    cells: int  # cells per period
    offset: int  # first period in view
    visible: int  # periods in view
    pad: int  # cells before the first bar (1 when scrolling: the "‹" column)
    overflow: bool


class TimelineStrip(Widget, can_focus=True):
    """Bars per period, a cursor over them, and a selection of one period or a range."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--bar",
        "timeline--cursor",
        "timeline--selected",
        "timeline--label",
    }

    DEFAULT_CSS = """
    TimelineStrip {
        height: 2;
        padding: 0 1;
    }
    TimelineStrip > .timeline--bar {
        color: $accent;
    }
    TimelineStrip > .timeline--selected {
        color: $success;
        background: $success 20%;
    }
    TimelineStrip > .timeline--cursor {
        color: $text;
        background: $primary 60%;
        text-style: bold;
    }
    TimelineStrip:focus > .timeline--cursor {
        background: $primary;
    }
    TimelineStrip > .timeline--label {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "alt+left",
            "timeline_previous",
            "Earlier period",
            show=False,
            id="timeline_previous",
            tooltip="Move the timeline cursor to the previous period",
        ),
        Binding(
            "alt+right",
            "timeline_next",
            "Later period",
            show=False,
            id="timeline_next",
            tooltip="Move the timeline cursor to the next period",
        ),
        Binding(
            "alt+down",
            "timeline_select",
            "Narrow to period",
            show=False,
            id="timeline_select",
            tooltip="Show only the hits of the period under the timeline cursor",
        ),
        Binding(
            "alt+shift+down",
            "timeline_extend",
            "Select range",
            show=False,
            id="timeline_extend",
            tooltip="First press anchors a range at the cursor; the next one selects "
            "from the anchor to the cursor",
        ),
        Binding(
            "alt+up",
            "timeline_clear",
            "All dates",
            show=False,
            id="timeline_clear",
            tooltip="Clear the timeline selection: hits of every date again",
        ),
        # only while the strip has focus
        Binding(
            "left,h",
            "timeline_previous",
            "Earlier",
            show=False,
            id="timeline_left",
            tooltip="Previous period (timeline focused)",
        ),
        Binding(
            "right,l",
            "timeline_next",
            "Later",
            show=False,
            id="timeline_right",
            tooltip="Next period (timeline focused)",
        ),
        Binding(
            "home",
            "timeline_first",
            "First period",
            show=False,
            id="timeline_first",
            tooltip="First period (timeline focused)",
        ),
        Binding(
            "end",
            "timeline_last",
            "Last period",
            show=False,
            id="timeline_last",
            tooltip="Last period (timeline focused)",
        ),
        Binding(
            "enter",
            "timeline_select",
            "Narrow",
            show=False,
            id="timeline_enter",
            tooltip="Narrow to the cursor period (timeline focused)",
        ),
        Binding(
            "space",
            "timeline_extend",
            "Range",
            show=False,
            id="timeline_space",
            tooltip="Anchor or extend a range (timeline focused)",
        ),
        Binding(
            "backspace,delete",
            "timeline_clear",
            "All dates",
            show=False,
            id="timeline_backspace",
            tooltip="Clear the selection (timeline focused)",
        ),
    ]

    class Selected(Message):
        """A period or a range was selected: hits from ``start`` to ``end`` (inclusive)."""

        def __init__(
            self, strip: TimelineStrip, start: _dt.date, end: _dt.date, label: str
        ) -> None:
            super().__init__()
            self.strip = strip
            self.start = start
            self.end = end
            self.label = label

        @property
        def control(self) -> TimelineStrip:
            return self.strip

    class Cleared(Message):
        """The selection was cleared: hits of every date."""

        def __init__(self, strip: TimelineStrip | None = None) -> None:
            super().__init__()
            self.strip = strip

        @property
        def control(self) -> TimelineStrip | None:
            return self.strip

    def __init__(
        self,
        buckets: Iterable[TimelineBucket] = (),
        by: str = "month",
        *,
        measure: str = "articles",
        empty: str = "no dated hits",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.empty = empty
        self._by = by
        self._measure = measure
        self._keys: list[str] = []
        self._articles: list[int] = []
        self._paragraphs: list[int] = []
        self._cursor = 0
        self._anchor: int | None = None
        self._selection: tuple[int, int] | None = None
        self._offset = 0
        self.set_buckets(buckets, by)

    # -- data ---------------------------------------------------------------------------

    def set_buckets(
        self,
        buckets: Iterable[TimelineBucket],
        by: str,
        *,
        first: _dt.date | None = None,
        last: _dt.date | None = None,
    ) -> None:
        """Show ``buckets`` (several outlets of one period are added up), every period from
        ``first`` to ``last`` (default: the span of the buckets), empty ones included.

        The cursor goes to the highest bar (the latest of equals). A selection whose
        periods are all still shown is kept; otherwise it is dropped without a message.
        """
        if by not in PERIODS:
            raise ValueError(f"unknown period {by!r}")
        articles: dict[str, int] = {}
        paragraphs: dict[str, int] = {}
        for bucket in buckets:
            articles[bucket.period] = articles.get(bucket.period, 0) + bucket.articles
            paragraphs[bucket.period] = paragraphs.get(bucket.period, 0) + bucket.paragraphs
        old_selection = self.selected_periods
        old_by = self._by
        self._by = by
        bounds = span(articles, by)
        first = first or (bounds[0] if bounds else None)
        last = last or (bounds[1] if bounds else None)
        if first is None or last is None:
            self._keys, self._articles, self._paragraphs = [], [], []
        else:
            filled = fill(articles, by, first, last)
            self._keys = [key for key, _ in filled]
            self._articles = [n for _, n in filled]
            self._paragraphs = [paragraphs.get(key, 0) for key in self._keys]
        counts = self.counts
        peak = max(counts, default=0)
        self._cursor = max((i for i, n in enumerate(counts) if n == peak), default=0)
        self._anchor = None
        self._selection = None
        self._offset = 0
        if old_selection is not None and old_by == by:
            index = {key: i for i, key in enumerate(self._keys)}
            if old_selection[0] in index and old_selection[1] in index:
                self._selection = (index[old_selection[0]], index[old_selection[1]])
        self.refresh()

    def set_measure(self, measure: str) -> None:
        """Scale bars by ``articles`` or ``paragraphs`` (hits)."""
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r} (use {' or '.join(MEASURES)})")
        self._measure = measure
        self.refresh()

    @property
    def by(self) -> str:
        return self._by

    @property
    def counts(self) -> list[int]:
        return self._articles if self._measure == "articles" else self._paragraphs

    @property
    def periods(self) -> list[tuple[str, int]]:
        """Every period shown and its count, in order."""
        return list(zip(self._keys, self.counts, strict=True))

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def cursor_period(self) -> str | None:
        return self._keys[self._cursor] if self._keys else None

    @property
    def anchor_period(self) -> str | None:
        return self._keys[self._anchor] if self._anchor is not None else None

    @property
    def selected_periods(self) -> tuple[str, str] | None:
        """The first and last selected period keys, or ``None``."""
        if self._selection is None:
            return None
        return self._keys[self._selection[0]], self._keys[self._selection[1]]

    # -- actions ------------------------------------------------------------------------

    def move_cursor(self, delta: int) -> None:
        if not self._keys:
            return
        self._cursor = max(0, min(len(self._keys) - 1, self._cursor + delta))
        self.refresh()

    def action_timeline_previous(self) -> None:
        self.move_cursor(-1)

    def action_timeline_next(self) -> None:
        self.move_cursor(1)

    def action_timeline_first(self) -> None:
        self.move_cursor(-len(self._keys))

    def action_timeline_last(self) -> None:
        self.move_cursor(len(self._keys))

    def action_timeline_select(self) -> None:
        if not self._keys:
            return
        self._anchor = None
        self._select(self._cursor, self._cursor)

    def action_timeline_extend(self) -> None:
        if not self._keys:
            return
        if self._anchor is None:
            self._anchor = self._cursor
            self.refresh()
            return
        low, high = sorted((self._anchor, self._cursor))
        self._select(low, high)

    def action_timeline_clear(self) -> None:
        had_selection = self._selection is not None
        self._anchor = None
        self._selection = None
        self.refresh()
        if had_selection:
            self.post_message(self.Cleared(self))

    def _select(self, low: int, high: int) -> None:
        self._selection = (low, high)
        self.refresh()
        start = period_range(self._keys[low], self._by)[0]
        end = period_range(self._keys[high], self._by)[1]
        label = self._keys[low] if low == high else f"{self._keys[low]} – {self._keys[high]}"
        self.post_message(self.Selected(self, start, end, label))

    # -- rendering ----------------------------------------------------------------------

    def _layout(self, width: int) -> _Layout:
        n = len(self._keys)
        width = max(1, width)
        if n <= width:
            cells = max(1, min(MAX_CELLS, width // n))
            return _Layout(width, cells, 0, n, 0, False)
        visible = max(1, width - 2)
        # scroll as little as keeps the cursor in view
        offset = min(self._offset, self._cursor)
        offset = max(offset, self._cursor - visible + 1)
        offset = max(0, min(offset, n - visible))
        self._offset = offset
        return _Layout(width, 1, offset, visible, 1, True)

    def _count_label(self, index: int) -> str:
        count = self.counts[index]
        unit = "¶"
        if self._measure == "articles":
            unit = "article" if count == 1 else "articles"
        return f"{self._keys[index]} · {count:,} {unit}"

    def _styles(self) -> dict[str, Style]:
        return {
            name: self.get_component_rich_style(f"timeline--{name}")
            for name in ("bar", "cursor", "selected", "label")
        }

    def _bars(self, layout: _Layout, styles: dict[str, Style]) -> Text:
        counts = self.counts
        peak = max(counts, default=0)
        selection = self._selection
        if selection is None and self._anchor is not None:
            selection = (self._anchor, self._anchor)
        line = Text(end="", no_wrap=True)
        if layout.overflow:
            line.append("‹" if layout.offset > 0 else " ", style=styles["label"])
        for index in range(layout.offset, layout.offset + layout.visible):
            count = counts[index]
            level = math.ceil(count * len(BLOCKS) / peak) if count and peak else 0
            glyph = BLOCKS[min(level, len(BLOCKS)) - 1] if level else " "
            style = styles["bar"]
            if selection is not None and selection[0] <= index <= selection[1]:
                style = style + styles["selected"]
            if index == self._cursor:
                style = style + styles["cursor"]
            bar_cells = layout.cells - 1 if layout.cells > 1 else 1
            line.append(glyph * bar_cells, style=style)
            if layout.cells > 1:
                line.append(" ")
        if layout.overflow:
            more = layout.offset + layout.visible < len(counts)
            line.append("›" if more else " ", style=styles["label"])
        return line

    def _labels(self, layout: _Layout, styles: dict[str, Style]) -> Text:
        """First and last period in view at their bars, the cursor label under the cursor;
        the cursor label wins where they would touch."""
        width = layout.width
        first_col = layout.pad
        last_index = layout.offset + layout.visible - 1
        bars_end = layout.pad + layout.visible * layout.cells - (1 if layout.cells > 1 else 0)
        cursor_col = layout.pad + (self._cursor - layout.offset) * layout.cells
        cursor_text = self._count_label(self._cursor)
        cursor_len = cell_len(cursor_text)
        if cursor_len > width:
            cursor_text = _crop(cursor_text, width)
            cursor_len = cell_len(cursor_text)
        start = max(0, min(cursor_col, width - cursor_len))
        placed: list[tuple[int, str]] = [(start, cursor_text)]
        occupied = [(start, start + cursor_len)]
        for index, col, align_right in (
            (layout.offset, first_col, False),
            (last_index, bars_end, True),
        ):
            if index == self._cursor:
                continue
            text = self._keys[index]
            length = cell_len(text)
            at = max(0, col - length) if align_right else col
            if at + length > width:
                continue
            if all(at + length + 1 <= a or at >= b + 1 for a, b in occupied):
                placed.append((at, text))
                occupied.append((at, at + length))
        placed.sort()
        line = Text(end="", no_wrap=True)
        col = 0
        for at, text in placed:
            line.append(" " * (at - col))
            line.append(text, style=styles["label"])
            col = at + cell_len(text)
        return line

    def _one_line(self, width: int, styles: dict[str, Style]) -> Text:
        longest = max(cell_len(self._count_label(i)) for i in range(len(self._keys)))
        room = width - longest - 1
        if room < 3:  # too narrow for both: the bars alone
            return self._bars(self._layout(width), styles)
        bars = self._bars(self._layout(room), styles)
        line = bars
        line.append(" " * (room - cell_len(bars.plain) + 1))
        line.append(self._count_label(self._cursor), style=styles["label"])
        return line

    def render(self) -> Text:
        width = self.content_region.width or self.size.width or 80
        height = self.content_region.height or self.size.height or 2
        styles = self._styles()
        if not self._keys:
            return Text(_crop(self.empty, width), style=styles["label"], no_wrap=True)
        if height < 2:
            return self._one_line(width, styles)
        layout = self._layout(width)
        return Text("\n", end="", no_wrap=True).join(
            [self._bars(layout, styles), self._labels(layout, styles)]
        )


def _crop(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells (CJK characters take two)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…"
