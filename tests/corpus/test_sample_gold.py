"""The bundled sample, parsed, against the gold facts a careful reader wrote down."""

from __future__ import annotations

import re

import pytest

from g60_reader.corpus.clean import DAMAGE_MARK, READING_RE
from g60_reader.corpus.fold import fold
from g60_reader.corpus.model import Article
from g60_reader.corpus.readers import load_sample, read_file

# Any "(letters)" or "letters)" run with a tone-marked vowel: what a leftover reading or
# remnant would look like, written independently of the cleaner's own patterns.
LEFTOVER_RE = re.compile(r"\(?[a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")


@pytest.fixture(scope="module")
def article() -> Article:
    return load_sample()


def all_texts(article: Article) -> list[str]:
    return [article.title, article.subtitle, *(p.text for p in article.paragraphs)]


def test_sample_reads_without_errors(sample_path):
    articles, errors = read_file(sample_path)
    assert errors == []
    assert len(articles) == 1
    assert articles[0].format == "txt"


def test_title_matches_gold(article, gold):
    assert article.title == gold["metadata"]["title"]
    assert "原標題" not in article.title


def test_subtitle_matches_gold(article, gold):
    assert article.subtitle.startswith(gold["metadata"]["subtitle_starts_with"])
    # the subtitle is not counted as a body paragraph
    assert all(p.text != article.subtitle for p in article.paragraphs)


def test_outlet_and_dateline(article, gold):
    # The raw file writes 金華日報 (Traditional 華), exactly as the gold does.
    raw = article.paragraphs[0].text
    assert raw.startswith("金華日報消息")
    assert article.outlet == gold["metadata"]["source"]
    assert article.dateline == "金華日報消息"
    # the dateline is reported, and not cut from the body text
    assert article.paragraphs[0].text.startswith(article.dateline)


def test_reporter_matches_gold(article, gold):
    assert article.byline == gold["metadata"]["reporter"]
    assert article.paragraphs[-1].text.endswith("(記者 盛游)")


def test_dates(article, gold):
    assert article.date_text == "12月11日至12日"
    assert gold["metadata"]["event_dates_in_text"].startswith(article.date_text)
    assert article.date is None  # no year in the text


def test_six_body_paragraphs_numbered_from_one(article, gold):
    assert len(article.paragraphs) == gold["metadata"]["body_paragraphs"] == 6
    assert [p.number for p in article.paragraphs] == [1, 2, 3, 4, 5, 6]
    assert article.paragraphs[5].text.startswith("活動期間")


def test_no_reading_or_remnant_left(article):
    for text in all_texts(article):
        assert LEFTOVER_RE.search(text) is None, text
        assert READING_RE.search(text) is None
        assert "?" not in text


def test_raw_sample_holds_184_readings(sample_path):
    raw = sample_path.read_text(encoding="utf-8")
    assert len(READING_RE.findall(raw)) == 184
    # independently: every "(" opens a reading except the one of (記者 盛游)
    assert raw.count("(") - raw.count("(記者 盛游)") == 184


def test_three_damage_marks_where_the_gold_says(article):
    marks = [(d.part, d.paragraph) for d in article.damage]
    assert marks == [("subtitle", None), ("body", 2), ("body", 2)]
    texts = {("subtitle", None): article.subtitle}
    texts.update({("body", p.number): p.text for p in article.paragraphs})
    for d in article.damage:
        assert texts[(d.part, d.paragraph)][d.offset] == DAMAGE_MARK
    assert sum(t.count(DAMAGE_MARK) for t in all_texts(article)) == 3
    assert [d.raw for d in article.damage] == ["?zhí)照\\", "?jiǎng)", "?chuàng)"]
    assert "重要〓〓新策源地" in article.paragraphs[1].text
    assert article.subtitle.startswith("孫景淼陳龍〓")


def test_folded_text_has_equal_length_everywhere(article):
    for p in article.paragraphs:
        assert len(p.folded) == len(p.text)
        assert p.folded == fold(p.text)
    assert "科创走廊" in article.paragraphs[1].folded
    assert "科創走廊" in article.paragraphs[1].text


def test_hashes_and_id_are_stable(article, sample_path):
    again = read_file(sample_path)[0][0]
    assert again.id == article.id
    assert re.fullmatch(r"[0-9a-f]{16}", article.id)
    assert again.content_hash == article.content_hash
    assert re.fullmatch(r"[0-9a-f]{64}", article.file_hash)
