"""The workbench in the reader: bookmarks (``m``, ``B``), saved searches (``S``, ``s``, the
palette), export (``ctrl+e``) and the concordance (``K``), driven with the keyboard.

The corpus is the workbench's (``tests/tui/test_library.py``): a GBK page with navigation
and footer, a Big5 Traditional text, an escaped JSON-lines dump; two later articles arrive
for "new since last opened". It is indexed into a fresh memory backend per test (the
contract's reference), and the library is a SQLite file in the test's tmp_path.
"""

from __future__ import annotations

import csv
import threading
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from g60_reader.index.contract import SearchBackend
from g60_reader.index.registry import open_backend
from g60_reader.tui import app_kwic, app_workbench
from g60_reader.tui.app_workbench import workbench_binding_ids
from g60_reader.tui.screens.bookmarks import BookmarksScreen
from g60_reader.tui.screens.dialogs import BookmarkDialog, ConfirmDialog, NameDialog
from g60_reader.tui.screens.export import ExportDialog
from g60_reader.tui.screens.help import HelpScreen
from g60_reader.tui.screens.kwic import KwicScreen
from g60_reader.tui.screens.saved import SavedScreen
from g60_reader.tui.workbench import iter_hits
from g60_reader.tui.workbench.library import ArticleRef, Library
from g60_reader.tui.workbench.searches import scope_options
from tests.tui.conftest import screen_text, settle
from tests.tui.test_library import ARTICLES, JINHUA, more_news, write_corpus

QUERY = "科创走廊"
JINHUA_TITLE = "金華推進科創走廊建設"


@pytest.fixture
def news(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "news")


@pytest.fixture
def backend(news: Path) -> SearchBackend:
    fresh = open_backend("memory:")
    report = fresh.update([news], procs=1)
    assert report.failed == [], report.failed
    return fresh


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    return tmp_path / "lib" / "library.sqlite3"


def library_at(path: Path) -> Library:
    return Library.open(path)


def article_id(backend: SearchBackend, title: str) -> str:
    found = [s.article_id for s in backend.list_articles() if s.title == title]
    assert len(found) == 1, [s.title for s in backend.list_articles()]
    return found[0]


async def searched(pilot: object, query: str = QUERY) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await settle(pilot)
    app.search_for(query)
    await settle(pilot)


async def type_text(pilot: object, text: str) -> None:
    await pilot.press(*text)  # type: ignore[attr-defined]


# -- bookmarks ---------------------------------------------------------------------------


def test_tags_are_split_as_people_type_them() -> None:
    from g60_reader.tui.screens.dialogs import split_tags

    assert split_tags("长三角，会议、 政策;G60；  长三角 ,") == ("长三角", "会议", "政策", "G60")
    assert split_tags("  ") == ()


async def test_m_bookmarks_the_article_or_with_the_reader_focused_the_current_paragraph(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    assert not lib_path.exists()
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        assert not lib_path.exists()  # reading the saved searches at start created nothing
        await pilot.press("enter")
        await settle(pilot)
        stored = app.reader.stored
        assert stored is not None
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, BookmarkDialog)
        await type_text(pilot, "重要 [bold]")
        await pilot.press("tab")
        await type_text(pilot, "长三角, 会议, 长三角")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, BookmarkDialog)
        assert app.status.message.startswith(f"Bookmarked: {stored.article.title} (bookmark 1)")
        assert app.status.message.endswith("· B lists them")

        # the reader focused: the paragraph of the current hit
        app.reader.focus()
        await pilot.press("n")
        await settle(pilot)
        paragraph = app.reader.current[0]
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, BookmarkDialog)
        await pilot.press("enter")  # no note, no tags: fine
        await settle(pilot)
        assert f"Bookmarked: ¶{paragraph} of" in app.status.message

        with library_at(lib_path) as library:
            marks = library.bookmarks()
        assert [(b.article_id, b.paragraph) for b in marks] == [
            (stored.article.id, None),
            (stored.article.id, paragraph),
        ]
        assert (marks[0].note, marks[0].tags) == ("重要 [bold]", ("会议", "长三角"))
        assert (marks[1].note, marks[1].tags) == ("", ())
        texts = {p.number: p.text for p in stored.article.paragraphs}
        assert marks[1].ref.text == texts[paragraph]  # the snapshot: that paragraph

        # m again on the same place edits it, prefilled
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, BookmarkDialog)
        assert "Edit the bookmark" in screen_text(app)
        await type_text(pilot, "再读")
        await pilot.press("enter")
        await settle(pilot)
        assert app.status.message.startswith(f"Bookmark updated: ¶{paragraph} of")
        with library_at(lib_path) as library:
            assert len(library.bookmarks()) == 2
            assert library.find_bookmark(stored.article.id, paragraph).note == "再读"

        # Esc cancels
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.status.message == "Not bookmarked"

        # the view lists both, with note and tags as typed (never markup)
        await pilot.press("B")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen)
        shown = screen_text(app)
        assert "Bookmarks · 2" in shown
        assert stored.article.title in shown and f"¶{paragraph}" in shown
        assert "重要 [bold] · #会议 #长三角" in shown
        assert "missing" not in shown


