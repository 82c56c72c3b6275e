"""Repairing the lines of scraped text before cleaning: escapes, walls, furniture.

Real folders of scraped news hold damage that ``clean`` (one line at a time) cannot
see, because it is about where lines begin and end and which lines belong to the
article. Four steps repair it:

1. :func:`unescape_literals` -- dumps that were escaped twice hold the two characters
   ``\\n`` where a line break was, ``\\u3000`` where an ideographic space was, and
   ``\\"`` for a quote; users saw ``\\n`` in hits and in the reader. Decoding every
   backslash would break legitimate text (a path ``C:\\new\\table``, LaTeX, a tutorial
   that writes ``用\\n表示换行``), so an escape is only *evidence* when a CJK character
   stands next to it (or it encodes one), and an article is only decoded when the
   evidence is unmistakable: one *strong* break (``。\\n``, ``\\n\\n``, ``\\r\\n``,
   ``\\n\\u3000``) or three pieces of evidence. Then every escape of the lines that
   hold evidence is decoded; a line that is a whole JSON string literal (the outer
   quotes of ``json.dumps(json.dumps(text))``) is decoded by :func:`json.loads`. An
   escaped backslash ``\\\\`` is read as one token, so ``C:\\\\new`` never yields a
   break. Space entities (``&nbsp;``) are decoded everywhere, the other HTML entities
   in text that did not come from markup.
2. :func:`split_walls` -- paragraphs flattened onto one line (up to 30,000 characters
   in the results list). A line is split at a run of two or more blanks (space, tab,
   U+00A0, U+3000) after a sentence end or a closing mark (``。　　``, ``。 　　``,
   ``”  ``), and, in a line longer than :data:`WALL_MIN` characters, at every
   ideographic indent (``　　``, or one blank after a sentence end and before Chinese
   text: HTML extraction collapses ``　　`` to one space) and every run of two or more
   blanks next to a CJK character. Shorter lines keep their inner indents:
   ``2019-03-05　　来源：新华网`` and ``（记者　　张三）`` stay whole.
3. :func:`split_long` -- a paragraph still over :data:`LONG_LIMIT` characters is cut
   into chunks of about :data:`CHUNK_MIN`-:data:`CHUNK_MAX` characters at sentence ends
   (``。！？!?`` and the closing quotes after them); a single sentence over the limit is
   cut at ``；;`` then ``，,``, and only as the last resort at :data:`CHUNK_MAX`
   characters (at a space when one is near). People's Daily, January 1998
   (``tests/bench/pd1998.py``, 19,484 paragraphs) is the reference: paragraph length
   p50 72, p90 213, p99 443, p99.9 691, max 1,019 characters; sentence length p50 35,
   p99 142, p99.9 251. 600 leaves 99.7 % of its paragraphs whole (54 are cut) while a
   hit never shows more than 600 characters.
4. :func:`drop_furniture` -- share bars, print/close buttons, "previous/next article",
   related-news lists, copyright and ICP lines, platform disclaimers, script residue.
   Only in the *head* (before the first body line: one with ``。`` or over 60
   characters that is not furniture) and the *tail* (after the last body line), or as a
   whole block in the middle (a related-news heading with at least two title lines
   after it, or two furniture lines in a row): a body sentence that merely contains
   分享 stays. Lines are matched whole, after folding to Simplified, so both scripts
   are caught. For lines from markup (``from_markup=True``: the HTML extractor already
   dropped the page chrome) only the unmistakable kinds go, and only at head and tail.
   Metadata lines (dates, 来源, 作者, 责任编辑) are never dropped: ``read_header``
   reads them after cleaning.

:func:`repair_lines` composes the steps and repeats them until nothing changes (two
rounds at most in practice, four at the very most), which makes it idempotent: a split
can expose a line that is a JSON literal, a decoded ``\\\\n`` can become evidence.

Cost. Every pattern has bounded repetitions or opens with a character class, so time is
linear in the input. Each step first asks the whole article one cheap question (a
backslash or ``&``? two blanks inside a line, or one after a sentence end? a line over
the limit?) and the furniture pass looks at five lines or so (head and tail), each
through a gate that folds and matches only lines opening with a furniture word or
holding one (0.6 % of People's Daily paragraphs pass it).
Measured in CPU time on this 2-core machine while other jobs kept it loaded (load
average 3-7, so figures moved by a quarter between runs), on 10,000 articles of People's
Daily paragraphs (4-12 each, title and metadata lines, one in five in Traditional, one
in ten damaged): 27-33 us per article on average; the 90 % that need nothing 21-26 us
(p50 17-21 us), about a third of what ``clean`` costs on the same lines in the same run
(70-78 us); with furniture 100-130 us, a wall 53-66 us, an escaped dump 80-100 us. The
first call also builds the furniture gate (three OpenCC configurations): 0.15 s once
per process. Hostile lines of 1 MB: ideographic spaces 0.12 s, ASCII spaces 0.04 s, no
sentence end 0.09 s, ``，`` 0.17 s, backslashes 0.11 s; ``中\\n`` repeated 1.35 s and
``。`` plus a space 0.6 s (they become 333,333 and 500,000 lines).
"""

