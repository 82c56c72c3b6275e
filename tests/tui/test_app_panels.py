"""Panels and keys: entity panel, help, command palette, focus, history, mouse, quit."""

from __future__ import annotations

from pathlib import Path

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.app import KEY_HELP, G60App
from g60_reader.tui.history import QueryHistory
from g60_reader.tui.screens.help import HelpScreen
from g60_reader.tui.widgets.entities import EntityPanel, field_query
from tests.tui.conftest import LONG_TITLE, screen_text, settle


async def _open_listing_article(pilot: object, title: str | None = None) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.search_for("")
    await settle(pilot)
    if title is not None:
        app.results_list.highlighted = next(
            i for i, s in enumerate(app.results.articles) if s.title == title
        )
    app.action_open()
    await settle(pilot)


def test_field_queries_quote_when_needed() -> None:
    assert field_query("person", "陳龍") == "person:陳龍"
    assert field_query("organization", "Apple Inc") == 'organization:"Apple Inc"'
    assert field_query("place", 'a"b c') == 'place:"ab c"'


async def test_entity_panel_lists_the_article_entities_and_searches_one(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _open_listing_article(pilot)
        panel = app.query_one(EntityPanel)
        assert not panel.display
        await pilot.press("e")
        await settle(pilot)
        assert panel.display and panel.mode == "article"
        assert app.focused is panel.option_list
        shown = screen_text(app)
        assert "Entities in this article" in shown
        assert "person" in shown and "陳龍" in shown
        assert "person:陳龍" in panel.queries
        first = panel.option_list.highlighted
        await pilot.press("j")
        assert panel.option_list.highlighted == first + 1  # j moves in the panel
        await pilot.press("k")
        assert panel.option_list.highlighted == first
        # Walk to 陳龍 and press Enter: the entity query runs.
        target = panel.queries.index("person:陳龍")
        panel.option_list.highlighted = panel.option_list.get_option_index(f"q-{target}")
        await pilot.press("enter")
        await settle(pilot)
        assert app.search_box.value == "person:陳龍"
        assert app.results.query == "person:陳龍"
        assert app.results.total > 0
        assert all("陳龍" in hit.text for hit in app.results.hits)
        # Below 120 columns the panel gave way to the results; e opens it on the facets.
        assert not panel.display
        assert app.query_one("#results-column").display
        assert app.focused is app.results_list
        await pilot.press("e")
        await settle(pilot)
        assert panel.mode == "facets"
        assert "Facets of the hits" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not panel.display
        assert app.focused is app.results_list


async def test_entity_panel_sits_beside_the_results_on_wide_screens(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(140, 35)) as pilot:
        await settle(pilot)
        await _open_listing_article(pilot)
        await pilot.press("e")
        await settle(pilot)
        panel = app.query_one(EntityPanel)
        assert app.query_one("#results-column").display
        assert app.reader.size.width >= 40
        target = panel.queries.index("person:陳龍")
        panel.option_list.highlighted = panel.option_list.get_option_index(f"q-{target}")
        await pilot.press("enter")
        await settle(pilot)
        assert app.results.query == "person:陳龍"
        assert panel.display and panel.mode == "facets"  # stays open, now on the facets


async def test_entity_panel_shows_facets_for_a_result_set(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    backend = sample_index[1]
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for("科创走廊")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        panel = app.query_one(EntityPanel)
        assert panel.mode == "facets"
        facets = backend.facets("科创走廊")
        expected = [
            f"科创走廊 {field_query(kind, value)}"
            for kind in facets
            if kind not in ("outlet", "year")  # these narrow (tests/tui/test_app_when.py)
            for value, _count in facets[kind]
        ]
        assert sorted(panel.queries) == sorted(expected)
        assert panel.narrowings == [("outlet", value) for value, _n in facets["outlet"]]
        if panel.queries:  # Enter on a facet narrows the search
            panel.option_list.highlighted = panel.option_list.get_option_index("q-0")
            chosen = panel.queries[0]
            await pilot.press("enter")
            await settle(pilot)
            assert app.results.query == chosen


async def test_help_screen_lists_every_key(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # leave the search box: ? is a key, not a character
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = dict((description, keys) for keys, description in app.screen.keys)
        for binding_id, description in KEY_HELP:
            assert description in rows, binding_id
            assert rows[description] != "(unbound)", binding_id
        assert rows["next hit in the article (across paragraphs)"] == "n"
        assert "ctrl+p" in " ".join(rows.values()).lower() or "^p" in " ".join(rows.values())
        shown = screen_text(app)
        assert "previous article in the results" in shown
        assert "person:陈龙" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, HelpScreen)


async def test_keymap_changes_show_in_help(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.set_keymap({"next_hit": "x"})
        await pilot.pause()
        rows = {description: keys for keys, description in app.key_help()}
        assert rows["next hit in the article (across paragraphs)"] == "x"


async def test_every_binding_is_in_the_command_palette(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        by_id = app._bindings_by_id()
        for binding_id, _description in KEY_HELP:
            assert by_id[binding_id][0].description in titles, binding_id
        # Run one through the palette: the script changes.
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Script")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.script == "simplified"


async def test_tab_cycles_panes_and_slash_and_escape_move_focus(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.focused is app.search_box
        column = app.query_one("#results-column")
        assert not column.has_class("-focused")
        await pilot.press("tab")
        assert app.focused is app.results_list
        await pilot.pause()
        assert column.has_class("-focused")  # the results header shows where the focus is
        await pilot.press("tab")
        assert app.focused is app.reader
        await pilot.pause()
        assert not column.has_class("-focused")
        await pilot.press("shift+tab")
        assert app.focused is app.results_list
        await pilot.press("slash")
        assert app.focused is app.search_box
        await pilot.press("escape")
        assert app.focused is app.results_list
        await pilot.press("j", "k")  # move in results without typing into the box
        assert app.search_box.value == ""


async def test_j_k_and_arrows_move_in_results(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        assert app.results_list.highlighted == 0
        await pilot.press("j")
        assert app.results_list.highlighted == 1
        await pilot.press("down")
        assert app.results_list.highlighted == 2
        await pilot.press("k")
        assert app.results_list.highlighted == 1
        await pilot.press("up")
        assert app.results_list.highlighted == 0


async def test_history_walks_with_up_and_down(
    sample_index: tuple[Path, SearchBackend], make_app: object, tmp_path: Path
) -> None:
    path = tmp_path / "persisted.txt"
    path.write_text("金华\n零跑\n", encoding="utf-8")
    app = make_app(sample_index[1], history=QueryHistory(path))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"長三")
        await pilot.press("up")
        assert app.search_box.value == "零跑"
        await pilot.press("up")
        assert app.search_box.value == "金华"
        await pilot.press("down", "down")
        assert app.search_box.value == "長三"
        await pilot.press("up", "enter")
        await settle(pilot)
        assert app.results.query == "零跑"
    assert path.read_text(encoding="utf-8").splitlines() == ["金华", "零跑"]


async def test_mouse_opens_results_and_entities(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for("科创走廊")
        await settle(pilot)
        row = next(i for i, hit in enumerate(app.results.hits) if hit.title == LONG_TITLE)
        line = sum(
            app.results_list._get_visual_from_index(i).get_height(
                app.results_list.styles, app.results_list.scrollable_content_region.width
            )
            for i in range(row)
        )
        await pilot.click("#results", offset=(3, line))
        await settle(pilot)
        assert app.reader.stored is not None
        assert app.reader.stored.article.title == LONG_TITLE
        await pilot.click("#reader", offset=(10, 3))
        assert app.focused is app.reader


async def test_q_quits(sample_index: tuple[Path, SearchBackend], make_app: object) -> None:
    app: G60App = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("q")  # in the search box q is a character
        assert app.search_box.value == "q"
        await pilot.press("escape", "q")
        await pilot.pause()
        assert not app.is_running
