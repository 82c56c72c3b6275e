"""Publication dates: the values sources give, read into ISO 8601, or ``None``.

What a source writes, and what comes out:

- a date alone -> ``2019-03-05``; a date and a time -> ``2019-03-05T10:20:00``; an offset
  (``+08:00``) only when the source states a zone (ISO ``Z``/``+08:00``/``+0800``, RFC 2822,
  ``GMT+8``, ``北京时间``). Nothing is ever completed: no year, no date (``3月5日``);
  no day, no date (``2019年3月``).
- **Epoch values** (seconds or milliseconds, numbers or digit strings) are instants: they
  are rendered as the same instant at **+08:00**. Not a guess: the offset is exact, and
  +08:00 is the civil time of every place Chinese-language news is published in numbers
  (the mainland, Hong Kong, Macau, Taiwan, Singapore, Malaysia), so the day prefix that
  facets and the reader show (``Article.date``) is the day the outlet's readers saw. A UTC
  rendering would put everything published before 08:00 on the previous day, and the same
  article read from a text export (``2019-03-05 07:30``) and from a JSON dump
  (``ctime``) would disagree on its day.
- **Plausibility** (:func:`plausible`): nothing after tomorrow (``today`` is a parameter
  everywhere, for tests), nothing before 1901 (1900-01-01, 1899-12-30 and 0001-01-01 are
  the zero values of date pickers and spreadsheets), never 1970-01-01 (a zero epoch
  rendered as a date). Epoch numbers count only from 1990 (before the web there are no
  epoch stamps of news, and a small number in a field is an id or a counter).
- **Chinese numerals** (二〇一九年三月五日, 二零一九年三月五日, 2019年三月五日, 廿/卅 days):
  a digit map. The numbers in a date are a closed set (four year digits, 1-12, 1-31);
  ``cn2an`` (on PyPI) converts general numbers, and would add a dependency for the
  twenty lines below.

How: one regular expression (:data:`DATE_TOKEN_RE`, bounded repetitions only) reads every
numeric and Chinese form; it also finds date tokens inside header lines
(:func:`find_date_token`, used by :mod:`.metadata`). RFC 2822 goes to the standard
library (``email.utils``), Java's ``Date.toString`` to a small pattern, and only what is
left (English month names: ``March 5, 2019``) to ``dateparser`` (languages ``zh``,
``en``; relative dates and its own timestamp guessing switched off; every year, month
and day required).

What ``dateparser`` 1.5.0 got wrong, and is kept away from:
- ``2019-13-05`` -> 2019-05-13 (it swaps month and day, even with ``DATE_ORDER="YMD"``):
  numeric forms never reach it; month 13 is ``None``;
- ``05/03/2019`` -> May 3 (American order): day-first/month-first numeric forms are read
  here, and ``None`` when both readings are valid and differ;
- ``CST`` -> -06:00 (US Central; Chinese servers write China Standard Time) and ``IST``
  -> +02:00: a named zone abbreviation is ambiguous, so the wall time is kept without an
  offset; only numeric offsets and UTC/GMT/Z count as a stated zone;
- ``RETURN_AS_TIMEZONE_AWARE=True`` gives naive input the machine's zone: left unset;
- ``2019年3月5日 10:20 北京时间``, 20190305, 二〇一九年三月五日 -> nothing: read here;
- speed: the first call costs 0.4 s (it loads its language data), then 1-2 ms a value.

Measured (the shared 2-core machine, Python 3.11, 20,000 calls each): :func:`parse_date`
10-25 µs on ISO, numeric, Chinese-numeral and epoch values, 35-45 µs on RFC 2822 and
ISO with a zone; the ``dateparser`` fallback 1-2 ms (0.4 s on its first call).
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

MIN_YEAR = 1901
EPOCH_MIN_YEAR = 1990
EPOCH_ZONE = _dt.timezone(_dt.timedelta(hours=8))
_ZERO_DAY = _dt.date(1970, 1, 1)

# Full-width forms of what dates are written with, one character for one (positions hold).
_WIDE = str.maketrans("０１２３４５６７８９：－／．＋", "0123456789:-/.+")

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "o": 0}
_CN_DIGIT.update(zip("一二三四五六七八九", range(1, 10), strict=True))
_CN_TENS = {"十": 1, "廿": 2, "卅": 3}

_Y_CN = "〇零○ＯO一二三四五六七八九"
CN_YEAR_DIGITS = _Y_CN  # what a year written in Chinese numerals opens with
_MD_CN = "一二三四五六七八九十廿卅元"
_WEEKDAY = "(?:星期|禮拜|礼拜|周|週)[一二三四五六日天七]"
_AMPM = "上午|下午|早上|晚上|凌晨|中午|早晨|傍晚|夜间|夜間"
_ZONE = (
    r"Z(?![A-Za-z])|[+-]\d{2}:?\d{2}(?!\d)|(?:GMT|UTC)\s?[+-]\d{1,2}(?::?\d{2})?(?!\d)"
    r"|(?:GMT|UTC)(?![A-Za-z+-])|[（(]?北京[时時][间間][)）]?"
)
DATE_TOKEN_RE = re.compile(
    # "北京时间2019年3月5日 10:20" states the zone before the date
    r"(?:(?P<bj>北京[时時][间間])\s?)?"
    r"(?:(?<!\d)(?<!\d\.)(?P<y1>\d{4})(?P<sep>[-/.])(?P<m1>\d{1,2})(?P=sep)(?P<d1>\d{1,2})"
    r"(?!\d)(?!\.\d)"
    f"|(?<![\\d{_Y_CN}])(?P<y2>\\d{{4}}|[{_Y_CN}]{{4}})\\s?年\\s?(?P<m2>\\d{{1,2}}|[{_MD_CN}]{{1,3}})"
    f"\\s?月\\s?(?P<d2>\\d{{1,2}}|[{_MD_CN}]{{1,3}})\\s?[日号號])"
    f"(?:\\s?[（(]?{_WEEKDAY}[)）]?)?"
    # the time: 10:20, 10:20:30.123, T10:20, 下午3:20, 10时20分, 10:20 PM
    r"(?:(?:T|\s?)"
    f"(?P<ap>{_AMPM})?\\s?"
    r"(?P<H>\d{1,2})(?:[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2})(?:[.,]\d{1,9})?)?"
    r"|\s?[时時点點]\s?(?P<M2>\d{1,2})\s?分(?:\s?(?P<S2>\d{1,2})\s?秒)?)(?!\d)"
    r"(?:\s?(?P<ap2>[AaPp])\.?[Mm]\.?(?![A-Za-z]))?"
    f"(?:\\s?(?P<tz>{_ZONE}))?)?"
)
_DAY_FIRST_RE = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d.])"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_RFC2822_RE = re.compile(r"^(?:[A-Za-z]{3},?\s{1,3})?\d{1,2}\s[A-Za-z]{3}\s\d{4}\s\d{1,2}:\d{2}")
_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
# Java's Date.toString(): "Tue Mar 05 10:20:00 CST 2019" (dateparser reads CST as US time
# and gives up on "GMT+08:00")
_JAVA_RE = re.compile(
    r"^(?:[A-Z][a-z]{2}\s)?(?P<mon>[A-Z][a-z]{2})\s(?P<d>\d{1,2})\s"
    r"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})\s(?:(?P<zone>[A-Za-z]{1,5}(?:[+-]\d{1,2}:?\d{2})?)\s)?"
    r"(?P<y>\d{4})$"
)
_NUMERIC_ZONE_RE = re.compile(r"[+-]\d{2}:?\d{2}\b|\b(?:GMT|UTC)\b|(?<=\d)Z\b")
_HAS_TIME_RE = re.compile(r"\d{1,2}:\d{2}|\d\s?[AaPp]\.?[Mm]\b")
_YEAR_RE = re.compile(r"(?<!\d)\d{4}(?!\d)")
_TIME_OF_DAY_RE = re.compile(r"^\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*$")
_FALLBACK_MAX_CHARS = 64
_OFFSET_RE = re.compile(r"(?:GMT|UTC)?\s?([+-])(\d{1,2}):?(\d{2})?")
_EPOCH_FRACTION_RE = re.compile(r"\d{9,13}\.\d{1,6}")
_NUMERIC_START_RE = re.compile(r"\d{4}[-/.年]")


# ---------------------------------------------------------------- plausibility


def plausible(day: _dt.date, today: _dt.date | None = None) -> bool:
    """Whether ``day`` can be a publication date: from 1901 to tomorrow, and not the
    zero epoch (1970-01-01)."""
    today = today or _dt.date.today()
    return day.year >= MIN_YEAR and day <= today + _dt.timedelta(days=1) and day != _ZERO_DAY


# ---------------------------------------------------------------- numbers


def _cn_year(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    digits = [_CN_DIGIT.get(ch) for ch in text]
    if None in digits:
        return None
    return int("".join(map(str, digits)))


def _cn_small(text: str) -> int | None:
    """1-39 written ``5``, ``五``, ``十``, ``十二``, ``二十``, ``三十一``, ``廿五``, ``元``."""
    if text.isdigit():
        return int(text)
    if text == "元":  # 元月: the first month
        return 1
    head, rest = text[0], text[1:]
    if head in _CN_TENS:
        tens = _CN_TENS[head]
    elif rest[:1] == "十" and head in _CN_DIGIT:
        tens, rest = _CN_DIGIT[head], rest[1:]
    else:
        return _CN_DIGIT.get(text) if len(text) == 1 else None
    if not rest:
        return tens * 10
    unit = _CN_DIGIT.get(rest) if len(rest) == 1 else None
    return None if not unit else tens * 10 + unit


# ---------------------------------------------------------------- rendering


def _render(
    day: _dt.date,
    clock: tuple[int, int, int] | None,
    zone: _dt.tzinfo | None,
    today: _dt.date | None,
) -> str | None:
    if not plausible(day, today):
        return None
    if clock is None:
        return day.isoformat()
    try:
        stamp = _dt.datetime.combine(day, _dt.time(*clock), tzinfo=zone)
    except ValueError:  # 25:61 -- the date still stands
        return day.isoformat()
    return stamp.isoformat(timespec="seconds")


def _zone(text: str | None) -> _dt.tzinfo | None:
    if not text:
        return None
    text = text.strip("（()）")
    if "北京" in text:
        return EPOCH_ZONE
    if text in ("Z", "GMT", "UTC"):
        return _dt.timezone.utc
    m = _OFFSET_RE.fullmatch(text)
    if m is None:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    sign = -1 if m.group(1) == "-" else 1
    return _dt.timezone(sign * _dt.timedelta(hours=hours, minutes=minutes))


def _clock(m: re.Match[str]) -> tuple[int, int, int] | None:
    if m.group("H") is None:
        return None
    hour = int(m.group("H"))
    minute = int(m.group("M") or m.group("M2") or 0)
    second = int(m.group("S") or m.group("S2") or 0)
    ap = m.group("ap") or ""
    ap2 = (m.group("ap2") or "").lower()
    if (ap in ("下午", "晚上", "傍晚", "夜间", "夜間") or ap2 == "p") and hour < 12:
        hour += 12
    elif (ap2 == "a" or ap == "凌晨") and hour == 12:
        hour = 0
    return hour, minute, second


@dataclass(frozen=True, slots=True)
class DateToken:
    """A date (and maybe time) written in a line: ``line[start:end]``."""

    start: int
    end: int
    iso: str | None  # None: written like a date, but not a valid or plausible one


def _token_iso(m: re.Match[str], today: _dt.date | None) -> str | None:
    if m.group("y1"):
        year, month, day = int(m.group("y1")), int(m.group("m1")), int(m.group("d1"))
    else:
        y, mo, d = _cn_year(m.group("y2")), _cn_small(m.group("m2")), _cn_small(m.group("d2"))
        if y is None or mo is None or d is None:
            return None
        year, month, day = y, mo, d
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        return None
    clock = _clock(m)
    zone = _zone(m.group("tz") or m.group("bj")) if clock else None
    return _render(date, clock, zone, today)


def find_date_token(
    text: str, start: int = 0, *, today: _dt.date | None = None
) -> DateToken | None:
    """The first date written in ``text`` from ``start`` on (``2019-03-05 10:20``,
    ``2019年3月5日``, ``二〇一九年三月五日``); ``iso`` is ``None`` when it is no valid,
    plausible date. Full-width digits are read as digits."""
    wide = text.translate(_WIDE)
    m = DATE_TOKEN_RE.search(wide, start)
    if m is None:
        return None
    return DateToken(m.start(), m.end(), _token_iso(m, today))


def find_date_tokens(text: str, *, today: _dt.date | None = None) -> list[DateToken]:
    """Every date written in ``text`` (see :func:`find_date_token`), in order."""
    if not any(ch.isdigit() for ch in text) and "年" not in text:
        return []
    wide = text.translate(_WIDE)
    return [
        DateToken(m.start(), m.end(), _token_iso(m, today)) for m in DATE_TOKEN_RE.finditer(wide)
    ]


# ---------------------------------------------------------------- values


def _from_epoch(seconds: float, today: _dt.date | None) -> str | None:
    if seconds != seconds or seconds <= 0:  # NaN, zero, negative
        return None
    try:
        stamp = _dt.datetime.fromtimestamp(seconds, tz=EPOCH_ZONE)
    except (OverflowError, OSError, ValueError):
        return None
    if stamp.year < EPOCH_MIN_YEAR or not plausible(stamp.date(), today):
        return None
    return stamp.replace(microsecond=0).isoformat()


def _from_digits(text: str, today: _dt.date | None) -> str | None:
    """``20190305``, ``201903051020``, ``20190305102030``, or epoch seconds/milliseconds."""
    if len(text) in (8, 12, 14):
        try:
            day = _dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            parts = [int(text[i : i + 2]) for i in range(8, len(text), 2)]
            clock = (*parts, 0)[:3] if parts else None
            if clock is not None:
                _dt.time(*clock)
            return _render(day, clock, None, today)
        except ValueError:
            if len(text) == 8:
                return None
    number = int(text)
    return _from_epoch(number / 1000 if number > 10**11 else number, today)


def _day_first(m: re.Match[str], today: _dt.date | None) -> str | None:
    """``05/03/2019``: read only when one reading is possible (or both give one day)."""
    a, b, year = int(m.group("a")), int(m.group("b")), int(m.group("y"))
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a or a == b:
        month, day = a, b
    else:
        return None  # 05/03/2019: 5 March or May 3 -- unknown
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        return None
    clock = None
    if m.group("H"):
        clock = (int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))
    return _render(date, clock, None, today)


def _from_rfc2822(text: str, today: _dt.date | None) -> str | None:
    try:
        stamp = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if stamp.tzinfo is not None and not _NUMERIC_ZONE_RE.search(text):
        stamp = stamp.replace(tzinfo=None)  # CST, EST, ...: ambiguous names
    return _render(stamp.date(), (stamp.hour, stamp.minute, stamp.second), stamp.tzinfo, today)


def _from_java(m: re.Match[str], today: _dt.date | None) -> str | None:
    month = _MONTHS.get(m.group("mon"))
    if month is None:
        return None
    try:
        day = _dt.date(int(m.group("y")), month, int(m.group("d")))
    except ValueError:
        return None
    zone_text = m.group("zone") or ""
    zone = _zone(zone_text) if _NUMERIC_ZONE_RE.search(zone_text) else None
    clock = (int(m.group("H")), int(m.group("M")), int(m.group("S")))
    return _render(day, clock, zone, today)


@functools.cache
def _dateparser() -> DateDataParser:
    # imported on first use: 0.05 s to import, then 0.4 s of language data on the first call
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["zh", "en"],
        settings={
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month", "year"],
            "PARSERS": ["custom-formats", "absolute-time"],
        },
    )


def _from_dateparser(text: str, today: _dt.date | None) -> str | None:
    if len(text) > _FALLBACK_MAX_CHARS or not _YEAR_RE.search(text):
        return None
    try:
        stamp = _dateparser().get_date_data(text).date_obj
    except Exception:  # a third-party parser on hostile input: never raise out of a reader
        return None
    if stamp is None:
        return None
    zone = stamp.tzinfo if _NUMERIC_ZONE_RE.search(text) else None
    clock = (stamp.hour, stamp.minute, stamp.second) if _HAS_TIME_RE.search(text) else None
    return _render(stamp.date(), clock, zone if clock else None, today)


def _from_string(text: str, today: _dt.date | None) -> str | None:
    text = text.translate(_WIDE).strip()
    if not text or len(text) > 200:
        return None
    if text.isdigit() and text.isascii():
        return _from_digits(text, today)
    if _EPOCH_FRACTION_RE.fullmatch(text):
        return _from_epoch(float(text) / (1000 if len(text.split(".")[0]) > 11 else 1), today)
    m = DATE_TOKEN_RE.match(text)
    if m is not None:
        return _token_iso(m, today)
    m = _DAY_FIRST_RE.match(text)
    if m is not None:
        return _day_first(m, today)
    if _RFC2822_RE.match(text):
        return _from_rfc2822(text, today)
    m = _JAVA_RE.match(text)
    if m is not None:
        return _from_java(m, today)
    if _NUMERIC_START_RE.match(text):
        return None  # a numeric date that did not read (month 13, no day): no guessing
    m = DATE_TOKEN_RE.search(text)
    if m is not None and m.start() <= 12 and not any(c.isdigit() for c in text[: m.start()]):
        return _token_iso(m, today)  # 发布时间：2019-03-05
    return _from_dateparser(text, today)


def parse_date(value: object, *, today: _dt.date | None = None) -> str | None:
    """An ISO 8601 publication date from a metadata value (a JSON field, an HTML meta
    tag), or ``None``: ``2019-03-05``, ``2019-03-05T10:20:00``, or with the stated offset.

    Strings: ISO 8601 with or without zone, ``2019/03/05 10:20:30``, ``2019.03.05``,
    ``20190305``, ``2019年03月05日 10:20``, ``二〇一九年三月五日``, RFC 2822, Java's
    ``Date.toString()``, English month names; numbers and digit strings as epoch seconds
    or milliseconds (see the module docstring for the zone); MongoDB's ``{"$date": ...}``.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return _from_digits(str(value), today) if value > 0 else None
    if isinstance(value, float):
        if value != value or value <= 0 or value > 1e15:
            return None
        if value.is_integer():
            return _from_digits(str(int(value)), today)
        return _from_epoch(value / 1000 if value > 1e11 else value, today)
    if isinstance(value, str):
        return _from_string(value, today)
    if isinstance(value, Mapping) and len(value) == 1:
        inner = value.get("$date", value.get("$numberLong"))
        if isinstance(inner, Mapping | str | int | float):
            return parse_date(inner, today=today)
    return None


