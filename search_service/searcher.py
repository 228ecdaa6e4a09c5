"""The one `SearchIndex` of a worker process, reopened when a commit changes the index generation."""
from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app

from index import SearchIndex


class IndexMissing(RuntimeError):
    """The index folder is absent or unreadable; the service answers 503 until it appears."""


class IndexHolder:
    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        self._index: SearchIndex | None = None
        self._generation = None
        self._lock = threading.Lock()

    def _open(self) -> SearchIndex:
        if not self.index_dir.is_dir():
            raise IndexMissing(f"索引目录 {self.index_dir} 不存在：请先运行 safety-search ingest 或 serve")
        try:
            return SearchIndex(self.index_dir)
        except Exception as exc:  # an empty or half-written folder: say so instead of a 500
            raise IndexMissing(f"无法打开索引 {self.index_dir}：{exc}") from exc

    def get(self) -> SearchIndex:
        """The open index, reopened first if another process committed since it was opened."""
        with self._lock:
            if self._index is None:
                self._index = self._open()
                self._generation = self._index.generation()
            else:
                generation = self._index.generation()
                if generation != self._generation:
                    self._index = self._open()
                    self._generation = generation
            return self._index


def current_index() -> SearchIndex:
    return current_app.extensions["search_index"].get()
