"""The saved-searches view: each saved search, how many of its hits are new, what it is.

Opened with ``s``. The list shows at once (the library is read in a worker before the
view is pushed); the counts follow from another worker, which runs every saved search
(:meth:`SavedScreen.set_counts`). Enter closes the view and hands the saved search back
(the app runs it: query and narrowing into the reader, its hits marked seen); ``d``
asks, then posts :class:`SavedScreen.Remove`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from g60_reader.tui.screens.bookmarks import VIEW_BINDINGS
from g60_reader.tui.screens.dialogs import ConfirmDialog
from g60_reader.tui.widgets.saved import SavedCount, SavedList
from g60_reader.tui.workbench.library import SavedSearch

HINT = "↑↓ move · Enter runs it · d removes · Esc closes"


class SavedScreen(ModalScreen[SavedSearch | None]):
    """The saved searches; dismissed with the one to run, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = list(VIEW_BINDINGS)

    class Remove(Message):
        def __init__(self, saved: SavedSearch) -> None:
            super().__init__()
            self.saved = saved

    def __init__(
        self, searches: list[SavedSearch], counts: dict[str, SavedCount] | None = None
    ) -> None:
        super().__init__(id="saved-screen", classes="workbench-view")
        self.searches = list(searches)
        self.counts = dict(counts or {})

    def compose(self) -> ComposeResult:
        with Vertical(classes="view-body"):
            yield Static(self._title(), classes="view-title")
            yield SavedList(id="saved-list")
            yield Static(Text(HINT, style="dim"), classes="view-hint")

    @property
    def saved_list(self) -> SavedList:
        return self.query_one("#saved-list", SavedList)

    def _title(self) -> Text:
        title = Text("Saved searches", style="bold", end="")
        title.append(f" · {len(self.searches)}")
        counted = [self.counts[s.name] for s in self.searches if s.name in self.counts]
        new = sum(c.new or 0 for c in counted)
        if len(counted) < len(self.searches):
            title.append(" · counting new hits…", style="dim")
        elif new:
            title.append(f" · {new:,} new hit{'s' if new != 1 else ''}")
        return title

    def on_mount(self) -> None:
        self.saved_list.counts = self.counts
        self.saved_list.show(self.searches)
        self.query_one(".view-title", Static).update(self._title())  # counts may be in
        self.saved_list.focus()
        if not self.searches:
            self.set_message("No saved searches yet: S saves the current search · Esc")

    def show(self, searches: list[SavedSearch], message: str = "") -> None:
        self.searches = list(searches)
        self.saved_list.show(self.searches, self.saved_list.highlighted)
        self.query_one(".view-title", Static).update(self._title())
        if not searches:
            self.set_message("No saved searches yet: S saves the current search · Esc")
        else:
            self.set_message(message)

    def set_counts(self, counts: dict[str, SavedCount]) -> None:
        self.counts = dict(counts)
        if not self.is_mounted:
            return  # on_mount shows them
        self.saved_list.set_counts(self.counts)
        self.query_one(".view-title", Static).update(self._title())

    def set_message(self, message: str, error: bool = False) -> None:
        hint = self.query_one(".view-hint", Static)
        hint.set_class(error, "-error")
        hint.update(Text(message, style="bold") if message else Text(HINT, style="dim"))

    @on(OptionList.OptionSelected, "#saved-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        saved = self.saved_list.saved_of(event.option)
        if saved is not None:
            self.dismiss(saved)

    def action_open(self) -> None:
        saved = self.saved_list.current
        if saved is not None:
            self.dismiss(saved)

    def action_remove(self) -> None:
        saved = self.saved_list.current
        if saved is None:
            return
        question = ConfirmDialog(f"Remove the saved search {saved.name}?", saved.query)

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Remove(saved))

        self.app.push_screen(question, callback=answered)

    def action_close(self) -> None:
        self.dismiss(None)
