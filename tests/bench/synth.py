"""A deterministic synthetic news corpus for benchmarks.

Words are drawn from jieba's dictionary by frequency and mixed with the bundled sample's
vocabulary (people, places, the corridor's name), so queries and entities have something
real to find. Paragraphs are 60 to 250 characters, articles 4 to 12 paragraphs; one
article in five is written in Traditional script. Under the title a header line gives a
publication date (2016-2020) and an outlet (``2019-03-05　来源：新华网``), as scraped
exports do: the reader takes it as metadata, so the paragraphs are the same as without
it. The files are plain ``.txt`` articles that the normal ``g60-reader index`` command
reads.

    python -m tests.bench.synth --paragraphs 10000 --out /tmp/synth10k
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
from collections.abc import Iterator
from pathlib import Path

import jieba
import opencc

HAN_WORD = re.compile(r"^[\u4e00-\u9fff]{1,4}$")
SAMPLE = Path(__file__).resolve().parents[2] / "corpus" / "data" / "000_c6dd73ee9f6b25ea.txt"
# Names, places and terms of the sample, the way a reader of the region's news meets them.
SAMPLE_TERMS = (
    "G60科创走廊 长三角 一体化 金华 松江 嘉兴 杭州 苏州 湖州 宣城 芜湖 合肥 浙江省 上海 "
    "政协 孙景淼 陈龙 陶诚华 郑余良 张伟亚 盛游 金华日报 零跑科技有限公司 龙芯智慧产业园 "
    "科技创新 产业 协同 创新 合作 发展 企业家 委员 市委书记 副主席"
).split()


def _dictionary() -> tuple[list[str], list[int]]:
    words: list[str] = []
    weights: list[int] = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 2 and HAN_WORD.match(parts[0]):
                words.append(parts[0])
                weights.append(int(parts[1]))
    return words, weights


def _sample_vocabulary() -> list[str]:
    fold = opencc.OpenCC("t2s")
    text = re.sub(r"\([a-zǜ-ͯāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", "", SAMPLE.read_text("utf-8"))
    words = [w for w in jieba.lcut(fold.convert(text)) if HAN_WORD.match(w) and len(w) > 1]
    return sorted(set(words)) + SAMPLE_TERMS


_NAMES: dict[str, tuple[str, ...]] = {
    "person": ("孙景淼", "陈龙", "陶诚华", "郑余良", "张伟亚", "盛游"),
    "place": ("金华", "松江", "嘉兴", "杭州", "苏州", "湖州", "宣城", "芜湖", "合肥", "上海"),
    "organization": ("政协", "金华日报", "零跑科技有限公司"),
}


def find_names(text: str, folded: str) -> list:
    """The synthetic corpus's names by string search: the benchmarks' ``--recogniser
    names`` (the entity pass's jieba and writes without LAC's cost; module level, so
    worker processes can run it)."""
    from g60_reader.corpus.model import EntitySpan

    out = []
    for etype, names in _NAMES.items():
        for name in names:
            start = folded.find(name)
            while start >= 0:
                out.append(
                    EntitySpan(start, start + len(name), etype, text[start : start + len(name)])
                )
                start = folded.find(name, start + 1)
    return out


OUTLETS = (
    "新华网",
    "人民网",
    "澎湃新闻",
    "中国新闻网",
    "光明日报",
    "经济日报",
    "嘉兴日报",
    "金华日报",
    "解放日报",
    "浙江日报",
    "环球时报",
    "央视新闻",
)
FIRST_DAY = 16_801  # 2016-01-01 as days since 1970-01-01
DAYS = 1_827  # to 2020-12-31


def header(rng: random.Random) -> str:
    """A scraped export's header line: publication date and outlet."""
    import datetime as dt

    day = dt.date(1970, 1, 1) + dt.timedelta(days=FIRST_DAY + rng.randrange(DAYS))
    return f"{day.isoformat()}　来源：{rng.choice(OUTLETS)}"


def generate(paragraphs: int, seed: int = 60) -> Iterator[tuple[str, list[str]]]:
    """Yield ``(title, paragraphs)`` articles until ``paragraphs`` paragraphs are made."""
    rng = random.Random(seed)
    words, weights = _dictionary()
    cum = list(itertools.accumulate(weights))
    local = _sample_vocabulary()
    to_trad = opencc.OpenCC("s2t")
    made = 0
    while made < paragraphs:
        n = min(rng.randint(4, 12), paragraphs - made)
        body: list[str] = []
        for _ in range(n):
            target = rng.randint(60, 250)
            parts: list[str] = []
            size = 0
            clause = rng.randint(5, 12)
            while size < target - 1:
                draws = rng.choices(words, cum_weights=cum, k=clause)
                for i in range(len(draws)):
                    if rng.random() < 0.15:
                        draws[i] = rng.choice(local)
                piece = "".join(draws)[: max(1, target - 1 - size)]
                parts.append(piece)
                size += len(piece) + 1
                parts.append("，")
                clause = rng.randint(5, 12)
            parts[-1] = "。"
            body.append("".join(parts))
        title = "".join(rng.choices(local, k=3)) + "".join(rng.choices(words, cum_weights=cum, k=3))
        if rng.random() < 0.2:
            title, body = to_trad.convert(title), [to_trad.convert(p) for p in body]
        made += n
        yield title, body


def write_corpus(out: Path, paragraphs: int, seed: int = 60) -> int:
    """Write the corpus as ``.txt`` files (100 to a folder); return the number of files.

    Writing is skipped when ``out`` already holds a complete corpus of the same size/seed.
    """
    stamp = out / ".synth-complete"
    key = f"v2:{paragraphs}:{seed}"  # v2: with a dated header line
    if stamp.exists() and stamp.read_text() == key:
        return sum(1 for _ in out.rglob("*.txt"))
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    dates = random.Random(seed + 1)  # its own stream: the text is as it always was
    for count, (title, body) in enumerate(generate(paragraphs, seed), start=1):
        folder = out / f"{(count - 1) // 100:04d}"
        folder.mkdir(exist_ok=True)
        text = "\n".join([title, header(dates), *body]) + "\n"
        (folder / f"a{count:06d}.txt").write_text(text, "utf-8")
    stamp.write_text(key)
    return count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paragraphs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=60)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    files = write_corpus(args.out, args.paragraphs, args.seed)
    print(f"{files} files, {args.paragraphs} paragraphs in {args.out}")


if __name__ == "__main__":
    main()
