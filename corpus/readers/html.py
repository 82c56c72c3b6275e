"""HTML pages: title, paragraphs and the page's own metadata."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

from g60_reader.corpus.clean import clean
from g60_reader.corpus.dates import parse_date
from g60_reader.corpus.model import ReadError

from .raw import Fields, RawArticle
from .text import join_soft_breaks

_IGNORED_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "noscript",
        "template",
        "svg",
        "iframe",
        "button",
        "select",
        "textarea",
        "object",
    }
)
# A page header often holds the article's <h1>; everything else ignored also hides titles.
_TITLE_BLOCKING = _IGNORED_TAGS - {"header"}
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset"}
    | {"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody"}
    | {"td", "th", "thead", "tfoot", "tr", "ul", "title", "body", "caption"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Block tags that close an open <p>, as browsers do.
_CLOSES_P = _BLOCK_TAGS - {"li", "dd", "dt", "td", "th", "tr", "tbody", "thead", "tfoot"}
_META_AUTHOR = ("author",)
_META_OUTLET = ("og:site_name", "source")
_META_DATE = ("article:published_time", "pubdate", "publishdate", "publish_date", "date")


class _Extractor(HTMLParser):
    """Collects <title>, <h1>, <h2> and text blocks, skipping boilerplate containers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()
        self.ignored = 0
        self.title_blocked = 0
        self.buf: list[str] = []
        self.blocks: list[tuple[str, str]] = []  # (kind, text)
        self.meta: dict[str, str] = {}

    # kind of the text being collected right now
    def _kind(self) -> str:
        if self.open["title"]:
            return "title"
        for heading in ("h1", "h2"):
            if self.open[heading]:
                return heading
        return "p" if self.open["p"] else "other"

    def _visible(self) -> bool:
        if self.ignored == 0:
            return True
        # an <h1>/<title> inside <header> still names the article
        return self.title_blocked == 0 and (self.open["h1"] > 0 or self.open["title"] > 0)

    def _flush(self) -> None:
        if self.buf:
            text = join_soft_breaks("".join(self.buf)).strip()
            if text:
                self.blocks.append((self._kind(), text))
            self.buf = []

    def _push(self, tag: str) -> None:
        self.stack.append(tag)
        self.open[tag] += 1
        if tag in _IGNORED_TAGS:
            self.ignored += 1
        if tag in _TITLE_BLOCKING:
            self.title_blocked += 1

    def _pop_to(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            self.open[top] -= 1
            if top in _IGNORED_TAGS:
                self.ignored -= 1
            if top in _TITLE_BLOCKING:
                self.title_blocked -= 1
            if top == tag:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(attrs)
        if tag in _VOID_TAGS:
            if tag in ("br", "hr"):
                self._flush()
            return
        if tag in _BLOCK_TAGS:
            self._flush()
            if tag in _CLOSES_P and self.open["p"]:
                self._pop_to("p")
            if tag in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
                self._pop_to(self.stack[-1])  # headings do not nest
        self._push(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and not self.open[tag]:
            # </h2> closes an open <h1>, as browsers do
            tag = next((t for t in reversed(self.stack) if t in _HEADINGS), tag)
        if not self.open[tag]:
            return  # a stray end tag
        if tag in _BLOCK_TAGS:
            self._flush()
        self._pop_to(tag)

    def handle_data(self, data: str) -> None:
        if self._visible():
            self.buf.append(data)

    def parse_html_declaration(self, i: int) -> int:
        # Python < 3.13 raises AssertionError on malformed "<![..." / "<!x [" markup;
        # browsers treat such markup as a bogus comment, and so do we.
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            end = self.rawdata.find(">", i + 2)
            return -1 if end == -1 else end + 1

    def _meta(self, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v is not None}
        name = (values.get("name") or values.get("property") or "").lower()
        if name and "content" in values and name not in self.meta:
            self.meta[name] = values["content"]

    def close(self) -> None:
        super().close()
        self._flush()


# Markup that opens a tag, end tag, comment, declaration or processing instruction.
_MARKUP_OPEN_RE = re.compile(r"<[A-Za-z/!?]")


def _drop_unclosed_tail(text: str) -> str:
    """``text`` without markup left open at the end of the file.

    After the last ``>`` no construct can close. Browsers drop such a tail (end of file
    inside a tag or comment shows nothing), while ``html.parser`` of older Pythons (3.11.7
    measured) rescans it from every ``<`` to the end: quadratic, over a minute for a
    100 KB tail of ``<a <a <a``. Text before the first unclosed ``<`` of the tail is kept.
    """
    match = _MARKUP_OPEN_RE.search(text, text.rfind(">") + 1)
    return text if match is None else text[: match.start()]


def extract_html(text: str) -> tuple[str | None, str | None, list[str], dict[str, str]]:
    """``(title, subtitle, paragraphs, meta)`` of an HTML page.

    The title is the first <h1>, else <title>; paragraphs are the <p> blocks (split at
    <br>), or every text block when the page has no <p>; the subtitle is an <h2> before
    the first paragraph.
    """
    parser = _Extractor()
    try:
        parser.feed(_drop_unclosed_tail(text))
        parser.close()
    except AssertionError:  # another malformed-markup assertion of an older html.parser
        parser._flush()
    blocks = parser.blocks
    first = {kind: next((t for k, t in blocks if k == kind), None) for kind in ("title", "h1")}
    title = first["h1"] or first["title"]
    body_kind = "p" if any(k == "p" for k, _ in blocks) else "other"
    paragraphs = [t for k, t in blocks if k == body_kind]
    subtitle = None
    for kind, block in blocks:
        if kind == body_kind:
            break
        if kind == "h2":
            subtitle = block
            break
    return title, subtitle, paragraphs, parser.meta


def _first_meta(meta: dict[str, str], names: tuple[str, ...]) -> str:
    return next((meta[n].strip() for n in names if meta.get(n, "").strip()), "")


def read_html(text: str) -> list[RawArticle | ReadError]:
    title, subtitle, paragraphs, meta = extract_html(text)
    fields = Fields(
        outlet=clean(_first_meta(meta, _META_OUTLET))[0],
        byline=clean(_first_meta(meta, _META_AUTHOR))[0],
        published=parse_date(_first_meta(meta, _META_DATE)),
        subtitle=subtitle,
    )
    return [RawArticle(title=title, lines=paragraphs, fields=fields, from_markup=True)]
