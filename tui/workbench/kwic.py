"""Keyword in context (a concordance) for Chinese: contexts counted in words.

Concordancers built for space-separated languages fail on Chinese in one of two ways:
with no spaces to split on, a "word" is the whole run up to the next punctuation, so a
left or right context becomes a whole sentence (CATMA); or every character is a word
(Voyant), so five words of context are five characters cut mid-word. Here a word is a
jieba token of the paragraph's *folded* text (OpenCC t2s, normalised: same length as the
original), so the boundaries found there are offsets into the text as written and the
lines show Traditional paragraphs in Traditional script. Whitespace is not a word;
punctuation is (a comma is one token of context, as in most concordancers). A match
that starts or ends inside a token (the index finds any substring: 科创 inside 科创走廊)
counts the cut piece as the first word of its context.

The matches are the hit's spans (exact offsets of every match in the paragraph), so
``left + match + right`` is always a slice of the paragraph: ``offset`` in the JSON
lines says where ``match`` starts.

Sorting by left context compares the nearest word first, outward (the usual KWIC "1L,
2L" order), by right context the words in reading order, both on the folded words (so
科創 and 科创 sort together) in pinyin order, as a Chinese dictionary orders them (code
point order would put 协同 before 合作). Display aligns the keyword in one column, measuring width
in terminal cells (a Han character takes two: ``rich.cells.cell_len``).

jieba cuts each run of Han letters and digits on its own, so a long paragraph (a wall
of text) is segmented only in a window around each match that begins and ends at such
a run's edge: the same words as the whole paragraph, at a cost bounded by the context
width instead of the paragraph's length.

Cost, measured here on the 3,074 hits (3,412 lines) of a query on a synthetic
20,000-paragraph index (paragraphs of 60-250 characters): 3.0 s in words, about 1 ms a
hit paragraph, nine tenths of it jieba; 0.24 s with ``--chars``. jieba's dictionary
loads once per process first (1.1-1.4 s here, from its cache).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # pragma: no cover
    from rich.text import Text

    from g60_reader.index.contract import Hit

Unit = Literal["words", "chars"]
SortKey = Literal["left", "right", "date"]
SORTS: tuple[SortKey, ...] = ("left", "right", "date")
DEFAULT_WIDTH = {"words": 5, "chars": 12}


@dataclass(frozen=True, slots=True)
class KwicLine:
    article_id: str
    paragraph: int
    title: str
    outlet: str
    published: str | None
    offset: int  # where ``match`` starts in the paragraph's text
    left: str
    match: str
    right: str
    left_key: tuple[str, ...]  # the left words, folded, nearest first (for sorting)
    right_key: tuple[str, ...]  # the right words, folded, in reading order
    rank: int = 0  # order of appearance (the hits' order, then the offset)

    def as_json(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "paragraph": self.paragraph,
            "left": self.left,
            "match": self.match,
            "right": self.right,
            "published": self.published,
            "outlet": self.outlet or None,
            "title": self.title,
            "offset": self.offset,
        }


def words(text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each word of ``text[lo:hi]`` (jieba tokens of its folded,
    normalised form, whitespace left out): offsets into ``text`` itself."""
    from g60_reader.index.analyzer import fold_normalise, segment

    hi = len(text) if hi is None else hi
    norm = fold_normalise(text[lo:hi])
    if len(norm) != hi - lo:  # cannot happen (both keep the length); never misalign
        return [(lo + i, lo + i + 1) for i, ch in enumerate(norm) if not ch.isspace()]
    out = []
    pos = lo
    for token in segment(norm):
        end = pos + len(token)
        if not token.isspace():
            out.append((pos, end))
        pos = end
    return out


# jieba cuts each run of these separately (its ``re_han_default``): text between two
# other characters is segmented the same alone as inside the whole paragraph.
_BLOCK_CHAR = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]")
REACH = 10  # characters of window per word of context, before widening to a block edge
WALL = 400  # a paragraph longer than this is segmented in windows around each match


