"""The ``?`` help screen: every key with what it does, and the query syntax."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

QUERY_SYNTAX: tuple[tuple[str, str], ...] = (
    ("科创走廊", "a word, in Simplified or Traditional script (both match)"),
    ("嘉兴 杭州", "all of the words"),
    ('"科創走廊"', "an exact phrase"),
    ("杭州 OR 苏州", "either"),
    ("政协 -主席", "leave out paragraphs with a word (also NOT 主席)"),
    ("( … )", "grouping"),
    ("jinhua  jh", "pinyin, full or initials"),
    ("title:走廊  outlet:金華", "the article's title or outlet"),
    ("person:陈龙", "an entity: person, place, org, date, initiative"),
    ("date:2023-12", "paragraphs that mention a date (an entity)"),
    ("in:2019Q1  in:上周", "published in that period (undated articles are left out)"),
    ("since:去年  until:2019-03", "published from / until (2019年3月, 近7天, last month …)"),
    ("(empty)", "list all articles (date clauses narrow the list)"),
)


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close help", id="help.close"),
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__(id="help-screen")
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Text("g60-reader · keys", style="bold"), id="help-title")
            table = Table.grid(padding=(0, 2))
            table.add_column(style="bold", no_wrap=True)
            table.add_column()
            for key, description in self.keys:
                table.add_row(Text(key), Text(description))
            yield Static(table, id="help-keys")
            yield Static(Text("Query syntax", style="bold"), classes="help-heading")
            syntax = Table.grid(padding=(0, 2))
            syntax.add_column(style="bold", no_wrap=True)
            syntax.add_column()
            for example, meaning in QUERY_SYNTAX:
                syntax.add_row(Text(example), Text(meaning))
            yield Static(syntax, id="help-syntax")
            yield Static(
                Text("All commands are in the palette: ctrl+p.  Esc closes.", style="dim"),
                classes="help-heading",
            )

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
