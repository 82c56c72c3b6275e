"""HTML pages: the article's paragraphs, title, publication date, site, byline and source.

Saved news pages carry far more furniture than article: navigation bars, breadcrumbs,
share bars, related lists, comments, footers, ``document.write`` ads, ``上一篇/下一篇``.
A hand-written ``html.parser`` extractor indexed all of it. Now:

1. **Parse** the text we decoded ourselves (``encoding.decode`` honours the page's
   charset) with lxml; a page nested deeper than libxml2's 2048 levels would be cut off,
   so it goes to the fallback. Source line breaks inside running text are joined first
   (none between two CJK characters, else a space), as trafilatura would make each one
   a space.
2. **Main content** by trafilatura (``bare_extraction`` on our tree; no network helper
   is ever called, nor any htmldate/trafilatura function on a string, which htmldate
   would fetch if it looked like a URL). Its XML body is walked ourselves: one line per
   ``<p>``/heading/list item/table row, one per ``<br>``; text is taken as written (no
   spaces added between CJK characters, full-width punctuation untouched). Options,
   measured on 128 generated pages in 16 site styles (0–200 KB; ``tests/corpus/
   test_html.py``), counting pages with every paragraph exact and in order / pages
   leaking furniture / CPU time per page on a loaded 2-core machine:

   - ``favor_precision`` (chosen): 128/128, 0 leaking, median 9 ms, p95 46 ms; the
     balanced default gives the same pages but hands our line filter twice the
     furniture lines (569 against 288) and costs 15/90 ms (its recall retry runs on
     every link-heavy portal page); ``favor_recall`` the same pages, 592 lines;
   - ``fast`` (no readability/justext comparison): same pages, 9 against 17 ms;
   - ``include_tables``: off, the 8 table-layout pages (2000s portals) give nothing
     and 6 come out wrong from the fallback;
   - ``include_images``: off, 41 photo captions (``class="img-caption"``) are lost;
   - ``include_links``: keeps ``<ref>`` so that each line knows its share of link text;
     without it the related lists of table layouts leak (8 pages);
   - ``include_comments=False``: comment containers are pruned before extraction;
   - ``deduplicate`` stays off: its cache is process-wide, and the 4th copy of a page
     read in one run came back without its paragraphs (1275 -> 104 characters).

   Known loss: in precision mode trafilatura keeps only the first of identical short
   paragraphs when it has to recover text outside its article container (a second
   ``（完）``); repeated long paragraphs next to each other are kept once in any mode.
3. **Line filter**: trafilatura still lets through lines that are only metadata or
   furniture: ``2019-03-05 10:20:30　来源：新华网``, ``责任编辑：张三``, ``（责编：…）``,
   ``本文来源：…``, ``分享到：``, ``【纠错】``, ``上一篇：``, related-list headings,
   copyright and ICP lines, and lines that are mostly link text (navigation, related
   items). Metadata lines fill the fields instead (patterns on the Simplified fold, so
   Traditional pages match too).
4. **Metadata** from the markup: the title is the <h1> confirmed by <title> or og:title,
   else og:title / JSON-LD headline, else the first <h1> that is no logo, else <title>
   without its site suffix (``标题_新浪新闻``, ``标题 - 新华网``, ``标题|人民网``,
   ``标题--国际--人民网``). The outlet is og:site_name (for WeChat the account, not
   微信公众平台), application-name, the JSON-LD publisher, the <title> suffix, then
   ``<meta name="source">``. The byline is the author meta / JSON-LD author unless it
   names a site (``chinanews``), else ``作者：``/``记者`` under the headline. The source credit
   is the ``来源：`` (or ``class="source"``) under the headline, else a ``本文来源：`` /
   ``转载自`` line, else ``<meta name="source">``.
5. **Publication date**: htmldate (``original_date``, not extensive) on a small tree of
   the page's meta tags, JSON-LD, canonical link and the ``<time>`` elements under the
   headline only; else the visible dateline under the headline (``2019-03-05 10:20:30``,
   ``2019年03月05日 10:20``). ISO 8601: the day alone when only the day is known, the
   time when given, and its zone only when the page states one
   (``2019-03-05T10:20:00+08:00``); a bare local time stays without zone
   (``2019-03-05T10:20:00``) rather than guessing +08:00 for a Taiwanese, Hong Kong or
   overseas page. Measured on 96 pages (18 with no publication date but dates in the
   body, comments and related links): htmldate on the whole page gave those 18 a date
   (18/18, extensive search on or off: the related list's ``<span class="time">`` or
   ``<time>``) and the exact date and time to 36/78 dated pages (18/78 not extensive);
   trafilatura's metadata also dated 18/18 and never gives a time; this reader dated
   none of the 18, and gave 78/78 the right date, time and zone.

**Fallback**: when the page cannot be parsed whole or trafilatura finds nothing, the
small ``html.parser`` extractor below reads it (the same line filter applies, link share
included, so a navigation list still goes). Measured triggers: a bare fragment of
``<p>`` paragraphs (1–10) never (trafilatura reads them, 200/200 exact); a ``<div>`` of
``<br>``-separated lines always (200/200; exact too); nesting deeper than 2048 levels.

**Cost** per page (CPU time, 160 generated pages of 24–210 KB, median 86 KB, on a
2-core machine shared with other jobs, load 3–5, two runs): 13–17 ms median, 53–64 ms
p95. Of that trafilatura takes 11–13/46–55 ms (its cost grows with link-heavy menus and
sidebars, not with scripts and styles), parsing 1.1–1.4/3–3.5 ms, htmldate on the
markup-only tree 0.4/1.1 ms; the old ``html.parser`` extractor took 7–11/19–28 ms on the
same pages. A 4 MB page takes 0.9 s (the old extractor 0.5 s).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import lxml.html
from htmldate import find_date
from lxml import etree
from trafilatura import bare_extraction

from g60_reader.corpus.clean import HAN, clean
from g60_reader.corpus.dates import parse_date
from g60_reader.corpus.fold import fold
from g60_reader.corpus.metadata import strip_title_prefix
from g60_reader.corpus.model import ReadError

from .raw import Fields, RawArticle
from .text import join_soft_breaks

# Both libraries log every page they give up on ("discarding data", "empty HTML tree") at
# WARNING and ERROR; for us that is the fallback working, not something a user can act on,
# and an unconfigured logger would print it on the terminal under the TUI.
for _name in ("trafilatura", "htmldate", "courlan"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# ---------------------------------------------------------------- parsing

_XML_DECLARATION_RE = re.compile(r"^\s*<\?xml[^>]*>")
# C0 controls that are not XML characters: libxml2 refuses a string holding one.
_NON_XML_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _parse(text: str) -> lxml.html.HtmlElement | None:
    """The page's tree, or ``None`` when libxml2 cannot give all of it.

    ``huge_tree`` lifts libxml2's nesting limit from 256 to 2048 levels; a page nested
    deeper would be silently cut at that depth, so it goes to the fallback instead.
    """
    parser = lxml.html.HTMLParser(
        collect_ids=False,
        default_doctype=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
    )
    cleaned = _NON_XML_RE.sub("", _XML_DECLARATION_RE.sub("", text, count=1))
    try:
        tree = lxml.html.document_fromstring(cleaned, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
        return None
    return tree


# ---------------------------------------------------------------- text nodes

# Text nodes holding a line break and some text, outside script, style and the like.
_BROKEN_TEXT = etree.XPath(
    "//text()[contains(., '\n') and normalize-space(.)]"
    "[not(ancestor::script or ancestor::style or ancestor::pre or ancestor::textarea)]"
)
_WS_RE = re.compile(r"\s+")
_CJK_RE = re.compile(f"[{HAN}\u3000-\u303f\uff00-\uffef]")


def _join_soft_breaks(root: lxml.html.HtmlElement) -> None:
    """Source line breaks inside running text: none between two CJK characters, else a
    space, as :func:`~.text.join_soft_breaks` does for text files (trafilatura would
    make every break a space, ``长三角 九城市``).

    At the edge of a text node only its own side is known: a break there joins when that
    side is CJK (``九地市</b>\n政协`` -> ``九地市政协``; at a block edge it makes no
    difference). Only text nodes holding a break are visited, found by libxml2; each
    whitespace run is matched once, so a megabyte of spaces stays linear.
    """
    for node in _BROKEN_TEXT(root):
        text = str(node)

        def repl(m: re.Match[str], text: str = text) -> str:
            run = m.group()
            if "\n" not in run:
                return run
            start, end = m.start(), m.end()
            before = not start or _CJK_RE.match(text[start - 1]) is not None
            after = end == len(text) or _CJK_RE.match(text[end]) is not None
            return "" if before and after else " "

        joined = _WS_RE.sub(repl, text)
        parent = node.getparent()
        if node.is_tail:
            parent.tail = joined
        else:
            parent.text = joined


# The page's text nodes in reading order, for the lines under the headline.
_VISIBLE = "[normalize-space(.)][not(parent::script or parent::style or parent::noscript)]"
_PAGE_TEXT = etree.XPath(f"//body//text(){_VISIBLE}")
_FOLLOWING_TEXT = etree.XPath(f"following::text(){_VISIBLE}[position() <= 40]")
# ---------------------------------------------------------------- the article's lines


@dataclass(slots=True)
class _Line:
    text: str
    tag: str  # the block it came from: p, head, item, cell, ...
    links: float  # share of its (non-space) characters that were link text


_BLOCK_TAGS = frozenset(
    {"p", "head", "item", "quote", "row", "list", "table", "div", "code", "graphic", "lb"}
)


def _body_lines(body: etree._Element) -> list[_Line]:
    """trafilatura's XML body as lines: one per block (``<p>``, heading, list item, table
    row), and one per ``<lb/>`` (an HTML ``<br>``) inside a block. Text inside ``<ref>``
    (a link, kept by ``include_links``) is counted for the line's link share."""
    lines: list[_Line] = []
    buf: list[str] = []
    linked = [0]  # non-space characters of link text in buf
    tags = ["p"]
    in_link = 0

    def add(text: str | None) -> None:
        if text:
            buf.append(text)
            if in_link:
                linked[0] += len(text) - sum(map(len, _WS_RE.findall(text)))

    def flush() -> None:
        text = _WS_RE.sub(" ", "".join(buf)).strip()
        buf.clear()
        share, linked[0] = linked[0], 0
        if text:
            solid = len(text) - text.count(" ")
            lines.append(_Line(text, tags[-1], share / solid if solid else 0.0))

    for event, element in etree.iterwalk(body, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag == "cell" and buf:
                buf.append(" ")
            if tag in _BLOCK_TAGS and tag != "lb":
                tags.append(tag)
            if tag == "ref":
                in_link += 1
            add(element.text)
        else:
            if tag in _BLOCK_TAGS and tag != "lb":
                flush()
                tags.pop()
            if tag == "ref":
                in_link -= 1
            if element is not body:
                add(element.tail)
    flush()
    return lines


# ---------------------------------------------------------------- metadata in the text

_FULL_DIGITS = str.maketrans("０１２３４５６７８９：", "0123456789:")
_DATE_TIME_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(?:星期.|周.|\(.\)|（.）))?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{2})(?:\s*[:分]\s*(?P<S>\d{2}))?)?"
)


