"""Reprint clusters kept with a Whoosh index: incremental runs, deletions, reading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.backends.whoosh import stories
from g60_reader.index.registry import open_backend
from tests.contract.conftest import write_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path)


def _ids(story) -> list[str]:
    return [m.article_id for m in story.members]


def test_the_scan_reads_the_same_texts_as_one_by_one(corpus, tmp_path):
    backend = open_backend(f"whoosh:{tmp_path / 'ix'}")
    backend.update([corpus], procs=1)
    table = backend._view().articles
    wanted = {table.ids[r] for r in range(len(table.ids)) if table.alive[r] and not table.copy[r]}
    scanned = {d.article_id: d for d in stories._scan(backend._view().searcher, wanted)}
    assert scanned == {aid: stories._text(backend, aid) for aid in wanted}


def test_later_runs_add_remove_and_reread_changed_articles(corpus, tmp_path):
    wire = corpus / "wire"
    held = tmp_path / "held"
    held.mkdir()
    shutil.move(wire / "story-2.txt", held / "story-2.txt")  # the third copy comes later
    backend = open_backend(f"whoosh:{tmp_path / 'ix'}")
    backend.update([corpus], procs=1)
    assert backend.cluster_stories() == 2
    (first,) = backend.stories()
    assert len(first.members) == 2
    assert backend.cluster_stories() == 0  # nothing new: nothing read again

    shutil.move(held / "story-2.txt", wire / "story-2.txt")
    backend.update([corpus], procs=1)
    assert backend.cluster_stories() >= 1
    (story,) = backend.stories()
    assert len(story.members) == 3

    # a copy is rewritten into something else: it leaves the story
    other = to_traditional(
        "另一篇完全不同的报道\n2023年6月3日　人民网\n" + "湖州举办生态论坛。" * 30
    )
    (wire / "story-2.txt").write_text(other, encoding="utf-8")
    backend.update([corpus], procs=1)
    backend.cluster_stories()
    (story,) = backend.stories()
    assert len(story.members) == 2

    # a member's file goes: the story keeps the others (or dissolves with one left)
    (wire / "story-1.txt").unlink()
    backend.update([corpus], prune=True, procs=1)
    backend.cluster_stories()
    assert backend.stories() == []
    backend.close()


def test_clusters_survive_reopening(corpus, tmp_path):
    backend = open_backend(f"whoosh:{tmp_path / 'ix'}")
    backend.update([corpus], procs=1)
    backend.cluster_stories()
    before = [_ids(s) for s in backend.stories()]
    backend.close()
    again = open_backend(f"whoosh:{tmp_path / 'ix'}")
    assert [_ids(s) for s in again.stories()] == before
    hits = again.search("title:協同創新大會 OR title:协同创新大会 OR title:長三角大會")
    assert {h.reprints for h in hits.hits} == {2}
    again.close()
