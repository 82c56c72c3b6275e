"""Searching: as you type, on Enter, the empty query, bad queries, stale answers, paging."""

from __future__ import annotations

from pathlib import Path

from g60_reader.corpus.readers import load_sample
from g60_reader.index.contract import SearchBackend
from g60_reader.tui.history import QueryHistory
from g60_reader.tui.widgets.results import ResultsHeader
from tests.tui.conftest import (
    LONG_TITLE,
    CountingBackend,
    FakeBackend,
    screen_text,
    settle,
)


def _header(app: object) -> str:
    return str(app.query_one(ResultsHeader).render())  # type: ignore[attr-defined]


async def test_search_as_you_type_runs_once_after_typing_stops(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    counting = CountingBackend(sample_index[1])
    app = make_app(counting, debounce=1.0)  # type: ignore[operator]
    expected = [p.number for p in load_sample().paragraphs if "科創走廊" in p.text]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"科创走廊")
        assert app.search_box.value == "科创走廊"
        await settle(pilot)
        assert counting.searches == ["科创走廊"]  # one search, after the pause
        assert app.results.query == "科创走廊"
        assert sorted(hit.paragraph for hit in app.results.hits) == expected
        assert app.results_list.option_count == len(expected)
        assert _header(app) == f"{len(expected)} hits in 1 article · 3 ms"
        assert app.focused is app.search_box  # typing alone keeps the focus in the box


async def test_enter_searches_at_once_moves_to_results_and_keeps_history(
    sample_index: tuple[Path, SearchBackend], make_app: object, history: QueryHistory
) -> None:
    app = make_app(sample_index[1], debounce=30.0)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_box.value = "零跑"
        await pilot.press("enter")
        await settle(pilot)
        assert app.results.query == "零跑"
        assert [hit.paragraph for hit in app.results.hits] == [6]
        assert app.focused is app.results_list
    assert history.path is not None
    assert history.path.read_text(encoding="utf-8").splitlines() == ["零跑"]


async def test_empty_query_lists_every_article(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.results.is_listing
        titles = sorted(summary.title for summary in app.results.articles)
        assert len(titles) == 4 and LONG_TITLE in titles
        assert app.results_list.option_count == 4
        assert _header(app) == "4 articles"
        # Typing and clearing the box brings the listing back.
        await pilot.press(*"蘇州")
        await settle(pilot)
        assert not app.results.is_listing
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert app.results.is_listing


async def test_a_bad_query_shows_its_message_in_place(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"person:", "enter")
        await settle(pilot)
        header = app.query_one(ResultsHeader)
        assert header.has_class("-error")
        assert app.results.error == "'person:' needs a word after it"
        assert app.results.error in str(header.render())
        assert app.results_list.option_count == 0
        assert app.status.kind == "error"
        assert "Traceback" not in screen_text(app)
        assert app.focused is app.search_box  # so that it can be fixed
        app.search_box.value = "蘇州"
        await pilot.press("enter")
        await settle(pilot)
        assert not header.has_class("-error")
        assert app.results.total > 0


async def test_stale_results_are_discarded(fake_backend: FakeBackend, make_app: object) -> None:
    fake_backend.delays = {"慢": 0.4}
    app = make_app(fake_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for("慢")
        await pilot.pause(0.05)
        app.search_for("科创走廊")
        await settle(pilot)
        assert "慢" in fake_backend.calls  # the slow search did run ...
        assert app.results.query == "科创走廊"  # ... but its late answer was dropped
        assert app.results.total > 0
        assert app.search_box.value == "科创走廊"


async def test_more_results_load_when_moving_down(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1], pagelen=2)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"科创走廊", "enter")
        await settle(pilot)
        total = app.results.total
        assert total > 4
        assert app.results_list.option_count < total  # pages load as the cursor nears the end
        for _ in range(total):
            await pilot.press("j")
            await settle(pilot)
        assert app.results_list.option_count == total
        assert len({(h.article_id, h.paragraph) for h in app.results.hits}) == total


async def test_markup_in_articles_is_shown_as_text(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"標記", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        shown = screen_text(app)
        assert "[bold]粗體[/bold]" in shown
        assert "[link=http://e]連結[/link]" in shown
        assert "[@click=app.quit]退出[/]" in shown
        assert app.is_running
