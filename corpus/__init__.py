"""The corpus layer: files -> clean, structured articles.

Public names are re-exported here and imported on first use, so that importing
``g60_reader.corpus.model`` alone stays cheap (no OpenCC, no charset-normalizer).

``clean`` and ``fold`` are not re-exported: those names are the submodules
``g60_reader.corpus.clean`` and ``g60_reader.corpus.fold``; import the functions from
them (``from g60_reader.corpus.fold import fold``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # model
    "Article": "model",
    "Damage": "model",
    "EntitySpan": "model",
    "Paragraph": "model",
    "ReadError": "model",
    # cleaning
    "mark_damage": "clean",
    "normalise": "clean",
    "strip_readings": "clean",
    "DAMAGE_MARK": "clean",
    # folding
    "to_traditional": "fold",
    # metadata
    "find_date": "metadata",
    "find_dateline": "metadata",
    "find_reporter": "metadata",
    "iso_date": "metadata",
    "is_subtitle": "metadata",
    "strip_title_prefix": "metadata",
    # readers
    "MAX_FILE_BYTES": "readers",
    "SAMPLE_PATH": "readers",
    "SUPPORTED_SUFFIXES": "readers",
    "file_digest": "readers",
    "iter_source_files": "readers",
    "load_paths": "readers",
    "load_sample": "readers",
    "read_file": "readers",
}

__all__ = [
    "DAMAGE_MARK",
    "MAX_FILE_BYTES",
    "SAMPLE_PATH",
    "SUPPORTED_SUFFIXES",
    "Article",
    "Damage",
    "EntitySpan",
    "Paragraph",
    "ReadError",
    "file_digest",
    "find_date",
    "find_dateline",
    "find_reporter",
    "is_subtitle",
    "iso_date",
    "iter_source_files",
    "load_paths",
    "load_sample",
    "mark_damage",
    "normalise",
    "read_file",
    "strip_readings",
    "strip_title_prefix",
    "to_traditional",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:  # pragma: no cover
    from g60_reader.corpus.clean import DAMAGE_MARK, mark_damage, normalise, strip_readings
    from g60_reader.corpus.fold import to_traditional
    from g60_reader.corpus.metadata import (
        find_date,
        find_dateline,
        find_reporter,
        is_subtitle,
        iso_date,
        strip_title_prefix,
    )
    from g60_reader.corpus.model import Article, Damage, EntitySpan, Paragraph, ReadError
    from g60_reader.corpus.readers import (
        MAX_FILE_BYTES,
        SAMPLE_PATH,
        SUPPORTED_SUFFIXES,
        file_digest,
        iter_source_files,
        load_paths,
        load_sample,
        read_file,
    )
