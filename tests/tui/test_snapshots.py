"""Snapshots (pytest-textual-snapshot) at 100x30 and 80x24.

Deterministic: the elapsed time is frozen (``frozen_ms``), index stats come from a wrapper
that does not look at file sizes, and every worker is awaited before the picture.
Regenerate with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from g60_reader.index.contract import SearchBackend
from tests.tui.conftest import FrozenStats, settle

SIZES = [pytest.param((100, 30), id="100x30"), pytest.param((80, 24), id="80x24")]


@pytest.fixture
def snap_app(sample_index: tuple[Path, SearchBackend], make_app: object) -> object:
    return make_app(FrozenStats(sample_index[1]))  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_start_screen(snap_compare: object, snap_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_results_for_a_query(snap_compare: object, snap_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"科创走廊", "enter")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_reader_with_entities_and_hits(
    snap_compare: object, snap_app: object, size: tuple[int, int]
) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"科创走廊", "enter", "j", "enter", "n")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_entity_panel(snap_compare: object, snap_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("escape", "enter")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("e")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare: object, snap_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press("escape", "question_mark")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_bad_query_message(snap_compare: object, snap_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"person:", "enter")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(snap_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


# -- when and which: the news corpus (dated, with a reprinted story) ---------------------


@pytest.fixture(scope="session")
def fixed_news_backend() -> SearchBackend:
    """The news corpus at a fixed path: article ids hash the absolute path, and equal
    scores are ordered by id, so only a fixed path gives the same rows every run. A
    lock keeps concurrent sessions from rewriting the folder under each other; the
    memory backend keeps the text, so the folder is not read after the update."""
    import fcntl
    import os
    import shutil
    import tempfile

    from g60_reader.index.registry import open_backend
    from tests.contract.conftest import recognise, write_corpus

    root = Path(tempfile.gettempdir()) / f"g60-reader-tui-snapshots-{os.getuid()}"
    with open(f"{root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(root, ignore_errors=True)
        news = write_corpus(root)
        backend = open_backend("memory:tui-snapshots")
        backend.update([news], procs=1)
        backend.enrich(recognise)
        backend.cluster_stories()
    return backend


@pytest.fixture
def news_app(fixed_news_backend: SearchBackend, make_app: object) -> object:
    return make_app(FrozenStats(fixed_news_backend))  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_timeline_strip(snap_compare: object, news_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"协同创新", "enter")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(news_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_timeline_period_selected(
    snap_compare: object, news_app: object, size: tuple[int, int]
) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"协同创新", "enter")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("alt+left", "alt+left", "alt+down")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(news_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]


@pytest.mark.parametrize("size", SIZES)
def test_cluster_view(snap_compare: object, news_app: object, size: tuple[int, int]) -> None:
    async def run_before(pilot: object) -> None:
        await settle(pilot)
        await pilot.press(*"title:大会", "enter", "r")  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("down")  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(news_app, terminal_size=size, run_before=run_before)  # type: ignore[operator]
