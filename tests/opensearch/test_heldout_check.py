"""The held-out check (``tests/opensearch/heldout_check.py``) at a small size, in CI.

60 People's Daily articles (plus the mirror copy and two reprints) in every form the check
writes; the cluster comes from ``g60-reader opensearch start`` on a port of its own, not
from the session's node, because starting it is part of what is checked. The searches run
in the check's session mode (the console script's entry point in one process per job, with
four queries per backend run again as separate ``g60-reader`` processes and required to
give the very same answers): one process per search would cost 0.5-1.5 s each, about
2.5 minutes for the 330 searches, against about 10 s.

The comparison itself is tested on made-up answers (no cluster), so that a difference in
a hit, its spans, its fields or the totals is shown to fail the check.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.opensearch.heldout_check import (
    FIRST_FORMS,
    Answer,
    Hit,
    Outcome,
    Query,
    Row,
    report,
    run_check,
)

ARTICLES = 60
PAGE = 100  # so that 的 (about 290 hits) takes several pages here


@pytest.mark.opensearch
def test_heldout_corpus_gives_the_same_hits_on_opensearch_and_whoosh(tmp_path: Path) -> None:
    outcome = run_check(ARTICLES, tmp_path, mode="session", jobs=2, pagelen=PAGE)
    text = io.StringIO()
    report(outcome, text)
    print(text.getvalue())
    assert outcome.ok, text.getvalue()

    # the check checked something: every form written, every kind of query asked, hits
    assert set(FIRST_FORMS) <= set(outcome.corpus), outcome.corpus
    assert outcome.corpus["mirror copy"] == 1
    assert outcome.articles == ARTICLES + 2  # two reprints
    kinds = {r.query.kind.split()[0] for r in outcome.rows}
    expected = {"frequent", "rare", "and", "phrase", "or", "not", "sub-word", "traditional"}
    expected |= {"pinyin", "initials", "entity", "title", "outlet", "--outlet", "since:"}
    expected |= {"until:", "in:", "--since", "--sort", "duplicate", "reprint", "error"}
    assert expected <= kinds, expected - kinds
    assert len(outcome.rows) >= 40
    # several pages for 的; the story shown once without --all, twice with it
    (the,) = [r for r in outcome.rows if r.query.label == "的"]
    assert len(the.whoosh.hits) > 2 * PAGE, len(the.whoosh.hits)
    reprints = [r for r in outcome.rows if r.query.kind == "reprint"]
    shown = {r.query.options: len(r.whoosh.hits) for r in reprints[:2]}
    assert shown[("--all",)] == shown[()] + 1, shown
    # the cluster was stopped
    assert not (tmp_path / "cluster" / "state.json").exists()
    assert "stop" in outcome.timings


def _answer(hits: list[Hit], total: int | None = None, **fields: object) -> Answer:
    found: dict[Hit, dict[str, object]] = {
        h: {
            "outlet": "人民日报",
            "published": "1998-01-05",
            "text": "文字",
            "reprints": 0,
            **fields,
        }
        for h in hits
    }
    n = len(hits) if total is None else total
    return Answer(found, list(hits), n, len({(h[0], h[1]) for h in hits}))


HIT_A: Hit = ("/c/a.txt", "标题", 1, ((0, 2),))
HIT_B: Hit = ("/c/dump.jsonl", "另一篇", 3, ((4, 6),))


def test_equal_answers_pass_and_every_kind_of_difference_fails() -> None:
    query = Query("frequent", "中国")
    assert Row(query, _answer([HIT_A, HIT_B]), _answer([HIT_B, HIT_A])).problems == []

    spans: Hit = (HIT_B[0], HIT_B[1], HIT_B[2], ((4, 7),))
    cases = {
        "only whoosh": _answer([HIT_A]),
        "only opensearch": _answer([HIT_A, HIT_B, ("/c/b.txt", "标题", 1, ())]),
        "spans": _answer([HIT_A, spans]),
        "fields differ": _answer([HIT_A, HIT_B], outlet="光明日报"),
        "totals differ": _answer([HIT_A, HIT_B], total=3),
    }
    for name, other in cases.items():
        problems = Row(query, _answer([HIT_A, HIT_B]), other).problems
        assert problems, name
        if name != "spans":
            assert any(name in p for p in problems), (name, problems)
    empty = Row(query, _answer([]), _answer([])).problems
    assert empty and "proves nothing" in empty[0]

    refused = Query("error", "-中国", expect_error=True)
    same = Answer({}, [], -1, -1, "exit 2: bad query")
    assert Row(refused, same, same).problems == []
    assert Row(refused, same, _answer([HIT_A])).problems

    outcome = Outcome([Row(query, _answer([HIT_A]), _answer([HIT_B]))], {}, {}, 1)
    text = io.StringIO()
    report(outcome, text)
    assert not outcome.ok
    assert "0/1 queries agree" in text.getvalue()
    assert "only whoosh" in text.getvalue() and "a.txt" in text.getvalue()