from __future__ import annotations

import html
import json
import re
from functools import cache

import opencc

from g60_reader.corpus.clean import HAN
from g60_reader.corpus.fold import fold

__all__ = [
    "CHUNK_MAX",
    "CHUNK_MIN",
    "LONG_LIMIT",
    "WALL_MIN",
    "drop_furniture",
    "furniture_kind",
    "repair_lines",
    "split_long",
    "split_walls",
    "unescape_literals",
]

WALL_MIN = 200  # a line longer than this (about p90 of a real paragraph) may be a wall
LONG_LIMIT = 600  # no returned line is longer than this
CHUNK_MIN = 150  # a chunk of a long paragraph is at least this long when it can be
CHUNK_MAX = 400  # ... and at most this long when its sentences allow
MAX_ROUNDS = 4

# CJK characters and the punctuation that surrounds Chinese text (full-width forms,
# CJK symbols, curly quotes, ellipsis, em dash, middle dot).
CJK = HAN + "\u3000-\u303f\uff00-\uffef\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_CJK_RE = re.compile(f"[{CJK}]")
# What ends a paragraph written in Chinese: sentence ends and closing marks (not ：or
# ；: a tutorial writes 换行符是：\n, a metadata line 来源：　　新华社).
_PARA_END = "。！？…”’」』）】》"


def _is_cjk(ch: str) -> bool:
    return bool(ch) and _CJK_RE.match(ch) is not None


def _split_breaks(text: str) -> list[str]:
    return re.split(r"\r\n|[\r\n]", text)


# ---------------------------------------------------------------- 1. escapes

# One escape token; ``\\\\`` first so an escaped backslash is never read as the start of
# ``\\n`` (parity is kept by reading left to right).
_ESC_RE = re.compile(r"\\(?:(\\)|(r\\n|[nrt])|u([0-9A-Fa-f]{4})|([\"/]))")
# Where evidence can be: an escape touching a CJK character, or a \\u escape. A line
# without any is never decoded, so it is not tokenised (no repetition: the first escape
# of a run touches its left neighbour, the last one its right neighbour).
_MAYBE_EVIDENCE_RE = re.compile(
    f'[{CJK}]\\\\(?:r\\\\n|[nrt"])|\\\\(?:r\\\\n|[nrt"])[{CJK}]|\\\\u[0-9A-Fa-f]{{4}}'
)
_ENTITY_RE = re.compile(r"&(?:amp;)?(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACE_ENTITIES = {
    "nbsp": "\xa0",
    "#160": "\xa0",
    "#xa0": "\xa0",
    "ensp": "\u2002",
    "emsp": "\u2003",
    "thinsp": "\u2009",
    "#12288": "\u3000",
    "#x3000": "\u3000",
}

_BS, _BRK, _U, _Q = 0, 1, 2, 3


class _Token:
    """One escape (or a run of break escapes) found in a line."""

    __slots__ = ("count", "end", "evidence", "kind", "start", "strong", "value")

    def __init__(self, start: int, end: int, kind: int, value: str | None) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.value = value  # the decoded text; None: cannot be decoded (lone surrogate)
        self.count = 1  # escapes in a break run; the code point of a \\u escape
        self.evidence = False
        self.strong = False


def _tokens(line: str) -> list[_Token]:
    toks: list[_Token] = []
    for m in _ESC_RE.finditer(line):
        start, end = m.span()
        prev = toks[-1] if toks else None
        if m.group(1):
            toks.append(_Token(start, end, _BS, "\\"))
        elif m.group(2):
            value = (
                "\r\n" if m.group(2) == "r\\n" else {"n": "\n", "r": "\r", "t": "\t"}[m.group(2)]
            )
            if prev is not None and prev.kind == _BRK and prev.end == start:
                prev.end = end
                prev.value = (prev.value or "") + value
                prev.count += 2 if value == "\r\n" else 1
            else:
                tok = _Token(start, end, _BRK, value)
                tok.count = 2 if value == "\r\n" else 1
                toks.append(tok)
        elif m.group(3):
            cp = int(m.group(3), 16)
            if (
                0xDC00 <= cp <= 0xDFFF
                and prev is not None
                and prev.kind == _U
                and prev.end == start
                and 0xD800 <= prev.count <= 0xDBFF
            ):  # the low half of a surrogate pair: one character with the high half
                prev.end = end
                prev.value = chr(0x10000 + ((prev.count - 0xD800) << 10) + (cp - 0xDC00))
                prev.count = 1
                continue
            tok = _Token(start, end, _U, None if 0xD800 <= cp <= 0xDFFF or cp == 0x5C else chr(cp))
            tok.count = cp  # for a \\u escape: its code point (a high surrogate waits)
            toks.append(tok)
        else:
            toks.append(_Token(start, end, _Q, m.group(4)))
    return toks


