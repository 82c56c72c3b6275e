"""When, who, which story: filters, date sorts, timelines, outlet counts and reprint
clusters give the same answers on every backend."""

from __future__ import annotations

import pytest

from g60_reader.index.contract import Filters

from .test_hit_sets import hit_set

FILTERS = [
    Filters(since="2023-03-01", until="2023-05-31"),
    Filters(since="2023-11-01"),
    Filters(until="2023-01-31"),
    Filters(outlets=("嘉兴日报",)),
    Filters(outlets=("新華網", "人民网")),  # either script
    Filters(since="2023-06-01", outlets=("新华网",)),
]
QUERIES = ["经济", "科创走廊", "place:嘉兴", "jingji", "title:新闻"]


@pytest.mark.parametrize("filters", FILTERS, ids=str)
@pytest.mark.parametrize("query", QUERIES)
def test_filtered_hits_agree(backend, reference, query, filters):
    assert hit_set(backend, query, filters=filters) == hit_set(reference, query, filters=filters)
    got = backend.search(query, filters=filters)
    want = reference.search(query, filters=filters)
    assert (got.total, got.articles, got.undated) == (want.total, want.articles, want.undated)


def test_date_filters_keep_only_the_range_and_count_the_undated(backend):
    filters = Filters(since="2023-03-01", until="2023-05-31")
    result = backend.search("经济", pagelen=1000, filters=filters)
    assert result.hits
    assert all("2023-03-01" <= h.published[:10] <= "2023-05-31" for h in result.hits)
    assert result.undated > 0  # the corpus has undated articles that mention 经济
    unfiltered = backend.search("经济", pagelen=1000)
    assert any(h.published is None for h in unfiltered.hits)  # never dropped without one


@pytest.mark.parametrize("sort", ["date", "oldest"])
def test_date_sorts(backend, reference, sort):
    got = backend.search("经济", pagelen=1000, sort=sort)
    want = reference.search("经济", pagelen=1000, sort=sort)
    dates = [h.published for h in got.hits]
    assert dates == [h.published for h in want.hits]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=sort == "date")
    assert all(d is None for d in dates[len(dated) :])  # undated last
    paged = [h.published for p in (1, 2, 3) for h in backend.search("经济", p, 7, sort=sort).hits]
    assert paged == dates[:21]


def test_unknown_sort_is_an_error(backend):
    assert "unknown sort" in (backend.search("经济", sort="popular").error or "")


@pytest.mark.parametrize("by", ["day", "week", "month", "year", None])
@pytest.mark.parametrize("query", ["经济", "", "place:嘉兴"])
def test_timelines_agree(backend, reference, query, by):
    got, want = backend.timeline(query, by=by), reference.timeline(query, by=by)
    assert got == want
    assert sum(b.articles for b in got.buckets) + got.undated_articles > 0


def test_timeline_by_outlet_and_filters_agree(backend, reference):
    filters = Filters(since="2023-04-01")
    got = backend.timeline("经济", by="month", by_outlet=True, filters=filters)
    assert got == reference.timeline("经济", by="month", by_outlet=True, filters=filters)
    assert got.buckets and all(b.outlet for b in got.buckets)
    assert all(b.period >= "2023-04" for b in got.buckets)


def test_timeline_counts_against_a_hand_count(backend, reference):
    """Month by month, the articles of the whole index, counted by hand."""
    counted: dict[str, int] = {}
    undated = 0
    for summary in reference.list_articles():
        if summary.published:
            key = summary.published[:7]
            counted[key] = counted.get(key, 0) + 1
        else:
            undated += 1
    timeline = backend.timeline("", by="month")
    assert {b.period: b.articles for b in timeline.buckets} == counted
    assert timeline.undated_articles == undated


@pytest.mark.parametrize("query", ["经济", None, "科创走廊"])
def test_outlets_agree(backend, reference, query):
    assert backend.outlets(query) == reference.outlets(query)


def test_stories_agree_and_collapse(backend, reference):
    got = backend.stories()
    want = reference.stories()
    members = [[m.article_id for m in s.members] for s in got]
    assert members == [[m.article_id for m in s.members] for s in want]
    wire = [s for s in got if any("wire" in m.path for m in s.members)]
    assert len(wire) == 1 and len(wire[0].members) == 3
    first = wire[0].members[0]
    assert first.outlet == "新华网"  # who published first
    # a story shows once: through its first article, with the others counted
    query = "title:协同创新大会 OR title:長三角大會"
    collapsed = backend.search(query, pagelen=1000)
    assert {h.article_id for h in collapsed.hits} == {first.article_id}
    assert {h.reprints for h in collapsed.hits} == {2}
    everything = backend.search(query, pagelen=1000, all_copies=True)
    assert {h.article_id for h in everything.hits} == {m.article_id for m in wire[0].members}
    assert backend.story(wire[0].cluster) == wire[0]


def test_a_story_shows_through_a_later_copy_when_only_it_matches(backend, reference):
    """A phrase only a reprint holds (its editor's note) finds the story there."""
    wire = next(s for s in backend.stories() if any("wire" in m.path for m in s.members))
    later = next(m for m in wire.members if "story-2" in m.path)
    only_there = "title:長三角大會"  # the third copy's own headline
    for b in (backend, reference):
        hits = b.search(only_there, pagelen=100).hits
        assert {h.article_id for h in hits} == {later.article_id}
        assert {h.reprints for h in hits} == {2}


def test_counts_that_take_many_aggregation_pages_agree(backend, reference, monkeypatch):
    """OpenSearch reads exact counts in pages of buckets (50,000 in use, more than the
    contract corpus has): with pages of three, the totals, timelines, outlet counts and
    the story-once hits still equal the reference's."""
    if type(backend).__module__.startswith("g60_reader.index.backends.opensearch"):
        from g60_reader.index.backends.opensearch import store

        monkeypatch.setattr(store, "COMPOSITE_PAGE", 3)
        backend._counts.clear()
    for query in ("经济", "place:嘉兴", "科创走廊 OR 经济"):
        got, want = backend.search(query, pagelen=1000), reference.search(query, pagelen=1000)
        assert (got.total, got.articles, got.undated) == (want.total, want.articles, want.undated)
        assert hit_set(backend, query) == hit_set(reference, query)
        assert backend.timeline(query, by="month") == reference.timeline(query, by="month")
        assert backend.outlets(query) == reference.outlets(query)
        assert got.articles > 3  # more than one page of three
