"""The reader (Textual app) on a real index of hostile text, with hostile queries.

In-process with ``App.run_test``: what the screen shows is read back from the
compositor (the exact cells a terminal would get). And once as a real process on a
pseudo-terminal: the raw bytes the app writes must not carry the attack payloads.
"""

from __future__ import annotations

import asyncio
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.robustness.conftest import CLI, cli_env
from tests.robustness.hostile import ATTACKS, article_text, attack_jsonl, attack_title

SIZE = (160, 50)


@pytest.fixture(scope="module")
def attack_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from g60_reader.corpus.readers import SAMPLE_PATH
    from g60_reader.index.backends.whoosh import store

    root = tmp_path_factory.mktemp("tui-attacks")
    (root / "attacks.jsonl").write_text(attack_jsonl(), encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("tui-index") / "index"
    assert store.update(index_dir, [SAMPLE_PATH, root], procs=1).failed == []
    return index_dir


def make_app(index_dir: Path, tmp_path: Path):
    from g60_reader.tui.app import G60App
    from g60_reader.tui.history import QueryHistory

    # the real opener: opens the index directory as `g60-reader` does
    return G60App(index_dir=index_dir, history=QueryHistory(tmp_path / "history"), debounce=0.05)


async def settle(pilot, rounds: int = 500) -> None:
    app = pilot.app
    for _ in range(rounds):
        await pilot.pause()
        if not app.busy:
            break
        await asyncio.sleep(0.02)
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def screen_cells(app, widget=None) -> tuple[str, list]:
    """The text on screen (of ``widget``'s region, or everything) and its segments."""
    strips = app.screen._compositor.render_strips()
    region = widget.region if widget is not None else app.screen.region
    lines, segments = [], []
    for y in range(region.y, min(region.y + region.height, len(strips))):
        strip = strips[y].crop(region.x, region.x + region.width)
        lines.append(strip.text)
        segments.extend(strip)
    return "\n".join(lines), segments


FORBIDDEN = set(
    "\x1b\x07\x08\x9b\x9d\x9c\x90\r\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def _assert_inert(text: str, segments: list, where: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in text if c in FORBIDDEN})
    assert found == [], f"{where}: {found}"
    for segment in segments:
        style = segment.style
        if style is None:
            continue
        assert not style.link, f"{where}: a link was made from text: {segment.text!r}"
        assert "@click" not in (style.meta or {}), f"{where}: an action from text: {segment.text!r}"


async def test_reader_and_results_show_attack_text_inertly(
    attack_index: Path, tmp_path: Path
) -> None:
    app = make_app(attack_index, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_for("第二段")
        await settle(pilot)
        assert app.results is not None and app.results.error is None
        titles = [hit.title for hit in app.results.hits]
        wanted = {attack_title(visible) for _payload, visible in ATTACKS.values()}
        assert wanted <= set(titles)
        text, segments = screen_cells(app, app.results_list)
        _assert_inert(text, segments, "results list")
        for row, title in enumerate(titles):
            if title not in wanted:
                continue
            app.open_result(row)
            await settle(pilot)
            assert app.reader.stored is not None
            assert app.reader.stored.article.title == title
            text, segments = screen_cells(app, app.reader)
            _assert_inert(text, segments, f"reader: {title}")
            flat = text.replace("\n", "")
            assert title.replace(" ", "") in flat.replace(" ", ""), (title, text)
        whole, segments = screen_cells(app)
        _assert_inert(whole, [], "whole screen")
        # markup is shown as the characters it is made of
        row = titles.index(attack_title(ATTACKS["rich_markup"][1]))
        app.open_result(row)
        await settle(pilot)
        reader_text = screen_cells(app, app.reader)[0].replace("\n", "").replace(" ", "")
        assert "[boldred]紅[/boldred][link=https://evil.example]連結[/link]" in reader_text
        row = titles.index(attack_title(ATTACKS["textual_action"][1]))
        app.open_result(row)
        await settle(pilot)
        assert "[@click=app.quit]退出[/]" in screen_cells(app, app.reader)[0].replace(" ", "")
        assert app.is_running


BAD_QUERIES = [
    ")",
    '"unbalanced',
    "nosuch:科創",
    "title:",
    "NOT 科創",
    "，。！？",
    "😀",
    "a\x00b",
    "\x1b]52;c;ZWNobyBvd25lZA==\x07",
    "\u202egnp\u202c",
    "科" * 10_000,
]


async def test_bad_queries_show_a_message_and_the_app_stays_usable(
    attack_index: Path, tmp_path: Path
) -> None:
    app = make_app(attack_index, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for query in BAD_QUERIES:
            app.search_for(query)
            await settle(pilot)
            assert app.is_running, query
            results = app.results
            assert results is not None and results.query == query
            if results.error is not None:
                assert app.status.kind == "error", query
                assert app.status.message.startswith("Bad query"), (query, app.status.message)
                assert "\n" not in app.status.message
            # (C0 controls echoed from the query are made visible by Textual's output;
            # what reaches the terminal is checked on a pseudo-terminal below)
        # still usable: a good query finds hits, and an article opens
        app.search_for("科創走廊")
        await settle(pilot)
        assert app.results.error is None and app.results.hits
        app.open_result(0)
        await settle(pilot)
        assert app.reader.stored is not None
        # and typing works too
        app.search_box.focus()
        app.search_box.value = ""
        await pilot.press(*"金華")
        await settle(pilot)
        assert app.results.query == "金華" and app.results.hits


async def test_a_lone_surrogate_query_is_refused_not_fatal(
    attack_index: Path, tmp_path: Path
) -> None:
    """A query holding a lone surrogate (invalid text) gets the API's message; saving
    the query history must not crash the app."""
    app = make_app(attack_index, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_for("科\ud800創")
        await settle(pilot)
        assert app.results is not None and app.results.error is not None
        assert app.status.message.startswith("Bad query")
        app.search_for("科創走廊")
        await settle(pilot)
        assert app.results.error is None and app.results.hits
    assert app.return_code in (None, 0)


async def test_the_app_picks_up_a_new_commit_without_restart(
    attack_index: Path, tmp_path: Path
) -> None:
    import shutil

    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.backends.whoosh.search import REFRESH_INTERVAL

    index_dir = tmp_path / "index"
    shutil.copytree(attack_index, index_dir)
    late = tmp_path / "late"
    late.mkdir()
    (late / "late.txt").write_text(article_text("晚到的新聞", "烏鎮"), encoding="utf-8")
    app = make_app(index_dir, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_for("烏鎮")
        await settle(pilot)
        assert app.results.error is None and app.results.total == 0
        # another process commits while the app runs (a thread here: same effect on disk)
        report = await asyncio.to_thread(store.update, index_dir, [late], procs=1)
        assert report.added == 1
        await asyncio.sleep(REFRESH_INTERVAL + 0.2)
        app.search_for("烏鎮")
        await settle(pilot)
        assert [hit.title for hit in app.results.hits] == ["晚到的新聞"]
        app.open_result(0)
        await settle(pilot)
        assert app.reader.stored.article.title == "晚到的新聞"


async def test_many_searches_do_not_leak_open_files(attack_index: Path, tmp_path: Path) -> None:
    """Each search runs in a new worker thread; the index must not keep one open
    searcher per finished thread (file descriptors run out after ~500 searches with
    the usual limit of 1024)."""
    app = make_app(attack_index, tmp_path)

    def open_fds() -> int:
        return len(os.listdir("/proc/self/fd"))

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.search_for("第二段")
        await settle(pilot)
        before = open_fds()
        for n in range(40):
            app.search_for("第二段" if n % 2 else "金華")
            await settle(pilot, rounds=50)
        after = open_fds()
    assert after - before < 20, f"open files grew from {before} to {after} over 40 searches"


class PtyApp:
    """``g60-reader`` as a real process on a pseudo-terminal, keys in, bytes out."""

    def __init__(self, index_dir: Path, home: Path) -> None:
        import fcntl
        import struct
        import termios

        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
        env = cli_env(home, {"TERM": "xterm-256color", "COLORTERM": "truecolor"})
        self.proc = subprocess.Popen(
            [*CLI, "--index-dir", str(index_dir)],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        self.out = bytearray()

    def read(self, seconds: float, until: bytes | None = None) -> None:
        end = time.monotonic() + seconds
        start = len(self.out)
        while time.monotonic() < end:
            if until is not None and until in self.out[start:]:
                return
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.out.extend(chunk)

    def send(self, data: bytes, seconds: float = 1.0, until: bytes | None = None) -> None:
        os.write(self.master, data)
        self.read(seconds, until)

    def close(self) -> bytes:
        try:
            if self.proc.poll() is None:
                self.send(b"\x1b")  # leave the search box
                self.send(b"q", seconds=10, until=b"\x1b[?1049l")  # the app restores the screen
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            os.close(self.master)
        return bytes(self.out)


def _own_escapes_only(data: bytes) -> list[str]:
    problems = []
    oscs = set(re.findall(rb"\x1b\](\d*)", data))
    if not oscs <= {b"22"}:  # Textual's own: the mouse pointer shape
        problems.append(f"OSC sequences sent: {sorted(oscs)}")
    stray = data.count(b"\x07") - len(re.findall(rb"\x1b\]22;[^\x07\x1b]*\x07", data))
    if stray:
        problems.append(f"{stray} bell(s)")
    return problems


def test_the_real_app_on_a_terminal(attack_index: Path, tmp_path: Path) -> None:
    """``g60-reader`` on a pseudo-terminal. (1) Search, open articles: the bytes carry no
    attack payload. (2) Paste hostile queries (an OSC 52 sequence; a bidi override), as
    from a web page: the search box and the "No hits for ..." line must not send them to
    the terminal as they are. Textual's own escape sequences are fine."""
    app = PtyApp(attack_index, tmp_path / "home")
    try:
        app.read(30, until=b"Type to search")  # start-up and the index opening
        app.send("第二段".encode(), seconds=2)
        app.send(b"\r", seconds=2)  # search; the results list takes the focus
        for _ in range(3):  # open some articles in turn
            app.send(b"\r", seconds=1, until="正文".encode())
            app.send(b"j", seconds=0.2)
        articles = len(app.out)
        app.send(b"/", seconds=0.5)  # back to the search box
        app.send(b"\x15", seconds=0.5)  # ctrl+u: clear it
        for hostile in ("\x1b]52;c;cGFzdGVk\x07", "\u202egnp.exe"):
            app.send(b"\x1b[200~" + hostile.encode() + b"\x1b[201~", seconds=1)
            app.send(b"\r", seconds=3, until=b"No hits for")
            app.send(b"\x15", seconds=0.5)
    finally:
        data = app.close()
    opened, pasted = data[:articles], data[articles:]
    problems = []
    if "正文".encode() not in opened:
        problems.append("(1) no article was opened")
    for payload in (
        b"ZWNobyBvd25lZA==",  # OSC 52 clipboard content
        b"pwned",  # OSC 0 window title
        b"evil.example/",  # OSC 8 hyperlink target
        b"\x1bPq",  # DCS (sixel)
        "\u202e".encode(),
        "\u2066".encode(),
    ):
        if payload in opened:
            problems.append(f"(1) article payload sent to the terminal: {payload!r}")
    problems += [f"(1) {p}" for p in _own_escapes_only(opened)]
    if pasted.count(b"No hits for") < 2:
        problems.append("(2) the pasted queries did not run")
    if b"\x1b]52" in pasted:
        problems.append("(2) pasted OSC 52 sent to the terminal")
    if "\u202e".encode() in pasted:
        problems.append("(2) pasted bidi override sent raw (search box / status line)")
    problems += [f"(2) {p}" for p in _own_escapes_only(pasted)]
    assert problems == [], "\n".join(problems)
