"""Which story: "+N reprints" on a result, the cluster view of its copies (outlet, date,
lag, source credit, headline diff), opening a copy, every copy in the results.

The wire story of the contract corpus: 新华网 first (2023-06-01, 长三角协同创新大会开幕),
澎湃新闻 the same day crediting 新华网 and retitled (协同创新大会在嘉兴开幕), 人民网 a day
later in Traditional script, trimmed, retitled (長三角大會開幕), naming no source.
"""

from __future__ import annotations

from rich.style import Style

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.screens.story import StoryScreen
from g60_reader.tui.widgets.story import UNDECLARED, StoryList, headline_diff
from tests.tui.conftest import RecordingBackend, screen_text, settle, widget_lines

QUERY = "title:大会"
FIRST, SECOND, THIRD = "长三角协同创新大会开幕", "协同创新大会在嘉兴开幕", "長三角大會開幕"


def searches(backend: RecordingBackend) -> list[dict[str, object]]:
    return [{"query": a[0], **k} for a, k in backend.of("search")]


def styled_runs(widget: object, style: Style) -> list[str]:
    """Runs of rendered text carrying ``style``'s colour and attributes."""
    runs: list[str] = []
    for line in widget_lines(widget):
        run = ""
        for text, seg_style in line:
            wanted = seg_style is not None and seg_style.color == style.color
            wanted = wanted and all(
                getattr(seg_style, attr) == getattr(style, attr)
                for attr in ("strike", "underline")
                if getattr(style, attr)
            )
            if wanted:
                run += text
            elif run:
                runs.append(run)
                run = ""
        if run:
            runs.append(run)
    return runs


async def _open_story(pilot: object) -> StoryScreen:
    app = pilot.app  # type: ignore[attr-defined]
    app.search_for(QUERY)
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    assert isinstance(app.screen, StoryScreen)
    return app.screen


def test_headline_diff_is_by_character_on_folded_text() -> None:
    merged, spans = headline_diff(FIRST, SECOND)
    assert merged == "长三角协同创新大会在嘉兴开幕"
    assert [(merged[s:e], kind) for s, e, kind in spans] == [
        ("长三角", "delete"),
        ("在嘉兴", "insert"),
    ]
    # the other script is no difference: only what was cut shows
    merged, spans = headline_diff(FIRST, THIRD)
    assert merged == "長三角协同创新大會開幕"
    assert [(merged[s:e], kind) for s, e, kind in spans] == [("协同创新", "delete")]
    assert headline_diff(FIRST, FIRST) == (FIRST, [])
    merged, spans = headline_diff("[bold]新华[/bold]", "[bold]新華社[/bold]")
    assert [(merged[s:e], kind) for s, e, kind in spans] == [("社", "insert")]
    assert headline_diff("", "新题") == ("新题", [(0, 2, "insert")])


