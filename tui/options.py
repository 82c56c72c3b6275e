"""What every command shares: choosing the backend, failing on one line, exit codes.

``--backend URL`` (any backend, see :mod:`g60_reader.index.registry`) or ``--index-dir
DIR`` (short for ``whoosh:DIR``), on the group or on the command; ``$G60_READER_BACKEND``
is the default. Commands reach the index through the contract only.

Exit codes: 0 ok; 1 something failed (a file that could not be indexed); 2 a bad query
or an index that cannot be used; 3 the index is busy; 130 interrupted (the last
committed state is intact).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:  # pragma: no cover
    from g60_reader.index.contract import Backend
    from g60_reader.tui.querying import Prepared

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def backend_options(func: F) -> F:
    """``--backend`` and ``--index-dir`` for a command."""
    func = click.option(
        "--index-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index directory, short for --backend whoosh:DIR "
        "(default: $G60_READER_HOME/index or the user data directory).",
    )(func)
    func = click.option(
        "--backend",
        "backend_url",
        metavar="URL",
        default=None,
        help="The index: whoosh:DIR, opensearch+http://HOST:PORT/INDEX or memory: "
        "(default: $G60_READER_BACKEND, else the Whoosh index in the data directory).",
    )(func)
    return func


def filter_options(func: F) -> F:
    """``--since``, ``--until`` and ``--outlet`` for a command."""
    func = click.option(
        "--outlet",
        "outlets",
        multiple=True,
        metavar="NAME",
        help="Only articles of this outlet (either script; repeat for several).",
    )(func)
    func = click.option(
        "--until",
        metavar="WHEN",
        default=None,
        help="Published on or before (2019, 2019-03, 2019-03-05, 去年, last month, ...).",
    )(func)
    func = click.option(
        "--since",
        metavar="WHEN",
        default=None,
        help="Published on or after (2019, 2019-03-05, 2019Q1, 上周, 近三天, 7d, 1y, ...).",
    )(func)
    return func


def prepared_query(query: str, since: str | None, until: str | None, outlets) -> Prepared:
    """The query and its filters, or exit 2 with the one-line reason."""
    from g60_reader.tui.querying import prepare

    prepared = prepare(query, since=since, until=until, outlets=outlets)
    if prepared.error is not None:
        fail(f"bad dates in {query!r}: {prepared.error}", EXIT_USAGE)
    return prepared


def stderr():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def fail(message: str, code: int) -> NoReturn:
    """Print ``message`` on one line to stderr and exit with ``code``."""
    from rich.text import Text

    stderr().print(Text(" ".join(str(message).split())), soft_wrap=True)
    sys.exit(code)


def open_backend(backend_url: str | None, index_dir: Path | None) -> Backend:
    """The backend the options name (opening does not require the index to exist)."""
    from g60_reader.index.errors import BackendError
    from g60_reader.index.registry import open_backend as open_url
    from g60_reader.index.registry import resolve_url

    try:
        return open_url(resolve_url(backend_url, index_dir))
    except BackendError as exc:
        fail(f"cannot open index: {exc}", exc.exit_code)


def open_existing(backend_url: str | None, index_dir: Path | None) -> Backend:
    """The backend, which must hold an index already (else exit 2 saying how to make
    one)."""
    from g60_reader.index.errors import BackendError

    backend = open_backend(backend_url, index_dir)
    try:
        exists = backend.exists()
    except BackendError as exc:
        fail(f"cannot open index: {exc}", exc.exit_code)
    except OSError as exc:
        fail(f"cannot open index: {exc}", EXIT_USAGE)
    if not exists:
        fail(
            f"cannot open index: no index at {backend.url} yet:"
            " add articles with `g60-reader index PATH...`",
            EXIT_USAGE,
        )
    return backend


def fail_on(exc: BaseException, doing: str) -> NoReturn:
    """Exit on one line for an exception raised while ``doing`` something."""
    from g60_reader.index.errors import BackendError

    if isinstance(exc, KeyboardInterrupt):
        fail("interrupted: the last committed index is intact", EXIT_INTERRUPTED)
    if isinstance(exc, BackendError):
        fail(str(exc), exc.exit_code)
    if isinstance(exc, OSError):
        fail(f"cannot {doing}: {exc}", EXIT_USAGE)
    fail(f"{doing} failed: {exc}", EXIT_FAILED)
