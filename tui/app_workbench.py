"""The researcher's workbench in the reader: bookmarks, saved searches, exports and the
concordance.

The work itself is :mod:`g60_reader.tui.workbench` (the same functions as the
``bookmark``, ``saved``, ``export`` and ``kwic`` commands, none of which imports
Textual); what the reader adds is the keys, the views and dialogs of
:mod:`g60_reader.tui.screens`, and the thread workers. :class:`WorkbenchMixin` is mixed
into ``G60App`` before :class:`~g60_reader.tui.app_panels.PanelsMixin` (it extends the
help rows and the command palette); its message handlers go by name, as there. It holds
what the four parts share (the library, the status line, opening an article at a place)
and the bookmarks; saved searches are :mod:`.app_saved`, exports :mod:`.app_export`, the
concordance :mod:`.app_kwic`.

- **The library** (SQLite, :mod:`.workbench.library`) is opened on first use, in a
  worker, at ``G60App(library_path=...)`` or ``library.sqlite3`` in the data directory.
  Reading it never creates it: a user who never bookmarked has no file and pays nothing
  at start-up. Every call runs in a thread worker (a write waits for the disk:
  ``synchronous=FULL``; a busy library waits up to 30 s).
- **Which search.** Everything that reads "the current search" asks what the results
  show: the typed query without its date clauses, and the scope's filters (typed dates
  ∩ strip period, outlet), order and copies
  (:func:`~g60_reader.tui.workbench.searches.scope_options`).
- **Bookmarks.** ``m`` bookmarks the open article or, while the reader has focus, the
  paragraph of the current hit (else the paragraph at the top of the pane); the dialog
  is prefilled when the place is bookmarked already (``m`` again edits the note and
  tags). ``B`` lists them, resolved against the index in a worker
  (:func:`~g60_reader.tui.workbench.library.resolve_bookmarks`): a bookmark whose
  article left the index is shown as missing, from its snapshot, never dropped.
- **Opening at a place.** A bookmark opens its article at its paragraph, a concordance
  line at its match: :meth:`WorkbenchMixin.open_at` opens the article as the results do
  and :meth:`WorkbenchMixin._apply_open_target` (called by the app once the article is
  shown) makes that match the current hit, or marks the paragraph when it holds none.

Measured on the shared 2-core machine, a Whoosh index of 2,500 generated articles
(2,362 hits for 协同创新), best of 5: reading every hit 0.11 s; counting a saved
search's new hits 0.12 s, marking its 2,362 hits seen 5 ms; exporting them as CSV
0.16 s, RIS 0.19 s, Markdown (every article's full text) 0.70 s; the bookmarks view of
101 bookmarks (one missing) 39 ms to resolve; the concordance of 2,000 hits (2,325 lines)
0.15 s in words, 0.02 s in characters, sorted by the left context 0.31 s, the right
0.20 s, the date 0.19 s (all in workers), drawn in 28 ms. Nothing runs per file or at
start-up when there is no library file.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from g60_reader.index.contract import Hit, SearchBackend, StoredArticle
from g60_reader.tui.app_export import ExportJob, ExportMixin
from g60_reader.tui.app_kwic import ConcordanceMixin
from g60_reader.tui.app_panels import one_line
from g60_reader.tui.app_saved import SavedSearchesMixin
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
from g60_reader.tui.workbench.library import Bookmark, Library, Resolved, SavedSearch
from g60_reader.tui.workbench.searches import describe

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


class WorkbenchMixin(SavedSearchesMixin, ExportMixin, ConcordanceMixin):
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