def _weigh(line: str, toks: list[_Token]) -> None:
    """Mark each token that is evidence of double escaping, and the strong ones."""
    for k, tok in enumerate(toks):
        if tok.kind == _U:
            tok.evidence = tok.value is not None and _is_cjk(tok.value)
            continue
        if tok.kind == _BS or tok.value == "/":
            continue
        before = toks[k - 1] if k else None
        after = toks[k + 1] if k + 1 < len(toks) else None
        if before is not None and before.end == tok.start and before.value:
            left = before.value[-1]
        else:
            left = line[tok.start - 1] if tok.start else ""
        if after is not None and after.start == tok.end and after.value:
            right = after.value[0]
        else:
            right = line[tok.end] if tok.end < len(line) else ""
        tok.evidence = _is_cjk(left) or _is_cjk(right)
        if tok.kind == _BRK and tok.evidence:
            tok.strong = tok.count >= 2 or (left != "" and left in _PARA_END) or right == "\u3000"


def _decode_entities(line: str, *, all_entities: bool) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        space = _SPACE_ENTITIES.get(name.lower())
        if space is not None:
            return space
        if not all_entities:
            return m.group()
        if name.startswith("#"):
            cp = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            ok = 0x20 <= cp <= 0x10FFFF and cp != 0x5C and not (0xD800 <= cp <= 0xDFFF)
            return chr(cp) if ok and not 0x7F <= cp <= 0x9F else m.group()
        entity = f"&{name};"
        out = html.unescape(entity)
        return m.group() if out == entity or "\\" in out else out

    return _ENTITY_RE.sub(one, line)


def _json_literal(line: str) -> str | None:
    text = line.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def _decode_all(line: str, toks: list[_Token]) -> str:
    pieces: list[str] = []
    last = 0
    for tok in toks:
        if tok.value is None:
            continue
        pieces.append(line[last : tok.start])
        pieces.append(tok.value)
        last = tok.end
    pieces.append(line[last:])
    return "".join(pieces)


def unescape_literals(lines: list[str], *, from_markup: bool = False) -> list[str]:
    """Literal escapes of twice-escaped dumps decoded, and the lines split at the breaks.

    Evidence, counted over the whole article: a run of break escapes (``\\n``, ``\\r\\n``,
    ``\\r``, ``\\t``) or an escaped quote ``\\"`` with a CJK character on one side, and a
    ``\\uXXXX`` escape of a CJK character. A break run is *strong* after a sentence end or
    closing mark, before an ideographic space, or when it is two escapes long. With one
    strong piece or three pieces of evidence, every escape of each line that holds
    evidence is decoded (``\\"``, ``\\/``, ``\\\\``, any ``\\uXXXX`` but a lone surrogate);
    a line that is a whole JSON string literal goes through :func:`json.loads`. Without,
    nothing is decoded: ``用\\n表示换行`` in a tutorial and ``C:\\new\\table`` stay.
    Real line breaks inside a line also split it. Space entities (``&nbsp;``, ``&#12288;``)
    become their characters; other HTML entities too unless ``from_markup``.
    """
    joined = "\n".join(lines)
    if (  # the common case: nothing to decode, no break inside a line
        "\\" not in joined
        and "&" not in joined
        and "\r" not in joined
        and joined.count("\n") == len(lines) - 1
    ):
        return list(lines)
    out: list[str] = []
    scans: list[tuple[int, list[_Token]]] = []
    evidence = strong = 0
    for line in lines:
        if "&" in line and ";" in line:
            line = _decode_entities(line, all_entities=not from_markup)
        if "\\" in line and _MAYBE_EVIDENCE_RE.search(line) is not None:
            toks = _tokens(line)
            if toks:
                _weigh(line, toks)
                evidence += sum(t.evidence for t in toks)
                strong += sum(t.strong for t in toks)
                scans.append((len(out), toks))
        out.append(line)
    if scans and (strong or evidence >= 3):
        for index, toks in scans:
            if not any(t.evidence for t in toks):
                continue
            line = out[index]
            decoded = _json_literal(line)
            out[index] = decoded if decoded is not None else _decode_all(line, toks)
    if not any("\n" in line or "\r" in line for line in out):
        return out
    return [part for line in out for part in _split_breaks(line)]


# ---------------------------------------------------------------- 2. walls