def _visible_date(text: str) -> str | None:
    """The first date (and time) written in ``text``, ISO 8601, no zone."""
    m = _DATE_TIME_RE.search(text.translate(_FULL_DIGITS))
    if m is None:
        return None
    try:
        day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["H"] is None:
            return day.isoformat()
        moment = dt.datetime(
            day.year, day.month, day.day, int(m["H"]), int(m["M"]), int(m["S"] or 0)
        )
    except ValueError:
        return None
    return moment.isoformat()


_NAMES = f"[{HAN}·•]{{2,8}}(?:[、,，][{HAN}·•]{{2,8}}){{0,3}}"
_SOURCE_LABEL = "(?:本文|文章|稿件|信息|新聞|新闻)?(?:来源|來源|稿源|出处|出處)"
_VALUE = "[^\\s|｜,，;；。！？:：]{1,30}"
_SOURCE_IN_TEXT_RE = re.compile(f"{_SOURCE_LABEL}\\s*[:：]\\s*(?P<v>{_VALUE})")
_BYLINE_IN_TEXT_RE = re.compile(
    f"(?:作者|作\\s者|記者|记者|撰文|文)\\s*[:：/／|｜]\\s*(?P<v>{_NAMES})"
    f"|(?:本報|本报)?(?:記者|记者)\\s+(?P<w>{_NAMES})"
)
# Labels that end a source value written without a space before them.
_TRAILING_LABEL_RE = re.compile(
    "(?:作者|記者|记者|编辑|編輯|责任编辑|責任編輯|发布|發佈|發布|时间|時間|分享|浏览|瀏覽|字号|字號)"
    ".*$"
)