async def test_a_bookmark_whose_article_left_the_index_is_shown_as_missing(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    gone = article_id(backend, "湖州发布科技人才新政")
    kept = article_id(backend, JINHUA_TITLE)
    with library_at(lib_path) as library:
        for aid, paragraph, note in ((gone, 1, "人才政策"), (kept, 2, "")):
            stored = backend.article(aid)
            library.add_bookmark(ArticleRef.of(stored.article, paragraph), paragraph=paragraph)
            if note:
                library.update_bookmark(1, note=note)
    assert backend.delete([gone]) == 1
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        await pilot.press("B")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BookmarksScreen)
        assert [item.status for item in screen.items] == ["missing", "ok"]
        shown = screen_text(app)
        assert "Bookmarks · 2 · 1 no longer in the index (shown from their snapshot)" in shown
        rows = [line for line in shown.splitlines() if "湖州发布科技人才新政" in line]
        assert len(rows) == 1 and rows[0].rstrip(" █▎").endswith("missing")
        assert "2023-05-20" in rows[0] and "湖州在线" in rows[0] and "¶1" in rows[0]
        assert "人才政策" in shown
        # Enter on it: the view stays and says why
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert "no longer in the index" in screen_text(app)
        assert app.reader.stored is None


async def test_enter_in_the_bookmarks_view_opens_the_article_at_its_paragraph(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    jinhua = article_id(backend, JINHUA_TITLE)
    stored = backend.article(jinhua)
    with library_at(lib_path) as library:
        library.add_bookmark(ArticleRef.of(stored.article, 3), paragraph=3)  # no hit of 湖州
        library.add_bookmark(ArticleRef.of(stored.article, 2), paragraph=2)  # 科創走廊 twice
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot, "湖州")  # results without that article
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("enter")  # the first: ¶3, which holds no hit of 湖州
        await settle(pilot)
        assert not isinstance(app.screen, BookmarksScreen)
        assert app.reader.stored.article.id == jinhua
        assert app.reader.current == (3, (0, 0))  # the paragraph marked, nothing styled
        view = app.reader.view_of(3)
        assert view is not None and view.has_class("-current")
        assert app.status.message == f"¶3 of {len(stored.article.paragraphs)} paragraphs"

        # with a search that matches it: the paragraph's first hit becomes the current hit
        await searched(pilot, QUERY)
        await pilot.press("B", "down", "enter")
        await settle(pilot)
        assert app.reader.stored.article.id == jinhua
        number, span = app.hit_positions[app.hit_index]
        assert number == 2 and app.reader.current == (2, span)
        text = JINHUA[1]
        assert text[span[0] : span[1]] == "科創走廊"
        assert text.index("科創走廊") == span[0]
        assert app.status.message.startswith(f"hit {app.hit_index + 1} of ")


