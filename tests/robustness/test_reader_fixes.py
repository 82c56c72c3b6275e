"""The reader changes made for hostile input keep the reader's results.

- soft line breaks are joined by a linear-time pattern: after cleaning, the text is the
  same as with the original (backtracking) pattern, on any mix of CJK, spaces and breaks;
- HTML markup left open at the end of the file is dropped as browsers do, the text
  before it kept;
- undecodable files say why: cut inside a character, or the first invalid byte.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from g60_reader.corpus.clean import HAN, clean
from g60_reader.corpus.encoding import DecodeError, decode
from g60_reader.corpus.readers import extract_html, join_soft_breaks
from tests.robustness.conftest import LONG

_CJK_EDGE = f"{HAN}\u3000-\u303f\uff00-\uffef"
_BACKTRACKING = re.compile(f"(?<=[{_CJK_EDGE}])\\s*\\n\\s*(?=[{_CJK_EDGE}])")


def _reference(text: str) -> str:
    """The soft-break joining as first written (quadratic on long space runs)."""
    return _BACKTRACKING.sub("", text).replace("\n", " ")


pieces = st.sampled_from(["長", "a", " ", "\u3000", "\n", "，", "\t", "。", "\r", "「", "1"])


@settings(max_examples=3000 if LONG else 400, deadline=None)
@given(st.lists(pieces, max_size=30).map("".join))
def test_soft_breaks_join_as_before(text: str) -> None:
    assert clean(join_soft_breaks(text)) == clean(_reference(text))


def test_soft_breaks_examples() -> None:
    assert join_soft_breaks("長三角\n科創") == "長三角科創"
    assert join_soft_breaks("長三角 \u3000\n  科創") == "長三角科創"
    assert join_soft_breaks("G60\n科創") == "G60 科創"
    assert clean(join_soft_breaks("走廊\u3000\n\u3000建設"))[0] == "走廊建設"


def test_html_unclosed_tail_is_dropped_and_text_before_it_kept() -> None:
    title, _sub, paragraphs, _meta = extract_html(
        "<h1>標題</h1><p>第一段。</p><p>第二段，最後幾個字 <a href='x' 沒有結束"
    )
    assert title == "標題"
    assert paragraphs == ["第一段。", "第二段，最後幾個字"]
    # a lone "<" that opens nothing is text, as in browsers
    _t, _s, paragraphs, _m = extract_html("<p>價格 < 100 元")
    assert paragraphs == ["價格 < 100 元"]
    _t, _s, paragraphs, _m = extract_html("<p>尾巴</p><!-- 沒有結束的註解")
    assert paragraphs == ["尾巴"]


def test_decode_failures_say_why() -> None:
    text = "長三角九城市在金華舉行科創走廊推進會。"
    for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030"), ("cp950", "Big5")):
        data = text.encode(codec)[:-1]
        try:
            decode(data)
        except DecodeError as exc:
            assert (
                str(exc)
                == f"cannot decode: the file ends inside a character ({label} text cut off)"
            )
        else:
            raise AssertionError(f"{codec}: a truncated file decoded")
    bad = text.encode() + b"\xff\xfe\xfa" + text.encode()
    try:
        decode(bad)
    except DecodeError as exc:
        assert "invalid byte at offset 57" in str(exc)
    else:
        raise AssertionError("invalid UTF-8 decoded")
