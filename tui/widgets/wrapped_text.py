"""A text widget that breaks lines the Chinese way (see :mod:`.wrap`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from g60_reader.tui.widgets.wrap import Span, wrap_lines


class WrappedText(Widget):
    """Shows a ``rich.text.Text`` wrapped to the widget's width, hits kept whole."""

    DEFAULT_CSS = """
    WrappedText {
        height: auto;
        text-wrap: nowrap;
        text-overflow: clip;
    }
    """

    def __init__(
        self,
        text: Text | None = None,
        keep: Sequence[Span] = (),
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._text = text if text is not None else Text("")
        self._keep = tuple(keep)
        self._cache: tuple[int, list[Text]] | None = None

    @property
    def text(self) -> Text:
        return self._text

    def update(self, text: Text, keep: Sequence[Span] = ()) -> None:
        self._text = text
        self._keep = tuple(keep)
        self._cache = None
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Text]:
        width = max(2, width)
        if self._cache is None or self._cache[0] != width:
            self._cache = (width, wrap_lines(self._text, width, self._keep))
        return self._cache[1]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((cell_len(line.plain) for line in self.lines(container.width)), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))

    def render(self) -> Text:
        return Text("\n", end="").join(self.lines(self.content_region.width or 80))
