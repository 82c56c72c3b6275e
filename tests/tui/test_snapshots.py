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