def _source_value(value: str) -> str:
    return _TRAILING_LABEL_RE.sub("", value).strip(" 　-－—")


# Lines that only carry metadata: (kind, pattern); the value, if any, is group "v".
_OPEN = "^[（(【\\[〔]?\\s*"
_CLOSE = "\\s*[)）】\\]〕]?$"
_EDITOR_RE = re.compile(
    _OPEN
    + "(?:责任编辑|責任編輯|责编|責編|编辑|編輯|审核|審核|审校|審校|校对|校對|监制|監製|主编|主編"
    "|值班编辑|值班編輯|实习编辑|實習編輯|美编|美編|制图|製圖|统筹|統籌|编审|編審)"
    "\\s*[:：]\\s*[^。！？]{1,40}?" + _CLOSE
)
_SOURCE_LINE_RE = re.compile(
    _OPEN
    + f"(?:{_SOURCE_LABEL}\\s*[:：]|(?:本文)?(?:转载自|轉載自|转自|轉自)\\s*[:：]?)"
    + "\\s*(?P<v>[^。！？]{1,30}?)"
    + _CLOSE
)
_BYLINE_LINE_RE = re.compile(
    _OPEN
    + "(?:(?:作者|記者|记者|撰文|文|文字)\\s*[:：/／|｜]\\s*|(?:本報|本报)?(?:記者|记者)\\s+)"
    + f"(?P<v>{_NAMES})"
    + f"(?:\\s+(?:攝影|摄影|通讯员|通訊員|实习生|實習生)\\s*[:：]?\\s*{_NAMES})?"
    + _CLOSE
)
_ORIGINAL_TITLE_RE = re.compile(_OPEN + "(?:原标题|原標題|原题|原題)\\s*[:：].{1,100}?" + _CLOSE)
_PHOTO_CREDIT_RE = re.compile(
    _OPEN + f"(?:摄影|攝影|图|圖|图片|圖片)\\s*[:：/／]\\s*{_NAMES}" + _CLOSE
)
# Furniture lines, matched on the Simplified (folded) text.
_FURNITURE_RES = tuple(
    re.compile(p)
    for p in (
        # share bars, print/close/correction buttons, page turns, app promotion
        r"^(?:分享到|分享至|分享)[:：]?.{0,40}$",
        r"^(?:[【\[][^】\]]{1,8}[】\]]\s*)+$",
        r"^(?:上一篇|下一篇|上一页|下一页|返回顶部|返回首页|返回列表|打印本页|关闭窗口)",
        r"^(?:打开|下载)(?:APP|app|客户端).{0,20}$",
        r"^(?:微信)?(?:扫一扫|扫描二维码|长按识别二维码|长按二维码|扫码关注|点我订阅"
        r"|关注我们|关注该公众号|关注公众号).{0,30}$",
        # the headings of related lists and comment sections
        r"^(?:相关|热点|热门|精彩|编辑|延伸|推荐|更多|最新|猜你|网友|我要|发表|热度)"
        r"(?:新闻|阅读|推荐|文章|报道|专题|评论|喜欢|资讯|图片|视频|排行)"
        r"\s*[:：>»›]*\s*(?:更多\s*[>»›]*)?$",
        r"^(?:评论|广告|广告位招商|图片|视频|专题|更多)\s*[>»›]*$",
        # copyright footers
        r"^(?=.*(?:版权所有|版权声明|Copyright|©|All Rights Reserved|ICP[备证]|公网安备"
        r"|不得转载|转载请注明|请勿转载|禁止转载|违法和不良信息举报))[^。]{0,160}$",
        # "follow us" lines at the end of the text
        r"^(?:更多.{0,12}[，,]\s*)?请?(?:关注|订阅|下载).{0,16}(?:公众号|微信|微博|客户端|APP|app)"
        r"[。！!]?$",
    )
)
_DATELINE_LABELS_RE = re.compile(
    "发布时间|发表时间|发布日期|更新时间|时间|日期|发布|发表|更新|来源|作者|责任编辑|编辑|记者"
    "|浏览|阅读|点击|次|字号|大|中|小|分享到|打印|纠错|评论|星期.|周.|[:：|｜/／()（）【】\\[\\]\\s·,，]"
)