async def test_a_reprinted_story_shows_once_with_its_reprints(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for(QUERY)
        await settle(pilot)
        assert searches(backend)[-1]["all_copies"] is False
        assert {hit.title for hit in app.results.hits} == {FIRST}
        rows = screen_text(app)
        assert f"{FIRST}  +2 reprints" in rows
        # every copy, and back
        app.results_list.focus()
        await pilot.press("c")
        await settle(pilot)
        assert searches(backend)[-1]["all_copies"] is True
        assert {hit.title for hit in app.results.hits} == {FIRST, SECOND, THIRD}
        assert "3 copies" in screen_text(app) and "+2 reprints" not in screen_text(app)
        assert app.header.scope_line == "every copy"
        await pilot.press("c")
        await settle(pilot)
        assert searches(backend)[-1]["all_copies"] is False
        assert {hit.title for hit in app.results.hits} == {FIRST}
        assert app.header.scope_line == ""


async def test_the_cluster_view_lists_the_copies_with_lag_credit_and_headline_diff(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await _open_story(pilot)
        cluster = app.results.hits[0].cluster
        assert backend.of("story") == [((cluster,), {})]
        shown = screen_text(app)
        assert "Story · 3 copies · first 新华网 2023-06-01 · 1 without a source named" in shown
        text = "\n".join(
            "".join(t for t, _ in line).rstrip() for line in widget_lines(screen.story_list)
        )
        rows = [line.strip() for line in text.split("\n") if line.strip()]
        assert rows[0].split() == ["1", "新华网", "2023-06-01", "first"]
        assert rows[1] == FIRST
        assert rows[2].split() == ["2", "澎湃新闻", "2023-06-01", "same", "day", "来源", "新华网"]
        assert rows[3] == "长三角协同创新大会在嘉兴开幕"
        assert rows[4].split()[:4] == ["3", "人民網", "2023-06-02", "+1"]
        assert rows[4].endswith(UNDECLARED)
        assert rows[5] == "長三角协同创新大會開幕"
        story_list = screen.story_list
        inserted = story_list.get_component_rich_style("story--insert", partial=True)
        deleted = story_list.get_component_rich_style("story--delete", partial=True)
        assert inserted.underline and deleted.strike
        # on the highlighted copy the spans keep the bar's background
        story_list.highlighted = 1
        await pilot.pause()
        headline = widget_lines(story_list)[3]  # copy 2: its second line
        backgrounds = {
            style.bgcolor for text, style in headline if text.strip() and style is not None
        }
        assert "".join(text for text, _ in headline).strip() == "长三角协同创新大会在嘉兴开幕"
        assert len(backgrounds) == 1, backgrounds
        story_list.highlighted = 0
        await pilot.pause()
        assert styled_runs(story_list, inserted) == ["在嘉兴"]
        assert styled_runs(story_list, deleted) == ["长三角", "协同创新"]
        assert story_list.highlighted == 0  # on the copy r was pressed on
        # Esc closes without opening anything
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, StoryScreen)
        assert app.reader.stored is None


async def test_enter_opens_a_copy_in_the_reader_and_r_there_shows_its_story(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await _open_story(pilot)
        await pilot.press("down", "j")
        third = screen.story_list.current_member
        assert third is not None and third.title == THIRD
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, StoryScreen)
        assert app.reader.stored is not None
        assert app.reader.stored.article.id == third.article_id
        assert app.open_row is None  # not a row of the results (they show the story once)
        assert THIRD in screen_text(app) and "人民網 · 2023-06-02" in screen_text(app)
        # r on the open article (the reader focused): its story, the cursor on it
        app.reader.focus()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, StoryScreen)
        assert app.screen.story_list.current_member.article_id == third.article_id
        await pilot.press("k", "enter")  # the second copy
        await settle(pilot)
        assert app.reader.stored.article.title == SECOND


async def test_r_on_a_result_without_reprints_says_so(
    news_backend: SearchBackend, make_app: object
) -> None:
    backend = RecordingBackend(news_backend)
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for("协同创新")
        await settle(pilot)
        row = next(i for i, hit in enumerate(app.results.hits) if hit.cluster is None)
        app.results_list.highlighted = row
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, StoryScreen)
        assert app.status.message == f"{app.results.hits[row].title}: no reprints found"
        assert backend.of("story") == []
        app.search_for("")
        await settle(pilot)
        await pilot.press("r")
        assert app.status.message == "Search for words to see which articles are reprints"


async def test_the_story_keys_are_in_help_and_the_palette(
    news_backend: SearchBackend, make_app: object
) -> None:
    app = make_app(news_backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rows = {description: keys for keys, description in app.key_help()}
        for binding_id, keys in (
            ("show_story", "r"),
            ("toggle_copies", "c"),
            ("cycle_sort", "o"),
            ("clear_filters", "x"),
            ("timeline_select", "alt+↓"),
        ):
            from g60_reader.tui.app import KEY_HELP

            assert rows[dict(KEY_HELP)[binding_id]] == keys, binding_id
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Reprints", "Every copy", "Order", "Narrow to period", "Clear narrowing"} <= titles
        await _open_story(pilot)
        over_story = {command.title for command in app.get_system_commands(app.screen)}
        assert "Reprints" not in over_story and "Quit" in over_story
        for binding in app.BINDINGS:
            assert binding.id and binding.tooltip, binding  # type: ignore[union-attr]
        for binding in (*StoryScreen.BINDINGS, *StoryList.BINDINGS):
            assert binding.id and binding.tooltip, binding  # type: ignore[union-attr]
