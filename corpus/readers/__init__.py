"""From files to articles: discovery, size and binary checks, decoding, the per-format
readers, and assembling a cleaned ``Article``.

One module per step: :mod:`.discover` (walks, limits, digests), :mod:`.text` (.txt and
.md), :mod:`.html`, :mod:`.records` (.json and .jsonl), :mod:`.assemble` (repair,
cleaning, metadata, paragraphs, the same for every format).

``read_file`` never raises for bad input: every problem becomes a ``ReadError`` naming
the file (and the line for ``.jsonl``), and the other records of the file still load.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from g60_reader.corpus.encoding import DecodeError, binary_reason, codec_label, decode
from g60_reader.corpus.model import Article, ReadError

from .assemble import article_id, assemble, content_hash, resolved_path, text_key
from .discover import (
    MAX_FILE_BYTES,
    MAX_FILE_ENV,
    SAMPLE_NAME,
    SAMPLE_PATH,
    SUPPORTED_SUFFIXES,
    _limit_mb,
    _mb,
    _oserror_reason,
    file_digest,
    iter_source_files,
    max_file_bytes,
)
from .raw import RawArticle
from .records import read_json, read_jsonl
from .text import join_soft_breaks, read_md, read_txt

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_FILE_ENV",
    "SAMPLE_NAME",
    "SAMPLE_PATH",
    "SUPPORTED_SUFFIXES",
    "article_id",
    "content_hash",
    "extract_html",
    "file_digest",
    "iter_source_files",
    "join_soft_breaks",
    "load_paths",
    "load_sample",
    "max_file_bytes",
    "read_file",
    "text_key",
]


def _format_of(suffix: str) -> str:
    return {".htm": "html"}.get(suffix, suffix.lstrip("."))


def _raw_articles(fmt: str, text: str, name: str) -> list[RawArticle | ReadError]:
    if fmt == "txt":
        return read_txt(text)
    if fmt == "md":
        return read_md(text)
    if fmt == "html":
        from .html import read_html  # trafilatura: imported when a page is read

        return read_html(text)
    if fmt == "json":
        return read_json(text, name)
    return read_jsonl(text, name)


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
    fmt = _format_of(suffix)
    try:
        text, python_codec = decode(data, html=fmt == "html")
    except DecodeError as exc:
        return fail(str(exc))
    if not text.strip():
        return fail("empty file (only whitespace)")
    file_hash = digest or hashlib.sha256(data).hexdigest()
    codec = codec_label(python_codec)

    articles: list[Article] = []
    errors: list[ReadError] = []
    resolved = resolved_path(path)
    for raw in _raw_articles(fmt, text, name):
        if isinstance(raw, ReadError):
            errors.append(raw)
            continue
        result = assemble(path, resolved, fmt, file_hash, codec, raw)
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


def __getattr__(name: str):
    """``extract_html`` and ``read_html`` on first use: importing trafilatura and
    htmldate costs a quarter of a second, which a run that reads no page (a no-op
    re-run, a search) should not pay."""
    if name in ("extract_html", "read_html"):
        from . import html

        return getattr(html, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
