"""The timeline strip in a tiny app: cursor, selection of a period and of a range, clearing,
the messages and their dates, and what it draws at 80 and 100 columns."""

from __future__ import annotations

import datetime as dt

from rich.style import Style
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList

from g60_reader.index.timeline import TimelineBucket
from g60_reader.tui.app import G60App
from g60_reader.tui.widgets.search_box import SearchBox
from g60_reader.tui.widgets.timeline import TimelineStrip

D = dt.date

# Articles per month, 2018-01 .. 2019-12; the peak (16) is 2018-08, 2019-05 has 15;
# 2018-09, 2019-06 and 2019-07 have none (and no bucket: the strip fills them).
ARTICLES = [2, 4, 6, 8, 10, 12, 14, 16, 0, 3, 1, 5, 7, 9, 11, 13, 15, 0, 0, 2, 4, 6, 8, 1]
MONTHS = [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(24)]
BUCKETS = [
    # two outlets share some months: the strip adds them up
    *(
        TimelineBucket(m, a - a // 2, 3 * a - a // 2, "人民日报")
        for m, a in zip(MONTHS, ARTICLES, strict=True)
        if a
    ),
    *(
        TimelineBucket(m, a // 2, a // 2, "新华社")
        for m, a in zip(MONTHS, ARTICLES, strict=True)
        if a // 2
    ),
]


class StripApp(App[None]):
    CSS = "#one { height: 1; }"

    def __init__(self, buckets: list[TimelineBucket] = BUCKETS, by: str = "month") -> None:
        super().__init__()
        self.buckets = buckets
        self.by = by
        self.events: list[tuple[str, dt.date | None, dt.date | None, str]] = []

    def compose(self) -> ComposeResult:
        yield Input(id="query")
        yield TimelineStrip(self.buckets, self.by, id="strip")
        yield OptionList("one", "two", id="results")

    def on_timeline_strip_selected(self, message: TimelineStrip.Selected) -> None:
        self.events.append(("selected", message.start, message.end, message.label))

    def on_timeline_strip_cleared(self, message: TimelineStrip.Cleared) -> None:
        self.events.append(("cleared", None, None, ""))


def lines(strip: TimelineStrip) -> list[str]:
    return [strip.render_line(y).text.rstrip() for y in range(strip.size.height)]


async def test_buckets_are_added_up_and_gaps_filled() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)):
        strip = app.query_one(TimelineStrip)
        assert strip.periods == list(zip(MONTHS, ARTICLES, strict=True))
        strip.set_measure("paragraphs")
        assert [n for _, n in strip.periods] == [3 * a for a in ARTICLES]


async def test_rendering_at_100_columns() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        strip = app.query_one(TimelineStrip)
        assert strip.cursor_period == "2018-08"  # starts on the peak
        # 98 cells for 24 months: four each, three of bar and a gap
        assert lines(strip) == [
            "▁▁▁ ▂▂▂ ▃▃▃ ▄▄▄ ▅▅▅ ▆▆▆ ▇▇▇ ███     ▂▂▂ ▁▁▁ ▃▃▃ ▄▄▄ ▅▅▅ ▆▆▆ ▇▇▇ ███         "
            "▁▁▁ ▂▂▂ ▃▃▃ ▄▄▄ ▁▁▁",
            "2018-01                     2018-08 · 16 articles"
            "                                       2019-12",
        ]


async def test_rendering_at_80_columns() -> None:
    app = StripApp()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        strip = app.query_one(TimelineStrip)
        # 78 cells for 24 months: three each
        assert lines(strip) == [
            "▁▁ ▂▂ ▃▃ ▄▄ ▅▅ ▆▆ ▇▇ ██    ▂▂ ▁▁ ▃▃ ▄▄ ▅▅ ▆▆ ▇▇ ██       ▁▁ ▂▂ ▃▃ ▄▄ ▁▁",
            "2018-01              2018-08 · 16 articles                      2019-12",
        ]
        strip.focus()
        await pilot.press("end")
        await pilot.pause()
        # on the last bar the cursor label ends at the right edge, and the last label gives way
        assert lines(strip)[1] == "2018-01" + " " * 52 + "2019-12 · 1 article"


