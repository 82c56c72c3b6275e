"""Article metadata found in cleaned text: title prefix, subtitle, dateline and outlet,
reporter, dates.

Every function takes cleaned text (see ``clean.py``) and never changes body text: a
dateline such as ``金華日報消息`` is reported, and stays in its paragraph.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from g60_reader.corpus.clean import HAN

_TITLE_PREFIX_RE = re.compile(r"^\s*(?:原標題|原标题)\s*[:：]\s*")


def strip_title_prefix(title: str) -> str:
    """``原標題：X`` / ``原标题:X`` -> ``X``."""
    return _TITLE_PREFIX_RE.sub("", title, count=1)


# ---------------------------------------------------------------- subtitle

SUBTITLE_MAX_CHARS = 50
_SENTENCE_END_RE = re.compile(r"[。！？!?]")


def is_subtitle(line: str, *, more_lines: bool) -> bool:
    """Whether ``line``, the line right after the title, is a subtitle.

    A subtitle is short, is not a sentence (no 。！？), does not open with a dateline,
    and is followed by at least one more line (an article is never subtitle-only).
    """
    return (
        more_lines
        and 0 < len(line) <= SUBTITLE_MAX_CHARS
        and _SENTENCE_END_RE.search(line) is None
        and find_dateline(line) is None
    )


# ---------------------------------------------------------------- dateline

_DIGIT = "0-9０-９"
_DATELINE_RE = re.compile(
    "^[【\\[]?"
    f"(?P<outlet>[{HAN}A-Za-z0-9]{{1,12}}(?:報|报|社|網|网|台|臺|端|聞|闻|刊|誌|志))"
    f"(?P<place>[{HAN}]{{0,6}}?)"
    f"(?P<when>[{_DIGIT}]{{1,2}}月[{_DIGIT}]{{1,2}}日)?"
    "(?P<kind>消息|訊|讯|電|电|報道|报道)"
    "[】\\]]?"
    "(?=[\\s(（:：,，]|$)"
)
# "本報訊" means "this paper reports": it names no outlet.
_SELF_OUTLETS = frozenset({"本報", "本报", "本網", "本网", "本台", "本臺", "本刊"})


@dataclass(frozen=True, slots=True)
class Dateline:
    text: str  # as written, e.g. 金華日報消息 or 新华社北京12月1日电
    outlet: str  # 金華日報; "" for 本報訊 and the like
    place: str = ""
    date_text: str = ""


def find_dateline(paragraph: str) -> Dateline | None:
    """The dateline that opens ``paragraph`` (``金華日報消息``, ``本报讯``,
    ``新华社北京12月1日电``, ``人民網報道``), or ``None``."""
    m = _DATELINE_RE.match(paragraph)
    if m is None:
        return None
    outlet = m.group("outlet")
    return Dateline(
        text=m.group().strip("【】[]"),
        outlet="" if outlet in _SELF_OUTLETS else outlet,
        place=m.group("place"),
        date_text=m.group("when") or "",
    )


# ---------------------------------------------------------------- reporter

_NAME = f"[{HAN}·•]{{2,6}}"
# Bounded repetitions throughout: an unbounded name list or whitespace run lets a long
# line of "記者 長長 長長 ..." backtrack quadratically (a 1 MB line took hours).
_NAMES = f"{_NAME}(?:[ 、,，]{_NAME}){{0,7}}"
_SEP = "\\s{0,4}(?:[:：]\\s{0,4})?"
_REPORTER_RES = (
    # (記者 盛游)  （记者 张三 李四）  (记者:王五 通讯员 赵六)
    re.compile(f"[(（]\\s{{0,4}}(?:記者|记者){_SEP}(?P<name>{_NAMES})\\s{{0,4}}[)）]"),
    # 记者 张三 报道
    re.compile(f"(?:記者|记者){_SEP}(?P<name>{_NAMES})\\s{{0,4}}(?:報道|报道)"),
)
# Other contributors named after the reporter(s): only the reporter names are kept.
_ROLE_RE = re.compile(
    r"[ 、,，]*(?:通訊員|通讯员|實習生|实习生|攝影|摄影|編輯|编辑|見習記者|见习记者)"
)


def find_reporter(texts: Iterable[str]) -> str:
    """The first reporter named in ``texts``: ``(記者 盛游)`` -> ``盛游``."""
    for text in texts:
        if "記者" not in text and "记者" not in text:
            continue
        for pattern in _REPORTER_RES:
            for m in pattern.finditer(text):
                name = _ROLE_RE.split(m.group("name"), maxsplit=1)[0]
                if len(name) >= 2:
                    return name
    return ""


# ---------------------------------------------------------------- dates

_D = f"[{_DIGIT}]"
_DATE_RE = re.compile(
    f"(?:(?P<y>{_D}{{4}})年)?(?P<m>{_D}{{1,2}})月(?P<d>{_D}{{1,2}})日"
    f"(?:(?:至|到|-|—|－|~|～)(?:(?:{_D}{{4}}年)?{_D}{{1,2}}月)?{_D}{{1,2}}日)?"
)
_NUMERIC_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})(?:日|(?=[\sT])|$)"
)
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True, slots=True)
class DateMention:
    text: str  # as written: 12月11日至12日
    iso: str | None  # 2019-12-11 when the year is written and the date exists


def _iso(year: str | None, month: str, day: str) -> str | None:
    if year is None:
        return None
    try:
        y, m, d = (int(x.translate(_FULL_DIGITS)) for x in (year, month, day))
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def find_date(texts: Iterable[str]) -> DateMention | None:
    """The first date written in ``texts`` (``12月11日至12日``), with an ISO date for its
    first day when the year is written too."""
    for text in texts:
        if "月" not in text:
            continue
        m = _DATE_RE.search(text)
        if m:
            return DateMention(m.group(), _iso(m.group("y"), m.group("m"), m.group("d")))
    return None


def iso_date(value: object) -> str | None:
    """An ISO date from a JSON date field: ``2019-12-12 10:00:00``, ``2019/12/12``,
    ``2019年12月12日``, or a Unix timestamp (seconds or milliseconds, read as UTC).
    ``None`` when there is no year or no valid date."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return _dt.datetime.fromtimestamp(seconds, tz=_dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = value.translate(_FULL_DIGITS)
    m = _NUMERIC_DATE_RE.match(text)
    if m:
        return _iso(m.group("y"), m.group("m"), m.group("d"))
    if text.strip().isdigit():
        return iso_date(int(text.strip()))
    return None


# ---------------------------------------------------------------- header and footer


@dataclass(slots=True)
class Header:
    """Metadata read from the lines around the body (see :func:`read_header`)."""

    published: str | None = None
    outlet: str = ""
    byline: str = ""
    source_credit: str = ""
    drop: frozenset[int] = frozenset()  # indices of lines that only carry metadata


def read_header(lines: list[str]) -> Header:
    """Metadata of the cleaned body lines (after the title). (Being written.)"""
    return Header()


def date_from_path(path: str) -> str | None:
    """A publication date written in the file name. (Being written.)"""
    return None
