"""``g60-reader entities``: the table, JSON, type aliases and one-line errors, over a fake
backend that records what the command asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from g60_reader.index.errors import IndexUnavailable
from g60_reader.tui import cmd_entities
from g60_reader.tui.cmd_entities import entities_command

DATA = {
    "person": [("陈龙", 5), ("孙景淼", 2)],
    "place": [("金华", 12)],
    "organization": [],
    "date": [("12月11日至12日", 1)],
    "initiative": [("G60科创走廊", 9)],
}


class FakeBackend:
    def __init__(self, where: str, calls: list[tuple]) -> None:
        self.url = f"whoosh:{where}"
        self.calls = calls

    def top_entities(self, kind, limit):
        self.calls.append((self.url, kind, limit))
        if "missing" in self.url:
            raise IndexUnavailable(f"no index at {self.url.removeprefix('whoosh:')}")
        keys = [kind] if kind else list(DATA)
        return {k: DATA[k][:limit] for k in keys}


@pytest.fixture
def calls(monkeypatch) -> list[tuple]:
    recorded: list[tuple] = []

    def open_existing(backend_url, index_dir):
        return FakeBackend(str(index_dir or "default"), recorded)

    monkeypatch.setattr(cmd_entities, "open_existing", open_existing)
    return recorded


def test_entities_command_table(calls):
    result = CliRunner().invoke(entities_command, ["--limit", "5"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "person (2)"
    assert lines[1:3] == ["  5  陈龙", "  2  孙景淼"]
    assert "organization (0)" in lines and "  none" in lines
    assert calls == [("whoosh:default", None, 5)]


def test_entities_command_json_and_type_alias(calls, tmp_path: Path):
    args = ["--type", "ORG", "--json", "--index-dir", str(tmp_path)]
    result = CliRunner().invoke(entities_command, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"organization": []}
    assert calls == [(f"whoosh:{tmp_path}", "organization", 20)]
    result = CliRunner().invoke(entities_command, ["--type", "place", "--json"])
    assert json.loads(result.output) == {"place": [{"text": "金华", "count": 12}]}


def test_entities_command_errors_are_one_line(calls, tmp_path: Path):
    missing = tmp_path / "missing"
    result = CliRunner().invoke(entities_command, ["--index-dir", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: whoosh:{missing}: no index at {missing}"]
    assert "Traceback" not in result.output
    result = CliRunner().invoke(entities_command, ["--type", "weather"])
    assert result.exit_code == 2
    result = CliRunner().invoke(entities_command, ["--limit", "0"])
    assert result.exit_code == 2


def test_a_real_missing_index_is_one_line_with_exit_2(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(entities_command, ["--index-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "g60-reader index PATH" in result.output
