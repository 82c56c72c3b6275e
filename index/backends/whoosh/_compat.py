"""Everything of Whoosh that is not its public API, in one place, for one version.

The Whoosh backend writes Whoosh's segment files itself (much faster than Whoosh's own
writer) and reads posting blocks into arrays; both rely on internals that a Whoosh
release may change. So:

- the Whoosh version is **pinned** (``whoosh-reloaded==2.7.5`` in ``pyproject.toml``) and
  checked when the backend is imported (:data:`SUPPORTED`): another version gives one
  clear line instead of a damaged index;
- every private name used *from outside* a Whoosh class goes through a named helper
  below;
- the private names our **subclasses** of Whoosh's extension points use on themselves
  (``W3FieldWriter``, ``W3PostingsWriter``, ``SegmentWriter``, ``TopCollector``) are
  listed in :data:`INHERITED`.

``tests/index/test_whoosh_compat.py`` scans the backend's modules and fails when a
private Whoosh name is used that is not listed here, and checks the helpers against the
installed Whoosh. Upgrading Whoosh means: read the new version's ``codec/whoosh3.py``,
``writing.py``, ``filedb/filetables.py`` and ``matching``, adapt the helpers, extend
:data:`SUPPORTED`, and run the byte-for-byte writer tests.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import whoosh
from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3TermInfo, _lenfield
from whoosh.util.numeric import byte_to_length

from g60_reader.index.errors import IndexUnavailable

SUPPORTED = ("2.7.5",)

# Private attributes our subclasses of Whoosh classes use on themselves (self._x), by
# the class that defines them. Reviewed against the supported versions.
INHERITED: dict[str, tuple[str, ...]] = {
    "whoosh.codec.whoosh3.W3FieldWriter": (
        "_codec",
        "_fieldid",
        "_postfile",
        "_tindex",
    ),
    "whoosh.codec.whoosh3.W3PostingsWriter": (
        "_terminfo",
        "_ids",
        "_weights",
        "_values",
        "_inlinelimit",
        "_write_block",
        "_startoffset",
        "_postfile",
    ),
    "whoosh.codec.whoosh3.W3Codec": ("_blocklimit", "_compression", "_inlinelimit"),
    "whoosh.writing.SegmentWriter": (
        "_added",
        "_check_fields",
        "_check_state",
        "_tempstorage",
        "_finish",
    ),
    "whoosh.collectors.TopCollector": ("_collect",),
    "whoosh.writing.SegmentWriter.add_postings_to_pool": ("_process_posts",),
    "whoosh.matching.mcore.ListMatcher": (
        "_ids",
        "_weights",
        "_values",
        "_format",
        "_scorer",
        "_i",
        "_all_weights",
        "_term",
        "_terminfo",
    ),
    "whoosh.reading.TermInfo": (
        "_weight",
        "_df",
        "_minlength",
        "_maxlength",
        "_maxweight",
        "_minid",
        "_maxid",
    ),
}

# Private names used through the helpers below (the scan in the tests allows these).
HELPED = (
    "_struct",
    "_retype",
    "_merge_segments",
    "_finalize_segment",
    "_close_segment",
    "_commit_toc",
    "_segments",
    "_terms",
    "_tindex",
    "_fieldmap",
    "_cached_reader",
    "_dbfile",
    "_basepos",
    "_count",
    "_doccount",
    "_fixedlen",
    "_field_B",
    "_atend",
    "_maxid",
    "_next_block",
    "_data",
    "_read_data",
    "_buf",
    "_perdoc",
    "_colwriters",
    "_child",
    "_compress",
)


def check_version() -> None:
    """Raise :class:`IndexUnavailable` unless the installed Whoosh is one whose
    internals this backend was written against."""
    found = whoosh.versionstring()
    if found not in SUPPORTED:
        raise IndexUnavailable(
            f"this g60-reader writes the index format of whoosh-reloaded {SUPPORTED[-1]},"
            f" but {found} is installed: pip install 'whoosh-reloaded=={SUPPORTED[-1]}'"
        )


check_version()

# -- the segment format ------------------------------------------------------------------

TERMINFO_HEAD: struct.Struct = W3TermInfo._struct  # the fixed part of a term info


def set_stored_compressor(perdoc, compress) -> bool:
    """Compress each document's stored fields with ``compress(data, level)`` instead of
    ``zlib.compress``: Whoosh's ``_stored`` column is a ``PickleColumn`` around a
    ``CompressedBytesColumn`` whose writer calls ``self._compress(v, level)``; its reader
    calls ``zlib.decompress``. False (Whoosh's own compressor kept) when the column is
    not made that way."""
    writer = getattr(perdoc, "_colwriters", {}).get("_stored")
    child = getattr(writer, "_child", None)
    if child is None or not callable(getattr(child, "_compress", None)):
        return False
    child._compress = compress
    return True


def raw_stored_writer(perdoc) -> Callable[[int, bytes], None] | None:
    """``add(docnum, data)``: give a document stored fields that are already pickled
    and compressed (as :func:`raw_stored_reader` reads them), or ``None`` when the
    ``_stored`` column is not a ``PickleColumn`` around a ``CompressedBytesColumn``."""
    writer = getattr(perdoc, "_colwriters", {}).get("_stored")
    child = getattr(writer, "_child", None)
    if not isinstance(writer, columns.PickleColumn.Writer) or not isinstance(
        child, columns.CompressedBytesColumn.Writer
    ):
        return None
    add = columns.VarBytesColumn.Writer.add  # the bytes as they are: no pickle, no deflate

    def add_raw(docnum: int, data: bytes) -> None:
        add(child, docnum, data)

    return add_raw


def codec_limits(codec) -> tuple[int, int, int]:
    """``(inline limit, block limit, compression level)`` of a ``W3Codec``."""
    return codec._inlinelimit, codec._blocklimit, codec._compression


def widen_array(growable, value: int) -> None:
    """Make a ``GrowableArray`` wide enough for ``value`` (what its ``append`` does)."""
    growable._retype(value)


# -- committing ----------------------------------------------------------------------------


def writer_has_documents(writer) -> bool:
    return bool(writer._added)


def merged_segments(writer, policy, merge: bool) -> list:
    """The segments to keep after ``policy`` merged some into ``writer``."""
    return writer._merge_segments(policy, False, merge)


def finalize_segment(writer):
    """Close ``writer``'s new segment and return it (it holds documents)."""
    return writer._finalize_segment()


def close_segment(writer) -> None:
    """Close ``writer``'s new segment without keeping it (it holds no documents)."""
    writer._close_segment()


def commit_toc(writer, segments: list) -> None:
    """Write the table of contents naming ``segments``: the commit itself."""
    writer._commit_toc(segments)


def finish_writer(writer) -> None:
    """Release the writer's lock and temporary files after a commit."""
    writer._finish()


def index_segments(ix) -> list:
    """The segments of the committed index ``ix``."""
    return ix._segments()


# -- reading ------------------------------------------------------------------------------


def terms_reader(reader):
    """The ``W3TermsReader`` of a segment reader."""
    return reader._terms


def _w3(terms):
    """The ``W3TermsReader`` of a terms reader (the packed format's mixed reader holds
    one for the fields it leaves in Whoosh's files)."""
    return getattr(terms, "w3", terms)


def term_hash_file(terms):
    """The ordered hash file (term -> term info) of a ``W3TermsReader``."""
    return _w3(terms)._tindex


def field_number(terms, fieldname: str) -> int | None:
    """The number a segment's term keys start with for ``fieldname``."""
    return _w3(terms)._fieldmap.get(fieldname)


def postings_file(terms):
    return _w3(terms)._postfile


def file_buffer(dbfile):
    """The memory map behind a ``StructFile`` (``None`` when it is not mapped)."""
    return getattr(dbfile, "_buf", None)


# a length byte's length as Whoosh's ``doc_field_length`` gives it (``None`` for byte 0)
LENGTH_OF_BYTE: list[int | None] = [None] + [byte_to_length(b) for b in range(1, 256)]


def length_bytes(perdoc, fieldname: str) -> bytes | None:
    """One length byte per document of a segment for ``fieldname`` (``None`` when the
    segment does not store lengths as a fixed one-byte column)."""
    if not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None or getattr(column, "_fixedlen", 0) != 1:
        return None
    raw = column._dbfile.get(column._basepos, column._count)
    return bytes(raw) + bytes(max(0, column._doccount + 1 - column._count))


def raw_stored_reader(perdoc) -> Callable[[int], bytes] | None:
    """``get(docnum)``: a document's stored fields as the segment holds them (pickled,
    then compressed; ``b""`` for none), or ``None`` when the segment's ``_stored``
    column is not a ``PickleColumn`` around a ``CompressedBytesColumn``."""
    if not hasattr(perdoc, "_cached_reader"):
        return None
    column = perdoc._cached_reader("_stored", STORED_COLUMN)
    child = getattr(column, "_child", None)
    if not isinstance(column, columns.PickleColumn.Reader) or not isinstance(
        child, columns.CompressedBytesColumn.Reader
    ):
        return None
    get = columns.VarBytesColumn.Reader.__getitem__  # without the decompression

    def get_raw(docnum: int) -> bytes:
        return bytes(get(child, docnum))

    return get_raw


def has_length_column(perdoc, fieldname: str) -> bool:
    """Whether a segment stores lengths for ``fieldname`` (one look at the disk)."""
    return bool(perdoc.has_column(_lenfield(fieldname)))


def perdoc_reader(reader):
    """The per-document reader (lengths, stored fields) of a segment reader, or
    ``None``."""
    return getattr(reader, "_perdoc", None)


def has_length_columns(perdoc) -> bool:
    return hasattr(perdoc, "_cached_reader")


def bm25_b(weighting, fieldname: str) -> float:
    """BM25F's ``B`` for a field (its per-field override, else the default)."""
    return weighting._field_B.get(fieldname, weighting.B)


def leaf_blocks(matcher):
    """The raw blocks of a ``W3LeafMatcher``: ``(max id of the block, decoded block
    data)`` for each block, reading the data only when asked (``data()``)."""
    while not matcher._atend:
        yield _Block(matcher)
        matcher._next_block()


class _Block:
    __slots__ = ("matcher",)

    def __init__(self, matcher) -> None:
        self.matcher = matcher

    @property
    def max_id(self) -> int:
        return self.matcher._maxid

    def data(self):
        m = self.matcher
        if m._data is None:
            m._read_data()
        return m._data
