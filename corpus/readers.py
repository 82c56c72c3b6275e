"""From files to articles: discovery, size and binary checks, decoding, the per-format
readers, and assembling a cleaned ``Article``.

``read_file`` never raises for bad input: every problem becomes a ``ReadError`` naming
the file (and the line for ``.jsonl``), and the other records of the file still load.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

from g60_reader.corpus import metadata
from g60_reader.corpus.clean import HAN, clean
from g60_reader.corpus.encoding import DecodeError, binary_reason, decode
from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, Damage, Paragraph, ReadError

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})

MIB = 1024 * 1024
MAX_FILE_BYTES = 64 * MIB
MAX_FILE_ENV = "G60_READER_MAX_FILE_MB"

SAMPLE_NAME = "000_c6dd73ee9f6b25ea.txt"
SAMPLE_PATH = Path(str(files("g60_reader.corpus") / "data" / SAMPLE_NAME))

_CHUNK = MIB


def max_file_bytes() -> int:
    """The size limit: ``$G60_READER_MAX_FILE_MB`` megabytes, else ``MAX_FILE_BYTES``."""
    value = os.environ.get(MAX_FILE_ENV, "").strip()
    try:
        mb = float(value)
    except ValueError:
        return MAX_FILE_BYTES
    return int(mb * MIB) if 0 < mb < 1e9 else MAX_FILE_BYTES


def _mb(n: float) -> str:
    return f"{n / MIB:.1f}" if n >= MIB / 10 else f"{n / MIB:.3f}"


def _limit_mb(limit: int) -> str:
    return f"{round(limit / MIB, 3):g}"


def _oserror_reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


# ------------------------------------------------------------------ discovery


def iter_source_files(paths: Iterable[str | Path]) -> Iterator[Path | ReadError]:
    """Every file to read under ``paths``, in a stable order.

    A path that names a file is yielded as it is (whatever its suffix; ``read_file``
    reports unsupported types). Directories are walked recursively in name order,
    following symbolic links but never entering a directory twice (loops are safe),
    skipping hidden entries and files without a supported suffix. A missing path or an
    unreadable directory is a ``ReadError``. Each file is yielded once.
    """
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        try:
            st = path.stat()
        except FileNotFoundError:
            yield ReadError(str(path), "no such file or directory")
            continue
        except OSError as exc:
            yield ReadError(str(path), _oserror_reason(exc))
            continue
        except ValueError:  # a NUL character in the path
            yield ReadError(str(path), "invalid path")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, st, seen_dirs, seen_files)
        elif (st.st_dev, st.st_ino) not in seen_files:
            seen_files.add((st.st_dev, st.st_ino))
            yield path


def _walk(
    root: Path,
    root_stat: os.stat_result,
    seen_dirs: set[tuple[int, int]],
    seen_files: set[tuple[int, int]],
) -> Iterator[Path | ReadError]:
    # An explicit stack of sorted listings: deep trees cannot hit the recursion limit.
    stack: list[Iterator[tuple[Path, os.stat_result | None]]] = []

    def enter(directory: Path, st: os.stat_result) -> ReadError | None:
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return None
        seen_dirs.add(key)
        try:
            with os.scandir(directory) as it:
                names = sorted(e.name for e in it if not e.name.startswith("."))
        except OSError as exc:
            return ReadError(str(directory), f"cannot read directory: {_oserror_reason(exc)}")
        stack.append(_stat_entries(directory, names))
        return None

    error = enter(root, root_stat)
    if error is not None:
        yield error
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
            continue
        path, st = item
        if st is None:  # a broken symbolic link or an entry we may not stat
            if path.suffix.lower() in SUPPORTED_SUFFIXES:
                yield ReadError(str(path), "cannot open (broken link or no permission)")
            continue
        if stat.S_ISDIR(st.st_mode):
            error = enter(path, st)
            if error is not None:
                yield error
        elif stat.S_ISREG(st.st_mode) and path.suffix.lower() in SUPPORTED_SUFFIXES:
            key = (st.st_dev, st.st_ino)
            if key not in seen_files:
                seen_files.add(key)
                yield path


def _stat_entries(
    directory: Path, names: list[str]
) -> Iterator[tuple[Path, os.stat_result | None]]:
    for name in names:
        path = directory / name
        try:
            st: os.stat_result | None = path.stat()
        except OSError:
            st = None
        yield path, st


def file_digest(path: str | Path) -> str:
    """sha256 hex of the file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


# ------------------------------------------------------------------ assembling


@dataclass(slots=True)
class _Fields:
    """Metadata given by the file format itself (JSON fields, HTML meta tags)."""

    outlet: str = ""
    reporter: str = ""
    date: str | None = None
    subtitle: str | None = None


@dataclass(slots=True)
class _Raw:
    """One article as read, before cleaning."""

    title: str | None  # None: the first body line is the title
    lines: list[str]
    fields: _Fields = field(default_factory=_Fields)
    detect_subtitle: bool = False
    record: int = 0


