"""The listing of every article (the empty query) gives the results list its rows a page
at a time: at 1M paragraphs an option per article (125k) held about 200 MB."""

from __future__ import annotations

import copy
from pathlib import Path

from g60_reader.corpus.model import Article
from g60_reader.corpus.readers import load_paths
from g60_reader.tui.widgets.results import LISTING_ROWS
from tests.tui.conftest import FakeBackend, settle

COUNT = 2 * LISTING_ROWS + 137


def _many(fixture_corpus: Path) -> FakeBackend:
    base = [a for a in load_paths([fixture_corpus]) if isinstance(a, Article)]
    articles = []
    for i in range(COUNT):
        article = copy.copy(base[i % len(base)])
        article.id = f"listing-{i:05d}"
        article.title = f"第{i}篇 {article.title}"
        articles.append(article)
    return FakeBackend(articles)


async def test_the_listing_gives_rows_as_the_cursor_goes_down(
    fixture_corpus: Path, make_app: object
) -> None:
    app = make_app(_many(fixture_corpus))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        listing = app.results
        assert listing is not None and listing.result is None
        assert listing.rows() == COUNT  # every article is listed (the header counts them)
        rows = app.results_list
        assert rows.option_count == LISTING_ROWS  # but only a page has options yet
        rows.highlighted = LISTING_ROWS - 1  # the cursor at the last row given
        await settle(pilot)
        assert rows.option_count == 2 * LISTING_ROWS
        rows.focus()
        await pilot.pause()
        await pilot.press("end")  # the last article: asked for, so all of them
        await settle(pilot)
        assert rows.option_count == COUNT
        assert rows.highlighted == COUNT - 1
        assert listing.article_id(rows.highlighted) == listing.articles[-1].article_id


async def test_opening_a_row_beyond_the_given_ones_gives_it(
    fixture_corpus: Path, make_app: object
) -> None:
    app = make_app(_many(fixture_corpus))  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        row = LISTING_ROWS + 60
        app.open_result(row)
        await settle(pilot)
        assert app.results_list.highlighted == row
        assert app.results_list.option_count > row
        stored = app.reader.stored
        assert stored is not None
        assert stored.article.id == app.results.articles[row].article_id
