"""The pure parts of the interface: history, line breaking, styled text."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text

from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.corpus.model import EntitySpan
from g60_reader.tui.history import QueryHistory
from g60_reader.tui.widgets.rendering import (
    CURRENT_HIT_STYLE,
    DAMAGE_STYLE,
    ENTITY_STYLES,
    HIT_STYLE,
    display,
    legend,
    styled,
)
from g60_reader.tui.widgets.wrap import break_offsets, wrap_lines

# -- history -----------------------------------------------------------------------------


def test_history_persists_dedupes_and_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "data" / "history.txt"
    history = QueryHistory(path, limit=3)
    for query in ["科创走廊", "長三角", "科创走廊", "  陈龙   金华 ", "", "jinhua"]:
        history.add(query)
    assert path.read_text(encoding="utf-8").splitlines() == ["科创走廊", "陈龙 金华", "jinhua"]
    again = QueryHistory(path, limit=3)
    assert again.entries == ["科创走廊", "陈龙 金华", "jinhua"]


def test_history_walk_returns_to_the_draft(tmp_path: Path) -> None:
    history = QueryHistory(tmp_path / "h.txt")
    history.add("one")
    history.add("two")
    assert history.previous("dra") == "two"
    assert history.previous("ignored") == "one"
    assert history.previous("ignored") is None  # nothing older
    assert history.next() == "two"
    assert history.next() == "dra"  # back to what was typed
    assert history.next() is None  # not browsing any more


def test_history_survives_an_unwritable_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    history = QueryHistory(blocker / "history.txt")  # parent is a file: cannot be created
    history.add("query")
    assert history.entries == ["query"]


# -- line breaking ------------------------------------------------------------------------

PARAGRAPH = (
    "金華日報消息 區域一體，科創先行。12月11日至12日，九地市政協共商G60科創走廊"
    "更高質量發展活動在金華市舉行。G60 corridor version 3.0 works."
)


def _joined(lines: list[Text]) -> str:
    return "".join(line.plain for line in lines)


def test_wrap_breaks_between_han_characters_and_keeps_every_character() -> None:
    for width in (7, 10, 21, 40, 80):
        lines = wrap_lines(Text(PARAGRAPH), width)
        assert all(cell_len(line.plain) <= width for line in lines), width
        assert _joined(lines).replace(" ", "") == PARAGRAPH.replace(" ", "")
    lines = wrap_lines(Text(PARAGRAPH), 20)
    # The space after 金華日報消息 is no reason to end the first line early.
    assert cell_len(lines[0].plain) >= 19


def test_wrap_keeps_punctuation_words_and_hits_together() -> None:
    text = "一二三四五六七八九，十"
    lines = wrap_lines(Text(text), 18)  # nine characters fit; the comma must not start a line
    assert not lines[1].plain.startswith("，")
    lines = wrap_lines(Text("甲乙丙 corridor 丁"), 12)
    assert any("corridor" in line.plain for line in lines)
    start = PARAGRAPH.index("科創走廊")
    for width in range(8, 40):
        lines = wrap_lines(Text(PARAGRAPH), width, keep=[(start, start + 4)])
        assert any("科創走廊" in line.plain for line in lines), width


def test_wrap_folds_a_word_wider_than_the_line() -> None:
    offsets = break_offsets("abcdefghij", 4)
    assert offsets == [4, 8]


def test_wrap_keeps_styles_on_the_same_characters() -> None:
    text = Text(PARAGRAPH)
    start = PARAGRAPH.index("科創走廊")
    text.stylize(HIT_STYLE, start, start + 4)
    for width in (9, 13, 30):
        lines = wrap_lines(text, width, keep=[(start, start + 4)])
        styled_chars = "".join(
            line.plain[span.start : span.end]
            for line in lines
            for span in line.spans
            if span.style == HIT_STYLE
        )
        assert styled_chars == "科創走廊"


# -- styled text -------------------------------------------------------------------------


def test_markup_in_article_text_stays_literal() -> None:
    raw = "這是[bold]粗體[/bold]與[link=http://e]連結[/link]"
    text = styled(raw)
    assert text.plain == raw
    assert text.spans == []


def test_control_characters_become_visible_and_keep_offsets() -> None:
    raw = "紅\x1b[31m字\x07\u202e尾"
    shown = display(raw)
    assert len(shown) == len(raw)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert shown.startswith("紅␛[31m字␇")
    assert display("名\udcff字") == "名\ufffd字"  # a lone surrogate cannot be printed


def test_styles_land_on_the_right_characters_in_every_script() -> None:
    raw = "推動G60科創走廊建設，陳龍出席。"
    hit = (raw.index("科創走廊"), raw.index("科創走廊") + 4)
    person = EntitySpan(raw.index("陳龍"), raw.index("陳龍") + 2, "person", "陳龍")
    for script, convert in (
        ("written", lambda s: s),
        ("simplified", fold),
        ("traditional", to_traditional),
    ):
        text = styled(raw, script=script, hits=[hit], current=hit, entities=[person])
        assert text.plain == convert(raw)
        by_style = {str(span.style): text.plain[span.start : span.end] for span in text.spans}
        assert by_style[HIT_STYLE] == convert("科創走廊")
        assert by_style[CURRENT_HIT_STYLE] == convert("科創走廊")
        assert by_style[ENTITY_STYLES["person"]] == convert("陳龍")


def test_damage_is_marked_even_without_highlighting() -> None:
    text = styled("重要〓〓新策源地", highlight=False, hits=[(0, 2)])
    marked = [text.plain[s.start : s.end] for s in text.spans if s.style == DAMAGE_STYLE]
    assert marked == ["〓", "〓"]
    assert all(s.style != HIT_STYLE for s in text.spans)


def test_legend_fits_narrow_panes() -> None:
    assert "organization" in legend(200).plain
    narrow = legend(40)
    assert narrow.cell_len <= 40
    assert "person" in narrow.plain