_MD_PREFIX_RE = re.compile(r"^(?:#{1,6}(?:\s+|$)|>\s?)+")


def _strip_markdown(text: str) -> str:
    return _MD_PREFIX_RE.sub("", text)


Marks = list[tuple[int, str]]


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


def _resolved(path: Path) -> bytes:
    try:
        resolved = str(path.resolve())
    except (OSError, RuntimeError):
        resolved = os.path.abspath(path)
    return os.fsencode(resolved)


def article_id(path: str | Path, record: int = 0, *, resolved: bytes | None = None) -> str:
    """The stable id: sha1 of the resolved absolute path (``#record`` for .jsonl)."""
    key = resolved if resolved is not None else _resolved(Path(path))
    if record:
        key += f"#{record}".encode()
    return hashlib.sha1(key).hexdigest()[:16]


def content_hash(title: str, subtitle: str, paragraphs: Iterable[str]) -> str:
    h = hashlib.sha256()
    for part in (title, subtitle, *paragraphs):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


def _assemble(path: Path, resolved: bytes, fmt: str, file_hash: str, raw: _Raw) -> Article | str:
    """A cleaned article, or the reason there is none."""
    markdown = fmt == "md"
    cleaned = [_clean_part(line, markdown=markdown) for line in raw.lines]
    body = [(text, marks) for text, marks in cleaned if text]
    title, title_marks = "", []
    if raw.title is not None:
        title, title_marks = _clean_part(raw.title, markdown=markdown, title=True)
    while not title:  # the first non-empty line is the title
        if not body:
            return "no text"
        text, marks = body.pop(0)
        title, title_marks = _strip_front(text, marks, markdown=False, title=True)

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
    return Article(
        id=article_id(path, raw.record, resolved=resolved),
        path=str(path),
        title=title,
        subtitle=subtitle,
        outlet=raw.fields.outlet or (dateline.outlet if dateline else ""),
        dateline=dateline.text if dateline else "",
        date=raw.fields.date or (mention.iso if mention else None),
        date_text=mention.text if mention else "",
        reporter=raw.fields.reporter or metadata.find_reporter([*texts, subtitle]),
        paragraphs=paragraphs,
        damage=damage,
        content_hash=content_hash(title, subtitle, texts),
        file_hash=file_hash,
        record=raw.record,
        format=fmt,
    )


# ------------------------------------------------------------------ text and markdown


def _read_txt(text: str) -> list[_Raw | ReadError]:
    return [_Raw(title=None, lines=text.splitlines(), detect_subtitle=True)]


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


def _join_soft_breaks(text: str) -> str:
    """Lines wrapped inside one paragraph: no space between CJK characters, else one."""
    return _SOFT_BREAK_RE.sub("", text).replace("\n", " ")


_MD_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}(?:\s|$)")
_MD_BLOCK_START_RE = re.compile(r"^\s{0,3}(?:#{1,6}(?:\s|$)|[-*+]\s|\d+[.)]\s|>)")


def _read_md(text: str) -> list[_Raw | ReadError]:
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
    lines = [_join_soft_breaks("\n".join(block)) for block in blocks]
    return [_Raw(title=None, lines=lines, detect_subtitle=True)]


# ------------------------------------------------------------------ HTML

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
            text = _join_soft_breaks("".join(self.buf)).strip()
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


def _read_html(text: str) -> list[_Raw | ReadError]:
    title, subtitle, paragraphs, meta = extract_html(text)
    fields = _Fields(
        outlet=clean(_first_meta(meta, _META_OUTLET))[0],
        reporter=clean(_first_meta(meta, _META_AUTHOR))[0],
        date=metadata.iso_date(_first_meta(meta, _META_DATE)),
        subtitle=subtitle,
    )
    return [_Raw(title=title, lines=paragraphs, fields=fields)]


# ------------------------------------------------------------------ JSON

_BODY_KEYS = ("content", "body", "text")
_DATE_KEYS = ("time", "date", "pubtime", "publish_time", "pubdate")
_LOOKS_HTML_RE = re.compile(r"<\s*(?:p|br|div)\b", re.IGNORECASE)


