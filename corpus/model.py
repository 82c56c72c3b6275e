"""Plain data for articles: what every other layer reads.

Offsets are always character offsets (Python ``str`` indices) into ``Paragraph.text``.
``Paragraph.folded`` is the OpenCC ``t2s`` form of ``text`` and has exactly the same
length, so an offset found in the folded text is valid in the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENTITY_TYPES: tuple[str, ...] = ("person", "place", "organization", "date", "initiative")


@dataclass(frozen=True, slots=True)
class EntitySpan:
    """A recognised entity: ``text == paragraph.text[start:end]``."""

    start: int
    end: int
    type: str
    text: str

    def as_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "type": self.type, "text": self.text}


@dataclass(frozen=True, slots=True)
class Damage:
    """A place where the source lost text; the cleaned text holds ``〓`` there.

    ``part`` is ``"title"``, ``"subtitle"`` or ``"body"``; ``paragraph`` is the body
    paragraph number (1-based) for ``"body"`` and ``None`` otherwise. ``offset`` is the
    index of the ``〓`` mark in the cleaned text of that part; ``raw`` is what the source
    file had there.
    """

    part: str
    paragraph: int | None
    offset: int
    raw: str

    def as_dict(self) -> dict[str, object]:
        return {
            "part": self.part,
            "paragraph": self.paragraph,
            "offset": self.offset,
            "raw": self.raw,
        }


@dataclass(frozen=True, slots=True)
class Paragraph:
    number: int  # 1-based body paragraph number
    text: str  # cleaned original text (as written: Traditional, Simplified or mixed)
    folded: str  # OpenCC t2s of text; len(folded) == len(text)


@dataclass(slots=True)
class Article:
    id: str  # stable: derived from the resolved source path (and record number in .jsonl)
    path: str  # source file path as given (str, may hold surrogate escapes)
    title: str
    subtitle: str = ""
    outlet: str = ""  # who published it, e.g. 金華日報 (site name, JSON source, dateline)
    dateline: str = ""  # the raw dateline phrase, e.g. 金華日報消息
    # Publication date, ISO 8601: "2019-03-05", or "2019-03-05T10:20:00+08:00" when the
    # source gives the time (and its zone). None when unknown: never guessed, never taken
    # from an event the body mentions.
    published: str | None = None
    date_text: str = ""  # the first date written in the text, e.g. 12月11日至12日
    byline: str = ""  # the author(s) or reporter(s), e.g. 盛游
    source_credit: str = ""  # the declared source of a reprint: 来源：新华社 -> 新华社
    codec: str = ""  # how the file was decoded: "UTF-8", "GB18030", "Big5"
    paragraphs: list[Paragraph] = field(default_factory=list)
    damage: list[Damage] = field(default_factory=list)
    content_hash: str = ""  # sha256 hex of the cleaned title + paragraphs
    # sha256 hex of the folded title + paragraphs: equal for exact duplicates (a mirror,
    # a re-download, a copy converted between Traditional and Simplified)
    text_key: str = ""
    file_hash: str = ""  # sha256 hex of the source file's bytes (skip unchanged files)
    record: int = 0  # record number inside a multi-article file (.jsonl), else 0
    format: str = ""  # "txt", "md", "html", "json", "jsonl"

    @property
    def date(self) -> str | None:
        """The publication day (``yyyy-mm-dd``) of :attr:`published`, or ``None``."""
        return self.published[:10] if self.published else None

    def metadata(self) -> dict[str, object]:
        """Everything but the paragraphs, as JSON values: what an index stores so that
        :meth:`from_metadata` gives the article back. Fills :attr:`text_key` when a
        program made the article instead of a reader."""
        if not self.text_key:
            from g60_reader.corpus.readers import text_key

            self.text_key = text_key(self.title, self.paragraphs)
        return {
            "id": self.id,
            "path": self.path,
            "title": self.title,
            "subtitle": self.subtitle,
            "outlet": self.outlet,
            "dateline": self.dateline,
            "published": self.published,
            "date_text": self.date_text,
            "byline": self.byline,
            "source_credit": self.source_credit,
            "codec": self.codec,
            "text_key": self.text_key,
            "damage": [d.as_dict() for d in self.damage],
            "content_hash": self.content_hash,
            "file_hash": self.file_hash,
            "record": self.record,
            "format": self.format,
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, Any], paragraphs: list[Paragraph]) -> Article:
        """The article of :meth:`metadata` (fields missing in older indexes: defaults)."""
        return cls(
            id=meta["id"],
            path=meta.get("path", ""),
            title=meta.get("title", ""),
            subtitle=meta.get("subtitle", ""),
            outlet=meta.get("outlet", ""),
            dateline=meta.get("dateline", ""),
            published=meta.get("published"),
            date_text=meta.get("date_text", ""),
            byline=meta.get("byline", ""),
            source_credit=meta.get("source_credit", ""),
            codec=meta.get("codec", ""),
            text_key=meta.get("text_key", ""),
            paragraphs=paragraphs,
            damage=[Damage(**d) for d in meta.get("damage", [])],
            content_hash=meta.get("content_hash", ""),
            file_hash=meta.get("file_hash", ""),
            record=meta.get("record", 0),
            format=meta.get("format", ""),
        )


@dataclass(frozen=True, slots=True)
class ReadError:
    """One bad input, reported once: ``"<path>[:line]: <reason>"``."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"
