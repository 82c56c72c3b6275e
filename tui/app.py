"""The g60-reader Textual app: a search box, a results list, a reader pane.

The screen paints at once; the index opens (or the bundled sample is indexed) in a
thread worker after the first frame. Every backend call runs in a thread worker
(one searcher per thread), results come back to the UI thread with a sequence number
so that stale answers are dropped.

What the search box holds goes through :func:`g60_reader.tui.querying.prepare`
(``since:``/``until:``/``in:`` clauses become date filters) and, with the timeline
period, the facet outlet, the order and the copies toggle, makes the
:class:`~g60_reader.tui.scope.SearchScope` every page of the results is asked with. The
timeline strip, the sort and copies toggles and the facet narrowing live in
:mod:`g60_reader.tui.app_narrowing`; the entity panel, the cluster view of a story, help
and the command palette in :mod:`g60_reader.tui.app_panels`; bookmarks, saved searches,
exports and the concordance in :mod:`g60_reader.tui.app_workbench`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList
from textual.worker import get_current_worker

from g60_reader.index.contract import (
    Filters,
    Hit,
    IndexStats,
    SearchBackend,
    SearchResult,
    StoredArticle,
    TimelineBucket,
)
from g60_reader.tui.app_narrowing import NarrowingMixin
from g60_reader.tui.app_panels import PanelsMixin, one_line
from g60_reader.tui.app_workbench import WorkbenchMixin, workbench_binding_ids
from g60_reader.tui.history import QueryHistory, default_history_path
from g60_reader.tui.keymap import keymap_path, load_keymap
from g60_reader.tui.scope import Period, SearchScope, narrow_listing
from g60_reader.tui.screens.story import StoryScreen
from g60_reader.tui.settings import Settings, default_settings_path
from g60_reader.tui.widgets.entities import EntityPanel
from g60_reader.tui.widgets.progress import IndexProgress
from g60_reader.tui.widgets.reader import HitPosition, ReaderPane, Span, damage_note
from g60_reader.tui.widgets.rendering import SCRIPT_LABELS, SCRIPTS
from g60_reader.tui.widgets.results import ResultSet, ResultsHeader, ResultsList
from g60_reader.tui.widgets.search_box import SearchBox
from g60_reader.tui.widgets.status import Legend, StatusBar
from g60_reader.tui.widgets.story import StoryList
from g60_reader.tui.widgets.timeline import TimelineStrip

Progress = Callable[[int, int, str], None]
Opener = Callable[[str, Progress], SearchBackend]  # (backend URL, progress) -> backend

PAGELEN = 50
HIT_MAP_LIMIT = 1000  # hits fetched at most to find every hit of the opened article
PROGRESS_INTERVAL = 0.05  # seconds between progress repaints while indexing


def default_opener(url: str, progress: Progress) -> SearchBackend:
    """Open the backend at ``url``. On the first launch on the default index (nothing
    else given) the bundled sample is indexed, with its entities, so that there is
    something to read; any other index that does not exist yet is an error saying how
    to make one."""
    from g60_reader.corpus.readers import SAMPLE_PATH
    from g60_reader.index.errors import IndexUnavailable
    from g60_reader.index.registry import default_url, open_backend

    backend = open_backend(url)
    if backend.exists():
        return backend
    if url != default_url():
        raise IndexUnavailable("no index there yet: add articles with `g60-reader index PATH...`")
    backend.update([SAMPLE_PATH], wait=True, progress=progress)
    from g60_reader.corpus.entities import recognise

    def entity_progress(done: int, total: int, message: str) -> None:
        progress(done, total, "entities")

    with contextlib.suppress(Exception):  # entities are a bonus: the index works without
        backend.enrich(recognise, wait=True, progress=entity_progress)
    return backend


_one_line = one_line


# Every key, in help-screen order: binding id -> what it does, said in full (also each
# binding's tooltip).
KEY_HELP: tuple[tuple[str, str], ...] = (
    ("focus_search", "focus the search box (Enter searches, search-as-you-type also)"),
    ("history_previous", "in the search box: older query from the history"),
    ("history_next", "in the search box: newer query from the history"),
    ("leave", "leave the search box, or close the entity panel"),
    ("result_down", "next result (next entry in the entity panel)"),
    ("result_up", "previous result (previous entry in the entity panel)"),
    ("open", "open the highlighted result in the reader"),
    ("focus_next", "next pane"),
    ("focus_previous", "previous pane"),
    ("next_hit", "next hit in the article (across paragraphs)"),
    ("previous_hit", "previous hit in the article"),
    ("next_article", "next article in the results"),
    ("previous_article", "previous article in the results"),
    ("page_down", "page down in the reader"),
    ("page_up", "page up in the reader"),
    ("top", "top of the article"),
    ("bottom", "bottom of the article"),
    ("cycle_sort", "order of the results: relevance → newest first → oldest first (kept)"),
    (
        "timeline_previous",
        "timeline: cursor to the earlier period (Tab to the strip for ← → ⏎ too)",
    ),
    ("timeline_next", "timeline: cursor to the later period"),
    ("timeline_select", "timeline: only the hits of the cursor period"),
    ("timeline_extend", "timeline: anchor a range at the cursor; again: anchor to cursor"),
    ("timeline_clear", "timeline: hits of every date again"),
    ("clear_filters", "drop the outlet and the timeline period narrowing the results"),
    (
        "show_story",
        "the story's copies (reprints): outlet, date, lag, source, headline changes; "
        "Enter opens a copy, Esc closes",
    ),
    ("toggle_copies", "list every copy of a reprinted story, or each story once"),
    (
        "toggle_entities",
        "entity panel: the article's entities, or the facets of the hits "
        "(entities, outlets, years)",
    ),
    ("cycle_script", "display script: as written → Simplified → Traditional"),
    ("toggle_highlight", "highlighting of hits and entities on/off"),
    (
        "bookmark",
        "bookmark the open article; with the reader focused, the paragraph of the current "
        "hit (else the one at the top); asks for a note and tags",
    ),
    ("show_bookmarks", "bookmarks: Enter opens one at its paragraph; missing ones kept"),
    ("save_search", "save the current search (query as typed, outlet, period, order)"),
    ("show_saved", "saved searches with how many hits are new; Enter runs one"),
    ("export", "export every hit of the current search, or the bookmarks (csv, md, ris …)"),
    ("show_kwic", "concordance: every match with its context, the keyword aligned"),
    ("help", "this help"),
    ("quit", "quit"),
)
_TOOLTIPS = dict(KEY_HELP)


def _key(keys: str, action: str, description: str, binding_id: str, **options: object) -> Binding:
    """A binding with its id and, as tooltip, its line of the help screen."""
    return Binding(
        keys, action, description, id=binding_id, tooltip=_TOOLTIPS[binding_id], **options
    )  # type: ignore[arg-type]


class G60App(WorkbenchMixin, PanelsMixin, NarrowingMixin, App[None]):
    """Search and read Chinese news."""

    TITLE = "g60-reader"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere work too
    # Below 120 columns the entity panel takes the results column's place while open.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    # Below 20 lines the timeline strip keeps to one line.
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (20, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        _key("slash", "focus_search", "Search", "focus_search", key_display="/"),
        _key("escape", "leave", "Back", "leave", show=False),
        _key("j,down", "result_down", "Next result", "result_down", show=False),
        _key("k,up", "result_up", "Previous result", "result_up", show=False),
        _key("enter", "open", "Open", "open", show=False),
        _key("tab", "app.focus_next", "Next pane", "focus_next", show=False),
        _key("shift+tab", "app.focus_previous", "Previous pane", "focus_previous", show=False),
        _key("n", "next_hit", "Next hit", "next_hit"),
        _key("N", "previous_hit", "Previous hit", "previous_hit", show=False),
        _key(
            "right_square_bracket",
            "next_article",
            "Next article",
            "next_article",
            show=False,
            key_display="]",
        ),
        _key(
            "left_square_bracket",
            "previous_article",
            "Previous article",
            "previous_article",
            show=False,
            key_display="[",
        ),
        _key("space", "page_down", "Page down", "page_down", show=False),
        _key("b", "page_up", "Page up", "page_up", show=False),
        _key("g", "top", "Top", "top", show=False),
        _key("G", "bottom", "Bottom", "bottom", show=False),
        _key("o", "cycle_sort", "Order", "cycle_sort", show=False),
        # The strip's keys, here too so that they work while the search box or the
        # results have focus (none of them is bound by Input or OptionList).
        _key("alt+left", "timeline_previous", "Earlier period", "timeline_previous", show=False),
        _key("alt+right", "timeline_next", "Later period", "timeline_next", show=False),
        _key("alt+down", "timeline_select", "Narrow to period", "timeline_select", show=False),
        _key("alt+shift+down", "timeline_extend", "Period range", "timeline_extend", show=False),
        _key("alt+up", "timeline_clear", "Every date", "timeline_clear", show=False),
        _key("x", "clear_filters", "Clear narrowing", "clear_filters", show=False),
        _key("r", "show_story", "Reprints", "show_story", show=False),
        _key("c", "toggle_copies", "Every copy", "toggle_copies", show=False),
        _key("e", "toggle_entities", "Entities", "toggle_entities"),
        _key("t", "cycle_script", "Script", "cycle_script"),
        _key("backslash", "toggle_highlight", "Highlight", "toggle_highlight", key_display="\\"),
        _key("m", "bookmark", "Bookmark", "bookmark", show=False),
        _key("B", "show_bookmarks", "Bookmarks", "show_bookmarks", show=False),
        _key("S", "save_search", "Save search", "save_search", show=False),
        _key("s", "show_saved", "Saved searches", "show_saved", show=False),
        _key("ctrl+e", "export", "Export", "export", show=False),
        _key("K", "show_kwic", "Concordance", "show_kwic", show=False),
        _key("question_mark", "help", "Help", "help", key_display="?"),
        _key("q", "quit", "Quit", "quit"),
    ]

    def __init__(
        self,
        index_dir: Path | None = None,
        *,
        backend_url: str | None = None,
        opener: Opener | None = None,
        history: QueryHistory | None = None,
        frozen_ms: float | None = None,
        debounce: float = 0.15,
        pagelen: int = PAGELEN,
        initial_query: str = "",
        exit_after_first_result: bool = False,
        keymap_path: Path | None = None,
        settings: Settings | None = None,
        today: _dt.date | None = None,
        library_path: Path | None = None,
    ) -> None:
        super().__init__()
        self._init_workbench(library_path)  # bookmarks, saved searches (tui/app_workbench.py)
        self.keymap_path = keymap_path  # None: the user's keymap.toml in the data directory
        # remembered across launches (the order of the results)
        self.settings = settings if settings is not None else Settings(default_settings_path())
        self.today = today  # what "today" is for since:/in: clauses (None: the real today)
        self.index_dir = index_dir  # short for backend="whoosh:DIR"
        self.backend_url = backend_url
        self.opener: Opener = opener or default_opener
        self.history = history if history is not None else QueryHistory(default_history_path())
        self.frozen_ms = frozen_ms  # shown instead of the measured time (deterministic tests)
        self.debounce = debounce
        self.pagelen = pagelen
        self.initial_query = initial_query
        self.exit_after_first_result = exit_after_first_result

        self.backend: SearchBackend | None = None
        self.stats: IndexStats | None = None
        self.open_error: str | None = None
        self.script = "written"
        self.highlight = True
        self.timings: dict[str, float] = {"created": time.perf_counter()}

        self.results: ResultSet | None = None
        self._search_seq = 0
        self._last_query: str | None = None  # the query of the last search started
        self._debounce_timer: Timer | None = None
        self._focus_results_on_result = False
        self._page_loading = False

        self._article_seq = 0
        self.open_row: int | None = None  # results row of the article in the reader
        self.open_article_id: str | None = None
        self.hit_positions: list[HitPosition] = []
        self.hit_index: int | None = None
        self.open_cluster: str | None = None  # reprint cluster of the article in the reader
        self._facets: tuple[str, dict[str, list[tuple[str, int]]]] | None = None
        self._last_progress = 0.0

        # what narrows and orders the results besides the query (see tui/scope.py)
        self.sort = self.settings.sort
        self.all_copies = False
        self.outlet_filter: tuple[str, ...] = ()  # chosen in the facets
        self.period: Period | None = None  # selected on the timeline strip
        self._period_key: tuple[str, Filters] | None = None  # the bars it was selected on
        self._status_note = ""  # said with the next results (what changed)
        # the timeline strip: day counts of the query, the key they were asked for
        self._timeline_seq = 0
        self._timeline_key: tuple[str, Filters] | None = None
        self._timeline_days: list[TimelineBucket] = []
        self._timeline_by: str | None = None
        self._strip_buckets: list[TimelineBucket] = []
        self._story_seq = 0

    @property
    def busy(self) -> bool:
        """A search is waiting for its debounce or some worker is still running."""
        if self._debounce_timer is not None:
            return True
        return any(not worker.is_finished for worker in self.workers)

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield SearchBox(self.history, id="search")
        with Horizontal(id="main"):
            with Vertical(id="results-column"):
                yield ResultsHeader(id="results-header")
                yield IndexProgress(id="progress")
                yield TimelineStrip(id="timeline", empty="no dated hits")
                yield ResultsList(id="results")
            with Vertical(id="reader-column"):
                yield ReaderPane(id="reader")
                yield Legend(id="legend")
            yield EntityPanel(id="entities")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    @property
    def search_box(self) -> SearchBox:
        return self.query_one("#search", SearchBox)

    @property
    def results_list(self) -> ResultsList:
        return self.query_one("#results", ResultsList)

    @property
    def reader(self) -> ReaderPane:
        return self.query_one("#reader", ReaderPane)

    @property
    def entity_panel(self) -> EntityPanel:
        return self.query_one("#entities", EntityPanel)

    @property
    def timeline_strip(self) -> TimelineStrip:
        return self.query_one("#timeline", TimelineStrip)

    @property
    def status(self) -> StatusBar:
        return self.query_one("#status", StatusBar)

    @property
    def header(self) -> ResultsHeader:
        return self.query_one("#results-header", ResultsHeader)

    def on_mount(self) -> None:
        self.timings["mounted"] = time.perf_counter()
        self._apply_user_keymap()
        self.header.show_message("Opening the index…")
        self.status.set_message("Opening the index…")
        self.status.set_stats(None, "index: opening")
        self.entity_panel.display = False
        self.timeline_strip.display = False
        if self.initial_query:
            self.search_box.value = self.initial_query
        self.search_box.focus()

    def _apply_user_keymap(self) -> None:
        """Remap keys from the user's keymap file (binding ids, see the help screen)."""
        path = self.keymap_path if self.keymap_path is not None else keymap_path()
        known: set[str] = set()
        for bindings in (self.BINDINGS, TimelineStrip.BINDINGS, StoryScreen.BINDINGS):
            known |= {str(b.id) for b in bindings if isinstance(b, Binding) and b.id}
        known |= {str(b.id) for b in StoryList.BINDINGS if isinstance(b, Binding) and b.id}
        known |= {"history_previous", "history_next"} | workbench_binding_ids()
        keymap, problems = load_keymap(path, known)
        if keymap:
            self.set_keymap(keymap)
        if problems:
            self.notify(
                "\n".join(problems[:5]), title=f"{path.name}: lines ignored", severity="warning"
            )

    def on_descendant_focus(self) -> None:
        self._mark_focused_pane()

    def on_descendant_blur(self) -> None:
        self._mark_focused_pane()

    def _mark_focused_pane(self) -> None:
        # A class rather than :focus-within: Textual does not always restyle a descendant
        # (the results header) when focus moves inside an ancestor.
        focused = self.focused
        column = self.query_one("#results-column")
        column.set_class(focused is not None and column in focused.ancestors_with_self, "-focused")

    def on_ready(self) -> None:
        """The first frame is on screen: now open the index in the background."""
        self.timings["first_paint"] = time.perf_counter()
        self._open_backend(self._resolve_url())

    def _resolve_url(self) -> str | None:
        from g60_reader.index.registry import resolve_url

        try:
            return resolve_url(self.backend_url, self.index_dir)
        except Exception as error:  # no usable data directory, both options given
            self.open_error = f"no index: {_one_line(error)}"
            return None

    # -- opening the index -------------------------------------------------------------

    def _report_progress(self, done: int, total: int, message: str) -> None:
        """Called by the opener in its thread."""
        now = time.perf_counter()
        if now - self._last_progress < PROGRESS_INTERVAL and done < total:
            return
        self._last_progress = now
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.call_from_thread(self._show_progress, done, total, message)

    def _show_progress(self, done: int, total: int, message: str) -> None:
        self.header.show_message("First launch: building the index…")
        if message == "entities":
            label = "Recognising entities"
        else:
            label = f"Indexing {Path(message).name}" if message else "Indexing"
        if total:
            label += f" ({done}/{total})"
        self.query_one("#progress", IndexProgress).report(done, total, label)
        self.status.set_message(label)

    @work(thread=True, exclusive=True, group="open")
    def _open_backend(self, url: str | None) -> None:
        if url is None:
            self.call_from_thread(self._backend_failed, self.open_error or "no index")
            return
        try:
            backend = self.opener(url, self._report_progress)
            stats = backend.stats()
        except Exception as error:
            where = url.removeprefix("whoosh:")
            message = f"cannot open the index at {where}: {_one_line(error)}"
            self.call_from_thread(self._backend_failed, message)
            return
        self.call_from_thread(self._backend_ready, backend, stats)

    def _backend_failed(self, message: str) -> None:
        self.open_error = message
        self.query_one("#progress", IndexProgress).display = False
        self.header.show_message("No index")
        self.status.set_message(message, "error")
        self.status.set_stats(None, "index: unavailable")

    def _ready_hint(self) -> str:
        return "Type to search · Enter opens · ? help · ctrl+p commands"

    def _backend_ready(self, backend: SearchBackend, stats: IndexStats) -> None:
        self.backend = backend
        self.stats = stats
        self.timings["index_open"] = time.perf_counter()
        self.query_one("#progress", IndexProgress).display = False
        self.status.set_stats(stats)
        self.status.set_message(self._ready_hint())
        self.run_query(self.search_box.value)
        self.refresh_saved()  # for the palette's saved searches (nothing without a library)

    # -- searching ---------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._debounce_timer is not None:
            self._debounce_timer.stop()
            self._debounce_timer = None
        if event.value == self._last_query:
            return
        self._debounce_timer = self.set_timer(self.debounce, self._debounced)

    def _debounced(self) -> None:
        self._debounce_timer = None
        value = self.search_box.value
        if value != self._last_query:
            self.run_query(value)

    @on(Input.Submitted, "#search")
    def _query_submitted(self, event: Input.Submitted) -> None:
        if self._debounce_timer is not None:
            self._debounce_timer.stop()
            self._debounce_timer = None
        query = event.value
        self.history.add(query)
        if query != self._last_query or self.results is None:
            self._focus_results_on_result = True
            self.run_query(query)
        elif self.results_list.option_count:
            self.results_list.focus()

    def search_for(self, query: str) -> None:
        """Put ``query`` in the search box and run it now (entity panel, suggestions)."""
        if self._debounce_timer is not None:
            self._debounce_timer.stop()
            self._debounce_timer = None
        self.history.add(query)
        self._last_query = query  # the Changed event from the next line must not search again
        self.search_box.value = query
        self.search_box.cursor_position = len(query)
        self._focus_results_on_result = True
        self.run_query(query, force=True)

    def scope_for(self, typed: str) -> SearchScope:
        """What searching ``typed`` asks the backend, with the current narrowing."""
        scope = SearchScope.of(
            typed,
            outlets=self.outlet_filter,
            sort=self.sort,
            all_copies=self.all_copies,
            today=self.today,
        )
        if self.period is not None and scope.timeline_key() != self._period_key:
            # Another query or other typed dates: the selected bar belonged to other bars.
            self.period = None
            self.reset_strip_selection()
        return scope.with_(period=self.period)

    def run_query(self, query: str, force: bool = False) -> None:
        if not force and query == self._last_query and self.results is not None:
            return
        self._last_query = query
        self._search_seq += 1
        if self.backend is None:
            if self.open_error is None:
                self.status.set_message("The index is still opening; the search runs when ready")
            return
        self._page_loading = False
        scope = self.scope_for(query)
        if scope.error is not None:  # a date clause that cannot be read: nothing to ask
            results = ResultSet(
                query=query,
                result=SearchResult(query=scope.query, error=scope.error),
                error=scope.error,
                scope=scope,
            )
            self._apply_results(self._search_seq, results, 0.0)
            return
        self._search_worker(self._search_seq, self.backend, scope)

    @work(thread=True, exclusive=True, group="search")
    def _search_worker(self, seq: int, backend: SearchBackend, scope: SearchScope) -> None:
        started = time.perf_counter()
        query = scope.typed
        try:
            if scope.is_listing:
                articles = backend.list_articles()
                undated = 0
                if scope.filters() or scope.sort != "relevance":
                    articles, undated = narrow_listing(articles, scope.filters(), scope.sort)
                results = ResultSet(
                    query=query, articles=articles, scope=scope, listing_undated=undated
                )
            else:
                result = backend.search(
                    scope.query,
                    1,
                    self.pagelen,
                    filters=scope.filters(),
                    sort=scope.sort,
                    all_copies=scope.all_copies,
                )
                results = ResultSet(
                    query=query,
                    result=result,
                    hits=list(result.hits),
                    pages=1,
                    error=result.error,
                    scope=scope,
                )
        except Exception as error:
            results = ResultSet(
                query=query,
                result=SearchResult(query=query, error=_one_line(error)),
                error=f"{query}: {_one_line(error)}",
                scope=scope,
            )
        results_ms = (time.perf_counter() - started) * 1000
        if get_current_worker().is_cancelled:
            return
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.call_from_thread(self._apply_results, seq, results, results_ms)

    def _results_message(self, results: ResultSet) -> tuple[str, str]:
        """The status line for new results: (message, kind)."""
        scope = results.scope
        if results.error is not None:
            bad = "Bad date" if scope is not None and scope.error is not None else "Bad query"
            return f"{bad}: {results.error}", "error"
        parts = [self._status_note] if self._status_note else []
        self._status_note = ""
        if results.result is not None and results.total == 0:
            parts.append(f"No hits for {results.query}")
        elif scope is not None and scope.period is not None and not parts:
            parts.append(f"Timeline: {scope.period.label} selected")
        if scope is not None and scope.period is not None:
            keys = self._bindings_by_id().get("timeline_clear", [])
            shown = " ".join(self.get_key_display(b) for b in keys)
            if shown:
                parts.append(f"{shown} every date")
        if not parts and self.reader.stored is None:
            parts.append(self._ready_hint())
        return " · ".join(parts), "info"

    def _apply_results(self, seq: int, results: ResultSet, elapsed_ms: float) -> None:
        if seq != self._search_seq:
            return  # a newer search was started: this answer is stale
        if results.result is not None and results.result.error and not results.error:
            results.error = results.result.error
        self.results = results
        self.header.show_result(results, self.frozen_ms)
        self.results_list.show(results, self.script, self.highlight)
        self.status.set_message(*self._results_message(results))
        if "first_result" not in self.timings:
            self.timings["first_result"] = time.perf_counter()
            if self.backend is not None and not self.exit_after_first_result:
                self._warm_worker(self.backend)
        if self._focus_results_on_result:
            self._focus_results_on_result = False
            if self.results_list.option_count and results.error is None:
                self.results_list.focus()
        if self.entity_panel.display:
            self._fill_entity_panel()
        counting = self.request_timeline()  # after the results are on screen, never before
        if self.exit_after_first_result and not counting:
            self.exit()  # start-up measured: no strip to wait for

    @work(thread=True, exclusive=True, group="warm")
    def _warm_worker(self, backend: SearchBackend) -> None:
        """One-off set-up (pinyin lexicon, pypinyin) while the user reads the first
        results, so the first pinyin query or "did you mean" does not pay for it."""
        warm_up = getattr(backend, "warm_up", None)
        if warm_up is not None:
            warm_up()

    @on(OptionList.OptionHighlighted, "#results")
    def _result_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        results = self.results
        if results is not None and results.result is None:  # the listing: more rows
            self.results_list.reveal(event.option_index)
            return
        if results is None or not results.has_more or self._page_loading:
            return
        if event.option_index >= len(results.hits) - 5 and self.backend is not None:
            self._page_loading = True
            self._page_worker(self._search_seq, self.backend, results, results.pages + 1)

    @work(thread=True, exclusive=True, group="page")
    def _page_worker(self, seq: int, backend: SearchBackend, results: ResultSet, page: int) -> None:
        try:
            hits = list(self._search_page(backend, results, page, self.pagelen).hits)
        except Exception as error:
            hits = []
            message = f"cannot load more results: {_one_line(error)}"
            self.call_from_thread(self._set_status, message, "error")
        self.call_from_thread(self._apply_page, seq, results, page, hits)

    def _apply_page(self, seq: int, results: ResultSet, page: int, hits: list[Hit]) -> None:
        self._page_loading = False
        if seq != self._search_seq or results is not self.results or page != results.pages + 1:
            return
        results.pages = page
        if not hits:  # the index changed under us: stop paging
            if results.result is not None:
                results.result.total = len(results.hits)
            return
        results.hits.extend(hits)
        self.results_list.extend(hits, self.script, self.highlight)

    @staticmethod
    def _search_page(
        backend: SearchBackend, results: ResultSet, page: int, pagelen: int
    ) -> SearchResult:
        """A further page of ``results``, asked exactly as the first one was."""
        scope = results.scope
        if scope is None:
            return backend.search(results.query, page, pagelen)
        return backend.search(
            scope.query,
            page,
            pagelen,
            filters=scope.filters(),
            sort=scope.sort,
            all_copies=scope.all_copies,
        )

    # -- opening articles --------------------------------------------------------------

    @on(OptionList.OptionSelected, "#results")
    def _result_selected(self, event: OptionList.OptionSelected) -> None:
        suggestion = self.results_list.suggestion_of(event.option)
        if suggestion is not None:
            self.search_for(suggestion)
            return
        row = ResultsList.row_of(event.option)
        if row is not None:
            self.open_result(row)

    def open_result(self, row: int) -> None:
        results = self.results
        if results is None or self.backend is None or not 0 <= row < results.rows():
            return
        self._article_seq += 1
        self.results_list.reveal(row)
        if self.results_list.highlighted != row:
            self.results_list.highlighted = row
        if results.query.strip():
            self.history.add(results.query)  # a query whose result was opened is worth keeping
        article_id = results.article_id(row)
        cluster = results.hits[row].cluster if row < len(results.hits) else None
        self._article_worker(self._article_seq, self.backend, results, row, article_id, cluster)

    def open_article(self, article_id: str, cluster: str | None = None) -> None:
        """Open ``article_id`` in the reader: its results row if it has one (a copy of a
        story chosen in the cluster view may not), with the query's hits marked."""
        results = self.results
        if results is None or self.backend is None:
            return
        for row in range(results.rows()):
            if results.article_id(row) == article_id:
                self.open_result(row)
                return
        self._article_seq += 1
        self._article_worker(self._article_seq, self.backend, results, None, article_id, cluster)

    @work(thread=True, exclusive=True, group="article")
    def _article_worker(
        self,
        seq: int,
        backend: SearchBackend,
        results: ResultSet,
        row: int | None,
        article_id: str,
        cluster: str | None,
    ) -> None:
        try:
            stored = backend.article(article_id)
            hits = [hit for hit in results.hits if hit.article_id == article_id]
            scope = results.scope
            if row is None and results.result is not None and scope is not None:
                # A copy outside the results: the query's hits in it, whatever the filters.
                wide = backend.search(scope.query, 1, HIT_MAP_LIMIT, all_copies=True).hits
                hits = [hit for hit in wide if hit.article_id == article_id]
            elif results.has_more and results.result is not None:
                # Every hit of this article, not only those on the loaded pages: one wider
                # search per result set (kept on it for the next article).
                if results.wide is None:
                    limit = min(results.total, HIT_MAP_LIMIT)
                    results.wide = list(self._search_page(backend, results, 1, limit).hits)
                hits.extend(hit for hit in results.wide if hit.article_id == article_id)
        except Exception as error:
            message = f"cannot open article {article_id}: {_one_line(error)}"
            self.call_from_thread(self._set_status, message, "error")
            return
        hit_map: dict[int, list[Span]] = {}
        for hit in hits:
            spans = hit_map.setdefault(hit.paragraph, [])
            spans.extend(span for span in hit.spans if span not in spans)
        for spans in hit_map.values():
            spans.sort()
        if get_current_worker().is_cancelled:
            return
        self.call_from_thread(self._show_article, seq, results, row, stored, hit_map, cluster)

    async def _show_article(
        self,
        seq: int,
        results: ResultSet,
        row: int | None,
        stored: StoredArticle | None,
        hit_map: dict[int, list[Span]],
        cluster: str | None = None,
    ) -> None:
        if seq != self._article_seq:
            return
        if stored is None:
            self.status.set_message("That article is no longer in the index", "warning")
            return
        self.open_row = row
        self.open_article_id = stored.article.id
        self.open_cluster = cluster
        self.hit_positions = [
            (number, span) for number in sorted(hit_map) for span in hit_map[number]
        ]
        self.hit_index = None
        if self.hit_positions:
            self.hit_index = 0
            if results.result is not None and row is not None and row < len(results.hits):
                paragraph = results.hits[row].paragraph
                for index, (number, _span) in enumerate(self.hit_positions):
                    if number == paragraph:
                        self.hit_index = index
                        break
        current = self.hit_positions[self.hit_index] if self.hit_index is not None else None
        await self.reader.show(stored, hit_map, current, self.script, self.highlight)
        self.query_one("#reader-column").add_class("-open")
        self._announce_position(opened=True)
        self._apply_open_target(seq, stored.article.id)  # a bookmark's ¶, a concordance hit
        if self.entity_panel.display and self.entity_panel.mode != "facets":
            self._fill_entity_panel()

    def _announce_position(self, opened: bool = False, wrapped: str = "") -> None:
        stored = self.reader.stored
        if stored is None:
            return
        article = stored.article
        parts: list[str] = []
        kind = "info"
        if self.hit_index is not None:
            number = self.hit_positions[self.hit_index][0]
            parts.append(f"hit {self.hit_index + 1} of {len(self.hit_positions)} · ¶{number}")
            note = damage_note(article.damage, "body", number)
            if note:
                parts.append(note)
                kind = "warning"
        if wrapped:
            parts.append(wrapped)
        if opened and article.damage:
            places = len(article.damage)
            parts.append(
                f"〓 marks {places} place{'s' if places != 1 else ''} where the source lost text"
            )
            kind = "warning"
        if opened and not self.hit_positions and not parts:
            parts.append(f"{len(article.paragraphs)} paragraphs")
        self.status.set_message(" · ".join(parts), kind)

    def _set_status(self, message: str, kind: str = "info") -> None:
        self.status.set_message(message, kind)

    def _set_panel_message(self, message: str) -> None:
        self.entity_panel.show_message(message)

    # -- actions -----------------------------------------------------------------------

    def action_focus_search(self) -> None:
        self.search_box.focus()

    def action_leave(self) -> None:
        if self.entity_panel.display:
            self._show_entity_panel(False)
            return
        if self.focused is self.search_box:
            if self.results_list.option_count:
                self.results_list.focus()
            else:
                self.reader.focus()
            return
        if self.focused is self.reader or self.focused is self.timeline_strip:
            self.results_list.focus()

    def action_result_down(self) -> None:
        self.results_list.action_cursor_down()

    def action_result_up(self) -> None:
        self.results_list.action_cursor_up()

    def action_open(self) -> None:
        highlighted = self.results_list.highlighted
        if highlighted is None:
            self.status.set_message("No result to open")
            return
        option = self.results_list.get_option_at_index(highlighted)
        suggestion = self.results_list.suggestion_of(option)
        if suggestion is not None:
            self.search_for(suggestion)
            return
        row = ResultsList.row_of(option)
        if row is not None:
            self.open_result(row)

    def _move_hit(self, step: int) -> None:
        if self.reader.stored is None:
            self.status.set_message("Open an article first (Enter on a result)")
            return
        if not self.hit_positions:
            self.status.set_message("No hits in this article")
            return
        count = len(self.hit_positions)
        index = (self.hit_index or 0) + step if self.hit_index is not None else 0
        wrapped = ""
        if index >= count:
            index, wrapped = 0, "wrapped to the first hit"
        elif index < 0:
            index, wrapped = count - 1, "wrapped to the last hit"
        self.hit_index = index
        self.reader.set_current(self.hit_positions[index])
        self._announce_position(wrapped=wrapped)

    def action_next_hit(self) -> None:
        self._move_hit(1)

    def action_previous_hit(self) -> None:
        self._move_hit(-1)

    def _step_article(self, step: int) -> None:
        results = self.results
        if results is None or results.rows() == 0:
            self.status.set_message("No results")
            return
        rows = results.rows()
        if self.open_row is not None and self.open_row < rows:
            start = self.open_row
        else:
            highlighted = self.results_list.highlighted
            start = highlighted if highlighted is not None else -1
            if self.open_row is None and 0 <= start < rows and self.open_article_id is None:
                self.open_result(start)  # nothing open yet: open the highlighted one
                return
        current = results.article_id(start) if 0 <= start < rows else None
        index = start + step
        while 0 <= index < rows and results.article_id(index) == current:
            index += step
        if not 0 <= index < rows:
            if step > 0 and results.has_more:
                self.status.set_message("Loading more results…")
                self.results_list.highlighted = rows - 1
            else:
                edge = "last" if step > 0 else "first"
                self.status.set_message(f"This is the {edge} article in the results")
            return
        self.open_result(index)

    def action_next_article(self) -> None:
        self._step_article(1)

    def action_previous_article(self) -> None:
        self._step_article(-1)

    def action_page_down(self) -> None:
        self.reader.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        self.reader.scroll_page_up(animate=False)

    def action_top(self) -> None:
        self.reader.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.reader.scroll_end(animate=False)

    def action_cycle_script(self) -> None:
        self.script = SCRIPTS[(SCRIPTS.index(self.script) + 1) % len(SCRIPTS)]
        self._restyle()
        self.status.set_message(f"Script: {SCRIPT_LABELS[self.script]}")

    def action_toggle_highlight(self) -> None:
        self.highlight = not self.highlight
        self._restyle()
        self.query_one("#reader-column").set_class(not self.highlight, "-plain")
        self.status.set_message(f"Highlighting {'on' if self.highlight else 'off'}")

    def _restyle(self) -> None:
        if self.results is not None:
            self.results_list.show(self.results, self.script, self.highlight)
        self.reader.restyle(self.script, self.highlight)
        if self.entity_panel.display:
            self._fill_entity_panel()

    def on_results_list_width_changed(self, event: ResultsList.WidthChanged) -> None:
        self.refit_timeline()  # the strip above the list has the same width


def run_app(
    url: str | None = None,
    *,
    initial_query: str = "",
    exit_after_first_result: bool = False,
) -> None:
    """Run the reader on the backend at ``url`` (default: the default index)."""
    app = G60App(
        backend_url=url,
        initial_query=initial_query,
        exit_after_first_result=exit_after_first_result,
    )
    app.run()
