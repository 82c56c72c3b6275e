"""The researcher's workbench in the reader: bookmarks, saved searches, exports and the
concordance.

The work itself is :mod:`g60_reader.tui.workbench` (the same functions as the
``bookmark``, ``saved``, ``export`` and ``kwic`` commands, none of which imports
Textual); this mixin is what the reader adds: the keys, the views and dialogs of
:mod:`g60_reader.tui.screens`, and the thread workers. :class:`WorkbenchMixin` is mixed
into ``G60App`` before :class:`~g60_reader.tui.app_panels.PanelsMixin` (it extends the
help rows and the command palette); its message handlers go by name, as there.

- **The library** (SQLite, :mod:`.workbench.library`) is opened on first use, in a
  worker, at ``G60App(library_path=...)`` or ``library.sqlite3`` in the data directory.
  Reading it never creates it: a user who never bookmarked has no file and pays nothing
  at start-up. Every call runs in a thread worker (a write waits for the disk:
  ``synchronous=FULL``, 4 ms here; a busy library up to 30 s).
- **Which search.** Everything that reads "the current search" asks what the results
  show: the typed query without its date clauses, and the scope's filters (typed dates
  ∩ strip period, outlet), order and copies (:func:`scope_options`). A saved search
  stores the query **as typed** and the narrowing (:mod:`.workbench.searches`); running
  it puts the same text and narrowing back, so the reader, ``saved list`` and ``saved
  run`` count the same hits. Saving marks the hits on screen as seen (the user is
  looking at them), so "new" means what arrived after.
- **Caps** as the command line's: counts and exports read at most 10,000 hits
  (:data:`~g60_reader.tui.workbench.HIT_CAP`), the concordance 2,000 (:data:`KWIC_CAP`;
  jieba cuts about 1 ms a hit paragraph here, so 2,000 hits are about two seconds, more
  on the first use while jieba loads its dictionary), and the views say so when a
  search has more.
- **Opening at a place.** A bookmark opens its article at its paragraph, a concordance
  line at its match: :meth:`WorkbenchMixin.open_at` opens the article as the results do
  and :meth:`WorkbenchMixin._apply_open_target` (called by the app once the article is
  shown) makes that match the current hit, or marks the paragraph when it holds none.

Measured on the shared 2-core machine with the 243-article contract corpus in the memory
backend: the bookmarks view of 3 bookmarks 2 ms to resolve, counting a saved search of
300 hits 15 ms, a CSV of 300 hits 20 ms, the concordance of 300 hits 0.4 s (jieba) and
0.05 s in characters.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from g60_reader.index.contract import Hit, SearchBackend, StoredArticle
from g60_reader.tui.app_panels import one_line
from g60_reader.tui.scope import SearchScope
from g60_reader.tui.screens.bookmarks import BookmarksScreen
from g60_reader.tui.screens.dialogs import (
    BookmarkAnswer,
    BookmarkDialog,
    ConfirmDialog,
    NameDialog,
)
from g60_reader.tui.screens.export import ExportDialog
from g60_reader.tui.screens.help import HelpScreen
from g60_reader.tui.screens.kwic import KwicScreen
from g60_reader.tui.screens.saved import SavedScreen
from g60_reader.tui.screens.story import StoryScreen
from g60_reader.tui.widgets.bookmarks import BookmarkList
from g60_reader.tui.widgets.cells import cut, flat
from g60_reader.tui.widgets.kwic import KwicList
from g60_reader.tui.widgets.saved import SavedCount, SavedList
from g60_reader.tui.workbench import HIT_CAP, hit_key
from g60_reader.tui.workbench.export import SUFFIXES
from g60_reader.tui.workbench.kwic import KwicLine
from g60_reader.tui.workbench.library import Bookmark, Library, Resolved, SavedSearch
from g60_reader.tui.workbench.searches import (
    describe,
    export_name,
    reader_search,
    saved_filters,
)

KWIC_CAP = 2_000  # hits read for the concordance view
PROGRESS_INTERVAL = 0.05  # seconds between progress repaints of an export
Span = tuple[int, int]

WORKBENCH_SCREENS = (
    BookmarksScreen,
    SavedScreen,
    KwicScreen,
    ExportDialog,
    ConfirmDialog,
    BookmarkDialog,
    NameDialog,
)

# Keys of the views, for the help screen: (binding ids, what they do).
VIEW_HELP: tuple[tuple[tuple[str, ...], str], ...] = (
    (("view_open",), "in a view: open the highlighted bookmark or line, run the saved search"),
    (("view_remove",), "bookmarks and saved searches: remove the highlighted one (asks first)"),
    (
        ("kwic_sort_left", "kwic_sort_right", "kwic_sort_date", "kwic_sort_hits"),
        "concordance: sort by the left context, the right context, the date; the hits' order",
    ),
    (("kwic_unit",), "concordance: context in words or in characters"),
    (("view_close",), "close the view"),
)
VIEW_CLASSES = (BookmarksScreen, SavedScreen, KwicScreen)


def workbench_binding_ids() -> set[str]:
    """Every binding id of the workbench's views, dialogs and lists (for keymap.toml)."""
    ids: set[str] = set()
    for cls in (*WORKBENCH_SCREENS, BookmarkList, SavedList, KwicList):
        ids |= {str(b.id) for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    return ids


def scope_options(scope: SearchScope) -> dict[str, Any]:
    """The backend's ``search`` keywords that make the results ``scope`` shows."""
    options: dict[str, Any] = {"sort": scope.sort, "all_copies": scope.all_copies}
    filters = scope.filters()
    if filters:
        options["filters"] = filters
    return options


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


class WorkbenchMixin:
    """Bookmarks, saved searches, exports and the concordance (mixed into G60App, whose
    widgets, backend and state these methods use)."""

    def _init_workbench(self, library_path: Path | None) -> None:
        self.library_path = library_path  # None: library.sqlite3 in the data directory
        self._library: Library | None = None
        self._library_lock = threading.Lock()
        self._bookmark_seq = 0
        self._saved_seq = 0
        self._kwic_seq = 0
        self._export_seq = 0
        self._export_job: tuple[ExportDialog, ExportJob] | None = None
        self._open_target: tuple[int, str, int | None, Span | None] | None = None
        self._saved_cache: list[SavedSearch] = []
        self._saved_counts: dict[str, SavedCount] = {}
        self._kwic_hits: list[Hit] = []

    # -- the library (called from worker threads only) ---------------------------------

    def library(self, create: bool = True) -> Library | None:
        """The open library; ``None`` when it does not exist and ``create`` is false."""
        from g60_reader.tui.workbench.library import default_path

        with self._library_lock:
            if self._library is None:
                path = Path(self.library_path) if self.library_path else default_path()
                if not create and not path.exists():
                    return None
                self._library = Library.open(path)
            return self._library

    def on_unmount(self) -> None:
        with self._library_lock:
            if self._library is not None:
                self._library.close()
                self._library = None

    def _tell(self, message: str, kind: str = "info") -> None:
        """The status line, and the hint line of a workbench view on top."""
        self.status.set_message(message, kind)
        screen = self.screen
        if isinstance(screen, (BookmarksScreen, SavedScreen, KwicScreen)):
            screen.set_message(message, error=kind == "error")

    def _tell_keys(self, message: str, binding_id: str) -> None:
        """``message`` and the keys that list what it is about ("· B lists them")."""
        keys = self._keys_of(binding_id)
        self._tell(f"{message} · {keys} lists them" if keys else message)

    def _call(self, callback: Any, *args: Any) -> None:
        """``callback(*args)`` on the UI thread, unless the app is shutting down."""
        with contextlib.suppress(RuntimeError):
            self.call_from_thread(callback, *args)

    # -- opening an article at a place -------------------------------------------------

    def open_at(self, article_id: str, paragraph: int | None, span: Span | None = None) -> None:
        """Open ``article_id`` in the reader with ``span`` of ``paragraph`` as the current
        hit (or the paragraph's first hit, or the paragraph marked when it has none)."""
        if self.results is None or self.backend is None:
            self.status.set_message("The index is still opening")
            return
        self.open_article(article_id)
        self._open_target = (self._article_seq, article_id, paragraph, span)

    def _apply_open_target(self, seq: int, article_id: str) -> None:
        target = self._open_target
        if target is None or target[0] != seq or target[1] != article_id:
            return
        self._open_target = None
        _seq, _article, paragraph, span = target
        if paragraph is None:
            return
        positions = self.hit_positions
        index = None
        if span is not None and (paragraph, span) in positions:
            index = positions.index((paragraph, span))
        else:
            index = next((i for i, (n, _s) in enumerate(positions) if n == paragraph), None)
        if index is not None:
            self.hit_index = index
            self.reader.set_current(positions[index])
            self._announce_position()
            return
        # A paragraph without hits: mark it (an empty span styles nothing); n goes on
        # from the first hit.
        self.hit_index = None
        self.reader.set_current((paragraph, (0, 0)))
        count = len(self.reader.stored.article.paragraphs) if self.reader.stored else 0
        self.status.set_message(f"¶{paragraph} of {count} paragraphs")

    # -- bookmarks ---------------------------------------------------------------------

    def _paragraph_at_top(self) -> int | None:
        """The first paragraph visible in the reader (the reading position)."""
        reader = self.reader
        views = reader.paragraph_views()
        if not views:
            return None
        body = reader.query_one("#reader-body")
        top = reader.scroll_y
        for view in views:
            y = body.virtual_region.y + view.virtual_region.y
            if y + view.virtual_region.height > top:
                return view.number
        return views[-1].number

    def _bookmark_target(self) -> tuple[str, int | None, StoredArticle | None] | None:
        """(article id, paragraph, the article if open): the paragraph of the current hit
        (else the one at the top) while the reader has focus, else the open article,
        else the highlighted result's article."""
        stored = self.reader.stored
        if stored is not None:
            paragraph = None
            if self.focused is self.reader:
                current = self.reader.current
                paragraph = current[0] if current is not None else self._paragraph_at_top()
            return stored.article.id, paragraph, stored
        results = self.results
        row = self.results_list.highlighted
        if results is not None and row is not None and 0 <= row < results.rows():
            return results.article_id(row), None, None
        return None

    def action_bookmark(self) -> None:
        if self.backend is None:
            self.status.set_message("The index is still opening")
            return
        target = self._bookmark_target()
        if target is None:
            self.status.set_message("Open an article (or highlight a result) to bookmark it")
            return
        self._bookmark_seq += 1
        self._bookmark_prepare(self._bookmark_seq, self.backend, *target)

    @work(thread=True, exclusive=True, group="bookmark")
    def _bookmark_prepare(
        self,
        seq: int,
        backend: SearchBackend,
        article_id: str,
        paragraph: int | None,
        stored: StoredArticle | None,
    ) -> None:
        try:
            if stored is None:
                stored = backend.article(article_id)
            if stored is None:
                self._call(self._tell, "That article is no longer in the index", "warning")
                return
            library = self.library(create=False)
            existing = library.find_bookmark(article_id, paragraph) if library else None
        except Exception as error:
            self._call(self._tell, f"cannot bookmark: {one_line(error)}", "error")
            return
        self._call(self._ask_bookmark, seq, stored, paragraph, existing)

    def _ask_bookmark(
        self, seq: int, stored: StoredArticle, paragraph: int | None, existing: Bookmark | None
    ) -> None:
        if seq != self._bookmark_seq:
            return
        title = cut(flat(stored.article.title) or "(untitled)", 48)
        where = f"¶{paragraph} of " if paragraph is not None else ""
        heading = f"{'Edit the bookmark of' if existing else 'Bookmark'} {where}{title}"
        note, tags = (existing.note, existing.tags) if existing else ("", ())
        dialog = BookmarkDialog(heading, note, tags)
        self.push_screen(
            dialog, callback=partial(self._bookmark_answered, stored, paragraph, existing)
        )

    def _bookmark_answered(
        self,
        stored: StoredArticle,
        paragraph: int | None,
        existing: Bookmark | None,
        answer: BookmarkAnswer | None,
    ) -> None:
        if answer is None:
            self.status.set_message("Not bookmarked")
            return
        self._bookmark_seq += 1
        self._bookmark_save(stored, paragraph, existing, answer)

    @work(thread=True, exclusive=True, group="bookmark")
    def _bookmark_save(
        self,
        stored: StoredArticle,
        paragraph: int | None,
        existing: Bookmark | None,
        answer: BookmarkAnswer,
    ) -> None:
        from g60_reader.tui.workbench.library import ArticleRef

        try:
            library = self.library()
            assert library is not None
            if existing is not None:
                old, new = set(existing.tags), set(answer.tags)
                library.update_bookmark(
                    existing.id, note=answer.note, add_tags=new - old, remove_tags=old - new
                )
                bookmark_id = existing.id
            else:
                ref = ArticleRef.of(stored.article, paragraph)
                bookmark_id = library.add_bookmark(
                    ref, paragraph=paragraph, note=answer.note, tags=answer.tags
                )
        except Exception as error:
            self._call(self._tell, f"cannot bookmark: {one_line(error)}", "error")
            return
        where = f"¶{paragraph} of " if paragraph is not None else ""
        title = cut(flat(stored.article.title) or "(untitled)", 40)
        verb = "Bookmark updated" if existing else "Bookmarked"
        message = f"{verb}: {where}{title} (bookmark {bookmark_id})"
        self._call(self._tell_keys, message, "show_bookmarks")

    def action_show_bookmarks(self) -> None:
        screen = BookmarksScreen(self.script)
        self.push_screen(screen, callback=self._bookmark_chosen)
        self._bookmark_seq += 1
        self._bookmarks_worker(self._bookmark_seq, self.backend, screen)

    @work(thread=True, exclusive=True, group="bookmarks")
    def _bookmarks_worker(
        self, seq: int, backend: SearchBackend | None, screen: BookmarksScreen
    ) -> None:
        from g60_reader.tui.workbench.library import resolve_bookmarks

        try:
            library = self.library(create=False)
            marks = library.bookmarks() if library is not None else []
            resolved = resolve_bookmarks(library, backend, marks) if library else []
        except Exception as error:
            self._call(screen.set_message, f"cannot read the bookmarks: {one_line(error)}", True)
            return
        self._call(self._show_bookmarks, seq, screen, resolved)

    def _show_bookmarks(self, seq: int, screen: BookmarksScreen, resolved: list[Resolved]) -> None:
        if screen.is_attached:
            screen.show(resolved)

    def _bookmark_chosen(self, item: Resolved | None) -> None:
        if item is None:
            return
        bm = item.bookmark
        self.open_at(bm.article_id, bm.paragraph)

    def on_bookmarks_screen_remove(self, event: BookmarksScreen.Remove) -> None:
        self._bookmark_remove(event.item)

    @work(thread=True, group="bookmarks-remove")
    def _bookmark_remove(self, item: Resolved) -> None:
        try:
            library = self.library()
            assert library is not None
            removed = library.remove_bookmark(item.bookmark.id)
        except Exception as error:
            self._call(self._tell, f"cannot remove the bookmark: {one_line(error)}", "error")
            return
        self._call(self._bookmark_removed, item, removed)

    def _bookmark_removed(self, item: Resolved, removed: bool) -> None:
        screen = self.screen
        if not isinstance(screen, BookmarksScreen) or screen.items is None:
            return
        left = [i for i in screen.items if i.bookmark.id != item.bookmark.id]
        message = f"Removed bookmark {item.bookmark.id}" if removed else "It was gone already"
        screen.show(left, message)
        self.status.set_message(message)

    def on_bookmarks_screen_export(self, event: BookmarksScreen.Export) -> None:
        count = len(event.items)
        job = ExportJob("bookmarks", resolved=list(event.items))
        what = f"{count} bookmark{'s' if count != 1 else ''}"
        self._open_export(job, what, export_name("", "csv", kind="bookmarks"))

    # -- saved searches ----------------------------------------------------------------

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

    # -- export ------------------------------------------------------------------------

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

    # -- the concordance ---------------------------------------------------------------

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

    # -- help and the palette ----------------------------------------------------------

    def _keys_of(self, binding_id: str) -> str:
        bindings = self._bindings_by_id().get(binding_id, [])
        return " ".join(dict.fromkeys(self.get_key_display(b) for b in bindings))

    def _view_keys(self, ids: Iterable[str]) -> str:
        """The keys of view bindings ``ids``, as the user's keymap maps them."""
        shown: list[str] = []
        keymap = self._keymap or {}
        for binding_id in ids:
            for cls in VIEW_CLASSES:
                for binding in cls.BINDINGS:
                    if not isinstance(binding, Binding) or binding.id != binding_id:
                        continue
                    for key in keymap.get(binding_id, binding.key).split(","):
                        display = self.get_key_display(binding.with_key(key.strip()))
                        if display not in shown:
                            shown.append(display)
        return " ".join(shown)

    def key_help(self) -> list[tuple[str, str]]:
        rows = super().key_help()  # type: ignore[misc]
        palette = rows.pop()  # the palette's row stays last
        rows.extend((self._view_keys(ids), description) for ids, description in VIEW_HELP)
        rows.append(palette)
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if isinstance(screen, WORKBENCH_SCREENS):
            # Over a view or a dialog, only Textual's own commands: the reader's would
            # act behind it.
            yield from App.get_system_commands(self, screen)  # type: ignore[arg-type]
            return
        yield from super().get_system_commands(screen)  # type: ignore[misc]
        if isinstance(screen, (StoryScreen, HelpScreen)):
            return
        for saved in self._saved_cache:
            count = self._saved_counts.get(saved.name)
            title = f"Saved search: {saved.name}"
            if count is not None and count.new is not None:
                title += f" ({count.label()})"
            yield SystemCommand(
                title,
                f"run it: {describe(saved.query, saved.filters)}",
                partial(self.run_saved, saved),
            )
