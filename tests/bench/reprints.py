"""Reprint clusters: the labelled set, its quality figures, tuning, and the speed benchmark.

    python -m tests.bench.reprints quality --size 2000          # dev and held-out P/R
    python -m tests.bench.reprints quality --size 10000 --split test
    python -m tests.bench.reprints tune                         # parameter grid on dev
    python -m tests.bench.reprints libs                         # rensa vs datasketch
    python -m tests.bench.reprints index-memory --kind rensa    # (bands, datasketch) at 100k
    python -m tests.bench.reprints speed --size 100000          # time, memory, disk

**The labelled set** is built at run time; no third-party text is committed. Base stories
are articles of People's Daily, January 1998 (``tests.bench.pd1998``, fetched into the
bench cache; consecutive paragraphs grouped into articles at their headlines), the even
articles for the ``dev`` split and the odd ones for ``test``, topped up with synthetic
articles of jieba dictionary words when a larger set is asked for. Then:

* **reprints**: about a third of the stories get 1 to 5 copies, each with a random mix of
  the edits news sites make: Traditional script (OpenCC ``s2t``), a new headline, the lead
  or the tail cut away (40-90% kept, at a sentence end), a source credit (来源：…), an
  editor line (责任编辑：…), an editor's note (编者按：…), an "original headline" line, a
  platform notice, punctuation made half-width or quotes changed to 「」, two paragraphs
  swapped or merged or one split, full-width indents, hard-wrapped lines. A fifth of the
  copies are made from another copy, not from the original.
* **briefs**: two-line items (40-150 characters) with untrimmed copies, and template
  bulletins (earthquakes, weather) that share their wording but not their facts.
* **hard negatives**: for some stories an *independent report of the same event* (new text
  that names the same people and places and quotes one or two of the original's
  sentences); groups of synthetic articles sharing a long list of names and a template
  sentence; and the People's Daily articles themselves, many of one day on one subject.
* **roundups**: pages that quote 6 to 10 short items of the set whole, one after another
  (a story of their own, not a reprint of any item).
* **furniture**: three sites append their footer (two of them unknown to the furniture
  patterns, so only document frequency can discount them) to about 6% of all articles
  each, briefs and bulletins included; other platform notices go under a few more.

Pairwise precision and recall count pairs of articles in one cluster against pairs of one
story. Nothing here asserts; ``tests/index/test_reprints_quality.py`` does.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from g60_reader.corpus.fold import to_traditional
from g60_reader.index.reprints import Params, StoryClusters, StoryDoc
from tests.bench.run import _maxrss_mb  # the process's own peak, not a parent's

# -- base text ---------------------------------------------------------------------------

_HEAD_END = re.compile(r"[。！？”」』）)\]…—：]$")
_SENT = re.compile(r"[^。！？；]*[。！？；]+[”」』）]?|[^。！？；]+$")


@dataclass(frozen=True)
class Base:
    """One original article: headline, paragraphs, the names in it."""

    title: str
    paragraphs: tuple[str, ...]
    names: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(map(len, self.paragraphs))


@cache
def pd_articles() -> tuple[Base, ...]:
    """People's Daily, January 1998, grouped into articles: a run of short paragraphs that
    do not end a sentence is a headline block and starts a new article."""
    from tests.bench.pd1998 import load_tagged

    out: list[Base] = []
    title: list[str] = []
    body: list[str] = []
    names: list[str] = []

    def flush() -> None:
        if body:
            out.append(Base(" ".join(title), tuple(body), tuple(dict.fromkeys(names))))

    for toks in load_tagged():
        text = "".join(t.word for t in toks)
        if len(text) <= 45 and not _HEAD_END.search(text):
            if body:
                flush()
                title, body, names = [], [], []
            title.append(text)
            continue
        body.append(text)
        run = ""
        for t in toks:  # join a surname and a given name tagged apart
            if t.tag == "nr":
                run += t.word
                continue
            if run:
                names.append(run)
                run = ""
            if t.tag in ("ns", "nt") and len(t.word) >= 2:
                names.append(t.word)
        if run:
            names.append(run)
    flush()
    return tuple(out)


class Words:
    """Synthetic Chinese from jieba's dictionary (weighted by frequency)."""

    SURNAMES = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
        "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
        "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    )
    GIVEN = (
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文斌辉鹏飞海峰波宁志"
        "宏新春林晓东亮雪梅丹凤云光德荣成松俊立永福家庆忠民"
    )
    PLACES = (
        "北京 上海 广州 深圳 杭州 南京 武汉 成都 重庆 西安 天津 苏州 长沙 郑州 济南 青岛 沈阳 "
        "大连 哈尔滨 长春 石家庄 太原 合肥 福州 厦门 南昌 昆明 贵阳 南宁 海口 兰州 西宁 银川 "
        "乌鲁木齐 拉萨 呼和浩特 宁波 温州 无锡 常州 徐州 烟台 潍坊 洛阳 宜昌 襄阳 绵阳 遵义"
    ).split()

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words, cum = _jieba_words()
        self.cum = cum

    def name(self) -> str:
        given = "".join(self.rng.choices(self.GIVEN, k=self.rng.choice((1, 2, 2))))
        return self.rng.choice(self.SURNAMES) + given

    def place(self) -> str:
        return self.rng.choice(self.PLACES)

    def clause(self, lo: int = 6, hi: int = 20) -> str:
        target = self.rng.randint(lo, hi)
        out = ""
        while len(out) < target:
            out += self.rng.choices(self.words, cum_weights=self.cum, k=1)[0]
        return out

    def sentence(self, lo: int = 20, hi: int = 70) -> str:
        target = self.rng.randint(lo, hi)
        parts: list[str] = []
        size = 0
        while size < target:
            c = self.clause()
            parts.append(c)
            size += len(c) + 1
        return "，".join(parts) + "。"

    def paragraph(self, lo: int = 60, hi: int = 250) -> str:
        target = self.rng.randint(lo, hi)
        out = ""
        while len(out) < target:
            out += self.sentence()
        return out

    def article(self, paragraphs: tuple[int, int] = (3, 9)) -> Base:
        n = self.rng.randint(*paragraphs)
        return Base(self.clause(8, 16), tuple(self.paragraph() for _ in range(n)))