def _is_dateline(line: str) -> bool:
    """A line that is a date (and time) with at most labels and short values around it:
    ``2019-03-05 10:20:30　来源：新华网``, ``发布时间：2005-03-05 作者：孙武``."""
    if len(line) > 80 or re.search("[。！？；]", line):
        return False
    folded = fold(line).translate(_FULL_DIGITS)
    m = _DATE_TIME_RE.search(folded)
    if m is None:
        return False
    rest = folded[: m.start()] + " " + folded[m.end() :]
    labelled = rest != _DATELINE_LABELS_RE.sub("", rest) and re.search(
        "来源|作者|编辑|发布|时间|日期|记者", rest
    )
    left = _DATELINE_LABELS_RE.sub("", rest)
    return len(left) <= (16 if labelled else 4)


# ---------------------------------------------------------------- metadata in the markup


def _norm(text: str | None) -> str:
    return _WS_RE.sub(" ", text or "").strip()


def _meta_tags(root: lxml.html.HtmlElement) -> dict[str, str]:
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        name = element.get("name") or element.get("property") or element.get("itemprop") or ""
        name = name.strip().lower()
        content = element.get("content")
        if name and content is not None and name not in meta:
            meta[name] = content
    return meta


def _json_ld(root: lxml.html.HtmlElement) -> dict[str, str]:
    """headline, author, publisher and datePublished of the page's JSON-LD article."""
    found: dict[str, str] = {}
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for item in _ld_items(data):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            article = any(
                isinstance(k, str) and k.endswith(("Article", "Posting", "Report")) for k in kinds
            )
            if not article and "headline" not in item:
                continue
            for key, value in (
                ("headline", item.get("headline")),
                ("author", _ld_names(item.get("author"))),
                ("publisher", _ld_names(item.get("publisher"))),
            ):
                if isinstance(value, str) and value.strip() and key not in found:
                    found[key] = value.strip()
    return found


def _ld_items(data: object) -> Iterator[dict[str, object]]:
    stack = [data]
    seen = 0
    while stack and seen < 200:
        item = stack.pop()
        seen += 1
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            graph = item.get("@graph")
            if isinstance(graph, list):
                stack.extend(reversed(graph))


