"""The embedded Whoosh backend: the only package that imports ``whoosh``.

Modules: ``search`` (the backend object: reading and the writer entry points),
``store`` (building, updating, the entity pass, files on disk), ``schema`` (fields and
the codec that writes Whoosh's segment format), ``fastpath`` (array evaluation of the
common query shapes). See ``ARCHITECTURE.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .search import WhooshBackend, open_url


def __getattr__(name: str) -> Any:
    if name in ("WhooshBackend", "open_url"):
        from . import search

        return getattr(search, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["WhooshBackend", "open_url"]
