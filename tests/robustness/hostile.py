"""Hostile input, generated on demand: bad files among good ones, and terminal attacks.

Nothing here is committed data: every file is written into a temporary directory by
``build_corpus``. Each good file carries a unique place name (``marker``) so that a test
can find it again through the search API; each bad one says which reason it must get.
"""

from __future__ import annotations

import json
import os
import random
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

MIB = 1024 * 1024

# A realistic paragraph of Traditional Chinese news text (about 150 bytes in UTF-8).
PARAGRAPH_T = (
    "長三角九城市在金華舉行科創走廊推進會，各地介紹產業協同與人才交流的做法，"
    "交通、醫療、教育等領域的合作持續深化。"
)
PARAGRAPH_S = (
    "长三角九城市在金华举行科创走廊推进会，各地介绍产业协同与人才交流的做法，"
    "交通、医疗、教育等领域的合作持续深化。"
)
# One unique, searchable word per good article.
MARKERS = (
    "烏鎮",
    "西湖",
    "黃山",
    "普陀",
    "雁蕩",
    "莫干",
    "天目",
    "南潯",
    "西塘",
    "周莊",
    "同里",
    "甪直",
)


@dataclass
class Good:
    """A file whose articles must all be read (and indexed)."""

    path: Path
    titles: list[str]
    markers: list[str]


@dataclass
class Bad:
    """A file (or one line of it) that must be reported once, with this reason."""

    path: Path
    reason: str  # a fragment of the reason, lower case
    line: int | None = None


@dataclass
class HostileCorpus:
    root: Path
    cap_mb: float  # the size limit the runs must use (``G60_READER_MAX_FILE_MB``)
    good: list[Good] = field(default_factory=list)
    bad: list[Bad] = field(default_factory=list)
    unreadable: Path | None = None  # chmod 000 (unreadable only for a non-root process)

    @property
    def titles(self) -> list[str]:
        return [title for good in self.good for title in good.titles]

    @property
    def markers(self) -> list[str]:
        return [marker for good in self.good for marker in good.markers]

    def expected_errors(self, *, unreadable_fails: bool) -> list[tuple[str, str]]:
        """(piece of the file name[:line:], reason) of every error a run must report."""
        lines = [(label(b.path) + (f":{b.line}:" if b.line else ":"), b.reason) for b in self.bad]
        if unreadable_fails and self.unreadable is not None:
            lines.append((label(self.unreadable) + ":", "permission denied"))
        return lines

    def unmatched_errors(self, lines: list[str], *, unreadable_fails: bool) -> list[str]:
        """What is wrong with these error lines: each expected error must be on exactly
        one line, and no line may be left over."""
        problems = []
        expected = self.expected_errors(unreadable_fails=unreadable_fails)
        used: set[int] = set()
        for piece, reason in expected:
            hits = [i for i, ln in enumerate(lines) if piece in ln and reason in ln.lower()]
            if len(hits) != 1:
                problems.append(f"{piece!r} ({reason}): on {len(hits)} lines")
            used.update(hits)
        problems += [f"unexpected line: {ln!r}" for i, ln in enumerate(lines) if i not in used]
        return problems

    def env(self) -> dict[str, str]:
        return {"G60_READER_MAX_FILE_MB": f"{self.cap_mb:g}"}


def label(path: Path) -> str:
    """The longest printable ASCII run of a file name: how to find its line in the output
    whether the rest of the name is escaped or not."""
    return max(re.findall(r"[ -~]+", path.name.replace("\\", " ")), key=len)


def article_text(
    title: str, marker: str, paragraphs: int = 3, *, simplified: bool = False, md: bool = False
) -> str:
    """A small article: the title line, then paragraphs (blank-line separated for .md)."""
    body = PARAGRAPH_S if simplified else PARAGRAPH_T
    lines = [("# " if md else "") + title, f"金華日報消息 12月3日，{marker}的代表出席會議。{body}"]
    lines += [f"第{n}段：{body}" for n in range(2, paragraphs + 1)]
    return ("\n\n" if md else "\n").join(lines) + "\n"


def png_bytes(rng: random.Random, size: int = 4096) -> bytes:
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR"
    return header + rng.randbytes(size)


def elf_bytes(rng: random.Random, size: int = 4096) -> bytes:
    return b"\x7fELF\x02\x01\x01" + bytes(9) + rng.randbytes(size)


def sparse_file(path: Path, size: int, head: bytes) -> Path:
    """A file of ``size`` bytes that takes no disk space beyond ``head``."""
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def text_file(path: Path, size: int) -> Path:
    """A real (not sparse) UTF-8 text file of about ``size`` bytes, written in blocks."""
    block = ("\n".join([PARAGRAPH_T] * 64) + "\n").encode("utf-8")
    with open(path, "wb") as fh:
        fh.write("巨大的文件\n".encode())
        written = 0
        while written < size:
            fh.write(block)
            written += len(block)
    return path


