"""A run with nothing changed reads no source file and no stored field: the file
digests are reused while size and modification time stay (``.g60-digests``) and the
indexed sources are cached per index generation (``.g60-existing``); whatever the
caches say, a changed file is found and re-indexed, and a stale cache is never used."""

from __future__ import annotations

import os
import time

import pytest

from g60_reader.index.backends.whoosh import build, store
from g60_reader.index.backends.whoosh.search import WhooshBackend


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))


def _corpus(root):
    root.mkdir()
    for i in range(6):
        (root / f"{i}.txt").write_text(
            f"第{i}篇报道\n\n嘉兴召开长三角科创走廊第{i}次会议。\n\n金华代表发言。\n", "utf-8"
        )
    return root


def _age(root, seconds: float = 60.0) -> None:
    """Move every file's modification time into the past (out of the racy window)."""
    old = time.time() - seconds
    for p in root.iterdir():
        os.utime(p, (old, old))


def _counting(monkeypatch):
    from g60_reader.corpus.readers import file_digest

    calls: list[str] = []

    def counted(path):
        calls.append(str(path))
        return file_digest(path)

    monkeypatch.setattr("g60_reader.corpus.readers.file_digest", counted)
    return calls


def test_a_no_op_run_reads_no_file_and_no_stored_field(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path / "news")
    _age(corpus)
    ix = tmp_path / "ix"
    store.update(ix, [corpus], procs=1)
    assert (ix / build.EXISTING_NAME).exists() and (ix / build.DIGESTS_NAME).exists()
    calls = _counting(monkeypatch)

    def no_stored_fields(_ix):
        raise AssertionError("the sources were read from the stored fields")

    monkeypatch.setattr(build, "_existing", no_stored_fields)
    report = store.update(ix, [corpus], procs=1)
    assert report.unchanged == 6 and report.added == report.updated == 0
    assert calls == []


def test_a_changed_file_is_found_whatever_the_caches_hold(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path / "news")
    _age(corpus, 120)
    ix = tmp_path / "ix"
    store.update(ix, [corpus], procs=1)
    calls = _counting(monkeypatch)
    # same size, new content, a later modification time
    path = corpus / "3.txt"
    text = path.read_text("utf-8").replace("金华", "衢州")
    path.write_text(text, "utf-8")
    later = time.time() - 30  # later than before, outside the racy window
    os.utime(path, (later, later))
    report = store.update(ix, [corpus], procs=1)
    assert report.updated == 1 and report.unchanged == 5
    assert calls == [str(path)]
    b = WhooshBackend(ix)
    try:
        assert b.search("衢州").total == 1
    finally:
        b.close()


def test_a_file_changed_just_after_the_cache_is_read_again(tmp_path, monkeypatch):
    """Within the racy window the time stamp cannot be trusted: the digest is
    recomputed even though size and time match the cache."""
    corpus = _corpus(tmp_path / "news")
    ix = tmp_path / "ix"
    store.update(ix, [corpus], procs=1)  # the files are seconds old: racy
    calls = _counting(monkeypatch)
    store.update(ix, [corpus], procs=1)
    assert len(calls) == 6


def test_the_sources_cache_follows_the_index_generation(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path / "news")
    ix = tmp_path / "ix"
    store.update(ix, [corpus], procs=1)
    more = tmp_path / "more"
    more.mkdir()
    (more / "x.txt").write_text("新文章\n\n衢州发布数字经济规划。\n", "utf-8")
    store.update(ix, [more], procs=1)  # a new generation: the cache is rewritten
    seen = []
    real = build._existing

    def spy(index):
        seen.append(1)
        return real(index)

    monkeypatch.setattr(build, "_existing", spy)
    report = store.update(ix, [corpus, more], procs=1)
    assert report.unchanged == 7 and seen == []
    # a stale cache (another generation) is not used
    (ix / build.EXISTING_NAME).write_bytes(b"garbage")
    report = store.update(ix, [corpus, more], procs=1)
    assert report.unchanged == 7 and seen == [1]
