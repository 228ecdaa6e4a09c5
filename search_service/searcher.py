"""The one `SearchIndex` of a worker process, opened on first use, and what the workers know of damage.

`SearchIndex` itself moves to the newest commit on each query (it compares the index generation),
so an ingest that commits while the service runs is picked up without a restart.

Damage found by any worker is recorded in memory shared by all the workers of one server (created
before the fork), so every route of every worker answers the same 503 until the index folder
changes and passes the quick check again: then each worker reopens its index by itself.
"""
from __future__ import annotations

import json
import multiprocessing
import threading
from pathlib import Path

from flask import current_app

import index
from index import IndexDamaged, IndexMissing, IndexProblem, SearchIndex
from index.health import folder_state

__all__ = ["IndexHolder", "IndexMissing", "current_index"]

VERDICT_BYTES = 16384


class SharedVerdict:
    """{epoch, state, detail} in shared memory: `detail` set while the index at `state` is damaged."""

    def __init__(self):
        self._memory = multiprocessing.RawArray("c", VERDICT_BYTES)
        self._lock = multiprocessing.Lock()

    def read(self) -> dict:
        with self._lock:
            raw = self._memory.value
        return json.loads(raw) if raw else {"epoch": 0, "state": None, "detail": None}

    def write(self, state: str | None, detail: str | None) -> int:
        with self._lock:
            raw = self._memory.value
            epoch = (json.loads(raw)["epoch"] if raw else 0) + 1
            text = json.dumps({"epoch": epoch, "state": state, "detail": detail}, ensure_ascii=False)
            self._memory.value = text.encode()[:VERDICT_BYTES - 1]
        return epoch


class IndexHolder:
    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._index: SearchIndex | None = None
        self._epoch = 0
        self._checked_ok: str | None = None     # folder state the quick check last passed
        self._lock = threading.RLock()
        self._verdict = SharedVerdict()

    def _drop(self) -> None:
        if self._index is not None:
            try:
                self._index.close()
            except Exception:   # a damaged index may fail to close; it is being thrown away
                pass
            self._index = None

    def ensure_healthy(self) -> None:
        """Raise the recorded IndexDamaged while the damaged folder is unchanged; re-check it once it changed."""
        with self._lock:
            verdict = self._verdict.read()
            if verdict["epoch"] != self._epoch:
                self._drop()                    # another worker saw damage or recovery: start afresh
                self._epoch = verdict["epoch"]
            if verdict["detail"] is None:
                return
            self._drop()
            state = folder_state(self.index_dir)
            if state == verdict["state"]:
                raise IndexDamaged(verdict["detail"])
            problem = self.problem_in_folder(state)
            if isinstance(problem, IndexDamaged):
                self.record_damage(problem, state)
                raise problem
            self._epoch = self._verdict.write(None, None)     # a good index is back (or none at all)

    def problem_in_folder(self, state: str | None = None) -> IndexProblem | None:
        """The quick check's verdict on the folder as it is (remembered while the folder is unchanged)."""
        state = state or folder_state(self.index_dir)
        if state == self._checked_ok:
            return None
        problem = index.check(self.index_dir, full=False).problem()
        if problem is None:
            self._checked_ok = state
        return problem

    def record_damage(self, exc: IndexDamaged, state: str | None = None) -> None:
        with self._lock:
            self._drop()
            self._epoch = self._verdict.write(state or folder_state(self.index_dir), str(exc))

    def get(self) -> SearchIndex:
        with self._lock:
            self.ensure_healthy()
            if self._index is None:
                if not self.index_dir.is_dir():
                    raise IndexMissing(f"索引目录 {self.index_dir} 不存在：请先运行 safety-search ingest 或 serve")
                try:
                    self._index = SearchIndex(self.index_dir)
                except IndexDamaged as exc:
                    self.record_damage(exc)
                    raise
            return self._index


def current_holder() -> IndexHolder:
    return current_app.extensions["search_index"]


def current_index() -> SearchIndex:
    return current_holder().get()
