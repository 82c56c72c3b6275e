"""Properties of ``repair_lines`` and its steps on generated input (hypothesis).

Lines are built from the pieces scraped text is made of: Han text, sentence ends and
closing quotes, ideographic indents, runs of spaces and U+00A0, literal escapes
(``\\n``, ``\\r\\n``, ``\\t``, ``\\"``, ``\\\\``, ``\\uXXXX``), HTML entities, real
breaks, and lines long enough to be cut. The Han alphabet shares no character with any
furniture word, so no line may be dropped and every Han character must come through;
``test_drop_furniture_keeps_lines_that_are_not_furniture`` checks that premise.
"""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g60_reader.corpus.clean import HAN
from g60_reader.corpus.repair import (
    LONG_LIMIT,
    drop_furniture,
    furniture_kind,
    repair_lines,
    split_long,
    split_walls,
    unescape_literals,
)
from tests.corpus.test_repair import Writer, han, is_subsequence

# Landscape words: none of these characters is in a furniture word (分享, 打印, 相关,
# 版权所有, 仅代表, ...), a metadata word or a platform name.
SAFE_HAN = "江河湖海岭峰溪涧松柏桦杨鹤鹭鸥雁稻麦粟黍蝉蛙鲤鲫"
PUNCT = "。！？，；：、“”「」『』（）…—"
BLANKS = ["\u3000", "\u3000\u3000", " ", "  ", "    ", "\xa0\xa0", "\t", "。 \u3000\u3000"]
ESCAPES = [
    "\\n",
    "\\n\\n",
    "\\r\\n",
    "\\t",
    '\\"',
    "\\\\",
    "\\\\n",
    "\\/",
    "\\u3000",
    "\\u6c5f",
    "\\ud840\\udc00",
    "\\ud840",
    "\\u005c",
    "\\u00e9",
    "\\uZZ",
    "\\",
    '"',
]
ENTITIES = ["&nbsp;", "&#12288;", "&amp;", "&amp;nbsp;", "&ldquo;", "&#x6c5f;", "&bogus;", "&"]
BREAKS = ["\n", "\r\n", "\r"]
ASCII = "abdefgxyz0123456789 .!?:/"

fragment = st.one_of(
    st.text(alphabet=SAFE_HAN, min_size=1, max_size=12),
    st.text(alphabet=SAFE_HAN + PUNCT + ASCII, min_size=1, max_size=8),
    st.sampled_from(PUNCT),
    st.sampled_from(BLANKS),
    st.sampled_from(ESCAPES),
    st.sampled_from(ENTITIES),
    st.sampled_from(BREAKS),
)
short_line = st.lists(fragment, max_size=24).map("".join)
long_line = st.tuples(st.lists(fragment, min_size=1, max_size=12), st.integers(1, 120)).map(
    lambda t: "".join(t[0]) * t[1]
)
line = st.one_of(short_line, short_line, long_line)
lines_st = st.lists(line, max_size=8)

HAN_RE = re.compile(f"[{HAN}]")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def non_blank(texts: list[str]) -> str:
    return re.sub(r"[\s\xa0\u3000]", "", "".join(texts))


@SETTINGS
@given(lines_st, st.booleans())
def test_repair_returns_lines_without_breaks_or_long_ones(lines: list[str], markup: bool) -> None:
    out = repair_lines(lines, from_markup=markup)
    assert isinstance(out, list) and all(isinstance(x, str) for x in out)
    assert not any("\n" in x or "\r" in x for x in out)
    assert all(len(x) <= LONG_LIMIT for x in out)


@SETTINGS
@given(lines_st, st.booleans())
def test_repair_keeps_every_han_character_in_order(lines: list[str], markup: bool) -> None:
    out = repair_lines(lines, from_markup=markup)
    # decoding may add Han (\u6c5f, &#x6c5f;); it never takes one away
    assert is_subsequence(han("".join(lines)), han("".join(out)))


@SETTINGS
@given(lines_st, st.booleans())
def test_repair_is_idempotent(lines: list[str], markup: bool) -> None:
    once = repair_lines(lines, from_markup=markup)
    assert repair_lines(once, from_markup=markup) == once


paragraph = st.lists(
    st.one_of(
        st.text(alphabet=SAFE_HAN + PUNCT + ASCII + '\\"/', min_size=1, max_size=8),
        st.sampled_from(ESCAPES + BLANKS[:-1]),  # as text: C:\new, \"quoted\"
        st.sampled_from(["\U00020000", "\u00e9", "\xa0"]),
    ),
    min_size=1,
    max_size=10,
).map("".join)


@SETTINGS
@given(st.lists(paragraph, min_size=2, max_size=6), st.booleans(), st.booleans())
def test_a_dump_escaped_twice_comes_back_exactly(
    paragraphs: list[str], ensure_ascii: bool, quotes: bool
) -> None:
    """``json.dumps`` twice, decoded once: with or without the outer quotes, the text
    comes back character for character (an escaped backslash is never a break)."""
    lines = [f"{p}。" for p in paragraphs]  # a break after 。 is strong evidence
    once = json.loads(json.dumps(json.dumps("\n".join(lines), ensure_ascii=ensure_ascii)))
    assert unescape_literals([once if quotes else once[1:-1]]) == lines


@SETTINGS
@given(lines_st, st.booleans())
def test_unescape_never_loses_han_and_splits_at_breaks(lines: list[str], markup: bool) -> None:
    out = unescape_literals(lines, from_markup=markup)
    assert is_subsequence(han("".join(lines)), han("".join(out)))
    assert not any("\n" in x or "\r" in x for x in out)


@SETTINGS
@given(lines_st)
def test_split_walls_only_removes_blanks_and_is_idempotent(lines: list[str]) -> None:
    out = split_walls(lines)
    assert non_blank(out) == non_blank(lines)
    assert split_walls(out) == out


@SETTINGS
@given(lines_st)
def test_split_long_keeps_the_text_and_bounds_every_line(lines: list[str]) -> None:
    out = split_long(lines)
    assert non_blank(out) == non_blank(lines)
    assert all(len(x) <= LONG_LIMIT for x in out)
    assert split_long(out) == out


@SETTINGS
@given(lines_st, st.booleans())
def test_drop_furniture_keeps_lines_that_are_not_furniture(lines: list[str], markup: bool) -> None:
    lines = split_walls(unescape_literals(lines))
    assert all(furniture_kind(x) is None for x in lines)
    assert drop_furniture(lines, from_markup=markup) == lines


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["plain", "wall", "escaped", "long"]))
def test_realistic_articles_come_back_whole(seed: int, kind: str) -> None:
    """jieba-word articles, walled, escaped twice or with a long paragraph: every Han
    character comes back, in order, and the paragraphs are whole again."""
    from tests.corpus.test_repair import _damaged

    lines, (title, *paras) = _damaged(Writer(seed), kind)
    out = repair_lines(lines)
    assert han("".join(out)) == han("".join([title, "来源人民网", *paras]))
    assert repair_lines(out) == out
    if kind != "long":
        assert [x.strip() for x in out[2:]] == paras
