"""The connection to the cluster, made on first use, and its failures as our errors.

Opening a backend builds nothing: the ``opensearchpy`` client is made by the first call
that needs it, so ``open_backend`` stays cheap and never touches the network.

Every request goes through :meth:`Connection.call`, which turns the client's exceptions
into the contract's one-line errors, each naming the URL (never its password):

- no answer (refused, unknown host, timed out), TLS failures -> ``IndexUnavailable``;
- 401 -> ``IndexUnavailable`` ("refused the credentials");
- 403 for a block (``index.blocks.write``, ``read_only``, the flood-stage
  ``read_only_allow_delete``, a cluster-wide block) -> ``IndexReadOnly``; other 403s ->
  ``IndexUnavailable`` ("not allowed");
- 404 of the index -> ``IndexUnavailable`` ("no index yet");
- 429/503 (rejected, no cluster manager) -> ``IndexUnavailable``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from g60_reader.index.errors import IndexReadOnly, IndexUnavailable

from .url import Target

HINT_NO_INDEX = "add articles with `g60-reader index PATH...`"

# The client logs every refused request (a 409 of the lock, a 404 of an index not made
# yet) as a warning; our callers get the error itself, so without a handler of the
# application's these must not reach stderr through logging's last resort.
logging.getLogger("opensearch").addHandler(logging.NullHandler())


def _reason_of(exc: BaseException) -> str:
    """A short reason for a connection-level failure."""
    text = " ".join(str(part) for part in (getattr(exc, "info", ""), exc) if part)
    low = text.lower()
    if "certificate verify failed" in low or "certificate_verify_failed" in low:
        return (
            "its TLS certificate is not trusted (give ?ca=/path/ca.pem, or ?verify=false"
            " for a test cluster)"
        )
    if "wrong version number" in low or "unknown protocol" in low or "record layer" in low:
        return "it does not speak TLS there (use opensearch+http://)"
    if "hostname" in low and "match" in low:
        return "its TLS certificate names another host"
    if "connection refused" in low:
        return "connection refused (is OpenSearch running? `g60-reader opensearch start`)"
    if "name or service not known" in low or "nodename nor servname" in low:
        return "unknown host"
    if "timed out" in low or "timeout" in low:
        return "it did not answer in time"
    if "remote end closed" in low or "connection aborted" in low or "reset by peer" in low:
        return "it closed the connection (is it plain HTTP? use opensearch+http://)"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:200]


def error_type(exc: Any) -> tuple[str, str]:
    """``(type, reason)`` of an OpenSearch error response (or of a bulk item error)."""
    info = getattr(exc, "info", exc)
    if isinstance(info, dict):
        err = info.get("error", info)
        if isinstance(err, dict):
            root = (err.get("root_cause") or [err])[0]
            return str(root.get("type", err.get("type", ""))), str(
                root.get("reason", err.get("reason", ""))
            )
        return "", str(err)
    return str(getattr(exc, "error", "")), str(info)


_BLOCK_RE = re.compile(r"\[(FORBIDDEN|TOO_MANY_REQUESTS)/\d+/([^\]]+)\]")


def readonly_error(target: Target, reason: str) -> IndexReadOnly:
    m = _BLOCK_RE.search(reason)
    what = m.group(2) if m else reason.strip()[:120]
    hint = (
        "the disk passed the flood stage: free space, then the block lifts"
        if "allow delete" in what or "allow_delete" in what
        else "lift the block (index.blocks.write / read_only) to write"
    )
    return IndexReadOnly(
        f"the index {target.index} at {target.display} is read-only ({what}); {hint}"
    )


def translate(exc: BaseException, target: Target, doing: str) -> Exception:
    """The contract error for a client exception (``doing``: what was being done)."""
    from opensearchpy import exceptions as E

    where = target.display
    if isinstance(exc, E.ConnectionError):  # also SSLError, ConnectionTimeout
        return IndexUnavailable(f"cannot reach OpenSearch at {where}: {_reason_of(exc)}")
    if isinstance(exc, E.AuthenticationException):
        return IndexUnavailable(
            f"OpenSearch at {where} refused the credentials (give USER:PASS in the URL,"
            " or $G60_READER_OPENSEARCH_USER and _PASSWORD)"
        )
    if isinstance(exc, E.TransportError):
        kind, reason = error_type(exc)
        status = exc.status_code
        if kind == "cluster_block_exception" or "blocked by" in reason:
            if re.search(r"index read \(|metadata read", reason):
                return IndexUnavailable(f"the index {target.index} at {where} is blocked: {reason}")
            return readonly_error(target, reason)
        if isinstance(exc, E.AuthorizationException):
            return IndexUnavailable(
                f"OpenSearch at {where} does not allow {doing} for this user: {reason[:160]}"
            )
        if kind == "index_not_found_exception" or (status == 404 and "index" in reason):
            return IndexUnavailable(f"no index at {where} yet: {HINT_NO_INDEX}")
        if status == 429:
            return IndexUnavailable(f"OpenSearch at {where} is overloaded ({reason[:120]})")
        if status in (502, 503, 504):
            return IndexUnavailable(
                f"OpenSearch at {where} is not ready ({kind or status}: {reason[:120]})"
            )
        return IndexUnavailable(
            f"OpenSearch at {where} failed while {doing}: {kind or status}: {reason[:200]}"
        )
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


class Connection:
    """A lazily made client for one target, shared by the threads of one backend."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    from opensearchpy import OpenSearch

                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        self._client = OpenSearch(**self.target.client_options())
                    if not self.target.verify:
                        with contextlib.suppress(Exception):
                            import urllib3

                            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return self._client

    @contextlib.contextmanager
    def call(self, doing: str) -> Iterator[Any]:
        """``with conn.call("searching") as client: ...`` -> contract errors only."""
        from opensearchpy import exceptions as E

        try:
            yield self.client
        except (E.TransportError, E.ImproperlyConfigured) as exc:
            if isinstance(exc, E.ImproperlyConfigured):
                raise IndexUnavailable(f"cannot use {self.target.display}: {exc}") from None
            raise translate(exc, self.target, doing) from None

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
