"""Reader settings remembered across launches: a small JSON file in the data directory.

Why a file of its own rather than ``keymap.toml``: the keymap is the user's to edit and is
only read; settings are written by the reader whenever the user changes one (today the
result order, ``o``). JSON needs no parser on Python 3.10 and is written whole through a
temporary file and ``os.replace``, so a crash never leaves half a file. Like the query
history (:mod:`g60_reader.tui.history`), reading or writing never raises: a value that
cannot be read falls back to its default, a file that cannot be written is not worth a
crash. Unknown keys are kept, so an older reader does not drop a newer one's settings.

Cost (the shared 2-core machine, load 3-4): reading at start-up 7 µs; a change writes the
file whole, 0.5 ms (temporary file, ``os.replace``); never per query.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from g60_reader.index.contract import SORTS

SORT_LABELS: dict[str, str] = {
    "relevance": "by relevance",
    "date": "newest first",
    "oldest": "oldest first",
}


def default_settings_path() -> Path:
    from g60_reader.index.paths import default_home

    return Path(default_home()) / "settings.json"


class Settings:
    """The remembered settings; ``path`` ``None`` keeps them in memory only."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._data: dict[str, Any] = {}
        self.load()

    def load(self) -> None:
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError):
            return
        if isinstance(data, dict):
            self._data = data

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".settings-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._data, handle, ensure_ascii=False, indent=1, sort_keys=True)
                handle.write("\n")
            os.replace(tmp, self.path)
        except (OSError, UnicodeError, TypeError, ValueError):
            return

    @property
    def sort(self) -> str:
        """The result order: ``relevance``, ``date`` (newest first) or ``oldest``."""
        value = self._data.get("sort")
        return value if isinstance(value, str) and value in SORTS else "relevance"

    @sort.setter
    def sort(self, value: str) -> None:
        if value not in SORTS:
            raise ValueError(f"unknown sort {value!r} (use {', '.join(SORTS)})")
        if self._data.get("sort") == value:
            return
        self._data["sort"] = value
        self.save()


def next_sort(sort: str) -> str:
    """relevance → newest first → oldest first → relevance."""
    index = SORTS.index(sort) if sort in SORTS else -1
    return SORTS[(index + 1) % len(SORTS)]
