"""Where the index lives.

``$G60_READER_HOME`` (or the platform's user data directory) holds ``index/``; the cache
(jieba's dictionary cache) lives under ``$G60_READER_HOME/cache`` or the platform's user
cache directory. Every CLI command takes ``--index-dir DIR`` to point elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "g60-reader"
ENV_HOME = "G60_READER_HOME"


def default_home() -> Path:
    """``$G60_READER_HOME`` or the platform's user data directory for g60-reader."""
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_index_dir() -> Path:
    return default_home() / "index"


def cache_dir() -> Path:
    """A writable cache directory (created on demand)."""
    env = os.environ.get(ENV_HOME)
    path = (
        Path(env).expanduser() / "cache"
        if env
        else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_index_dir(index_dir: str | os.PathLike[str] | None) -> Path:
    """The index directory to use: the given one or the default."""
    return Path(index_dir).expanduser() if index_dir else default_index_dir()


def point_jieba_cache() -> None:
    """Make jieba's process-wide tokenizer (used by ``jieba.posseg``, e.g. the entity
    recogniser's fallback) keep its dictionary cache in our cache directory instead of
    the shared ``/tmp`` default. Cheap: it only sets where the cache goes."""
    import jieba

    jieba.dt.tmp_dir = str(cache_dir())
    jieba.dt.cache_file = "jieba.cache"