class _FieldError(ValueError):
    pass


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _str_field(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _FieldError(f"field '{key}' must be a string, not {_type_name(value)}")
    return value


def _record_to_raw(record: object, number: int) -> _Raw:
    if not isinstance(record, dict):
        raise _FieldError(f"expected a JSON object, not {_type_name(record)}")
    title = _str_field(record, "title")
    body_key = next((k for k in _BODY_KEYS if record.get(k) is not None), None)
    body = record.get(body_key) if body_key else None
    if body is None:
        lines: list[str] = []
    elif isinstance(body, str):
        if _LOOKS_HTML_RE.search(body):
            _, _, lines, _ = extract_html(body)
        else:
            lines = body.splitlines()
    elif isinstance(body, list) and all(isinstance(x, str) for x in body):
        lines = [line for item in body for line in item.splitlines()]
    else:
        raise _FieldError(
            f"field '{body_key}' must be a string or an array of strings, not {_type_name(body)}"
        )
    date_key = next((k for k in _DATE_KEYS if record.get(k) is not None), None)
    date_value = record.get(date_key) if date_key else None
    if date_value is not None and (
        isinstance(date_value, bool) or not isinstance(date_value, str | int | float)
    ):
        raise _FieldError(
            f"field '{date_key}' must be a string or a number, not {_type_name(date_value)}"
        )
    fields = _Fields(
        outlet=clean(_str_field(record, "source") or "")[0],
        reporter=clean(_str_field(record, "author") or "")[0],
        date=metadata.iso_date(date_value),
        subtitle=_str_field(record, "subtitle"),
    )
    return _Raw(title=title, lines=lines, fields=fields, record=number)


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def _read_json(text: str, path: str) -> list[_Raw | ReadError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [ReadError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)]
    except (ValueError, RecursionError) as exc:
        return [ReadError(path, _json_error(exc))]
    records = data if isinstance(data, list) else [data]
    out: list[_Raw | ReadError] = []
    for i, record in enumerate(records, start=1):
        number = i if isinstance(data, list) else 0
        try:
            out.append(_record_to_raw(record, number))
        except _FieldError as exc:
            where = f"record {number}: " if number else ""
            out.append(ReadError(path, f"{where}{exc}"))
    return out


def _read_jsonl(text: str, path: str) -> list[_Raw | ReadError]:
    out: list[_Raw | ReadError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append(_record_to_raw(json.loads(line), number))
        except _FieldError as exc:
            out.append(ReadError(path, str(exc), number))
        except (ValueError, RecursionError) as exc:
            out.append(ReadError(path, _json_error(exc), number))
    return out


# ------------------------------------------------------------------ reading a file


def _format_of(suffix: str) -> str:
    return {".htm": "html"}.get(suffix, suffix.lstrip("."))


def read_file(
    path: str | Path, *, digest: str | None = None
) -> tuple[list[Article], list[ReadError]]:
    """The articles in one file, and the problems found; never raises for bad input."""
    path = Path(path)
    name = str(path)

    def fail(reason: str) -> tuple[list[Article], list[ReadError]]:
        return [], [ReadError(name, reason)]

    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        return fail(f"unsupported file type '{suffix or path.name}' (reads {kinds})")
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            return fail("is a directory")
        if not stat.S_ISREG(st.st_mode):
            return fail("not a regular file")
        limit = max_file_bytes()
        if st.st_size > limit:
            return fail(f"file is {_mb(st.st_size)} MB, over the {_limit_mb(limit)} MB limit")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError:
        return fail("no such file or directory")
    except OSError as exc:
        return fail(f"cannot read: {_oserror_reason(exc)}")
    except ValueError:  # a NUL character in the path
        return fail("invalid path")
    if len(data) > limit:
        return fail(f"file is over the {_limit_mb(limit)} MB limit")
    if not data:
        return fail("empty file")
    reason = binary_reason(data)
    if reason is not None:
        return fail(reason)
    try:
        text, _codec = decode(data)
    except DecodeError as exc:
        return fail(str(exc))
    if not text.strip():
        return fail("empty file (only whitespace)")
    file_hash = digest or hashlib.sha256(data).hexdigest()
    fmt = _format_of(suffix)

    if fmt == "txt":
        raws = _read_txt(text)
    elif fmt == "md":
        raws = _read_md(text)
    elif fmt == "html":
        raws = _read_html(text)
    elif fmt == "json":
        raws = _read_json(text, name)
    else:
        raws = _read_jsonl(text, name)

    articles: list[Article] = []
    errors: list[ReadError] = []
    resolved = _resolved(path)
    for raw in raws:
        if isinstance(raw, ReadError):
            errors.append(raw)
            continue
        result = _assemble(path, resolved, fmt, file_hash, raw)
        if isinstance(result, Article):
            articles.append(result)
        else:
            errors.append(ReadError(name, result, raw.record if fmt == "jsonl" else None))
    if not articles and not errors:
        errors.append(ReadError(name, "no articles"))
    return articles, errors


def load_paths(paths: Iterable[str | Path]) -> Iterator[Article | ReadError]:
    """Articles and errors of every file under ``paths``, in file order."""
    for item in iter_source_files(paths):
        if isinstance(item, ReadError):
            yield item
            continue
        articles, errors = read_file(item)
        # keep file order: a .jsonl's errors come with the record they replace
        yield from sorted([*articles, *errors], key=_order_key)


def _order_key(item: Article | ReadError) -> int:
    if isinstance(item, Article):
        return item.record
    return item.line or 0


def load_sample() -> Article:
    """The bundled sample article."""
    articles, errors = read_file(SAMPLE_PATH)
    if errors or len(articles) != 1:
        raise RuntimeError(f"bundled sample unreadable: {'; '.join(map(str, errors))}")
    return articles[0]
