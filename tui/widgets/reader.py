"""The reader pane: title, subtitle, meta line and numbered paragraphs of one article."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from g60_reader.corpus.model import Damage, EntitySpan
from g60_reader.index.contract import StoredArticle
from g60_reader.tui.widgets.rendering import DAMAGE_MARK, display_date, printable, styled
from g60_reader.tui.widgets.wrapped_text import WrappedText

Span = tuple[int, int]
HitPosition = tuple[int, Span]  # (paragraph number, span in its text)

EMPTY_HINT = "Nothing open yet: choose a result and press Enter (or click it)."


def damage_note(damage: list[Damage], part: str, paragraph: int | None = None) -> str:
    """A sentence about the damage in one part of an article ("" when there is none)."""
    raws = [d.raw for d in damage if d.part == part and d.paragraph == paragraph]
    if not raws:
        return ""
    shown = ", ".join(repr(raw) for raw in raws if raw)
    where = f"¶{paragraph}" if paragraph is not None else part
    note = f"{DAMAGE_MARK} in {where}: the source lost text here"
    return f"{note} (it held {shown})" if shown else note


class ParagraphView(Horizontal):
    """One numbered paragraph."""

    def __init__(
        self, number: int, text: Text, keep: list[Span] | None = None, damaged: str = ""
    ) -> None:
        super().__init__(classes="paragraph")
        self.number = number
        self._text = text
        self._keep = keep or []
        self.damaged = damaged
        if damaged:
            self.add_class("-damaged")
            self.tooltip = Text(damaged)

    def compose(self) -> ComposeResult:
        yield Static(Text(str(self.number)), classes="pnum")
        yield WrappedText(self._text, self._keep, classes="ptext")

    def set_text(self, text: Text, keep: list[Span] | None = None) -> None:
        self._text = text
        self._keep = keep or []
        if self.is_mounted:
            self.query_one(".ptext", WrappedText).update(text, self._keep)

    @property
    def text(self) -> Text:
        return self._text


class ReaderPane(VerticalScroll, can_focus=True):
    """Shows a :class:`StoredArticle` with hits, entities and damage styled."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stored: StoredArticle | None = None
        self.hits: dict[int, list[Span]] = {}
        self.current: HitPosition | None = None
        self.script = "written"
        self.highlight = True

    def compose(self) -> ComposeResult:
        yield Static(Text(EMPTY_HINT, style="dim"), id="reader-empty")
        yield WrappedText(id="reader-title")
        yield WrappedText(id="reader-subtitle")
        yield WrappedText(id="reader-meta")
        yield Vertical(id="reader-body")

    # -- building ----------------------------------------------------------------------

    def _entities(self, number: int) -> list[EntitySpan]:
        if self.stored is None:
            return []
        return self.stored.entities.get(number, [])

    def _paragraph_text(self, number: int, text: str) -> Text:
        current = self.current[1] if self.current and self.current[0] == number else None
        return styled(
            text,
            script=self.script,
            hits=self.hits.get(number, ()),
            current=current,
            entities=self._entities(number),
            highlight=self.highlight,
        )

    def _meta(self) -> Text:
        assert self.stored is not None
        article = self.stored.article
        parts = [article.outlet, display_date(article.published)]
        if article.byline:
            parts.append(f"記者 {article.byline}")
        if article.source_credit and article.source_credit != article.outlet:
            parts.append(f"來源 {article.source_credit}")
        meta = " · ".join(part for part in parts if part)
        out = styled(meta, script=self.script, style="dim") if meta else Text("")
        copies = self.stored.copies
        if copies:
            # exact duplicates (a mirror, a re-download) are one article: say where else
            out.append("\n" if meta else "")
            label = "also saved as" if len(copies) == 1 else f"also saved as ({len(copies)})"
            out.append(f"{label}: ", style="dim")
            out.append(", ".join(printable(copy.path) for copy in copies[:3]), style="dim")
            if len(copies) > 3:
                out.append(f", … {len(copies) - 3} more", style="dim")
        return out

    async def show(
        self,
        stored: StoredArticle,
        hits: dict[int, list[Span]],
        current: HitPosition | None,
        script: str,
        highlight: bool,
    ) -> None:
        self.stored = stored
        self.hits = hits
        self.current = current
        self.script = script
        self.highlight = highlight
        article = stored.article
        self.query_one("#reader-empty").display = False
        self._update_head()
        body = self.query_one("#reader-body", Vertical)
        await body.remove_children()
        views = [
            ParagraphView(
                paragraph.number,
                self._paragraph_text(paragraph.number, paragraph.text),
                self.hits.get(paragraph.number, []),
                damage_note(article.damage, "body", paragraph.number),
            )
            for paragraph in article.paragraphs
        ]
        for view in views:
            view.set_class(bool(current and current[0] == view.number), "-current")
        await body.mount_all(views)
        self.scroll_home(animate=False)
        if current is not None:
            self.call_after_refresh(self.reveal_current)

    def _update_head(self) -> None:
        assert self.stored is not None
        article = self.stored.article
        title = self.query_one("#reader-title", WrappedText)
        title.update(styled(article.title or "(untitled)", script=self.script, style="bold"))
        title.tooltip = (
            Text(damage_note(article.damage, "title")) if DAMAGE_MARK in article.title else None
        )
        subtitle = self.query_one("#reader-subtitle", WrappedText)
        subtitle.display = bool(article.subtitle)
        subtitle.update(styled(article.subtitle, script=self.script))
        if DAMAGE_MARK in article.subtitle:
            subtitle.tooltip = Text(damage_note(article.damage, "subtitle"))
        else:
            subtitle.tooltip = None
        self.query_one("#reader-meta", WrappedText).update(self._meta())

    def paragraph_views(self) -> list[ParagraphView]:
        return list(self.query_one("#reader-body").query_children(ParagraphView))

    def view_of(self, number: int) -> ParagraphView | None:
        for view in self.paragraph_views():
            if view.number == number:
                return view
        return None

    def restyle(self, script: str, highlight: bool) -> None:
        """Re-render every text after a change of script or highlighting."""
        self.script = script
        self.highlight = highlight
        if self.stored is None:
            return
        self._update_head()
        texts = {p.number: p.text for p in self.stored.article.paragraphs}
        for view in self.paragraph_views():
            view.set_text(
                self._paragraph_text(view.number, texts.get(view.number, "")),
                self.hits.get(view.number, []),
            )

    def set_current(self, current: HitPosition | None) -> None:
        """Move the current-hit mark, re-rendering only the paragraphs that change."""
        previous = self.current
        self.current = current
        if self.stored is None:
            return
        texts = {p.number: p.text for p in self.stored.article.paragraphs}
        touched = {pos[0] for pos in (previous, current) if pos is not None}
        for view in self.paragraph_views():
            view.set_class(bool(current and current[0] == view.number), "-current")
            if view.number in touched:
                view.set_text(
                    self._paragraph_text(view.number, texts.get(view.number, "")),
                    self.hits.get(view.number, []),
                )
        if current is not None:
            self.call_after_refresh(self.reveal_current)

    def reveal_current(self) -> None:
        """Scroll so that the current hit is on screen (its line, for long paragraphs)."""
        if self.current is None:
            return
        number, (start, _end) = self.current
        view = self.view_of(number)
        if view is None:
            return
        text_widget = view.query_one(".ptext", WrappedText)
        viewport = self.scrollable_content_region.height
        body = self.query_one("#reader-body")
        top = body.virtual_region.y + view.virtual_region.y
        if view.virtual_region.height <= viewport:
            self.scroll_to_widget(view, animate=False)
            return
        width = max(2, text_widget.content_region.width)
        line = 0
        for index, text_line in enumerate(text_widget.lines(width)):
            start -= len(text_line.plain)
            if start < 0:
                line = index
                break
        self.scroll_to(y=max(0, top + line - viewport // 2), animate=False)

    def current_text_line(self) -> str:
        """The plain text of the current paragraph as displayed (for status messages)."""
        if self.current is None:
            return ""
        view = self.view_of(self.current[0])
        return view.text.plain if view is not None else ""