@cache
def _jieba_words() -> tuple[list[str], list[int]]:
    import itertools as it

    import jieba

    words: list[str] = []
    weights: list[int] = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]{1,4}", parts[0]):
                words.append(parts[0])
                weights.append(int(parts[1]))
    return words, list(it.accumulate(weights))


# -- edits a reprint gets ---------------------------------------------------------------

OUTLETS = (
    "新华社",
    "人民日报",
    "中国新闻网",
    "央视新闻",
    "光明日报",
    "经济日报",
    "澎湃新闻",
    "环球时报",
)
NOTICES = (  # platform notices the furniture patterns know
    "本文为网易号作者上传并发布，仅代表该作者观点。网易仅提供信息发布平台。",
    "声明：本文由入驻搜狐号的作者撰写，除搜狐官方账号外，观点仅代表作者本人，不代表搜狐立场。",
    "新浪看点：本文为新浪看点作者上传并发布，仅代表作者观点，新浪仅提供信息存储空间服务。",
    "免责声明：本文转自网络，版权归原作者所有，如有侵权请联系我们删除。",
    "特别声明：以上内容（如有图片或视频亦包括在内）为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
)
# Footers no pattern knows: only document frequency can discount them.
UNKNOWN_FOOTERS = (
    "更多精彩资讯请下载本站客户端，每天早上八点准时推送当日要闻与深度解读。",
    "本期编辑部值班人员名单及热线电话已在首页公布，读者来信来电均会在三个工作日内得到回复。",
    "每日早报由本站编辑团队整理汇编，内容涵盖国内国际财经科技体育等领域的重要新闻。",
)
_HALF = str.maketrans(
    {"，": ",", "。": ".", "：": ":", "；": ";", "！": "!", "？": "?", "（": "(", "）": ")"}
)
_HALF_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
_CORNER = str.maketrans({"“": "「", "”": "」", "‘": "『", "’": "』"})


def _content(base: Base) -> int:
    return sum(len(re.sub(r"[\W_]+", "", p)) for p in base.paragraphs)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENT.findall(text) if s]


def _trim(paras: list[str], keep: float, lead: bool, rng: random.Random) -> list[str]:
    """Keep the first (``lead``) or last ``keep`` of the text, cut at a sentence end."""
    units = [(i, s) for i, p in enumerate(paras) for s in _sentences(p)]
    total = sum(len(s) for _, s in units)
    if not units or total == 0:
        return paras
    order = units if lead else list(reversed(units))
    kept: list[tuple[int, str]] = []
    size = 0
    for u in order:
        if kept and size + len(u[1]) / 2 > keep * total:
            break
        kept.append(u)
        size += len(u[1])
    if not lead:
        kept.reverse()
    out: dict[int, str] = {}
    for i, s in kept:
        out[i] = out.get(i, "") + s
    return [out[i] for i in sorted(out)]


_FURNITURE_LINE = re.compile(
    r"^[\s\u3000（(]*(?:来源|來源|原标题|原標題|编者按|編者按|责任编辑|責任編輯)"
)


