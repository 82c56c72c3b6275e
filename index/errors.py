"""Every error a backend raises, in one place (the contract's ``Raises:`` name these).

Each carries a one-line message written for the person at the terminal: what could not
be done, where, and what to do about it. The command line prints it as it is and exits
with the code given here; the reader shows it in its status line. Nothing else a backend
raises is part of the contract: callers treat any other exception as a bug, reported on
one line without a traceback.
"""

from __future__ import annotations


class BackendError(Exception):
    """Base class: a one-line message, and the exit code of the command line."""

    exit_code = 1


class IndexUnavailable(BackendError):
    """The index cannot be used: there is none yet, the directory holds other files, the
    cluster does not answer or refuses the credentials."""

    exit_code = 2


class IndexDamaged(IndexUnavailable):
    """The index's files are damaged. Nothing was changed; ``index --rebuild`` makes a new
    one."""


class IndexReadOnly(IndexUnavailable):
    """The index can be searched but not written (a read-only cluster or index block, a
    disk full to the cluster's flood stage)."""


class IndexBusy(BackendError):
    """Another process is writing to this index (``--wait`` waits for it)."""

    exit_code = 3


class Cancelled(BackendError):
    """A write was cancelled (Ctrl-C, the cancel event); the last committed state is
    intact and a re-run continues from it."""

    exit_code = 130


__all__ = [
    "BackendError",
    "Cancelled",
    "IndexBusy",
    "IndexDamaged",
    "IndexReadOnly",
    "IndexUnavailable",
]
