"""Helpers shared by test modules (fixtures live in the conftest files)."""

from __future__ import annotations

from pathlib import Path


def open_sample_index(index_dir: Path):
    """A Whoosh backend on ``index_dir`` holding the bundled sample (built if needed)."""
    from g60_reader.corpus.readers import SAMPLE_PATH
    from g60_reader.index.backends.whoosh.search import WhooshBackend

    backend = WhooshBackend(index_dir)
    if not backend.exists():
        backend.update([SAMPLE_PATH], wait=True)
    return backend
