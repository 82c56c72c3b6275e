"""Saved searches in the reader: ``S`` saves the current search under a name, ``s`` lists
the saved ones with how many of their hits are new, Enter runs one; the command palette
offers one command per saved search.

Part of the workbench (:mod:`g60_reader.tui.app_workbench`, which mixes this in and
holds the library and the status helpers). A saved search stores the search **as
typed** and its narrowing (:mod:`g60_reader.tui.workbench.searches`): running it puts the
same text, outlets and order back into the reader, so the reader, ``saved list`` and
``saved run`` count the same hits. Saving marks the hits on screen as seen (the user is
looking at them), so "new" means what arrived after.

"New" is counted as ``saved list`` counts it: every hit up to the cap (10,000, best
first: :data:`~g60_reader.tui.workbench.HIT_CAP`) read in a thread worker
(:func:`~g60_reader.tui.workbench.iter_hits`), minus the seen set
(:meth:`~g60_reader.tui.workbench.library.SavedSearch.new`). The counts are kept for the
palette and refreshed when the index opens, when a saved search changes and when the
view opens; the view shows each count as it arrives.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import work
from textual.worker import get_current_worker

from g60_reader.index.contract import SearchBackend
from g60_reader.tui.app_panels import one_line
from g60_reader.tui.scope import SearchScope
from g60_reader.tui.screens.dialogs import ConfirmDialog, NameDialog
from g60_reader.tui.screens.saved import SavedScreen
from g60_reader.tui.widgets.saved import SavedCount
from g60_reader.tui.workbench import HIT_CAP, hit_key
from g60_reader.tui.workbench.library import SavedSearch
from g60_reader.tui.workbench.searches import (
    describe,
    reader_search,
    saved_filters,
    scope_options,
)


class SavedSearchesMixin:
    """Saving, listing, counting and running saved searches (mixed into G60App through
    :class:`~g60_reader.tui.app_workbench.WorkbenchMixin`)."""

    def action_save_search(self) -> None:
        results = self.results
        scope = results.scope if results is not None else None
        if self.backend is None or results is None or scope is None:
            self.status.set_message("Search first, then save the search")
            return
        if scope.error is not None or results.error is not None:
            self.status.set_message("This search has an error: fix it before saving", "warning")
            return
        if scope.is_listing:
            self.status.set_message("Search for words first: a saved search runs a query")
            return
        period = (scope.period.start, scope.period.end) if scope.period is not None else None
        filters = saved_filters(outlets=scope.outlets, sort=scope.sort, period=period)
        typed = " ".join(scope.typed.split())
        dialog = NameDialog("Save this search", describe(typed, filters), typed)
        self.push_screen(dialog, callback=partial(self._save_named, typed, filters, scope))

    def _save_named(
        self, typed: str, filters: dict[str, Any], scope: SearchScope, name: str | None
    ) -> None:
        if name is None:
            self.status.set_message("Not saved")
            return
        self._saved_seq += 1
        self._save_worker(self.backend, name, typed, filters, scope, False)

    @work(thread=True, group="saved-save")
    def _save_worker(
        self,
        backend: SearchBackend,
        name: str,
        typed: str,
        filters: dict[str, Any],
        scope: SearchScope,
        replace: bool,
    ) -> None:
        from g60_reader.tui.workbench import iter_hits

        try:
            library = self.library()
            assert library is not None
            if not replace and library.saved_get(name) is not None:
                self._call(self._ask_replace, name, typed, filters, scope)
                return
            saved = library.saved_add(name, typed, filters, replace=replace)
            # The hits on screen are seen: "new" is what arrives after.
            options = scope_options(scope)
            options.pop("all_copies", None)  # counted as `saved list` counts them
            keys = [hit_key(h) for h in iter_hits(backend, scope.query, options=options)]
            library.saved_mark_seen(saved.name, keys, current=keys)
        except Exception as error:
            self._call(self._tell, f"cannot save the search: {one_line(error)}", "error")
            return
        self._call(self._tell_keys, f"Saved search {saved.name}", "show_saved")
        self._call(self.refresh_saved)

    def _ask_replace(
        self, name: str, typed: str, filters: dict[str, Any], scope: SearchScope
    ) -> None:
        question = ConfirmDialog(
            f"A saved search named {name} exists: replace it?",
            f"with {describe(typed, filters)} (its hits seen so far are forgotten)",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._save_worker(self.backend, name, typed, filters, scope, True)
            else:
                self.status.set_message(f"Not saved: {name} kept as it was")

        self.push_screen(question, callback=answered)

    def _count_saved(
        self, backend: SearchBackend, saved: SavedSearch
    ) -> tuple[SavedCount, list[tuple[str, int]]]:
        """How many of ``saved``'s hits are new (among the first HIT_CAP), and their keys,
        asked exactly as the reader will run it."""
        from g60_reader.tui.workbench import first_page, iter_hits

        try:
            search = reader_search(saved.query, saved.filters)
            scope = SearchScope.of(
                search.typed, outlets=search.outlets, sort=search.sort, today=self.today
            )
            if scope.error is not None:
                return SavedCount(error=scope.error), []
            if scope.is_listing:
                return SavedCount(error="no words to search for"), []
            options = scope_options(scope)
            options.pop("all_copies", None)
            first = first_page(backend, scope.query, options=options)
            hits = iter_hits(backend, scope.query, cap=HIT_CAP, options=options, first=first)
            keys = [hit_key(hit) for hit in hits]
        except Exception as error:
            return SavedCount(error=one_line(error)), []
        new = len(saved.new(keys))
        return SavedCount(first.total, new, capped=first.total > HIT_CAP), keys

    def refresh_saved(self) -> None:
        """Read the saved searches and count their new hits again (for the palette and
        an open saved-searches view)."""
        self._saved_seq += 1
        self._saved_worker(self._saved_seq, self.backend, None)

    def action_show_saved(self) -> None:
        self._saved_seq += 1
        self._saved_worker(self._saved_seq, self.backend, "show")

    @work(thread=True, exclusive=True, group="saved")
    def _saved_worker(self, seq: int, backend: SearchBackend | None, show: str | None) -> None:
        try:
            library = self.library(create=False)
            searches = library.saved_list() if library is not None else []
        except Exception as error:
            self._call(self._tell, f"cannot read the saved searches: {one_line(error)}", "error")
            return
        self._call(self._saved_listed, seq, searches, show)
        if backend is None:
            return
        counts: dict[str, SavedCount] = {}
        for saved in searches:
            if get_current_worker().is_cancelled:
                return
            counts[saved.name] = self._count_saved(backend, saved)[0]
            self._call(self._saved_counted, seq, dict(counts))

    def _saved_listed(self, seq: int, searches: list[SavedSearch], show: str | None) -> None:
        if seq != self._saved_seq:
            return
        self._saved_cache = list(searches)
        names = {s.name for s in searches}
        self._saved_counts = {k: v for k, v in self._saved_counts.items() if k in names}
        screen = self.screen
        if show:
            if isinstance(screen, SavedScreen):
                screen.show(searches)
            else:  # the counts follow from this worker
                self.push_screen(SavedScreen(searches), callback=self._saved_chosen)
        elif isinstance(screen, SavedScreen):
            screen.show(searches)

    def _saved_counted(self, seq: int, counts: dict[str, SavedCount]) -> None:
        if seq != self._saved_seq:
            return
        self._saved_counts.update(counts)
        screen = self.screen
        if isinstance(screen, SavedScreen):
            screen.set_counts({k: v for k, v in counts.items()})

    def _saved_chosen(self, saved: SavedSearch | None) -> None:
        if saved is None:
            return
        self.run_saved(saved)

    def run_saved(self, saved: SavedSearch) -> None:
        """Put ``saved``'s query and narrowing into the reader, search, and mark its
        hits seen."""
        try:
            search = reader_search(saved.query, saved.filters)
        except ValueError as error:
            self.status.set_message(f"cannot run {saved.name}: {one_line(error)}", "error")
            return
        if self.backend is None:
            self.status.set_message("The index is still opening")
            return
        self.outlet_filter = search.outlets
        self.sort = search.sort
        self.period = None
        self.reset_strip_selection()
        self._status_note = f"Saved search {saved.name}"
        self.search_for(search.typed)
        self._saved_seq += 1
        self._saved_run_worker(self._saved_seq, self.backend, saved)

    @work(thread=True, group="saved-run")
    def _saved_run_worker(self, seq: int, backend: SearchBackend, saved: SavedSearch) -> None:
        count, keys = self._count_saved(backend, saved)
        if count.error:
            self._call(self._tell, f"{saved.name}: {count.error}", "error")
            return
        try:
            library = self.library()
            assert library is not None
            library.saved_mark_seen(saved.name, keys, current=keys)
        except Exception as error:
            self._call(self._tell, f"cannot mark {saved.name} seen: {one_line(error)}", "error")
            return
        new = count.new or 0
        since = (saved.last_opened or "")[:16].replace("T", " ")
        total = count.total or 0
        message = (
            f"Saved search {saved.name}: {total:,} hit{'s' if total != 1 else ''},"
            f" {new:,} new since {since or 'it was saved'}"
        )
        self._call(self._saved_ran, saved.name, message)

    def _saved_ran(self, name: str, message: str) -> None:
        self.status.set_message(message)
        self.refresh_saved()

    def on_saved_screen_remove(self, event: SavedScreen.Remove) -> None:
        self._saved_remove(event.saved)

    @work(thread=True, group="saved-remove")
    def _saved_remove(self, saved: SavedSearch) -> None:
        try:
            library = self.library()
            assert library is not None
            removed = library.saved_remove(saved.name)
        except Exception as error:
            self._call(self._tell, f"cannot remove {saved.name}: {one_line(error)}", "error")
            return
        message = f"Removed saved search {saved.name}" if removed else "It was gone already"
        self._call(self._tell, message)
        self._call(self.refresh_saved)
