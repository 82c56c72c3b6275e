"""The search box: an ``Input`` with query history on Up/Down."""

from __future__ import annotations

import re
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from g60_reader.corpus.clean import INVISIBLE
from g60_reader.tui.history import QueryHistory

# What a paste may carry but a query never needs: controls, line and paragraph breaks,
# bidi overrides, zero-width characters, lone surrogates. They are dropped on the way in,
# so they can neither reach the terminal (echoed in the box or a message) nor the index.
_UNSAFE_RE = re.compile(f"[{INVISIBLE}\x09-\x0d\x1c-\x1f\x85\u2028\u2029]")


def safe_query_text(text: str) -> str:
    return _UNSAFE_RE.sub("", text)


PLACEHOLDER = (
    '科创走廊  "exact phrase"  a OR b  -without  person:陈龙  jinhua   (empty: all articles)'
)


class SearchBox(Input):
    """Where queries are typed. Up/Down walk the persisted history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.leave", "Results", id="leave"),
        Binding("up", "history_previous", "History", key_display="↑↓", id="history_previous"),
        Binding("down", "history_next", "Newer query", show=False, id="history_next"),
    ]

    def __init__(self, history: QueryHistory, *, id: str | None = None) -> None:
        super().__init__(placeholder=PLACEHOLDER, select_on_focus=False, id=id)
        self.history = history
        self._from_history: str | None = None

    def replace(self, text: str, start: int, end: int) -> None:
        """Every insertion (typing, paste, programmatic) passes here: keep it clean."""
        super().replace(safe_query_text(text), start, end)

    def _show(self, value: str) -> None:
        self._from_history = value
        self.value = value
        self.cursor_position = len(value)

    def action_history_previous(self) -> None:
        entry = self.history.previous(self.value)
        if entry is None:
            self.app.bell()
            return
        self._show(entry)

    def action_history_next(self) -> None:
        entry = self.history.next()
        if entry is None:
            return
        self._show(entry)

    def on_input_changed(self, event: Input.Changed) -> None:
        # Typing (rather than walking the history) starts a fresh walk next time.
        if event.value != self._from_history:
            self.history.reset()
            self._from_history = None
