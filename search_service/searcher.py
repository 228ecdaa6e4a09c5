"""The one `SearchIndex` of a worker process, opened on first use.

`SearchIndex` itself moves to the newest commit on each query (it compares the index generation),
so an ingest that commits while the service runs is picked up without a restart.
"""
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
        self._lock = threading.Lock()

    def get(self) -> SearchIndex:
        with self._lock:
            if self._index is None:
                if not self.index_dir.is_dir():
                    raise IndexMissing(f"索引目录 {self.index_dir} 不存在：请先运行 safety-search ingest 或 serve")
                try:
                    self._index = SearchIndex(self.index_dir)
                except Exception as exc:  # an empty or half-written folder: say so instead of a 500
                    raise IndexMissing(f"无法打开索引 {self.index_dir}：{exc}") from exc
            return self._index


def current_index() -> SearchIndex:
    return current_app.extensions["search_index"].get()