async def test_d_removes_a_bookmark_after_a_yes(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    jinhua = backend.article(article_id(backend, JINHUA_TITLE))
    with library_at(lib_path) as library:
        first = library.add_bookmark(ArticleRef.of(jinhua.article), note="留着")
        second = library.add_bookmark(ArticleRef.of(jinhua.article, 1), paragraph=1)
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("down", "d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen) and len(app.screen.items) == 2
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [item.bookmark.id for item in app.screen.items] == [first]
        assert f"Removed bookmark {second}" in screen_text(app)
        with library_at(lib_path) as library:
            assert [b.id for b in library.bookmarks()] == [first]


# -- saved searches ----------------------------------------------------------------------


async def save_current(pilot: object, name: str | None = None) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.press("S")  # type: ignore[attr-defined]
    await settle(pilot)
    assert isinstance(app.screen, NameDialog)
    if name is not None:
        await pilot.press("ctrl+u")  # type: ignore[attr-defined]
        await type_text(pilot, name)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)


async def test_a_saved_search_counts_new_hits_and_running_it_marks_them_seen(
    backend: SearchBackend, make_app: object, lib_path: Path, news: Path
) -> None:
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        before = app.results.total
        await save_current(pilot)  # the name proposed: the query
        assert app.status.message == f"Saved search {QUERY} · s lists them"
        with library_at(lib_path) as library:
            saved = library.saved_get(QUERY)
        assert saved is not None and saved.query == QUERY
        assert saved.filters == {"sort": "relevance"}
        assert len(saved.seen) == before  # what was on screen is seen

        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SavedScreen)
        assert f"0 new  {before} hits" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        # two more articles arrive
        report = backend.update([more_news(news.parent)[0].parent], procs=1)
        assert report.added == 2
        fresh = [
            hit
            for hit in iter_hits(backend, QUERY)
            if hit.title in ("杭州加入科创走廊合作", "合肥科创走廊新项目开工")
        ]
        assert len(fresh) == 2
        await pilot.press("s")
        await settle(pilot)
        assert f"2 new  {before + 2} hits" in screen_text(app)
        assert "Saved searches · 1 · 2 new hits" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        # the palette lists it with its count
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert f"Saved search: {QUERY} (2 new)" in titles

        # run it from another search: query back in the box, new hits go to 0
        await searched(pilot, "湖州")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SavedScreen)
        assert app.search_box.value == QUERY
        assert app.results.total == before + 2
        assert f"Saved search {QUERY}: {before + 2} hits, 2 new since" in app.status.message
        with library_at(lib_path) as library:
            saved = library.saved_get(QUERY)
            assert saved is not None
            assert saved.new(iter_hits_keys(backend)) == []
        await pilot.press("s")
        await settle(pilot)
        assert f"0 new  {before + 2} hits" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert f"Saved search: {QUERY} (0 new)" in titles


def iter_hits_keys(backend: SearchBackend) -> list[tuple[str, int]]:
    return [(hit.article_id, hit.paragraph) for hit in iter_hits(backend, QUERY)]


