"""Files per second by format: how fast ``read_file`` turns files into articles.

Two sources of text, written into the cache as the files a user has:

- **People's Daily, January 1998** (``tests/bench/pd1998.py``), 19,484 paragraphs cut
  into articles of 6 paragraphs;
- **the synthetic bench corpus** (``tests/bench/synth.py``), the same articles that
  ``run.py`` indexes.

Each article set is written in every format the reader takes: UTF-8 text, GB18030 text,
Big5 text (converted to Traditional first), Markdown, an HTML page saved from a news
portal (GBK, with navigation, share bar, related news, footer and scripts), one JSON file
per article, and one JSON-lines dump holding them all. Each format's files are read once
in one process (``read_file``, as a build's workers do) and timed; the table gives files
(articles, for the dump) per second and the median time per file.

    python -m tests.bench.read_rate [--articles 2000] [--source pd1998|synth|both]

The code under test is whatever ``g60_reader`` imports: run it from another checkout's
environment to compare two versions on the same files.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from tests.bench.pd1998 import cache_dir

FORMATS = ("txt-utf8", "txt-gb18030", "txt-big5", "md", "html-gbk", "json", "jsonl")
PARAGRAPHS_PER_ARTICLE = 6

NAV = " ".join(
    f'<li><a href="/{n}/">{name}</a></li>'
    for n, name in enumerate(["首页", "新闻", "国内", "国际", "财经", "体育", "娱乐", "科技"])
)
PAGE = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{title}_新闻中心_人民网</title>
<meta name="description" content="{title}">
<meta property="og:site_name" content="人民网">
<meta property="article:published_time" content="1998-01-{day:02d}T08:00:00+08:00">
<script>var _hmt = _hmt || []; document.write('<a href="/ad">广告</a>');</script>
<style>.nav li {{ display: inline; }}</style>
</head><body>
<div class="top"><ul class="nav">{nav}</ul></div>
<div class="crumb"><a href="/">首页</a> &gt; <a href="/news/">新闻</a> &gt; 正文</div>
<div class="article"><h1>{title}</h1>
<div class="info">1998年01月{day:02d}日08:00　来源：人民日报</div>
{paragraphs}
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
</div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>
<div class="footer"><p>人民网版权所有，未经书面授权禁止使用</p>
<p>Copyright &copy; 1997-1998 by www.people.com.cn. all rights reserved</p></div>
</body></html>
"""


def _articles(source: str, count: int) -> list[tuple[str, list[str]]]:
    if source == "pd1998":
        from tests.bench.pd1998 import load_paragraphs

        paragraphs = [p for p in load_paragraphs() if p.strip()]
        out = []
        for i in range(0, len(paragraphs) - PARAGRAPHS_PER_ARTICLE, PARAGRAPHS_PER_ARTICLE):
            body = paragraphs[i : i + PARAGRAPHS_PER_ARTICLE]
            out.append((body[0][:24], body[1:]))
            if len(out) >= count:
                break
        return out
    from tests.bench.synth import generate

    return [(title, body) for title, body in generate(count * PARAGRAPHS_PER_ARTICLE)][:count]


def _page(title: str, body: list[str], n: int) -> str:
    from html import escape

    related = "".join(f'<li><a href="/r/{k}">相关报道第{k}篇</a></li>' for k in range(8))
    return PAGE.format(
        title=escape(title),
        day=n % 28 + 1,
        nav=NAV,
        paragraphs="\n".join(f"<p>{escape(p)}</p>" for p in body),
        related=related,
    )


def write_formats(root: Path, articles: list[tuple[str, list[str]]]) -> dict[str, list[Path]]:
    """Every article in every format under ``root``; returns the files per format."""
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    out: dict[str, list[Path]] = {}
    for fmt in FORMATS:
        folder = root / fmt
        folder.mkdir(parents=True, exist_ok=True)
        out[fmt] = []
    dump = []
    for n, (title, body) in enumerate(articles):
        text = "\n".join([title, *body]) + "\n"
        files = {
            "txt-utf8": ("txt", text.encode("utf-8")),
            "txt-gb18030": ("txt", text.encode("gb18030")),
            "txt-big5": ("txt", s2t.convert(text).encode("cp950", "replace")),
            "md": ("md", ("# " + title + "\n\n" + "\n\n".join(body) + "\n").encode("utf-8")),
            "html-gbk": ("html", _page(title, body, n).encode("gb18030")),
            "json": (
                "json",
                json.dumps(
                    {"title": title, "content": "\n".join(body), "source": "人民日报"},
                    ensure_ascii=False,
                ).encode("utf-8"),
            ),
        }
        for fmt, (suffix, data) in files.items():
            path = root / fmt / f"{n:05d}.{suffix}"
            path.write_bytes(data)
            out[fmt].append(path)
        dump.append(
            json.dumps(
                {
                    "title": title,
                    "content": "\n".join(body),
                    "source": "人民日报",
                    "publish_time": f"1998-01-{n % 28 + 1:02d} 08:00:00",
                },
                ensure_ascii=False,
            )
        )
    path = root / "jsonl" / "dump.jsonl"
    path.write_text("\n".join(dump) + "\n", encoding="utf-8")
    out["jsonl"] = [path]
    return out


def time_format(paths: list[Path], read: Callable) -> tuple[int, float, list[float]]:
    """(articles read, seconds, seconds per file)."""
    per_file = []
    articles = 0
    started = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        found, _errors = read(path)
        per_file.append(time.perf_counter() - t0)
        articles += len(found)
    return articles, time.perf_counter() - started, per_file


def run(source: str, count: int) -> list[dict[str, object]]:
    from g60_reader.corpus.readers import read_file

    root = cache_dir() / f"read-rate-{source}-{count}"
    if not (root / "jsonl" / "dump.jsonl").exists():
        write_formats(root, _articles(source, count))
    files = {fmt: sorted((root / fmt).iterdir()) for fmt in FORMATS}
    read_file(files["txt-utf8"][0])  # warm up: OpenCC, jieba-free imports, regexes
    read_file(files["html-gbk"][0])
    rows = []
    for fmt in FORMATS:
        articles, seconds, per_file = time_format(files[fmt], read_file)
        rows.append(
            {
                "source": source,
                "format": fmt,
                "files": len(files[fmt]),
                "articles": articles,
                "seconds": round(seconds, 3),
                "articles_per_s": round(articles / seconds, 1),
                "median_ms_per_file": round(statistics.median(per_file) * 1000, 3),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--source", choices=("pd1998", "synth", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    args = parser.parse_args()
    sources = ("pd1998", "synth") if args.source == "both" else (args.source,)
    rows = [row for source in sources for row in run(source, args.articles)]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    print(f"{'source':8} {'format':12} {'files':>6} {'articles/s':>11} {'median ms/file':>15}")
    for row in rows:
        print(
            f"{row['source']:8} {row['format']:12} {row['files']:>6} "
            f"{row['articles_per_s']:>11} {row['median_ms_per_file']:>15}"
        )


if __name__ == "__main__":
    main()
