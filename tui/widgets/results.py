"""The results list (one row per hit paragraph, or per article for an empty query)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from g60_reader.index.contract import ArticleSummary, Hit, SearchResult
from g60_reader.tui.scope import SearchScope
from g60_reader.tui.widgets.rendering import PARAGRAPH_STYLE, display, display_date, styled
from g60_reader.tui.widgets.wrap import wrap_lines


@dataclass
class ResultSet:
    """What the results list shows: the hits of a query, or all articles."""

    query: str
    result: SearchResult | None = None  # None: the article listing (empty query)
    hits: list[Hit] = field(default_factory=list)  # pages loaded so far, in order
    articles: list[ArticleSummary] = field(default_factory=list)
    pages: int = 0  # pages loaded
    error: str | None = None
    wide: list[Hit] | None = None  # up to HIT_MAP_LIMIT hits, fetched once to map articles
    scope: SearchScope | None = None  # what was asked (filters, order, copies)
    listing_undated: int = 0  # articles of the listing a date filter left out

    @property
    def undated(self) -> int:
        """Matching articles a date filter left out because their date is unknown."""
        if self.result is not None:
            return self.result.undated
        return self.listing_undated

    @property
    def is_listing(self) -> bool:
        return self.result is None and self.error is None

    @property
    def total(self) -> int:
        if self.result is not None:
            return self.result.total
        return len(self.articles)

    @property
    def has_more(self) -> bool:
        return self.result is not None and len(self.hits) < self.result.total

    def rows(self) -> int:
        return len(self.articles) if self.result is None else len(self.hits)

    def article_id(self, row: int) -> str:
        if self.result is None:
            return self.articles[row].article_id
        return self.hits[row].article_id


def _context_start(text: str, anchor: int, cells: int) -> int:
    """Where to start showing ``text`` so that about ``cells`` cells precede ``anchor``."""
    start, used = anchor, 0
    while start > 0 and used + cell_len(text[start - 1]) <= cells:
        start -= 1
        used += cell_len(text[start])
    return start


def _line(text: Text, width: int) -> Text:
    text.truncate(max(1, width), overflow="ellipsis")
    return text


SNIPPET_LINES = 2


def reprint_label(hit: Hit, all_copies: bool = False) -> str:
    """``+2 reprints`` on a story shown once; ``3 copies`` when every copy is listed."""
    if not hit.reprints:
        return ""
    if all_copies:
        return f"{hit.reprints + 1} copies"
    return f"+{hit.reprints} reprint{'s' if hit.reprints != 1 else ''}"


def hit_prompt(
    hit: Hit,
    script: str,
    highlight: bool,
    width: int,
    all_copies: bool = False,
    reprint_style: Style | str = "bold",
) -> Text:
    """¶n, title and meta on one line; the hit in its context on two lines below."""
    first = Text(end="")
    first.append(f"¶{hit.paragraph} ", style=PARAGRAPH_STYLE)
    title = styled(hit.title or "(untitled)", script=script, style="bold")
    story = reprint_label(hit, all_copies)
    # Date first: it is what the date orders sort by, and the part a narrow line keeps.
    meta = " · ".join(part for part in (display_date(hit.published), hit.outlet) if part)
    if story:
        # The story mark must stay in view: the title gives way (it is in the reader),
        # and a cell is left for the ellipsis of the meta that follows.
        room = max(4, width - first.cell_len - cell_len(story) - 2 - (1 if meta else 0))
        if title.cell_len > room:
            title.truncate(room, overflow="ellipsis")
    first.append_text(title)
    if story:
        first.append("  ")
        first.append(story, style=reprint_style)
    if meta:
        first.append("  ")
        first.append_text(styled(meta, script=script, style="dim"))
    anchor = hit.spans[0][0] if hit.spans else 0
    start = _context_start(hit.text, anchor, width // 3)
    # Enough text for the lines shown (two cells a character at most), not the whole paragraph.
    end = min(len(hit.text), start + SNIPPET_LINES * width + 2)
    local = [
        (max(s, start) - start, min(e, end) - start) for s, e in hit.spans if s < end and e > start
    ]
    snippet = Text(end="")
    shift = 0
    if start > 0:
        snippet.append("…", style="dim")
        shift = 1
    snippet.append_text(styled(hit.text[start:end], script=script, hits=local, highlight=highlight))
    keep = [(s + shift, e + shift) for s, e in local]
    lines = wrap_lines(snippet, width, keep)
    more = len(lines) > SNIPPET_LINES or end < len(hit.text)
    lines = lines[:SNIPPET_LINES]
    if more:
        last = lines[-1]
        while last.plain and cell_len(last.plain) + 1 > width:
            last.right_crop(1)
        last.append("…", style="dim")
    return Text("\n", end="").join([_line(first, width), *lines])


def article_prompt(summary: ArticleSummary, script: str, width: int) -> Text:
    line = _line(styled(summary.title or "(untitled)", script=script, style="bold"), width)
    line.append("\n")
    meta = " · ".join(part for part in (display_date(summary.published), summary.outlet) if part)
    second = Text(end="")
    if meta:
        second.append_text(styled(meta, script=script, style="dim"))
        second.append(" · ", style="dim")
    second.append(f"{summary.paragraphs} ¶", style="dim")
    line.append_text(_line(second, width))
    return line


class ResultsHeader(Static):
    """Above the results: "N hits in M articles · x ms" (one line, cut to the width), or
    the error (in full); a second line says what narrows and orders them when anything
    does ("newest first · 2019-01-01 – 2019-03-31 · 12 undated left out · outlet 新华网")."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"results-header--scope"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._counts: Text | None = None  # None: show what update() was given
        self._scope: Text | None = None

    def show_result(self, results: ResultSet, frozen_ms: float | None) -> None:
        self.set_class(results.error is not None, "-error")
        if results.error is not None:
            text = Text(end="")
            text.append("✗ ", style="bold")
            text.append(display(results.error))
            self._counts = None
            self.update(text)
            return
        text = Text(end="", no_wrap=True)
        if results.result is None:
            count = len(results.articles)
            text.append(f"{count} article{'s' if count != 1 else ''}")
        else:
            result = results.result
            elapsed = result.elapsed_ms if frozen_ms is None else frozen_ms
            text.append(f"{result.total} hit{'s' if result.total != 1 else ''}", style="bold")
            text.append(f" in {result.articles} article{'s' if result.articles != 1 else ''}")
            text.append(f" · {elapsed:.0f} ms", style="dim")
        parts = results.scope.describe(results.undated) if results.scope is not None else []
        self._scope = None
        if parts:
            self._scope = Text(
                display(" · ".join(parts)),
                style=self.get_component_rich_style("results-header--scope", partial=True),
                end="",
            )
        self._counts = text
        self.update(text)  # (what render() builds on; also refreshes the layout)

    def render(self) -> RenderResult:
        if self._counts is None:
            return super().render()
        counts = self._counts.copy()
        width = self.content_region.width
        if width:
            counts.truncate(width, overflow="ellipsis")
        if self._scope is None:
            return counts
        return Text("\n", end="").join([counts, self._scope])

    @property
    def scope_line(self) -> str:
        """The second line as given ("" when there is none)."""
        return self._scope.plain if self._scope is not None and self._counts else ""

    def show_message(self, message: str) -> None:
        self.set_class(False, "-error")
        self._counts = None
        self.update(Text(message, style="dim"))


