"""Broken storage: a read-only index directory, a full disk, damaged index files.

Each must be detected and explained in one line (for damage: with the way out,
``g60-reader index --rebuild``), and the last committed index must not be destroyed:
the files of the index are compared byte for byte before and after.

Real failures where this machine allows them (root: a read-only bind mount, a small
tmpfs; ``unshare --user``: permission denied); an injected write failure everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from g60_reader.corpus.model import Article
from tests.robustness.conftest import NO_CAPS, Run, inventory, needs_no_caps, run_cli
from tests.robustness.hostile import MIB, article_text

QUERY = "科创"
REBUILD = "g60-reader index --rebuild"


def snapshot(index_dir: Path) -> dict[str, str]:
    """Every file of the index directory and a digest of its bytes."""
    out = {}
    for path in sorted(index_dir.iterdir()):
        if path.is_file():
            out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("storage-sources")
    for n, marker in enumerate(["烏鎮", "西湖", "黃山", "普陀"]):
        (root / f"a{n}.txt").write_text(article_text(f"存儲文章{n}", marker), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory, sources: Path) -> Path:
    from g60_reader.corpus.readers import SAMPLE_PATH
    from g60_reader.index.backends.whoosh import store

    index_dir = tmp_path_factory.mktemp("storage-base") / "index"
    assert store.update(index_dir, [SAMPLE_PATH, sources], procs=1).failed == []
    return index_dir


@pytest.fixture
def more(tmp_path: Path) -> Path:
    """A small directory to add to an index."""
    root = tmp_path / "more"
    root.mkdir()
    (root / "new.txt").write_text(article_text("新加的文章", "雁蕩"), encoding="utf-8")
    return root


def _one_line(run: Run) -> str:
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run
    assert "Traceback" not in run.err, run
    return lines[0]


# -- damaged files -------------------------------------------------------------------------


def _segment(index_dir: Path) -> Path:
    """The largest file of the committed segments (a compound .seg, or its .trm ...)."""
    files = [p for p in index_dir.glob("MAIN_*") if p.name != "MAIN_WRITELOCK"]
    return max(files, key=lambda p: p.stat().st_size)


def _toc(index_dir: Path) -> Path:
    return max(index_dir.glob("_MAIN_*.toc"))


DAMAGE = {
    "segment cut in half": lambda d: _cut(_segment(d), 0.5),
    "segment missing its last 100 bytes": lambda d: _cut(_segment(d), -100),
    "segment emptied": lambda d: _cut(_segment(d), 0),
    "segment deleted": lambda d: _segment(d).unlink(),
    "table of contents cut": lambda d: _cut(_toc(d), 0.5),
    "table of contents emptied": lambda d: _cut(_toc(d), 0),
    "index metadata garbled": lambda d: (d / ".g60-index.json").write_text('{"sch'),
}


def _cut(path: Path, keep: float) -> None:
    size = path.stat().st_size
    new = int(size * keep) if 0 < keep < 1 else (size + int(keep) if keep < 0 else 0)
    with open(path, "r+b") as fh:
        fh.truncate(new)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_reported_with_the_way_out_and_kept(
    damage: str, base_index: Path, more: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    DAMAGE[damage](index_dir)
    before = snapshot(index_dir)
    home = tmp_path / "home"

    search = run_cli(["search", QUERY, "--index-dir", index_dir], home=home)
    index = run_cli(["index", "--no-entities", "--index-dir", index_dir, more], home=home)
    after = snapshot(index_dir)

    problems = []
    for name, run in (("search", search), ("index", index)):
        lines = [line for line in run.err.splitlines() if line.strip()]
        if run.returncode == 0:
            problems.append(f"{name}: exit code 0 on a damaged index")
        if "Traceback" in run.err:
            problems.append(f"{name}: traceback")
        if len(lines) != 1 or REBUILD not in lines[0]:
            problems.append(f"{name}: no one-line message naming `{REBUILD}`: {lines}")
    if after != before:
        gone = sorted(before.keys() - after.keys())
        changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
        problems.append(f"index files destroyed: removed {gone}, rewritten {changed}")
    assert problems == [], f"{damage}:\n" + "\n".join(problems)


def test_rebuild_recovers_a_damaged_index(
    base_index: Path, sources: Path, more: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    _cut(_segment(index_dir), 0.5)
    run = run_cli(["index", "--rebuild", "--index-dir", index_dir, sources, more], home=tmp_path)
    assert run.returncode == 0, run
    titles = inventory(index_dir).titles()
    assert "新加的文章" in titles and "存儲文章0" in titles
    search = run_cli(["search", "--json", "烏鎮", "--index-dir", index_dir], home=tmp_path)
    assert search.returncode == 0 and search.out.strip(), search


def test_damaged_side_files_do_not_stop_searching(base_index: Path, tmp_path: Path) -> None:
    """The pinyin lexicon is a cache beside the index: damage costs pinyin, not search."""
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    for name in (".lexicon", ".pinyin"):
        if (index_dir / name).exists():
            _cut(index_dir / name, 0.3)
    run = run_cli(["search", "--json", "烏鎮", "--index-dir", index_dir], home=tmp_path)
    assert run.returncode == 0, run
    assert len(run.out.splitlines()) >= 1


# -- read-only ---------------------------------------------------------------------------


def _check_read_only(index_dir: Path, more: Path, home: Path, prefix: list[str]) -> None:
    before = snapshot(index_dir)
    search = run_cli(
        ["search", "--json", "烏鎮", "--index-dir", index_dir], home=home, prefix=prefix
    )
    assert search.returncode == 0 and search.out.strip(), search  # reading still works
    index = run_cli(
        ["index", "--no-entities", "--index-dir", index_dir, more], home=home, prefix=prefix
    )
    assert index.returncode == 2, index
    line = _one_line(index).lower()
    assert "cannot write index" in line and str(index_dir).lower() in line, index
    assert "permission denied" in line or "read-only" in line, index
    assert snapshot(index_dir) == before


@needs_no_caps
def test_read_only_index_directory_permissions(
    base_index: Path, more: Path, tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    for path in [index_dir, *index_dir.iterdir()]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        _check_read_only(index_dir, more, tmp_path / "home", NO_CAPS)
    finally:
        index_dir.chmod(0o755)


def _mount(*args: str) -> bool:
    try:
        return subprocess.run(["mount", *args], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def read_only_view(src: Path, target: Path) -> Iterator[bool]:
    target.mkdir()
    ok = _mount("--bind", str(src), str(target))
    if ok and not _mount("-o", "remount,ro,bind", str(target)):
        _mount_off(target)
        ok = False
    try:
        yield ok
    finally:
        if ok:
            _mount_off(target)


def _mount_off(target: Path) -> None:
    subprocess.run(["umount", str(target)], capture_output=True, timeout=20, check=False)


def test_read_only_file_system(base_index: Path, more: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    with read_only_view(index_dir, tmp_path / "ro") as mounted:
        if not mounted:
            pytest.skip("cannot bind-mount read-only here (needs root)")
        _check_read_only(tmp_path / "ro", more, tmp_path / "home", [])


# -- a full disk -------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(target: Path, size_mb: int) -> Iterator[bool]:
    target.mkdir()
    ok = _mount("-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(target))
    try:
        yield ok
    finally:
        if ok:
            _mount_off(target)


def _free(path: Path) -> int:
    return shutil.disk_usage(path).free


def test_full_disk_keeps_the_committed_index(base_index: Path, tmp_path: Path) -> None:
    from g60_reader.corpus.readers import load_paths
    from tests.bench.synth import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1_600)
    # (the base index's bundled sample leaves when the user's corpus arrives)
    expected = {a.id for a in load_paths([corpus]) if isinstance(a, Article)}
    with small_tmpfs(tmp_path / "disk", 48) as mounted:
        if not mounted:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        disk = tmp_path / "disk"
        index_dir = disk / "index"
        shutil.copytree(base_index, index_dir)
        filler = disk / "filler"
        with open(filler, "wb") as fh:  # leave about 1 MB: the build needs far more
            fh.write(bytes(max(0, _free(disk) - MIB)))
        before = snapshot(index_dir)
        free_before = _free(disk)

        run = run_cli(
            ["index", "--no-entities", "--index-dir", index_dir, corpus], home=tmp_path / "home"
        )
        assert run.returncode != 0, run
        line = _one_line(run)
        assert "no space left on device" in line.lower(), run
        after = snapshot(index_dir)
        assert {k: after.get(k) for k in before} == before  # the committed index is intact
        leftovers = sorted(after.keys() - before.keys())
        freed = _free(disk) >= free_before - 64 * 1024
        search = run_cli(["search", "--json", "烏鎮", "--index-dir", index_dir], home=tmp_path)
        assert search.returncode == 0 and search.out.strip(), search

        filler.unlink()  # make room: the same command now completes
        again = run_cli(
            ["index", "--no-entities", "--index-dir", index_dir, corpus], home=tmp_path / "home"
        )
        assert again.returncode == 0, again
        inv = inventory(index_dir)
        assert expected <= inv.meta.keys()
        assert inv.duplicates() == {} and inv.incomplete() == {}
        still = [name for name in leftovers if (index_dir / name).exists()]
        # The failed run must clean up: on a full disk its partial files keep it full.
        assert leftovers == [] and freed, (
            f"files left by the failed run: {leftovers}; still there after a successful "
            f"run: {still}"
        )


def test_injected_write_failure_keeps_the_committed_index(
    base_index: Path, more: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Everywhere (no mount needed): every new index file fails with ENOSPC."""
    from whoosh.filedb.filestore import FileStorage

    from g60_reader.index.backends.whoosh import store

    index_dir = tmp_path / "index"
    shutil.copytree(base_index, index_dir)
    before = snapshot(index_dir)
    original = FileStorage.create_file

    def no_space(self, name, *args, **kwargs):
        if Path(self.folder).resolve() == index_dir.resolve() or ".tmp" in str(self.folder):
            raise OSError(errno.ENOSPC, "No space left on device", name)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(FileStorage, "create_file", no_space)
    with pytest.raises(OSError, match="No space left"):
        store.update(index_dir, [more], procs=1)
    monkeypatch.undo()
    assert snapshot(index_dir) == before
    assert "新加的文章" not in inventory(index_dir).titles()
    assert store.update(index_dir, [more], procs=1).failed == []
    assert "新加的文章" in inventory(index_dir).titles()
