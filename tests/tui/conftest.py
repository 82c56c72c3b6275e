"""Fixtures for the Textual interface: indexes, a fixture corpus, app factories.

The real backend (the Whoosh index built by ``g60_reader.index``) is used for the sample
and for a fixture corpus written here. ``FakeBackend`` is a tiny in-memory backend
used only where a test needs control: timing (a slow opener, a slow query) or text that
the corpus readers would clean (control characters).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest

from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article, EntitySpan
from g60_reader.index.contract import (
    ArticleSummary,
    Filters,
    Hit,
    IndexStats,
    SearchBackend,
    SearchResult,
    StoredArticle,
    Story,
    Timeline,
    UpdateReport,
)
from g60_reader.index.results import filter_reason, sort_hits, stories_of, timeline_of
from g60_reader.tui.history import QueryHistory
from g60_reader.tui.settings import Settings

# -- the fixture corpus -------------------------------------------------------------------

LONG_TITLE = "長三角科創走廊建設提速"
MARKUP_TITLE = "標記測試"

FIXTURE_FILES: dict[str, str] = {
    "01_long.txt": "\n".join(
        [
            f"原標題：{LONG_TITLE}",
            "金華日報消息 12月3日，長三角九城市在金華舉行科創走廊推進會，市委書記陳龍出席。",
            *[
                f"第{n}段：各地介紹產業協同與人才交流的做法，交通、醫療、教育等領域的合作持續深化，"
                "企業家委員圍繞營商環境提出建議，會議認為一體化發展需要更多制度創新。"
                + ("會上再次強調要把科創走廊建設作為重點工作。" if n in (4, 9) else "")
                for n in range(2, 13)
            ],
            "陳龍表示，金華將積極融入科創走廊，推動更多項目落地。（記者 王小明）",
        ]
    ),
    "02_simplified.txt": "\n".join(
        [
            "杭州举办数字经济论坛",
            "浙江日报消息 5月20日，数字经济论坛在杭州开幕，来自各地的企业代表参加。",
            "论坛期间，嘉兴和湖州的企业介绍了智能制造的经验。",
            "与会者认为，科创走廊为区域合作提供了新的平台。（记者 李华）",
        ]
    ),
    "03_markup.txt": "\n".join(
        [
            MARKUP_TITLE,
            "測試日報消息 這段文字含有標記 [bold]粗體[/bold] 以及 [link=http://e]連結[/link]，應照原樣顯示。",
            "第二段也提到 [red]紅色[/red] 與 [@click=app.quit]退出[/] 這些字樣，都只是文字。",
        ]
    ),
    "04_agreement.txt": "\n".join(
        [
            "蘇州合肥簽署合作協議",
            "蘇州日報消息 蘇州與合肥簽署科技合作協議，雙方將共建創新平台。",
            "協議涉及新能源汽車、集成電路等產業。",
        ]
    ),
}


@pytest.fixture(scope="session")
def fixture_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory of several small articles (Traditional, Simplified, markup-like text)."""
    root = tmp_path_factory.mktemp("tui-corpus")
    for name, text in FIXTURE_FILES.items():
        (root / name).write_text(text + "\n", encoding="utf-8")
    return root


# -- real indexes --------------------------------------------------------------------------


def _open_real(index_dir: Path, sources: list[Path] | None) -> SearchBackend:
    """The Whoosh index of ``sources`` (the bundled sample when None), entities included."""
    from g60_reader.corpus.entities import recognise
    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.backends.whoosh.search import WhooshBackend
    from tests.support import open_sample_index

    if sources is None:
        open_sample_index(index_dir).close()
    else:
        store.update(index_dir, sources, wait=True)
    store.enrich(index_dir, recognise, wait=True)
    return WhooshBackend(index_dir)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SearchBackend]:
    """The bundled sample indexed (as on first launch) into a temporary directory."""
    index_dir = tmp_path_factory.mktemp("tui-sample") / "index"
    return index_dir, _open_real(index_dir, None)


@pytest.fixture(scope="session")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, fixture_corpus: Path
) -> tuple[Path, SearchBackend]:
    """The fixture corpus indexed into a temporary directory."""
    index_dir = tmp_path_factory.mktemp("tui-corpus-index") / "index"
    return index_dir, _open_real(index_dir, [fixture_corpus])


