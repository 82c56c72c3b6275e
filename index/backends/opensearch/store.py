"""Low-level access to the index: creating it, checking its version, scanning, bulk writes.

Scans page with ``search_after`` on keyword sort keys (no scroll contexts left on the
cluster by a killed client). Bulk writes go through :class:`Bulk`, which checks every
item (a mapping error is a bug and raised; a block becomes ``IndexReadOnly``; deleting or
updating a document that is already gone is not an error) and, when the index has
replicas, asks for ``wait_for_active_shards`` of two copies, so an acknowledged write is
on two nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from g60_reader.index.errors import IndexDamaged, IndexUnavailable

from . import mapping
from .client import Connection, error_type, readonly_error

SCAN_PAGE = 5000
BULK_ACTIONS = 1000
BULK_BYTES = 16 * 1024 * 1024
MGET_CHUNK = 5000


def rebuild_hint(conn: Connection) -> str:
    return f"re-index with `g60-reader index --rebuild --backend {conn.target.display} PATH...`"


def index_state(conn: Connection) -> int | None:
    """The mapping version of the index (``None``: there is no index). Raises
    ``IndexUnavailable`` for an index that is not ours."""
    index = conn.target.index
    with conn.call("reading the index mapping") as client:
        if not client.indices.exists(index=index):
            return None
        found = client.indices.get_mapping(index=index)
    version = mapping.version_of(found, index)
    if version is None:
        raise IndexUnavailable(
            f"the index {index} at {conn.target.display} is not a g60-reader index (its"
            f" mapping has no {mapping.META_KEY}): choose another index name in the URL"
        )
    return version


def check_version(conn: Connection) -> bool:
    """Whether the index exists; ``IndexDamaged`` when it has another mapping version."""
    version = index_state(conn)
    if version is None:
        return False
    if version != mapping.MAPPING_VERSION:
        raise IndexDamaged(
            f"the index {conn.target.index} at {conn.target.display} has mapping version"
            f" {version}, this g60-reader writes version {mapping.MAPPING_VERSION}:"
            f" {rebuild_hint(conn)}"
        )
    return True


def create_index(conn: Connection) -> None:
    """Install the template and create the index (shards and replicas from the URL)."""
    target = conn.target
    with conn.call("creating the index") as client:
        client.indices.put_index_template(
            name=mapping.template_name(target.index),
            body=mapping.template(target.index, target.shards, target.replicas),
        )
        client.indices.create(
            index=target.index,
            body={
                "settings": mapping.settings(target.shards, target.replicas),
                "mappings": mapping.mappings(),
            },
            wait_for_active_shards=1,
        )
        if target.replicas:  # the replicas too (``timeout`` is the server's wait)
            client.cluster.health(
                index=target.index,
                wait_for_status="green",
                timeout="60s",
                request_timeout=90,
            )


def delete_index(conn: Connection) -> None:
    with conn.call("deleting the index") as client:
        if client.indices.exists(index=conn.target.index):
            client.indices.delete(index=conn.target.index)


def replicas_of(conn: Connection) -> int:
    with conn.call("reading the index settings") as client:
        found = client.indices.get_settings(
            index=conn.target.index, name="index.number_of_replicas", flat_settings=True
        )
    for body in found.values():
        value = (body.get("settings") or {}).get("index.number_of_replicas")
        if value is not None:
            return int(value)
    return 0


def shards_of(conn: Connection) -> int:
    with conn.call("reading the index settings") as client:
        found = client.indices.get_settings(
            index=conn.target.index, name="index.number_of_shards", flat_settings=True
        )
    for body in found.values():
        value = (body.get("settings") or {}).get("index.number_of_shards")
        if value is not None:
            return int(value)
    return 1


_BLOCKS = (
    "index.blocks.write",
    "index.blocks.read_only",
    "index.blocks.read_only_allow_delete",
)
_CLUSTER_BLOCKS = ("cluster.blocks.read_only", "cluster.blocks.read_only_allow_delete")


def check_writable(conn: Connection) -> None:
    """``IndexReadOnly`` when a write block is set on the index or the cluster."""
    index = conn.target.index
    with conn.call("reading the index settings") as client:
        settings: dict[str, Any] = {}
        if client.indices.exists(index=index):
            found = client.indices.get_settings(index=index, flat_settings=True)
            for body in found.values():
                settings.update(body.get("settings") or {})
        cluster = client.cluster.get_settings(flat_settings=True)
    for name in _BLOCKS:
        if str(settings.get(name, "false")).lower() == "true":
            raise readonly_error(conn.target, f"[FORBIDDEN/0/{name} is set]")
    for scope in ("persistent", "transient"):
        values = cluster.get(scope) or {}
        for name in _CLUSTER_BLOCKS:
            if str(values.get(name, "false")).lower() == "true":
                raise readonly_error(conn.target, f"[FORBIDDEN/0/{name} is set]")


def refresh(conn: Connection) -> None:
    with conn.call("refreshing the index") as client:
        client.indices.refresh(index=conn.target.index)


def scan(
    conn: Connection,
    query: dict[str, Any],
    source: list[str] | bool,
    sort: list[str],
    page: int = SCAN_PAGE,
) -> Iterator[dict[str, Any]]:
    """Every matching document's ``_source`` (with ``_id``), ordered by ``sort`` (keyword
    or numeric fields that together are unique)."""
    after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {
            "query": query,
            "size": page,
            "sort": [{f: "asc"} for f in sort],
            "_source": source,
            "track_total_hits": False,
        }
        if after is not None:
            body["search_after"] = after
        with conn.call("reading the index") as client:
            found = client.search(index=conn.target.index, body=body)
        hits = found["hits"]["hits"]
        for hit in hits:
            doc = hit.get("_source") or {}
            doc["_id"] = hit["_id"]
            yield doc
        if len(hits) < page:
            return
        after = hits[-1]["sort"]


def mget(conn: Connection, ids: Iterable[str], source: list[str] | bool) -> dict[str, dict]:
    """``_id -> _source`` of the documents that exist among ``ids``."""
    out: dict[str, dict] = {}
    todo = list(dict.fromkeys(ids))
    for start in range(0, len(todo), MGET_CHUNK):
        chunk = todo[start : start + MGET_CHUNK]
        with conn.call("reading documents") as client:
            found = client.mget(index=conn.target.index, body={"ids": chunk}, _source=source)
        for doc in found.get("docs", []):
            if doc.get("found"):
                out[doc["_id"]] = doc.get("_source") or {}
    return out


# Buckets per request of a composite aggregation. Each further page runs the query again,
# so fewer pages is what matters: on the 1M-paragraph, three-node bench index the 24
# commonest queries (55,000-100,000 matching articles) took 607 ms median with pages of
# 10,000 and 353 ms with 50,000 (same totals; interleaved A/B, load 2.9-4.2). Must stay
# under the cluster's search.max_buckets (65,535 unless an administrator lowered it).
COMPOSITE_PAGE = 50_000


def composite(
    conn: Connection,
    query: dict[str, Any],
    sources: list[tuple[str, str]],
    page: int | None = None,
    first: dict[str, Any] | None = None,
) -> Iterator[tuple[dict[str, Any], int]]:
    """Every bucket ``(key, doc_count)`` of a composite aggregation over ``sources``
    (``(name, field)``; missing values give ``None``): exact, paged. ``first`` is an
    already fetched first page (``aggregations.<name>`` of a search that asked for it)."""
    for bucket in composite_buckets(conn, query, sources, page=page, first=first):
        yield bucket["key"], bucket["doc_count"]


def composite_buckets(
    conn: Connection,
    query: dict[str, Any],
    sources: list[tuple[str, str]],
    page: int | None = None,
    first: dict[str, Any] | None = None,
    aggs: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """The raw buckets of the composite aggregation (with sub-aggregations ``aggs``)."""
    page = page or COMPOSITE_PAGE
    after = None
    spec = composite_spec(sources, page)
    if aggs:
        spec["aggs"] = aggs
    result = first
    while True:
        if result is None:
            body = {**spec, "composite": dict(spec["composite"])}
            if after is not None:
                body["composite"]["after"] = after
            with conn.call("counting") as client:
                found = client.search(
                    index=conn.target.index,
                    body={
                        "query": query,
                        "size": 0,
                        "track_total_hits": False,
                        "aggs": {"c": body},
                    },
                )
            result = found["aggregations"]["c"]
        buckets = result.get("buckets", [])
        yield from buckets
        after = result.get("after_key")
        if after is None or len(buckets) < page:
            return
        result = None


def composite_spec(sources: list[tuple[str, str]], page: int | None = None) -> dict[str, Any]:
    return {
        "composite": {
            "size": page or COMPOSITE_PAGE,
            "sources": [
                {name: {"terms": {"field": field, "missing_bucket": True}}}
                for name, field in sources
            ],
        }
    }


class Bulk:
    """Bulk writes, checked item by item."""

    def __init__(self, conn: Connection, replicas: int = 0) -> None:
        self.conn = conn
        self.active = str(min(replicas + 1, 2)) if replicas > 0 else None

    def run(self, actions: list[dict[str, Any]]) -> int:
        """Send ``actions`` (``helpers``-style dicts: ``_op_type``, ``_id``, ``_source`` /
        ``doc``); returns how many succeeded (a missing document to delete or update
        counts as done)."""
        from opensearchpy import helpers

        if not actions:
            return 0
        index = self.conn.target.index
        for action in actions:
            action["_index"] = index
        options: dict[str, Any] = {}
        if self.active is not None:
            options["wait_for_active_shards"] = self.active
        done = 0
        problems: list[tuple[str, str]] = []
        with self.conn.call("writing") as client:
            for ok, item in helpers.streaming_bulk(
                client,
                actions,
                chunk_size=BULK_ACTIONS,
                max_chunk_bytes=BULK_BYTES,
                raise_on_error=False,
                raise_on_exception=True,
                max_retries=3,
                initial_backoff=1,
                **options,
            ):
                if ok:
                    done += 1
                    continue
                op, result = next(iter(item.items()))
                status = result.get("status")
                kind, reason = error_type(result)
                if status == 404 and (op == "delete" or kind in ("document_missing_exception", "")):
                    done += 1
                    continue
                problems.append((kind, reason))
        if problems:
            kind, reason = problems[0]
            if kind == "cluster_block_exception" or "blocked by" in reason:
                raise readonly_error(self.conn.target, reason)
            if kind == "unavailable_shards_exception":
                raise IndexUnavailable(
                    f"OpenSearch at {self.conn.target.display} could not keep two copies of"
                    " every write (a node is down?): nothing after the last acknowledged"
                    " batch was kept; run again when the cluster is green"
                    " (`g60-reader opensearch status`)"
                )
            raise IndexUnavailable(
                f"OpenSearch at {self.conn.target.display} refused {len(problems)} of"
                f" {len(actions)} writes: {kind}: {reason[:200]}"
            )
        return done