def _window(norm: str, start: int, end: int, width: int) -> tuple[int, int]:
    """A slice around ``[start, end)`` that begins and ends at a jieba block edge (so its
    words are the paragraph's words), about ``REACH * width`` characters each side."""
    reach = REACH * max(width, 1)
    lo = max(0, start - reach)
    while lo > 0 and _BLOCK_CHAR.match(norm[lo - 1]) and start - lo < 4 * reach:
        lo -= 1
    hi = min(len(norm), end + reach)
    while hi < len(norm) and _BLOCK_CHAR.match(norm[hi]) and hi - end < 4 * reach:
        hi += 1
    return lo, hi


def _word_context(
    spans: list[tuple[int, int]], start: int, end: int, width: int
) -> tuple[int, int, list[tuple[int, int]], list[tuple[int, int]]]:
    """The left edge, right edge and the context words (left ones nearest first)."""
    left: list[tuple[int, int]] = []
    for s, e in reversed(spans):
        if len(left) >= width:
            break
        if s < start:
            left.append((s, min(e, start)))
    right: list[tuple[int, int]] = []
    for s, e in spans:
        if len(right) >= width:
            break
        if e > end:
            right.append((max(s, end), e))
    lo = left[-1][0] if left else start
    hi = right[-1][1] if right else end
    return lo, hi, left, right


def lines_of_hit(
    hit: Hit, *, width: int = 5, unit: Unit = "words", rank: int = 0
) -> Iterator[KwicLine]:
    """One line per match span of ``hit``."""
    from g60_reader.index.analyzer import fold_normalise

    text = hit.text
    if not hit.spans:
        return
    folded = fold_normalise(text)
    whole = words(text) if unit == "words" and len(text) <= WALL else None
    for n, (start, end) in enumerate(hit.spans):
        if not 0 <= start < end <= len(text):
            continue
        if unit == "words":
            spans = whole
            if spans is None:  # a wall of text: only the window around the match
                a, b = _window(folded, start, end, width)
                spans = words(text, a, b)
                lo, hi, lw, rw = _word_context(spans, start, end, width)
                if (len(lw) < width and a > 0) or (len(rw) < width and b < len(text)):
                    spans = whole = words(text)  # a window too short: the whole text
            lo, hi, lw, rw = _word_context(spans, start, end, width)
            left_key = tuple(folded[s:e] for s, e in lw)
            right_key = tuple(folded[s:e] for s, e in rw)
        else:
            lo, hi = max(0, start - width), min(len(text), end + width)
            left_key = tuple(reversed(folded[lo:start]))
            right_key = tuple(folded[end:hi])
        yield KwicLine(
            article_id=hit.article_id,
            paragraph=hit.paragraph,
            title=hit.title,
            outlet=hit.outlet,
            published=hit.published,
            offset=start,
            left=text[lo:start],
            match=text[start:end],
            right=text[end:hi],
            left_key=left_key,
            right_key=right_key,
            rank=rank * 10_000 + n,
        )


def concordance(
    hits: Iterable[Hit],
    *,
    width: int | None = None,
    unit: Unit = "words",
    sort: SortKey | None = None,
    limit: int | None = None,
) -> list[KwicLine]:
    """Every match of every hit with ``width`` words (or characters) of context each
    side, sorted by ``sort`` (default: the hits' order), at most ``limit`` lines (without
    ``sort``, reading stops once there are enough)."""
    size = DEFAULT_WIDTH[unit] if width is None else max(0, width)
    lines: list[KwicLine] = []
    for rank, hit in enumerate(hits):
        lines.extend(lines_of_hit(hit, width=size, unit=unit, rank=rank))
        if sort is None and limit is not None and len(lines) >= limit:
            break  # in the hits' order the first lines are final: read no further
    lines = sort_lines(lines, sort)
    return lines[:limit] if limit is not None else lines


