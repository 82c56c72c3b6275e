"""Backend URLs of an OpenSearch cluster, parsed without contacting it.

::

    opensearch+http://HOST:PORT/INDEX
    opensearch+https://USER:PASS@HOST:PORT/INDEX?ca=/path/ca.pem
    opensearch+https://HOST1:9200,HOST2:9200/INDEX?verify=false&shards=3&replicas=1

- The port defaults to 9200; several hosts are comma-separated (the client spreads its
  requests over them and retries another when one fails).
- ``INDEX`` is the index that holds the articles (default ``g60-reader``); OpenSearch's
  rules for index names apply (lower case, no ``\\ / * ? " < > | , #`` or spaces, not
  starting with ``- _ +``).
- Credentials (HTTP basic auth) come from the URL (percent-encoded) or, when it has none,
  from ``$G60_READER_OPENSEARCH_USER`` / ``$G60_READER_OPENSEARCH_PASSWORD``.
- TLS (``opensearch+https``) checks the server's certificate against the system's CAs;
  ``?ca=/path/ca.pem`` trusts that file instead (a private CA), ``?verify=false`` checks
  nothing (a test cluster with a self-signed certificate only).
- ``?shards=N&replicas=M`` apply when the index is created (default 1 shard, 0 replicas:
  one node); an existing index keeps its own. ``?timeout=S`` is the per-request timeout
  in seconds (default 60).

The URL shown to the user (:attr:`Target.display`, the backend's ``url``) never shows the
password.
"""

from __future__ import annotations

import base64
import os
import re
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from g60_reader.index.errors import IndexUnavailable

ENV_USER = "G60_READER_OPENSEARCH_USER"
ENV_PASSWORD = "G60_READER_OPENSEARCH_PASSWORD"
DEFAULT_INDEX = "g60-reader"
DEFAULT_PORT = 9200
DEFAULT_TIMEOUT = 60.0
SCHEMES = ("opensearch+http", "opensearch+https")
_OPTIONS = ("ca", "verify", "shards", "replicas", "timeout")
_BAD_INDEX_CHARS = re.compile(r'[\\/*?"<>|,# :A-Z]')
_HOST_RE = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$")


@dataclass(frozen=True)
class Target:
    """Where an index lives and how to reach it."""

    scheme: str  # "http" or "https"
    hosts: tuple[tuple[str, int], ...]
    index: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca: str | None = None
    verify: bool = True
    shards: int = 1
    replicas: int = 0
    timeout: float = DEFAULT_TIMEOUT

    @property
    def display(self) -> str:
        """The URL without the password (``***`` in its place)."""
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="") + (":***" if self.password else "") + "@"
        hosts = ",".join(f"{h}:{p}" for h, p in self.hosts)
        return f"opensearch+{self.scheme}://{auth}{hosts}/{self.index}"

    @property
    def tls(self) -> bool:
        return self.scheme == "https"

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for ``opensearchpy.OpenSearch`` (nothing is contacted)."""
        options: dict[str, Any] = {
            "hosts": [{"host": h, "port": p} for h, p in self.hosts],
            "timeout": self.timeout,
            "max_retries": 2,
            "retry_on_timeout": False,
            "http_compress": False,
        }
        if self.user is not None:
            # our own header: the client's http_auth encodes as Latin-1, OpenSearch's
            # security plugin decodes UTF-8 (a password with 'ö' would never match)
            token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
            options["headers"] = {"authorization": f"Basic {token}"}
        if self.tls:
            options["use_ssl"] = True
            options["ssl_context"] = self.ssl_context()
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """System CAs, or the ``ca`` file, or no checks at all (``verify=false``)."""
        if not self.verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        if self.ca is not None:
            try:
                return ssl.create_default_context(cafile=self.ca)
            except (OSError, ssl.SSLError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                raise IndexUnavailable(
                    f"cannot use the CA file {self.ca} for {self.display}: {reason}"
                ) from None
        return ssl.create_default_context()


def _bool(name: str, value: str, url: str) -> bool:
    low = value.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise IndexUnavailable(f"?{name}= must be true or false in {url!r}")


def _int(name: str, value: str, url: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise IndexUnavailable(f"?{name}= must be a number from {low} to {high} in {url!r}")
    return number


def check_index_name(name: str, url: str) -> str:
    """OpenSearch's rules for index names (checked here so the message is ours)."""
    if (
        not name
        or name in (".", "..")
        or name[0] in "-_+"
        or _BAD_INDEX_CHARS.search(name)
        or len(name.encode("utf-8")) > 255
    ):
        raise IndexUnavailable(
            f"{name!r} cannot name an OpenSearch index in {url!r} (lower case letters,"
            " digits and - _ . only, not starting with - _ +)"
        )
    return name


def _redacted(url: str) -> str:
    """``url`` with any password hidden, for error messages."""
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url)


def parse_url(url: str, environ: dict[str, str] | None = None) -> Target:
    """The :class:`Target` of an ``opensearch+http(s)://`` URL; raises
    :class:`IndexUnavailable` with a one-line reason for a malformed one."""
    env = os.environ if environ is None else environ
    shown = _redacted(url)
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        raise IndexUnavailable(
            f"not an OpenSearch URL: {shown!r} (use opensearch+http://HOST:PORT/INDEX)"
        )
    rest, _, query = rest.partition("?")
    rest, _, _fragment = rest.partition("#")
    netloc, _, path = rest.partition("/")
    user = password = None
    if "@" in netloc:
        auth, _, netloc = netloc.rpartition("@")
        name, colon, secret = auth.partition(":")
        user = unquote(name)
        password = unquote(secret) if colon else None
    if user is None and env.get(ENV_USER):
        user = env[ENV_USER]
        password = env.get(ENV_PASSWORD) or None
    elif user is not None and password is None and env.get(ENV_PASSWORD):
        password = env[ENV_PASSWORD]
    hosts = []
    for part in netloc.split(","):
        m = _HOST_RE.match(part.strip())
        if m is None:
            raise IndexUnavailable(f"bad host {part.strip()!r} in {shown!r} (use HOST:PORT)")
        host = m.group(1).strip("[]")
        port = int(m.group(2)) if m.group(2) else DEFAULT_PORT
        if not 0 < port < 65536:
            raise IndexUnavailable(f"bad port {port} in {shown!r}")
        hosts.append((host, port))
    index = unquote(path.strip("/")) or DEFAULT_INDEX
    check_index_name(index, shown)
    options: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in _OPTIONS:
            raise IndexUnavailable(
                f"unknown option ?{key}= in {shown!r} (use {', '.join(_OPTIONS)})"
            )
        options[key] = value
    ca = options.get("ca") or None
    if ca is not None:
        ca = os.path.expanduser(ca)
    timeout = DEFAULT_TIMEOUT
    if "timeout" in options:
        timeout = float(_int("timeout", options["timeout"], shown, 1, 3600))
    return Target(
        scheme=scheme.removeprefix("opensearch+"),
        hosts=tuple(hosts),
        index=index,
        user=user,
        password=password,
        ca=ca,
        verify=_bool("verify", options["verify"], shown) if "verify" in options else True,
        shards=_int("shards", options.get("shards", "1"), shown, 1, 1024),
        replicas=_int("replicas", options.get("replicas", "0"), shown, 0, 16),
        timeout=timeout,
    )
