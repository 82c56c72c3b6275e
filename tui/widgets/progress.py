"""What the results area shows while the index opens (or the sample is being indexed)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static


class IndexProgress(Vertical):
    """A label and a progress bar; indeterminate until a total is known."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Opening the index…"), id="progress-label")
        yield ProgressBar(total=None, show_eta=False, id="progress-bar")

    def report(self, done: int, total: int, message: str) -> None:
        self.query_one("#progress-label", Static).update(Text(message or "Indexing…"))
        bar = self.query_one("#progress-bar", ProgressBar)
        if total > 0:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)