def is_date_value(value: object) -> bool:
    """Whether ``value`` has a type a date can be written in (for the JSON reader's
    errors): a string, a number, or MongoDB's ``{"$date": ...}``."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str | int | float):
        return True
    return (
        isinstance(value, Mapping)
        and len(value) == 1
        and ("$date" in value or "$numberLong" in value)
    )


def with_time_of_day(published: str | None, value: object) -> str | None:
    """A date-only ``published`` completed by a separate time-of-day field
    (``{"date": "2019-03-05", "time": "10:20"}``); anything else is returned as is."""
    if published is None or len(published) != 10 or not isinstance(value, str):
        return published
    m = _TIME_OF_DAY_RE.match(value.translate(_WIDE))
    if m is None:
        return published
    try:
        clock = _dt.time(int(m.group("H")), int(m.group("M")), int(m.group("S") or 0))
    except ValueError:
        return published
    return f"{published}T{clock.isoformat(timespec='seconds')}"


# ---------------------------------------------------------------- file names

# In a file name: 2019-03-05-title, 2019_03_05, 2019.3.5, 2019年3月5日
_NAME_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?P<sep>[-_.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    r"|(?<!\d)(?P<y2>\d{4})年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日"
)
# A run of 8, 12 or 14 digits: yyyymmdd[HHMM[SS]] (t20190305_123.html, 20190305_x.txt)
_NAME_DIGITS_RE = re.compile(r"(?<!\d)\d{8}(?:\d{4}|\d{6})?(?!\d)")
# Folders of a site's URL layout: 2019/03/05/, 2019/3/5/, 2019/0305/, 201903/05/, 2019-03/05/
# (the day is a folder too: in 2019/03/12.txt the 12 is as often an article number)
_DIR_DATE_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})(?:/|[-_]?)(?P<m>\d{2})/(?P<d>\d{2})/"
    r"|(?<!\d)(?P<y2>\d{4})/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})/"
    r"|(?<!\d)(?P<y3>\d{4})/(?P<m3>\d{2})(?P<d3>\d{2})/"
)


def _path_day(y: str, m: str, d: str, today: _dt.date | None) -> str | None:
    try:
        day = _dt.date(int(y), int(m), int(d))
    except ValueError:
        return None
    if day.year < EPOCH_MIN_YEAR or not plausible(day, today):
        return None
    return day.isoformat()


def date_from_path(path: str, *, today: _dt.date | None = None) -> str | None:
    """The publication day written in a file's name or its site folders, or ``None``.

    Read: ``20190305_xxx.txt``, ``t20190305_123.html``, ``2019-03-05-title.html``,
    ``news/2019/03/05/123.txt``, ``n1/2019/0305/c1001-123.html``, ``2019-03/05/c_1.htm``,
    and a parent folder named exactly as a date (``2019-03-05/123.txt``). Not read: other
    digit runs (``123456.txt``; ``1551752400.txt`` is an id far more often than an epoch
    stamp), a date inside a longer folder name (``2019-03-05 scrape/`` is when it was
    saved), a year or month without a day, a day before 1990 (file names that hold dates
    are web-era), and any ``.jsonl`` file: its name dates the dump, not its articles.
    """
    norm = path.replace("\\", "/")
    parts = [p for p in norm.split("/") if p]
    if not parts:
        return None
    name = parts[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if suffix.lower() == "jsonl":
        return None
    for m in _NAME_DATE_RE.finditer(stem):
        found = _path_day(m["y"] or m["y2"], m["m"] or m["m2"], m["d"] or m["d2"], today)
        if found:
            return found
    for m in _NAME_DIGITS_RE.finditer(stem):
        digits = m.group()
        if len(digits) > 8 and _from_digits(digits, today) is None:
            continue  # 14 digits whose time part is no time: an id
        found = _path_day(digits[:4], digits[4:6], digits[6:8], today)
        if found:
            return found
    tail = "".join(f"{part}/" for part in parts[-5:-1])
    for m in _DIR_DATE_RE.finditer(tail):
        y, mo, d = (m["y"], m["m"], m["d"]) if m["y"] else (m["y2"], m["m2"], m["d2"])
        if y is None:
            y, mo, d = m["y3"], m["m3"], m["d3"]
        found = _path_day(y, mo, d, today)
        if found:
            return found
    if len(parts) > 1:
        parent = parts[-2]
        m = _NAME_DATE_RE.fullmatch(parent) or _NAME_DIGITS_RE.fullmatch(parent)
        if m is not None:
            if m.re is _NAME_DIGITS_RE:
                return _path_day(parent[:4], parent[4:6], parent[6:8], today)
            return _path_day(m["y"] or m["y2"], m["m"] or m["m2"], m["d"] or m["d2"], today)
    return None
