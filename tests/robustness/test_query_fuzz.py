"""Fuzzed queries against the real search API: a result or a clear one-line message,
never an exception; every hit well formed. And hostile queries through ``g60-reader
search`` as a real process: exit code 0 or 2, terminal-safe bytes."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g60_reader.index.contract import SearchResult
from tests.robustness.conftest import LONG, run_cli
from tests.robustness.hostile import article_text, attack_jsonl, forbidden_in

EXAMPLES = 1500 if LONG else 150

SYNTAX = [
    '"',
    "'",
    "(",
    ")",
    "AND",
    "OR",
    "NOT",
    "and",
    "-",
    "+",
    ":",
    "title:",
    "outlet:",
    "person:",
    "place:",
    "org:",
    "date:",
    "initiative:",
    "nosuch:",
    "*",
    "?",
    "~",
    "^2",
    "\\",
    "[",
    "]",
    "{",
    "}",
    "TO",
    " ",
    "\t",
    "\n",
    "\x00",
    "\ud800",
    "\udfff",
    "😀",
    "👨‍👩‍👧",
    "，",
    "。",
    "「",
    "」",
    "科創",
    "科创",
    "走廊",
    "金華",
    "kechuang",
    "jh",
    "G60",
    "2019",
    "12月",
    "\u202e",
    "\u200b",
    "\x1b[2J",
    "\x1b]52;c;aGk=\x07",
    "[bold]",
    "長三角",
    "烏鎮",
]

tokens = st.lists(st.sampled_from(SYNTAX), max_size=40)
queries = st.one_of(
    tokens.map(" ".join),
    tokens.map("".join),
    st.text(alphabet=st.characters(exclude_categories=()), max_size=120),  # surrogates too
    st.text(alphabet=st.sampled_from('"()-:* 科創走廊金華ab'), max_size=60),
    st.builds(lambda unit, n: unit * n, st.sampled_from(SYNTAX), st.integers(1, 10_000)),
    st.builds(lambda n: "科" * n, st.integers(990, 1010)),  # around the length limit
)


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory):
    from g60_reader.corpus.readers import SAMPLE_PATH
    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    root = tmp_path_factory.mktemp("fuzz-corpus")
    (root / "attacks.jsonl").write_text(attack_jsonl(), encoding="utf-8")
    for n, marker in enumerate(["烏鎮", "西湖", "黃山"]):
        (root / f"a{n}.txt").write_text(article_text(f"文章{n}", marker), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("fuzz-index") / "index"
    report = store.update(index_dir, [SAMPLE_PATH, root], procs=1)
    assert report.failed == [] and report.added > 5
    backend = WhooshBackend(index_dir)
    yield backend
    backend.close()


def check(result: object, query: str, pagelen: int) -> None:
    assert isinstance(result, SearchResult)
    if result.error is not None:
        message = result.error
        assert message.strip(), "empty error message"
        assert "\n" not in message and "\r" not in message, message
        assert len(message) <= 500, message
        assert result.hits == []
        return
    assert result.total >= len(result.hits) >= 0
    assert len(result.hits) <= max(1, pagelen)
    assert result.articles <= result.total
    for hit in result.hits:
        spans = list(hit.spans)
        assert spans == sorted(spans)
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert e1 <= s2, spans
        assert all(0 <= s < e <= len(hit.text) for s, e in spans), (spans, len(hit.text))
        start = hit.snippet_start
        assert hit.text[start : start + len(hit.snippet)] == hit.snippet


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=queries, page=st.integers(-3, 5), pagelen=st.integers(-1, 2000))
def test_search_never_raises(backend, query: str, page: int, pagelen: int) -> None:
    check(backend.search(query, page, pagelen), query, pagelen)


@settings(
    max_examples=EXAMPLES // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(query=queries)
def test_facets_never_raise(backend, query: str) -> None:
    facets = backend.facets(query)
    assert isinstance(facets, dict)
    for values in facets.values():
        assert all(isinstance(v, str) and isinstance(n, int) and n > 0 for v, n in values)


@settings(
    max_examples=EXAMPLES // 3,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(article_id=queries)
def test_unknown_article_ids_are_none(backend, article_id: str) -> None:
    # The reader asks for ids it got from hits; a stale or garbled one must give None.
    known = {a.article_id for a in backend.list_articles()}
    assert article_id in known or backend.article(article_id) is None


@pytest.mark.parametrize(
    "query",
    [
        ")",
        "\x1b[2Jnosuch:x",
        "title:\x1b]52;c;ZWNobyBvd25lZA==\x07",
        "\u202egnp:科創",
        "[bold red]科創[/bold red]",
        "科創" * 600,
    ],
)
def test_search_cli_with_hostile_queries(backend, query: str, tmp_path: Path) -> None:
    for args in (["search", query], ["search", "--json", query]):
        run = run_cli([*args, "--index-dir", backend.index_dir], home=tmp_path, timeout=60)
        assert run.returncode in (0, 2), run
        assert "Traceback" not in run.err, run
        assert forbidden_in(run.stdout) == [] and forbidden_in(run.stderr) == [], run
        if run.returncode == 2:
            lines = run.err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("bad query"), run
