"""The exit statuses of `safety-search` (README, 退出状态) and the one table from a failure to its status,
shared by the CLI and `serve`."""
from __future__ import annotations

from enum import IntEnum

from .settings import SettingError


class Exit(IntEnum):
    OK = 0
    PARTIAL = 1          # done, but some input was skipped or degraded (each named), or nothing to do
    USAGE = 2            # bad arguments, query or setting
    UNAVAILABLE = 3      # no index there, or another writer holds it
    DAMAGED = 4          # index files unreadable or failing their checksums
    OUTDATED = 5         # index built by another version: reindex
    CANNOT_WRITE = 6     # read-only file system, no permission, disk full
    CANNOT_SERVE = 7     # the port is taken or cannot be bound
    INTERNAL = 70        # a bug: said plainly, details with --debug
    INTERRUPTED = 130


def exit_status(exc: BaseException) -> int:
    """The exit status for an exception that ends a command."""
    import index

    for kind, status in ((index.QueryError, Exit.USAGE), (SettingError, Exit.USAGE),
                         (index.IndexLocked, Exit.UNAVAILABLE), (index.IndexMissing, Exit.UNAVAILABLE),
                         (index.IndexDamaged, Exit.DAMAGED), (index.IndexOutdated, Exit.OUTDATED),
                         (FileExistsError, Exit.USAGE), (OSError, Exit.CANNOT_WRITE)):
        if isinstance(exc, kind):
            return status
    return Exit.INTERNAL
