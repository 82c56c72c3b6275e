"""From a :class:`~.raw.RawArticle` to a cleaned :class:`~g60_reader.corpus.model.Article`.

The same steps for every format, in this order:

1. **repair** the raw lines (:func:`g60_reader.corpus.repair.repair_lines`): literal
   ``\\n`` escapes of twice-escaped dumps become breaks, walls of text are split into
   paragraphs, page furniture lines go;
2. **clean** each line (:func:`g60_reader.corpus.clean.clean`): escapes, invisible
   characters, pinyin readings, damage marks;
3. the **title** (the first non-empty line unless the format names one);
4. the **header and footer** (:func:`g60_reader.corpus.metadata.read_header`): lines that
   only carry metadata (``2019-03-05 10:20　来源：新华网``, ``（责任编辑：张三）``) leave
   the body and fill the publication date, outlet, byline and source credit;
5. the **subtitle**, then the numbered, folded paragraphs.

Metadata the format declares (JSON fields, HTML meta) wins over what the visible text
says, and that over a date in the file name; what nobody says stays unknown.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from g60_reader.corpus import metadata
from g60_reader.corpus.clean import clean
from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, Damage, Paragraph
from g60_reader.corpus.repair import repair_lines

from .raw import RawArticle

_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}(?:\s+|$)|>\s?)+")

Marks = list[tuple[int, str]]


def _strip_markdown(text: str) -> str:
    return _MD_PREFIX_RE.sub("", text)


def _strip_front(text: str, marks: Marks, *, markdown: bool, title: bool) -> tuple[str, Marks]:
    """Remove markdown markers / a 原標題 prefix, shifting the damage offsets."""
    before = len(text)
    if markdown:
        text = _strip_markdown(text)
    if title:
        text = metadata.strip_title_prefix(text)
    cut = before - len(text)  # both only ever remove a prefix
    if cut:
        marks = [(off - cut, raw) for off, raw in marks if off >= cut]
    return text, marks


def _clean_part(raw: str, *, markdown: bool, title: bool = False) -> tuple[str, Marks]:
    text, marks = clean(raw)
    return _strip_front(text, marks, markdown=markdown, title=title)


def resolved_path(path: Path) -> bytes:
    try:
        resolved = str(path.resolve())
    except (OSError, RuntimeError):
        resolved = os.path.abspath(path)
    return os.fsencode(resolved)


def article_id(path: str | Path, record: int = 0, *, resolved: bytes | None = None) -> str:
    """The stable id: sha1 of the resolved absolute path (``#record`` for .jsonl)."""
    key = resolved if resolved is not None else resolved_path(Path(path))
    if record:
        key += f"#{record}".encode()
    return hashlib.sha1(key).hexdigest()[:16]


def content_hash(title: str, subtitle: str, paragraphs: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in (title, subtitle, *paragraphs):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


def text_key(title: str, paragraphs: Iterable[Paragraph]) -> str:
    """Equal for articles whose folded (Simplified) title and body are identical: the
    same article saved twice, or converted between the scripts."""
    h = hashlib.sha256()
    for part in (fold(title), *(p.folded for p in paragraphs)):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


def assemble(
    path: Path, resolved: bytes, fmt: str, file_hash: str, codec: str, raw: RawArticle
) -> Article | str:
    """A cleaned article, or the reason there is none."""
    markdown = fmt == "md"
    lines = repair_lines(raw.lines, from_markup=raw.from_markup)
    cleaned = [_clean_part(line, markdown=markdown) for line in lines]
    body = [(text, marks) for text, marks in cleaned if text]
    title, title_marks = "", []
    if raw.title is not None:
        title, title_marks = _clean_part(raw.title, markdown=markdown, title=True)
    while not title:  # the first non-empty line is the title
        if not body:
            return "no text"
        text, marks = body.pop(0)
        title, title_marks = _strip_front(text, marks, markdown=False, title=True)

    header = metadata.read_header([text for text, _marks in body])
    if header.drop:
        body = [part for i, part in enumerate(body) if i not in header.drop]
    if not body and raw.title is None:
        return "no text (only a title and metadata lines)"

    damage = [Damage("title", None, off, lost) for off, lost in title_marks]
    subtitle = ""
    if raw.fields.subtitle:
        subtitle, marks = _clean_part(raw.fields.subtitle, markdown=False)
        damage += [Damage("subtitle", None, off, lost) for off, lost in marks]
    elif (
        raw.detect_subtitle and body and metadata.is_subtitle(body[0][0], more_lines=len(body) > 1)
    ):
        subtitle, marks = body.pop(0)
        damage += [Damage("subtitle", None, off, lost) for off, lost in marks]

    paragraphs: list[Paragraph] = []
    for number, (text, marks) in enumerate(body, start=1):
        paragraphs.append(Paragraph(number, text, fold(text)))
        damage += [Damage("body", number, off, lost) for off, lost in marks]

    texts = [p.text for p in paragraphs]
    dateline = metadata.find_dateline(texts[0]) if texts else None
    mention = metadata.find_date(texts)
    fields = raw.fields
    return Article(
        id=article_id(path, raw.record, resolved=resolved),
        path=str(path),
        title=title,
        subtitle=subtitle,
        outlet=fields.outlet or header.outlet or (dateline.outlet if dateline else ""),
        dateline=dateline.text if dateline else header.dateline,
        published=fields.published or header.published or metadata.date_from_path(str(path)),
        date_text=mention.text if mention else "",
        byline=fields.byline or header.byline or metadata.find_reporter([*texts, subtitle]),
        source_credit=fields.source_credit or header.source_credit,
        codec=codec,
        paragraphs=paragraphs,
        damage=damage,
        content_hash=content_hash(title, subtitle, texts),
        text_key=text_key(title, paragraphs),
        file_hash=file_hash,
        record=raw.record,
        format=fmt,
    )