LISTING_ROWS = 500  # rows of the article listing given options at a time


class ResultsList(OptionList):
    """One option per row of a :class:`ResultSet`; suggestions follow when nothing matched.

    The listing of every article (the empty query) gets its options ``LISTING_ROWS`` at a
    time, as the cursor nears the last one given (or a row further down is asked for):
    at 1M paragraphs an option for each of its 125k articles held about 200 MB."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"results--reprints"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.results: ResultSet | None = None
        self.suggestions: list[str] = []
        self._style = ("written", True)
        self._width = 0
        self._seen_width = 0
        self._listed = 0  # rows of the listing given options so far

    class WidthChanged(Message):
        """The list (and so its column) changed width: what sits above it may refit."""

    def on_resize(self) -> None:
        # Prompts are cut to the width: rebuild them when it changes.
        if self.results is not None and self.text_width != self._width:
            self.show(self.results, *self._style)
        if self.size.width != self._seen_width:
            self._seen_width = self.size.width
            self.post_message(self.WidthChanged())

    @property
    def text_width(self) -> int:
        width = self.scrollable_content_region.width
        return max(10, width - 1) if width else 40

    def _listing_options(self, results: ResultSet, start: int, stop: int) -> list[Option]:
        script, width = self._style[0], self.text_width
        self._listed = stop
        return [
            Option(article_prompt(summary, script, width), id=f"row-{index}")
            for index, summary in enumerate(results.articles[start:stop], start)
        ]

    def reveal(self, row: int) -> None:
        """Give the listing's options down to ``row`` and a page beyond (nothing to do
        for hits, whose pages the app loads)."""
        results = self.results
        if results is None or results.result is not None or row < self._listed - 5:
            return
        stop = min(len(results.articles), (row // LISTING_ROWS + 2) * LISTING_ROWS)
        if stop > self._listed:
            self.add_options(self._listing_options(results, self._listed, stop))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        results = self.results
        listing = results is not None and results.result is None and self._listed > 0
        if listing and new_value >= self.max_scroll_y - self.size.height:  # near the end
            self.reveal(self._listed - 1)

    def action_last(self) -> None:
        if self.results is not None and self.results.result is None:
            self.reveal(len(self.results.articles) - 1)  # asked for: the whole listing
        super().action_last()

    def _prompts(
        self, results: ResultSet, script: str, highlight: bool, upto: int = LISTING_ROWS
    ) -> list[Option]:
        width = self.text_width
        if results.result is None:
            return self._listing_options(results, 0, min(len(results.articles), upto))
        return [
            Option(self._hit_prompt(hit, script, highlight, width), id=f"row-{index}")
            for index, hit in enumerate(results.hits)
        ]

    def _hit_prompt(self, hit: Hit, script: str, highlight: bool, width: int) -> Text:
        scope = self.results.scope if self.results is not None else None
        return hit_prompt(
            hit,
            script,
            highlight,
            width,
            all_copies=scope is not None and scope.all_copies,
            reprint_style=self.get_component_rich_style("results--reprints", partial=True),
        )

    def show(self, results: ResultSet, script: str, highlight: bool) -> None:
        """Replace the rows; keeps the highlighted row when only the styling changed."""
        same = self.results is results
        keep = self.highlighted if same else None
        self.results = results
        self._style = (script, highlight)
        self._width = self.text_width
        # the listing's rows given so far stay given when only the styling changed
        upto = max(LISTING_ROWS, self._listed if same else 0, (keep or 0) + 1)
        options = self._prompts(results, script, highlight, upto)
        self.suggestions = []
        if results.result is not None and results.result.total == 0:
            self.suggestions = list(results.result.suggestions)
            for index, suggestion in enumerate(self.suggestions):
                prompt = Text("Did you mean ", style="dim", end="")
                prompt.append(display(suggestion), style="bold")
                prompt.append(" ?", style="dim")
                options.append(Option(prompt, id=f"suggest-{index}"))
        self.clear_options()
        self.add_options(options)
        if options:
            self.highlighted = keep if keep is not None and keep < len(options) else 0

    def extend(self, hits: list[Hit], script: str, highlight: bool) -> None:
        """Append the rows of a further page (already added to ``self.results.hits``)."""
        if self.results is None:
            return
        start = len(self.results.hits) - len(hits)
        width = self.text_width
        self.add_options(
            Option(self._hit_prompt(hit, script, highlight, width), id=f"row-{start + offset}")
            for offset, hit in enumerate(hits)
        )

    @staticmethod
    def row_of(option: Option) -> int | None:
        if option.id and option.id.startswith("row-"):
            return int(option.id[4:])
        return None

    def suggestion_of(self, option: Option) -> str | None:
        if option.id and option.id.startswith("suggest-"):
            return self.suggestions[int(option.id[8:])]
        return None

    def clear_rows(self) -> None:
        self.results = None
        self.suggestions = []
        self.clear_options()
