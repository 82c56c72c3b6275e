"""Search history: a bounded, de-duplicated list of past queries kept in a text file.

One query per line, oldest first. The file lives in the platform data directory
(``default_home() / "history.txt"``) unless a path is given. Reading or writing never
raises: a history that cannot be saved is not worth a crash.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

DEFAULT_LIMIT = 500


def default_history_path() -> Path:
    from g60_reader.index.paths import default_home

    return Path(default_home()) / "history.txt"


class QueryHistory:
    """Past queries with a cursor for Up/Down browsing.

    ``previous(draft)`` and ``next()`` walk the entries; the draft (what was typed before
    browsing started) comes back when walking past the newest entry.
    """

    def __init__(self, path: Path | None = None, limit: int = DEFAULT_LIMIT) -> None:
        self.path = path
        self.limit = max(1, limit)
        self.entries: list[str] = []
        self._cursor: int | None = None  # index into entries while browsing
        self._draft = ""
        self.load()

    # -- persistence -------------------------------------------------------------------

    def load(self) -> None:
        if self.path is None:
            return
        try:
            raw = self.path.read_text(encoding="utf-8", errors="replace")
        except (OSError, UnicodeError):
            return
        entries: list[str] = []
        for line in raw.splitlines():
            query = line.strip()
            if not query:
                continue
            if query in entries:
                entries.remove(query)
            entries.append(query)
        self.entries = entries[-self.limit :]

    def save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".history-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("".join(f"{entry}\n" for entry in self.entries))
            os.replace(tmp, self.path)
        except (OSError, UnicodeError):
            return

    # -- editing -----------------------------------------------------------------------

    def add(self, query: str) -> None:
        """Remember ``query`` as the newest entry (moved there if already present)."""
        query = " ".join(query.split())  # one line, no stray whitespace
        self.reset()
        if not query or not _is_text(query):
            return
        if self.entries and self.entries[-1] == query:
            return
        if query in self.entries:
            self.entries.remove(query)
        self.entries.append(query)
        del self.entries[: -self.limit]
        self.save()

    # -- browsing ----------------------------------------------------------------------

    def reset(self) -> None:
        self._cursor = None
        self._draft = ""

    @property
    def browsing(self) -> bool:
        return self._cursor is not None

    def previous(self, draft: str) -> str | None:
        """The entry before the current one (``None`` when there is nothing older)."""
        if not self.entries:
            return None
        if self._cursor is None:
            self._draft = draft
            self._cursor = len(self.entries) - 1
        elif self._cursor > 0:
            self._cursor -= 1
        else:
            return None
        return self.entries[self._cursor]

    def next(self) -> str | None:
        """The entry after the current one, then the draft; ``None`` when not browsing."""
        if self._cursor is None:
            return None
        if self._cursor < len(self.entries) - 1:
            self._cursor += 1
            return self.entries[self._cursor]
        draft = self._draft
        self.reset()
        return draft


def _is_text(query: str) -> bool:
    """False for strings holding lone surrogates: they cannot be written as UTF-8."""
    try:
        query.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
