"""Which backend serves an index: one registry, keyed by the URL's scheme.

==============================================  ============================================
URL                                             backend
==============================================  ============================================
``whoosh:DIR`` (``whoosh:~/news-index``)        the embedded Whoosh index in ``DIR`` (the
                                                default: ``whoosh:`` + the data directory's
                                                ``index/``)
``opensearch+http://HOST:PORT/INDEX``           an OpenSearch cluster (``opensearch+https``
``opensearch+https://USER:PASS@HOST/INDEX``     for TLS; credentials in the URL or in
                                                ``$G60_READER_OPENSEARCH_USER`` / ``_PASSWORD``)
``memory:`` / ``memory:NAME``                   an in-memory index (tests, trials; gone with
                                                the process)
==============================================  ============================================

Every command takes ``--backend URL`` (``--index-dir DIR`` is short for ``whoosh:DIR``);
``$G60_READER_BACKEND`` sets the default. A backend module is imported only when its
scheme is used, so the command line never pays for the others.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from g60_reader.index.contract import Backend
from g60_reader.index.errors import IndexUnavailable
from g60_reader.index.paths import default_index_dir

ENV_BACKEND = "G60_READER_BACKEND"

# scheme -> "module:function"; the function takes the URL and returns a Backend
BACKENDS: dict[str, str] = {
    "whoosh": "g60_reader.index.backends.whoosh:open_url",
    "opensearch+http": "g60_reader.index.backends.opensearch:open_url",
    "opensearch+https": "g60_reader.index.backends.opensearch:open_url",
    "memory": "g60_reader.index.backends.memory:open_url",
}
FORMS = "whoosh:DIR, opensearch+http://HOST:PORT/INDEX, memory:"


def default_url() -> str:
    """``$G60_READER_BACKEND``, else the Whoosh index in the data directory."""
    env = os.environ.get(ENV_BACKEND, "").strip()
    return env or whoosh_url(default_index_dir())


def whoosh_url(index_dir: str | os.PathLike[str]) -> str:
    return f"whoosh:{Path(index_dir).expanduser()}"


def resolve_url(backend: str | None = None, index_dir: str | os.PathLike[str] | None = None) -> str:
    """The URL a command uses: ``--backend``, else ``--index-dir`` as a Whoosh URL, else
    :func:`default_url`. Both at once is a mistake (raises :class:`IndexUnavailable`)."""
    if backend and index_dir is not None:
        raise IndexUnavailable("give --backend or --index-dir, not both")
    if backend:
        return backend.strip()
    if index_dir is not None:
        return whoosh_url(index_dir)
    return default_url()


def scheme_of(url: str) -> str:
    scheme, sep, _rest = url.partition(":")
    if not sep:
        raise IndexUnavailable(f"not a backend URL: {url!r} (use {FORMS})")
    return scheme.lower()


def open_backend(url: str | None = None) -> Backend:
    """The backend for ``url`` (default: :func:`default_url`). Opening is cheap and does
    not require the index to exist (``exists()`` says; ``update()`` creates it).

    Raises :class:`IndexUnavailable` for an unknown scheme or a malformed URL."""
    url = url or default_url()
    scheme = scheme_of(url)
    target = BACKENDS.get(scheme)
    if target is None:
        raise IndexUnavailable(f"unknown backend {scheme + ':'!r} in {url!r} (use {FORMS})")
    module, _, function = target.partition(":")
    try:
        opener = getattr(importlib.import_module(module), function)
    except ImportError as exc:
        raise IndexUnavailable(f"the {scheme} backend is not available here: {exc}") from None
    return opener(url)


__all__ = ["BACKENDS", "ENV_BACKEND", "default_url", "open_backend", "resolve_url", "whoosh_url"]