_BLANK = " \t\xa0\u3000"
# A run of blanks, at most 64 at a time (the pattern opens with a character
# class, so the engine skips ahead to blanks; a match that does not start a run is the
# rest of a longer one and is passed over).
_GAP_RE = re.compile(f"[{_BLANK}]{{1,64}}")
# Two blanks that do not open a line, or one blank after a sentence end: without
# either, no line of the article is a wall. (A character class comes first so
# that the engine skips ahead to blanks.)
_SENTENCE_CLOSE = "。！？”」』"
_INNER_GAP_RE = re.compile(
    f"[{_BLANK}](?:(?<=[^\n{_BLANK}][{_BLANK}])[{_BLANK}]|(?<=[{_SENTENCE_CLOSE}][{_BLANK}]))"
)
_END_GAP_RE = re.compile(f"[{_PARA_END}][{_BLANK}]{{2}}")


def _wall_pieces(line: str) -> list[str] | None:
    long_line = len(line) > WALL_MIN
    cuts: list[tuple[int, int]] = []
    for m in _GAP_RE.finditer(line):
        start, end = m.span()
        if start == 0 or end >= len(line):  # an indent or trailing blanks
            continue
        left, right = line[start - 1], line[end]
        if left in _BLANK or right in _BLANK:  # inside a run longer than 64
            continue
        if end - start == 1:  # one blank after a sentence: an indent, or a collapsed one
            if long_line and left in _SENTENCE_CLOSE and (m.group() == "\u3000" or _is_cjk(right)):
                cuts.append((start, end))
            continue
        if left in _PARA_END or (
            long_line and ("\u3000\u3000" in m.group() or _is_cjk(left) or _is_cjk(right))
        ):
            cuts.append((start, end))
    if not cuts:
        return None
    pieces: list[str] = []
    last = 0
    for start, end in cuts:
        pieces.append(line[last:start])
        last = end
    pieces.append(line[last:])
    return [p.strip(_BLANK) for p in pieces if p.strip(_BLANK)]


def split_walls(lines: list[str]) -> list[str]:
    """Paragraphs flattened onto one line, split at their indents and blank runs.

    A run of two or more blanks (space, tab, U+00A0, U+3000) splits the line when it
    follows a sentence end or closing mark (``。　　第二段``), and in a line longer than
    :data:`WALL_MIN` also when it holds an ideographic indent (``　　``) or touches a CJK
    character, and at a single blank after a sentence end (``。　第二段``; ``。 第二段``
    as HTML extraction and ``" ".join`` leave it: Chinese never spaces after 。).
    The blanks at the split go; every other character stays.
    """
    if _INNER_GAP_RE.search("\n".join(lines)) is None:  # the common case
        return list(lines)
    out: list[str] = []
    for line in lines:
        if len(line) <= WALL_MIN and _END_GAP_RE.search(line) is None:
            out.append(line)
            continue
        pieces = _wall_pieces(line)
        if pieces is None:
            out.append(line)
        else:
            out.extend(pieces)
    return out


# ---------------------------------------------------------------- 3. long paragraphs

_SENTENCE_END_RE = re.compile(r"[。！？!?]{1,8}[”’」』）)】》]{0,4}")
_CLAUSE_RES = (re.compile(r"[；;]{1,4}"), re.compile(r"[，,]{1,4}"))
_WORD_CHAR_RE = re.compile(r"[A-Za-z0-9]")


def _cut_after(text: str, pattern: re.Pattern[str]) -> list[str]:
    pieces: list[str] = []
    last = 0
    for m in pattern.finditer(text):
        pieces.append(text[last : m.end()])
        last = m.end()
    if last < len(text):
        pieces.append(text[last:])
    return pieces


