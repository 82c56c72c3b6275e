"""Bookmarks and saved searches in SQLite: the API, migrations, two writers, kill -9, and
bookmarks whose articles move, are rebuilt or disappear.

The corpus helpers here (a GBK page with navigation and footer, a Big5 Traditional text
file, an escaped JSON-lines dump) are shared by the other workbench tests.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.tui.workbench.library import (
    MIGRATIONS,
    SCHEMA_VERSION,
    ArticleRef,
    Library,
    LibraryError,
    LibraryUnavailable,
    resolve_bookmarks,
)

# -- a realistic corpus, written at run time (shared with the other workbench tests) -----

G60 = [
    "嘉兴市5月12日召开长三角G60科创走廊协同创新大会，九个城市的代表出席会议。",
    "会议围绕科技成果转化、产业链协同和人才流动展开讨论，签署了十二项合作协议。",
    "与会企业家表示，科创走廊建设让跨城审批时间缩短了一半，研发投入明显增加。",
]
JINHUA = [
    "金華日報消息 5月14日，金華市舉行科創走廊推進會，市委書記陳龍出席並講話。",
    "陳龍表示，金華將積極融入長三角科創走廊，推動更多科技項目落地，讓企業共享創新資源。",
    "會議還通報了上半年科創走廊重點項目的進展情況。",
]
DUMP = [
    {
        "title": "湖州发布科技人才新政",
        "content": "湖州市今天发布科技人才新政，对落户科创走廊的团队给予补贴。\\n"
        "政策涵盖住房、子女入学和科研经费三个方面。",
        "pubDate": "2023-05-20 10:00:00",
        "source": "湖州在线",
    },
    {
        "title": "松江举办科创走廊论坛",
        "content": "松江区举办科创走廊论坛，专家认为区域协同仍需制度创新。\\n"
        "论坛发布了年度科创指数。",
        "pubDate": "2023-04-02",
        "source": "上海松江",
    },
]
# (title, outlet, published) of every article the corpus gives
ARTICLES = {
    "G60科创走廊协同创新大会在嘉兴召开": ("嘉兴日报", "2023-05-12T09:30:00"),
    "金華推進科創走廊建設": ("金華日報", "2023-05-14T08:00:00"),
    "湖州发布科技人才新政": ("湖州在线", "2023-05-20T10:00:00"),
    "松江举办科创走廊论坛": ("上海松江", "2023-04-02"),
}


def gbk_page(title: str, paragraphs: list[str], date: str, site: str) -> bytes:
    """A news page as Chinese sites serve it: GBK, navigation, an info line, a footer."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><meta charset="gbk"><title>{title}_{site}</title>
