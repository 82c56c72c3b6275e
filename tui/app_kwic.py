"""The concordance in the reader: ``K`` shows every match of the current search with its
left and right context, the keyword aligned in one column
(:class:`~g60_reader.tui.screens.kwic.KwicScreen`).

The hits are read as the results show them (typed dates, strip period, outlet, order,
copies) and cut into lines by :func:`g60_reader.tui.workbench.kwic.concordance` in a
thread worker: jieba words (as ``g60-reader kwic``), or characters. At most
:data:`KWIC_CAP` hits are read, best first, and the view says "the first 2,000 of N"
when a search has more. A sort or a change of unit cuts the kept hits again in the
worker (sorting in pinyin order is not for the UI thread). Enter opens the line's
article with that match as the current hit
(:meth:`~g60_reader.tui.app_workbench.WorkbenchMixin.open_at`).
"""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.app_panels import one_line
from g60_reader.tui.scope import SearchScope
from g60_reader.tui.screens.kwic import KwicScreen
from g60_reader.tui.workbench.kwic import KwicLine
from g60_reader.tui.workbench.searches import scope_options

KWIC_CAP = 2_000  # hits read for the concordance view


class ConcordanceMixin:
    """The concordance view and its worker (mixed into G60App through
    :class:`~g60_reader.tui.app_workbench.WorkbenchMixin`)."""

    def action_show_kwic(self) -> None:
        results = self.results
        scope = results.scope if results is not None else None
        if self.backend is None or results is None or scope is None:
            self.status.set_message("Search first: the concordance shows the matches")
            return
        if results.error is not None or scope.is_listing:
            self.status.set_message("Search for words first: the concordance shows the matches")
            return
        if results.total == 0:
            self.status.set_message(f"No hits for {results.query}")
            return
        screen = KwicScreen(scope.typed, self.script)
        self.push_screen(screen, callback=self._kwic_chosen)
        self._kwic_seq += 1
        self._kwic_hits = []
        self._kwic_worker(self._kwic_seq, self.backend, scope, screen, "words", None)

    def on_kwic_screen_redo(self, event: KwicScreen.Redo) -> None:
        self._kwic_seq += 1
        self._kwic_worker(self._kwic_seq, None, None, event.view, event.unit, event.sort)

    @work(thread=True, exclusive=True, group="kwic")
    def _kwic_worker(
        self,
        seq: int,
        backend: SearchBackend | None,
        scope: SearchScope | None,
        screen: KwicScreen,
        unit: str,
        sort: str | None,
    ) -> None:
        from g60_reader.tui.workbench import first_page, iter_hits
        from g60_reader.tui.workbench.kwic import concordance

        about = ""
        try:
            if backend is not None and scope is not None:
                options = scope_options(scope)
                first = first_page(backend, scope.query, options=options)
                hits = list(
                    iter_hits(backend, scope.query, cap=KWIC_CAP, options=options, first=first)
                )
                self._kwic_hits = hits
                total = first.total
                about = f"{len(hits):,} hit{'s' if len(hits) != 1 else ''}"
                if total > len(hits):
                    about = f"the first {len(hits):,} of {total:,} hits"
            if get_current_worker().is_cancelled:
                return
            lines = concordance(self._kwic_hits, unit=unit, sort=sort)  # type: ignore[arg-type]
        except Exception as error:
            message = f"cannot make the concordance: {one_line(error)}"
            self._call(screen.set_message, message, True)
            return
        self._call(self._show_kwic, seq, screen, lines, unit, sort, about)

    def _show_kwic(
        self,
        seq: int,
        screen: KwicScreen,
        lines: list[KwicLine],
        unit: str,
        sort: str | None,
        about: str,
    ) -> None:
        if seq != self._kwic_seq or not screen.is_attached:
            return
        screen.show(lines, unit, sort, about)

    def _kwic_chosen(self, line: KwicLine | None) -> None:
        if line is None:
            return
        self.open_at(line.article_id, line.paragraph, (line.offset, line.offset + len(line.match)))
