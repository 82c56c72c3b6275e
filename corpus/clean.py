"""Cleaning one line of scraped article text.

Each step is its own function; ``clean`` composes them in the one order that keeps
damage offsets valid in the final text:

1. ``normalise`` without the punctuation step: terminal escape sequences, control,
   zero-width and bidi characters go; NFC; whitespace runs collapse to one space.
2. ``strip_readings``: ``標(biāo)`` -> ``標``.
3. ``mark_damage``: ``?jiǎng)`` -> ``〓`` (offsets recorded here).
4. half-width ``,:;?!`` between Han characters -> full-width (one character for one
   character, so the recorded offsets still hold). It runs last because removing a
   reading can put two Han characters next to a comma: ``標(biāo),題``.

All patterns are compiled once; nothing loops over characters in Python.
"""

from __future__ import annotations

import re
import unicodedata

# Han ideographs: Extension A, the URO, compatibility ideographs, Extensions B-H, and 〇.
HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN}]")

DAMAGE_MARK = "\u3013"  # 〓 GETA MARK: "a character belongs here but was lost"

# One pinyin syllable written with a tone mark: lower-case letters (a capital first letter
# allowed) around exactly one tone-marked vowel. "(AI)", "(G60)", "(2019)" have no tone mark.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_LETTERS = "a-zü"
SYLLABLE = f"[A-Za-zü]?[{_LETTERS}]{{0,5}}[{_TONED}][{_LETTERS}]{{0,4}}"

# A Han character followed by one or more readings in half- or full-width parentheses.
# (The pattern opens with the parenthesis and looks back for the Han character from
# there, so the regex engine can skip ahead to parentheses instead of trying every
# position.)
_ONE_READING = f"(?:\\({SYLLABLE}\\)|（{SYLLABLE}）)"
READING_RE = re.compile(
    f"[(（](?<=[{HAN}][(（])(?:(?<=\\(){SYLLABLE}\\)|(?<=（){SYLLABLE}）){_ONE_READING}*"
)

# A lost character: "?" (or U+FFFD) left where a character stood, with what remains of
# its reading ("?jiǎng)" or "?(jiǎng)"). When a GBK/Big5 decoding went wrong next to it,
# the remnant is followed by one Han character and a backslash (0x5C is a valid trail
# byte in both encodings: 誠 is D5 5C in GBK, read one byte late as 照 + "\\"); that
# mojibake belongs to the damaged run too. A bare U+FFFD is a lost character as well.
DAMAGE_RE = re.compile(f"[?\ufffd]\\(?{SYLLABLE}\\)(?:[{HAN}]\\\\)?|\ufffd")

# Terminal escape sequences (ECMA-48). String payloads (OSC, DCS, SOS, PM, APC) are only
# taken while they are printable ASCII, so an escape sequence never swallows Han text.
_ESCAPE_RE = re.compile(
    "|".join(
        [
            r"(?:\x1b\]|\x9d)[\x20-\x7e]*(?:\x07|\x1b\\|\x9c)?",  # OSC ... BEL/ST
            r"(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[\x20-\x7e]*(?:\x1b\\|\x9c)?",  # DCS SOS PM APC
            r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?",  # CSI
            r"\x1b[\x20-\x2f]*[\x30-\x7e]?",  # other ESC sequences; a lone ESC
        ]
    )
)

# Control characters that are not whitespace (whitespace ones collapse to a space below),
# lone surrogates, and the invisible format characters: soft hyphen, zero-width characters
# (ZWSP, ZWNJ, ZWJ, word joiner, BOM, invisible operators), bidi marks, embeddings,
# overrides and isolates, the deprecated format controls and interlinear annotation marks.
INVISIBLE = (
    "\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
    "\ud800-\udfff"
    "\xad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb"
)
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]+")
_SPACE_RE = re.compile(r"\s+")

_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_PUNCT_RE = re.compile(f"[,:;?!](?<=[{HAN}][,:;?!])(?=[{HAN}])")


def _remove_invisible(text: str) -> str:
    if text.isprintable():  # fast path: no control, format or surrogate character at all
        return text
    text = _ESCAPE_RE.sub("", text)
    return _INVISIBLE_RE.sub("", text)


def _nfc(text: str) -> str:
    if unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _collapse_space(text: str) -> str:
    if text.isprintable() and "  " not in text:  # fast path: only single ASCII spaces
        return text.strip(" ")
    return _SPACE_RE.sub(" ", text).strip(" ")


def _full_width_punct(text: str) -> str:
    return _PUNCT_RE.sub(lambda m: _FULL_WIDTH[m.group()], text)


def _normalise_base(text: str) -> str:
    return _collapse_space(_nfc(_remove_invisible(text)))


def normalise(text: str) -> str:
    """NFC, escapes and invisible characters removed, whitespace collapsed, and half-width
    ``,:;?!`` between two Han characters made full-width."""
    return _full_width_punct(_normalise_base(text))


def strip_readings(text: str) -> str:
    """Drop inline pinyin readings: ``標(biāo)`` -> ``標``; other parentheses stay."""
    if "(" not in text and "（" not in text:
        return text
    return READING_RE.sub("", text)


def mark_damage(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Replace each lost character (``?jiǎng)``) with ``〓``.

    Returns the new text and, for every mark, its offset in the returned text and the raw
    text it replaced.
    """
    marks: list[tuple[int, str]] = []
    if "?" not in text and "\ufffd" not in text:
        return text, marks
    pieces: list[str] = []
    out_len = 0
    last = 0
    for m in DAMAGE_RE.finditer(text):
        start, end = m.span()
        pieces.append(text[last:start])
        out_len += start - last
        marks.append((out_len, m.group()))
        pieces.append(DAMAGE_MARK)
        out_len += 1
        last = end
    if not marks:
        return text, marks
    pieces.append(text[last:])
    return "".join(pieces), marks


def clean(text: str) -> tuple[str, list[tuple[int, str]]]:
    """All cleaning steps in order; damage offsets are offsets in the returned text."""
    text = strip_readings(_normalise_base(text))
    text, marks = mark_damage(text)
    return _full_width_punct(text), marks
