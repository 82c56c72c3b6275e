"""The export dialog: which format, which file, then a progress bar while it is written.

The formats are those of ``g60-reader export`` (:mod:`g60_reader.tui.workbench.export`):
csv, jsonl, md, ris, csljson. The file name and the format follow each other: choosing a
format changes the suffix of the proposed name, typing a name that ends in a known suffix
(``.ris``, ``.json``…) chooses its format. Enter starts: an existing file is replaced
only after a yes (``force``); a directory that does not exist, or a name that is a
directory, is said on one line without asking.

The dialog writes nothing itself. It posts :class:`ExportDialog.Start` with the format,
the path and ``force``; the app writes the file in a thread worker and reports progress
with :meth:`ExportDialog.report`, a failure with :meth:`ExportDialog.failed` (the dialog
stays open, so the name can be changed), success by dismissing it. Esc while it runs
posts :class:`ExportDialog.Cancel` (the worker stops; an interrupted export leaves no
file) and closes.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, RadioButton, RadioSet, Static

from g60_reader.tui.screens.dialogs import ConfirmDialog, cancel_binding
from g60_reader.tui.workbench.export import FORMATS, SUFFIXES, ExportError, check_target
from g60_reader.tui.workbench.searches import with_format

HINT = "Enter writes it · shift+Tab, ← →, Enter: another format · Esc cancels"
FORMAT_HELP = {
    "csv": "a spreadsheet (Excel, LibreOffice)",
    "jsonl": "JSON lines",
    "md": "Markdown with each article's full text",
    "ris": "citations for Zotero, EndNote, Citavi",
    "csljson": "CSL-JSON citations for Zotero, pandoc",
}


class ExportDialog(ModalScreen[None]):
    """Format and path for an export of ``what`` (a line such as "37 hits of 科创")."""

    BINDINGS: ClassVar[list[BindingType]] = [cancel_binding()]

    class Start(Message):
        """Write the export: ``fmt`` to ``path`` (replacing it when ``force``)."""

        def __init__(self, dialog: ExportDialog, fmt: str, path: Path, force: bool) -> None:
            super().__init__()
            self.dialog = dialog
            self.fmt = fmt
            self.path = path
            self.force = force

    class Cancel(Message):
        """Esc while the export runs: stop it."""

        def __init__(self, dialog: ExportDialog) -> None:
            super().__init__()
            self.dialog = dialog

    def __init__(self, what: str, default_path: str, fmt: str = "csv", kind: str = "hits") -> None:
        super().__init__(classes="dialog-screen", id="export-dialog")
        self.what = what
        self.default_path = default_path
        self.fmt = fmt if fmt in FORMATS else "csv"
        self.kind = kind
        self.running = False
        self._syncing = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-body"):
            yield Static(Text(f"Export {self.what}", style="bold"), classes="dialog-title")
            with RadioSet(id="export-format"):
                for fmt in FORMATS:
                    yield RadioButton(fmt, value=fmt == self.fmt, id=f"format-{fmt}")
            yield Static(Text(FORMAT_HELP[self.fmt]), id="export-format-help")
            with Horizontal(classes="dialog-row"):
                yield Label("File", classes="dialog-label")
                yield Input(self.default_path, id="export-path")
            yield ProgressBar(total=None, show_eta=False, id="export-progress")
            yield Static(Text(HINT, style="dim"), classes="dialog-hint", id="export-message")

    def on_mount(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False
        path = self.query_one("#export-path", Input)
        path.focus()
        path.cursor_position = len(path.value)

    @property
    def path_input(self) -> Input:
        return self.query_one("#export-path", Input)

    # -- format and name follow each other -------------------------------------------

    @on(RadioSet.Changed, "#export-format")
    def _format_chosen(self, event: RadioSet.Changed) -> None:
        fmt = str(event.pressed.label)
        if fmt not in FORMATS:
            return
        self.fmt = fmt
        self.query_one("#export-format-help", Static).update(Text(FORMAT_HELP[fmt]))
        if not self._syncing:
            self._syncing = True
            self.path_input.value = with_format(self.path_input.value, fmt)
            self._syncing = False

    @on(Input.Changed, "#export-path")
    def _path_typed(self, event: Input.Changed) -> None:
        found = SUFFIXES.get(Path(event.value).suffix.lower())
        if found is None or found == self.fmt or self._syncing:
            return
        self._syncing = True
        self.query_one(f"#format-{found}", RadioButton).value = True
        self._syncing = False

    # -- starting, progress, the end -------------------------------------------------

    def target(self) -> Path:
        return Path(self.path_input.value.strip()).expanduser()

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.running:
            return
        if not event.value.strip():
            self.failed("Give a file name")
            return
        target = self.target()
        try:
            check_target(target, force=True)  # a directory, no such directory
        except ExportError as error:
            self.failed(str(error))
            return
        if target.exists() or target.is_symlink():
            question = ConfirmDialog(f"{target.name} exists: replace it?", str(target.resolve()))
            self.app.push_screen(question, callback=self._replace_answered)
            return
        self.start(force=False)

    def _replace_answered(self, yes: bool | None) -> None:
        if yes:
            self.start(force=True)
        else:
            self.failed("Not replaced: choose another name")
            self.path_input.focus()

    def start(self, *, force: bool) -> None:
        self.running = True
        self.path_input.disabled = True
        self.query_one("#export-format", RadioSet).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._message(Text(f"Writing {self.target().name}… · Esc stops", style="dim"))
        self.post_message(self.Start(self, self.fmt, self.target(), force))

    def report(self, done: int, total: int, what: str) -> None:
        """Progress from the worker (``total`` 0: not known yet)."""
        bar = self.query_one("#export-progress", ProgressBar)
        if total > 0:
            bar.update(total=total, progress=min(done, total))
        self._message(
            Text(f"Writing {what}: {done:,}{f' of {total:,}' if total else ''} · Esc stops", "dim")
        )

    def failed(self, message: str) -> None:
        """A one-line failure; the dialog stays open for another name or format."""
        self.running = False
        self.path_input.disabled = False
        self.query_one("#export-format", RadioSet).disabled = False
        self.query_one("#export-progress", ProgressBar).display = False
        self._message(Text(message, style="bold"), error=True)

    def _message(self, text: Text, error: bool = False) -> None:
        widget = self.query_one("#export-message", Static)
        widget.set_class(error, "-error")
        widget.update(text)

    def action_cancel(self) -> None:
        if self.running:
            self.post_message(self.Cancel(self))
        self.dismiss(None)
