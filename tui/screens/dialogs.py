"""Small modal questions of the workbench: a yes/no, a bookmark's note and tags, a name.

Each is a :class:`~textual.screen.ModalScreen` dismissed with its answer (``None`` or
``False`` for Esc), so the app asks with ``push_screen(dialog, callback)`` and never
waits on the UI thread. Enter in a field answers, Esc cancels, Tab moves between fields;
an empty answer is an answer (a bookmark needs no note). Titles and prompts are plain
``Text``: a title holding ``[bold]`` shows as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from g60_reader.tui.workbench.library import clean_tags


def cancel_binding(action: str = "cancel") -> Binding:
    return Binding(
        "escape", action, "Cancel", id="dialog_cancel", tooltip="Close without doing anything"
    )


class ConfirmDialog(ModalScreen[bool]):
    """A question answered with y (True) or n / Esc (False)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm_yes", tooltip="Yes: go ahead"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no", tooltip="No: leave it"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(Text(self.detail), classes="dialog-detail")
            yield Static(Text("y yes · n or Esc no", style="dim"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


@dataclass(frozen=True, slots=True)
class BookmarkAnswer:
    note: str
    tags: tuple[str, ...]


def split_tags(text: str) -> tuple[str, ...]:
    """Tags as typed: separated by commas (either width), semicolons or 、."""
    for sep in "，;；、":
        text = text.replace(sep, ",")
    return tuple(clean_tags(text.split(",")))


class BookmarkDialog(ModalScreen[BookmarkAnswer | None]):
    """Note and tags for a new bookmark (prefilled when the place is bookmarked already)."""

    BINDINGS: ClassVar[list[BindingType]] = [cancel_binding()]

    def __init__(self, title: str, note: str = "", tags: tuple[str, ...] = ()) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.note = note
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            with Horizontal(classes="dialog-row"):
                yield Label("Note", classes="dialog-label")
                yield Input(self.note, placeholder="optional", id="bookmark-note")
            with Horizontal(classes="dialog-row"):
                yield Label("Tags", classes="dialog-label")
                yield Input(
                    ", ".join(self.tags),
                    placeholder="optional, comma-separated",
                    id="bookmark-tags",
                )
            yield Static(
                Text("Enter saves · Tab next field · Esc cancels", style="dim"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#bookmark-note", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        note = " ".join(self.query_one("#bookmark-note", Input).value.split())
        tags = split_tags(self.query_one("#bookmark-tags", Input).value)
        self.dismiss(BookmarkAnswer(note, tags))

    def action_cancel(self) -> None:
        self.dismiss(None)


class NameDialog(ModalScreen[str | None]):
    """A name (for a saved search): Enter with a non-empty name answers, Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [cancel_binding()]

    def __init__(self, title: str, detail: str = "", value: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.detail = detail
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.title_text, style="bold"), classes="dialog-title")
            if self.detail:
                yield Static(Text(self.detail), classes="dialog-detail")
            with Horizontal(classes="dialog-row"):
                yield Label("Name", classes="dialog-label")
                yield Input(self.value, placeholder="a name for it", id="dialog-name")
            yield Static(Text("Enter saves · Esc cancels", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#dialog-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = " ".join(event.value.split())
        if not name:
            self.query_one(".dialog-hint", Static).update(
                Text("A saved search needs a name · Esc cancels", style="bold")
            )
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
