"""Cleaning many files on every core: work units, a forked process pool, results in input order.

A unit is one file, or a byte range of a large crawl dump (so a dump is cleaned in parallel and its
progress is visible). Units are cleaned by `clean_file` / `clean_dump_part` in worker processes
forked after the gazetteer, the segmenter and the site furniture were loaded, and come back in input
order whatever the number of workers: the result of an ingest does not depend on it.
"""
from __future__ import annotations

import collections
import functools
import hashlib
import itertools
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ingest import dedup
from ingest.errors import SkipFile
from ingest.forked import start_forked_worker
from ingest.pipeline import DUMP_SUFFIXES, clean_dump_part, clean_file

# A dump is cut into parts of about this size: big enough that a part's pickling overhead is
# small (a part holds ~1,000 documents), small enough that progress moves every second or so.
DUMP_PART_BYTES = 2 * 1024 * 1024
# Units cleaned ahead of the indexer, per worker: enough that no worker waits for the next unit while
# the indexer takes a result, few enough that the clean documents waiting stay bounded.
IN_FLIGHT_PER_WORKER = 2


@functools.cache
def cleaner_fingerprint() -> str:
    """A hash of the ingest code and data files: when it changes, every file is cleaned again."""
    digest = hashlib.sha256()
    package = Path(__file__).parent
    for path in sorted([*package.glob("*.py"), *(package / "data").glob("*")]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def file_sha256(path: Path) -> str | None:
    """The file's content hash, or None when it cannot be read (clean_file names the problem)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


@dataclass(frozen=True)
class Unit:
    path: Path
    start: int = 0               # byte range of a crawl dump; end None = the whole file
    end: int | None = None
    first_line: int = 1
    last: bool = True            # the file's last unit: its results complete the file

    @property
    def size(self) -> int:
        if self.end is not None:
            return self.end - self.start
        try:
            return self.path.stat().st_size
        except OSError:
            return 0


@dataclass
class UnitResult:
    unit: Unit
    docs: list[dict] = field(default_factory=list)     # clean documents, each with its "signature"
    problems: list[str] = field(default_factory=list)  # named, not fatal
    skip: str | None = None                            # why the whole unit yielded nothing
    bad_lines: int = 0


def units(path: Path, part_bytes: int = DUMP_PART_BYTES) -> list[Unit]:
    """The work units of one input file: a large dump is cut at line ends into parts."""
    path = Path(path)
    if path.suffix.lower() not in DUMP_SUFFIXES:
        return [Unit(path)]
    try:
        size = path.stat().st_size
        if size <= part_bytes:
            return [Unit(path)]
        cuts, lines_before = [(0, 1)], 0
        with path.open("rb") as handle:
            position = 0
            while True:
                chunk = handle.read(part_bytes)
                if not chunk:
                    break
                rest = handle.readline()         # finish the line the chunk cut through
                chunk += rest
                position += len(chunk)
                lines_before += chunk.count(b"\n")
                if position < size:
                    cuts.append((position, lines_before + 1))
    except OSError:
        return [Unit(path)]                      # clean_file names the problem
    ends = [start for start, _ in cuts[1:]] + [size]
    return [Unit(path, start, end, first_line, last=i == len(cuts) - 1)
            for i, ((start, first_line), end) in enumerate(zip(cuts, ends))]


_furniture: dict[Path, frozenset[str]] = {}      # set before the pool forks; read by the workers
_finish: list = []      # set before the pool forks: what the indexer has done to each clean document there


def clean_unit(unit: Unit) -> UnitResult:
    """Clean one unit (in a worker or inline); never raises for a bad file."""
    result = UnitResult(unit)
    furniture = _furniture.get(unit.path, frozenset())
    try:
        if unit.end is None:
            result.docs = clean_file(unit.path, furniture, result.problems)
        else:
            result.docs, result.bad_lines = clean_dump_part(unit.path, unit.start, unit.end, unit.first_line,
                                                            furniture, result.problems.append)
    except SkipFile as exc:
        result.skip = str(exc)
    except Exception as exc:  # one bad file never stops the batch
        result.skip = f"处理出错（{type(exc).__name__}：{exc}）"
    for doc in result.docs:
        doc["signature"] = dedup.signature(doc)
        for finish in _finish:
            finish(doc)
    return result


def _orphan_safe() -> None:
    # A worker killed with its parent (kill -9 of an ingest) must not live on holding the lock file.
    start_forked_worker()
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def clean_units(work: list[Unit], furniture: dict[Path, frozenset[str]], workers: int, finish=None):
    """UnitResults of `work`, in its order, cleaned by `workers` processes (inline when 1).
    `finish(doc)`, when given, is called on each clean document in those processes (the indexer's own
    per-document work, done on every core)."""
    _furniture.clear()
    _furniture.update(furniture)
    _finish[:] = [finish] if finish else []
    if workers <= 1 or len(work) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(clean_unit, work)
        return
    todo = iter(work)
    with multiprocessing.get_context("fork").Pool(workers, initializer=_orphan_safe) as pool:
        # A bounded window of units in flight, not Pool.imap (which queues every unit at once and
        # keeps every finished result until the indexer takes it): memory stays flat however far
        # the cleaners run ahead of the index writer.
        window = collections.deque(pool.apply_async(clean_unit, (unit,))
                                   for unit in itertools.islice(todo, IN_FLIGHT_PER_WORKER * workers))
        while window:
            result = window.popleft().get()
            for unit in itertools.islice(todo, 1):
                window.append(pool.apply_async(clean_unit, (unit,)))
            yield result