def collation(word: str) -> tuple[tuple[str, ...], str]:
    """The order of a word in a sorted concordance: its pinyin (toneless syllables, as
    the index reads it), then the word itself; a word without a reading (Latin, digits,
    punctuation) by its own letters."""
    from g60_reader.index.pinyin import readings

    found = readings(word) if word else ()
    return (found[0] if found else (word,), word)


def _collated(words: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], str], ...]:
    return tuple(collation(word) for word in words)


def sort_lines(lines: list[KwicLine], by: SortKey | None) -> list[KwicLine]:
    """Sorted by the left context (nearest word first, outward), the right context (in
    reading order), both in pinyin order, or by date (unknown dates last); ``None``: the
    hits' order."""
    if by is None:
        return sorted(lines, key=lambda line: line.rank)
    if by == "left":
        return sorted(
            lines,
            key=lambda line: (_collated(line.left_key), _collated(line.right_key), line.rank),
        )
    if by == "right":
        return sorted(
            lines,
            key=lambda line: (_collated(line.right_key), _collated(line.left_key), line.rank),
        )
    if by == "date":
        return sorted(
            lines,
            key=lambda line: (line.published is None, line.published or "", line.rank),
        )
    raise ValueError(f"unknown sort {by!r} (use {', '.join(SORTS)})")


# -- display -----------------------------------------------------------------------------


def _flat(text: str) -> str:
    """One terminal line: control characters (a tab, a stray newline) become spaces."""
    return "".join(" " if ch < " " or "\x7f" <= ch < "\xa0" else ch for ch in text)


def _fit_left(text: str, cells: int) -> str:
    """The end of ``text`` in exactly ``cells`` cells (cut with … at the left)."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return " " * (cells - cell_len(text)) + text
    kept: list[str] = []
    used = 1  # the ellipsis
    for ch in reversed(text):
        w = cell_len(ch)
        if used + w > cells:
            break
        kept.append(ch)
        used += w
    out = "…" + "".join(reversed(kept)) if cells else ""
    return " " * (cells - cell_len(out)) + out


def _fit_right(text: str, cells: int) -> str:
    """The start of ``text`` in at most ``cells`` cells (cut with … at the right)."""
    from rich.cells import cell_len

    if cell_len(text) <= cells:
        return text
    kept: list[str] = []
    used = 1
    for ch in text:
        w = cell_len(ch)
        if used + w > cells:
            break
        kept.append(ch)
        used += w
    return "".join(kept) + "…" if cells else ""


def render(lines: list[KwicLine], width: int = 100) -> list[Text]:
    """The lines for a terminal ``width`` cells wide: the date, the left context
    right-aligned, the keyword in one column (bold), the right context."""
    from rich.cells import cell_len
    from rich.text import Text

    if not lines:
        return []
    dated = any(line.published for line in lines)
    prefix = 12 if dated else 0  # "2019-03-05  "
    key_cells = max(cell_len(_flat(line.match)) for line in lines)
    room = max(width - prefix - key_cells - 2, 8)
    left_cells = min(max(cell_len(_flat(line.left)) for line in lines), room // 2)
    right_cells = room - left_cells
    out = []
    for line in lines:
        text = Text(no_wrap=True, overflow="ellipsis")
        if dated:
            text.append(f"{(line.published or '')[:10]:<10}  ", style="dim")
        text.append(_fit_left(_flat(line.left), left_cells))
        text.append(" ")
        match = _flat(line.match)
        text.append(match, style="bold reverse")
        text.append(" " * (key_cells - cell_len(match)) + " ")
        text.append(_fit_right(_flat(line.right), right_cells))
        out.append(text)
    return out


__all__ = [
    "DEFAULT_WIDTH",
    "SORTS",
    "KwicLine",
    "SortKey",
    "Unit",
    "collation",
    "concordance",
    "lines_of_hit",
    "render",
    "sort_lines",
    "words",
]
