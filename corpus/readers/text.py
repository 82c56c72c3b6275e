"""Plain text and Markdown: one article per file, the first non-empty line is its title."""

from __future__ import annotations

import re

from g60_reader.corpus.clean import HAN
from g60_reader.corpus.model import ReadError

from .raw import RawArticle


def read_txt(text: str) -> list[RawArticle | ReadError]:
    return [RawArticle(title=None, lines=text.splitlines(), detect_subtitle=True)]


_CJK_EDGE = f"{HAN}\u3000-\u303f\uff00-\uffef"
# Linear time on hostile input (a 1 MB run of spaces must not take minutes):
# - a break is only looked for right after a non-space CJK character (U+3000, the one
#   space in _CJK_EDGE, is left out), so each whitespace run is scanned from one start;
# - the run is taken whole by a lookahead and a back-reference (an atomic group that
#   Python 3.10 can write), so a failed match does not retry every newline inside it.
# Starting after a U+3000 instead changes nothing once ``clean`` collapses whitespace.
_SOFT_BREAK_RE = re.compile(
    f"(?<=[{HAN}\u3001-\u303f\uff00-\uffef])(?=(\\s*\\n\\s*))\\1(?=[{_CJK_EDGE}])"
)


def join_soft_breaks(text: str) -> str:
    """Lines wrapped inside one paragraph: no space between CJK characters, else one."""
    return _SOFT_BREAK_RE.sub("", text).replace("\n", " ")


_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}(?:\s|$)")
_MD_BLOCK_START_RE = re.compile(r"^\s{0,3}(?:#{1,6}(?:\s|$)|[-*+]\s|\d+[.)]\s|>)")


def read_md(text: str) -> list[RawArticle | ReadError]:
    """Markdown: a paragraph is a run of non-blank lines; headings, list items and quotes
    start their own paragraph. The first one is the title (``#`` marks removed)."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        if current and _MD_BLOCK_START_RE.match(line):
            blocks.append(current)
            current = []
        current.append(line.strip())
        if _MD_HEADING_RE.match(line):  # a heading is one line
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    lines = [join_soft_breaks("\n".join(block)) for block in blocks]
    return [RawArticle(title=None, lines=lines, detect_subtitle=True)]