<meta property="og:site_name" content="{site}"><meta name="publishdate" content="{date}">
</head><body><div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> |
<a href="/gov">政务</a> | <a href="/about">关于我们</a></div>
<div class="article"><h1>{title}</h1><div class="info">发布时间：{date} 来源：{site}</div>
{body}</div><div class="footer">版权所有 {site} 浙ICP备12345678号 联系我们 广告服务</div>
</body></html>""".encode("gbk")


def write_corpus(root: Path) -> Path:
    """Three files, four articles: GBK HTML (Simplified), Big5 text (Traditional), a
    JSON-lines dump with escaped newlines (two records)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "jiaxing.html").write_bytes(
        gbk_page("G60科创走廊协同创新大会在嘉兴召开", G60, "2023-05-12 09:30", "嘉兴日报")
    )
    text = "\n".join(["金華推進科創走廊建設", "發布時間：2023-05-14 08:00", *JINHUA])
    (root / "jinhua.txt").write_bytes((text + "\n").encode("big5"))
    lines = [json.dumps(record, ensure_ascii=False) for record in DUMP]
    (root / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def more_news(root: Path) -> list[Path]:
    """Two later articles (for "new since last opened")."""
    later = root / "later"
    later.mkdir(parents=True, exist_ok=True)
    a = later / "hangzhou.txt"
    a.write_text(
        "杭州加入科创走廊合作\n发布时间：2023-06-01 11:00\n"
        "杭州市6月1日宣布加入长三角科创走廊合作机制，首批二十个项目签约。\n",
        encoding="utf-8",
    )
    b = later / "hefei.txt"
    b.write_text(
        "合肥科创走廊新项目开工\n发布时间：2023-06-03 09:00\n"
        "合肥市三个科创走廊重点项目同日开工，总投资八十亿元。\n",
        encoding="utf-8",
    )
    return [a, b]


def index_of(index_dir: Path, *paths: Path, **options: object) -> WhooshBackend:
    """``paths`` indexed into ``index_dir`` (a fresh backend object on the result)."""
    backend = WhooshBackend(index_dir)
    report = backend.update([str(p) for p in paths], wait=True, procs=1, **options)
    assert report.failed == [], report.failed
    backend.close()
    return WhooshBackend(index_dir)


def article_by_title(backend: WhooshBackend, title: str):
    found = [s for s in backend.list_articles() if s.title == title]
    assert len(found) == 1, [s.title for s in backend.list_articles()]
    stored = backend.article(found[0].article_id)
    assert stored is not None
    return stored.article


@pytest.fixture
def library(tmp_path: Path):
    lib = Library.open(tmp_path / "lib" / "library.sqlite3")
    yield lib
    lib.close()


def ref(n: int, **fields: object) -> ArticleRef:
    values: dict[str, object] = {
        "article_id": f"{n:016x}",
        "title": f"第{n}篇 科创走廊新闻",
        "outlet": "嘉兴日报",
        "published": "2023-05-12",
        "path": f"/data/news/{n}.html",
        "text_key": f"{n:064x}",
        "text": "嘉兴市召开长三角G60科创走廊协同创新大会。",
    }
    values.update(fields)
    return ArticleRef(**values)  # type: ignore[arg-type]


# -- the API -----------------------------------------------------------------------------


def test_bookmarks_add_tag_find_and_remove(library: Library) -> None:
    first = library.add_bookmark(ref(1), paragraph=2, note="看第二段", tags=["G60", " 科创 "])
    second = library.add_bookmark(ref(2), tags=["政策"])
    third = library.add_bookmark(ref(1))  # the whole article: another place
    assert len({first, second, third}) == 3

    marks = library.bookmarks()
    assert [b.id for b in marks] == [first, second, third]
    assert marks[0].tags == ("G60", "科创") and marks[0].note == "看第二段"
    assert marks[0].paragraph == 2 and marks[2].paragraph is None
    assert marks[0].ref == ref(1)  # the whole snapshot comes back
    assert marks[0].created.endswith("+00:00")

    # the same place again: the same bookmark, tags added, note replaced only when given
    assert library.add_bookmark(ref(1), paragraph=2, tags=["科创", "待读"]) == first
    again = library.bookmark(first)
    assert again is not None and again.tags == ("G60", "待读", "科创")
    assert again.note == "看第二段"
    assert library.add_bookmark(ref(1), paragraph=2, note="已读") == first
    assert library.bookmark(first).note == "已读"  # type: ignore[union-attr]

    assert [b.id for b in library.bookmarks(tag="科创")] == [first]
    assert library.bookmarks(tag="没有") == []
    assert library.tags() == [("G60", 1), ("待读", 1), ("政策", 1), ("科创", 1)]  # by count, name
    assert library.find_bookmark(ref(1).article_id, 2).id == first  # type: ignore[union-attr]
    assert library.find_bookmark(ref(1).article_id).id == third  # type: ignore[union-attr]
    assert library.find_bookmark(ref(1).article_id, 3) is None

    assert library.update_bookmark(second, note="政策解读", add_tags=["人才"], remove_tags=["政策"])
    updated = library.bookmark(second)
    assert updated is not None and (updated.note, updated.tags) == ("政策解读", ("人才",))
    assert not library.update_bookmark(999, note="x")

    assert library.remove_bookmark(first) and not library.remove_bookmark(first)
    assert [b.id for b in library.bookmarks()] == [second, third]
    assert ("G60", 1) not in library.tags()  # its tags went with it


def test_saved_searches_keep_query_filters_and_the_seen_set(library: Library) -> None:
    filters = {"since": "2023-05-01", "outlets": ["嘉兴日报", "金華日報"], "sort": "date"}
    saved = library.saved_add("今日 科创", "科创 走廊", filters)
    assert (saved.name, saved.query, saved.filters) == ("今日 科创", "科创 走廊", filters)
    assert saved.last_opened is None and saved.seen == frozenset()
    with pytest.raises(LibraryError, match="exists"):
        library.saved_add("今日 科创", "别的")
    with pytest.raises(LibraryError, match="needs a name"):
        library.saved_add("  ", "科创")
    library.saved_add("人才", "人才 OR 补贴")

    hits = [("a" * 16, 1), ("a" * 16, 3), ("b" * 16, 2)]
    assert library.saved_mark_seen("今日 科创", hits[:2])
    opened = library.saved_get("今日 科创")
    assert opened is not None and opened.last_opened is not None
    assert opened.seen == frozenset(hits[:2])
    assert opened.new(hits) == [("b" * 16, 2)]

    # with the current hits given, keys no longer among them are forgotten
    assert library.saved_mark_seen("今日 科创", [("c" * 16, 1)], current=[hits[1], ("c" * 16, 1)])
    assert library.saved_get("今日 科创").seen == {hits[1], ("c" * 16, 1)}  # type: ignore[union-attr]
    assert not library.saved_mark_seen("没有", hits)

    assert [s.name for s in library.saved_list()] == ["人才", "今日 科创"]
    replaced = library.saved_add("今日 科创", "科创", {}, replace=True)
    assert replaced.seen == frozenset() and replaced.filters == {}

    assert library.saved_remove("人才") and not library.saved_remove("人才")
    assert library.saved_remove("今日 科创")
    db = sqlite3.connect(library.path)
    assert db.execute("SELECT count(*) FROM saved_seen").fetchone()[0] == 0  # cascaded
    db.close()
    with pytest.raises(LibraryError, match="not JSON"):
        library.saved_add("坏", "科创", {"since": object()})


def test_default_location_schema_version_and_wal(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("G60_READER_HOME", str(tmp_path / "home"))
    with Library.open() as library:
        assert library.path == tmp_path / "home" / "library.sqlite3"
        assert library.version() == SCHEMA_VERSION == len(MIGRATIONS)
        library.add_bookmark(ref(1))
    db = sqlite3.connect(tmp_path / "home" / "library.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


def test_migrates_a_version_1_file(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    MIGRATIONS[0](db)
    db.execute("PRAGMA user_version = 1")
    db.execute(
        "INSERT INTO bookmark (article_id, paragraph, note, created, title, outlet, published,"
        " path) VALUES ('5a18ab946fa97068', 2, '旧书签', '2024-01-02T03:04:05+00:00',"
        " '金華推進科創走廊建設', '金華日報', '2023-05-14', '/old/jinhua.txt')"
    )
    db.execute("INSERT INTO bookmark_tag VALUES (1, '科创')")
    seen = [["5a18ab946fa97068", 1], ["5a18ab946fa97068", 2]]
    db.execute(
        "INSERT INTO saved_search (name, query, filters, created, last_opened, seen)"
        " VALUES ('g60', '科创', '{\"since\": \"2023-01-01\"}', '2024-01-02T03:04:05+00:00',"
        " '2024-01-03T00:00:00+00:00', ?)",
        (json.dumps(seen),),
    )
    db.close()

    with Library.open(path) as library:
        assert library.version() == SCHEMA_VERSION
        (mark,) = library.bookmarks()
        assert (mark.id, mark.article_id, mark.paragraph, mark.note) == (
            1,
            "5a18ab946fa97068",
            2,
            "旧书签",
        )
        assert mark.tags == ("科创",) and mark.ref.title == "金華推進科創走廊建設"
        assert (mark.ref.record, mark.ref.text_key, mark.ref.text) == (0, "", "")
        saved = library.saved_get("g60")
        assert saved is not None and saved.filters == {"since": "2023-01-01"}
        assert saved.seen == {("5a18ab946fa97068", 1), ("5a18ab946fa97068", 2)}
        assert saved.last_opened == "2024-01-03T00:00:00+00:00"
        # the migrated file takes new rows with the new columns
        new_id = library.add_bookmark(ref(7), paragraph=1)
        assert library.bookmark(new_id).ref == ref(7)  # type: ignore[union-attr]
        assert library.integrity() == "ok"
    db = sqlite3.connect(path)
    columns = {row[1] for row in db.execute("PRAGMA table_info(saved_search)")}
    db.close()
    if sqlite3.sqlite_version_info >= (3, 35, 0):
        assert "seen" not in columns


def test_a_newer_or_damaged_file_is_refused_on_one_line(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    db = sqlite3.connect(newer)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(LibraryUnavailable, match="newer g60-reader") as info:
        Library.open(newer)
    assert "\n" not in str(info.value)

    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    with pytest.raises(LibraryUnavailable) as info:
        Library.open(damaged)
    assert str(damaged) in str(info.value) and "\n" not in str(info.value)

    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(LibraryUnavailable, match="cannot open library"):
        Library.open(blocked / "library.sqlite3")


# -- two writers, kill -9 ----------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from g60_reader.tui.workbench.library import ArticleRef, Library

path, who, count, gate = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
library = Library.open(path)
while not gate.exists():
    time.sleep(0.001)
print("t0", time.time(), flush=True)
for n in range(count):
    ref = ArticleRef(f"{who}{n:015d}", title=f"{who} 第{n}篇", path=f"/news/{who}/{n}.txt")
    bookmark = library.add_bookmark(ref, paragraph=n % 7 + 1, tags=[who, "共用"])
    print(bookmark, ref.article_id, flush=True)
print("t1", time.time(), flush=True)
"""


def committed(lines: list[str]) -> list[tuple[int, str]]:
    """The (bookmark id, article id) a writer reported saved."""
    return [(int(a), b) for a, b in (line.split() for line in lines) if a not in ("t0", "t1")]


def test_two_processes_adding_bookmarks_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    gate = tmp_path / "go"
    count = 200
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), who, str(count), str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("a", "b")
    ]
    time.sleep(0.5)  # both have opened the file (and one has created it)
    gate.touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    spans = []
    for (out, err), proc in zip(outputs, procs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err and err == ""
        lines = out.splitlines()
        assert len(committed(lines)) == count
        times = dict(line.split() for line in lines if line.startswith("t"))
        spans.append((float(times["t0"]), float(times["t1"])))
    # the two writers were writing (or waiting to) at the same time
    assert max(start for start, _ in spans) < min(end for _, end in spans)
    with Library.open(path) as library:
        marks = library.bookmarks()
        assert len(marks) == 2 * count
        assert {b.article_id for b in marks} == {
            f"{who}{n:015d}" for who in "ab" for n in range(count)
        }
        assert {t: n for t, n in library.tags()} == {"a": count, "b": count, "共用": 2 * count}
        assert sorted(b.id for b in marks) == list(range(1, 2 * count + 1))  # each id once
        assert library.integrity() == "ok"


@pytest.mark.parametrize("trial", range(3))
def test_kill_9_while_writing_keeps_every_committed_bookmark(tmp_path: Path, trial: int) -> None:
    path = tmp_path / "library.sqlite3"
    gate = tmp_path / "go"
    gate.touch()
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), "k", "100000", str(gate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    reported: list[tuple[int, str]] = []
    target = 40 + random.Random(trial).randrange(80)
    while len(reported) < target:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        reported += committed([line])
    time.sleep(random.Random(trial).random() * 0.05)  # somewhere inside a later write
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    with Library.open(path) as library:
        assert library.integrity() == "ok"
        kept = {(b.id, b.article_id) for b in library.bookmarks()}
        assert set(reported) <= kept  # every bookmark reported saved is there
        assert len(kept) >= len(reported)
        for mark in library.bookmarks():  # nothing half-written: each has both tags
            assert mark.tags == ("k", "共用")
        library.add_bookmark(ref(1))  # and the file takes writes again


# -- articles that move, are rebuilt or disappear -----------------------------------------


def test_bookmarks_survive_rebuild_moves_and_deletion(tmp_path: Path, library: Library) -> None:
    news = write_corpus(tmp_path / "news")
    index_dir = tmp_path / "index"
    backend = index_of(index_dir, news)
    jinhua = article_by_title(backend, "金華推進科創走廊建設")
    songjiang = article_by_title(backend, "松江举办科创走廊论坛")
    assert songjiang.record == 2  # the second record of the dump
    mark_jinhua = library.add_bookmark(ArticleRef.of(jinhua, 2), paragraph=2, tags=["金华"])
    mark_songjiang = library.add_bookmark(ArticleRef.of(songjiang), note="论坛")
    backend.close()

    # a rebuild keeps every id
    backend = index_of(index_dir, news, rebuild=True)
    resolved = resolve_bookmarks(library, backend, library.bookmarks())
    assert [r.status for r in resolved] == ["ok", "ok"]
    assert resolved[0].bookmark.ref.text == JINHUA[1]  # the current paragraph text
    backend.close()

    # the researcher reorganises the folder: the file moves, its id changes
    moved = news / "2023" / "05" / "jinhua.txt"
    moved.parent.mkdir(parents=True)
    shutil.move(news / "jinhua.txt", moved)
    (news / "dump.jsonl").unlink()  # and deletes the dump
    backend = index_of(index_dir, news, prune=True)
    assert backend.article(jinhua.id) is None
    resolved = resolve_bookmarks(library, backend, library.bookmarks())
    by_id = {r.bookmark.id: r for r in resolved}
    assert by_id[mark_jinhua].status == "moved"
    assert by_id[mark_jinhua].bookmark.ref.path == str(moved)
    assert by_id[mark_jinhua].bookmark.ref.text == JINHUA[1]
    assert by_id[mark_songjiang].status == "missing"

    # re-linked in the library: found by id next time; the missing one is kept as it was
    stored = library.bookmark(mark_jinhua)
    assert stored is not None and stored.article_id != jinhua.id
    assert backend.article(stored.article_id) is not None
    assert stored.tags == ("金华",) and stored.paragraph == 2
    again = resolve_bookmarks(library, backend, library.bookmarks())
    assert [r.status for r in again] == ["ok", "missing"]
    kept = library.bookmark(mark_songjiang)
    assert kept is not None and kept.ref.title == "松江举办科创走廊论坛"
    assert kept.note == "论坛" and kept.ref.outlet == "上海松江"
    backend.close()

    # no index at all: nothing is checked, nothing is lost
    unknown = resolve_bookmarks(library, None, library.bookmarks())
    assert [r.status for r in unknown] == ["unknown", "unknown"]
    assert len(library.bookmarks()) == 2