async def test_a_saved_search_keeps_typed_dates_period_outlet_and_order(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        typed = "科创走廊 since:2023-05"
        await searched(pilot, typed)
        app.sort = "oldest"
        app.narrow_to_outlet("金華日報")
        await settle(pilot)
        await pilot.press("alt+down")  # the strip's period at its cursor
        await settle(pilot)
        scope = app.results.scope
        assert scope.period is not None and app.results.total > 0
        asked = scope_options(scope)
        await save_current(pilot, "金华五月")
        with library_at(lib_path) as library:
            saved = library.saved_get("金华五月")
        assert saved.query == typed
        assert saved.filters == {
            "outlets": ["金華日報"],
            "sort": "oldest",
            "since": scope.period.start.isoformat(),
            "until": scope.period.end.isoformat(),
        }

        # everything back to nothing, then run it from the palette
        app.outlet_filter = ()
        app.sort = "relevance"
        await searched(pilot, "湖州")
        app.refresh_saved()
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["Saved search: 金华五月 (0 new)"].callback()
        await settle(pilot)
        assert app.search_box.value == (
            f"{typed} since:{scope.period.start.isoformat()} until:{scope.period.end.isoformat()}"
        )
        assert scope_options(app.results.scope) == asked
        assert {hit.outlet for hit in app.results.hits} == {"金華日報"}


async def test_saving_under_an_existing_name_asks_before_replacing(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    with library_at(lib_path) as library:
        library.saved_add("每日", "湖州")
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        await save_current(pilot, "每日")
        assert isinstance(app.screen, ConfirmDialog)
        assert "A saved search named 每日 exists: replace it?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert app.status.message == "Not saved: 每日 kept as it was"
        with library_at(lib_path) as library:
            assert library.saved_get("每日").query == "湖州"
        await save_current(pilot, "每日")
        await pilot.press("y")
        await settle(pilot)
        with library_at(lib_path) as library:
            assert library.saved_get("每日").query == QUERY
        # d in the view removes it after a yes
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert "No saved searches yet" in screen_text(app)
        with library_at(lib_path) as library:
            assert library.saved_list() == []


# -- export ------------------------------------------------------------------------------


async def test_ctrl_e_exports_every_hit_with_the_narrowing_and_never_replaces_unasked(
    backend: SearchBackend,
    make_app: object,
    lib_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(backend, library_path=lib_path, pagelen=2)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        app.sort = "date"
        app.rerun_search()
        await settle(pilot)
        assert app.results.total > len(app.results.hits)  # more than the page on screen
        expected = list(iter_hits(backend, QUERY, options=scope_options(app.results.scope)))
        await pilot.press("ctrl+e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        target = tmp_path / f"g60-export-{QUERY}.csv"
        assert dialog.path_input.value == str(target)
        assert f"Export {len(expected)} hits of {QUERY} · newest first" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        assert app.status.message == (
            f"Wrote {len(expected)} rows ({len({h.article_id for h in expected})} articles)"
            f" to {target}"
        )
        raw = target.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # Excel's UTF-8 CSV
        with target.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["article_id"], int(r["paragraph"]), r["text"]) for r in rows] == [
            (h.article_id, h.paragraph, h.text) for h in expected
        ]
        assert {r["title"] for r in rows} == {h.title for h in expected}

        # again: the file exists, so it asks; no keeps the file as it was
        before = target.read_bytes()
        await pilot.press("ctrl+e")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert f"g60-export-{QUERY}.csv exists: replace it?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert "Not replaced: choose another name" in screen_text(app)
        assert target.read_bytes() == before
        # another format: the name follows; RIS is written beside it
        await pilot.press("shift+tab", "right", "right", "right", "enter")
        await settle(pilot)
        assert app.screen.fmt == "ris"
        assert app.screen.path_input.value == str(tmp_path / f"g60-export-{QUERY}.ris")
        await pilot.press("tab", "enter")
        await settle(pilot)
        ris = (tmp_path / f"g60-export-{QUERY}.ris").read_text(encoding="utf-8")
        assert ris.count("TY  - NEWS") == len({h.article_id for h in expected})
        assert target.read_bytes() == before


async def test_an_export_that_cannot_be_written_says_so_on_one_line(
    backend: SearchBackend, make_app: object, lib_path: Path, tmp_path: Path
) -> None:
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        dialog = app.screen
        dialog.path_input.value = str(tmp_path / "no" / "such" / "dir" / "out.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog  # open, for another name
        message = str(dialog.query_one("#export-message").render())
        assert "\n" not in message and "no directory" in message
        assert not (tmp_path / "no").exists()


class SlowArticles:
    """A backend whose ``article`` takes ``delay`` seconds (a Markdown export reads every
    article's text), so the export is still running when the test looks."""

    def __init__(self, inner: SearchBackend, delay: float) -> None:
        self.inner = inner
        self.delay = delay
        self.started = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def article(self, article_id: str) -> object:
        self.started.set()
        time.sleep(self.delay)
        return self.inner.article(article_id)


async def test_an_export_shows_its_progress_and_esc_stops_it_leaving_no_file(
    backend: SearchBackend,
    make_app: object,
    lib_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    slow = SlowArticles(backend, 0.3)
    app = make_app(slow, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        articles = len({hit.article_id for hit in iter_hits(backend, QUERY)})
        await pilot.press("ctrl+e")
        await settle(pilot)
        dialog = app.screen
        dialog.path_input.value = str(tmp_path / "全文.md")
        await settle(pilot)
        assert dialog.fmt == "md"  # the name's suffix chose the format
        await pilot.press("enter")
        bar = dialog.query_one("#export-progress")
        for _ in range(200):  # the hits grouped by article, then an article written
            await pilot.pause(0.05)
            if "Writing articles:" in screen_text(app):
                break
        assert bar.display and bar.total == articles and 1 <= bar.progress < articles
        assert f"Writing articles: 1 of {articles} · Esc stops" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportDialog)
        assert app.status.message == "Export stopped: nothing was written"
        for _ in range(100):  # the worker stops at its next row and removes its file
            left = [p.name for p in tmp_path.iterdir() if "全文" in p.name]
            if not left:
                break
            await pilot.pause(0.05)
        assert left == []


async def test_the_bookmarks_view_exports_the_bookmarks_missing_ones_included(
    backend: SearchBackend,
    make_app: object,
    lib_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    gone = article_id(backend, "松江举办科创走廊论坛")
    with library_at(lib_path) as library:
        for title in ("松江举办科创走廊论坛", JINHUA_TITLE):
            stored = backend.article(article_id(backend, title))
            library.add_bookmark(ArticleRef.of(stored.article), note=f"关于{title[:2]}")
    backend.delete([gone])
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        await pilot.press("B")
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert "Export 2 bookmarks" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BookmarksScreen)  # back in the view, which says it
        target = tmp_path / "g60-bookmarks.csv"
        assert app.status.message == (
            f"Wrote 2 rows (2 articles) to {target}; 1 no longer in the index (from their snapshot)"
        )
        assert "Wrote 2 rows (2 articles) to /" in screen_text(app)
        with target.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert [(r["title"], r["status"], r["note"]) for r in rows] == [
            ("松江举办科创走廊论坛", "missing", "关于松江"),
            (JINHUA_TITLE, "ok", "关于金華"),
        ]
        assert rows[0]["outlet"] == ARTICLES["松江举办科创走廊论坛"][0]


# -- the concordance ---------------------------------------------------------------------


async def open_kwic(pilot: object) -> KwicScreen:
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.press("K")  # type: ignore[attr-defined]
    await settle(pilot)
    assert isinstance(app.screen, KwicScreen)
    assert app.screen.lines is not None
    return app.screen


async def test_the_concordance_lines_are_exact_slices_and_enter_opens_that_hit(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        hits = list(iter_hits(backend, QUERY))
        screen = await open_kwic(pilot)
        lines = screen.lines
        assert len(lines) == sum(len(hit.spans) for hit in hits)
        texts = {(h.article_id, h.paragraph): h.text for h in hits}
        for line in lines:
            text = texts[(line.article_id, line.paragraph)]
            start = line.offset - len(line.left)
            assert text[start : start + len(line.left + line.match + line.right)] == (
                line.left + line.match + line.right
            )
            assert line.match.replace("創", "创") == QUERY
        shown = screen_text(app)
        assert f"{len(lines)} lines from {len(hits)} hits" in shown
        # the keyword stands in one column, in cells, Traditional and Simplified alike
        kwic_list = screen.kwic_list
        match_style = kwic_list.get_component_rich_style("kwic--match", partial=True)
        columns = set()
        for index, line in enumerate(lines):
            prompt = kwic_list.line_at(index)
            (start,) = [span.start for span in prompt.spans if span.style == match_style]
            assert prompt.plain[start : start + len(line.match)] == line.match
            columns.add(cell_len(prompt.plain[:start]))
            assert prompt.cell_len <= kwic_list.text_width
        assert len(columns) == 1, columns
        rows = [row for row in shown.splitlines() if "科創走廊 重點項目" in row]
        assert len(rows) == 1 and cell_len(rows[0][: rows[0].find("科創走廊")]) - 2 in columns

        # Enter on the third line: its article, that match the current hit
        await pilot.press("down", "down")
        await settle(pilot)
        line = screen.kwic_list.current
        assert line is lines[2]
        assert f"¶{line.paragraph} {line.title}" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, KwicScreen)
        span = (line.offset, line.offset + len(line.match))
        assert app.reader.stored.article.id == line.article_id
        assert app.hit_positions[app.hit_index] == (line.paragraph, span)
        assert app.reader.current == (line.paragraph, span)
        assert app.status.message.startswith(f"hit {app.hit_index + 1} of")

        # a click on a line opens it too
        screen = await open_kwic(pilot)
        await pilot.click("#kwic-list", offset=(20, 1))
        await settle(pilot)
        line = screen.lines[1]
        assert not isinstance(app.screen, KwicScreen)
        span = (line.offset, line.offset + len(line.match))
        assert app.hit_positions[app.hit_index] == (line.paragraph, span)


async def test_the_concordance_sorts_toggles_characters_and_says_when_capped(
    backend: SearchBackend,
    make_app: object,
    lib_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from g60_reader.tui.workbench.kwic import concordance

    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await searched(pilot)
        hits = list(iter_hits(backend, QUERY))
        screen = await open_kwic(pilot)
        for key, sort in (("l", "left"), ("r", "right"), ("d", "date"), ("o", None)):
            await pilot.press(key)
            await settle(pilot)
            assert screen.sort == sort
            assert screen.lines == concordance(hits, sort=sort)  # type: ignore[arg-type]
        assert "in the hits' order · context in words" in screen_text(app)
        await pilot.press("d", "w")
        await settle(pilot)
        assert (screen.unit, screen.sort) == ("chars", "date")
        assert screen.lines == concordance(hits, unit="chars", sort="date")
        assert all(len(line.left) <= 12 and len(line.right) <= 12 for line in screen.lines)
        assert "sorted by date · context in characters" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, KwicScreen) and app.reader.stored is None

        monkeypatch.setattr(app_kwic, "KWIC_CAP", 2)
        screen = await open_kwic(pilot)
        assert f"from the first 2 of {len(hits)} hits" in screen_text(app)
        assert {(line.article_id, line.paragraph) for line in screen.lines} == {
            (hit.article_id, hit.paragraph) for hit in hits[:2]
        }


async def test_the_concordance_cursor_keeps_its_line_through_a_sort_and_stays_in_view(
    news_backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    app = make_app(news_backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(90, 24)) as pilot:  # the title wraps after a sort
        await searched(pilot, "协同创新")
        screen = await open_kwic(pilot)
        kwic_list = screen.kwic_list
        height = kwic_list.scrollable_content_region.height
        assert len(screen.lines) > 5 * height  # a list much longer than the screen
        for keys in (("r",), ("pagedown", "pagedown", "l"), ("end", "d"), ("home", "r")):
            await pilot.press(*keys)
            await settle(pilot)
            kept = kwic_list.current
            assert kept is not None
            top = kwic_list.scroll_offset.y
            assert top <= kwic_list.cursor < top + height, keys
        # the line under the cursor before a sort is under it after
        await pilot.press("down", "down", "down")
        await settle(pilot)
        before = kwic_list.current
        await pilot.press("d")
        await settle(pilot)
        after = kwic_list.current
        assert (after.article_id, after.paragraph, after.offset) == (
            before.article_id,
            before.paragraph,
            before.offset,
        )
        assert f"¶{after.paragraph} {after.title}" in screen_text(app)


async def test_the_concordance_of_no_search_says_why(
    backend: SearchBackend, make_app: object, lib_path: Path
) -> None:
    app = make_app(backend, library_path=lib_path)  # type: ignore[operator]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("escape", "K")
        await settle(pilot)
        assert not isinstance(app.screen, KwicScreen)
        assert app.status.message == "Search for words first: the concordance shows the matches"


# -- keys: help, palette, keymap ---------------------------------------------------------


async def test_the_workbench_keys_are_in_help_the_palette_and_the_keymap(
    backend: SearchBackend, make_app: object, lib_path: Path, tmp_path: Path
) -> None:
    from g60_reader.tui.app import KEY_HELP

    keymap = tmp_path / "keymap.toml"
    keymap.write_text('kwic_sort_left = "L"\nbookmark = "M"\n', encoding="utf-8")
    app = make_app(backend, library_path=lib_path, keymap_path=keymap)  # type: ignore[operator]
    async with app.run_test(size=(100, 40)) as pilot:
        await searched(pilot)
        rows = {description: keys for keys, description in app.key_help()}
        help_of = dict(KEY_HELP)
        for binding_id, keys in (
            ("bookmark", "M"),
            ("show_bookmarks", "B"),
            ("save_search", "S"),
            ("show_saved", "s"),
            ("export", "^e"),
            ("show_kwic", "K"),
        ):
            assert rows[help_of[binding_id]] == keys, binding_id
        assert rows[app_workbench.VIEW_HELP[2][1]] == "L r d o"
        assert rows[app_workbench.VIEW_HELP[1][1]] == "d del"
        assert app.key_help()[-1][1] == "commands"  # the palette's row stays last
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {
            "Bookmark",
            "Bookmarks",
            "Save search",
            "Saved searches",
            "Export",
            "Concordance",
        } <= titles
        assert {"kwic_sort_left", "view_remove", "export", "dialog_cancel"} <= (
            workbench_binding_ids()
        )
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert (
            "L r d o",
            "concordance: sort by the left context, the right context, the date; the hits' order",
        ) in app.screen.keys
        await pilot.press("escape")
        await settle(pilot)
        # the remapped sort key works in the view; over it the palette offers no reader
        # command that would act behind it
        screen = await open_kwic(pilot)
        over = {command.title for command in app.get_system_commands(screen)}
        assert "Bookmark" not in over and "Quit" in over
        await pilot.press("L")
        await settle(pilot)
        assert screen.sort == "left"
        from g60_reader.tui.widgets.bookmarks import BookmarkList
        from g60_reader.tui.widgets.kwic import KwicList
        from g60_reader.tui.widgets.saved import SavedList

        lists = (BookmarkList, SavedList, KwicList)
        for cls in (*app_workbench.WORKBENCH_SCREENS, *lists):
            for binding in cls.BINDINGS:
                assert binding.id and binding.tooltip, binding  # type: ignore[union-attr]
