"""When and which: the timeline strip over the results, the order of the results, every
copy or each story once, and the outlet and year chosen in the facets.

Mixed into ``G60App`` (see :mod:`g60_reader.tui.app_panels` for why a mixin and why the
handlers go by name). The search itself stays in the app: everything here changes the
app's narrowing state (``sort``, ``all_copies``, ``outlet_filter``, ``period``) and runs
the search again; :class:`g60_reader.tui.scope.SearchScope` turns that state into what
the backend is asked.

The strip comes *after* the results: the timeline is asked for in its own worker once the
first page is on screen, so it never delays them. Measured on a Whoosh index of 25,000
dated articles (99,704 paragraphs over ten years; the shared 2-core machine, load 3-4,
best of 5): the timeline by day took 13-156 ms against 2-134 ms for the first page of
50 (G60, 张伟, 经济, 协同创新: 9,700-41,000 hits), rolling it up for the strip 0.6-0.7 ms;
a month-filtered, date-sorted page 3-190 ms. It is asked for by day,
without the strip's own selection, and only when the query or the typed filters change
(selecting a period, changing the order or the copies reuses the bars); the period that
fits the strip's width is chosen here (:func:`g60_reader.tui.scope.strip_buckets`), again
after a resize while nothing is selected.
"""

from __future__ import annotations

import time

from textual import work

from g60_reader.index.contract import Filters, SearchBackend, Timeline, TimelineBucket
from g60_reader.tui.app_panels import one_line
from g60_reader.tui.scope import Period, strip_buckets
from g60_reader.tui.settings import SORT_LABELS, next_sort
from g60_reader.tui.widgets.timeline import TimelineStrip


