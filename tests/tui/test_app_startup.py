"""Start-up: the screen paints before the index is open; failures are messages."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from g60_reader.tui.app import G60App
from g60_reader.tui.history import QueryHistory
from g60_reader.tui.widgets.progress import IndexProgress
from tests.tui.conftest import FakeBackend, GatedOpener, settle


async def test_first_screen_appears_before_the_index_is_open(
    fake_backend: FakeBackend, history: QueryHistory
) -> None:
    opener = GatedOpener(fake_backend)
    app = G60App(index_dir=Path("unused"), opener=opener, history=history, frozen_ms=3.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        for _ in range(100):  # the opener runs in a worker started after the first frame
            if opener.started.is_set():
                break
            await asyncio.sleep(0.01)
        assert opener.started.is_set()
        assert "first_paint" in app.timings
        assert app.backend is None
        progress = app.query_one("#progress", IndexProgress)
        assert progress.display
        await pilot.pause()
        assert "Indexing 000_sample.txt (1/4)" in app.status.message
        # The user can type while the index opens; the query runs once it is open.
        assert app.focused is app.search_box
        await pilot.press("科", "创")
        await pilot.pause()
        assert app.search_box.value == "科创"
        assert app.results is None
        opener.release()
        await settle(pilot)
        assert app.backend is fake_backend
        assert not progress.display
        assert app.results is not None and app.results.query == "科创"
        assert app.results.total > 0
        assert "articles" in str(app.query_one("#status-stats").render())


async def test_an_index_that_cannot_open_is_a_message(history: QueryHistory) -> None:
    def broken(index_dir: Path, progress: object) -> FakeBackend:
        raise OSError(f"[Errno 13] Permission denied: '{index_dir}'")

    app = G60App(index_dir=Path("/nowhere/index"), opener=broken, history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.backend is None
        assert app.status.kind == "error"
        assert "cannot open the index at /nowhere/index" in app.status.message
        assert "Permission denied" in app.status.message
        await pilot.press("a", "enter")  # searching without an index is harmless
        await settle(pilot)
        assert app.is_running


async def test_default_opener_indexes_the_sample_on_first_launch(
    tmp_path: Path, history: QueryHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "fresh"))
    index_dir = tmp_path / "fresh" / "index"  # the default index of that home
    app = G60App(index_dir=None, history=history, frozen_ms=3.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.backend is not None, app.status.message
        assert app.results is not None and app.results.is_listing
        assert app.results.total == 1
        assert app.stats is not None and app.stats.paragraphs == 6
        assert app.stats.enriched_paragraphs == 6  # first launch recognises entities too
        assert app.results_list.option_count == 1
    assert index_dir.is_dir()


async def test_another_index_directory_gets_no_sample(
    tmp_path: Path, history: QueryHistory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    elsewhere = tmp_path / "mine" / "index"
    app = G60App(index_dir=elsewhere, history=history, frozen_ms=3.0)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.backend is None
        assert "g60-reader index PATH" in app.status.message
    assert not elsewhere.exists()


async def test_exit_hook_stops_after_the_first_result_and_its_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path))
    app = G60App(
        index_dir=tmp_path / "index",
        history=QueryHistory(None),
        initial_query="科创走廊",
        exit_after_first_result=True,
    )
    async with app.run_test(size=(100, 30)):
        for _ in range(500):
            if "first_result" in app.timings and not app.is_running:
                break
            await asyncio.sleep(0.02)
    assert not app.is_running
    assert "first_result" in app.timings
    assert app.timings["first_paint"] <= app.timings["first_result"]
    # the sample is dated: the hook waits for the timeline strip over the results too
    assert app.timings["first_result"] <= app.timings["first_timeline"]
    assert app.results is not None and app.results.query == "科创走廊"
    assert app.results.total > 0
