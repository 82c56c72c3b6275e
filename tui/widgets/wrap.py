"""Line breaking for Chinese text: break between Han characters, never inside a highlight.

Textual and Rich wrap at spaces, which suits English but leaves a short line before every
space in Chinese text (金華日報消息 區域一體……). Here a line may break between any two
wide characters; a run of narrow characters (a Latin word, a number such as G60 or 3.0)
stays whole unless it is wider than the line; closing punctuation stays with the
character before it and opening punctuation with the one after; zero-width characters
(combining marks, joiners) stay with their base; a styled span that the caller wants
kept together (a search hit) moves to the next line whole if it fits there.

The result is the same ``Text`` cut into lines with ``Text.divide``, so every style stays
on exactly the characters it was on.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.text import Text

Span = tuple[int, int]

# Characters that must not begin a line (they follow what they close or end).
NO_LINE_START = set("，。、；：？！）」』】》〉”’…—～·,.;:?!)]}%》〕〗〙〛．")
# Characters that must not end a line (they open what follows).
NO_LINE_END = set("（「『【《〈“‘([{〔〖〘〚")


def _units(text: str, keep: Sequence[Span]) -> list[tuple[int, int, int]]:
    """(start, end, cells) for each unbreakable piece of ``text``."""
    units: list[list[int]] = []  # [start, end, cells]
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        width = cell_len(char)
        if char.isspace():
            units.append([index, index + 1, width])
            index += 1
            continue
        if width == 0 and units:  # combining mark, joiner: stays with its base
            units[-1][1] = index + 1
            index += 1
            continue
        if width >= 2:
            units.append([index, index + 1, width])
            index += 1
            continue
        end = index + 1  # a run of narrow, non-space characters
        while end < length:
            nxt = text[end]
            if nxt.isspace() or cell_len(nxt) >= 2 or nxt in NO_LINE_END:
                break
            end += 1
        units.append([index, end, cell_len(text[index:end])])
        index = end
    merged: list[list[int]] = []
    glue_next = False
    for unit in units:
        first = text[unit[0]]
        if merged and (glue_next or first in NO_LINE_START):
            merged[-1][1] = unit[1]
            merged[-1][2] += unit[2]
        else:
            merged.append(unit)
        glue_next = text[unit[1] - 1] in NO_LINE_END
    for start, end in keep:  # highlights stay together
        inside = [i for i, unit in enumerate(merged) if unit[0] < end and unit[1] > start]
        if len(inside) > 1:
            first, last = inside[0], inside[-1]
            cells = sum(merged[i][2] for i in inside)
            merged[first : last + 1] = [[merged[first][0], merged[last][1], cells]]
    return [(u[0], u[1], u[2]) for u in merged]


def break_offsets(text: str, width: int, keep: Sequence[Span] = ()) -> list[int]:
    """Offsets at which to cut ``text`` so that each line takes at most ``width`` cells."""
    width = max(2, width)
    offsets: list[int] = []
    used = 0
    for start, end, cells in _units(text, keep):
        if cells > width:  # wider than a line: fold it character by character
            for index in range(start, end):
                char_cells = cell_len(text[index])
                if used + char_cells > width and used > 0:
                    offsets.append(index)
                    used = 0
                used += char_cells
            continue
        if used + cells > width and used > 0:
            if text[start].isspace():  # a space at the end of a line may hang over
                used += cells
                continue
            offsets.append(start)
            used = 0
        used += cells
    return offsets


def wrap_lines(text: Text, width: int, keep: Sequence[Span] = ()) -> list[Text]:
    """``text`` cut into lines of at most ``width`` cells (hanging spaces dropped)."""
    plain = text.plain
    if not plain:
        return [text.copy()]
    lines = list(text.divide(break_offsets(plain, width, keep)))
    for line in lines[:-1]:
        line.rstrip()
    return lines


def wrap(text: Text, width: int, keep: Sequence[Span] = ()) -> Text:
    """``text`` with newlines inserted so that no line is wider than ``width`` cells."""
    return Text("\n", end="").join(wrap_lines(text, width, keep))
