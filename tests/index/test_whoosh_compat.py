"""Whoosh's internals are reached only through the compatibility module.

The backend writes and reads Whoosh's segment format itself, so a Whoosh release that
renames an internal would break it. These tests keep the promise of
``index/backends/whoosh/_compat.py``: the version is checked, every private Whoosh name
used outside that module is an inherited one it lists, and its helpers still work on the
installed Whoosh.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from g60_reader.index.backends.whoosh import _compat
from g60_reader.index.errors import IndexUnavailable

BACKEND = Path(_compat.__file__).parent


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _own_names(trees: list[ast.Module]) -> set[str]:
    """Private names our own code defines: methods, class attributes, and attributes
    assigned on self or on our objects."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef) and _private(node.name):
                names.add(node.name)
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                targets = [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Attribute) and _private(sub.attr):
                        names.add(sub.attr)
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign):
                        for t in item.targets:
                            if isinstance(t, ast.Name) and _private(t.id):
                                names.add(t.id)
    return names


def test_private_whoosh_names_are_used_only_through_the_compat_module():
    modules = {
        path.name: ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(BACKEND.glob("*.py"))
        if path.name != "_compat.py"
    }
    inherited = {name for names in _compat.INHERITED.values() for name in names}
    # names our own classes define; minus Whoosh's, which an assignment may shadow
    own = _own_names(list(modules.values())) - set(_compat.HELPED)
    problems = []
    for filename, tree in modules.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute) or not _private(node.attr):
                continue
            value = node.value
            on_self = (isinstance(value, ast.Name) and value.id == "self") or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "super"
            )
            if isinstance(value, ast.Name) and value.id in ("os", "_compat"):
                continue  # os._exit; the helpers themselves
            if node.attr in own or node.attr.startswith("_g60"):
                continue
            if on_self and node.attr in inherited:
                continue
            problems.append(f"{filename}:{node.lineno}: .{node.attr}")
    assert problems == [], "private Whoosh names used outside _compat.py:\n" + "\n".join(problems)


def test_the_installed_whoosh_is_a_supported_one(monkeypatch):
    _compat.check_version()
    monkeypatch.setattr(_compat.whoosh, "versionstring", lambda: "2.7.99")
    with pytest.raises(IndexUnavailable, match=re.escape("whoosh-reloaded==2.7.5")):
        _compat.check_version()


def test_the_helpers_work_on_a_real_index(tmp_path: Path):
    from g60_reader.index.backends.whoosh import store
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    news = tmp_path / "news"
    news.mkdir()
    body = "嘉兴市召开长三角科技创新大会。" * 40
    for n in range(3):
        (news / f"{n}.txt").write_text(f"第{n}篇\n{body}\n{body}\n", encoding="utf-8")
    store.update(tmp_path / "ix", [news], procs=1)
    backend = WhooshBackend(tmp_path / "ix")
    searcher = backend.searcher()
    assert _compat.index_segments(store.open_index(tmp_path / "ix"))
    for sub, _offset in searcher.leaf_searchers():
        reader = sub.reader()
        terms = _compat.terms_reader(reader)
        assert _compat.field_number(terms, "kind") is not None  # in Whoosh's files
        assert _compat.field_number(terms, "body") is None  # in the packed file
        assert terms.packed_field("body") is not None
        assert _compat.term_hash_file(terms).hashtype == 0
        perdoc = _compat.perdoc_reader(reader)
        lengths = _compat.length_bytes(perdoc, "body")
        assert lengths is not None and len(lengths) >= reader.doc_count_all()
        assert terms.term_info("body", "嘉兴".encode()).doc_frequency() == 6
    inline, block, compression = _compat.codec_limits(store.G60Codec())
    assert (inline, block, compression) == (4, 128, 3)
    assert _compat.TERMINFO_HEAD.size > 0
    assert _compat.bm25_b(searcher.weighting, "body") == searcher.weighting.B
    backend.close()
