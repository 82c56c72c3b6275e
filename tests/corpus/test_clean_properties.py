"""Property tests: cleaning never raises, is idempotent, keeps every Han character that
is not inside a reading (a damaged run keeps its text in the damage record), and never
outputs control characters."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from g60_reader.corpus.clean import DAMAGE_MARK, HAN_RE, clean
from g60_reader.corpus.fold import fold, to_traditional

# Pieces that make the interesting cases likely: readings, remnants, escapes, controls,
# punctuation between Han characters, combining marks, compatibility ideographs.
FRAGMENTS = [
    "標",
    "題",
    "金華",
    "科创",
    "(biāo)",
    "（chuàng）",
    "標(biāo)",
    "題(tí)(tí)",
    "標(biāo),",
    ",題",
    "(記者 盛游)",
    "(G60)",
    "(AI)",
    "(2019)",
    "?zhí)",
    "?jiǎng)",
    "照\\",
    "\ufffd",
    "?",
    ",",
    ":",
    "!",
    ";",
    " ",
    "\u3000",
    "\n",
    "\t",
    "\x1b[31m",
    "\x1b]0;t\x07",
    "\x1b",
    "[",
    "]",
    "\x00",
    "\x07",
    "\x9b",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u0301",
    "a\u0304",
    "\uf900",
    "〓",
    "b",
    "i",
    "ā",
    "o",
    ")",
    "(",
]
ANY_CHAR = st.characters(exclude_categories=())  # includes lone surrogates
TEXT = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(ANY_CHAR, max_size=3)), max_size=20).map(
        "".join
    ),
    st.text(ANY_CHAR, max_size=40),
)
# Format characters the cleaner promises to remove (bidi, zero-width, BOM, ...).
INVISIBLE_FORMAT = set("\xad\u061c\u180e\ufeff") | {
    chr(c)
    for lo, hi in [(0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F)]
    for c in range(lo, hi + 1)
}

PROPERTY = settings(max_examples=300, deadline=None)


@PROPERTY
@given(TEXT)
def test_clean_never_raises_and_marks_point_at_marks(raw):
    text, marks = clean(raw)
    assert isinstance(text, str)
    for offset, original in marks:
        assert text[offset] == DAMAGE_MARK
        assert original


@PROPERTY
@given(TEXT)
def test_clean_is_idempotent(raw):
    once, _ = clean(raw)
    assert clean(once) == (once, [])


@PROPERTY
@given(TEXT)
def test_clean_keeps_every_han_character(raw):
    text, marks = clean(raw)
    at = dict(marks)
    rebuilt: list[str] = []
    for i, ch in enumerate(text):
        if i in at:  # a damaged run: its Han characters are in the damage record
            rebuilt.extend(HAN_RE.findall(at[i]))
        elif HAN_RE.match(ch):
            rebuilt.append(ch)
    assert rebuilt == HAN_RE.findall(unicodedata.normalize("NFC", raw))


@PROPERTY
@given(TEXT)
def test_clean_never_outputs_control_characters(raw):
    text, _ = clean(raw)
    for ch in text:
        assert unicodedata.category(ch) not in ("Cc", "Cs"), repr(ch)
        assert ch not in INVISIBLE_FORMAT, repr(ch)
    assert text == text.strip()
    assert "  " not in text


@PROPERTY
@given(TEXT)
def test_folding_keeps_length(raw):
    assert len(fold(raw)) == len(raw)
    assert len(to_traditional(raw)) == len(raw)
    text, _ = clean(raw)
    assert len(fold(text)) == len(text)
