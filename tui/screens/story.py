"""The cluster view: every copy of one reprinted story, over the reader.

Opened with ``r`` on a result or on the open article; the backend's
:meth:`~g60_reader.index.contract.IndexReader.story` is asked in a worker before the screen
is pushed, so the screen itself never blocks. It is modal: ``↑``/``↓`` (``j``/``k``) move
between copies, ``Enter`` closes it and hands the chosen copy's article id back to the app
(which opens it in the reader), ``Esc`` closes it with ``None``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from g60_reader.index.contract import Story
from g60_reader.tui.widgets.rendering import display, display_date
from g60_reader.tui.widgets.story import StoryList


def story_title(story: Story, script: str = "written") -> Text:
    """The title line: story, copies, who was first, how many name no source."""
    first = story.members[0]
    text = Text("Story", style="bold", end="")
    text.append(f" · {len(story.members)} copies", style="bold")
    where = " ".join(
        part for part in (display(first.outlet, script), display_date(first.published)) if part
    )
    if where:
        text.append(f" · first {where}")
    undeclared = sum(1 for m in story.members[1:] if not m.source_credit)
    if undeclared:
        text.append(f" · {undeclared} without a source named", style="dim")
    return text


HINT = "↑↓ move · Enter opens the copy in the reader · Esc closes"


class StoryScreen(ModalScreen[str | None]):
    """The copies of ``story``; dismissed with the article id to open, or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "close_story",
            "Close",
            id="story_close",
            tooltip="Close the cluster view and go back",
        ),
        Binding(
            "enter",
            "open_copy",
            "Open copy",
            id="story_open",
            tooltip="Open the highlighted copy in the reader",
        ),
    ]

    def __init__(self, story: Story, script: str = "written", current: str | None = None) -> None:
        super().__init__(id="story-screen")
        self.story = story
        self.script = script
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="story-body"):
            yield Static(story_title(self.story, self.script), id="story-title")
            yield StoryList(id="story-list")
            yield Static(Text(HINT, style="dim"), id="story-hint")

    @property
    def story_list(self) -> StoryList:
        return self.query_one("#story-list", StoryList)

    def on_mount(self) -> None:
        self.story_list.show(self.story, self.script, self.current)
        self.story_list.focus()

    @on(OptionList.OptionSelected, "#story-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        member = self.story_list.member_of(event.option)
        if member is not None:
            self.dismiss(member.article_id)

    def action_open_copy(self) -> None:
        member = self.story_list.current_member
        if member is not None:
            self.dismiss(member.article_id)

    def action_close_story(self) -> None:
        self.dismiss(None)
