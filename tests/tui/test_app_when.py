"""When and which in the reader: date clauses in the search box, the timeline strip, the
order of the results (remembered), outlets and years from the facets.

The corpus is the contract suite's folder (240 articles over 2023 in both scripts, one in
eleven undated, a reprinted wire story) in the memory backend, wrapped so that every
call the reader makes is recorded: the tests check what the user sees *and* what the
backend was asked.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

from g60_reader.corpus.fold import fold
from g60_reader.index.contract import Filters, SearchBackend
from g60_reader.index.timeline import period_range
from g60_reader.tui.settings import Settings
from g60_reader.tui.widgets.entities import EntityPanel
from g60_reader.tui.widgets.results import ResultsHeader
from g60_reader.tui.widgets.timeline import BLOCKS, TimelineStrip
from tests.tui.conftest import FakeBackend, RecordingBackend, screen_text, settle

QUERY = "协同创新"


def header_lines(app: object) -> list[str]:
    header = app.query_one(ResultsHeader)  # type: ignore[attr-defined]
    return str(header.render()).split("\n")


def strip_lines(app: object) -> list[str]:
    """The strip's two lines as rendered."""
    strip = app.query_one(TimelineStrip)  # type: ignore[attr-defined]
    return [line.rstrip() for line in str(strip.render()).split("\n")]


def searches(backend: RecordingBackend) -> list[dict[str, object]]:
    """Every search the reader made: query, page and keyword arguments."""
    out = []
    for args, kwargs in backend.of("search"):
        out.append({"query": args[0], "page": args[1] if len(args) > 1 else 1, **kwargs})
    return out


def month_of(published: str | None) -> str:
    return (published or "")[:7]