def _hard_cut(text: str) -> list[str]:
    """Cut every :data:`CHUNK_MAX` characters, at a space or word edge when one is near."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > LONG_LIMIT:
        cut = start + CHUNK_MAX
        space = text.rfind(" ", cut - 40, cut)
        if space > start:
            cut = space + 1
        else:
            back = cut
            while (
                back > cut - 20
                and _WORD_CHAR_RE.match(text[back - 1])
                and _WORD_CHAR_RE.match(text[back])
            ):
                back -= 1
            if back > cut - 20:
                cut = back
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _pieces(text: str, level: int = 0) -> list[str]:
    """``text`` cut at the marks of ``level`` and finer, each piece at most LONG_LIMIT."""
    if len(text) <= LONG_LIMIT:
        return [text]
    if level > len(_CLAUSE_RES):
        return _hard_cut(text)
    pattern = _SENTENCE_END_RE if level == 0 else _CLAUSE_RES[level - 1]
    out: list[str] = []
    for piece in _cut_after(text, pattern):
        out.extend(_pieces(piece, level + 1) if len(piece) > LONG_LIMIT else [piece])
    return out


def _pack(pieces: list[str]) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        over_max = size + len(piece) > CHUNK_MAX and size >= CHUNK_MIN
        if current and (over_max or size + len(piece) > LONG_LIMIT):
            chunks.append("".join(current))
            current, size = [], 0
        current.append(piece)
        size += len(piece)
    if current:
        last = "".join(current)
        if chunks and len(last) < CHUNK_MIN and len(chunks[-1]) + len(last) <= LONG_LIMIT:
            chunks[-1] += last
        else:
            chunks.append(last)
    return chunks


def split_long(lines: list[str]) -> list[str]:
    """Lines over :data:`LONG_LIMIT` characters cut into readable chunks.

    Chunks of :data:`CHUNK_MIN` to :data:`CHUNK_MAX` characters are packed from whole
    sentences (``。！？!?`` and the closing quotes after them); a sentence over the limit
    is cut at ``；;``, then ``，,``, then every :data:`CHUNK_MAX` characters. Joined,
    the chunks are the line again but for blanks at their edges; none is over the limit.
    """
    if not lines or max(map(len, lines)) <= LONG_LIMIT:
        return list(lines)
    out: list[str] = []
    for line in lines:
        if len(line) <= LONG_LIMIT:
            out.append(line)
            continue
        for chunk in _pack(_pieces(line.strip(_BLANK))):
            chunk = chunk.strip(_BLANK)
            if chunk:
                out.append(chunk)
    return out


# ---------------------------------------------------------------- 4. furniture

STRICT, LENIENT, HEADING = "strict", "lenient", "heading"

_PLATFORM = (
    r"(?:微信好友|微信朋友圈|微信|朋友圈|新浪微博|腾讯微博|微博|QQ空间|QQ好友|QQ|人人网|"
    r"开心网|豆瓣网?|百度贴吧|贴吧|网易微博|搜狐微博|易信|钉钉|抖音|今日头条|头条|领英|"
    r"LinkedIn|Facebook|Twitter|WhatsApp|Telegram|Line|LINE|Email|E-mail|邮件|邮箱|"
    r"复制链接|复制网址|二维码|更多|分享)"
)
_SEP = r"[\s,，、|｜/·•:：]"
_RELATED = (
    r"(?:相关新闻|相关阅读|相关文章|相关报道|相关链接|相关稿件|相关专题|相关资讯|相关推荐|"
    r"延伸阅读|扩展阅读|推荐阅读|热点推荐|热门推荐|热门文章|热门新闻|热点新闻|热点文章|"
    r"精彩推荐|精彩阅读|精彩图片|猜你喜欢|为你推荐|为您推荐|今日推荐|编辑推荐|更多精彩|"
    r"更多新闻|更多阅读|往期回顾|往期精彩|图片新闻|最新新闻|最新文章|24小时热门|排行榜)"
)
_TOOL_WORDS = frozenset(
    """打印 打印本页 打印此页 打印此文 打印文章 打印本文 列印 关闭 关闭窗口 关闭本页 关闭视窗
    关闭页面 收藏 收藏本文 收藏此文 加入收藏 字号 字体 大 中 小 默认 放大 缩小 纠错 我要纠错
    纠错/举报 返回顶部 顶部 回到顶部 返回 推荐 推荐给朋友 评论 我要评论 发表评论 查看评论
    评论区 点赞 赞 举报 反馈 举报/反馈 复制链接 分享 分享到 分享至 转发 转发到 手机看新闻
    手机看 电脑版 手机版 客户端 下载客户端 下载APP APP 打开APP 订阅 关注 取消 登录 注册
    退出 编辑 上一页 下一页 首页 尾页 末页 全文 查看全文 阅读全文 展开全文 收起""".split()
)
_TOOL_SPLIT_RE = re.compile(r"[\s【】\[\]（）()|｜、·•:：>》<《»«]+")
_MENU_SPLIT_RE = re.compile(r"\s*[|｜]\s*")
_STRICT_RES = [
    re.compile(p)
    for p in (
        rf"(?:一键)?(?:分享到|分享至|分享给|转发到|分享)\s{{0,4}}[:：]?(?:{_SEP}{{0,4}}{_PLATFORM}){{0,16}}{_SEP}{{0,4}}",
        rf"(?:{_PLATFORM}{_SEP}{{1,4}}){{2,16}}{_PLATFORM}?",
        r"(?:扫一扫|扫码|扫描|长按|识别|微信扫|用手机扫).{0,10}(?:二维码|打开|分享|关注|阅读|下载|手机|朋友圈).{0,24}",
        r"(?:手机看新闻|在手机上?打开当前页|手机扫码阅读).{0,20}",
        r"(?:上一篇|下一篇|上篇|下篇)\s{0,4}[:：>]?.{0,120}",
        r"返回搜狐\s{0,4}[，,]?\s{0,4}查看更多",
        r"返回(?:首页|顶部|列表|目录|专题|频道|网易首页|新浪首页|腾讯首页|凤凰首页)(?:[>》]{1,3})?",
        r"(?:查看|展开|阅读)(?:更多|全文|原文)(?:[>》]{1,3})?",
        r".{0,80}(?:ICP备|ICP证|网安备|公网安备|ICP经营许可证).{0,120}",
        r"(?:版权所有|copyright|Copyright|COPYRIGHT|©|\(c\)|\(C\)).{0,160}",
        r"[^。，,]{0,30}版权所有(?:[\s:：，,(（©].{0,120})?",
        r".{0,30}(?:违法和不良信息举报|不良信息举报|举报电话|举报邮箱).{0,80}",
        r"(?:特别|免责)?声明\s{0,4}[:：].{0,120}(?:仅代表|不代表|立场|信息存储|信息发布|侵权|联系删除|版权).{0,300}",
        r".{0,60}(?:号作者|看点作者|自媒体|平台用户|用户).{0,40}上传.{0,300}",
        r".{0,80}(?:仅代表|只代表)(?:该|原)?作者(?:本人|个人)?(?:的)?(?:观点|立场|看法).{0,300}",
        r".{0,80}仅提供信息(?:存储|发布)(?:空间)?(?:服务|平台).{0,200}",
    )
]
_LENIENT_RES = [
    re.compile(p)
    for p in (
        r"(?:当前位置|您的位置|您当前的位置|你的位置|你现在的位置|您现在的位置|所在位置|位置)\s{0,4}[:：].{0,120}",
        r"首页\s{0,4}[>›»＞/].{0,120}",
        r"(?:点击|点此|戳这里|戳)(?:进入|查看|阅读|下载|关注|订阅|收听|观看|浏览|播放|这里|此处).{0,30}",
        r".{0,40}未经(?:书面)?(?:授权|许可|同意)[，,]?\s{0,4}(?:不得|禁止|严禁|请勿|谢绝).{0,60}",
        r"(?:更多|更多内容|更多精彩|更多新闻)\s{0,4}[>》»]{1,3}",
    )
]
_BULLETS = ">》»■●◆▲★☆·•▶►"
_HEADING_RE = re.compile(
    rf"[{_BULLETS}]{{0,3}}\s{{0,4}}[【\[《〖]?\s{{0,4}}{_RELATED}\s{{0,4}}[】\]》〗]?\s{{0,4}}[:：>》»]{{0,3}}\s{{0,4}}(?:更多\s{{0,4}}[>》»]{{0,3}})?"
)
_SCRIPT_RE = re.compile(
    r"(?:document\s{0,4}\.\s{0,4}write(?:ln)?\s{0,4}\(|\(\s{0,4}function\b|(?:var|let|const)\s{1,8}[A-Za-z_$][\w$]{0,64}"
    r"\s{0,8}=|function\s{0,8}[\w$]{0,64}\s{0,8}\(|(?:window|document|jQuery|\$)\s{0,4}[.(]|"
    r"<!--|-->|//\s{0,4}<!\[CDATA\[|[{}()\s;]{1,16}$)"
)
_SCRIPT_END_RE = re.compile(r"[;{}()]\s{0,8}$")
# Any other statement: ``hm.src = "...";``, ``s.parentNode.insertBefore(hm, s);``
_STATEMENT_RE = re.compile(
    r"[A-Za-z_$][\w$]{0,64}(?:\.[A-Za-z_$][\w$]{0,64}){0,8}\s{0,4}(?:=[^=]|\().{0,400};\s{0,8}"
)
# NetEase's notice in English, on its own line
_NOTICE_RE = re.compile(
    r"(?:Notice|Disclaimer|Statement)\s{0,4}:.{0,400}(?:information storage|social media "
    r"platform|views? of the author|does not represent).{0,400}",
    re.IGNORECASE,
)
_META_RE = re.compile(
    r"[（(【\[]?\s{0,4}(?:责任编辑|责编|编辑|主编|来源|作者|记者|通讯员|审核|审校|校对|监制|出品|"
    r"策划|撰文|文字|摄影|图片|文/图|文|图|本文来源|文章来源|稿件来源|原标题|发布时间|时间|日期|"
    r"发布日期|更新时间|发稿时间)\s{0,4}[:：/丨|]"
    r"|[0-9０-９]{2,4}\s{0,2}[-/.年]\s{0,2}[0-9０-９]{1,2}\s{0,2}[-/.月]"
)

# The gate: a line is only folded and matched when it opens with one of _START_WORDS
# (after brackets; the first two characters are looked up in a set) or holds one of
# _ANY_WORDS (one search whose alternatives all open with a literal, so the regex engine
# skips ahead by a first-character set: 0.7 us for a 200-character paragraph). Each
# Simplified character is widened to its Traditional forms.
_START_WORDS = """分享 转发 一键 打印 列印 关闭 收藏 加入 字号 字体 纠错 我要 返回
回到 顶部 推荐 评论 发表 点赞 举报 反馈 复制 手机 在手 电脑 客户
下载 打开 订阅 关注 登录 注册 上一 下一 上篇 下篇 首页 尾页 末页
全文 查看 阅读 展开 收起 扫一 扫码 扫描 长按 识别 用手 微信 朋友
新浪 腾讯 微博 QQ 人人 开心 豆瓣 百度 贴吧 网易 搜狐 易信 钉钉
抖音 今日 头条 领英 Li LI Fa Tw Wh Te Em E- 邮件
邮箱 二维 更多 版权 特别 免责 声明 当前 您的 您当 您现 你的 你现
所在 位置 点击 点此 戳 相关 延伸 扩展 热点 热门 精彩 猜你 为你
为您 编辑 最新 往期 图片 24 排行 co Co CO c) C) ©
docu var""".split()
_ANY_WORDS = """ICP 安备 版权所有 举报 仅代表 只代表 仅提供 上传 未经 | ｜ © Copyright copyright
COPYRIGHT""".split()
_OPENERS = "【[《〖(（<「『" + _BULLETS + _BLANK + "\n\r\v\f"


@cache
def _converters() -> tuple[opencc.OpenCC, ...]:
    return tuple(opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk"))


@cache
def _variants(ch: str) -> frozenset[str]:
    """``ch`` and its Traditional forms (OpenCC s2t, s2tw, s2hk)."""
    forms = {ch}
    for converter in _converters():
        out = converter.convert(ch)
        if len(out) == 1:
            forms.add(out)
    return frozenset(forms)


_GATES: tuple[frozenset[str], re.Pattern[str]] | None = None


def _gates() -> tuple[frozenset[str], re.Pattern[str]]:
    """Built on first use: widening the words loads OpenCC's dictionaries."""
    global _GATES
    starts: set[str] = set()
    for word in _START_WORDS:
        head = word[:2]
        firsts = _variants(head[0])
        seconds = _variants(head[1]) if len(head) > 1 else frozenset({""})
        starts.update(a + b for a in firsts for b in seconds)
    alternatives = []
    for word in _ANY_WORDS:
        rest = "".join(
            "[" + "".join(sorted(re.escape(f) for f in _variants(c))) + "]"
            if len(_variants(c)) > 1
            else re.escape(c)
            for c in word[1:]
        )
        alternatives.extend(re.escape(first) + rest for first in sorted(_variants(word[0])))
    _GATES = (frozenset(starts), re.compile("|".join(alternatives)))
    return _GATES


