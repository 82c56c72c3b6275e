"""SQLite FTS5 peers for the speed benchmark (standard library ``sqlite3``).

Two peers index the same folded paragraphs as g60-reader:

- ``seg``: the paragraph's jieba tokens joined by spaces, ``unicode61`` tokenizer: the
  classic "pre-segment, then full-text index" design.
- ``trigram``: the folded text itself with the ``trigram`` tokenizer (substring search;
  words shorter than three characters cannot use the trigram index and fall back to a
  ``LIKE`` scan, which is what a user of that design gets).

Queries arrive as :class:`BenchQuery` (kind + Simplified words) and are rendered into each
peer's syntax; every query fetches the first page of 20 with ``highlight()``, as
g60-reader computes spans for its first page.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba


@dataclass(frozen=True, slots=True)
class BenchQuery:
    kind: str  # common, rare, and2, phrase, or3, entity, pinyin
    text: str  # g60-reader syntax
    words: tuple[str, ...]  # Simplified words the peers search for (pinyin: the Han word)
    entity_type: str | None = None


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Fts5Peer:
    def __init__(self, path: Path, tokenizer: str) -> None:
        if tokenizer not in ("seg", "trigram"):
            raise ValueError(tokenizer)
        self.tokenizer = tokenizer
        self.path = path
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        tok = "unicode61" if tokenizer == "seg" else "trigram"
        self.db.execute(
            "CREATE VIRTUAL TABLE p USING fts5(body, day UNINDEXED, outlet UNINDEXED,"
            f" tokenize='{tok}')"
        )

    def build(self, paragraphs: Iterable[tuple[str, str, str]]) -> float:
        """Index ``(folded text, publication day, outlet)`` rows; return the seconds
        taken (segmentation included)."""
        t0 = time.perf_counter()
        if self.tokenizer == "seg":
            rows = (
                (" ".join(w for w in jieba.cut(t) if w.strip()), d, o) for t, d, o in paragraphs
            )
        else:
            rows = ((t, d, o) for t, d, o in paragraphs)
        with self.db:
            self.db.executemany("INSERT INTO p(body, day, outlet) VALUES (?, ?, ?)", rows)
            self.db.execute("INSERT INTO p(p) VALUES ('optimize')")
        return time.perf_counter() - t0

    def when(self, w: dict, limit: int = 20) -> int:
        """The date/outlet/sort/timeline query ``w`` of the benchmark (one word): the
        count and the first page, or the per-month counts."""
        q = BenchQuery("common", w["word"], (w["word"],))
        where, params = self._where(q)
        if w["kind"] == "timeline":
            rows = self.db.execute(
                f"SELECT substr(day, 1, 7) AS m, count(*) FROM p WHERE {where} GROUP BY m",
                params,
            ).fetchall()
            return sum(n for _m, n in rows)
        order = "ORDER BY rank" if self.tokenizer == "seg" else ""
        if w["kind"] == "since":
            where += " AND day BETWEEN ? AND ?"
            params = [*params, w["since"], w["until"]]
        elif w["kind"] == "outlet":
            where += " AND outlet = ?"
            params = [*params, w["outlet"]]
        elif w["kind"] == "sorted":
            order = "ORDER BY day DESC"
        total = self.db.execute(f"SELECT count(*) FROM p WHERE {where}", params).fetchone()[0]
        self.db.execute(
            f"SELECT body FROM p WHERE {where} {order} LIMIT ?", [*params, limit]
        ).fetchall()
        return total

    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def _where(self, q: BenchQuery) -> tuple[str, list[str]]:
        """The WHERE clause and its parameters for one query."""
        if self.tokenizer == "seg":
            if q.kind == "phrase":
                words = [w for w in jieba.cut(q.words[0]) if w.strip()]
                return "p MATCH ?", [_quote(" ".join(words))]
            joiner = " OR " if q.kind == "or3" else " AND "
            return "p MATCH ?", [joiner.join(_quote(w) for w in q.words)]
        # trigram: the index serves words of 3+ characters; shorter ones need a scan
        # (instr: LIKE patterns under three characters find nothing with this tokenizer).
        clauses: list[str] = []
        params: list[str] = []
        for w in q.words:
            if len(w) >= 3:
                clauses.append("rowid IN (SELECT rowid FROM p WHERE p MATCH ?)")
                params.append(_quote(w))
            else:
                clauses.append("instr(body, ?) > 0")
                params.append(w)
        joiner = " OR " if q.kind == "or3" else " AND "
        return "(" + joiner.join(clauses) + ")", params

    def query(self, q: BenchQuery, limit: int = 20) -> tuple[int, list[list[tuple[int, int]]]]:
        """Total matches and, for the first page, the match spans of each paragraph."""
        where, params = self._where(q)
        total = self.db.execute(f"SELECT count(*) FROM p WHERE {where}", params).fetchone()[0]
        if self.tokenizer == "seg":
            sql = f"SELECT highlight(p, 0, char(1), char(2)) FROM p WHERE {where} ORDER BY rank"
            rows = self.db.execute(f"{sql} LIMIT ?", [*params, limit]).fetchall()
            return total, [_marked_spans(r[0]) for r in rows]
        rows = self.db.execute(f"SELECT body FROM p WHERE {where} LIMIT ?", [*params, limit])
        return total, [_find_spans(r[0], q.words) for r in rows.fetchall()]

    def close(self) -> None:
        self.db.close()


def _marked_spans(marked: str) -> list[tuple[int, int]]:
    """Spans of the char(1)...char(2) marks that highlight() put into the text."""
    spans: list[tuple[int, int]] = []
    pos = 0
    start = 0
    for ch in marked:
        if ch == "\x01":
            start = pos
        elif ch == "\x02":
            spans.append((start, pos))
        else:
            pos += 1
    return spans


def _find_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for w in words:
        i = text.find(w)
        while i >= 0:
            spans.append((i, i + len(w)))
            i = text.find(w, i + len(w))
    return sorted(spans)
