"""Turning article data into Rich ``Text``: never markup, spans styled by offset.

Everything the user reads from an article passes through :func:`styled`, which

* converts the script when asked (both conversions keep the length, so spans found in
  the original text stay on the same characters),
* replaces control characters with visible stand-ins of the same length (an escape
  sequence inside article text must show up literally, not drive the terminal),
* builds a ``rich.text.Text`` from the plain string and styles spans with
  ``Text.stylize``: text such as ``[bold]x[/bold]`` is shown as written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text

from g60_reader.corpus.model import ENTITY_TYPES, EntitySpan

Span = tuple[int, int]

DAMAGE_MARK = "〓"

SCRIPTS: tuple[str, ...] = ("written", "simplified", "traditional")
SCRIPT_LABELS: dict[str, str] = {
    "written": "as written",
    "simplified": "Simplified",
    "traditional": "Traditional",
}

PARAGRAPH_STYLE = "bold #5fafd7"
HIT_STYLE = "bold #1c1c1c on #ffd75f"
CURRENT_HIT_STYLE = "bold #1c1c1c on #ff8700"
DAMAGE_STYLE = "bold #ffffff on #af0000"
ENTITY_STYLES: dict[str, str] = {
    "person": "bold #d787ff",
    "place": "#5fd75f",
    "organization": "#5fafff",
    "date": "#ffaf5f",
    "initiative": "bold #ff5f87",
}
ENTITY_LABELS: dict[str, str] = {
    "person": "person",
    "place": "place",
    "organization": "organization",
    "date": "date",
    "initiative": "initiative",
}
assert set(ENTITY_STYLES) == set(ENTITY_TYPES)


def _control_table() -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}  # ␀..␟
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls (CSI, OSC ...)
        table[code] = "\ufffd"
    # Bidirectional overrides and isolates would reorder what follows them on screen.
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = "\ufffd"
    # Lone surrogates (undecodable bytes kept by surrogateescape) cannot be printed.
    for code in range(0xD800, 0xE000):
        table[code] = "\ufffd"
    return table


_CONTROL_TABLE = _control_table()


def visible(text: str) -> str:
    """``text`` with control characters replaced one for one by visible symbols."""
    return text.translate(_CONTROL_TABLE)


def convert_script(text: str, script: str) -> str:
    """``text`` in the requested display script, always the same length as ``text``."""
    if script == "written" or not text:
        return text
    from g60_reader.corpus import fold as folding

    converted = folding.fold(text) if script == "simplified" else folding.to_traditional(text)
    # The reader relies on offsets; a conversion that changed the length is not used.
    return converted if len(converted) == len(text) else text


def display(text: str, script: str = "written") -> str:
    return visible(convert_script(text, script))


def _clip(spans: Iterable[Span], length: int) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        start, end = max(0, start), min(length, end)
        if start < end:
            out.append((start, end))
    return out


def styled(
    text: str,
    *,
    script: str = "written",
    hits: Sequence[Span] = (),
    current: Span | None = None,
    entities: Sequence[EntitySpan] = (),
    highlight: bool = True,
    style: str = "",
) -> Text:
    """A ``Text`` of ``text`` with entity colours, hit highlights and damage marks."""
    shown = display(text, script)
    result = Text(shown, style=style, end="")
    length = len(shown)
    if highlight:
        for entity in entities:
            entity_style = ENTITY_STYLES.get(entity.type)
            if entity_style:
                for start, end in _clip([(entity.start, entity.end)], length):
                    result.stylize(entity_style, start, end)
        for start, end in _clip(hits, length):
            result.stylize(HIT_STYLE, start, end)
        if current is not None:
            for start, end in _clip([current], length):
                result.stylize(CURRENT_HIT_STYLE, start, end)
    index = shown.find(DAMAGE_MARK)
    while index != -1:
        result.stylize(DAMAGE_STYLE, index, index + 1)
        index = shown.find(DAMAGE_MARK, index + 1)
    return result


SHORT_LABELS: dict[str, str] = {
    "person": "person",
    "place": "place",
    "organization": "org",
    "date": "date",
    "initiative": "init",
}


def legend(width: int | None = None) -> Text:
    """A one-line key to the reader's colours, shortened to fit ``width`` cells."""
    for labels, lost in (
        (ENTITY_LABELS, " lost text"),
        (SHORT_LABELS, " lost"),
        (SHORT_LABELS, ""),
    ):
        out = Text(end="")
        out.append(" hit ", style=HIT_STYLE)
        out.append(" ")
        for kind in ENTITY_TYPES:
            out.append(labels[kind], style=ENTITY_STYLES[kind])
            out.append(" ")
        out.append(DAMAGE_MARK, style=DAMAGE_STYLE)
        out.append(lost, style="dim")
        if width is None or out.cell_len <= width:
            break
    return out


def display_date(published: str | None) -> str:
    """A publication date for the screen: ``2019-03-05`` or ``2019-03-05 10:20`` (the
    time when the source gave one), ``""`` when unknown."""
    if not published:
        return ""
    day, _, time = published.partition("T")
    return f"{day} {time[:5]}" if time[:5] and time[:5] != "00:00" else day


def printable(text: str) -> str:
    """``text`` on one terminal line: control characters escaped (``\\n``, ``\\x1b``),
    undecodable file-name bytes shown as ``\\xNN``; everything else as it is."""
    out = []
    for ch in str(text):
        o = ord(ch)
        if o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0:
            out.append(repr(ch)[1:-1])
        elif 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{o - 0xDC00:02x}")
        elif 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)


def lag(first: str | None, other: str | None) -> str:
    """How long after the first copy another one appeared ("+1 d", "+3 h", "same day")."""
    import datetime as dt

    if not first or not other:
        return "?"
    try:
        a, b = dt.datetime.fromisoformat(first), dt.datetime.fromisoformat(other)
    except ValueError:
        return "?"
    if (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    seconds = (b - a).total_seconds()
    if len(first) <= 10 or len(other) <= 10:  # a date without a time: days only
        days = (b.date() - a.date()).days
        return "same day" if days == 0 else f"+{days} d"
    if seconds < 3600:
        return f"+{max(0, round(seconds / 60))} min"
    if seconds < 86400 * 2:
        return f"+{round(seconds / 3600)} h"
    return f"+{round(seconds / 86400)} d"
