"""JSON (one article, or an array of them) and JSON lines (one article per line).

Field names are matched without case, ``_`` or ``-`` (``publish_time``, ``publishTime``
and ``PublishTime`` are one name), in the order of the lists below: the first field that
reads wins.

- date: ``published_at``, ``publish_time``, ``pub_time``, ``pubDate``, ``release_time``
  and the like, then ``datetime``, ``date``, ``time``, then ``ctime``, ``created_at``;
  a date-only value takes the time of a separate ``time`` field (``"10:20"``). Values are
  read by :func:`g60_reader.corpus.dates.parse_date`.
- outlet (who published this copy): ``outlet``, ``site_name``, ``site``, ``media``,
  ``publisher``, ``source_name``, ``source``; a string, ``{"name": ...}`` (NewsAPI's
  ``source``, schema.org's ``publisher``). When a more specific outlet field is there,
  ``source`` is the copy's declared origin: the source credit.
- source credit: ``source_credit``, ``credit``, ``copyfrom`` (the 来源 of Chinese CMSs),
  ``original_source``, ``origin``.
- byline: ``author``, ``authors``, ``byline``, ``reporter``, ``reporters``, ``writer``; a
  string, a list of strings or of ``{"name": ...}``. ``editor`` is never the byline.

A value of a type that cannot hold the field in one of the names this reader always knew
(``source``, ``author``, ``time``, ``date``, ``pubtime``, ``publish_time``, ``pubdate``:
``"author": false``, ``"time": [1]``) makes the record a ``ReadError`` naming the field,
as before; ``null`` is
no value. The other names often mean something else in the wild (``"media": [images]``,
``"published": true``): a value of the wrong type there is passed over.
"""

from __future__ import annotations

import json
import re

from g60_reader.corpus.clean import clean
from g60_reader.corpus.dates import is_date_value, parse_date, with_time_of_day
from g60_reader.corpus.model import ReadError

from .raw import Fields, RawArticle

_BODY_KEYS = ("content", "body", "text")
_DATE_KEYS = (
    *("publishedat", "publishtime", "publishedtime", "publishdate", "publisheddate"),
    *("published", "datepublished", "pubtime", "pubdate", "pubdatetime", "releasetime"),
    *("releasedate", "posttime", "postdate", "datetime", "date", "time"),
    *("ctime", "createdat", "createtime", "createdtime", "created"),
)
_OUTLET_KEYS = ("outlet", "sitename", "site", "media", "publisher", "sourcename", "source")
_CREDIT_KEYS = ("sourcecredit", "credit", "copyfrom", "originalsource", "origin")
_AUTHOR_KEYS = ("author", "authors", "byline", "reporter", "reporters", "writer")
_NAME_KEYS = ("name", "title", "display_name")
# The fields this reader always knew: a value of the wrong type there is an error (as it
# was); the other names often hold something else in the wild ("media": [images]).
_STRICT_KEYS = frozenset({"source", "author", "time", "date", "pubtime", "publishtime", "pubdate"})
_LOOKS_HTML_RE = re.compile(r"<\s*(?:p|br|div)\b", re.IGNORECASE)


