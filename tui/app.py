"""The g60-reader Textual app: a search box, a results list, a reader pane.

The screen paints at once; the index opens (or the bundled sample is indexed) in a
thread worker after the first frame. Every backend call runs in a thread worker
(one searcher per thread), results come back to the UI thread with a sequence number
so that stale answers are dropped.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, OptionList
from textual.worker import get_current_worker

from g60_reader.index.contract import Hit, IndexStats, SearchBackend, SearchResult, StoredArticle
from g60_reader.tui.history import QueryHistory, default_history_path
from g60_reader.tui.keymap import keymap_path, load_keymap
from g60_reader.tui.screens.help import HelpScreen
from g60_reader.tui.widgets.entities import EntityPanel
from g60_reader.tui.widgets.progress import IndexProgress
from g60_reader.tui.widgets.reader import HitPosition, ReaderPane, Span, damage_note
from g60_reader.tui.widgets.rendering import SCRIPT_LABELS, SCRIPTS
from g60_reader.tui.widgets.results import ResultSet, ResultsHeader, ResultsList
from g60_reader.tui.widgets.search_box import SearchBox
from g60_reader.tui.widgets.status import Legend, StatusBar

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


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:299] + "…"


# Every key, in help-screen order: binding id -> what it does, said in full.
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
    ("toggle_entities", "entity panel: the article's entities, or the facets of the hits"),
    ("cycle_script", "display script: as written → Simplified → Traditional"),
    ("toggle_highlight", "highlighting of hits and entities on/off"),
    ("help", "this help"),
    ("quit", "quit"),
)


class G60App(App[None]):
    """Search and read Chinese news."""

    TITLE = "g60-reader"
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere work too
    # Below 120 columns the entity panel takes the results column's place while open.
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", id="focus_search", key_display="/"),
        Binding("escape", "leave", "Back", show=False, id="leave"),
        Binding("j,down", "result_down", "Next result", show=False, id="result_down"),
        Binding("k,up", "result_up", "Previous result", show=False, id="result_up"),
        Binding("enter", "open", "Open", show=False, id="open"),
        Binding("tab", "app.focus_next", "Next pane", show=False, id="focus_next"),
        Binding(
            "shift+tab", "app.focus_previous", "Previous pane", show=False, id="focus_previous"
        ),
        Binding("n", "next_hit", "Next hit", id="next_hit"),
        Binding("N", "previous_hit", "Previous hit", show=False, id="previous_hit"),
        Binding(
            "right_square_bracket",
            "next_article",
            "Next article",
            show=False,
            id="next_article",
            key_display="]",
        ),
        Binding(
            "left_square_bracket",
            "previous_article",
            "Previous article",
            show=False,
            id="previous_article",
            key_display="[",
        ),
        Binding("space", "page_down", "Page down", show=False, id="page_down"),
        Binding("b", "page_up", "Page up", show=False, id="page_up"),
        Binding("g", "top", "Top", show=False, id="top"),
        Binding("G", "bottom", "Bottom", show=False, id="bottom"),
        Binding("e", "toggle_entities", "Entities", id="toggle_entities"),
        Binding("t", "cycle_script", "Script", id="cycle_script"),
        Binding(
            "backslash", "toggle_highlight", "Highlight", id="toggle_highlight", key_display="\\"
        ),
        Binding("question_mark", "help", "Help", id="help", key_display="?"),
        Binding("q", "quit", "Quit", id="quit"),
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
    ) -> None:
        super().__init__()
        self.keymap_path = keymap_path  # None: the user's keymap.toml in the data directory
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
        self._facets: tuple[str, dict[str, list[tuple[str, int]]]] | None = None
        self._last_progress = 0.0

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
        if self.initial_query:
            self.search_box.value = self.initial_query
        self.search_box.focus()

    def _apply_user_keymap(self) -> None:
        """Remap keys from the user's keymap file (binding ids, see the help screen)."""
        path = self.keymap_path if self.keymap_path is not None else keymap_path()
        known = {str(b.id) for b in self.BINDINGS if isinstance(b, Binding) and b.id}
        known |= {"history_previous", "history_next"}
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
        self._search_worker(self._search_seq, self.backend, query)

    @work(thread=True, exclusive=True, group="search")
    def _search_worker(self, seq: int, backend: SearchBackend, query: str) -> None:
        started = time.perf_counter()
        try:
            if not query.strip():
                results = ResultSet(query=query, articles=backend.list_articles())
            else:
                result = backend.search(query, 1, self.pagelen)
                results = ResultSet(
                    query=query, result=result, hits=list(result.hits), pages=1, error=result.error
                )
        except Exception as error:
            results = ResultSet(
                query=query,
                result=SearchResult(query=query, error=_one_line(error)),
                error=f"{query}: {_one_line(error)}",
            )
        results_ms = (time.perf_counter() - started) * 1000
        if get_current_worker().is_cancelled:
            return
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.call_from_thread(self._apply_results, seq, results, results_ms)

    def _apply_results(self, seq: int, results: ResultSet, elapsed_ms: float) -> None:
        if seq != self._search_seq:
            return  # a newer search was started: this answer is stale
        if results.result is not None and results.result.error and not results.error:
            results.error = results.result.error
        self.results = results
        self.header.show_result(results, self.frozen_ms)
        self.results_list.show(results, self.script, self.highlight)
        if results.error is not None:
            self.status.set_message(f"Bad query: {results.error}", "error")
        elif results.result is not None and results.total == 0:
            self.status.set_message(f"No hits for {results.query}")
        elif self.reader.stored is None:
            self.status.set_message(self._ready_hint())
        else:
            self.status.set_message("")
        if "first_result" not in self.timings:
            self.timings["first_result"] = time.perf_counter()
            if self.exit_after_first_result:
                self.exit()
                return
            if self.backend is not None:
                self._warm_worker(self.backend)
        if self._focus_results_on_result:
            self._focus_results_on_result = False
            if self.results_list.option_count and results.error is None:
                self.results_list.focus()
        if self.entity_panel.display:
            self._fill_entity_panel()

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
        if results is None or not results.has_more or self._page_loading:
            return
        if event.option_index >= len(results.hits) - 5 and self.backend is not None:
            self._page_loading = True
            self._page_worker(self._search_seq, self.backend, results, results.pages + 1)

    @work(thread=True, exclusive=True, group="page")
    def _page_worker(self, seq: int, backend: SearchBackend, results: ResultSet, page: int) -> None:
        try:
            hits = list(backend.search(results.query, page, self.pagelen).hits)
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
        if self.results_list.highlighted != row:
            self.results_list.highlighted = row
        if results.query.strip():
            self.history.add(results.query)  # a query whose result was opened is worth keeping
        self._article_worker(self._article_seq, self.backend, results, row)

    @work(thread=True, exclusive=True, group="article")
    def _article_worker(
        self, seq: int, backend: SearchBackend, results: ResultSet, row: int
    ) -> None:
        article_id = results.article_id(row)
        try:
            stored = backend.article(article_id)
            hits = [hit for hit in results.hits if hit.article_id == article_id]
            if results.has_more and results.result is not None:
                # Every hit of this article, not only those on the loaded pages: one wider
                # search per result set (kept on it for the next article).
                if results.wide is None:
                    limit = min(results.total, HIT_MAP_LIMIT)
                    results.wide = list(backend.search(results.query, 1, limit).hits)
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
        self.call_from_thread(self._show_article, seq, results, row, stored, hit_map)

    async def _show_article(
        self,
        seq: int,
        results: ResultSet,
        row: int,
        stored: StoredArticle | None,
        hit_map: dict[int, list[Span]],
    ) -> None:
        if seq != self._article_seq:
            return
        if stored is None:
            self.status.set_message("That article is no longer in the index", "warning")
            return
        self.open_row = row
        self.open_article_id = stored.article.id
        self.hit_positions = [
            (number, span) for number in sorted(hit_map) for span in hit_map[number]
        ]
        self.hit_index = None
        if self.hit_positions:
            self.hit_index = 0
            if results.result is not None and row < len(results.hits):
                paragraph = results.hits[row].paragraph
                for index, (number, _span) in enumerate(self.hit_positions):
                    if number == paragraph:
                        self.hit_index = index
                        break
        current = self.hit_positions[self.hit_index] if self.hit_index is not None else None
        await self.reader.show(stored, hit_map, current, self.script, self.highlight)
        self.query_one("#reader-column").add_class("-open")
        self._announce_position(opened=True)
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
        if self.focused is self.reader:
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

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_help()))

    # -- the entity panel --------------------------------------------------------------

    def _show_entity_panel(self, show: bool) -> None:
        self.entity_panel.display = show
        self.query_one("#main").set_class(show, "-panel-open")
        if show:
            self.entity_panel.option_list.focus()
        else:
            self.results_list.focus()

    def action_toggle_entities(self) -> None:
        if self.entity_panel.display:
            self._show_entity_panel(False)
            return
        self._show_entity_panel(True)
        self._fill_entity_panel()

    def _fill_entity_panel(self) -> None:
        panel = self.entity_panel
        results = self.results
        if results is not None and results.result is not None and results.total > 0:
            cached = self._facets
            if cached is not None and cached[0] == results.query:
                panel.show_facets(results.query, cached[1], self.script)
            elif self.backend is not None:
                panel.show_message("Counting facets…")
                self._facets_worker(self.backend, results.query)
            return
        stored = self.reader.stored
        if stored is not None:
            panel.show_article(stored, self.script)
            return
        panel.show_message("Search, or open an article, to see entities here.")

    @work(thread=True, exclusive=True, group="facets")
    def _facets_worker(self, backend: SearchBackend, query: str) -> None:
        try:
            facets = backend.facets(query)
        except Exception as error:
            message = f"cannot count facets: {_one_line(error)}"
            self.call_from_thread(self._set_panel_message, message)
            return
        self.call_from_thread(self._show_facets, query, facets)

    def _show_facets(self, query: str, facets: dict[str, list[tuple[str, int]]]) -> None:
        self._facets = (query, facets)
        results = self.results
        if results is None or results.query != query or not self.entity_panel.display:
            return
        self.entity_panel.show_facets(query, facets, self.script)

    @on(EntityPanel.Chosen)
    def _entity_chosen(self, event: EntityPanel.Chosen) -> None:
        if not self.query_one("#results-column").display:
            self._show_entity_panel(False)  # narrow screen: make room for the results
        self.search_for(event.query)

    # -- help and the command palette --------------------------------------------------

    def _bindings_by_id(self) -> dict[str, list[Binding]]:
        """Every binding with an id, with the user's keymap applied (as Textual does)."""
        found: dict[str, list[Binding]] = {}
        for node in (self, self.search_box):
            bindings_map = node._bindings.copy()
            if self._keymap:
                bindings_map.apply_keymap(self._keymap)
            for bindings in bindings_map.key_to_bindings.values():
                for binding in bindings:
                    if binding.id and binding not in found.get(binding.id, []):
                        found.setdefault(binding.id, []).append(binding)
        return found

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, description) for every binding, with the keys as currently mapped."""
        by_id = self._bindings_by_id()
        rows: list[tuple[str, str]] = []
        for binding_id, description in KEY_HELP:
            shown = dict.fromkeys(
                self.get_key_display(b.with_key(b.key)) for b in by_id.get(binding_id, [])
            )
            keys = " ".join(shown)
            rows.append((keys or "(unbound)", description))
        rows.append((self.get_key_display(Binding(self.COMMAND_PALETTE_BINDING, "")), "commands"))
        return rows

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        by_id = self._bindings_by_id()
        for binding_id, description in KEY_HELP:
            bindings = by_id.get(binding_id)
            if not bindings or binding_id == "quit":
                continue  # Textual's own palette already has Quit
            binding = bindings[0]
            keys = " ".join(dict.fromkeys(self.get_key_display(b) for b in bindings))
            target: Widget | None = self.search_box if binding_id.startswith("history_") else None
            action = binding.action.removeprefix("app.")
            title = binding.description or description
            yield SystemCommand(
                title, f"{description} ({keys})", partial(self._run_command, action, target)
            )

    async def _run_command(self, action: str, target: Widget | None) -> None:
        if target is not None:
            await self.run_action(action, target)
        else:
            await self.run_action(action)


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
