"""The reader pane: opening, hits across paragraphs, articles, paging, script, highlighting."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.corpus.model import Article, Paragraph
from g60_reader.corpus.readers import load_sample
from g60_reader.index.contract import SearchBackend
from g60_reader.tui.widgets.reader import ParagraphView
from g60_reader.tui.widgets.rendering import (
    CURRENT_HIT_STYLE,
    DAMAGE_STYLE,
    ENTITY_STYLES,
    HIT_STYLE,
)
from g60_reader.tui.widgets.wrapped_text import WrappedText
from tests.tui.conftest import (
    LONG_TITLE,
    FakeBackend,
    screen_text,
    settle,
    text_with_background,
    widget_lines,
)

HIT_BG = HIT_STYLE.split(" on ")[1]
CURRENT_BG = CURRENT_HIT_STYLE.split(" on ")[1]
DAMAGE_BG = DAMAGE_STYLE.split(" on ")[1]


def _views(app: object) -> list[ParagraphView]:
    return app.reader.paragraph_views()  # type: ignore[attr-defined]


def _text_of(view: ParagraphView) -> WrappedText:
    return view.query_one(".ptext", WrappedText)


def _row_of(app: object, title: str) -> int:
    results = app.results  # type: ignore[attr-defined]
    return next(i for i, hit in enumerate(results.hits) if hit.title == title)


async def _search_and_open(pilot: object, query: str, title: str | None = None) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.search_for(query)
    await settle(pilot)
    if title is not None:
        app.results_list.highlighted = _row_of(app, title)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)


async def test_enter_opens_the_article_with_its_hits(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    sample = load_sample()
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "零跑")
        stored = app.reader.stored
        assert stored is not None and stored.article.title == sample.title
        head = {
            name: app.reader.query_one(f"#reader-{name}", WrappedText).text.plain
            for name in ("title", "subtitle", "meta")
        }
        assert head == {
            "title": sample.title,
            "subtitle": sample.subtitle,
            # the sample names no publication date (12月11日至12日 is the event)
            "meta": "金華日報 · 記者 盛游",
        }
        await pilot.press("g")
        await pilot.pause()
        assert sample.title in screen_text(app)
        assert [view.number for view in _views(app)] == [1, 2, 3, 4, 5, 6]
        current = [view.number for view in _views(app) if view.has_class("-current")]
        assert current == [6]
        assert text_with_background(_text_of(_views(app)[5]), CURRENT_BG) == ["零跑"]
        assert app.hit_positions and app.hit_positions[0][0] == 6
        assert "hit 1 of 1 · ¶6" in app.status.message


async def test_n_and_shift_n_walk_hits_across_paragraphs(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "科创走廊", LONG_TITLE)
        article = app.reader.stored.article
        expected = [p.number for p in article.paragraphs for _ in range(p.folded.count("科创走廊"))]
        assert len(set(expected)) >= 3
        assert [number for number, _span in app.hit_positions] == expected
        count = len(expected)
        start = app.hit_index
        # The opened row's paragraph holds the current hit.
        assert expected[start] == app.results.hits[app.results_list.highlighted].paragraph
        for step in range(1, count + 1):
            await pilot.press("n")
            await settle(pilot)
            index = (start + step) % count
            assert app.hit_index == index
            number = app.hit_positions[index][0]
            assert number == expected[index]
            view = app.reader.view_of(number)
            assert view.has_class("-current")
            assert view.region.overlaps(app.reader.region)  # scrolled into view
            assert text_with_background(_text_of(view), CURRENT_BG) == ["科創走廊"]
            assert ("wrapped to the first hit" in app.status.message) == (index == 0)
        await pilot.press("N")
        await settle(pilot)
        assert app.hit_index == (start - 1) % count
        assert app.reader.view_of(expected[(start - 1) % count]).has_class("-current")
        for _ in range(count):
            await pilot.press("N")
            await settle(pilot)
            if app.hit_index == count - 1:
                assert "wrapped to the last hit" in app.status.message
                break
        else:
            raise AssertionError("N never wrapped to the last hit")


async def test_brackets_move_between_articles_in_the_results(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.search_for("科创走廊")
        await settle(pilot)
        order: list[str] = []
        for hit in app.results.hits:
            if hit.article_id not in order:
                order.append(hit.article_id)
        assert len(order) >= 2
        await pilot.press("right_square_bracket")  # nothing open: opens the highlighted one
        await settle(pilot)
        assert app.open_article_id == order[0]
        for article_id in order[1:]:
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert app.open_article_id == article_id
            assert app.results.hits[app.results_list.highlighted].article_id == article_id
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.open_article_id == order[-1]
        assert "last article" in app.status.message
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.open_article_id == order[-2]


async def test_space_b_g_and_shift_g_scroll_the_reader(
    corpus_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(corpus_index[1])  # type: ignore[operator]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "", None)  # the listing: first article
        app.results_list.highlighted = next(
            i for i, s in enumerate(app.results.articles) if s.title == LONG_TITLE
        )
        await pilot.press("enter")
        await settle(pilot)
        reader = app.reader
        assert reader.max_scroll_y > reader.size.height
        await pilot.press("g")
        await pilot.pause()
        assert reader.scroll_y == 0
        await pilot.press("space")
        await pilot.pause()
        first = reader.scroll_y
        assert first > 0
        await pilot.press("space")
        await pilot.pause()
        assert reader.scroll_y > first
        await pilot.press("b")
        await pilot.pause()
        assert reader.scroll_y == first
        await pilot.press("G")
        await pilot.pause()
        assert reader.scroll_y == reader.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert reader.scroll_y == 0


async def test_t_cycles_the_script_and_hits_stay_on_their_characters(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    sample = load_sample()
    original = sample.paragraphs[0].text
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "科创走廊")
        first = _views(app)[0]
        assert first.text.plain == original
        for script, convert, marker in (
            ("simplified", fold, "Simplified"),
            ("traditional", to_traditional, "Traditional"),
            ("written", lambda s: s, "as written"),
        ):
            await pilot.press("t")
            await settle(pilot)
            assert app.script == script
            assert marker in app.status.message
            assert first.text.plain == convert(original)
            runs = text_with_background(_text_of(first), CURRENT_BG) + text_with_background(
                _text_of(first), HIT_BG
            )
            assert runs and set(runs) == {convert("科創走廊")}
            title = app.reader.query_one("#reader-title", WrappedText).text.plain
            assert title == convert(sample.title)
            row = app.results_list.get_option_at_index(0).prompt.plain
            assert convert(sample.title)[:8] in row  # the results list follows too


async def test_backslash_toggles_highlighting(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "科创走廊")
        second = _views(app)[1]
        assert text_with_background(_text_of(second), HIT_BG)
        await pilot.press("backslash")
        await settle(pilot)
        assert not app.highlight
        assert text_with_background(_text_of(second), HIT_BG) == []
        assert text_with_background(_text_of(second), DAMAGE_BG)  # damage stays visible
        assert not app.query_one("#legend").display
        await pilot.press("backslash")
        await settle(pilot)
        assert app.highlight
        assert text_with_background(_text_of(second), HIT_BG)


async def test_damaged_text_is_marked_and_explained(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "政协")
        assert "〓 marks 3 places" in app.status.message
        assert app.status.kind == "warning"
        second = app.reader.view_of(2)
        assert text_with_background(_text_of(second), DAMAGE_BG) == ["〓〓"]
        assert second.has_class("-damaged")
        assert "the source lost text" in str(second.tooltip)
        while app.hit_positions[app.hit_index][0] != 2:
            await pilot.press("n")
            await settle(pilot)
        assert "〓 in ¶2: the source lost text" in app.status.message


async def test_entities_are_coloured_by_type(
    sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    backend = sample_index[1]
    app = make_app(backend)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "")
        stored = app.reader.stored
        people = {e.text for spans in stored.entities.values() for e in spans if e.type == "person"}
        assert "陳龍" in people
        first = _views(app)[0]
        colour = ENTITY_STYLES["person"].split()[-1]
        coloured = [
            text
            for line in widget_lines(_text_of(first))
            for text, style in line
            if style is not None
            and style.color is not None
            and style.color.get_truecolor().hex == colour
        ]
        assert "".join(coloured).count("陳龍") >= 1
        assert "孫景淼" in "".join(coloured)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 50)])
async def test_cjk_lines_fit_and_hits_are_exact(
    size: tuple[int, int], sample_index: tuple[Path, SearchBackend], make_app: object
) -> None:
    sample = load_sample()
    app = make_app(sample_index[1])  # type: ignore[operator]
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "科创走廊")
        for view, paragraph in zip(_views(app), sample.paragraphs, strict=True):
            widget = _text_of(view)
            width = widget.content_region.width
            lines = widget.lines(width)
            assert all(cell_len(line.plain) <= width for line in lines)
            assert "".join(line.plain for line in lines).replace(" ", "") == paragraph.text.replace(
                " ", ""
            )
            rendered = ["".join(text for text, _style in line) for line in widget_lines(widget)]
            assert [line.rstrip() for line in rendered] == [line.plain.rstrip() for line in lines]
            runs = text_with_background(widget, HIT_BG) + text_with_background(widget, CURRENT_BG)
            assert runs == ["科創走廊"] * paragraph.text.count("科創走廊")
        # The results list too: no row wider than the list, hits exact.
        results = app.results_list
        for line in widget_lines(results):
            assert sum(cell_len(text) for text, _style in line) == results.size.width
        assert set(text_with_background(results, HIT_BG)) == {"科創走廊"}


async def test_escape_sequences_in_text_are_shown_not_obeyed(make_app: object) -> None:
    text = "開頭\x1b[31m紅字\x1b[0m以及\x07鈴聲"
    article = Article(
        id="esc",
        path="esc.txt",
        title="控制字元",
        paragraphs=[Paragraph(1, text, fold(text))],
    )
    app = make_app(FakeBackend([article]))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await _search_and_open(pilot, "紅字")
        shown = screen_text(app)
        assert "開頭␛[31m紅字␛[0m以及␇鈴聲" in shown
        assert text_with_background(_text_of(_views(app)[0]), CURRENT_BG) == ["紅字"]
