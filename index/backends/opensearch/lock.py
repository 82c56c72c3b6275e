"""One writer at a time per index: a lease held in a lock document.

A writer creates the document ``<index>`` in the small index ``g60-reader-locks`` with
``op_type=create``, which OpenSearch performs atomically: a second writer gets a conflict
and :class:`~g60_reader.index.errors.IndexBusy` naming the holder (host, pid, since when),
or, with ``wait``, polls until the lock is free.

The lock is a **lease**: it holds an expiry time (:data:`LEASE_SECONDS` ahead) that a
heartbeat thread of the holder pushes forward every :data:`HEARTBEAT_SECONDS`. A writer
that is killed (``kill -9``, a lost laptop) stops renewing it, and once it has expired
the next writer takes it over, atomically too (an index request conditioned on the
stale document's ``_seq_no``/``_primary_term``: of two writers taking over at once one
wins). Renewals are conditioned the same way, so a holder that stalled past its lease and
was replaced finds out at its next renewal; the writer then stops at its next batch with
``IndexBusy`` instead of writing alongside the new holder.

Expiry is judged on the clocks of the writers' machines: they must agree within
``LEASE_SECONDS - HEARTBEAT_SECONDS`` (45 s), which NTP gives. A dead writer delays the
next one by at most ``LEASE_SECONDS`` (60 s); ``--wait`` waits that out by itself.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from typing import Any

from g60_reader.index.errors import IndexBusy

from .client import Connection

LOCK_INDEX = "g60-reader-locks"
LEASE_SECONDS = 60.0
HEARTBEAT_SECONDS = 15.0
POLL_SECONDS = 1.0


class WriterLock:
    """The lease on one index (``with lock: ...`` after :meth:`acquire`)."""

    def __init__(
        self,
        conn: Connection,
        *,
        lease: float = LEASE_SECONDS,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.conn = conn
        self.name = conn.target.index
        self.lease = lease
        self.heartbeat = heartbeat
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._seq: tuple[int, int] | None = None  # (_seq_no, _primary_term) we wrote
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()
        self.lost = False

    # -- the document -------------------------------------------------------------------

    def _body(self, since: float | None = None) -> dict[str, Any]:
        now = time.time()
        return {
            "owner": self.owner,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": since if since is not None else now,
            "expires": now + self.lease,
        }

    def _ensure_index(self) -> None:
        from opensearchpy import exceptions as E

        with self.conn.call("creating the lock index") as client:
            if client.indices.exists(index=LOCK_INDEX):
                return
            try:
                client.indices.create(
                    index=LOCK_INDEX,
                    body={
                        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                        "mappings": {"dynamic": False},
                    },
                )
            except E.RequestError as exc:
                if "already_exists" not in str(exc):
                    raise

    def _try(self) -> dict[str, Any] | None:
        """Take the lock if free or expired; else the holder's document."""
        from opensearchpy import exceptions as E

        with self.conn.call("taking the write lock") as client:
            try:
                done = client.index(
                    index=LOCK_INDEX, id=self.name, body=self._body(), op_type="create"
                )
                self._seq = (done["_seq_no"], done["_primary_term"])
                return None
            except E.ConflictError:
                pass
            try:
                held = client.get(index=LOCK_INDEX, id=self.name)
            except E.NotFoundError:
                return {}  # released in between: try again
            doc = held.get("_source") or {}
            if float(doc.get("expires", 0)) >= time.time():
                return doc
            try:  # expired: take it over, unless another writer does first
                done = client.index(
                    index=LOCK_INDEX,
                    id=self.name,
                    body=self._body(),
                    if_seq_no=held["_seq_no"],
                    if_primary_term=held["_primary_term"],
                )
                self._seq = (done["_seq_no"], done["_primary_term"])
                return None
            except E.ConflictError:
                return {}

    def acquire(self, wait: bool = False, timeout: float | None = None) -> None:
        """Take the lock; :class:`IndexBusy` when another writer holds it (without
        ``wait``; with it, after ``timeout`` seconds if one is given)."""
        self._ensure_index()
        began = time.monotonic()
        while True:
            holder = self._try()
            if holder is None:
                break
            if holder and (
                not wait or (timeout is not None and time.monotonic() - began > timeout)
            ):
                since = time.strftime("%H:%M:%S", time.localtime(float(holder.get("since", 0))))
                raise IndexBusy(
                    f"index {self.name} at {self.conn.target.display} is busy: another"
                    f" g60-reader (pid {holder.get('pid', '?')} on {holder.get('host', '?')})"
                    f" has been writing since {since} (use --wait)"
                )
            time.sleep(POLL_SECONDS if holder else 0.05)
        self.lost = False
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="g60-lock-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            self.renew()

    def renew(self) -> None:
        """Push the expiry forward (conditioned on our last write)."""
        from opensearchpy import exceptions as E

        with self._mutex:
            if self._seq is None:
                return
            try:
                client = self.conn.client
                current = client.get(index=LOCK_INDEX, id=self.name)
                doc = current.get("_source") or {}
                done = client.index(
                    index=LOCK_INDEX,
                    id=self.name,
                    body=self._body(since=doc.get("since")),
                    if_seq_no=self._seq[0],
                    if_primary_term=self._seq[1],
                )
                self._seq = (done["_seq_no"], done["_primary_term"])
            except (E.ConflictError, E.NotFoundError):
                self.lost = True
                self._seq = None
            except Exception:  # the cluster hiccuped: the next beat tries again
                pass

    def check(self) -> None:
        """Raise :class:`IndexBusy` if another writer took the lock over meanwhile."""
        if self.lost:
            raise IndexBusy(
                f"index {self.name} at {self.conn.target.display}: the write lock expired and"
                " another writer took it over; the last written batch is kept"
            )

    def release(self) -> None:
        from opensearchpy import exceptions as E

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._mutex:
            seq, self._seq = self._seq, None
        if seq is None:
            return
        with contextlib.suppress(E.ConflictError, E.NotFoundError, E.TransportError):
            self.conn.client.delete(
                index=LOCK_INDEX, id=self.name, if_seq_no=seq[0], if_primary_term=seq[1]
            )

    def holder(self) -> dict[str, Any] | None:
        """The current lock document (``None``: nobody writes)."""
        from opensearchpy import exceptions as E

        with self.conn.call("reading the write lock") as client:
            try:
                return client.get(index=LOCK_INDEX, id=self.name).get("_source")
            except E.NotFoundError:
                return None
