"""``search`` with dates, outlets and sorts; ``timeline``, ``outlets`` and ``reprints``
on a realistic folder (the contract corpus: dated and undated articles in both scripts,
a JSON-lines dump, a wire story reprinted three times)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from g60_reader.tui.cli import main
from tests.contract.conftest import write_corpus


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    root = tmp_path_factory.mktemp("news-cli")
    news = write_corpus(root)
    index_dir = root / "ix"
    result = CliRunner().invoke(
        main, ["index", "--no-entities", "--index-dir", str(index_dir), str(news)]
    )
    assert result.exit_code == 0, result.output
    assert "reprints: 1 stories published more than once" in result.output
    return str(index_dir)


def run(ix, *args):
    result = CliRunner().invoke(main, [*args, "--index-dir", ix])
    return result


def lines(result):
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]


def keys(rows):
    return {(r["article_id"], r["paragraph"]) for r in rows}


def test_search_since_until_flags_and_query_clauses_agree(ix):
    many = ("--json", "-n", "1000")
    flags = lines(run(ix, "search", "经济", *many, "--since", "2023-03", "--until", "2023-05"))
    assert flags and all("2023-03-01" <= r["published"][:10] <= "2023-05-31" for r in flags)
    clauses = lines(run(ix, "search", "经济 since:2023-03 until:2023-05", *many))
    assert keys(clauses) == keys(flags)
    quarter = lines(run(ix, "search", "经济 in:2023Q2", *many))
    assert quarter and all("2023-04-01" <= r["published"][:10] <= "2023-06-30" for r in quarter)
    by_phrase = lines(run(ix, "search", "经济 in:2023年第二季度", *many))
    assert keys(by_phrase) == keys(quarter)


def test_search_sort_date_is_newest_first_and_keeps_published(ix):
    rows = lines(run(ix, "search", "经济", "--json", "-n", "200", "--sort", "date"))
    dates = [r["published"] for r in rows]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True) and len(dated) > 10
    assert all("outlet" in r and "published" in r for r in rows)
    oldest = lines(run(ix, "search", "经济", "--json", "-n", "200", "--sort", "oldest"))
    ascending = [r["published"] for r in oldest if r["published"]]
    assert ascending == sorted(ascending) and ascending[0] < dated[-1]


def test_search_outlet_filter_in_either_script(ix):
    from g60_reader.corpus.fold import fold

    rows = lines(run(ix, "search", "经济", "--json", "-n", "500", "--outlet", "新華網"))
    assert rows and {fold(r["outlet"]) for r in rows} == {"新华网"}
    assert {r["outlet"] for r in rows} == {"新华网", "新華網"}  # as each article writes it


def test_bad_dates_are_one_line_exit_2(ix):
    for args in (("--since", "soon"), ("--since", "2024", "--until", "2023")):
        result = run(ix, "search", "经济", *args)
        assert result.exit_code == 2
        assert len(result.output.strip().splitlines()) == 1


def test_timeline_json_counts_match_the_search(ix):
    buckets = lines(run(ix, "timeline", "经济", "--by", "month", "--json"))
    assert buckets and all(set(b) == {"period", "articles", "paragraphs"} for b in buckets)
    hits = lines(run(ix, "search", "经济", "--json", "-n", "1000", "--all"))
    by_month: dict[str, set[str]] = {}
    for r in hits:
        if r["published"]:
            by_month.setdefault(r["published"][:7], set()).add(r["article_id"])
    assert {b["period"]: b["articles"] for b in buckets} == {k: len(v) for k, v in by_month.items()}
    split = lines(run(ix, "timeline", "经济", "--by", "year", "--by-outlet", "--json"))
    assert all(b["outlet"] for b in split)
    assert sum(b["articles"] for b in split) == sum(b["articles"] for b in buckets)
    chart = run(ix, "timeline", "经济", "--by", "month")
    assert chart.exit_code == 0 and "█" in chart.output and "undated" in chart.output


def test_outlets_counts(ix):
    rows = lines(run(ix, "outlets", "--json"))
    assert rows[0]["articles"] >= rows[-1]["articles"]
    names = {r["outlet"] for r in rows}
    assert {"嘉兴日报", "新华网", "人民网"} <= names


def test_reprints_lists_the_wire_story_earliest_first(ix):
    stories = lines(run(ix, "reprints", "--json"))
    assert len(stories) == 1
    members = stories[0]["articles"]
    assert members[0]["outlet"] == "新华网"
    assert [m["published"] for m in members] == sorted(m["published"] for m in members)
    assert members[1]["source_credit"] == "新华网"
    text = run(ix, "reprints")
    assert text.exit_code == 0 and "first" in text.output and "+1 d" in text.output
    collapsed = lines(run(ix, "search", "title:协同创新大会 OR title:長三角大會", "--json"))
    assert {r["reprints"] for r in collapsed} == {2} and len(
        {r["article_id"] for r in collapsed}
    ) == 1