def _gated(line: str) -> bool:
    """Whether ``line`` may be furniture: it opens with a start word or holds an
    anywhere word (a necessary condition, checked in about a microsecond)."""
    starts, anywhere = _GATES or _gates()
    opened = line.lstrip(_OPENERS)
    return opened[:2] in starts or opened[:1] in starts or anywhere.search(line) is not None


def _tool_line(folded: str) -> bool:
    if len(folded) > 80:
        return False
    words = [w for w in _TOOL_SPLIT_RE.split(folded) if w]
    tools = [w for w in words if w in _TOOL_WORDS]
    return (
        len(tools) + sum(w.isdigit() for w in words) == len(words)  # page numbers too
        and any(len(w) > 1 for w in tools)
    )


def _menu_line(folded: str) -> bool:
    """A navigation menu: four or more short items between ``|`` bars."""
    if len(folded) > 160 or ("|" not in folded and "｜" not in folded):
        return False
    items = [w for w in _MENU_SPLIT_RE.split(folded) if w]
    return len(items) >= 4 and all(len(w) <= 8 and "。" not in w for w in items)


def _script_line(text: str) -> bool:
    """Script residue (an ASCII line): a script opening ending like a statement, any
    statement ending with ``;``, or the English notice of a platform."""
    return text.isascii() and (
        (_SCRIPT_RE.match(text) is not None and _SCRIPT_END_RE.search(text) is not None)
        or _STATEMENT_RE.fullmatch(text) is not None
        or _NOTICE_RE.fullmatch(text) is not None
    )


