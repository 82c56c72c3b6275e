"""The OpenSearch backend: the same reader on a cluster (``opensearch+http://HOST:PORT/INDEX``).

Same query language, same exact sub-word and cross-script matching, same spans, timeline,
facets and reprints as the embedded Whoosh index: text is analysed in Python
(:mod:`g60_reader.index.analyzer`) and sent as whitespace-separated terms, queries are the
neutral tree translated clause for clause, spans are computed from the stored text. The
modules, one idea each:

- :mod:`.url` — backend URLs (hosts, index, credentials, TLS, shards/replicas);
- :mod:`.client` — the lazily made client and its failures as the contract's errors;
- :mod:`.mapping` — the versioned mapping, settings and index template;
- :mod:`.documents` — articles and paragraphs as documents (the analysis);
- :mod:`.translate` — the query tree as query DSL;
- :mod:`.store` — index creation, version checks, scans, checked bulk writes;
- :mod:`.ingest` — the writer: catalog, batches, exact duplicates, story ranks;
- :mod:`.lock` — one writer at a time: a lease in a lock document;
- :mod:`.backend` — :class:`~.backend.OpenSearchBackend`, the whole contract;
- :mod:`.cluster` — a local cluster for trying it (``g60-reader opensearch start``).

Importing this package imports no client: ``g60-reader opensearch start`` and the
registry pay for ``opensearchpy`` only when a backend is opened and used. Figures and the
reasons for the document model are in ``docs/scale-out.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .backend import OpenSearchBackend


def open_url(url: str) -> OpenSearchBackend:
    """The backend of an ``opensearch+http(s)://`` URL (nothing is contacted yet)."""
    from .backend import open_url as _open

    return _open(url)


__all__ = ["open_url"]
