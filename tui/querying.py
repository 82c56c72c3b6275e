"""From what the user typed to a query and its filters (the command line and the reader
share it).

Dates come from the query itself (``since:2019-03``, ``until:去年``, ``in:2019Q1``,
``in:上周``: :func:`g60_reader.index.when.extract_when`) and from ``--since`` /
``--until``; both narrow together. Outlets come from ``--outlet`` (exact names, either
script; in the search box ``outlet:`` finds words of the outlet's name). ``date:`` keeps
its meaning: paragraphs that *mention* a date (an entity), never the publication date.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from g60_reader.index.contract import Filters
from g60_reader.index.when import WhenError, WhenRange, extract_when, parse_range


@dataclass(slots=True)
class Prepared:
    query: str  # the query without its date clauses
    filters: Filters = field(default_factory=Filters)
    error: str | None = None  # one line: what could not be used
    when: WhenRange | None = None  # the publication range, for labels

    @property
    def label(self) -> str:
        """The date range as the interface shows it ("" when there is none)."""
        if self.when is None or self.when.is_open:
            return ""
        return self.when.label()


def prepare(
    text: str,
    *,
    since: str | None = None,
    until: str | None = None,
    outlets: Iterable[str] = (),
    today: _dt.date | None = None,
) -> Prepared:
    """Split ``text`` into the query proper and its filters."""
    today = today or _dt.date.today()
    query, when, errors = extract_when(text if isinstance(text, str) else "", today)
    out = Prepared(query=query)
    if errors:
        out.error = "; ".join(errors)
        return out
    if since or until:
        try:
            flags = parse_range(since, until, today)
        except WhenError as exc:
            out.error = str(exc)
            return out
        when = flags if when is None else when.intersect(flags)
    if when is not None and when.start and when.end and when.start > when.end:
        out.error = f"the dates given leave nothing: {when.start} is after {when.end}"
        return out
    out.when = when
    out.filters = Filters(
        since=when.start_iso if when is not None else None,
        until=when.end_iso if when is not None else None,
        outlets=tuple(o.strip() for o in outlets if o and o.strip()),
    )
    return out
