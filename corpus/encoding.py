"""Bytes to text: binary detection and the encoding of Chinese news files.

UTF-8 (with or without BOM) is tried first, strictly: it is the common case and cheap.
Otherwise charset-normalizer looks at the whole file, first among the Chinese encodings
(GB18030 covers GB2312/GBK; Big5 is decoded as cp950, Microsoft's Big5, which is what
Big5 files in the wild are), then among all encodings. The chosen codec must decode the
whole file strictly; nothing is decoded with replacement characters.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

SNIFF_BYTES = 1024

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\x7fELF", "ELF executable"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"SQLite format 3\x00", "SQLite database"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# C0 controls that never appear in text files (tab, LF, VT, FF, CR and ESC do).
_ODD_CONTROL_RE = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
CONTROL_SHARE_LIMIT = 0.10

CHINESE_ENCODINGS = ["gb18030", "big5", "cp950", "big5hkscs"]
# Decode with the superset the detector's answer stands for.
_SUPERSET = {"big5": "cp950", "gb2312": "gb18030", "gbk": "gb18030"}


class DecodeError(ValueError):
    """The bytes are not text this reader can decode; the message says why."""


def _bom(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` looks binary (``"binary file (PNG image)"``), or ``None`` for text.

    Looks at the magic number and the first ``SNIFF_BYTES`` bytes: a NUL byte or a high
    share of control bytes means binary. Files with a UTF-16/32 byte order mark are text.
    """
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return f"binary file ({kind}), not text"
    if _bom(data) is not None:
        return None
    head = data[:SNIFF_BYTES]
    if b"\x00" in head:
        return "binary file (contains NUL bytes), not text"
    if head and len(_ODD_CONTROL_RE.findall(head)) > CONTROL_SHARE_LIMIT * len(head):
        return "binary file (mostly control bytes), not text"
    return None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _detect(data: bytes) -> tuple[str, str] | None:
    bom = _bom(data)
    if bom is not None:
        text = _strict(data, bom)
        if text is not None:
            return text, bom
    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    for isolation in (CHINESE_ENCODINGS, None):
        best = charset_normalizer.from_bytes(data, cp_isolation=isolation).best()
        if best is None:
            continue
        detected = best.encoding
        for codec in (_SUPERSET.get(detected, detected), detected):
            text = _strict(data, codec)
            if text is not None:
                return text, codec
    return None


_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "cp950": "Big5"}


def _failure(data: bytes) -> str:
    """Why ``data`` does not decode, as precisely as can be said."""
    # A file cut inside a multi-byte character: all but its last one to three bytes decode.
    for cut in (1, 2, 3):
        head = data[:-cut]
        if head and any(_strict(head, c) is not None for c in ("utf-8", "gb18030", "cp950")):
            found = _detect(head)
            if found is not None:
                label = _LABELS.get(found[1], found[1])
                return f"cannot decode: the file ends inside a character ({label} text cut off)"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > 0:
            return (
                f"cannot decode: not UTF-8 (invalid byte at offset {exc.start}), "
                "GB18030 or Big5 text"
            )
    return "cannot decode: not UTF-8, GB18030 or Big5 text"


def codec_label(codec: str) -> str:
    """The name a user knows for a Python codec: ``cp950`` -> ``Big5``."""
    return _LABELS.get(codec, codec.upper())


def decode(data: bytes, *, html: bool = False) -> tuple[str, str]:
    """``(text, codec)`` for the bytes of a text file; raises ``DecodeError``.

    ``html``: the bytes are a web page (its declared charset is a candidate)."""
    found = _detect(data)
    if found is None:
        raise DecodeError(_failure(data))
    return found
