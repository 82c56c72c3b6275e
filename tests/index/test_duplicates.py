"""Exact duplicates: the same article saved twice is one entry, and a mirror never doubles
the index.

The folders look like users' folders: a news directory and a mirror of it (wget -m, a
second download), a copy converted to Traditional script, a JSON-lines dump holding an
article twice; then the original files change or disappear.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.backends.whoosh import store
from g60_reader.index.backends.whoosh.search import WhooshBackend

PARAGRAPHS = [
    "嘉兴市今天召开长三角G60科创走廊协同创新大会，九个城市的代表出席。",
    "会议围绕科技成果转化、产业链协同和人才流动展开讨论，签署了十二项合作协议。",
    "与会企业家表示，走廊建设让跨城审批时间缩短了一半，研发投入明显增加。",
]


def article(title: str, extra: str = "") -> str:
    return "\n".join([title, *PARAGRAPHS, *([extra] if extra else [])]) + "\n"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path, Path]:
    news = tmp_path / "news"
    news.mkdir()
    (news / "g60.txt").write_text(article("G60科创走廊协同创新大会召开"), encoding="utf-8")
    (news / "other.txt").write_text(
        "杭州发布数字经济新政\n杭州市今天发布数字经济三十条，支持企业上云。\n", encoding="utf-8"
    )
    mirror = tmp_path / "mirror"
    shutil.copytree(news, mirror)
    return tmp_path, news, mirror


def titles(backend: WhooshBackend, query: str) -> list[str]:
    result = backend.search(query, pagelen=100)
    assert result.error is None
    return [hit.title for hit in result.hits]


def paragraph_documents(index_dir: Path) -> int:
    backend = WhooshBackend(index_dir)
    try:
        return backend.stats().paragraphs
    finally:
        backend.close()


def test_a_mirror_is_one_entry_and_does_not_double_the_index(folders) -> None:
    tmp, news, mirror = folders
    index_dir = tmp / "index"
    report = store.update(index_dir, [news], procs=1)
    assert (report.added, report.duplicates) == (2, 0)
    alone = paragraph_documents(index_dir)

    report = store.update(index_dir, [mirror], procs=1)
    assert (report.added, report.duplicates, report.failed) == (2, 2, [])
    assert paragraph_documents(index_dir) == alone  # nothing of the mirror is stored twice

    backend = WhooshBackend(index_dir)
    stats = backend.stats()
    assert (stats.articles, stats.duplicates) == (2, 2)
    hits = backend.search("科创走廊", pagelen=100).hits
    assert len(hits) == 1 and hits[0].path == str(news / "g60.txt")
    assert [a.title for a in backend.list_articles()].count("G60科创走廊协同创新大会召开") == 1
    stored = backend.article(hits[0].article_id)
    assert stored is not None
    assert [c.path for c in stored.copies] == [str(mirror / "g60.txt")]
    # the copy's own id opens the article it duplicates
    copy = backend.article(stored.copies[0].article_id)
    assert copy is not None and copy.article.id == hits[0].article_id
    backend.close()

    # a re-run changes nothing
    again = store.update(index_dir, [news, mirror], procs=1)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)


def test_mirror_and_original_in_one_run_across_worker_processes(folders) -> None:
    tmp, news, mirror = folders
    # enough files that the build uses two worker processes (over INPROCESS_BYTES)
    for n in range(60):
        body = f"第{n}篇：" + "".join(PARAGRAPHS) * 12
        (news / f"filler{n:02d}.txt").write_text(f"填充文章{n}\n{body}\n", encoding="utf-8")
    shutil.rmtree(mirror)
    shutil.copytree(news, mirror)
    index_dir = tmp / "index"
    report = store.update(index_dir, [news, mirror], procs=2)
    assert report.failed == []
    assert report.added == 2 * 62 and report.duplicates == 62
    backend = WhooshBackend(index_dir)
    stats = backend.stats()
    assert (stats.articles, stats.duplicates) == (62, 62)
    hits = backend.search("title:协同创新大会", pagelen=100).hits
    assert {(h.article_id, h.title) for h in hits} == {(hits[0].article_id, hits[0].title)}
    assert len({h.article_id for h in backend.search("第7篇", pagelen=100).hits}) == 1
    result = backend.search("科创走廊", pagelen=1000)
    assert result.articles == 61 and len({h.path for h in result.hits}) == 61  # not other.txt
    backend.close()
    single = tmp / "single"
    store.update(single, [news], procs=1)
    assert paragraph_documents(index_dir) == paragraph_documents(single)


def test_a_copy_in_the_other_script_is_the_same_article(folders) -> None:
    tmp, news, _mirror = folders
    traditional = tmp / "tw"
    traditional.mkdir()
    text = (news / "g60.txt").read_text(encoding="utf-8")
    (traditional / "g60-big5.txt").write_bytes(to_traditional(text).encode("cp950"))
    index_dir = tmp / "index"
    store.update(index_dir, [news, traditional], procs=1)
    backend = WhooshBackend(index_dir)
    hits = backend.search("科創走廊", pagelen=100).hits
    assert len(hits) == 1
    stored = backend.article(hits[0].article_id)
    assert stored is not None and stored.copies[0].title == to_traditional(hits[0].title)
    backend.close()


def test_removing_the_original_promotes_a_copy(folders) -> None:
    tmp, news, mirror = folders
    index_dir = tmp / "index"
    store.update(index_dir, [news, mirror], procs=1)
    (news / "g60.txt").unlink()
    report = store.update(index_dir, [news, mirror], prune=True, procs=1)
    assert report.removed == 1
    backend = WhooshBackend(index_dir)
    hits = backend.search("科创走廊").hits
    assert [h.path for h in hits] == [str(mirror / "g60.txt")]  # still found, at the copy
    assert backend.stats().duplicates == 1  # other.txt's copy is still a copy
    stored = backend.article(hits[0].article_id)
    assert stored is not None and stored.copies == [] and len(stored.article.paragraphs) == 3
    backend.close()


def test_changing_the_original_keeps_both_texts(folders) -> None:
    tmp, news, mirror = folders
    index_dir = tmp / "index"
    store.update(index_dir, [news, mirror], procs=1)
    (news / "g60.txt").write_text(
        article("G60科创走廊协同创新大会召开", "（更正：协议为十三项。）"), encoding="utf-8"
    )
    store.update(index_dir, [news, mirror], procs=1)
    backend = WhooshBackend(index_dir)
    hits = backend.search("科创走廊", pagelen=100).hits
    assert sorted(h.path for h in hits) == sorted([str(news / "g60.txt"), str(mirror / "g60.txt")])
    assert [h.path for h in backend.search("更正").hits] == [str(news / "g60.txt")]
    backend.close()


def test_deleting_the_original_by_id_keeps_the_copy_searchable(folders) -> None:
    tmp, news, mirror = folders
    index_dir = tmp / "index"
    store.update(index_dir, [news, mirror], procs=1)
    backend = WhooshBackend(index_dir)
    original = backend.search("科创走廊").hits[0].article_id
    backend.close()
    assert store.delete_articles(index_dir, [original]) == 1
    backend = WhooshBackend(index_dir)
    assert [h.path for h in backend.search("科创走廊").hits] == [str(mirror / "g60.txt")]
    backend.close()


def test_a_dump_holding_an_article_twice(tmp_path: Path) -> None:
    record = {"title": "苏州工业园区发布人才新政", "content": "\n".join(PARAGRAPHS)}
    other = {"title": "湖州举办生态论坛", "content": "湖州市今天举办生态文明论坛。"}
    dump = tmp_path / "dump.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in (record, other, record)]
    dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    report = store.update(index_dir, [dump], procs=1)
    assert (report.added, report.duplicates) == (3, 1)
    backend = WhooshBackend(index_dir)
    assert titles(backend, "科创走廊") == ["苏州工业园区发布人才新政"]
    assert backend.stats().articles == 2
    backend.close()