def furniture_kind(line: str) -> str | None:
    """What kind of page furniture the whole ``line`` is, if any.

    ``"strict"``: unmistakable (share bar, print/close buttons, 上一篇/下一篇, 返回搜狐，
    查看更多, copyright and ICP lines, platform disclaimers, script residue);
    ``"lenient"``: furniture in a text export (breadcrumbs, 点击进入专题, menus,
    reprint bans); ``"heading"``: the heading of a related-news list; ``None``: text.
    """
    if len(line) > 400:
        line = line.strip()
        if len(line) > 400:
            return None
    if not line.isascii() and not _gated(line):
        return None
    text = line.strip()
    if not text:
        return None
    if _script_line(text):
        return STRICT
    folded = fold(text)
    if _HEADING_RE.fullmatch(folded):
        return HEADING
    if _tool_line(folded) or any(p.fullmatch(folded) for p in _STRICT_RES):
        return STRICT
    if _menu_line(folded) or any(p.fullmatch(folded) for p in _LENIENT_RES):
        return LENIENT
    return None


def _is_meta(text: str) -> bool:
    return _META_RE.match(fold(text.strip())) is not None


def _title_like(line: str) -> bool:
    text = line.strip()
    return 0 < len(text) <= 50 and "。" not in text and not _is_meta(text)