class _FieldError(ValueError):
    pass


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _str_field(record: dict[str, object], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _FieldError(f"field '{key}' must be a string, not {_type_name(value)}")
    return value


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _keyed(record: dict[str, object]) -> dict[str, tuple[str, object]]:
    """Normalised field name -> (the name as written, its value), first one wins."""
    keyed: dict[str, tuple[str, object]] = {}
    for key, value in record.items():
        if value is not None:
            keyed.setdefault(_norm(key), (key, value))
    return keyed


def _named(key: str, value: object, *, many: bool = False) -> str | None:
    """A name from a string, ``{"name": ...}``, or (``many``) a list of either; ``None``
    when the value cannot hold one."""
    if isinstance(value, str):
        return clean(value)[0]
    if isinstance(value, dict):
        inner = next((value[k] for k in _NAME_KEYS if isinstance(value.get(k), str)), "")
        return clean(inner)[0]
    if many and isinstance(value, list):
        names = [_named(key, item) for item in value if isinstance(item, str | dict)]
        if len(names) != len(value):
            return None
        names = [n for n in names if n]
        return ("、" if any(not n.isascii() for n in names) else ", ").join(names)
    return None


def _first_name(
    keyed: dict[str, tuple[str, object]], keys: tuple[str, ...], *, many: bool = False
) -> tuple[str, str]:
    """The first name given under ``keys``, and its (normalised) key."""
    for norm in keys:
        if norm not in keyed:
            continue
        key, value = keyed[norm]
        name = _named(key, value, many=many)
        if name is None:
            if norm in _STRICT_KEYS:
                kinds = "a string, an array of names or an object with a name"
                raise _FieldError(
                    f"field '{key}' must be {kinds if many else 'a string'}, "
                    f"not {_type_name(value)}"
                )
            continue  # "media": [images], "origin": {"url": ...}: not this field's meaning
        if name:
            return name, norm
    return "", ""


def _published(keyed: dict[str, tuple[str, object]]) -> str | None:
    for norm in _DATE_KEYS:
        if norm not in keyed:
            continue
        key, value = keyed[norm]
        if not is_date_value(value):
            if norm in _STRICT_KEYS:
                raise _FieldError(
                    f"field '{key}' must be a string or a number, not {_type_name(value)}"
                )
            continue  # "published": true is a status flag
        found = parse_date(value)
        if found is not None:
            if norm != "time" and "time" in keyed:
                found = with_time_of_day(found, keyed["time"][1])
            return found
    return None


def _fields(record: dict[str, object]) -> Fields:
    keyed = _keyed(record)
    outlet, outlet_key = _first_name(keyed, _OUTLET_KEYS)
    credit, _ = _first_name(keyed, _CREDIT_KEYS)
    if not credit and outlet_key not in ("", "source"):
        # a site and a source: the source is where the copy came from
        credit, _ = _first_name(keyed, ("source",))
    byline, _ = _first_name(keyed, _AUTHOR_KEYS, many=True)
    return Fields(
        outlet=outlet,
        byline=byline,
        published=_published(keyed),
        source_credit=credit,
        subtitle=_str_field(record, "subtitle"),
    )


def _record_to_raw(record: object, number: int) -> RawArticle:
    if not isinstance(record, dict):
        raise _FieldError(f"expected a JSON object, not {_type_name(record)}")
    title = _str_field(record, "title")
    body_key = next((k for k in _BODY_KEYS if record.get(k) is not None), None)
    body = record.get(body_key) if body_key else None
    markup = False
    if body is None:
        lines: list[str] = []
    elif isinstance(body, str):
        if _LOOKS_HTML_RE.search(body):
            from .html import extract_html  # trafilatura, only for records holding pages

            _, _, lines, _ = extract_html(body)
            markup = True
        else:
            lines = body.splitlines()
    elif isinstance(body, list) and all(isinstance(x, str) for x in body):
        lines = [line for item in body for line in item.splitlines()]
    else:
        raise _FieldError(
            f"field '{body_key}' must be a string or an array of strings, not {_type_name(body)}"
        )
    fields = _fields(record)
    return RawArticle(title=title, lines=lines, fields=fields, record=number, from_markup=markup)


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg} (column {exc.colno})"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def read_json(text: str, path: str) -> list[RawArticle | ReadError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [ReadError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)]
    except (ValueError, RecursionError) as exc:
        return [ReadError(path, _json_error(exc))]
    records = data if isinstance(data, list) else [data]
    out: list[RawArticle | ReadError] = []
    for i, record in enumerate(records, start=1):
        number = i if isinstance(data, list) else 0
        try:
            out.append(_record_to_raw(record, number))
        except _FieldError as exc:
            where = f"record {number}: " if number else ""
            out.append(ReadError(path, f"{where}{exc}"))
    return out


def read_jsonl(text: str, path: str) -> list[RawArticle | ReadError]:
    out: list[RawArticle | ReadError] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append(_record_to_raw(json.loads(line), number))
        except _FieldError as exc:
            out.append(ReadError(path, str(exc), number))
        except (ValueError, RecursionError) as exc:
            out.append(ReadError(path, _json_error(exc), number))
    return out