async def test_styles_mark_the_cursor_and_the_selection() -> None:
    app = StripApp()
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+left", "alt+down")  # select 2018-07
        await pilot.press("alt+left")  # the cursor on 2018-06
        await pilot.pause()
        cursor = strip.get_component_rich_style("timeline--cursor")
        selected = strip.get_component_rich_style("timeline--selected")
        bar = strip.get_component_rich_style("timeline--bar")
        assert len({cursor.bgcolor, selected.bgcolor, bar.bgcolor}) == 3
        styles: list[Style] = []
        for segment in strip.render_line(0):
            styles.extend([segment.style or Style()] * len(segment.text))
        texts = "".join(segment.text for segment in strip.render_line(0))
        assert texts[15:17] == "▆▆" and styles[15].bgcolor == cursor.bgcolor  # 2018-06
        assert texts[18:20] == "▇▇" and styles[18].bgcolor == selected.bgcolor  # 2018-07
        assert styles[21].bgcolor not in (cursor.bgcolor, selected.bgcolor)  # 2018-08
        assert styles[21].color == bar.color


async def test_cursor_moves_and_stops_at_the_ends() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+left", "alt+left")
        assert strip.cursor_period == "2018-06"
        await pilot.press("alt+right")
        assert strip.cursor_period == "2018-07"
        await pilot.press("left", "h")
        assert strip.cursor_period == "2018-05"
        await pilot.press("right", "l", "l")
        assert strip.cursor_period == "2018-08"
        await pilot.press("home", "alt+left", "left")
        assert strip.cursor == 0
        await pilot.press("end", "alt+right", "right")
        assert strip.cursor_period == "2019-12"
        assert app.events == []  # moving selects nothing


async def test_select_one_period() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+left", "alt+down")
        await pilot.pause()
        assert app.events == [("selected", D(2018, 7, 1), D(2018, 7, 31), "2018-07")]
        assert strip.selected_periods == ("2018-07", "2018-07")
        await pilot.press("end", "enter")  # enter selects while the strip has focus
        await pilot.pause()
        assert app.events[-1] == ("selected", D(2019, 12, 1), D(2019, 12, 31), "2019-12")


async def test_select_a_range_anchor_then_extend() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("home", "right")  # 2018-02
        await pilot.press("alt+shift+down")  # anchors: nothing selected yet
        await pilot.pause()
        assert app.events == [] and strip.anchor_period == "2018-02"
        assert strip.selected_periods is None
        await pilot.press("right", "right", "right", "alt+shift+down")  # to 2018-05
        await pilot.pause()
        assert app.events == [("selected", D(2018, 2, 1), D(2018, 5, 31), "2018-02 – 2018-05")]
        # extending again moves the end from the same anchor, also backwards
        await pilot.press("home", "space")
        await pilot.pause()
        assert app.events[-1] == ("selected", D(2018, 1, 1), D(2018, 2, 28), "2018-01 – 2018-02")
        assert strip.selected_periods == ("2018-01", "2018-02")


async def test_week_ranges_give_monday_to_sunday() -> None:
    weeks = [TimelineBucket("2019-W01", 3, 3), TimelineBucket("2019-W03", 5, 9)]
    app = StripApp(weeks, "week")
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        assert strip.periods == [("2019-W01", 3), ("2019-W02", 0), ("2019-W03", 5)]
        strip.focus()
        await pilot.press("home", "space", "end", "space")
        await pilot.pause()
        assert app.events == [("selected", D(2018, 12, 31), D(2019, 1, 20), "2019-W01 – 2019-W03")]


async def test_clear_posts_cleared_only_when_something_was_selected() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+up")  # nothing selected: no message
        await pilot.press("space", "backspace")  # only an anchor: no message either
        await pilot.pause()
        assert app.events == [] and strip.anchor_period is None
        await pilot.press("alt+down", "alt+up")
        await pilot.pause()
        assert [e[0] for e in app.events] == ["selected", "cleared"]
        assert strip.selected_periods is None
        await pilot.press("alt+down", "delete")
        await pilot.pause()
        assert [e[0] for e in app.events] == ["selected", "cleared", "selected", "cleared"]


async def test_new_buckets_keep_a_selection_still_shown() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+left", "alt+down")
        strip.set_buckets(BUCKETS[:10], "month")
        assert strip.selected_periods == ("2018-07", "2018-07")
        strip.set_buckets([TimelineBucket("2019-03", 1, 1)], "month")
        assert strip.selected_periods is None
        assert strip.periods == [("2019-03", 1)]


