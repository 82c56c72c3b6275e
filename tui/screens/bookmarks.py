"""The bookmarks view: every bookmark, oldest first, over the reader.

Opened with ``B``. The app reads the library and asks the index about each bookmark
(:func:`g60_reader.tui.workbench.library.resolve_bookmarks`) in a thread worker and
fills the view with :meth:`BookmarksScreen.show`; the view itself never blocks. A
bookmark whose article left the index is listed as **missing**, drawn from the snapshot
it keeps, never dropped. Enter closes the view and hands the bookmark back (the app opens
its article at the bookmarked paragraph; a missing one stays, with a line saying why);
``d`` asks, then posts :class:`BookmarksScreen.Remove`; ``ctrl+e`` posts
:class:`BookmarksScreen.Export`. The app does the writing, in workers.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from g60_reader.tui.screens.dialogs import ConfirmDialog
from g60_reader.tui.widgets.bookmarks import BookmarkList
from g60_reader.tui.widgets.cells import cut, flat
from g60_reader.tui.workbench.library import Resolved

HINT = "↑↓ move · Enter opens · d removes · ctrl+e exports · Esc closes"

VIEW_BINDINGS: list[BindingType] = [
    Binding("escape", "close", "Close", id="view_close", tooltip="Close the view"),
    Binding(
        "enter", "open", "Open", id="view_open", tooltip="Open the highlighted item", show=False
    ),
    Binding(
        "d,delete",
        "remove",
        "Remove",
        id="view_remove",
        tooltip="Remove the highlighted item (asks first)",
    ),
]


class BookmarksScreen(ModalScreen[Resolved | None]):
    """The bookmarks; dismissed with the one to open, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *VIEW_BINDINGS,
        Binding(
            "ctrl+e",
            "export",
            "Export",
            id="export",
            tooltip="Export the bookmarks: csv, jsonl, md, ris, csljson",
        ),
    ]

    class Remove(Message):
        def __init__(self, item: Resolved) -> None:
            super().__init__()
            self.item = item

    class Export(Message):
        def __init__(self, items: list[Resolved]) -> None:
            super().__init__()
            self.items = items

    def __init__(self, script: str = "written") -> None:
        super().__init__(id="bookmarks-screen", classes="workbench-view")
        self.script = script
        self.items: list[Resolved] | None = None  # None: still being read

    def compose(self) -> ComposeResult:
        with Vertical(classes="view-body"):
            yield Static(Text("Bookmarks", style="bold"), classes="view-title")
            yield BookmarkList(id="bookmark-list")
            yield Static(Text("Reading the bookmarks…", style="dim"), classes="view-hint")

    @property
    def bookmark_list(self) -> BookmarkList:
        return self.query_one("#bookmark-list", BookmarkList)

    def on_mount(self) -> None:
        self.bookmark_list.focus()

    def show(self, items: list[Resolved], message: str = "") -> None:
        """List ``items`` (keeping the cursor's row); ``message`` in the hint line."""
        keep = self.bookmark_list.highlighted
        self.items = list(items)
        self.bookmark_list.show(self.items, self.script, keep)
        title = Text("Bookmarks", style="bold", end="")
        title.append(f" · {len(items)}")
        missing = sum(1 for item in items if item.status == "missing")
        moved = sum(1 for item in items if item.status == "moved")
        if missing:
            title.append(f" · {missing} no longer in the index (shown from their snapshot)")
        if moved:
            title.append(f" · {moved} found again under a new path")
        if any(item.status == "unknown" for item in items):
            title.append(" · the index could not be asked")
        self.query_one(".view-title", Static).update(title)
        if not items:
            self.set_message("No bookmarks yet: m on an article or a paragraph adds one · Esc")
        else:
            self.set_message(message)

    def set_message(self, message: str, error: bool = False) -> None:
        hint = self.query_one(".view-hint", Static)
        hint.set_class(error, "-error")
        hint.update(Text(message, style="bold") if message else Text(HINT, style="dim"))

    @on(OptionList.OptionSelected, "#bookmark-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        item = self.bookmark_list.item_of(event.option)
        if item is not None:
            self._open(item)

    def action_open(self) -> None:
        item = self.bookmark_list.current
        if item is not None:
            self._open(item)

    def _open(self, item: Resolved) -> None:
        if item.status == "missing":
            self.set_message("That article is no longer in the index: only its snapshot is kept")
            return
        self.dismiss(item)

    def action_remove(self) -> None:
        item = self.bookmark_list.current
        if item is None:
            return
        title = cut(flat(item.bookmark.ref.title) or "(untitled)", 40)
        where = f" ¶{item.bookmark.paragraph}" if item.bookmark.paragraph is not None else ""
        question = ConfirmDialog(f"Remove the bookmark of {title}{where}?", item.bookmark.note)

        def answered(yes: bool | None) -> None:
            if yes:
                self.post_message(self.Remove(item))

        self.app.push_screen(question, callback=answered)

    def action_export(self) -> None:
        if not self.items:
            self.set_message("No bookmarks to export")
            return
        self.post_message(self.Export(list(self.items)))

    def action_close(self) -> None:
        self.dismiss(None)