def one_mb_line(unit: str) -> str:
    """``unit`` repeated to one megabyte of UTF-8, without a newline."""
    return unit * (MIB // len(unit.encode("utf-8")) + 1)


def deep_html(title: str, marker: str, depth: int) -> str:
    opening = "".join(f"<div class='d{i % 7}'><span>" for i in range(depth))
    closing = "</span></div>" * depth
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>網頁標題</title>"
        "<script>document.write('SCRIPT_TEXT_MUST_NOT_APPEAR'); if (a < b) {}</script>"
        "<style>p { color: red } /* STYLE_TEXT */</style></head><body>"
        f"<h1>{title}</h1>{opening}"
        f"<p>金華日報消息 {marker}的代表出席會議。{PARAGRAPH_T}</p>"
        f"<p>第二段：{PARAGRAPH_T}<script>var x = 'INLINE_SCRIPT';</script></p>"
        f"{closing}<footer>版權所有 FOOTER_TEXT</footer></body></html>"
    )


def build_corpus(root: Path, *, long: bool = False, cap_mb: float = 3.0) -> HostileCorpus:
    """Every bad-file case of the robustness issue, among good files, under ``root``.

    ``long`` writes a real 200 MB text file; otherwise it is sparse (same size on
    ``stat``, no disk space), which the reader must reject just the same.
    """
    rng = random.Random(60)
    root.mkdir(parents=True, exist_ok=True)
    corpus = HostileCorpus(root=root, cap_mb=cap_mb)
    markers = iter(MARKERS)

    def good(name: str | bytes, data: bytes, titles: list[str], n_markers: int = 1) -> None:
        path = root / (os.fsdecode(name) if isinstance(name, bytes) else name)
        path.write_bytes(data)
        corpus.good.append(Good(path, titles, used[-n_markers:]))

    used: list[str] = []

    def article(title: str, *, simplified: bool = False, md: bool = False) -> str:
        used.append(next(markers))
        return article_text(title, used[-1], simplified=simplified, md=md)

    # -- good files, some with awkward names or encodings
    good("good_traditional.txt", article("九城市共商科創走廊").encode(), ["九城市共商科創走廊"])
    good(
        "good_simplified.md",
        article("九城市共商科创走廊", simplified=True, md=True).encode(),
        ["九城市共商科创走廊"],
    )
    good(
        "big5 saved as.md",
        article("臺北市政府舉辦數位論壇", md=True).encode("cp950"),
        ["臺北市政府舉辦數位論壇"],
    )
    good("gb18030.txt", article("杭州舉辦數字經濟論壇").encode("gb18030"), ["杭州舉辦數字經濟論壇"])
    good("name with spaces.txt", article("空格檔名的文章").encode(), ["空格檔名的文章"])
    good("new\nline.txt", article("換行檔名的文章").encode(), ["換行檔名的文章"])
    good(b"latin1-\xe9\xff.txt", article("非UTF8檔名的文章").encode(), ["非UTF8檔名的文章"])
    used.append(next(markers))
    good("nested.html", deep_html("深層巢狀網頁", used[-1], 5000).encode(), ["深層巢狀網頁"])

    # one 1 MB line: a markdown article whose body is a single line
    used.append(next(markers))
    line = f"{used[-1]}的代表出席會議。" + one_mb_line(PARAGRAPH_T)
    good("one_line.md", f"# 單行一兆位元組\n\n{line}\n".encode(), ["單行一兆位元組"])

    # JSONL: good records around broken lines and wrong field types
    used.append(next(markers))
    used.append(next(markers))
    records = [
        json.dumps({"title": "第一條紀錄", "content": f"{used[-2]}的代表出席會議。"}),
        '{"title": "斷掉的紀錄", "content": "沒有結尾',
        json.dumps({"title": 12345, "content": "標題是數字"}),
        json.dumps({"title": "第四條紀錄", "content": [f"{used[-1]}的代表出席會議。", "第二行"]}),
        json.dumps({"title": "內容是物件", "content": {"text": "不行"}}),
        json.dumps(["不是", "物件"]),
        "",
        "not json at all",
    ]
    jsonl = root / "dump.jsonl"
    jsonl.write_text("\n".join(records) + "\n", encoding="utf-8")
    corpus.good.append(Good(jsonl, ["第一條紀錄", "第四條紀錄"], used[-2:]))
    corpus.bad += [
        Bad(jsonl, "invalid json", 2),
        Bad(jsonl, "field 'title' must be a string", 3),
        Bad(jsonl, "field 'content' must be a string or an array", 5),
        Bad(jsonl, "expected a json object", 6),
        Bad(jsonl, "invalid json", 8),
    ]

    # -- bad files
    def bad(name: str, data: bytes, reason: str) -> Path:
        path = root / name
        path.write_bytes(data)
        corpus.bad.append(Bad(path, reason))
        return path

    bad("empty.txt", b"", "empty file")
    bad("blank.md", b" \n\t\r\n\xe3\x80\x80\n", "empty file (only whitespace)")
    bad("photo.txt", png_bytes(rng), "binary file (png image)")
    bad("program.md", elf_bytes(rng), "binary file (elf executable)")
    valid = article_text("壞掉的UTF-8", "無").encode()
    bad("invalid_utf8.txt", valid[:40] + b"\xff\xfe\xc3\x28" + valid[40:], "cannot decode")
    gb = article_text("截斷的GB18030", "無").encode("gb18030").rstrip(b"\n")
    bad("truncated_gb18030.txt", gb[:-1], "ends inside a character")
    bad("over_cap.txt", b"", f"over the {cap_mb:g} mb limit")
    text_file(root / "over_cap.txt", int(cap_mb * MIB) + MIB // 4)
    huge = root / "huge_200mb.txt"
    if long:
        text_file(huge, 200 * MIB)
    else:
        sparse_file(huge, 200 * MIB, "巨大的文件\n".encode())
    corpus.bad.append(Bad(huge, "over the"))
    # a named escape sequence: the name must be shown escaped, never executed
    bad("\x1b]52;c;aGk=\x07\x1b[2J evil.txt", b"", "empty file")
    bad("empty\nname.txt", b"", "empty file")  # one error line, not two

    # links: a directory loop (read once, silently), a file loop and a dangling link
    (root / "sub").mkdir()
    used.append(next(markers))
    good("sub/inner.txt", article_text("子目錄文章", used[-1]).encode(), ["子目錄文章"])
    (root / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (root / "sub" / "self_loop").symlink_to("self_loop")
    self_link = root / "self.txt"
    self_link.symlink_to("self.txt")
    corpus.bad.append(Bad(self_link, "cannot open"))
    dangling = root / "dangling.md"
    dangling.symlink_to(root / "nowhere.md")
    corpus.bad.append(Bad(dangling, "cannot open"))
    os.mkfifo(root / "pipe.txt")  # never opened by the walker: it is not a regular file

    # an unreadable file (readable by root anyway; tests drop privileges or inject)
    secret = root / "secret.txt"
    secret.write_bytes(article_text("不可讀的文章", "無").encode())
    secret.chmod(0)
    corpus.unreadable = secret
    return corpus


# -- text that attacks the terminal ------------------------------------------------------

# name -> (payload, what a reader may see of it). Escape sequences and invisible
# controls go; markup-looking text stays exactly as written.
ATTACKS: dict[str, tuple[str, str]] = {
    "csi_clear": ("\x1b[2J\x1b[H", ""),
    "csi_8bit": ("\x9b2J", ""),
    "osc52_clipboard": ("\x1b]52;c;ZWNobyBvd25lZA==\x07", ""),
    "osc52_st": ("\x1b]52;c;ZWNobyBvd25lZA==\x1b\\", ""),
    "osc8_link": ("\x1b]8;;https://evil.example/\x1b\\點我\x1b]8;;\x1b\\", "點我"),
    "osc_title": ("\x1b]0;pwned\x07", ""),
    "dcs": ("\x1bPq#0;2;0;0;0\x1b\\", ""),
    "bel": ("\x07\x07", ""),
    "backspace": ("abc\x08\x08\x08", "abc"),
    "cr_overwrite": ("假\r真", "假 真"),
    "bidi_override": ("\u202eevil\u202c", "evil"),
    "bidi_isolate": ("\u2066\u2067\u2068\u2069", ""),
    "zero_width": ("零\u200b寬\u200c字\u200d元\u2060\ufeff", "零寬字元"),
    "rich_markup": (
        "[bold red]紅[/bold red][link=https://evil.example]連結[/link]",
        "[bold red]紅[/bold red][link=https://evil.example]連結[/link]",
    ),
    "textual_action": ("[@click=app.quit]退出[/]", "[@click=app.quit]退出[/]"),
    "emoji_code": (":warning: :smile:", ":warning: :smile:"),
    "next_line": ("上\x85下", "上 下"),
    "line_separator": ("上\u2028下", "上 下"),
}

# What must never reach the terminal raw: ESC, BEL, 8-bit CSI/OSC/ST/DCS, bidi controls.
FORBIDDEN_CHARS = (
    "\x1b\x07\x08\x9b\x9d\x9c\x90\x0d\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def forbidden_in(data: bytes) -> list[str]:
    """The forbidden characters found in terminal output bytes (decoded as UTF-8)."""
    text = data.decode("utf-8", "replace")
    return sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN_CHARS})


def attack_title(payload: str) -> str:
    return f"標題{payload}攻擊"


def attack_record(payload: str) -> dict[str, object]:
    """A JSON article carrying ``payload`` in every text field (JSON can hold any control
    character, a CR included, where a .txt file would split the line)."""
    return {
        "title": attack_title(payload),
        "subtitle": f"副題{payload}",
        "author": f"記{payload}者",
        "source": f"來源{payload}報",
        "content": [f"正文{payload}第一段。", f"第二段{payload}。"],
    }


def attack_jsonl() -> str:
    """Every attack, one record a line, in ``ATTACKS`` order."""
    return "".join(json.dumps(attack_record(p)) + "\n" for p, _ in ATTACKS.values())