async def test_keys_do_not_reach_the_strip_from_the_search_box() -> None:
    app = StripApp()
    async with app.run_test(size=(100, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        app.query_one(Input).focus()
        await pilot.press("h", "l", "space", "left", "enter")
        await pilot.pause()
        assert app.query_one(Input).value == "hl "
        assert strip.cursor_period == "2018-08" and app.events == []


async def test_too_many_periods_scroll_with_the_cursor() -> None:
    days = [
        TimelineBucket((D(2019, 1, 1) + dt.timedelta(days=i)).isoformat(), i % 7 + 1, 1)
        for i in range(100)
    ]
    app = StripApp(days, "day")
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("home")
        await pilot.pause()
        bars, labels = lines(strip)
        assert len(bars) == 78  # 76 bars and a marker each side
        assert bars[0] == " " and bars[-1] == "›"  # more to the right only
        assert labels.startswith(" 2019-01-01 · 1 article")
        assert labels.endswith("2019-03-17")  # the 76th day, the last one in view
        await pilot.press(*["right"] * 80)
        await pilot.pause()
        bars, labels = lines(strip)
        assert strip.cursor_period == "2019-03-22"
        assert bars[0] == "‹" and bars[-1] == "›"
        assert labels.endswith("2019-03-22 · 4 articles")  # the cursor on the last bar in view
        assert labels.startswith(" 2019-01-06")  # scrolled by five days
        await pilot.press("end")
        await pilot.pause()
        bars = strip.render_line(0).text  # not stripped: the last cell is a blank marker
        assert bars[0] == "‹" and bars[77] == " " and bars[76] != " "


async def test_one_line_strip() -> None:
    app = StripApp()
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.styles.height = 1
        await pilot.pause()
        (line,) = lines(strip)
        # the longest cursor label ("2018-08 · 16 articles") and a space leave 56 of 78
        # cells: two cells a month (a bar and a gap), then the label after the bars
        assert line == (
            "▁ ▂ ▃ ▄ ▅ ▆ ▇ █   ▂ ▁ ▃ ▄ ▅ ▆ ▇ █     ▁ ▂ ▃ ▄ ▁ " + " " * 9 + "2018-08 · 16 articles"
        )
        strip.set_measure("paragraphs")
        await pilot.pause()
        assert lines(strip)[0].endswith("2018-08 · 48 ¶")


async def test_empty_strip() -> None:
    app = StripApp([])
    async with app.run_test(size=(80, 10)) as pilot:
        strip = app.query_one(TimelineStrip)
        strip.focus()
        await pilot.press("alt+left", "alt+down", "space", "space", "alt+up")
        await pilot.pause()
        assert lines(strip)[0] == "no dated hits"
        assert app.events == []


GLOBAL_IDS = {
    "timeline_previous",
    "timeline_next",
    "timeline_select",
    "timeline_extend",
    "timeline_clear",
}


def _keys(bindings: object) -> set[str]:
    keys: set[str] = set()
    for binding in bindings:  # type: ignore[attr-defined]
        if isinstance(binding, Binding):
            keys |= {key.strip() for key in binding.key.split(",")}
        else:
            keys |= {key.strip() for key in binding[0].split(",")}
    return keys


def test_every_binding_has_an_id_and_a_tooltip() -> None:
    bindings = [b for b in TimelineStrip.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == len(TimelineStrip.BINDINGS)
    assert all(b.id and b.tooltip for b in bindings)
    assert {b.id for b in bindings} >= GLOBAL_IDS
    assert len({b.id for b in bindings}) == len(bindings)


def test_global_keys_clash_with_nothing_that_has_focus_elsewhere() -> None:
    """The five main keys can be copied to the screen: no search box, results list or
    other app binding uses them (the app's copies run the strip's own actions)."""
    others = [b for b in G60App.BINDINGS if not (isinstance(b, Binding) and b.id in GLOBAL_IDS)]
    taken = (
        _keys(Input.BINDINGS)
        | _keys(OptionList.BINDINGS)
        | _keys(SearchBox.BINDINGS)
        | _keys(others)
    )
    strip = {
        (b.id, b.key, b.action)
        for b in TimelineStrip.BINDINGS
        if isinstance(b, Binding) and b.id in GLOBAL_IDS
    }
    main = {key for _id, key, _action in strip}
    assert main == {"alt+left", "alt+right", "alt+down", "alt+shift+down", "alt+up"}
    assert not (main & taken)
    copied = {
        (b.id, b.key, b.action)
        for b in G60App.BINDINGS
        if isinstance(b, Binding) and b.id in GLOBAL_IDS
    }
    assert copied == strip  # the same keys, ids and action names as the strip's own


async def test_empty_text_is_cut_by_cells_not_characters() -> None:
    class Narrow(App[None]):
        def compose(self) -> ComposeResult:
            yield TimelineStrip([], empty="没有带日期的命中结果")

    app = Narrow()
    async with app.run_test(size=(10, 4)) as pilot:
        await pilot.pause()
        strip = app.query_one(TimelineStrip)
        # 8 cells inside the padding: three characters of two cells and the ellipsis
        assert lines(strip)[0] == "没有带…"