# -- a fake backend for timing control ---------------------------------------------------

_FIELD_RE = re.compile(r"^(person|place|organization|date|initiative):(.+)$")


class FakeBackend:
    """Substring search over folded paragraph text, with optional per-query delays.

    Filters, sorts, copies, timelines and stories mean what the contract says (the
    shaping functions of ``index.results``); ``clusters`` (article id -> cluster) makes
    stories. Every call is recorded: ``calls`` the queries searched, ``requests`` each
    search, timeline and story call with its arguments."""

    def __init__(
        self,
        articles: list[Article],
        entities: dict[str, dict[int, list[EntitySpan]]] | None = None,
        delays: dict[str, float] | None = None,
        clusters: dict[str, str] | None = None,
        facet_values: dict[str, list[tuple[str, int]]] | None = None,
    ) -> None:
        self.articles = {article.id: article for article in articles}
        self.entities = entities or {}
        self.delays = delays or {}
        self.clusters = clusters or {}
        self.facet_values = facet_values or {}
        self.calls: list[str] = []
        self.requests: list[tuple[str, dict[str, object]]] = []

    def add_or_update(self, articles: Iterable[Article]) -> UpdateReport:
        raise NotImplementedError("read-only fake")

    def delete(self, article_ids: Iterable[str]) -> int:
        raise NotImplementedError("read-only fake")

    def search(
        self,
        query: str,
        page: int = 1,
        pagelen: int = 20,
        *,
        filters: Filters | None = None,
        sort: str = "relevance",
        all_copies: bool = False,
    ) -> SearchResult:
        self.calls.append(query)
        self.requests.append(
            (
                "search",
                {
                    "query": query,
                    "page": page,
                    "pagelen": pagelen,
                    "filters": filters,
                    "sort": sort,
                    "all_copies": all_copies,
                },
            )
        )
        started = time.perf_counter()
        time.sleep(self.delays.get(query, 0.0))
        if query.count('"') % 2:
            return SearchResult(query=query, error=f"{query}: unbalanced quote")
        hits, undated = self._matching(query, filters)
        if not all_copies:
            hits = [hit for hit in hits if self._first_of_story(hit.article_id)]
        rows = [(hit.score, hit.published, hit.article_id, hit.paragraph, hit) for hit in hits]
        hits = [row[-1] for row in sort_hits(rows, sort)]
        begin = (page - 1) * pagelen
        words = [word.strip('"') for word in query.split()]
        return SearchResult(
            query=query,
            total=len(hits),
            articles=len({hit.article_id for hit in hits}),
            hits=hits[begin : begin + pagelen],
            page=page,
            pagelen=pagelen,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            terms=tuple(fold(w) for w in words if not w.startswith("-")),
            undated=undated,
        )

    def _first_of_story(self, article_id: str) -> bool:
        cluster = self.clusters.get(article_id)
        if cluster is None:
            return True
        story = self.story(cluster)
        return story is None or story.members[0].article_id == article_id

    def _matching(self, query: str, filters: Filters | None) -> tuple[list[Hit], int]:
        """Every matching paragraph that passes ``filters``; undated articles left out."""
        words = [word.strip('"') for word in query.split()]
        plus = [fold(w) for w in words if not w.startswith("-") and not _FIELD_RE.match(w)]
        minus = [fold(w[1:]) for w in words if w.startswith("-") and len(w) > 1]
        fields = [_FIELD_RE.match(w) for w in words]
        hits: list[Hit] = []
        undated: set[str] = set()
        for article in self.articles.values():
            reason = filter_reason(article.published, article.outlet, filters)
            ents = self.entities.get(article.id, {})
            for paragraph in article.paragraphs:
                folded = paragraph.folded
                if any(term in folded for term in minus):
                    continue
                if not all(term in folded for term in plus):
                    continue
                spans: list[tuple[int, int]] = []
                for term in plus:
                    spans += [(m.start(), m.end()) for m in re.finditer(re.escape(term), folded)]
                ok = True
                for match in fields:
                    if match is None:
                        continue
                    kind, value = match.groups()
                    found = [
                        (e.start, e.end)
                        for e in ents.get(paragraph.number, [])
                        if e.type == kind and fold(e.text) == fold(value)
                    ]
                    ok = ok and bool(found)
                    spans += found
                if not ok or not spans:
                    continue
                if reason == "undated":
                    undated.add(article.id)
                    continue
                if reason is not None:
                    continue
                spans = sorted(set(spans))
                first = spans[0][0]
                start = max(0, first - 10)
                cluster = self.clusters.get(article.id)
                size = sum(1 for c in self.clusters.values() if c == cluster) if cluster else 0
                hits.append(
                    Hit(
                        article_id=article.id,
                        paragraph=paragraph.number,
                        title=article.title,
                        outlet=article.outlet,
                        published=article.published,
                        path=article.path,
                        score=float(len(spans)),
                        text=paragraph.text,
                        spans=tuple(spans),
                        snippet=paragraph.text[start : start + 60],
                        snippet_start=start,
                        cluster=cluster,
                        reprints=max(0, size - 1),
                    )
                )
        return hits, len(undated)

    def timeline(
        self,
        query: str,
        *,
        filters: Filters | None = None,
        by: str | None = None,
        by_outlet: bool = False,
    ) -> Timeline:
        self.requests.append(("timeline", {"query": query, "filters": filters, "by": by}))
        time.sleep(self.delays.get(f"timeline:{query}", 0.0))
        hits, _undated = self._matching(query, filters)
        rows = [(self.articles[hit.article_id], 1) for hit in hits]
        return timeline_of(rows, by=by, by_outlet=by_outlet)

    def story(self, cluster: str) -> Story | None:
        self.requests.append(("story", {"cluster": cluster}))
        members = [self.articles[a] for a, c in self.clusters.items() if c == cluster]
        stories = stories_of({cluster: members})
        return stories[0] if stories else None

    def facets(self, query: str, limit: int = 10) -> dict[str, list[tuple[str, int]]]:
        self.requests.append(("facets", {"query": query}))
        return dict(self.facet_values)

    def article(self, article_id: str) -> StoredArticle | None:
        article = self.articles.get(article_id)
        if article is None:
            return None
        return StoredArticle(article, self.entities.get(article_id, {}), bool(self.entities))

    def list_articles(self) -> list[ArticleSummary]:
        self.calls.append("")
        return [
            ArticleSummary(a.id, a.title, a.outlet, a.date, a.path, len(a.paragraphs))
            for a in self.articles.values()
        ]

    def stats(self) -> IndexStats:
        paragraphs = sum(len(a.paragraphs) for a in self.articles.values())
        return IndexStats(len(self.articles), paragraphs, 4096, None, "(memory)")


