"""Article metadata found in cleaned text: title prefix, subtitle, dateline and outlet,
reporter, dates, and the header and footer lines around the body.

Every function takes cleaned text (see ``clean.py``) and never changes body text: a
dateline such as ``金華日報消息`` is reported, and stays in its paragraph. Only
:func:`read_header` names lines that leave the body, and only lines that carry nothing
but metadata (``2019-03-05 10:20　来源：新华网``, ``（责任编辑：张三）``).

The publication date is read from the header only -- the first lines, and a dateline
that opens the first paragraph and writes the year -- never from an event the body
mentions: ``新华社北京3月5日电`` has no year, and gives no date.

Cost, measured on 10,000 generated articles (2-15 paragraphs, the header and footer
forms of the tests) on the shared 2-core machine (load average 4-6, two runs):
:func:`read_header` 41-49 µs per article at the median, 74-81 µs at the 99th percentile
(best of 5 runs each); 50-54 µs of CPU time on average. It looks at the first
:data:`HEAD_LINES` and last :data:`TAIL_LINES` lines only, and a line longer than
:data:`MAX_META_CHARS` is body text before any pattern runs: a 1 MB line costs
microseconds. Every repetition in the patterns is bounded.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from g60_reader.corpus import dates
from g60_reader.corpus.clean import HAN

_TITLE_PREFIX_RE = re.compile(r"^\s*(?:原標題|原标题)\s*[:：]\s*")


def strip_title_prefix(title: str) -> str:
    """``原標題：X`` / ``原标题:X`` -> ``X``."""
    return _TITLE_PREFIX_RE.sub("", title, count=1)


# ---------------------------------------------------------------- subtitle

SUBTITLE_MAX_CHARS = 50
_SENTENCE_END_RE = re.compile(r"[。！？!?]")


def is_subtitle(line: str, *, more_lines: bool) -> bool:
    """Whether ``line``, the line right after the title, is a subtitle.

    A subtitle is short, is not a sentence (no 。！？), does not open with a dateline,
    and is followed by at least one more line (an article is never subtitle-only).
    """
    return (
        more_lines
        and 0 < len(line) <= SUBTITLE_MAX_CHARS
        and _SENTENCE_END_RE.search(line) is None
        and find_dateline(line) is None
    )


# ---------------------------------------------------------------- dateline

_DIGIT = "0-9０-９"
_DATELINE_RE = re.compile(
    "^[【\\[]?"
    f"(?P<outlet>[{HAN}A-Za-z0-9]{{1,12}}(?:報|报|社|網|网|台|臺|端|聞|闻|刊|誌|志))"
    "(?P<close>[】\\]])?"
    f"(?P<place>[{HAN}]{{0,6}}?)"
    f"(?P<when>(?:[{_DIGIT}]{{4}}年)?[{_DIGIT}]{{1,2}}月[{_DIGIT}]{{1,2}}日)?"
    "(?P<kind>消息|訊|讯|電|电|報道|报道)"
    # a closing bracket ends it (【新华社北京3月5日电】国务院); else a space or a stop must
    "(?:[】\\]]|(?=[\\s(（:：,，]|$))"
)
# "本報訊" means "this paper reports": it names no outlet.
_SELF_OUTLETS = frozenset({"本報", "本报", "本網", "本网", "本台", "本臺", "本刊"})


@dataclass(frozen=True, slots=True)
class Dateline:
    text: str  # as written, e.g. 金華日報消息 or 新华社北京12月1日电
    outlet: str  # 金華日報; "" for 本報訊 and the like
    place: str = ""
    date_text: str = ""


def find_dateline(paragraph: str) -> Dateline | None:
    """The dateline that opens ``paragraph`` (``金華日報消息``, ``本报讯``,
    ``新华社北京12月1日电``, ``人民網報道``, ``【中央社】2019年3月5日電``), or ``None``."""
    m = _DATELINE_RE.match(paragraph)
    if m is None:
        return None
    outlet = m.group("outlet")
    # 【中央社】2019年3月5日電 is kept as written; 【新华社北京3月5日电】 loses its brackets
    text = m.group() if m.group("close") else m.group().strip("【】[]")
    return Dateline(
        text=text,
        outlet="" if outlet in _SELF_OUTLETS else outlet,
        place=m.group("place"),
        date_text=m.group("when") or "",
    )


# ---------------------------------------------------------------- reporter

_NAME = f"[{HAN}·•]{{2,6}}"
# Bounded repetitions throughout: an unbounded name list or whitespace run lets a long
# line of "記者 長長 長長 ..." backtrack quadratically (a 1 MB line took hours).
_NAMES = f"{_NAME}(?:[ 、,，]{_NAME}){{0,7}}"
_SEP = "\\s{0,4}(?:[:：]\\s{0,4})?"
_REPORTER_RES = (
    # (記者 盛游)  （记者 张三 李四）  (记者:王五 通讯员 赵六)
    re.compile(f"[(（]\\s{{0,4}}(?:記者|记者){_SEP}(?P<name>{_NAMES})\\s{{0,4}}[)）]"),
    # 记者 张三 报道
    re.compile(f"(?:記者|记者){_SEP}(?P<name>{_NAMES})\\s{{0,4}}(?:報道|报道)"),
)
# Other contributors named after the reporter(s): only the reporter names are kept.
_ROLE_RE = re.compile(
    r"[ 、,，]*(?:通訊員|通讯员|實習生|实习生|攝影|摄影|編輯|编辑|見習記者|见习记者)"
)


def find_reporter(texts: Iterable[str]) -> str:
    """The first reporter named in ``texts``: ``(記者 盛游)`` -> ``盛游``."""
    for text in texts:
        if "記者" not in text and "记者" not in text:
            continue
        for pattern in _REPORTER_RES:
            for m in pattern.finditer(text):
                name = _ROLE_RE.split(m.group("name"), maxsplit=1)[0]
                if len(name) >= 2:
                    return name
    return ""


# ---------------------------------------------------------------- dates

_D = f"[{_DIGIT}]"
_DATE_RE = re.compile(
    f"(?:(?P<y>{_D}{{4}})年)?(?P<m>{_D}{{1,2}})月(?P<d>{_D}{{1,2}})日"
    f"(?:(?:至|到|-|—|－|~|～)(?:(?:{_D}{{4}}年)?{_D}{{1,2}}月)?{_D}{{1,2}}日)?"
)
_NUMERIC_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})(?:日|(?=[\sT])|$)"
)
_FULL_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True, slots=True)
class DateMention:
    text: str  # as written: 12月11日至12日
    iso: str | None  # 2019-12-11 when the year is written and the date exists


def _iso(year: str | None, month: str, day: str) -> str | None:
    if year is None:
        return None
    try:
        y, m, d = (int(x.translate(_FULL_DIGITS)) for x in (year, month, day))
        return _dt.date(y, m, d).isoformat()
    except ValueError:
        return None


def find_date(texts: Iterable[str]) -> DateMention | None:
    """The first date written in ``texts`` (``12月11日至12日``), with an ISO date for its
    first day when the year is written too."""
    for text in texts:
        if "月" not in text:
            continue
        m = _DATE_RE.search(text)
        if m:
            return DateMention(m.group(), _iso(m.group("y"), m.group("m"), m.group("d")))
    return None


def iso_date(value: object) -> str | None:
    """The publication day (``yyyy-mm-dd``) of a date value: the day part of
    :func:`g60_reader.corpus.dates.parse_date` (``2019-12-12 10:00:00``, ``2019/12/12``,
    ``2019年12月12日``, epoch seconds or milliseconds). ``None`` when there is no year,
    no valid date, or no plausible one."""
    published = dates.parse_date(value)
    return published[:10] if published else None


# ---------------------------------------------------------------- header and footer

HEAD_LINES = 4  # a header never sits deeper: the date is never read from the body
TAIL_LINES = 3
# A metadata line is short: ``2019/03/05 10:20:30 作者：张三 来源：中国新闻网`` is 35
# characters; the longest seen with editor, page and counter fields stay under 100. A
# longer line is body text, decided before any pattern runs (a 1 MB line costs nothing).
MAX_META_CHARS = 120
_MAX_VALUE_CHARS = 40
_MAX_TITLE_CHARS = 80


def _alternation(words: Iterable[str]) -> str:
    # longest first: 责任编辑 before 编辑, 发布时间 before 时间
    return "|".join(sorted(set(words), key=lambda w: (-len(w), w)))


# What each label says. Simplified and Traditional forms of every word.
_LABEL_KINDS: dict[str, str] = {}
for _kind, _words in {
    "date": "发布时间 發布時間 發佈時間 发布日期 發布日期 發佈日期 发表时间 發表時間 发表日期 "
    "發表日期 发稿时间 發稿時間 刊发时间 刊發時間 刊登日期 出版日期 出版时间 出版時間 "
    "发布于 發布於 發佈於 发表于 發表於 发布 發布 發佈",
    "bare_date": "时间 時間 日期",  # also the event time of a notice: only beside other labels
    "update": "更新时间 更新時間 更新日期 更新於 更新于 修改时间 修改時間 最后更新 最後更新",
    "source": "来源 來源 稿源 出处 出處 文章来源 文章來源 新闻来源 新聞來源 信息来源 信息來源 "
    "资料来源 資料來源 本文来源 本文來源 消息来源 消息來源 稿件来源 稿件來源 内容来源 "
    "內容來源 来自 來自 转载自 轉載自 转自 轉自 本文转自 本文轉自 本文转载自 本文轉載自 "
    "转载于 轉載於 转载来源 轉載來源",
    "author": "作者 撰文 撰稿 记者 記者 本报记者 本報記者 本台记者 本台記者 本网记者 本網記者 "
    "特约记者 特約記者 见习记者 見習記者 实习记者 實習記者 文",
    # contributors and staff: metadata, not the byline
    "staff": "通讯员 通訊員 实习生 實習生 摄影 攝影 摄像 攝像 图 圖 图片 圖片 图文 圖文 视频 "
    "視頻 制图 製圖 翻译 翻譯 编译 編譯 责任编辑 責任編輯 责编 責編 编辑 編輯 校对 校對 "
    "审核 審核 审校 審校 签发 簽發 监制 監製 主编 主編 值班编辑 值班編輯 实习编辑 "
    "實習編輯 美编 美編 编审 編審 初审 初審 复审 複審 终审 終審 统筹 統籌 策划 策劃 "
    "出品 出品人 制作 製作",
    "noise": "字号 字號 浏览次数 瀏覽次數 浏览 瀏覽 阅读量 閱讀量 阅读 閱讀 点击数 點擊數 "
    "点击量 點擊量 点击 點擊 分享到 分享 评论 評論 访问量 訪問量 人气 人氣",
    "title": "原标题 原標題",
}.items():
    for _word in _words.split():
        _LABEL_KINDS[_word] = _kind
# Labels that may be followed by a space instead of a colon (记者 张三), and those whose
# colon is often left out (转载自澎湃新闻).
_SPACE_LABELS = [w for w, k in _LABEL_KINDS.items() if k == "author" and w != "文"]
_SPACE_LABELS += "责任编辑 責任編輯 责编 責編 编辑 編輯 摄影 攝影 通讯员 通訊員".split()
_OPEN_LABELS = "转载自 轉載自 本文转载自 本文轉載自 本文转自 本文轉自 转载于 轉載於".split()
_DATED_LABELS = [w for w, k in _LABEL_KINDS.items() if k in ("date", "update")]
_REPRINT_LABELS = frozenset([*_OPEN_LABELS, "转自", "轉自", "转载来源", "轉載來源"])
_LABEL_RE = re.compile(
    f"(?P<open>{_alternation(_OPEN_LABELS)})\\s{{0,2}}[:：]?\\s{{0,2}}"
    f"|(?P<colon>{_alternation(_LABEL_KINDS)})\\s{{0,2}}[:：]\\s{{0,2}}"
    "|(?P<slash>文)\\s{0,2}[/／|｜]\\s{0,2}"
    # 发布于 2019-03-05, 发布时间 2019-03-05: a date label needs no colon before a date
    f"|(?P<dated>{_alternation(_DATED_LABELS)})\\s{{0,2}}(?=[0-9０-９{dates.CN_YEAR_DIGITS}])"
    f"|(?P<space>{_alternation(_SPACE_LABELS)})\\s(?=[{HAN}A-Za-z])"
)

# What may surround values: spaces, separators, brackets.
_EDGE = " \t\u3000\xa0|｜丨/／·•\\-—_,，、;；:：【】[]()（）《》<>〈〉"
_SENTENCE_RE = re.compile("[。！？!?；;]")
_VALUE_RE = re.compile(f"[{HAN}A-Za-z0-9·•.&'’“”\"「」『』 \\-—_()（）]{{1,{_MAX_VALUE_CHARS}}}")
_NAME_TOKEN_RE = re.compile(f"[{HAN}A-Za-z·•.'’\\-]{{1,20}}")
_NAME_SPLIT_RE = re.compile(r"[\s、,，/／;；]+")
_REPORTED_RE = re.compile("\\s?(?:報道|报道|報導|报导)$")
_PHOTO_RE = re.compile("\\s?(?:摄影|攝影|摄|攝)$")  # 新华社记者 张三 摄: a photographer
_OUTLET_SUFFIX = (
    "報|报|社|網|网|台|臺|端|聞|闻|刊|誌|志|號|号|在线|在線|頻道|频道|週末|周末|財經|财经"
)
_OUTLET_RE = re.compile(
    f"[{HAN}A-Za-z0-9·\\-]{{1,18}}(?:{_OUTLET_SUFFIX})|[A-Za-z][A-Za-z .&'\\-]{{1,30}}"
)
_BRACKETED_RE = re.compile(f"[【《\\[]\\s?([{HAN}A-Za-z0-9·\\-]{{2,20}})\\s?[】》\\]]")
# 人民日报's print edition: 《 人民日报 》（ 2019年03月05日 第 04 版）
_PAGE_RE = re.compile("第\\s?[0-9一二三四五六七八九十]{1,4}\\s?版")


@dataclass(slots=True)
class Header:
    """Metadata read from the lines around the body (see :func:`read_header`)."""

    published: str | None = None
    outlet: str = ""
    byline: str = ""
    source_credit: str = ""
    drop: frozenset[int] = frozenset()  # indices of lines that only carry metadata
    dateline: str = ""  # a dateline that stood on a line of its own (【中央社】2019年3月5日電)


@dataclass(slots=True)
class _LineMeta:
    """What one metadata line says."""

    published: str | None = None  # from a 发布时间-type label
    dated: str | None = None  # from a bare date written in the line
    outlets: list[str] | None = None  # named without a label: 【中央社】, 人民网 after a date
    sources: list[str] | None = None  # 来源, 转载自 values: the source credit
    outlet_source: str = ""  # a 来源 value (not 转载自): the outlet when nothing else names it
    byline: str = ""


def _strip(value: str) -> str:
    return value.strip(_EDGE)


def _outlet_name(text: str) -> str | None:
    """An outlet named without a label: ``人民网``, ``《人民日报》``, ``【中央社】``."""
    m = _BRACKETED_RE.fullmatch(text.strip(" -—|｜"))
    if m is not None:
        return m.group(1)
    text = _strip(text)
    return text if text and _OUTLET_RE.fullmatch(text) else None


def _names(value: str) -> str | None:
    """The byline of an author label's value (``张三 李四``, ``张三、李四``), ``""`` when
    empty, ``None`` when it is no list of names (``记者：请问……？`` in an interview)."""
    value = _strip(value)
    photo = _PHOTO_RE.search(value) is not None
    value = _strip(_PHOTO_RE.sub("", _REPORTED_RE.sub("", value)))
    if not value:
        return ""
    tokens = _NAME_SPLIT_RE.split(value)
    if len(tokens) > 6 or not all(_NAME_TOKEN_RE.fullmatch(t) for t in tokens):
        return None
    return "" if photo else value


def _source(value: str) -> str | None:
    value = _strip(value)
    if not value:
        return ""
    return value if _VALUE_RE.fullmatch(value) else None


def _rest_ok(rest: str, meta: _LineMeta) -> bool:
    """Text after a date in a header line: nothing, an outlet, a page, a weekday."""
    rest = _strip(_PAGE_RE.sub("", rest))
    if not rest:
        return True
    outlet = _outlet_name(rest)
    if outlet is None:
        return False
    meta.outlets = [*(meta.outlets or []), outlet]
    return True


def _meta_line(line: str, *, head: bool, today: _dt.date | None) -> _LineMeta | None:
    """What ``line`` says when it only carries metadata, else ``None``.

    A metadata line is made of labelled fields (``来源：新华网``, ``作者：张三``,
    ``（责任编辑：张三）``), dates (head lines only), and outlets named beside a date.
    Anything else in it -- a sentence, a name list that is no list of names -- makes it
    body text.
    """
    if len(line) > MAX_META_CHARS or _SENTENCE_RE.search(line):
        return None
    tokens = dates.find_date_tokens(line, today=today)
    if tokens and not head:
        return None  # a date at the end is the body's (a notice's signature)
    labels = [m for m in _LABEL_RE.finditer(line) if not _inside(m.start(), tokens)]
    if not labels and not tokens:
        return None
    anchors: list[tuple[int, int, str, str | None]] = [
        (t.start, t.end, "date_token", t.iso) for t in tokens
    ]
    for m in labels:
        word = m.group("open") or m.group("colon") or m.group("slash") or m.group("space")
        word = word or m.group("dated")
        kind = "source" if m.group("open") else _LABEL_KINDS[word]
        if kind == "source" and word in _REPRINT_LABELS:
            kind = "reprint"
        anchors.append((m.start(), m.end(), kind, None))
    anchors.sort()

    meta = _LineMeta()
    kinds = {kind for _s, _e, kind, _iso in anchors}
    if kinds <= {"bare_date", "date_token"} and "bare_date" in kinds:
        return None  # 时间：3月5日 地点：…: the event of a notice, not a header
    lead = line[: anchors[0][0]]
    if _strip(lead):
        outlet = _outlet_name(lead)
        # an outlet before a date (人民网 2019年03月05日) or a reporter (新华社记者 张三)
        if outlet is None or anchors[0][2] not in ("date_token", "author"):
            return None
        meta.outlets = [outlet]
    skip_next_date = False
    for i, (_start, end, kind, iso) in enumerate(anchors):
        value = line[end : anchors[i + 1][0] if i + 1 < len(anchors) else len(line)]
        if kind == "date_token":
            if skip_next_date:
                skip_next_date = False
            elif meta.dated is None:
                meta.dated = iso
            if not _rest_ok(value, meta):
                return None
            continue
        skip_next_date = False
        if kind in ("date", "bare_date", "update"):
            if not _strip(value) and i + 1 < len(anchors) and anchors[i + 1][2] == "date_token":
                if kind != "update" and meta.published is None:
                    meta.published = anchors[i + 1][3]
                skip_next_date = True  # this date is the label's, not a bare one
            elif len(_strip(value)) > 20:
                return None
        elif kind in ("source", "reprint"):
            found = _source(value)
            if found is None:
                return None
            if found:
                meta.sources = [*(meta.sources or []), found]
                if kind == "source" and not meta.outlet_source:
                    meta.outlet_source = found
        elif kind == "author":
            names = _names(value)
            if names is None:
                return None
            if _PHOTO_RE.search(_strip(value)):
                meta.outlets = None  # 新华社记者 张三 摄: whose photo, not who published
            meta.byline = meta.byline or names
        elif kind == "title":
            if len(value) > _MAX_TITLE_CHARS:
                return None
        elif len(_strip(value)) > _MAX_VALUE_CHARS:  # staff, noise
            return None
    return meta


def _inside(pos: int, tokens: list[dates.DateToken]) -> bool:
    return any(t.start <= pos < t.end for t in tokens)


def _body_like(line: str) -> bool:
    return len(line) > SUBTITLE_MAX_CHARS or _SENTENCE_END_RE.search(line) is not None


def read_header(lines: list[str], *, today: _dt.date | None = None) -> Header:
    """Metadata of the cleaned body lines (after the title): the publication date, the
    outlet, the byline and the source credit written in the lines around the body, and
    the indices of the lines that carry nothing else (they leave the body).

    Read from the first :data:`HEAD_LINES` lines down to the first paragraph (``2019-03-05
    10:20　来源：新华网``, ``发布时间：2019-03-05 来源：新华社``, ``2019年3月5日　人民网``,
    ``作者：张三``), from a dateline that opens the first paragraph when it writes the
    year (``【中央社】2019年3月5日電``; ``新华社北京3月5日电`` gives no date), and from
    the last :data:`TAIL_LINES` lines up to the last paragraph (``（责任编辑：张三）``,
    ``（来源：人民日报）``, ``转载自澎湃新闻``, ``（原标题：…）``; dates there are not read).

    The outlet is one named beside the date or in brackets, else the dateline's, else the
    来源 of a header line (a bare 来源 there names both who published the copy and where it
    came from; a 来源 at the end or a 转载自 names only the origin); the source credit is
    the first 来源 or 转载自. An editor is never the byline. A dateline that opens a
    paragraph stays in it (``新华社北京3月5日电 国务院…``); a line that is only a
    dateline leaves the body like the other metadata lines (its text is kept in
    ``Header.dateline``).
    """
    drop: set[int] = set()
    published = dated = dateline_date = None
    outlets: list[str] = []
    sources: list[str] = []
    head_source = ""
    byline = ""
    dateline_outlet = ""
    dateline_seen = False
    dateline_line = ""

    def take(meta: _LineMeta, *, head: bool) -> None:
        nonlocal published, dated, byline, head_source
        if head:
            head_source = head_source or meta.outlet_source
        published = published or meta.published
        dated = dated or meta.dated
        outlets.extend(meta.outlets or ())
        sources.extend(meta.sources or ())
        byline = byline or meta.byline

    head_end = min(HEAD_LINES, len(lines))
    for i in range(head_end):
        line = lines[i]
        meta = _meta_line(line, head=True, today=today)
        if meta is not None:
            drop.add(i)
            take(meta, head=True)
            continue
        if not dateline_seen:
            found = find_dateline(line)
            if found is not None:
                dateline_seen = True
                dateline_outlet = found.outlet
                if _only_dateline(line, found):
                    drop.add(i)
                    dateline_line = found.text
                if found.date_text:
                    token = dates.find_date_token(found.date_text, today=today)
                    full = token is not None and token.end == len(found.date_text)
                    dateline_date = token.iso if full and token else None
        if _body_like(line):
            head_end = i
            break
    for i in range(len(lines) - 1, max(len(lines) - 1 - TAIL_LINES, head_end - 1), -1):
        if i in drop:
            continue
        meta = _meta_line(lines[i], head=False, today=today)
        if meta is not None:
            drop.add(i)
            take(meta, head=False)
        elif _body_like(lines[i]):
            break
    return Header(
        published=published or dated or dateline_date,
        outlet=(outlets[0] if outlets else "") or dateline_outlet or head_source,
        byline=byline,
        source_credit=sources[0] if sources else "",
        drop=frozenset(drop),
        dateline=dateline_line,
    )


def _only_dateline(line: str, found: Dateline) -> bool:
    """Whether ``line`` holds nothing but the dateline (brackets and spaces aside)."""
    rest = line.strip().strip("【】[]").replace(found.text.strip("【】[]"), "", 1)
    return not rest.strip(" 　【】[]:：")


def date_from_path(path: str, *, today: _dt.date | None = None) -> str | None:
    """A publication day written in the file name or in the site folders above it
    (``20190305_xxx.txt``, ``2019-03-05-title.html``, ``news/2019/03/05/123.txt``), or
    ``None``; see :func:`g60_reader.corpus.dates.date_from_path` for what is not read."""
    return dates.date_from_path(path, today=today)