def _ld_names(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        name = value.get("name")
        return name if isinstance(name, str) else ""
    if isinstance(value, list):
        return "、".join(n for n in (_ld_names(v) for v in value[:8]) if n)
    return ""


# Separators between a headline and the site name in <title>.
_TITLE_SEP_RE = re.compile(r"\s*(?:_+|\|+|｜|--+|—+|－+|–|::|\s-\s|-)\s*")


# A slogan after the site name: 中国经济网——国家经济门户.
_SLOGAN_RE = re.compile(r"\s*——[^_|｜—-]{2,12}$")


def _split_title(title: str, known: str | None = None) -> tuple[str, str]:
    """``(headline, site)`` of a <title>: ``标题_新浪新闻`` -> ``(标题, 新浪新闻)``,
    ``标题--国际--人民网`` -> ``(标题, 人民网)``. ``known`` is the headline when the page
    gives it elsewhere (its <h1>)."""
    slogan = _SLOGAN_RE.search(title)  # 标题_中国经济网——国家经济门户
    if slogan and _TITLE_SEP_RE.search(title[: slogan.start()]):
        title = title[: slogan.start()]
    if known and title.startswith(known) and len(title) > len(known):
        rest = _TITLE_SEP_RE.split(title[len(known) :])
        parts = [p for p in rest if p.strip()]
        return known, parts[-1].strip() if parts else ""
    parts = [p for p in _TITLE_SEP_RE.split(title)]
    seps = _TITLE_SEP_RE.findall(title)
    if len(parts) < 2 or not parts[-1].strip() or len(parts[-1]) > 20:
        return title, ""
    if re.search("[。！？，]", parts[-1]):
        return title, ""
    site = parts[-1].strip()
    keep = len(parts) - 1
    # channel names before the site: 标题--国际--人民网
    while keep > 1 and len(parts[keep - 1].strip()) <= 4:
        keep -= 1
    head = _join_parts(parts, seps, keep)
    if len(head) < 4:  # too short for a headline: only the site name goes
        head = _join_parts(parts, seps, len(parts) - 1)
    return head, site


def _join_parts(parts: list[str], seps: list[str], keep: int) -> str:
    joined = "".join(p + (seps[i] if i < keep - 1 else "") for i, p in enumerate(parts[:keep]))
    return joined.strip()


@dataclass(slots=True)
class _Header:
    """What the few lines under the headline say: dateline, source, author."""

    published: str | None = None
    source: str = ""
    byline: str = ""
    subtitle: str = ""
    times: list[lxml.html.HtmlElement] = field(default_factory=list)


def _read_header_zone(begin: etree._Element, nodes: list[etree._ElementUnicodeResult]) -> _Header:
    """Read the lines right under the headline (``nodes``, the text after ``begin``, the
    headline's element) up to the body."""
    header = _Header()
    zone: list[str] = []
    size = 0
    taken: list[etree._ElementUnicodeResult] = []
    marked_source = ""  # the text of an element whose class or id says "source"
    for node in nodes:
        text = _norm(node)
        if len(text) >= 15 and _CLAUSE_RE.search(text):
            break  # a sentence: the body has begun
        owner = node.getparent()
        if not node.is_tail and owner is not None:
            marks = f"{owner.get('class', '')} {owner.get('id', '')}".lower()
            if _SOURCE_CLASS_RE.search(marks) and not marked_source:
                value = _source_value(_strip_label(text))
                # <a class="source">新华网</a>, not <div class="time_source">2019-03-05 来源:
                if value and not _DATE_TIME_RE.search(value) and not value.endswith((":", "：")):
                    marked_source = value
            if not taken and _is_subtitle(owner, marks, text):
                header.subtitle = text
        zone.append(text)
        taken.append(node)
        size += len(text)
        if size > 240:
            break
    header.times = _zone_times(begin, taken)
    joined = " ".join(zone)
    header.published = _visible_date(joined)
    m = _SOURCE_IN_TEXT_RE.search(joined)
    header.source = _source_value(m["v"]) if m else marked_source
    m = _BYLINE_IN_TEXT_RE.search(joined)
    if m:
        header.byline = m["v"] or m["w"] or ""
    return header


_CLAUSE_RE = re.compile("[，。！？；]")
_SOURCE_CLASS_RE = re.compile("(?<![a-z])(?:source|src)(?![a-z])")


def _is_subtitle(owner: etree._Element, marks: str, text: str) -> bool:
    """The first line under the headline is a subtitle when it is a heading (or marked
    as one), short and not a sentence."""
    heading = owner.tag in ("h2", "h3") or any(
        m in marks for m in ("subtitle", "sub-title", "sub_title", "subhead")
    )
    return heading and len(text) <= 50 and re.search("[。！？]", text) is None


_TIME_AFTER = etree.XPath(
    "following::*[self::time or @itemprop='datePublished' or @itemprop='dateCreated']"
    "[position() <= 3]"
)
_TIME_BEFORE = etree.XPath(
    "preceding::*[self::time or @itemprop='datePublished' or @itemprop='dateCreated']"
)


def _is_date_element(element: etree._Element) -> bool:
    return element.tag == "time" or (element.get("itemprop") or "").lower() in (
        "datepublished",
        "datecreated",
    )


def _zone_times(
    begin: etree._Element, nodes: list[etree._ElementUnicodeResult]
) -> list[etree._Element]:
    """The ``<time>`` / ``itemprop="datePublished"`` elements between the headline
    (``begin``) and the last of the lines under it (``nodes``)."""
    found: list[etree._Element] = []
    for node in nodes:
        owner = node.getparent()
        if owner is not None and not node.is_tail and _is_date_element(owner):
            found.append(owner)
    end = nodes[-1].getparent() if nodes else None
    if end is not None:
        before_end = set(_TIME_BEFORE(end))
        found += [e for e in _TIME_AFTER(begin) if e in before_end and e not in found]
    return found


_LABEL_RE = re.compile(f"^{_SOURCE_LABEL}\\s*[:：]\\s*")


def _strip_label(text: str) -> str:
    return _LABEL_RE.sub("", text)


# ---------------------------------------------------------------- dates

_ZONE_RE = re.compile(r"([+-])(\d\d)(\d\d)$")


def _meta_date(root: lxml.html.HtmlElement, header_times: list[etree._Element]) -> str | None:
    """The publication date the markup declares (meta tags, JSON-LD, the canonical URL,
    a ``<time>`` under the headline), read by htmldate from those elements alone.

    htmldate on the whole page also reads dates from elements whose class says "time"
    and, in its extensive search, from the text: on a page without a publication date
    that is the date of a related article or of an event in the body.
    """
    mini = lxml.html.document_fromstring("<html><head></head><body></body></html>")
    head, body = mini[0], mini[1]
    for element in root.iter("meta", "link", "script"):
        if element.tag == "link" and (element.get("rel") or "").lower() != "canonical":
            continue
        if element.tag == "script" and (element.get("type") or "").lower() != "application/ld+json":
            continue
        copy = etree.SubElement(head, element.tag, dict(element.attrib))
        copy.text = element.text
    for element in header_times:
        copy = etree.SubElement(body, element.tag, dict(element.attrib))
        copy.text = element.text
    try:
        found = find_date(
            mini,
            extensive_search=False,
            original_date=True,
            outputformat="%Y-%m-%dT%H:%M:%S%z",
        )
    except Exception:  # a third-party date parser on arbitrary input
        return None
    if not found:
        return None
    zone = _ZONE_RE.search(found)
    if zone:
        return f"{found[: zone.start()]}{zone[1]}{zone[2]}:{zone[3]}"
    if found.endswith("T00:00:00"):
        return found[:10]  # htmldate writes midnight when only the day is known
    return found


# ---------------------------------------------------------------- the page


@dataclass(slots=True)
class HtmlPage:
    """What :func:`extract_page` finds in one page."""

    title: str | None
    subtitle: str | None
    lines: list[str]
    fields: Fields
    meta: dict[str, str]
    extractor: str  # "trafilatura" or "fallback"


_TRAFILATURA_OPTIONS: dict[str, object] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "deduplicate": False,
    "with_metadata": False,
    "include_links": True,
    "include_images": True,
    "fast": True,
}


