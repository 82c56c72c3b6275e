"""Snapshots of the workbench's views (bookmarks, saved searches, concordance) at 100x30
and 80x24, on the news corpus at its fixed path (article ids hash the path).

The library is written before the app starts, with a fixed clock, so that every date
on screen is the same every run. Regenerate with ``--snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.workbench import iter_hits
from g60_reader.tui.workbench.library import ArticleRef, Library
from tests.tui.conftest import FrozenStats, settle
from tests.tui.test_snapshots import SIZES, fixed_news_backend  # noqa: F401 (a fixture)

CLOCK = "2024-01-15T09:30:00+00:00"


def _id(backend: SearchBackend, title: str) -> str:
    (found,) = [s.article_id for s in backend.list_articles() if s.title == title]
    return found


@pytest.fixture
def library_path(tmp_path: Path, fixed_news_backend: SearchBackend) -> Path:  # noqa: F811
    """Three bookmarks (one whose article is gone) and two saved searches, one with new
    hits, one never opened."""
    backend = fixed_news_backend
    path = tmp_path / "library.sqlite3"
    with Library.open(path, clock=lambda: CLOCK) as library:
        first = backend.article(_id(backend, "长三角协同创新大会开幕"))
        third = backend.article(_id(backend, "長三角大會開幕"))
        library.add_bookmark(
            ArticleRef.of(first.article, 2), paragraph=2, note="首发", tags=["转载", "新华网"]
        )
        library.add_bookmark(ArticleRef.of(third.article), note="繁体转载，未注明来源")
        gone = ArticleRef(
            "0123456789abcdef",
            "嘉興日報：科創走廊年終盤點（已刪除）",
            "嘉興日報",
            "2023-12-30",
            "/data/old/jiaxing.html",
            text="本文已從索引中刪除，只保留書籤快照。",
        )
        library.add_bookmark(gone, paragraph=3, tags=["待查"])
        library.saved_add("协同创新", "协同创新", {"sort": "relevance"})
        keys = [(h.article_id, h.paragraph) for h in iter_hits(backend, "协同创新")]
        library.saved_mark_seen("协同创新", keys[5:], current=keys)
        library.saved_add(
            "六月大会", "title:大会 in:2023-06", {"outlets": ["新华网", "人民网"], "sort": "date"}
        )
    return path


@pytest.fixture
def bench_app(
    fixed_news_backend: SearchBackend,  # noqa: F811
    make_app: object,
    library_path: Path,
) -> object:
    return make_app(FrozenStats(fixed_news_backend), library_path=library_path)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_bookmarks_view(snap_compare: object, bench_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("escape", "B")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(bench_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_saved_searches_view(
    snap_compare: object, bench_app: object, size: tuple[int, int]
) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("escape", "s")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(bench_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_concordance_view(snap_compare: object, bench_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"协同创新", "enter", "K")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("l", "home", "down", "down")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(bench_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]
