"""One corpus, indexed by every backend, for the contract suite.

The corpus looks like a user's folder: the bundled sample (Traditional, damaged, with
readings), realistic articles in both scripts and several formats, an exact duplicate
in the other script, and a few hundred generated articles whose vocabulary gives common
and rare words, names, Latin tokens and dates. Every backend indexes the same folder
with the same deterministic entity recogniser (names found by string search), so that
hit sets can be compared exactly.

Backends: ``memory`` (the reference), ``whoosh`` and ``opensearch`` (a real node, started
once per session by the root plugin ``tests/opensearch_node.py``; its tests are marked
``opensearch``; the index gets a name of its own per session and is deleted at the end).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from g60_reader.corpus.fold import fold, to_traditional
from g60_reader.corpus.model import EntitySpan

NAMES = {
    "person": ["陈龙", "张伟", "李明", "王芳", "孙景淼"],
    "place": ["嘉兴", "杭州", "上海", "金华", "长三角", "苏州工业园区"],
    "organization": ["浙江大学", "政协", "零跑科技"],
}
WORDS2 = [
    "经济",
    "社会",
    "科技",
    "创新",
    "发展",
    "合作",
    "产业",
    "企业",
    "项目",
    "会议",
    "政府",
    "城市",
    "人才",
    "市场",
    "投资",
    "数字",
    "文化",
    "教育",
    "医疗",
    "交通",
]
WORDS3 = ["一体化", "科创走廊", "高质量发展", "产业园", "新能源", "数字经济", "协同创新"]
LATIN = ["G60", "AI", "5G", "3.0", "GDP"]
OUTLETS = ["嘉兴日报", "金华日报", "新华网", "澎湃新闻", "人民网"]


def recognise(text: str, folded: str) -> list[EntitySpan]:
    """Names found by string search in the folded text (deterministic, fast)."""
    out = []
    for etype, names in NAMES.items():
        for name in names:
            start = folded.find(name)
            while start >= 0:
                out.append(
                    EntitySpan(start, start + len(name), etype, text[start : start + len(name)])
                )
                start = folded.find(name, start + 1)
    return sorted(out, key=lambda e: (e.start, -e.end))


def _paragraph(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(5, 14)):
        r = rng.random()
        if r < 0.55:
            parts.append(rng.choice(WORDS2))
        elif r < 0.75:
            parts.append(rng.choice(WORDS3))
        elif r < 0.88:
            parts.append(rng.choice([n for names in NAMES.values() for n in names]))
        elif r < 0.94:
            parts.append(rng.choice(LATIN))
        else:
            parts.append("，")
    return "".join(parts) + "。"


def write_corpus(root: Path) -> Path:
    from g60_reader.corpus.readers import SAMPLE_PATH

    rng = random.Random(60)
    news = root / "news"
    (news / "txt").mkdir(parents=True)
    (news / "dump").mkdir()
    (news / "sample.txt").write_bytes(SAMPLE_PATH.read_bytes())
    records = []
    for k in range(240):
        paras = [_paragraph(rng) for _ in range(rng.randint(2, 6))]
        title = "".join(rng.sample(WORDS2, 2)) + rng.choice(["新闻", "快讯", "观察"])
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        outlet = rng.choice(OUTLETS)
        if k % 3 == 0:  # a JSON-lines record with its own date and source
            records.append(
                {
                    "title": title,
                    "content": "\n".join(paras),
                    "source": outlet,
                    "publish_time": f"2023-{month:02d}-{day:02d} 08:{k % 60:02d}:00",
                }
            )
            continue
        text = "\n".join([title, f"2023年{month}月{day}日　{outlet}", *paras]) + "\n"
        if k % 5 == 0:  # a Traditional article
            text = to_traditional(text)
        if k % 11 == 0:  # no date at all
            text = "\n".join([title, *paras]) + "\n"
        (news / "txt" / f"{k:03d}.txt").write_text(text, encoding="utf-8")
    (news / "dump" / "feed.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8"
    )
    # an exact duplicate of article 1, converted to Traditional, under another name
    copy = to_traditional((news / "txt" / "001.txt").read_text(encoding="utf-8"))
    (news / "txt" / "001-mirror.txt").write_text(copy, encoding="utf-8")
    # reprints: one wire story, retitled, trimmed, credited, in both scripts, later
    story = [_paragraph(rng) + _paragraph(rng) + _paragraph(rng) for _ in range(5)]
    (news / "wire").mkdir()
    versions = [
        ("长三角协同创新大会开幕", "2023年6月1日　新华网", story, ""),
        ("协同创新大会在嘉兴开幕", "2023年6月1日　澎湃新闻", story[:4], "（来源：新华网）"),
        ("長三角大會開幕", "2023年6月2日　人民网", story[1:], "（责任编辑：王芳）"),
    ]
    for n, (title, line, paras, tail) in enumerate(versions):
        text = "\n".join([title, line, *paras, *([tail] if tail else [])]) + "\n"
        if n == 2:
            text = to_traditional(text)
        (news / "wire" / f"story-{n}.txt").write_text(text, encoding="utf-8")
    return news


BACKENDS = ["memory", "whoosh", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture(scope="session")
def contract_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("contract"))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request, contract_corpus, tmp_path_factory):
    """Each backend, holding the contract corpus (text, entities, stories)."""
    from g60_reader.index.registry import open_backend

    name = request.param
    if name == "memory":
        url = f"memory:contract-{id(contract_corpus)}"
    elif name == "opensearch":
        node = request.getfixturevalue("opensearch_url")
        url = f"opensearch+{node}/g60-contract-{os.getpid()}"
    else:
        url = f"whoosh:{tmp_path_factory.mktemp('contract-whoosh') / 'index'}"
    b = open_backend(url)
    if name == "opensearch" and b.exists():  # left by an earlier session with this pid
        _drop_index(node, url)
    if not b.exists():
        report = b.update([contract_corpus], procs=1)
        assert report.failed == [], report.failed
        b.enrich(recognise)
        b.cluster_stories()
    yield b
    b.close()
    if name == "opensearch":
        _drop_index(node, url)


def _drop_index(node: str, url: str) -> None:
    """Delete a session's OpenSearch index and its template."""
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[node], timeout=30)
    index = url.rsplit("/", 1)[1]
    client.indices.delete(index=index, ignore_unavailable=True)
    client.indices.delete_index_template(name=f"g60-reader-{index}", ignore=[404])
    client.close()


@pytest.fixture(scope="session")
def reference(contract_corpus):
    from g60_reader.index.registry import open_backend

    b = open_backend(f"memory:contract-{id(contract_corpus)}")
    if not b.exists():
        b.update([contract_corpus], procs=1)
        b.enrich(recognise)
        b.cluster_stories()
    return b


__all__ = ["fold"]
