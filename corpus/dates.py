"""Publication dates: parsing the values sources give (being extended)."""

from __future__ import annotations

from g60_reader.corpus.metadata import iso_date


def parse_date(value: object) -> str | None:
    """An ISO 8601 date from a metadata value, or ``None``."""
    return iso_date(value)
