"""Keyword in context for Chinese: contexts in jieba words (not sentences, not single
characters), exact slices of the paragraph in its own script, the keyword in one
column whatever the character widths."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from g60_reader.index.analyzer import fold_normalise, segment
from g60_reader.index.backends.whoosh.search import WhooshBackend
from g60_reader.index.contract import Hit
from g60_reader.tui.workbench import iter_hits, kwic
from tests.tui.test_library import JINHUA, index_of, write_corpus

QUERY = "科创走廊"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> WhooshBackend:
    root = tmp_path_factory.mktemp("kwic")
    backend = index_of(root / "index", write_corpus(root / "news"))
    yield backend
    backend.close()


@pytest.fixture(scope="module")
def hits(backend: WhooshBackend) -> list[Hit]:
    return list(iter_hits(backend, QUERY))


def paragraph_text(backend: WhooshBackend, article_id: str, number: int) -> str:
    stored = backend.article(article_id)
    assert stored is not None
    (text,) = [p.text for p in stored.article.paragraphs if p.number == number]
    return text


def word_edges(text: str) -> tuple[set[int], set[int]]:
    """Starts and ends of the words of ``text`` as jieba cuts the folded, normalised
    paragraph (whitespace is no word)."""
    starts, ends, pos = set(), set(), 0
    for token in segment(fold_normalise(text)):
        if not token.isspace():
            starts.add(pos)
            ends.add(pos + len(token))
        pos += len(token)
    return starts, ends


def make_hit(text: str, word: str, published: str | None = None, n: int = 1) -> Hit:
    folded = fold_normalise(text)
    spans = tuple((m.start(), m.end()) for m in re.finditer(word, folded))
    return Hit(
        f"{n:016x}",
        1,
        f"标题{n}",
        "日报",
        published,
        f"/news/{n}.txt",
        1.0,
        text,
        spans,
        text[:40],
        0,
    )


@pytest.mark.parametrize("unit", ["words", "chars"])
@pytest.mark.parametrize("width", [0, 1, 3, 5, 12])
def test_every_line_is_an_exact_slice_of_its_paragraph(backend, hits, unit, width) -> None:
    lines = kwic.concordance(hits, width=width, unit=unit)
    assert len(lines) == sum(len(h.spans) for h in hits) == 7
    for line in lines:
        text = paragraph_text(backend, line.article_id, line.paragraph)
        start = line.offset - len(line.left)
        assert text[start : line.offset + len(line.match) + len(line.right)] == (
            line.left + line.match + line.right
        )
        assert fold_normalise(line.match) == QUERY
        as_json = line.as_json()
        assert {"article_id", "paragraph", "left", "match", "right", "published", "outlet"} <= set(
            as_json
        )
        if unit == "chars":
            assert len(line.left) == min(width, line.offset)
            assert len(line.right) == min(width, len(text) - line.offset - len(line.match))


def test_contexts_are_whole_words_in_the_script_as_written(backend, hits) -> None:
    lines = kwic.concordance(hits, width=3)
    (jinhua,) = [
        line
        for line in lines
        if paragraph_text(backend, line.article_id, line.paragraph) == JINHUA[1]
    ]
    # 长三角 is one word (not 三角, not 角), and the comma counts as one
    assert (jinhua.left, jinhua.match, jinhua.right) == ("積極融入長三角", "科創走廊", "，推動更")
    assert jinhua.left_key == ("长三角", "融入", "积极")  # nearest first, folded
    assert jinhua.right_key == (",", "推动", "更")

    for line in kwic.concordance(hits, width=5):
        text = paragraph_text(backend, line.article_id, line.paragraph)
        starts, ends = word_edges(text)
        left_edge = line.offset - len(line.left)
        right_edge = line.offset + len(line.match) + len(line.right)
        assert left_edge in starts and right_edge in ends  # never half a word
        # five words each side unless the paragraph ends sooner (a cut piece is one)
        assert len([e for e in starts if left_edge <= e < line.offset]) == 5 or left_edge == 0
        end = line.offset + len(line.match)
        assert len([e for e in ends if end < e <= right_edge]) == 5 or right_edge == len(text)
        assert line.left.strip() and line.right.strip()  # none of these is at an edge


def test_a_wall_of_text_is_segmented_in_windows_with_the_same_words(monkeypatch) -> None:
    sentence = "金華將積極融入長三角科創走廊建設，推動更多科技項目落地，讓企業共享創新資源"
    filler = "會議還通報了上半年重點項目的進展情況並部署下一階段工作"
    text = "".join(
        f"{sentence}{'。' if n % 3 else ''}{filler * (n % 4)}，" for n in range(12)
    )  # long runs without punctuation between some of the matches
    assert len(text) > kwic.WALL
    hit = make_hit(text, QUERY)
    assert len(hit.spans) == 12
    calls: list[int] = []
    real_segment = kwic.words

    def counting(text: str, lo: int = 0, hi: int | None = None):
        calls.append((hi if hi is not None else len(text)) - lo)
        return real_segment(text, lo, hi)

    monkeypatch.setattr(kwic, "words", counting)
    windowed = list(kwic.lines_of_hit(hit, width=5))
    assert calls and max(calls) < len(text)  # never the whole wall
    monkeypatch.setattr(kwic, "WALL", 10**9)
    whole = list(kwic.lines_of_hit(hit, width=5))
    assert windowed == whole
    assert all(line.left.endswith("長三角") for line in whole)


def test_sort_by_left_right_and_date() -> None:
    hits = [
        make_hit("嘉兴市推动科创走廊建设，成效明显。", QUERY, "2023-05-12", 1),
        make_hit("上海松江建设科创走廊论坛开幕。", QUERY, "2023-04-02", 2),
        make_hit("長三角科創走廊協同發展。", QUERY, None, 3),
        make_hit("杭州加入科创走廊合作机制。", QUERY, "2023-06-01", 4),
    ]
    by_left = kwic.concordance(hits, sort="left")
    nearest = [line.left_key[0] for line in by_left]
    assert nearest == ["长三角", "加入", "建设", "推动"]  # chang, jia, jian, tui
    assert by_left[0].left == "長三角"  # folded for sorting, shown as written
    by_right = kwic.concordance(hits, sort="right")
    assert [line.right_key[0] for line in by_right] == ["合作", "建设", "论坛", "协同"]
    by_date = kwic.concordance(hits, sort="date")
    assert [line.published for line in by_date] == ["2023-04-02", "2023-05-12", "2023-06-01", None]
    assert [line.article_id for line in kwic.concordance(hits)] == [h.article_id for h in hits]
    assert len(kwic.concordance(hits, sort="left", limit=2)) == 2
    with pytest.raises(ValueError, match="unknown sort"):
        kwic.sort_lines(by_left, "score")  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [40, 60, 100])
def test_render_aligns_the_keyword_in_one_column(hits, width: int) -> None:
    mixed = [*hits, make_hit("G60 corridor 科创走廊 English and 中文 mixed text", QUERY, None, 9)]
    lines = kwic.concordance(mixed, width=5)
    rendered = kwic.render(lines, width)
    assert len(rendered) == len(lines)
    columns = set()
    for text, line in zip(rendered, lines, strict=True):
        (span,) = [s for s in text.spans if "reverse" in str(s.style)]
        plain = text.plain
        assert plain[span.start : span.end] == line.match
        columns.add(cell_len(plain[: span.start]))
        assert cell_len(plain) <= width
    assert len(columns) == 1  # the keyword starts in the same cell on every line
    assert any(text.plain.lstrip().startswith("2023-") for text in rendered)


def test_fitting_contexts_counts_double_width_cells() -> None:
    assert kwic._fit_left("長三角", 7) == " 長三角"
    assert kwic._fit_left("積極融入長三角", 7) == "…長三角"
    assert kwic._fit_left("積極融入長三角", 6) == " …三角"  # an odd cell left: a space
    assert kwic._fit_right("，推動更多科技", 6) == "，推…"
    assert cell_len(kwic._fit_right("abc科技", 4)) <= 4
    assert kwic.render([], 80) == []


def test_a_limit_without_sorting_reads_no_further_than_needed() -> None:
    hits = [
        make_hit("長三角科創走廊協同發展，科创走廊建设提速。", QUERY, None, n) for n in range(50)
    ]
    read: list[int] = []

    def counted():
        for n, hit in enumerate(hits):
            read.append(n)
            yield hit

    lines = kwic.concordance(counted(), limit=5)
    assert len(lines) == 5 and len(read) == 3  # two lines a hit
    assert len(kwic.concordance(iter(hits), sort="right", limit=5)) == 5
    assert [line.match for line in lines[:2]] == ["科創走廊", "科创走廊"]