def extract_page(text: str) -> HtmlPage:
    """The article in one HTML page (a whole page or a fragment)."""
    page: HtmlPage | None = None
    tree = _parse(text)
    if tree is not None:
        try:
            page = _extract_tree(tree)
        except Exception:  # lxml on hostile markup: the small extractor still reads it
            page = None
    if page is None or not page.lines:
        page = _fallback_page(text, page)
    return page


def _extract_tree(tree: lxml.html.HtmlElement) -> HtmlPage:
    _join_soft_breaks(tree)
    meta = _meta_tags(tree)
    ld = _json_ld(tree)

    title, anchor, site = _choose_title(tree, meta, ld)

    # the lines under the headline: dateline, source, author
    header = _Header()
    if anchor is not None:
        header = _read_header_zone(anchor, _FOLLOWING_TEXT(anchor))
    elif title:
        texts = _PAGE_TEXT(tree)
        at = _find_title_node(texts, title)
        if at is not None:
            header = _read_header_zone(texts[at].getparent(), texts[at + 1 : at + 41])

    outlet = (
        _wechat_account(tree, meta)
        or _norm(meta.get("og:site_name"))
        or _norm(meta.get("application-name"))
        or _norm(ld.get("publisher"))
        or site
    )
    meta_source = _source_value(_strip_label(_norm(meta.get("source"))))
    byline = _author(meta, ld, outlet) or header.byline

    published = _meta_date(tree, header.times)
    if header.published and (
        published is None or (len(published) == 10 and header.published.startswith(published))
    ):
        published = header.published

    # the article's lines
    try:
        document = bare_extraction(tree, **_TRAFILATURA_OPTIONS)
        lines = _body_lines(document.body) if document is not None else []
    except Exception:  # third-party extraction on hostile markup: the fallback reads it
        lines = []
    known = {x for x in (title, byline, outlet, header.subtitle) if x}
    body, found = _filter_lines(lines, title, known)
    subtitle = header.subtitle or None
    if not subtitle and len(body) > 1 and body[0].tag == "head" and len(body[0].text) <= 50:
        subtitle = body.pop(0).text
    fields = Fields(
        outlet=outlet or meta_source,
        byline=byline or found.byline,
        published=published or found.published,
        source_credit=header.source or found.source or meta_source,
        subtitle=subtitle,
    )
    return HtmlPage(title, subtitle, [line.text for line in body], fields, meta, "trafilatura")


def _choose_title(
    tree: lxml.html.HtmlElement, meta: dict[str, str], ld: dict[str, str]
) -> tuple[str | None, lxml.html.HtmlElement | None, str]:
    """``(title, its <h1> if any, the site name in <title>)``.

    The article's <h1> when <title> or og:title confirms it, else og:title (or the JSON-LD
    headline), else the first <h1> that is not the site's logo, else <title> without its
    site suffix.
    """
    title_tag = next((_norm(t.text_content()) for t in tree.iter("title")), "")
    og_title = _norm(meta.get("og:title") or meta.get("twitter:title") or ld.get("headline"))
    names = {_norm(meta.get("og:site_name")), _norm(meta.get("application-name"))}
    names |= {_split_title(title_tag)[1]} - {""}
    h1s = [(h, _norm(h.text_content())) for h in tree.iter("h1")]
    h1s = [(h, text) for h, text in h1s if text and not _is_logo(h, text, names)]
    title, anchor = None, None
    for h1, text in h1s:
        bare = strip_title_prefix(text)
        if og_title in (text, bare) or title_tag.startswith((text, bare)):
            title, anchor = text, h1
            break
    if title is None and og_title:
        title = _split_title(og_title)[0]
        anchor = next((h for h, text in h1s if title in text), None)
    if title is None and h1s:
        anchor, title = h1s[0]
    known = strip_title_prefix(title) if title else None
    headline, site = _split_title(title_tag, known) if title_tag else ("", "")
    return title or headline or None, anchor, site


def _is_logo(h1: lxml.html.HtmlElement, text: str, names: set[str]) -> bool:
    """An <h1> that holds the site's name or logo rather than the headline."""
    if text in names:
        return True
    for element in h1.iter():
        marks = f"{element.get('class', '')} {element.get('id', '')}".lower()
        if "logo" in marks:
            return True
    return False


def _wechat_account(tree: lxml.html.HtmlElement, meta: dict[str, str]) -> str:
    """A WeChat article names the platform as its site; its publisher is the account."""
    if _norm(meta.get("og:site_name")) != "微信公众平台":
        return ""
    account = tree.find(".//*[@id='js_name']")
    return _norm(account.text_content()) if account is not None else ""


def _author(meta: dict[str, str], ld: dict[str, str], outlet: str) -> str:
    """The author the markup names; not the site under another name (``chinanews``,
    ``www.example.com``, the outlet itself)."""
    for value in (meta.get("author"), meta.get("article:author"), ld.get("author")):
        name = _norm(value)
        if not name or name == outlet or len(name) > 40 or _SITE_LIKE_RE.match(name):
            continue
        return name
    return ""


