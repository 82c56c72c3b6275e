"""A scraped news folder as users have them, end to end through ``g60-reader index``.

Built at run time (nothing third-party): HTML pages saved from news sites in several
styles and encodings (GBK-declared portals with navigation, share bars, related lists,
comments, ``document.write`` ads and footers; Big5; JSON-LD; undated pages), text
exports in UTF-8, GB18030 and Big5 with every kind of dateline at their top, walls of
text, a JSON-lines dump under several field names and date forms, a dump escaped
twice, a mirror of half the folder, and junk (random bytes, a Cyrillic text, a PNG, an
empty file). Each article knows its truth: title, publication day, outlet, paragraphs,
furniture. What a user must get:

- every valid file indexed, every bad one reported on its own line (exit 1);
- no page furniture searchable;
- the publication day and the outlet right for at least 97% of articles (here: all);
- no literal ``\\n`` in any hit, no paragraph wall, no duplicate hit from a mirror;
- nothing of the bundled sample.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.index.registry import open_backend
from g60_reader.tui.cli import main
from tests.corpus import test_html as pages


@dataclass
class Truth:
    path: Path
    title: str
    published: str | None  # the day
    outlet: str
    paragraphs: list[str]
    furniture: list[str] = field(default_factory=list)
    record: int = 0  # the line of a .jsonl dump

    @property
    def id(self) -> str:
        from g60_reader.corpus.readers import article_id

        return article_id(self.path, self.record)


def _body(rng: random.Random, n: int) -> list[str]:
    return [pages.paragraph(rng) for _ in range(n)]


def _encodable(text: str, encoding: str, script) -> str:
    """``text`` without the characters the file's encoding cannot hold in ``script``
    (a Big5 file never holds a character Big5 has not)."""
    return "".join(ch for ch in text if _fits(script(ch), encoding))


def _fits(ch: str, encoding: str) -> bool:
    try:
        ch.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _text_articles(root: Path, rng: random.Random) -> list[Truth]:
    """Text exports with the datelines scrapers keep at the top."""
    out = []
    folder = root / "txt"
    folder.mkdir()
    styles = [
        ("2019-03-05 10:20　来源：新华网", "2019-03-05", "新华网", "utf-8", str),
        ("【中央社】2019年3月5日電", "2019-03-05", "中央社", "cp950", to_traditional),
        ("2019年3月6日　人民网", "2019-03-06", "人民网", "utf-8", str),
        ("发布时间：2019-03-07 来源：新华社", "2019-03-07", "新华社", "gb18030", str),
        ("二〇一九年三月八日　光明日报", "2019-03-08", "光明日报", "gb18030", str),
    ]
    for n, (line, day, outlet, encoding, script) in enumerate(styles * 3):
        title = _encodable(pages.headline(rng), encoding, script)
        body = [_encodable(p, encoding, script) for p in _body(rng, rng.randint(3, 6))]
        text = "\n".join([title, line, *body, "（责任编辑：王小明）"]) + "\n"
        text = script(text)
        path = folder / f"{n:02d}-{encoding}.txt"
        path.write_bytes(text.encode(encoding))
        out.append(Truth(path, script(title), day, script(outlet), [script(p) for p in body]))
    # the GB18030 file a detector once refused
    title = "凉州区公安局宣武派出所破获一起伪造使用公司印章案"
    body = _body(rng, 3)
    path = folder / "liangzhou.txt"
    path.write_bytes(
        ("\n".join([title, "2019-03-09　来源：武威日报", *body]) + "\n").encode("gb18030")
    )
    out.append(Truth(path, title, "2019-03-09", "武威日报", body))
    # a wall: paragraphs flattened onto one line, each still opening with its indent
    title = pages.headline(rng)
    body = _body(rng, 8)
    wall = "".join("　　" + p for p in body)
    path = folder / "wall.txt"
    path.write_text(f"{title}\n2019-03-10　来源：澎湃新闻\n{wall}\n", encoding="utf-8")
    out.append(Truth(path, title, "2019-03-10", "澎湃新闻", body))
    return out


def _dump(root: Path, rng: random.Random) -> list[Truth]:
    """A scraper's JSON-lines dump: other field names, other date forms; and one dumped
    with its text escaped twice."""
    out = []
    path = root / "dump" / "feed.jsonl"
    path.parent.mkdir()
    forms = [
        ({"publish_time": "2019-03-11 08:00:00"}, "2019-03-11"),
        ({"pubDate": "Tue, 12 Mar 2019 10:20:00 +0800"}, "2019-03-12"),
        ({"published_at": 1552528800000}, "2019-03-14"),  # epoch ms: 10:00 at +08:00
        ({"time": "2019年3月15日"}, "2019-03-15"),
        ({"date": "2019-03-16T09:00:00+08:00"}, "2019-03-16"),
    ]
    records = []
    for n, (date_field, day) in enumerate(forms * 2):
        title = pages.headline(rng)
        body = _body(rng, 3)
        outlet = ["央视新闻", "经济日报", "环球时报"][n % 3]
        records.append({"title": title, "content": "\n".join(body), "source": outlet, **date_field})
        out.append(Truth(path, title, day, outlet, body, record=n + 1))
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    # escaped twice: the two characters \ and n stand between paragraphs
    title = pages.headline(rng)
    body = _body(rng, 4)
    escaped = json.dumps("\n".join(body), ensure_ascii=False)[1:-1]
    twice = {"title": title, "content": escaped, "source": "北京日报", "date": "2019-03-17"}
    path = root / "dump" / "escaped.jsonl"
    path.write_text(json.dumps(twice, ensure_ascii=False) + "\n", encoding="utf-8")
    out.append(Truth(path, title, "2019-03-17", "北京日报", body, record=1))
    return out


def _html(root: Path, rng: random.Random) -> list[Truth]:
    out = []
    folder = root / "html"
    folder.mkdir()
    styles = [
        pages.portal_gbk,
        pages.xinhua_utf8,
        pages.people_gbk,
        pages.taiwan_big5,
        pages.jsonld_utf8,
        pages.netease_like,
        pages.chinanews_like,
        pages.undated,
    ]
    for n, style in enumerate(styles * 2):
        page = style(rng)
        page.name = f"{n:02d}-{page.name}"
        path = page.write(folder)
        day = page.published[:10] if page.published else None
        out.append(Truth(path, page.title, day, page.outlet, page.paragraphs, page.furniture))
    return out


_RNG = random.Random(7)
JUNK = {
    "random.txt": bytes(_RNG.randrange(128, 256) for _ in range(4000)),
    "cyrillic.txt": ("Новости дня: " * 200).encode("cp1251"),
    "picture.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
    "empty.txt": b"",
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, list[Truth]]:
    root = tmp_path_factory.mktemp("archive") / "news"
    root.mkdir()
    rng = random.Random(2019)
    truth = [*_text_articles(root, rng), *_dump(root, rng), *_html(root, rng)]
    (root / "mirror").mkdir()
    for sub in ("txt", "html"):
        shutil.copytree(root / sub, root / "mirror" / sub)
    (root / "junk").mkdir()
    for name, data in JUNK.items():
        (root / "junk" / name).write_bytes(data)
    return root, truth


@pytest.fixture(scope="module")
def indexed(archive, tmp_path_factory):
    root, truth = archive
    index_dir = tmp_path_factory.mktemp("archive-index") / "index"
    result = CliRunner().invoke(
        main, ["index", "--no-entities", "--procs", "1", "--index-dir", str(index_dir), str(root)]
    )
    backend = open_backend(f"whoosh:{index_dir}")
    yield result, backend, truth
    backend.close()


def test_bad_files_are_reported_once_each_and_nothing_valid_is_refused(indexed):
    result, backend, truth = indexed
    assert result.exit_code == 1  # some files failed
    reported = [ln for ln in result.output.splitlines() if "/junk/" in ln]
    assert sorted(Path(ln.split(": ", 1)[0]).name for ln in reported) == sorted(JUNK)
    assert not [ln for ln in result.output.splitlines() if "/txt/" in ln or "/html/" in ln]
    assert "Traceback" not in result.output
    assert backend.stats().articles == len(truth)


def test_titles_dates_and_outlets_are_right(indexed):
    _result, backend, truth = indexed
    wrong = []
    for t in truth:
        stored = backend.article(t.id)  # (a mirror's copy gives its original)
        got = stored.article if stored is not None else None
        if got is None:
            wrong.append(f"{t.path.name}: {t.title} not indexed")
            continue
        if (got.published[:10] if got.published else None) != t.published:
            wrong.append(f"{t.path.name}: published {got.published} != {t.published}")
        if fold(got.outlet) != fold(t.outlet):
            wrong.append(f"{t.path.name}: outlet {got.outlet!r} != {t.outlet!r}")
    assert len(wrong) <= 0.03 * len(truth), "\n".join(wrong)
    assert wrong == []


def test_every_paragraph_is_there_and_no_furniture(indexed):
    _result, backend, truth = indexed
    for t in truth:
        stored = backend.article(t.id)
        assert stored is not None
        assert [p.text for p in stored.article.paragraphs] == t.paragraphs, t.path.name
    # furniture strings the articles do not hold themselves (科技 is a nav link and a word)
    text = "\n".join(fold(p) for t in truth for p in [t.title, *t.paragraphs])
    furniture = sorted({f for t in truth for f in t.furniture if fold(f) not in text})
    assert len(furniture) > 30
    indexed_text = "\n".join(
        fold(p.text)
        for summary in backend.list_articles()
        for stored in [backend.article(summary.article_id)]
        if stored is not None
        for p in [*stored.article.paragraphs]
    )
    assert [f for f in furniture if fold(f) in indexed_text] == []
    # and the search finds none of those without punctuation
    plain = [f for f in furniture if f.isalnum() and len(f) >= 2]
    assert plain and {f: n for f in plain if (n := backend.search(f'"{f}"').total)} == {}


def test_hits_are_readable_and_unique(indexed):
    _result, backend, truth = indexed
    result = backend.search("科创走廊 OR 企业 OR 会议", pagelen=1000, all_copies=True)
    assert result.total > 50
    assert not [h for h in result.hits if "\\n" in h.text or "\\t" in h.text]
    assert max(len(h.text) for h in result.hits) <= 600
    lines = [(h.title, h.text) for h in result.hits]
    assert len(lines) == len(set(lines))  # the mirror adds no second line
    assert backend.stats().duplicates == sum(
        1 for t in truth if t.path.parent.name in ("txt", "html")
    )


def test_the_wall_became_paragraphs(indexed):
    _result, backend, truth = indexed
    wall = next(t for t in truth if t.path.name == "wall.txt")
    stored = backend.article(wall.id)
    assert stored is not None and len(stored.article.paragraphs) == 8


def test_no_sample_in_a_users_index(indexed):
    _result, backend, _truth = indexed
    assert backend.search("九地市政協").total == 0
    assert backend.search("零跑").total == 0
