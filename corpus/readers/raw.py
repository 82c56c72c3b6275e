"""What a format reader hands over: one article as found in the file, before cleaning.

A format reader (``text``, ``html``, ``records``) only splits the file into title, body
lines and the metadata the format itself declares (JSON fields, HTML meta tags);
:mod:`.assemble` cleans, repairs and completes it the same way for every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Fields:
    """Metadata declared by the file format itself (JSON fields, HTML meta tags).

    ``published`` is already ISO 8601 (see :func:`g60_reader.corpus.dates.parse_date`).
    """

    outlet: str = ""
    byline: str = ""
    published: str | None = None
    source_credit: str = ""
    subtitle: str | None = None


@dataclass(slots=True)
class RawArticle:
    """One article as read, before cleaning."""

    title: str | None  # None: the first body line is the title
    lines: list[str]
    fields: Fields = field(default_factory=Fields)
    detect_subtitle: bool = False
    record: int = 0
    # True when the lines came from a page's markup (HTML, an HTML body in JSON): the
    # extractor already dropped page furniture and kept paragraph structure
    from_markup: bool = False
