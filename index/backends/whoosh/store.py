"""The write side of the Whoosh backend, in one import: building and updating the index
(:mod:`.build`), the entity pass (:mod:`.enrich`), the files on disk (:mod:`.files`), the
segment writer (:mod:`.writer`), documents (:mod:`.documents`) and the pinyin lexicon
(:mod:`.lexicon`). See :mod:`.build` for how a build runs.
"""

from __future__ import annotations

from g60_reader.index.errors import Cancelled, IndexBusy, IndexDamaged, IndexUnavailable

from .build import (
    BATCH_BYTES,
    INPROCESS_BYTES,
    MAX_INFLIGHT,
    SEGMENT_NOW_BYTES,
    FileOutcome,
    add_articles,
    build_file,
    delete_articles,
    update,
)
from .documents import article_from_meta
from .enrich import ENRICH_BATCH_PARAGRAPHS, ENRICH_POOL_ARTICLES, enrich
from .files import (
    INDEX_NAME,
    LEXICON_NAME,
    LOCK_NAME,
    MANIFEST_NAME,
    META_NAME,
    PINYIN_NAME,
    REBUILD_HINT,
    WriteLock,
    check_index,
    index_exists,
    open_index,
)
from .lexicon import load_lexicon, load_pinyin
from .schema import SCHEMA_VERSION, G60Codec, build_schema
from .writer import POOL_POSTINGS, WORKER_POOL_POSTINGS, FastWriter, _CachedLengths, _TermPool

__all__ = [
    "BATCH_BYTES",
    "ENRICH_BATCH_PARAGRAPHS",
    "ENRICH_POOL_ARTICLES",
    "INDEX_NAME",
    "INPROCESS_BYTES",
    "LEXICON_NAME",
    "LOCK_NAME",
    "MANIFEST_NAME",
    "MAX_INFLIGHT",
    "META_NAME",
    "PINYIN_NAME",
    "POOL_POSTINGS",
    "REBUILD_HINT",
    "SCHEMA_VERSION",
    "SEGMENT_NOW_BYTES",
    "WORKER_POOL_POSTINGS",
    "Cancelled",
    "FastWriter",
    "FileOutcome",
    "G60Codec",
    "IndexBusy",
    "IndexDamaged",
    "IndexUnavailable",
    "WriteLock",
    "_CachedLengths",
    "_TermPool",
    "add_articles",
    "article_from_meta",
    "build_file",
    "build_schema",
    "check_index",
    "delete_articles",
    "enrich",
    "index_exists",
    "load_lexicon",
    "load_pinyin",
    "open_index",
    "update",
]