class _Furniture:
    """One article's lines, classified lazily (most lines are never looked at)."""

    def __init__(self, lines: list[str], from_markup: bool) -> None:
        self.lines = lines
        self.from_markup = from_markup
        self.kinds: dict[int, str | None] = {}
        self.drop: set[int] = set()

    def kind(self, i: int) -> str | None:
        try:
            return self.kinds[i]
        except KeyError:
            k = self.kinds[i] = furniture_kind(self.lines[i])
            return k

    def gone(self, i: int) -> bool:
        """Furniture that goes wherever this pass looks (head, tail, a run)."""
        k = self.kind(i)
        return k == STRICT or (k == LENIENT and not self.from_markup)

    def body(self, i: int) -> bool:
        """A body line: it has a 。 or over 60 characters (and is not metadata), and it
        is not furniture."""
        line = self.lines[i]
        if "。" not in line and (len(line) <= 60 or len(line.strip()) <= 60 or _is_meta(line)):
            return False
        return self.kind(i) is None

    def blank(self, i: int) -> bool:
        return not self.lines[i].strip()

    def head(self, end: int) -> None:
        title = True  # the first line that is not other furniture may be the title
        for i in range(end):
            if self.blank(i):
                continue
            if self.gone(i):
                self.drop.add(i)
                continue
            if self.kind(i) == HEADING and not self.from_markup and not title:
                self.drop.add(i)  # 图片新闻 as a title is kept: People's Daily has 49
            title = False

    def tail(self, start: int) -> None:
        in_list = False
        for i in range(start, len(self.lines)):
            if self.blank(i):
                continue
            k = self.kind(i)
            if k == HEADING and not self.from_markup:
                self.drop.add(i)
                in_list = True
            elif self.gone(i) or (in_list and k is None and _title_like(self.lines[i])):
                self.drop.add(i)
            else:
                in_list = False

    def blocks(self, start: int, end: int) -> None:
        """Related-news lists and runs of furniture lines between the head and the tail."""
        i = start
        while i < end:
            line = self.lines[i]
            if "。" in line or len(line.strip()) > 60:  # a block is made of short lines
                i += 1
                continue
            k = self.kind(i)
            if k == HEADING:
                j = i
                while j < end and (self.kind(j) == HEADING or self.blank(j)):
                    j += 1
                stop = j
                while stop < end and (
                    self.blank(stop) or (self.kind(stop) is None and _title_like(self.lines[stop]))
                ):
                    stop += 1
                if sum(not self.blank(t) for t in range(j, stop)) >= 2:
                    self.drop.update(range(i, stop))
                    i = stop
                else:
                    i = j
            elif self.gone(i):
                j = i
                while j < end and (self.gone(j) or self.blank(j)):
                    j += 1
                if sum(not self.blank(t) for t in range(i, j)) >= 2:
                    self.drop.update(range(i, j))
                i = j
            else:
                i += 1


def drop_furniture(lines: list[str], *, from_markup: bool = False) -> list[str]:
    """The lines without the page furniture at the head and tail of the article.

    Head: the lines before the first body line (one with ``。`` or over 60 characters
    that is not furniture); tail: the lines after the last one. There, furniture lines go
    (only ``"strict"`` ones for markup) and, in text, a related-news heading goes with
    the title lines after it (in the head only the heading, and not when it opens the
    article: it may be the title, and the article's own title may follow a list).
    Between head and tail, in text only, a related-news heading with at least two title
    lines after it goes as a block, and so do two or more furniture lines in a row.
    Metadata lines are never taken: ``read_header`` needs them.
    """
    n = len(lines)
    f = _Furniture(lines, from_markup)
    head_end = next((i for i in range(n) if f.body(i)), n)
    tail_start = next((i + 1 for i in range(n - 1, head_end - 1, -1) if f.body(i)), n)
    f.head(head_end)
    if tail_start < n:
        f.tail(tail_start)
    if not from_markup and tail_start - head_end > 2:
        f.blocks(head_end, tail_start)
    if not f.drop:
        return list(lines)
    return [line for i, line in enumerate(lines) if i not in f.drop]


# ---------------------------------------------------------------- composition


def _one_round(lines: list[str], from_markup: bool) -> list[str]:
    lines = unescape_literals(lines, from_markup=from_markup)
    lines = split_walls(lines)
    lines = drop_furniture(lines, from_markup=from_markup)
    return split_long(lines)


def repair_lines(lines: list[str], *, from_markup: bool = False) -> list[str]:
    """The article's raw lines, repaired: escapes decoded, walls and long paragraphs split,
    page furniture dropped (see the module docstring). Never raises for any text; the
    result holds no ``\\n`` or ``\\r``, no line over :data:`LONG_LIMIT` characters, and
    repairing it again changes nothing."""
    current = list(lines)
    for _ in range(MAX_ROUNDS):
        repaired = _one_round(current, from_markup)
        if repaired == current:
            break
        current = repaired
    return current
