"""The status line (messages on the left, index stats on the right) and the colour legend."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from g60_reader.index.contract import IndexStats
from g60_reader.tui.widgets.rendering import legend, visible


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def stats_text(stats: IndexStats) -> Text:
    articles = f"{stats.articles} article{'s' if stats.articles != 1 else ''}"
    paragraphs = f"{stats.paragraphs} ¶"
    return Text(f"{articles} · {paragraphs} · {human_size(stats.size_bytes)}", style="dim")


class StatusBar(Horizontal):
    """One line: the latest message and the index statistics."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""
        self.kind = "info"

    def compose(self) -> ComposeResult:
        yield Static(id="status-message")
        yield Static(id="status-stats")

    def set_message(self, message: str | Text, kind: str = "info") -> None:
        widget = self.query_one("#status-message", Static)
        for name in ("info", "warning", "error"):
            widget.set_class(name == kind, f"-{name}")
        # Messages may echo a query or a file name: control and bidi characters are shown
        # as visible stand-ins, never sent to the terminal.
        text = message if isinstance(message, Text) else Text(visible(message))
        self.message = text.plain
        self.kind = kind
        widget.update(text)

    def set_stats(self, stats: IndexStats | None, label: str = "") -> None:
        widget = self.query_one("#status-stats", Static)
        widget.update(stats_text(stats) if stats is not None else Text(label, style="dim"))


class Legend(Widget):
    """What the reader's colours mean (shorter labels when the pane is narrow)."""

    def render(self) -> Text:
        return legend(self.content_region.width or None)
