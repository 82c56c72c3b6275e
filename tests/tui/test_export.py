"""Exports of hits, bookmarks and articles: every format read back by a real reader
(the csv module, json, rispy for RIS, citeproc-py for CSL-JSON), and files that are never
half-written or overwritten by accident."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as csl_formatter
from citeproc.source.json import CiteProcJSON

from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.tui.workbench import export as ex
from g60_reader.tui.workbench import iter_hits
from g60_reader.tui.workbench.library import ArticleRef, Library, resolve_bookmarks
from tests.tui.test_library import (
    ARTICLES,
    G60,
    JINHUA,
    article_by_title,
    index_of,
    write_corpus,
)

QUERY = "科创走廊"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WhooshBackend]:
    root = tmp_path_factory.mktemp("export")
    news = write_corpus(root / "news")
    backend = index_of(root / "index", news)
    yield news, backend
    backend.close()


@pytest.fixture(scope="module")
def hits(indexed):
    _news, backend = indexed
    found = list(iter_hits(backend, QUERY))
    assert len(found) == 7 and len({h.article_id for h in found}) == 4
    return found


def export_hits(backend, hits, path: Path, fmt: ex.Format, **options) -> ex.ExportReport:
    return ex.export(
        ex.rows_from_hits(hits), path, fmt, articles=backend.article, query=QUERY, **options
    )


# -- CSV ---------------------------------------------------------------------------------


def test_csv_reads_back_as_the_hits_and_opens_in_spreadsheets(tmp_path: Path, indexed, hits):
    _news, backend = indexed
    out = tmp_path / "hits.csv"
    report = export_hits(backend, hits, out, "csv")
    assert (report.rows, report.articles) == (len(hits), 4)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    assert raw.count(b"\r\n") == len(hits) + 1  # CRLF after every record
    assert raw.replace(b"\r\n", b"").count(b"\n") == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(ex.HIT_COLUMNS)
    expected = [
        [h.title, h.outlet, h.published or "", h.path, h.article_id, str(h.paragraph), h.text]
        for h in hits
    ]
    assert rows[1:] == expected
    texts = {row[6] for row in rows[1:]}
    assert JINHUA[0] in texts and G60[0] in texts  # both scripts, as written
    # GBK, Big5 and UTF-8 sources all arrive as UTF-8
    assert {row[0] for row in rows[1:]} == set(ARTICLES)
    assert {(row[1], row[2]) for row in rows[1:]} == set(ARTICLES.values())


def test_csv_quotes_commas_quotes_and_newlines_and_defuses_formulas(tmp_path: Path) -> None:
    tricky = [
        ex.Row(
            "a1",
            '标题，含"引号"',
            "日报, 晚报",
            "2023-05-12",
            "/新闻/a.txt",
            1,
            "第一行\n第二行，含逗号",
        ),
        ex.Row(
            "a2", '=HYPERLINK("http://evil")', "+出版", None, "/新闻/b.txt", 2, "-记者 王小明 @某地"
        ),
    ]
    out = tmp_path / "tricky.csv"
    ex.export(tricky, out, "csv")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[1] == [
        '标题，含"引号"',
        "日报, 晚报",
        "2023-05-12",
        "/新闻/a.txt",
        "a1",
        "1",
        "第一行\n第二行，含逗号",
    ]
    # a spreadsheet would run these as formulas: they get a leading apostrophe
    assert rows[2][:3] == ['\'=HYPERLINK("http://evil")', "'+出版", ""]
    assert rows[2][6] == "'-记者 王小明 @某地"


# -- JSON lines, Markdown ------------------------------------------------------------------


def test_jsonl_has_one_object_per_hit(tmp_path: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = tmp_path / "hits.jsonl"
    export_hits(backend, hits, out, "jsonl")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(hits)
    for record, hit in zip(records, hits, strict=True):
        assert record == {
            "title": hit.title,
            "outlet": hit.outlet,
            "published": hit.published,
            "path": hit.path,
            "article_id": hit.article_id,
            "paragraph": hit.paragraph,
            "text": hit.text,
            "spans": [list(s) for s in hit.spans],
        }
        for start, end in record["spans"]:
            assert record["text"][start:end] in ("科创走廊", "科創走廊")


def test_markdown_holds_every_article_in_full(tmp_path: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = tmp_path / "hits.md"
    report = export_hits(backend, hits, out, "md")
    assert (report.articles, report.missing) == (4, 0)
    md = out.read_text(encoding="utf-8")
    assert md.startswith(f"# g60-reader: {QUERY}\n")
    sections = md.split("\n## ")[1:]
    assert len(sections) == 4
    for title, (outlet, published) in ARTICLES.items():
        (section,) = [s for s in sections if s.startswith(title + "\n")]
        assert f"- Outlet: {outlet}\n" in section and f"- Date: {published}\n" in section
        stored = article_by_title(backend, title)
        assert f"- Path: `{stored.path}`" in section
        for paragraph in stored.paragraphs:  # the whole text, not only the hits
            plain = paragraph.text
            assert plain in section.replace("**", ""), plain
    # matches in bold, in the script of the text
    assert "金華將積極融入長三角**科創走廊**" in md
    assert "召开长三角G60**科创走廊**协同创新大会" in md


def test_markdown_escapes_what_would_be_markup() -> None:
    assert ex.md_escape("[bold]粗體[/bold] *星号* #话题#") == (
        "\\[bold\\]粗體\\[/bold\\] \\*星号\\* #话题#"
    )
    assert ex.md_escape("# 不是标题") == "\\# 不是标题"
    assert ex.md_escape("1. 不是列表") == "1\\. 不是列表"
    assert ex.md_escape("- 不是列表") == "\\- 不是列表"


# -- RIS, CSL-JSON ---------------------------------------------------------------------


def test_ris_parses_with_rispy_one_record_per_article(tmp_path: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = tmp_path / "hits.ris"
    export_hits(backend, hits, out, "ris")
    raw = out.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # CRLF throughout
    with open(out, encoding="utf-8") as fh:
        entries = rispy.load(fh)
    assert len(entries) == 4
    by_title = {e["title"]: e for e in entries}
    assert set(by_title) == set(ARTICLES)
    for title, (outlet, published) in ARTICLES.items():
        entry = by_title[title]
        stored = article_by_title(backend, title)
        assert entry["type_of_reference"] == "NEWS"
        assert entry["id"] == stored.id
        assert entry["secondary_title"] == outlet
        assert entry["year"] == published[:4]
        assert entry["date"] == published[:10].replace("-", "/")
        uri = Path(stored.path).resolve().as_uri()
        assert entry["urls"] == [uri] and entry["file_attachments1"] == uri
        first = next(h for h in hits if h.article_id == stored.id)
        assert entry["abstract"] == first.text  # the best-ranked paragraph
        numbers = sorted(h.paragraph for h in hits if h.article_id == stored.id)
        assert entry["notes"] == [
            f"g60-reader: paragraphs {', '.join(map(str, numbers))} match {QUERY}"
        ]


def test_csl_json_is_read_and_formatted_by_citeproc(tmp_path: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = tmp_path / "hits.json"
    export_hits(backend, hits, out, "csljson")
    items = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(items, list) and len(items) == 4
    for item in items:
        assert item["type"] == "article-newspaper"
        assert item["URL"].startswith("file:///")
        parts = item["issued"]["date-parts"]
        assert len(parts) == 1 and all(isinstance(p, int) for p in parts[0])

    source = CiteProcJSON(items)  # raises for a malformed item (a string date, ...)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, csl_formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bibliography.bibliography()]
    assert len(rendered) == 4
    for title, (outlet, published) in ARTICLES.items():
        (line,) = [r for r in rendered if title in r]
        assert outlet in line and published[:4] in line and "file:///" in line
    jinhua = source[article_by_title(backend, "金華推進科創走廊建設").id]
    assert (jinhua.issued.year, jinhua.issued.month, jinhua.issued.day) == (2023, 5, 14)


# -- bookmarks and articles ---------------------------------------------------------------


def test_bookmarks_export_with_notes_tags_and_missing_articles(tmp_path: Path) -> None:
    news = write_corpus(tmp_path / "news")
    backend = index_of(tmp_path / "index", news)
    library = Library.open(tmp_path / "library.sqlite3")
    jinhua = article_by_title(backend, "金華推進科創走廊建設")
    huzhou = article_by_title(backend, "湖州发布科技人才新政")
    library.add_bookmark(
        ArticleRef.of(jinhua, 2), paragraph=2, note="陈龙讲话", tags=["金华", "人物"]
    )
    library.add_bookmark(ArticleRef.of(huzhou), note="人才政策", tags=["政策"])
    backend.close()
    (news / "dump.jsonl").unlink()
    backend = index_of(tmp_path / "index", news, prune=True)
    resolved = resolve_bookmarks(library, backend, library.bookmarks())
    assert [r.status for r in resolved] == ["ok", "missing"]

    out = tmp_path / "bookmarks.csv"
    report = ex.export(ex.rows_from_bookmarks(resolved), out, "csv", kind="bookmarks")
    assert (report.rows, report.missing) == (2, 1)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == ["ok", "missing"]
    assert rows[0]["text"] == JINHUA[1] and rows[0]["paragraph"] == "2"
    assert (rows[0]["note"], rows[0]["tags"]) == ("陈龙讲话", "人物; 金华")
    assert rows[1]["title"] == "湖州发布科技人才新政" and rows[1]["paragraph"] == ""
    assert rows[1]["text"].startswith("湖州市今天发布科技人才新政")  # the saved snapshot

    ris = tmp_path / "bookmarks.ris"
    ex.export(ex.rows_from_bookmarks(resolved), ris, "ris", kind="bookmarks")
    with open(ris, encoding="utf-8") as fh:
        entries = rispy.load(fh)
    assert entries[0]["keywords"] == ["人物", "金华"] and entries[0]["notes"] == ["陈龙讲话"]
    assert entries[1]["notes"] == [
        "人才政策",
        "g60-reader: the article is no longer in the index",
    ]

    md = tmp_path / "bookmarks.md"
    report = ex.export(
        ex.rows_from_bookmarks(resolved), md, "md", kind="bookmarks", articles=backend.article
    )
    text = md.read_text(encoding="utf-8")
    assert report.missing == 1
    assert "- Bookmark 1 (paragraph 2) [人物, 金华]: 陈龙讲话" in text
    assert all(p in text for p in JINHUA)
    assert "*This article is no longer in the index; its saved excerpt:*" in text
    assert "湖州市今天发布科技人才新政" in text
    library.close()
    backend.close()


def test_a_reprint_cluster_exports_each_copy(tmp_path: Path) -> None:
    news = write_corpus(tmp_path / "news")
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(news / "jiaxing.html", mirror / "reprint.html")
    backend = index_of(tmp_path / "index", news, mirror)
    original = article_by_title(backend, "G60科创走廊协同创新大会在嘉兴召开")
    rows = list(ex.rows_from_articles(backend, [original.id], copies=True))
    assert [r.path for r in rows] == [str(news / "jiaxing.html"), str(mirror / "reprint.html")]
    assert all(r.text == "\n".join(G60) for r in rows)
    out = tmp_path / "cluster.json"
    report = ex.export(rows, out, "csljson", kind="articles")
    assert report.articles == 2
    assert [i["URL"] for i in json.loads(out.read_text(encoding="utf-8"))] == [
        (news / "jiaxing.html").as_uri(),
        (mirror / "reprint.html").as_uri(),
    ]
    with pytest.raises(ex.ExportError, match="no article"):
        list(ex.rows_from_articles(backend, ["0" * 16]))
    backend.close()


# -- files: never overwritten, never half-written ---------------------------------------


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    """An empty directory of its own (tmp_path also holds the test's data home)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def test_an_existing_file_is_kept_unless_forced(out_dir: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = out_dir / "hits.csv"
    out.write_text("my own notes", encoding="utf-8")
    with pytest.raises(ex.ExportError, match="exists"):
        export_hits(backend, hits, out, "csv")
    assert out.read_text(encoding="utf-8") == "my own notes"
    export_hits(backend, hits, out, "csv", force=True)
    assert out.read_bytes().startswith(b"\xef\xbb\xbftitle,")
    assert [p.name for p in out_dir.iterdir()] == ["hits.csv"]  # no temporary left


def test_an_interrupted_export_leaves_no_file(out_dir: Path, indexed, hits) -> None:
    _news, backend = indexed

    def interrupted():
        yield from ex.rows_from_hits(hits[:3])
        raise KeyboardInterrupt

    for fmt in ex.FORMATS:
        out = out_dir / f"hits.{fmt}"
        with pytest.raises(KeyboardInterrupt):
            ex.export(interrupted(), out, fmt, articles=backend.article)
        assert list(out_dir.iterdir()) == []
    kept = out_dir / "kept.csv"
    kept.write_text("earlier export", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        ex.export(interrupted(), kept, "csv", force=True)
    assert kept.read_text(encoding="utf-8") == "earlier export"
    assert [p.name for p in out_dir.iterdir()] == ["kept.csv"]


def test_a_file_that_appears_meanwhile_is_not_replaced(out_dir: Path, indexed, hits) -> None:
    _news, backend = indexed
    out = out_dir / "race.csv"
    calls: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, what: str) -> None:
        calls.append((done, total, what))
        if done == 2:
            out.write_text("written by someone else", encoding="utf-8")

    with pytest.raises(ex.ExportError, match="exists"):
        export_hits(backend, hits, out, "csv", progress=progress, total=len(hits))
    assert out.read_text(encoding="utf-8") == "written by someone else"
    assert calls == [(n, len(hits), "rows") for n in range(1, len(hits) + 1)]
    assert [p.name for p in out_dir.iterdir()] == ["race.csv"]


def test_progress_of_the_per_article_formats(out_dir: Path, indexed, hits) -> None:
    _news, backend = indexed
    calls: list[tuple[int, int, str]] = []
    export_hits(backend, hits, out_dir / "p.ris", "ris", progress=lambda *a: calls.append(a))
    rows = [c for c in calls if c[2] == "rows"]
    articles = [c for c in calls if c[2] == "articles"]
    assert [c[0] for c in rows] == list(range(1, len(hits) + 1))
    assert articles == [(n, 4, "articles") for n in range(1, 5)]


def test_undecodable_file_names_and_formats(out_dir: Path) -> None:
    path = "/新闻/\udcb0\udce5.txt"  # GBK bytes of a file name that were not UTF-8
    assert ex.file_uri(path) == "file:///%E6%96%B0%E9%97%BB/%B0%E5.txt"
    row = ex.Row("a1", "标题", "日报", "2023-05", path, 1, "正文")
    out = out_dir / "odd.jsonl"
    ex.export([row], out, "jsonl")
    assert json.loads(out.read_text(encoding="utf-8"))["path"] == "/新闻/\\xb0\\xe5.txt"
    ris = out_dir / "odd.ris"
    ex.export([row], ris, "ris")
    with open(ris, encoding="utf-8") as fh:
        (entry,) = rispy.load(fh)
    assert (entry["year"], entry["date"]) == ("2023", "2023/05")
    assert entry["urls"] == ["file:///%E6%96%B0%E9%97%BB/%B0%E5.txt"]
    assert ex.date_parts("2023-05-14T08:00:00+08:00") == [2023, 5, 14]
    assert ex.date_parts(None) == [] and ex.date_parts("2023") == [2023]
    assert ex.format_for("out.RIS", None) == "ris" and ex.format_for("x.json", None) == "csljson"
    with pytest.raises(ex.ExportError, match="give --format"):
        ex.format_for("out.xlsx", None)
    with pytest.raises(ex.ExportError, match="needs the index"):
        ex.export([row], out_dir / "x.md", "md")