async def _search(pilot: object, text: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.search_for(text)
    await settle(pilot)


# -- date clauses in the search box ------------------------------------------------------


async def test_a_date_clause_narrows_and_the_header_says_the_range_and_the_undated(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, f"{QUERY} in:2023Q2")
        last = searches(backend)[-1]
        assert last["query"] == QUERY  # the clause is taken out of the query
        assert last["filters"] == Filters(since="2023-04-01", until="2023-06-30")
        assert app.results.hits
        assert all("2023-04" <= month_of(hit.published) <= "2023-06" for hit in app.results.hits)
        undated = app.results.result.undated
        assert undated > 0  # the corpus has undated articles that match
        lines = header_lines(app)
        counts = f"{app.results.total} hits in {app.results.result.articles} articles"
        assert lines[0].startswith(counts)
        assert f"2023-04-01 – 2023-06-30 · {undated} undated left out" in " ".join(lines[1:])


async def test_a_bad_date_clause_is_one_line_in_the_status_and_asks_nothing(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        before = len(searches(backend))
        await _search(pilot, f"{QUERY} in:2019-13")
        assert len(searches(backend)) == before  # nothing to ask the backend
        assert app.status.kind == "error"
        assert app.status.message == "Bad date: in: '2019-13': there is no month 13"
        assert "\n" not in app.status.message
        assert header_lines(app)[0].startswith("✗ in: '2019-13'")
        assert app.results_list.option_count == 0
        assert not app.timeline_strip.display


async def test_date_clauses_narrow_the_article_listing(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        everything = news_backend.list_articles()
        await _search(pilot, "in:2023-06")
        june = [a for a in everything if month_of(a.published) == "2023-06"]
        undated = [a for a in everything if not a.published]
        assert [a.article_id for a in app.results.articles] == [a.article_id for a in june]
        lines = header_lines(app)
        assert lines[0] == f"{len(june)} articles"
        assert lines[1] == f"2023-06-01 – 2023-06-30 · {len(undated)} undated left out"
        assert not app.timeline_strip.display  # no words: no timeline


# -- the timeline strip --------------------------------------------------------------------


async def test_the_strip_shows_the_months_of_the_hits_after_the_results(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert not app.timeline_strip.display  # the listing: no strip
        await _search(pilot, QUERY)
        strip = app.timeline_strip
        assert strip.display and strip.size.height == 2
        # asked once, by day, for the query without filters, after the first page
        calls = [name for name, _args, _kwargs in backend.calls if name in ("search", "timeline")]
        assert calls[-2:] == ["search", "timeline"]
        (args, kwargs) = backend.of("timeline")[-1]
        assert args == (QUERY,) and kwargs == {"filters": Filters(), "by": "day"}
        # a year of hits in ~38 cells: months, every one of 2023 with its count
        expected = {b.period: b.articles for b in news_backend.timeline(QUERY, by="month").buckets}
        assert strip.by == "month"
        assert dict(strip.periods) == expected
        assert [key for key, _n in strip.periods] == [f"2023-{m:02d}" for m in range(1, 13)]
        peak = max(expected.values())
        bars, labels = strip_lines(app)
        cells = bars.split(" ")
        assert len(cells) == 12 and all(len(c) == 2 and c[0] == c[1] for c in cells)
        heights = [BLOCKS.index(c[0]) for c in cells]
        counts = [expected[f"2023-{m:02d}"] for m in range(1, 13)]
        assert heights[counts.index(peak)] == len(BLOCKS) - 1  # the peak is a full block
        for a, b in itertools.permutations(range(12), 2):
            if counts[a] > counts[b]:
                assert heights[a] >= heights[b]
        assert heights[counts.index(min(counts))] < len(BLOCKS) - 1
        assert labels.startswith("2023-01")
        assert f"{strip.cursor_period} · {peak} articles" in labels
        assert strip.region.width <= 100


async def test_the_strip_never_delays_the_first_results(
    news_corpus: Path, make_app: object
) -> None:
    from g60_reader.corpus.model import Article
    from g60_reader.corpus.readers import load_paths

    articles = [a for a in load_paths([news_corpus]) if isinstance(a, Article)]
    fake = FakeBackend(articles, delays={f"timeline:{QUERY}": 1.5})
    app = make_app(fake)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for(QUERY)
        for _ in range(200):  # the results arrive while the timeline is still counting
            await pilot.pause()
            if app.results is not None and app.results.query == QUERY:
                break
        assert app.results.query == QUERY and app.results_list.option_count > 0
        assert not app.timeline_strip.display
        await pilot.press("alt+down")
        assert app.status.message == "The timeline is still being counted"
        await settle(pilot)
        assert app.timeline_strip.display
        assert [name for name, _ in fake.requests][-2:] == ["search", "timeline"]


async def test_no_strip_when_no_hit_is_dated(fake_backend: FakeBackend, make_app: object) -> None:
    app = make_app(fake_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, "科创走廊")
        assert app.results.total > 0
        assert [name for name, _ in fake_backend.requests][-1] == "timeline"
        assert not app.timeline_strip.display
        assert "▁" not in screen_text(app).split("\n")[4]


async def test_selecting_a_month_narrows_the_results_and_keeps_every_bar(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        strip = app.timeline_strip
        bars_before = strip.periods
        timelines = len(backend.of("timeline"))
        start = strip.cursor
        await pilot.press("alt+left", "alt+left")  # from the search results (focus there)
        assert app.focused is app.results_list
        assert strip.cursor == start - 2
        month = strip.cursor_period
        assert app.status.message.startswith(f"Timeline: {month} · ")
        await pilot.press("alt+down")
        await settle(pilot)
        first, last = period_range(month, "month")
        assert searches(backend)[-1]["filters"] == Filters(
            since=first.isoformat(), until=last.isoformat()
        )
        assert {month_of(hit.published) for hit in app.results.hits} == {month}
        lines = header_lines(app)
        assert f"{first} – {last} · {app.results.result.undated} undated left out" in " ".join(
            lines[1:]
        )
        assert app.status.message == f"Timeline: {month} selected · alt+↑ every date"
        # the bars stay those of the whole query: no new timeline was asked for
        assert len(backend.of("timeline")) == timelines
        assert strip.periods == bars_before and strip.selected_periods == (month, month)
        # extend to a range of three months, from the search box this time
        await pilot.press("slash", "alt+right", "alt+shift+down", "alt+right", "alt+right")
        await pilot.press("alt+shift+down")
        await settle(pilot)
        assert app.focused is app.search_box
        low, high = strip.selected_periods
        assert high > low
        assert searches(backend)[-1]["filters"] == Filters(
            since=period_range(low, "month")[0].isoformat(),
            until=period_range(high, "month")[1].isoformat(),
        )
        assert {month_of(hit.published) for hit in app.results.hits} <= {
            key for key, _n in strip.periods if low <= key <= high
        }
        # clear: every date again
        await pilot.press("alt+up")
        await settle(pilot)
        assert searches(backend)[-1]["filters"] == Filters()
        assert strip.selected_periods is None
        assert app.status.message.startswith("Timeline: every date again")
        assert len(header_lines(app)) == 1


async def test_a_selected_period_is_intersected_with_typed_dates(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, f"{QUERY} since:2023-07-12")  # a Wednesday
        strip = app.timeline_strip
        assert strip.by == "week"  # half a year in ~38 cells
        first_week = strip.periods[0][0]
        assert first_week == "2023-W28"  # Monday 10 to Sunday 16 July
        await pilot.press("home")  # nothing: the strip has no focus
        strip.focus()
        await pilot.press("home", "enter")  # the strip's own keys when it has focus
        await settle(pilot)
        assert strip.selected_periods == (first_week, first_week)
        assert searches(backend)[-1]["filters"] == Filters(since="2023-07-12", until="2023-07-16")
        assert "2023-07-12 – 2023-07-16" in " ".join(header_lines(app)[1:])
        assert all("2023-07-12" <= h.published[:10] <= "2023-07-16" for h in app.results.hits)
        # another query: its own timeline, nothing selected
        await _search(pilot, "一体化")
        assert searches(backend)[-1]["filters"] == Filters()
        assert strip.selected_periods is None and app.period is None
        assert backend.of("timeline")[-1][0] == ("一体化",)


async def test_the_strip_fits_80_columns_and_one_line_when_short(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        strip = app.timeline_strip
        assert strip.display and strip.region.right <= app.query_one("#results-column").region.right
        bars, _labels = strip_lines(app)
        assert len(bars) <= strip.content_region.width
        assert strip.by == "month" and len(strip.periods) == 12
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(80, 16)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        strip = app.timeline_strip
        assert strip.size.height == 1
        (line,) = strip_lines(app)
        assert f"{strip.cursor_period} · " in line


async def test_periods_follow_the_span_of_the_hits(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, f"{QUERY} in:2023-06")  # a month of hits: days
        strip = app.timeline_strip
        assert strip.by == "day"
        days = [key for key, n in strip.periods if n]
        assert days and all(key.startswith("2023-06-") for key in days)
        labels = strip_lines(app)[1]
        assert f"{strip.cursor_period} · " in labels


# -- the order of the results --------------------------------------------------------------


async def test_the_sort_key_cycles_and_is_remembered(
    news_backend: SearchBackend, make_app: object, tmp_path: Path
) -> None:
    settings_path = tmp_path / "settings.json"
    backend = RecordingBackend(news_backend)
    app = make_app(backend, settings=Settings(settings_path))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        assert searches(backend)[-1]["sort"] == "relevance"
        assert len(header_lines(app)) == 1  # relevance: nothing more to say
        await pilot.press("o")
        await settle(pilot)
        assert searches(backend)[-1]["sort"] == "date"
        assert header_lines(app)[1] == "newest first"
        dates = [hit.published[:10] for hit in app.results.hits if hit.published]
        assert dates == sorted(dates, reverse=True) and len(set(dates)) > 3
        assert app.status.message.startswith("Order: newest first")
        assert json.loads(settings_path.read_text(encoding="utf-8"))["sort"] == "date"
        await pilot.press("o")
        await settle(pilot)
        assert searches(backend)[-1]["sort"] == "oldest"
        assert header_lines(app)[1] == "oldest first"
        dates = [hit.published[:10] for hit in app.results.hits if hit.published]
        assert dates == sorted(dates)
        # further pages are asked in the same order
        app.results_list.highlighted = len(app.results.hits) - 1
        await settle(pilot)
        assert searches(backend)[-1]["page"] == 2 and searches(backend)[-1]["sort"] == "oldest"
    # the next launch starts oldest first
    backend = RecordingBackend(news_backend)
    app = make_app(backend, settings=Settings(settings_path))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        assert searches(backend)[-1]["sort"] == "oldest"
        assert header_lines(app)[1] == "oldest first"
        await pilot.press("o")
        await settle(pilot)
        assert searches(backend)[-1]["sort"] == "relevance"
        assert len(header_lines(app)) == 1
    assert json.loads(settings_path.read_text(encoding="utf-8"))["sort"] == "relevance"


async def test_the_default_settings_file_lives_in_the_data_directory(
    news_backend: SearchBackend, make_app: object, _isolated_home: Path
) -> None:
    from g60_reader.tui.app import G60App

    def opener(url: str, progress: object) -> SearchBackend:
        return news_backend

    app = G60App(index_dir=Path("unused"), opener=opener, frozen_ms=3.0)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "o")
        await settle(pilot)
    data = json.loads((_isolated_home / "settings.json").read_text(encoding="utf-8"))
    assert data == {"sort": "date"}


# -- facets: outlets and years -----------------------------------------------------------


async def test_facets_list_outlets_and_years_and_an_outlet_narrows(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(140, 35)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        await pilot.press("e")
        await settle(pilot)
        panel = app.query_one(EntityPanel)
        facets = news_backend.facets(QUERY)
        assert panel.narrowings == [("outlet", name) for name, _n in facets["outlet"]] + [
            ("year", "2023")
        ]
        shown = screen_text(app)
        assert "outlets · 5" in shown and "years · 1" in shown
        outlet = facets["outlet"][1][0]
        index = panel.narrowings.index(("outlet", outlet))
        panel.option_list.highlighted = panel.option_list.get_option_index(f"n-{index}")
        await pilot.press("enter")
        await settle(pilot)
        assert searches(backend)[-1]["filters"] == Filters(outlets=(outlet,))
        assert searches(backend)[-1]["query"] == QUERY
        assert app.search_box.value == QUERY  # an outlet is a filter, not words
        assert app.results.hits and {fold(h.outlet) for h in app.results.hits} == {fold(outlet)}
        assert f"outlet {outlet}" in header_lines(app)[1]
        assert app.status.message.startswith(f"Only {outlet} · x clears")
        # the strip counts that outlet's hits
        assert backend.of("timeline")[-1][1]["filters"] == Filters(outlets=(outlet,))
        # it stays for the next query, until the clear key
        await _search(pilot, "一体化")
        assert searches(backend)[-1]["filters"] == Filters(outlets=(outlet,))
        app.results_list.focus()
        await pilot.press("x")
        await settle(pilot)
        assert searches(backend)[-1]["filters"] == Filters()
        assert len(header_lines(app)) == 1
        assert app.status.message.startswith("Every outlet and date again")


async def test_a_year_from_the_facets_narrows_to_that_year(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(140, 35)) as pilot:
        await settle(pilot)
        await _search(pilot, f"{QUERY} in:2022")  # nothing in 2022: the year replaces it
        await _search(pilot, QUERY)
        await pilot.press("e")
        await settle(pilot)
        panel = app.query_one(EntityPanel)
        index = panel.narrowings.index(("year", "2023"))
        panel.option_list.highlighted = panel.option_list.get_option_index(f"n-{index}")
        await pilot.press("enter")
        await settle(pilot)
        assert app.search_box.value == f"{QUERY} in:2023"
        assert searches(backend)[-1]["filters"] == Filters(since="2023-01-01", until="2023-12-31")
        assert "2023-01-01 – 2023-12-31" in header_lines(app)[1]


async def test_clear_with_nothing_to_clear_says_so(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, f"{QUERY} in:2023")
        await pilot.press("x")
        assert app.status.message == "Dates typed in the search box stay: edit the query"
        await pilot.press("alt+up")
        assert app.status.message == "Timeline: nothing selected"


async def test_timeline_keys_without_a_strip_say_why(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend, today=dt.date(2024, 1, 10))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "alt+down")
        assert not app.timeline_strip.display
        assert "No timeline" in app.status.message
        await _search(pilot, f"{QUERY} in:去年")  # 2023, seen from 10 January 2024
        assert app.results.scope.filters() == Filters(since="2023-01-01", until="2023-12-31")
        assert app.timeline_strip.display


async def test_remapped_timeline_and_sort_keys_work(
    news_backend: SearchBackend, make_app: object, tmp_path: Path
) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('cycle_sort = "f6"\ntimeline_select = "f7"\n', encoding="utf-8")
    backend = RecordingBackend(news_backend)
    app = make_app(backend, keymap_path=keymap)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        await pilot.press("f6")
        await settle(pilot)
        assert searches(backend)[-1]["sort"] == "date"
        await pilot.press("f7")
        await settle(pilot)
        month = app.timeline_strip.cursor_period
        assert app.timeline_strip.selected_periods == (month, month)
        rows = dict((d, k) for k, d in app.key_help())
        assert rows["order of the results: relevance → newest first → oldest first (kept)"] == "f6"


async def test_a_wider_strip_gets_finer_periods_without_asking_again(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search(pilot, QUERY)
        strip = app.timeline_strip
        assert strip.by == "month"
        asked = len(backend.of("timeline"))
        await pilot.resize_terminal(300, 30)  # ~123 cells: the 53 weeks of 2023 fit
        await settle(pilot)
        assert strip.by == "week"
        assert sum(n for _k, n in strip.periods) == sum(
            b.articles for b in news_backend.timeline(QUERY, by="week").buckets
        )
        assert len(backend.of("timeline")) == asked  # rolled up again, not counted again
        # while a period is selected the bars keep their meaning
        await pilot.press("alt+down")
        await settle(pilot)
        selected = strip.selected_periods
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert strip.by == "week" and strip.selected_periods == selected