class NarrowingMixin:
    """The timeline strip, the sort and copies toggles, outlet and year narrowing (mixed
    into G60App, whose widgets, backend and state these methods use)."""

    # -- the timeline strip ------------------------------------------------------------

    def request_timeline(self) -> bool:
        """After results arrived: count the query's hits per period for the strip, unless
        the bars would be the same as those shown. True when a count was started."""
        results = self.results
        scope = results.scope if results is not None else None
        strip = self.timeline_strip
        if (
            results is None
            or scope is None
            or self.backend is None
            or scope.error is not None
            or results.error is not None
            or scope.is_listing
        ):
            self._timeline_key = None
            self._timeline_seq += 1  # a timeline still being counted is no longer wanted
            strip.display = False
            return False
        key = scope.timeline_key()
        if key == self._timeline_key:
            return False
        self._timeline_key = key
        self._timeline_seq += 1
        if results.total == 0 and results.undated == 0 and scope.period is None:
            self._timeline_days = []  # nothing matched: nothing to count
            strip.display = False
            return False
        self._timeline_worker(self._timeline_seq, self.backend, key[0], key[1])
        return True

    @work(thread=True, exclusive=True, group="timeline")
    def _timeline_worker(
        self, seq: int, backend: SearchBackend, query: str, filters: Filters
    ) -> None:
        try:
            timeline = backend.timeline(query, filters=filters, by="day")
        except Exception as error:
            timeline = Timeline(by="day", error=one_line(error))
        self.call_from_thread(self._apply_timeline, seq, timeline)

    def _apply_timeline(self, seq: int, timeline: Timeline) -> None:
        if seq != self._timeline_seq:
            return  # a newer query: these bars are stale
        self._timeline_days = [] if timeline.error else list(timeline.buckets)
        self._timeline_by = None
        self._fit_strip()
        if "first_timeline" not in self.timings:
            self.call_after_refresh(self._first_strip_painted)

    def _first_strip_painted(self) -> None:
        """The start-up figures: the first strip is on screen (the benchmark's end)."""
        self.timings.setdefault("first_timeline", time.perf_counter())
        if self.exit_after_first_result:
            self.exit()

    def _strip_width(self) -> int:
        """Cells the strip's bars may take: the results column's width less its padding."""
        width = self.results_list.size.width or self.query_one("#results-column").size.width
        return max(4, width - 2)

    def _fit_strip(self) -> None:
        strip = self.timeline_strip
        fitted = strip_buckets(self._timeline_days, self._strip_width())
        if fitted is None:
            strip.display = False
            self._timeline_by = None
            return
        by, buckets = fitted
        self._timeline_by = by
        self._strip_buckets = buckets
        if self.period is None:
            strip.set_buckets((), by)  # forget a selection of another query
        strip.set_buckets(buckets, by)
        strip.display = True

    def refit_timeline(self) -> None:
        """The strip's width changed: choose the period again (not while one is selected,
        which would change what the selection means)."""
        if self.period is not None or not self._timeline_days:
            return
        fitted = strip_buckets(self._timeline_days, self._strip_width())
        if fitted is not None and fitted[0] != self._timeline_by:
            self._fit_strip()

    def reset_strip_selection(self) -> None:
        """Drop the strip's selection without a message (the search is re-run anyway)."""
        strip = self.timeline_strip
        if strip.selected_periods is None and strip.anchor_period is None:
            return
        buckets: list[TimelineBucket] = list(getattr(self, "_strip_buckets", []))
        strip.set_buckets((), strip.by)
        strip.set_buckets(buckets, strip.by)

    def on_timeline_strip_selected(self, event: TimelineStrip.Selected) -> None:
        self.period = Period(event.start, event.end, event.label)
        self._period_key = self._timeline_key
        self.rerun_search(f"Timeline: {event.label} selected")

    def on_timeline_strip_cleared(self, event: TimelineStrip.Cleared) -> None:
        if self.period is None:
            return
        self.period = None
        self.rerun_search("Timeline: every date again")

    def _strip_action(self, action: str) -> None:
        strip = self.timeline_strip
        if not strip.display:
            if any(w.group == "timeline" and not w.is_finished for w in self.workers):
                self.status.set_message("The timeline is still being counted")
            else:
                self.status.set_message("No timeline: search for words whose hits carry a date")
            return
        anchored = strip.anchor_period
        getattr(strip, f"action_{action}")()
        if action == "timeline_extend" and anchored is None and strip.anchor_period:
            self.status.set_message(
                f"Range from {strip.anchor_period}: move the cursor, then extend again"
            )
        elif action in ("timeline_previous", "timeline_next") and strip.cursor_period:
            count = strip.counts[strip.cursor]
            self.status.set_message(
                f"Timeline: {strip.cursor_period} · {count:,} article{'s' if count != 1 else ''}"
            )

    def action_timeline_previous(self) -> None:
        self._strip_action("timeline_previous")

    def action_timeline_next(self) -> None:
        self._strip_action("timeline_next")

    def action_timeline_select(self) -> None:
        self._strip_action("timeline_select")

    def action_timeline_extend(self) -> None:
        self._strip_action("timeline_extend")

    def action_timeline_clear(self) -> None:
        if self.timeline_strip.display and self.period is None:
            self.status.set_message("Timeline: nothing selected")
        self._strip_action("timeline_clear")

    # -- order, copies, outlets, years -------------------------------------------------

    def action_cycle_sort(self) -> None:
        self.sort = next_sort(self.sort)
        self.settings.sort = self.sort  # remembered for the next launch
        self.rerun_search(f"Order: {SORT_LABELS[self.sort]}")

    def action_toggle_copies(self) -> None:
        self.all_copies = not self.all_copies
        if self.all_copies:
            message = "Every copy of a reprinted story is listed"
        else:
            message = "Each story once, through its first copy"
        self.rerun_search(message)

    def narrow_to_outlet(self, outlet: str) -> None:
        """Only ``outlet``'s articles (as ``--outlet``), until the clear key."""
        self.outlet_filter = (outlet,)
        self.rerun_search(f"Only {outlet} · {self._clear_keys()} clears")

    def narrow_to_year(self, year: str) -> None:
        """The query in ``year`` (``in:YEAR`` in the search box, in place of other dates)."""
        scope = self.results.scope if self.results is not None else None
        words = scope.query.strip() if scope is not None else self.search_box.value.strip()
        self.search_for(f"{words} in:{year}".strip())

    def _clear_keys(self) -> str:
        bindings = self._bindings_by_id().get("clear_filters", [])
        return " ".join(self.get_key_display(b) for b in bindings) or "clear_filters"

    def action_clear_filters(self) -> None:
        if not self.outlet_filter and self.period is None:
            scope = self.results.scope if self.results is not None else None
            if scope is not None and scope.prepared.when is not None:
                self.status.set_message("Dates typed in the search box stay: edit the query")
            else:
                self.status.set_message("Nothing narrows the results")
            return
        self.outlet_filter = ()
        self.period = None
        self.reset_strip_selection()
        self.rerun_search("Every outlet and date again")

    def rerun_search(self, message: str = "") -> None:
        """Search again with the current narrowing; ``message`` goes to the status line."""
        self._status_note = message
        if message:
            self.status.set_message(message)
        self.run_query(self.search_box.value, force=True)
