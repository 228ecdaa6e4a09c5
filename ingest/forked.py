"""What a forked worker process does first: the cleaning pool's workers, Whoosh's sub-writers and the
service's workers all start here."""
from __future__ import annotations

import ctypes
import gc
import signal
import sys

PR_SET_PDEATHSIG = 1


def start_forked_worker(death_signal: int = signal.SIGKILL) -> None:
    """Die with the parent, and leave the parent's objects alone.

    `death_signal` comes when the parent dies (PR_SET_PDEATHSIG): a worker must not live on after a
    kill -9 of an ingest, holding the lock file, or of the service's master. Everything inherited is
    put out of the garbage collector's reach (gc.freeze): collecting the parent's garbage here — a
    SQLite connection another of its threads was using at the fork — waits forever on a lock that
    thread held at the fork (a reindex's sub-writer beside a reader thread hung so)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, death_signal)
    gc.freeze()
