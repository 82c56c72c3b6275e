"""Fitting text into a number of terminal cells, a Han character taking two.

The workbench's lists (bookmarks, saved searches, the concordance) lay out columns in
cells, never in characters: ``len("科创")`` is 2 but it takes 4 cells, and a column cut by
characters would push every later column out of line. Widths come from
:func:`rich.cells.cell_len`, the same measure Textual paints with. About 1 µs a
character; each list fits its rows once per show or resize.
"""

from __future__ import annotations

from rich.cells import cell_len

ELLIPSIS = "…"


_FLAT = {code: " " for code in (*range(0x20), *range(0x7F, 0xA0))}


def flat(text: str) -> str:
    """One terminal line: control characters (a tab, a stray newline) become spaces."""
    return text.translate(_FLAT)


def cut(text: str, cells: int) -> str:
    """The start of ``text`` in at most ``cells`` cells, cut with "…" when it is longer."""
    if cell_len(text) <= cells:
        return text
    if cells <= 0:
        return ""
    kept: list[str] = []
    used = cell_len(ELLIPSIS)
    for ch in text:
        width = cell_len(ch)
        if used + width > cells:
            break
        kept.append(ch)
        used += width
    return "".join(kept) + ELLIPSIS


def pad(text: str, cells: int) -> str:
    """``text`` cut or padded with spaces to exactly ``cells`` cells."""
    shown = cut(text, cells)
    return shown + " " * max(0, cells - cell_len(shown))


def cut_left(text: str, cells: int) -> str:
    """The end of ``text`` in at most ``cells`` cells, cut with "…" at the left."""
    if cell_len(text) <= cells:
        return text
    if cells <= 0:
        return ""
    kept: list[str] = []
    used = cell_len(ELLIPSIS)
    for ch in reversed(text):
        width = cell_len(ch)
        if used + width > cells:
            break
        kept.append(ch)
        used += width
    return ELLIPSIS + "".join(reversed(kept))


def pad_left(text: str, cells: int) -> str:
    """``text`` cut at the left or right-aligned with spaces to exactly ``cells`` cells."""
    shown = cut_left(text, cells)
    return " " * max(0, cells - cell_len(shown)) + shown