@pytest.fixture
def fake_backend(fixture_corpus: Path) -> FakeBackend:
    from g60_reader.corpus.readers import load_paths

    articles = [item for item in load_paths([fixture_corpus]) if isinstance(item, Article)]
    return FakeBackend(articles)


# -- app factories ------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session-wide indexes (and jieba's cache) live in a temporary home too."""
    home = tmp_path_factory.mktemp("tui-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("G60_READER_HOME", str(home))
        yield home


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the real data directory: G60_READER_HOME points into tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("G60_READER_HOME", str(home))
    return home


@pytest.fixture
def history(tmp_path: Path) -> QueryHistory:
    return QueryHistory(tmp_path / "history.txt")


AppFactory = Callable[..., "G60App"]  # noqa: F821


@pytest.fixture
def make_app(history: QueryHistory) -> AppFactory:
    """``make_app(backend, **options)``: an app that opens ``backend`` instead of an index."""
    from g60_reader.tui.app import G60App

    def factory(backend: SearchBackend, **options: object) -> G60App:
        def opener(index_dir: Path, progress: Callable[[int, int, str], None]) -> SearchBackend:
            return backend

        options.setdefault("history", history)
        options.setdefault("frozen_ms", 3.0)
        options.setdefault("settings", Settings(history.path.with_name("settings.json")))
        return G60App(index_dir=Path("unused-index"), opener=opener, **options)  # type: ignore[arg-type]

    return factory


class GatedOpener:
    """An opener that blocks until ``release()``: the index "takes long" to open."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend
        self.started = threading.Event()
        self.gate = threading.Event()

    def __call__(self, index_dir: Path, progress: Callable[[int, int, str], None]) -> SearchBackend:
        self.started.set()
        progress(1, 4, "/data/000_sample.txt")
        if not self.gate.wait(timeout=30):
            raise TimeoutError("test gate never opened")
        return self.backend

    def release(self) -> None:
        self.gate.set()


async def settle(pilot: object, rounds: int = 400) -> None:
    """Wait until no search is pending, every worker finished and the screen caught up."""
    app = pilot.app  # type: ignore[attr-defined]
    for _ in range(rounds):
        await pilot.pause()  # type: ignore[attr-defined]
        if not app.busy:
            break
        await asyncio.sleep(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


# -- looking at what is on screen -------------------------------------------------------


def widget_lines(widget: object) -> list[list[tuple[str, object]]]:
    """The rendered lines of a widget as (text, rich style) segments."""
    from textual.geometry import Region

    size = widget.size  # type: ignore[attr-defined]
    strips = widget.render_lines(Region(0, 0, size.width, size.height))  # type: ignore[attr-defined]
    return [[(segment.text, segment.style) for segment in strip] for strip in strips]


def text_with_background(widget: object, color: str) -> list[str]:
    """Each run of rendered text whose background is ``color`` (``#rrggbb``)."""
    from rich.color import Color

    wanted = Color.parse(color).get_truecolor()
    runs: list[str] = []
    for line in widget_lines(widget):
        run = ""
        for text, style in line:
            bgcolor = getattr(style, "bgcolor", None)
            if bgcolor is not None and bgcolor.get_truecolor() == wanted:
                run += text
            elif run:
                runs.append(run)
                run = ""
        if run:
            runs.append(run)
    return runs


def screen_text(app: object) -> str:
    """Everything on screen as plain text, one line per row."""
    screen = app.screen  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in screen._compositor.render_strips())


class CountingBackend:
    """Wraps a backend and records every search (to check debouncing)."""

    def __init__(self, inner: SearchBackend) -> None:
        self.inner = inner
        self.searches: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def search(
        self, query: str, page: int = 1, pagelen: int = 20, **options: object
    ) -> SearchResult:
        self.searches.append(query)
        return self.inner.search(query, page, pagelen, **options)  # type: ignore[arg-type]


class FrozenStats:
    """Wraps a backend so that its stats do not depend on the index files (snapshots)."""

    def __init__(self, inner: SearchBackend) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def stats(self) -> IndexStats:
        real = self.inner.stats()
        return IndexStats(real.articles, real.paragraphs, 65536, None, "index")


# -- a dated corpus with a reprinted story (the contract suite's folder) ----------------


@pytest.fixture(scope="session")
def news_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """240 generated articles over 2023 (txt in both scripts, JSON lines; one in eleven
    undated), an exact duplicate, and a wire story reprinted by two outlets."""
    from tests.contract.conftest import write_corpus

    return write_corpus(tmp_path_factory.mktemp("tui-news"))


@pytest.fixture(scope="session")
def news_backend(news_corpus: Path) -> SearchBackend:
    """The memory backend (the contract's reference) holding ``news_corpus``, with
    entities and reprint clusters."""
    from g60_reader.index.registry import open_backend
    from tests.contract.conftest import recognise

    backend = open_backend(f"memory:tui-news-{id(news_corpus)}")
    if not backend.exists():
        report = backend.update([news_corpus], procs=1)
        assert report.failed == [], report.failed
        backend.enrich(recognise)
        backend.cluster_stories()
    return backend


class RecordingBackend:
    """Wraps a backend and records every call the reader makes (name, arguments)."""

    def __init__(self, inner: SearchBackend, delays: dict[str, float] | None = None) -> None:
        self.inner = inner
        self.delays = delays or {}
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    def __getattr__(self, name: str) -> object:
        attribute = getattr(self.inner, name)
        if name not in ("search", "timeline", "story", "stories", "facets", "list_articles"):
            return attribute

        def recorded(*args: object, **kwargs: object) -> object:
            self.calls.append((name, args, kwargs))
            time.sleep(self.delays.get(name, 0.0))
            return attribute(*args, **kwargs)  # type: ignore[operator]

        return recorded

    def of(self, name: str) -> list[tuple[tuple[object, ...], dict[str, object]]]:
        return [(args, kwargs) for called, args, kwargs in self.calls if called == name]
