"""Exports from the reader: ``ctrl+e`` writes every hit of the current search (with its
narrowing: typed dates, strip period, outlet, order, copies), the listed articles of an
empty search, or, in the bookmarks view, the bookmarks, as csv, jsonl, md, ris or
csljson (:mod:`g60_reader.tui.workbench.export`, the same writer as ``g60-reader
export``).

The dialog (:class:`~g60_reader.tui.screens.export.ExportDialog`) asks for the format
and the file (``g60-export-<query>.csv`` in the current directory by default), and asks
again before replacing a file. The file is written in a thread worker, which reports
progress to the dialog's bar at most every 50 ms; Esc stops it (its progress callback
raises, and the writer's temporary file is removed: an interrupted export leaves no
file). The status line says where it wrote and how many rows; a failure is one line in
the dialog, which stays open for another name. At most 10,000 hits are read, as on the
command line.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import work
from textual.worker import get_current_worker

from g60_reader.tui.app_panels import one_line
from g60_reader.tui.screens.bookmarks import BookmarksScreen
from g60_reader.tui.screens.export import ExportDialog
from g60_reader.tui.widgets.cells import cut, flat
from g60_reader.tui.workbench import HIT_CAP
from g60_reader.tui.workbench.export import SUFFIXES
from g60_reader.tui.workbench.library import Resolved
from g60_reader.tui.workbench.searches import export_name, scope_options

PROGRESS_INTERVAL = 0.05  # seconds between progress repaints of an export


@dataclass
class ExportJob:
    """What an export dialog writes: the hits of a search, bookmarks, or articles."""

    kind: str  # "hits", "bookmarks", "articles"
    query: str = ""  # the backend's query (hits)
    typed: str = ""  # what the user typed (the Markdown heading)
    options: dict[str, Any] = field(default_factory=dict)
    resolved: list[Resolved] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)


class ExportCancelled(Exception):
    """Esc while an export ran (raised in its progress callback: no file is left)."""


class ExportMixin:
    """The export action, its dialog and its worker (mixed into G60App through
    :class:`~g60_reader.tui.app_workbench.WorkbenchMixin`)."""

    def on_bookmarks_screen_export(self, event: BookmarksScreen.Export) -> None:
        count = len(event.items)
        job = ExportJob("bookmarks", resolved=list(event.items))
        what = f"{count} bookmark{'s' if count != 1 else ''}"
        self._open_export(job, what, export_name("", "csv", kind="bookmarks"))

    def action_export(self) -> None:
        results = self.results
        scope = results.scope if results is not None else None
        if self.backend is None or results is None or scope is None:
            self.status.set_message("Nothing to export yet")
            return
        if results.error is not None:
            self.status.set_message("This search has an error: nothing to export", "warning")
            return
        if results.is_listing:
            ids = [summary.article_id for summary in results.articles[:HIT_CAP]]
            if not ids:
                self.status.set_message("No articles to export")
                return
            job = ExportJob("articles", typed=scope.typed, article_ids=ids)
            what = f"{len(ids):,} article{'s' if len(ids) != 1 else ''} of the listing"
            self._open_export(job, what, export_name("", "csv"))
            return
        total = results.total
        if total == 0:
            self.status.set_message(f"No hits for {results.query} to export")
            return
        job = ExportJob("hits", query=scope.query, typed=scope.typed, options=scope_options(scope))
        shown = min(total, HIT_CAP)
        what = f"{shown:,} hit{'s' if shown != 1 else ''} of {cut(flat(scope.typed), 30)}"
        if total > HIT_CAP:
            what += f" (the best of {total:,})"
        parts = scope.describe()
        if parts:
            what += f" · {' · '.join(parts)}"
        self._open_export(job, what, export_name(scope.typed, "csv"))

    def _open_export(self, job: ExportJob, what: str, name: str) -> None:
        dialog = ExportDialog(what, str(Path.cwd() / name), kind=job.kind)
        self._export_job = (dialog, job)
        self.push_screen(dialog)

    def on_export_dialog_start(self, event: ExportDialog.Start) -> None:
        if self._export_job is None or self._export_job[0] is not event.dialog:
            return
        if self.backend is None and event.fmt == "md":
            event.dialog.failed("A Markdown export needs the index, which is not open")
            return
        self._export_seq += 1
        job = self._export_job[1]
        self._export_worker(self._export_seq, event.dialog, job, event.fmt, event.path, event.force)

    def on_export_dialog_cancel(self, event: ExportDialog.Cancel) -> None:
        self._export_seq += 1
        self.workers.cancel_group(self, "export")  # type: ignore[arg-type]
        self.status.set_message("Export stopped: nothing was written")

    @work(thread=True, exclusive=True, group="export")
    def _export_worker(
        self,
        seq: int,
        dialog: ExportDialog,
        job: ExportJob,
        fmt: str,
        path: Path,
        force: bool,
    ) -> None:
        from g60_reader.tui.workbench import export as ex
        from g60_reader.tui.workbench import first_page, iter_hits

        worker = get_current_worker()
        backend = self.backend
        expected = [0]
        last = [0.0]

        def progress(done: int, total: int, what: str) -> None:
            if worker.is_cancelled:
                raise ExportCancelled
            now = time.perf_counter()
            if now - last[0] < PROGRESS_INTERVAL and done != total:
                return
            last[0] = now
            self._call(dialog.report, done, total or expected[0], what)

        rows: Iterable[ex.Row]
        try:
            if job.kind == "hits":
                assert backend is not None
                first = first_page(backend, job.query, options=job.options)
                expected[0] = min(first.total, HIT_CAP)
                hits = iter_hits(backend, job.query, cap=HIT_CAP, options=job.options, first=first)
                rows = ex.rows_from_hits(hits)
            elif job.kind == "bookmarks":
                rows = list(ex.rows_from_bookmarks(job.resolved))
                expected[0] = len(job.resolved)
            else:
                assert backend is not None
                rows = ex.rows_from_articles(backend, job.article_ids)
                expected[0] = len(job.article_ids)
            report = ex.export(
                rows,
                path,
                fmt,  # type: ignore[arg-type]
                kind=job.kind,  # type: ignore[arg-type]
                force=force,
                articles=backend.article if backend is not None else None,
                query=job.typed,
                total=expected[0],
                progress=progress,
            )
        except ExportCancelled:
            return
        except Exception as error:
            self._call(self._export_failed, seq, dialog, one_line(error))
            return
        what = f"{report.rows:,} row{'s' if report.rows != 1 else ''}"
        message = f"Wrote {what} ({report.articles:,} articles) to {path}"
        if SUFFIXES.get(path.suffix.lower()) != report.format:  # else the name says it
            message += f" as {report.format}"
        if report.missing:
            message += f"; {report.missing} no longer in the index (from their snapshot)"
        self._call(self._export_done, seq, dialog, message)

    def _export_failed(self, seq: int, dialog: ExportDialog, message: str) -> None:
        if seq != self._export_seq:
            return
        line = f"cannot export: {message}"
        if dialog.is_attached:
            dialog.failed(line)
        self.status.set_message(line, "error")

    def _export_done(self, seq: int, dialog: ExportDialog, message: str) -> None:
        if seq != self._export_seq:
            return
        self._export_job = None
        if self.screen is dialog:
            dialog.dismiss(None)
        self.call_later(self._tell, message)