# One lower-case Latin word or a host name: a site, not a person.
_SITE_LIKE_RE = re.compile(r"^(?:[a-z0-9-]+|\S*[./]\S*)$")


def _find_title_node(texts: list[etree._ElementUnicodeResult], title: str) -> int | None:
    """The index of the (last) text node of the headline in the page's text nodes."""
    for i, node in enumerate(texts):
        text = _norm(node)
        if text == title:
            return i
        if len(text) >= 4 and title.startswith(text):
            # the headline split over inline elements: <b>九地市</b>政协共商
            seen, j = text, i
            while j + 1 < len(texts) and title.startswith(seen + _norm(texts[j + 1])):
                j += 1
                seen += _norm(texts[j])
            return j
    return None


@dataclass(slots=True)
class _Found:
    published: str | None = None
    source: str = ""
    byline: str = ""


def _filter_lines(
    lines: list[_Line], title: str | None, known: set[str]
) -> tuple[list[_Line], _Found]:
    """The body lines without the furniture and metadata lines trafilatura let through;
    what the metadata lines said."""
    found = _Found()
    body: list[_Line] = []
    started = False  # the first prose line has been seen
    for line in lines:
        text = line.text
        if not started and (text == title or text in known):
            continue
        kind = _line_kind(line)
        if kind == "body":
            body.append(line)
            started = started or len(text) >= 20
            continue
        if kind == "dateline":
            found.published = found.published or _visible_date(text)
            m = _SOURCE_IN_TEXT_RE.search(text)
            if m and not found.source:
                found.source = _source_value(m["v"])
            m = _BYLINE_IN_TEXT_RE.search(text)
            if m and not found.byline:
                found.byline = m["v"] or m["w"] or ""
        elif kind == "source" and not found.source:
            m = _SOURCE_LINE_RE.match(text)
            found.source = _source_value(m["v"]) if m else ""
        elif kind == "byline" and not found.byline:
            m = _BYLINE_LINE_RE.match(text)
            found.byline = m["v"] if m else ""
    return body, found


def _line_kind(line: _Line) -> str:
    text = line.text
    if line.links >= 0.5:
        return "links"
    if len(text) > 200:
        return "body"
    if _EDITOR_RE.match(text) or _ORIGINAL_TITLE_RE.match(text):
        return "editor"
    if _SOURCE_LINE_RE.match(text):
        return "source"
    if _BYLINE_LINE_RE.match(text) or _PHOTO_CREDIT_RE.match(text):
        return "byline"
    if _is_dateline(text):
        return "dateline"
    folded = fold(text)
    if any(p.search(folded) for p in _FURNITURE_RES):
        return "furniture"
    return "body"


# ---------------------------------------------------------------- the fallback extractor


def _fallback_page(text: str, page: HtmlPage | None) -> HtmlPage:
    """The page read by the small extractor; the metadata found in the tree, if any."""
    title, subtitle, lines, meta = _fallback_extract(text)
    if page is not None:
        title, meta = page.title or title, page.meta
        subtitle = page.subtitle or subtitle
        fields = page.fields
        fields.subtitle = subtitle
    else:
        fields = Fields(
            outlet=clean(_first_meta(meta, _META_OUTLET))[0],
            byline=clean(_first_meta(meta, _META_AUTHOR))[0],
            published=parse_date(_first_meta(meta, _META_DATE)),
            subtitle=subtitle,
        )
    body, found = _filter_lines(lines, title, {title} if title else set())
    fields.published = fields.published or found.published
    fields.source_credit = fields.source_credit or found.source
    fields.byline = fields.byline or found.byline
    return HtmlPage(title, subtitle, [line.text for line in body], fields, meta, "fallback")


_IGNORED_TAGS = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "aside",
        "form",
        "noscript",
        "template",
        "svg",
        "iframe",
        "button",
        "select",
        "textarea",
        "object",
    }
)
# A page header often holds the article's <h1>; everything else ignored also hides titles.
_TITLE_BLOCKING = _IGNORED_TAGS - {"header"}
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr"}
)
_FALLBACK_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "fieldset"}
    | {"figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"}
    | {"header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody"}
    | {"td", "th", "thead", "tfoot", "tr", "ul", "title", "body", "caption"}
)
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Block tags that close an open <p>, as browsers do.
_CLOSES_P = _FALLBACK_BLOCK_TAGS - {"li", "dd", "dt", "td", "th", "tr", "tbody", "thead", "tfoot"}
_META_AUTHOR = ("author",)
_META_OUTLET = ("og:site_name", "source")
_META_DATE = ("article:published_time", "pubdate", "publishdate", "publish_date", "date")


