"""Repairing the lines of scraped text before cleaning: escapes, walls, furniture.

(Being written: for now the lines pass through unchanged.)
"""

from __future__ import annotations


def repair_lines(lines: list[str], *, from_markup: bool = False) -> list[str]:
    """The article's raw lines, repaired (see the module docstring)."""
    return list(lines)