def _story_paragraphs(paras: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split a (possibly already reprinted) text into its head furniture, story, tail."""
    furniture = set(NOTICES) | set(UNKNOWN_FOOTERS)
    lo, hi = 0, len(paras)
    while lo < hi and _FURNITURE_LINE.match(paras[lo]):
        lo += 1
    while hi > lo and (_FURNITURE_LINE.match(paras[hi - 1]) or paras[hi - 1].strip() in furniture):
        hi -= 1
    return paras[:lo], paras[lo:hi], paras[hi:]


def make_copy(
    base: Base, rng: random.Random, words: Words, edits: list[str], trim: bool = True
) -> Base:
    """One reprint of ``base`` with a random mix of edits (their names go to ``edits``).

    Paragraph edits (cuts, swaps, merges, splits) touch the story only: a copy of a copy
    keeps the furniture lines of the first copy as lines of their own, as sites do.
    """
    old_head, paras, old_tail = _story_paragraphs(list(base.paragraphs))
    if trim and rng.random() < 0.6 and sum(map(len, paras)) >= 120:
        keep = rng.uniform(0.4, 0.9)
        lead = rng.random() < 0.6
        cut = _trim(paras, keep, lead, rng)
        if sum(map(len, cut)) >= 60:  # a reprint keeps some story
            paras = cut
            edits.append(f"{'tail' if lead else 'lead'}-cut-{keep:.1f}")
    if len(paras) >= 2 and rng.random() < 0.3:
        i = rng.randrange(len(paras) - 1)
        paras[i], paras[i + 1] = paras[i + 1], paras[i]
        edits.append("swap")
    if len(paras) >= 2 and rng.random() < 0.3:
        i = rng.randrange(len(paras) - 1)
        paras[i : i + 2] = [paras[i] + paras[i + 1]]
        edits.append("merge")
    if paras and rng.random() < 0.2:
        i = rng.randrange(len(paras))
        sents = _sentences(paras[i])
        if len(sents) >= 2:
            cut_at = rng.randrange(1, len(sents))
            paras[i : i + 1] = ["".join(sents[:cut_at]), "".join(sents[cut_at:])]
            edits.append("split")
    if paras and rng.random() < 0.2:  # a new dateline: 据…报道，
        first = paras[0]
        cut_at = min(len(first) // 4, rng.randint(6, 16))
        paras[0] = f"据{rng.choice(OUTLETS)}报道，" + first[cut_at:]
        edits.append("dateline")
    if paras and rng.random() < 0.2:  # a few words changed (one per 150 characters)
        for _ in range(max(1, rng.randint(0, sum(map(len, paras)) // 150))):
            i = rng.randrange(len(paras))
            if len(paras[i]) > 12:
                at = rng.randrange(len(paras[i]) - 4)
                paras[i] = paras[i][:at] + words.clause(2, 3) + paras[i][at + rng.randint(2, 4) :]
        edits.append("reword")
    paras = old_head + paras + old_tail
    r = rng.random()
    if r < 0.25:
        paras = [p.translate(_HALF).translate(_HALF_QUOTES) for p in paras]
        edits.append("half-width")
    elif r < 0.45:
        paras = [p.translate(_CORNER) for p in paras]
        edits.append("corner-quotes")
    head: list[str] = []
    tail: list[str] = []
    if rng.random() < 0.4:
        head.append(f"来源：{rng.choice(OUTLETS)}")
        edits.append("source")
    if rng.random() < 0.15:
        head.append(f"原标题：{base.title}")
        edits.append("orig-title")
    if rng.random() < 0.15:
        head.append("编者按：" + words.sentence(30, 90))
        edits.append("editors-note")
    if rng.random() < 0.4:
        tail.append(
            f"（责任编辑：{words.name()}）" if rng.random() < 0.5 else f"责任编辑：{words.name()}"
        )
        edits.append("editor")
    if rng.random() < 0.25:
        tail.append(rng.choice(NOTICES))
        edits.append("notice")
    paras = head + paras + tail
    if rng.random() < 0.3:
        paras = ["\u3000\u3000" + p for p in paras]
        edits.append("indent")
    title = words.clause(8, 18)
    text_paras = tuple(paras)
    if rng.random() < 0.5:
        title = to_traditional(title)
        text_paras = tuple(to_traditional(p) for p in text_paras)
        edits.append("traditional")
    if rng.random() < 0.15:
        wrapped = "\n".join(text_paras)
        width = rng.randint(24, 40)
        lines = [wrapped[i : i + width] for i in range(0, len(wrapped), width)]
        text_paras = tuple(lines)
        edits.append("hard-wrap")
    return Base(title, text_paras, base.names)


def same_event_report(base: Base, rng: random.Random, words: Words) -> Base:
    """An independent report of ``base``'s event: new text, the same names, one or two of
    its sentences quoted. Not a reprint."""
    names = list(base.names[:8]) or [words.name() for _ in range(4)]
    sents = [s for p in base.paragraphs for s in _sentences(p) if 15 <= len(s) <= 80]
    quoted = rng.sample(sents, min(len(sents), rng.randint(1, 2)))
    paras: list[str] = []
    for i in range(rng.randint(3, 7)):
        p = words.paragraph(80, 220)
        if names:
            p = f"{rng.choice(names)}{words.clause(4, 10)}，" + p
            p = (
                p[:-1]
                + f"，{'、'.join(rng.sample(names, min(3, len(names))))}等{words.clause(3, 8)}。"
            )
        if i < len(quoted):
            p += f"{rng.choice(names)}说：“{quoted[i]}”"
        paras.append(p)
    return Base(words.clause(8, 16), tuple(paras), base.names)


def same_topic_group(rng: random.Random, words: Words, size: int) -> list[Base]:
    """Articles sharing a long list of names and a template sentence, otherwise unrelated."""
    names = [words.name() for _ in range(rng.randint(12, 24))]
    place = words.place()
    meeting = words.clause(6, 12)
    template = f"{place}市{meeting}会议今天在{place}召开，{'、'.join(names)}等出席会议。"
    closing = f"会议强调，要{words.clause(8, 14)}，{words.clause(8, 14)}。"
    out = []
    for _ in range(size):
        body = [words.paragraph(120, 260) for _ in range(rng.randint(1, 4))]
        paras = [template, *body, closing]
        rng.shuffle(body)
        out.append(Base(f"{place}{meeting}", tuple(paras), tuple(names)))
    return out


def bulletin(rng: random.Random, words: Words, kind: str) -> Base:
    """A template brief: same wording, other facts."""
    place = words.place()
    m, d, h, mi = rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59)
    if kind == "quake":
        text = (
            f"中国地震台网正式测定：{m}月{d}日{h}时{mi}分在{place}附近"
            f"（北纬{rng.uniform(20, 45):.2f}度，东经{rng.uniform(75, 125):.2f}度）发生"
            f"{rng.uniform(3, 6.5):.1f}级地震，震源深度{rng.randint(5, 30)}千米。"
        )
    else:
        text = (
            f"{place}市气象台{m}月{d}日{h}时发布{rng.choice(('暴雨', '大风', '寒潮', '高温'))}"
            f"{rng.choice(('蓝色', '黄色', '橙色'))}预警信号：预计未来{rng.randint(6, 24)}小时内，"
            f"{place}市{rng.choice(('东部', '南部', '北部', '西部'))}将出现{words.clause(6, 12)}，"
            f"请注意防范。"
        )
    return Base(f"{place}{kind}", (text,))


# -- the labelled set -------------------------------------------------------------------


@dataclass
class Labelled:
    """Articles with their true story, the kind of each, and the edits of each copy."""

    docs: list[StoryDoc] = field(default_factory=list)
    story: dict[str, str] = field(default_factory=dict)
    kind: dict[str, str] = field(default_factory=dict)
    edits: dict[str, list[str]] = field(default_factory=dict)

    def add(self, aid: str, base: Base, story: str, kind: str, edits: list[str] | None = None):
        self.docs.append(StoryDoc(aid, base.title, "\n".join(base.paragraphs)))
        self.story[aid] = story
        self.kind[aid] = kind
        if edits is not None:
            self.edits[aid] = edits


def build_labelled_set(split: str = "dev", size: int = 2000, seed: int = 1998) -> Labelled:
    """About ``size`` labelled articles for ``split`` ("dev" or "test"; disjoint bases)."""
    if split not in ("dev", "test"):
        raise ValueError(split)
    rng = random.Random(f"{seed}-{split}-{size}")
    words = Words(rng)
    parity = 0 if split == "dev" else 1
    pd = [a for i, a in enumerate(pd_articles()) if i % 2 == parity]
    long_pd = [a for a in pd if a.size >= 150]
    short_pd = [a for a in pd if _content(a) >= 40 and a.size < 150]
    n_base = int(size * 0.4)
    bases = long_pd[:n_base]
    while len(bases) < n_base:
        bases.append(words.article())
    out = Labelled()
    story_no = itertools.count()

    def new_story() -> str:
        return f"st{next(story_no):06d}"

    pending: list[tuple[str, Base, str, str, list[str] | None]] = []
    for b_i, base in enumerate(bases):
        sid = new_story()
        pending.append((f"{split}-b{b_i:05d}", base, sid, "base", None))
        if rng.random() < 0.36:
            made = [base]
            for c_i in range(rng.randint(1, 5)):
                src = rng.choice(made[1:]) if len(made) > 1 and rng.random() < 0.2 else base
                edits: list[str] = [] if src is base else ["copy-of-copy"]
                copy = make_copy(src, rng, words, edits)
                made.append(copy)
                pending.append((f"{split}-b{b_i:05d}-c{c_i}", copy, sid, "copy", edits))
        if rng.random() < 0.06:
            report = same_event_report(base, rng, words)
            pending.append((f"{split}-b{b_i:05d}-ev", report, new_story(), "same-event", None))
    for g_i in range(max(2, size // 60)):
        for m_i, art in enumerate(same_topic_group(rng, words, rng.randint(2, 4))):
            pending.append((f"{split}-g{g_i:04d}-{m_i}", art, new_story(), "same-topic", None))
    for s_i, brief in enumerate(short_pd[: size // 25]):
        sid = new_story()
        pending.append((f"{split}-s{s_i:04d}", brief, sid, "brief", None))
        if rng.random() < 0.5:
            for c_i in range(rng.randint(1, 3)):
                edits = []
                copy = make_copy(brief, rng, words, edits, trim=False)  # briefs go whole
                pending.append((f"{split}-s{s_i:04d}-c{c_i}", copy, sid, "brief-copy", edits))
    for t_i in range(size // 40):
        kind = "quake" if t_i % 2 else "weather"
        pending.append((f"{split}-t{t_i:04d}", bulletin(rng, words, kind), new_story(), kind, None))
    # roundups: 6-10 short items of the set quoted whole on one page (a story of its own)
    short_items = [i for i, item in enumerate(pending) if _content(item[1]) < 400]
    for r_i in range(size // 200):
        chosen = rng.sample(short_items, min(len(short_items), rng.randint(6, 10)))
        paras = []
        for j in chosen:
            paras.append(f"{r_i + 1}、{pending[j][1].title}")
            paras.extend(pending[j][1].paragraphs)
        roundup = Base("新闻早知道", tuple(paras))
        pending.append((f"{split}-r{r_i:03d}", roundup, new_story(), "roundup", None))
    # furniture: three sites put their footer under ~6% of all articles each (briefs and
    # bulletins too, where a footer is as long as the text); other notices here and there
    site_footers = (UNKNOWN_FOOTERS[0], UNKNOWN_FOOTERS[1] + UNKNOWN_FOOTERS[2], NOTICES[0])
    n_fur = max(100, len(pending) * 6 // 100)
    for footer in site_footers:
        for j in rng.sample(range(len(pending)), min(n_fur, len(pending))):
            aid, base, sid, kind, edits = pending[j]
            pending[j] = (
                aid,
                replace(base, paragraphs=(*base.paragraphs, footer)),
                sid,
                kind,
                edits,
            )
    for j in rng.sample(range(len(pending)), len(pending) // 30):
        aid, base, sid, kind, edits = pending[j]
        extra = rng.choice(NOTICES[1:])
        pending[j] = (aid, replace(base, paragraphs=(*base.paragraphs, extra)), sid, kind, edits)
    rng.shuffle(pending)
    for aid, base, sid, kind, edits in pending:
        out.add(aid, base, sid, kind, edits)
    return out


# -- scoring ------------------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass
class Scores:
    precision: float
    recall: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    false_by_kind: dict[str, int]
    missed_by_edit: dict[str, int]
    seconds: float

    def line(self) -> str:
        return (
            f"precision {self.precision:.4f} recall {self.recall:.4f} "
            f"(pairs: true {self.true_pairs}, predicted {self.predicted_pairs}, "
            f"correct {self.correct_pairs}) in {self.seconds:.2f} s"
        )


def score(labelled: Labelled, clusters: StoryClusters, seconds: float = 0.0) -> Scores:
    """Pairwise precision and recall of ``clusters`` against ``labelled``."""
    pred = {d.article_id: clusters.cluster_of(d.article_id) or d.article_id for d in labelled.docs}
    truth = labelled.story
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    cells: Counter[tuple[str, str]] = Counter()
    for aid in pred:
        by_pred[pred[aid]].append(aid)
        by_true[truth[aid]].append(aid)
        cells[(pred[aid], truth[aid])] += 1
    correct = sum(_pairs(n) for n in cells.values())
    predicted = sum(_pairs(len(v)) for v in by_pred.values())
    true = sum(_pairs(len(v)) for v in by_true.values())
    false_by_kind: Counter[str] = Counter()
    for members in by_pred.values():
        if len(members) < 2:
            continue
        stories = Counter(truth[a] for a in members)
        if len(stories) > 1:
            main = stories.most_common(1)[0][0]
            for a in members:
                if truth[a] != main:
                    false_by_kind[labelled.kind[a]] += 1
    missed: Counter[str] = Counter()
    for members in by_true.values():
        if len(members) < 2:
            continue
        groups = Counter(pred[a] for a in members)
        if len(groups) > 1:
            main = groups.most_common(1)[0][0]
            for a in members:
                if pred[a] != main:
                    for e in labelled.edits.get(a, ["(base)"]):
                        missed[e.split("-cut-")[0] + "-cut" if "-cut-" in e else e] += 1
    return Scores(
        precision=correct / predicted if predicted else 1.0,
        recall=correct / true if true else 1.0,
        true_pairs=true,
        predicted_pairs=predicted,
        correct_pairs=correct,
        false_by_kind=dict(false_by_kind),
        missed_by_edit=dict(missed),
        seconds=seconds,
    )


def run_quality(labelled: Labelled, params: Params | None = None, workers: int = 1) -> Scores:
    """Cluster ``labelled`` in memory and score it."""
    clusters = StoryClusters.open(None, params=params, workers=workers)
    t0 = time.perf_counter()
    clusters.add(labelled.docs)
    return score(labelled, clusters, time.perf_counter() - t0)


# -- library comparison -----------------------------------------------------------------


def compare_libraries(n_docs: int = 3000, num_perm: int = 64) -> dict[str, dict[str, float]]:
    """rensa and datasketch on the shingle sets of the dev split: signing speed, error of
    their Jaccard estimates against the exact value, and the candidate pairs of their LSH
    indexes and of :class:`BandIndex` (same 32 bands of 2 rows) on the true pairs."""
    import datasketch
    import numpy as np
    import rensa

    from g60_reader.index.reprints.bands import BandIndex
    from g60_reader.index.reprints.text import content_units

    labelled = build_labelled_set("dev", n_docs)
    k = 5
    sets: list[list[str]] = []
    for d in labelled.docs:
        s = content_units(d.text).stream
        sets.append([s[i : i + k] for i in range(len(s) - k + 1)] or [""])
    out: dict[str, dict[str, float]] = {}
    t0 = time.process_time()
    r_sigs = rensa.RMinHash.from_token_sets(sets, num_perm, 60)
    t_r = time.process_time() - t0
    encoded = [[t.encode() for t in s] for s in sets]
    t0 = time.process_time()
    d_sigs = datasketch.MinHash.bulk(encoded, num_perm=num_perm, seed=60)
    t_d = time.process_time() - t0
    ids = [d.article_id for d in labelled.docs]
    by_story: dict[str, list[int]] = defaultdict(list)
    for i, a in enumerate(ids):
        by_story[labelled.story[a]].append(i)
    pairs = [(i, j) for v in by_story.values() for i, j in itertools.combinations(v, 2)]
    err_r, err_d = [], []
    for i, j in pairs:
        a, b = set(sets[i]), set(sets[j])
        exact = len(a & b) / len(a | b)
        err_r.append(abs(r_sigs[i].jaccard(r_sigs[j]) - exact))
        err_d.append(abs(d_sigs[i].jaccard(d_sigs[j]) - exact))
    bands = num_perm // 2
    r_lsh = rensa.RMinHashLSH(0.5, num_perm, bands)
    t0 = time.process_time()
    r_lsh.insert_pairs(list(enumerate(r_sigs)))
    r_cands = [set(c) - {i} for i, c in enumerate(r_lsh.query_all(r_sigs))]
    t_rl = time.process_time() - t0
    d_lsh = datasketch.MinHashLSH(num_perm=num_perm, params=(bands, 2))
    t0 = time.process_time()
    for i, m in enumerate(d_sigs):
        d_lsh.insert(i, m)
    d_cands = [set(d_lsh.query(m)) - {i} for i, m in enumerate(d_sigs)]
    t_dl = time.process_time() - t0
    digests = np.array([m.digest() for m in r_sigs], dtype=np.uint32)
    band = BandIndex(num_perm, bands)
    t0 = time.process_time()
    slots = np.arange(len(digests))
    band.add(slots, digests)
    b_cands: list[set[int]] = [set() for _ in slots]
    for a, b in band.pairs(slots, digests).tolist():
        b_cands[a].add(b)
    t_bl = time.process_time() - t0
    for name, cands, t_sign, t_lsh, err in (
        ("rensa", r_cands, t_r, t_rl, err_r),
        ("datasketch", d_cands, t_d, t_dl, err_d),
        ("bands over rensa", b_cands, t_r, t_bl, err_r),
    ):
        found = sum(1 for i, j in pairs if j in cands[i])
        out[name] = {
            "sign_us_per_doc": 1e6 * t_sign / len(sets),
            "index_us_per_doc": 1e6 * t_lsh / len(sets),
            "jaccard_abs_error_mean": float(np.mean(err)),
            "candidate_recall_true_pairs": found / len(pairs),
            "candidate_pairs": sum(len(c) for c in cands) / 2,
        }
    out["agreement"] = {
        "rensa_vs_bands_identical_docs": sum(a == b for a, b in zip(r_cands, b_cands, strict=True))
        / len(sets),
        "rensa_vs_datasketch_identical_docs": sum(
            a == b for a, b in zip(r_cands, d_cands, strict=True)
        )
        / len(sets),
    }
    return out


def index_memory(kind: str, n: int = 100_000, num_perm: int = 64) -> dict[str, float]:
    """Resident memory and time of one candidate index over ``n`` distinct signatures (run
    it in a fresh process: ``python -m tests.bench.reprints index-memory --kind …``)."""
    import ctypes

    import numpy as np
    import rensa

    from g60_reader.index.reprints.bands import BandIndex

    rng = random.Random(n)
    token_sets = [[f"{rng.random():.12f}" for _ in range(40)] for _ in range(n)]
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    rss0 = _rss_mb()
    t0 = time.process_time()
    bands = num_perm // 2
    if kind == "bands":
        digests = np.array(
            rensa.RMinHash.digests_from_token_sets(token_sets, num_perm, 60), dtype=np.uint32
        )
        rss0 += digests.nbytes / 1e6  # the signatures are stored either way
        index = BandIndex(num_perm, bands)
        index.add(np.arange(n), digests)
        index.pairs(np.arange(1000), digests[:1000])
    elif kind == "rensa":
        index = rensa.RMinHashLSH(0.5, num_perm, bands)
        for start in range(0, n, 2048):
            sigs = rensa.RMinHash.from_token_sets(token_sets[start : start + 2048], num_perm, 60)
            index.insert_pairs(list(enumerate(sigs, start)))
        index.query_all(rensa.RMinHash.from_token_sets(token_sets[:1000], num_perm, 60))
    elif kind == "datasketch":
        import datasketch

        index = datasketch.MinHashLSH(num_perm=num_perm, params=(bands, 2))
        for i, toks in enumerate(token_sets):
            m = datasketch.MinHash(num_perm=num_perm, seed=60)
            m.update_batch([t.encode() for t in toks])
            index.insert(i, datasketch.LeanMinHash(m))
    else:
        raise ValueError(kind)
    seconds = time.process_time() - t0
    gc.collect()  # the token lists stay alive: they were there before rss0 too
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    return {"kind_" + kind: 1.0, "n": n, "index_rss_mb": _rss_mb() - rss0, "cpu_s": seconds}


# -- tuning ---------------------------------------------------------------------------------


def tune(size: int = 2000) -> list[tuple[Params, Scores]]:
    """Scores of a grid of parameters on the dev split (one change at a time from the
    defaults, then the pairs that mattered)."""
    labelled = build_labelled_set("dev", size)
    base = Params()
    grid: list[Params] = [base]
    for k in (4, 6, 8):
        grid.append(replace(base, k=k))
    for num_perm, bands in ((32, 16), (96, 48), (128, 64)):
        grid.append(replace(base, num_perm=num_perm, bands=bands))
    for c in (0.4, 0.5, 0.7, 0.8):
        grid.append(replace(base, containment=c))
    for f in (0.1, 0.2, 0.25, 0.35):
        grid.append(replace(base, floor=f))
    for cap in (10, 20, 50, 1_000_000):
        grid.append(replace(base, df_cap=cap))
    for m in (20, 60, 100):
        grid.append(replace(base, min_chars=m))
    for t in (64, 256):
        grid.append(replace(base, sample_target=t))
    results = []
    for params in grid:
        s = run_quality(labelled, params)
        results.append((params, s))
        changed = {k: v for k, v in params.to_dict().items() if v != getattr(base, k)}
        print(f"{changed or 'defaults'}: {s.line()}", flush=True)
        if s.false_by_kind:
            print(f"    false by kind {s.false_by_kind}", flush=True)
    return results


# -- speed --------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def speed_corpus(size: int, seed: int = 60) -> Path:
    """A JSON-lines file (UTF-8) of ``size`` synthetic articles (``tests.bench.synth``), 10%
    of them planted reprints of others (made with :func:`make_copy`), in the bench cache."""
    from tests.bench.pd1998 import cache_dir
    from tests.bench.synth import generate

    path = cache_dir() / f"reprints-speed-{size}-{seed}.utf8.jsonl"
    if path.exists():
        return path
    older = cache_dir() / f"reprints-speed-{size}-{seed}.jsonl"  # ASCII-escaped, slow to read
    tmp = path.with_suffix(".part")
    if older.exists():
        with open(older, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as dst:
            for line in src:
                dst.write(json.dumps(json.loads(line), ensure_ascii=False) + "\n")
        tmp.replace(path)
        return path
    rng = random.Random(seed)
    words = Words(rng)
    n_copies = size // 10
    originals = size - n_copies
    kept: list[Base] = []
    lines: list[str] = []
    for count, (title, body) in enumerate(generate(originals * 8, seed)):
        if count >= originals:
            break
        base = Base(title, tuple(body))
        doc = {"id": f"a{count:07d}", "title": title, "text": "\n".join(body)}
        lines.append(json.dumps(doc, ensure_ascii=False))
        if len(kept) < n_copies // 2 or rng.random() < 0.05:
            kept.append(base)
    for c in range(size - len(lines)):
        copy = make_copy(rng.choice(kept), rng, words, [])
        doc = {"id": f"c{c:07d}", "title": copy.title, "text": "\n".join(copy.paragraphs)}
        lines.append(json.dumps(doc, ensure_ascii=False))
    rng.shuffle(lines)
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_corpus(path: Path, skip: int = 0, limit: int | None = None) -> Iterator[StoryDoc]:
    with open(path, encoding="utf-8") as fh:
        for line in itertools.islice(fh, skip, None if limit is None else skip + limit):
            d = json.loads(line)
            yield StoryDoc(d["id"], d["title"], d["text"])


def _cpu_s(who: int = resource.RUSAGE_SELF) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def run_speed(size: int, workers: int = 2, add: int = 1000) -> dict[str, float]:
    """Cluster ``size`` articles from disk (streamed: this process never holds the corpus),
    then add ``add`` more; wall and CPU times (this process and its workers), resident
    memory, disk size, reopen. Run it in a fresh process (``speed`` does) so that the
    resident figures are the clusters' own."""
    path = speed_corpus(size + add)
    gc.collect()
    rss0 = _rss_mb()
    out: dict[str, float] = {"articles": size, "workers": workers, "rss_before_mb": rss0}
    out["load_average_before"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        clusters = StoryClusters.open(Path(tmp), workers=workers)
        t0, c0 = time.perf_counter(), _cpu_s()
        clusters.add(read_corpus(path, 0, size))
        out["batch_s"] = time.perf_counter() - t0
        out["batch_cpu_main_s"] = _cpu_s() - c0
        out["batch_cpu_workers_s"] = _cpu_s(resource.RUSAGE_CHILDREN)
        out["load_average_after_batch"] = os.getloadavg()[0]
        gc.collect()
        out["rss_after_batch_mb"] = _rss_mb()
        out["index_rss_mb"] = out["rss_after_batch_mb"] - rss0
        out["peak_rss_after_batch_mb"] = _maxrss_mb()
        out["clusters"] = sum(1 for _ in clusters.clusters())
        out["clustered_articles"] = sum(len(m) for _, m in clusters.clusters())
        extra = list(read_corpus(path, size, add))
        t0, c0 = time.perf_counter(), _cpu_s()
        clusters.add(extra)
        out[f"add_{add}_s"] = time.perf_counter() - t0
        out[f"add_{add}_cpu_s"] = _cpu_s() - c0
        t0 = time.perf_counter()
        clusters.remove(d.article_id for d in extra[:100])
        out["remove_100_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        clusters.save()
        out["save_s"] = time.perf_counter() - t0
        assert clusters.path is not None
        out["disk_mb"] = clusters.path.stat().st_size / 1e6
        before = dict(clusters.clusters())
        del clusters
        gc.collect()
        t0 = time.perf_counter()
        reopened = StoryClusters.open(Path(tmp))
        out["reopen_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        reopened.add([])  # rebuilds the LSH index and the document frequencies
        out["reopen_then_first_add_s"] = time.perf_counter() - t0
        out["reopen_same_clusters"] = float(dict(reopened.clusters()) == before)
    out["peak_rss_mb"] = _maxrss_mb()
    out["workers_peak_rss_mb"] = _maxrss_mb(resource.RUSAGE_CHILDREN)
    return out


# -- command line -------------------------------------------------------------------------


def _quality_cmd(args: argparse.Namespace) -> None:
    for split in args.split:
        labelled = build_labelled_set(split, args.size)
        kinds = Counter(labelled.kind.values())
        s = run_quality(labelled, workers=args.workers)
        print(f"{split} ({len(labelled.docs)} articles, {dict(kinds)}):\n  {s.line()}")
        if s.false_by_kind:
            print(f"  false links by kind of the odd member: {s.false_by_kind}")
        if s.missed_by_edit:
            print(f"  split-off copies by edit: {s.missed_by_edit}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--size", type=int, default=2000)
    q.add_argument("--split", nargs="+", default=["dev", "test"])
    q.add_argument("--workers", type=int, default=1)
    t = sub.add_parser("tune")
    t.add_argument("--size", type=int, default=2000)
    lib = sub.add_parser("libs")
    lib.add_argument("--size", type=int, default=3000)
    sp = sub.add_parser("speed")
    sp.add_argument("--size", type=int, default=100_000)
    sp.add_argument("--workers", type=int, default=2)
    sp.add_argument("--out", type=Path)
    im = sub.add_parser("index-memory")
    im.add_argument("--kind", choices=["bands", "rensa", "datasketch"], required=True)
    im.add_argument("--size", type=int, default=100_000)
    sm = sub.add_parser("speed-measure")
    sm.add_argument("--size", type=int, default=100_000)
    sm.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if args.cmd == "quality":
        _quality_cmd(args)
    elif args.cmd == "tune":
        tune(args.size)
    elif args.cmd == "libs":
        print(json.dumps(compare_libraries(args.size), indent=2))
    elif args.cmd == "speed":
        speed_corpus(args.size + 1000)  # written once, here, not in the measured process
        cmd = [sys.executable, "-m", "tests.bench.reprints", "speed-measure"]
        cmd += ["--size", str(args.size), "--workers", str(args.workers)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(json.dumps(result, indent=2))
        if args.out:
            args.out.write_text(json.dumps(result, indent=2))
    elif args.cmd == "index-memory":
        print(json.dumps(index_memory(args.kind, args.size)))
    elif args.cmd == "speed-measure":
        print(json.dumps(run_speed(args.size, args.workers)))


if __name__ == "__main__":
    main(sys.argv[1:])
