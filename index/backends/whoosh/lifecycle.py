"""Process lifecycle of writers: cancelling, and worker processes that never outlive
the process that started them (a killed indexer must not leave workers behind)."""

from __future__ import annotations

import os
import signal
import threading
import time

from g60_reader.index.errors import Cancelled


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit as soon as the process that started it is gone (killed), even
    in the middle of a long task."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="g60-parent-watch", daemon=True).start()


def _ignore_sigint(parent: int | None = None) -> None:
    """Initializer of the entity pass's pool workers: Ctrl-C is the parent's business,
    and a worker whose parent was killed exits instead of waiting for tasks forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        _exit_with_parent(parent)


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("indexing cancelled")
