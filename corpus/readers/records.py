"""JSON (one article, or an array of them) and JSON lines (one article per line)."""

from __future__ import annotations

import json
import re

from g60_reader.corpus.clean import clean
from g60_reader.corpus.dates import parse_date
from g60_reader.corpus.model import ReadError

from .html import extract_html
from .raw import Fields, RawArticle

_BODY_KEYS = ("content", "body", "text")
_DATE_KEYS = ("time", "date", "pubtime", "publish_time", "pubdate")
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
    date_key = next((k for k in _DATE_KEYS if record.get(k) is not None), None)
    date_value = record.get(date_key) if date_key else None
    if date_value is not None and (
        isinstance(date_value, bool) or not isinstance(date_value, str | int | float)
    ):
        raise _FieldError(
            f"field '{date_key}' must be a string or a number, not {_type_name(date_value)}"
        )
    fields = Fields(
        outlet=clean(_str_field(record, "source") or "")[0],
        byline=clean(_str_field(record, "author") or "")[0],
        published=parse_date(date_value),
        subtitle=_str_field(record, "subtitle"),
    )
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