class _Extractor(HTMLParser):
    """Collects <title>, <h1>, <h2> and text blocks, skipping boilerplate containers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.open: Counter[str] = Counter()
        self.ignored = 0
        self.title_blocked = 0
        self.buf: list[str] = []
        self.linked = 0  # non-space characters of link text in buf
        self.blocks: list[tuple[str, _Line]] = []  # (kind, line)
        self.meta: dict[str, str] = {}

    # kind of the text being collected right now
    def _kind(self) -> str:
        if self.open["title"]:
            return "title"
        for heading in ("h1", "h2"):
            if self.open[heading]:
                return heading
        return "p" if self.open["p"] else "other"

    def _visible(self) -> bool:
        if self.ignored == 0:
            return True
        # an <h1>/<title> inside <header> still names the article
        return self.title_blocked == 0 and (self.open["h1"] > 0 or self.open["title"] > 0)

    def _flush(self) -> None:
        if self.buf:
            text = _WS_RE.sub(" ", join_soft_breaks("".join(self.buf))).strip()
            if text:
                solid = len(text) - text.count(" ")
                line = _Line(text, "p", min(1.0, self.linked / solid) if solid else 0.0)
                self.blocks.append((self._kind(), line))
            self.buf = []
            self.linked = 0

    def _push(self, tag: str) -> None:
        self.stack.append(tag)
        self.open[tag] += 1
        if tag in _IGNORED_TAGS:
            self.ignored += 1
        if tag in _TITLE_BLOCKING:
            self.title_blocked += 1

    def _pop_to(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            self.open[top] -= 1
            if top in _IGNORED_TAGS:
                self.ignored -= 1
            if top in _TITLE_BLOCKING:
                self.title_blocked -= 1
            if top == tag:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta(attrs)
        if tag in _VOID_TAGS:
            if tag in ("br", "hr"):
                self._flush()
            return
        if tag in _FALLBACK_BLOCK_TAGS:
            self._flush()
            if tag in _CLOSES_P and self.open["p"]:
                self._pop_to("p")
            if tag in _HEADINGS and self.stack and self.stack[-1] in _HEADINGS:
                self._pop_to(self.stack[-1])  # headings do not nest
        self._push(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS and not self.open[tag]:
            # </h2> closes an open <h1>, as browsers do
            tag = next((t for t in reversed(self.stack) if t in _HEADINGS), tag)
        if not self.open[tag]:
            return  # a stray end tag
        if tag in _FALLBACK_BLOCK_TAGS:
            self._flush()
        self._pop_to(tag)

    def handle_data(self, data: str) -> None:
        if self._visible():
            self.buf.append(data)
            if self.open["a"]:
                self.linked += len(data) - sum(map(len, _WS_RE.findall(data)))

    def parse_html_declaration(self, i: int) -> int:
        # Python < 3.13 raises AssertionError on malformed "<![..." / "<!x [" markup;
        # browsers treat such markup as a bogus comment, and so do we.
        try:
            return super().parse_html_declaration(i)
        except AssertionError:
            end = self.rawdata.find(">", i + 2)
            return -1 if end == -1 else end + 1

    def _meta(self, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v for k, v in attrs if v is not None}
        name = (values.get("name") or values.get("property") or "").lower()
        if name and "content" in values and name not in self.meta:
            self.meta[name] = values["content"]

    def close(self) -> None:
        super().close()
        self._flush()


# Markup that opens a tag, end tag, comment, declaration or processing instruction.
_MARKUP_OPEN_RE = re.compile(r"<[A-Za-z/!?]")


def _drop_unclosed_tail(text: str) -> str:
    """``text`` without markup left open at the end of the file.

    After the last ``>`` no construct can close. Browsers drop such a tail (end of file
    inside a tag or comment shows nothing), while ``html.parser`` of older Pythons (3.11.7
    measured) rescans it from every ``<`` to the end: quadratic, over a minute for a
    100 KB tail of ``<a <a <a``. Text before the first unclosed ``<`` of the tail is kept.
    """
    match = _MARKUP_OPEN_RE.search(text, text.rfind(">") + 1)
    return text if match is None else text[: match.start()]


def _fallback_extract(text: str) -> tuple[str | None, str | None, list[_Line], dict[str, str]]:
    """``(title, subtitle, lines, meta)`` by the small ``html.parser`` extractor.

    The title is the first <h1>, else <title>; paragraphs are the <p> blocks (split at
    <br>), or every text block when the page has no <p>; the subtitle is an <h2> before
    the first paragraph.
    """
    parser = _Extractor()
    try:
        parser.feed(_drop_unclosed_tail(text))
        parser.close()
    except AssertionError:  # another malformed-markup assertion of an older html.parser
        parser._flush()
    blocks = parser.blocks
    first = {kind: next((b.text for k, b in blocks if k == kind), None) for kind in ("title", "h1")}
    title = first["h1"] or first["title"]
    body_kind = "p" if any(k == "p" for k, _ in blocks) else "other"
    lines = [b for k, b in blocks if k == body_kind]
    subtitle = None
    for kind, block in blocks:
        if kind == body_kind:
            break
        if kind == "h2":
            subtitle = block.text
            break
    return title, subtitle, lines, parser.meta


def _first_meta(meta: dict[str, str], names: tuple[str, ...]) -> str:
    return next((meta[n].strip() for n in names if meta.get(n, "").strip()), "")


# ---------------------------------------------------------------- public API


def extract_html(text: str) -> tuple[str | None, str | None, list[str], dict[str, str]]:
    """``(title, subtitle, paragraphs, meta)`` of an HTML page or fragment (see
    :func:`extract_page`); ``meta`` holds the page's meta tags, name -> content."""
    page = extract_page(text)
    return page.title, page.subtitle, page.lines, page.meta


def read_html(text: str) -> list[RawArticle | ReadError]:
    page = extract_page(text)
    fields = page.fields
    fields.outlet = clean(fields.outlet)[0]
    fields.byline = clean(fields.byline)[0]
    fields.source_credit = clean(fields.source_credit)[0]
    return [RawArticle(title=page.title, lines=page.lines, fields=fields, from_markup=True)]
