"""`safety-search serve`: build the index on first start, then run the app under gunicorn."""
from __future__ import annotations

import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    """Gunicorn with the app object handed in, configured in code rather than by a config file."""

    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key == "control_socket_disable" and key not in self.cfg.settings:
                continue  # gunicorn < 25.1 has no control socket to disable
            self.cfg.set(key, value)

    def load(self):
        return self.application


def index_is_missing(index_dir: Path) -> bool:
    return not index_dir.is_dir() or not any(index_dir.iterdir())


def build_index(index_dir: Path, corpus: Path) -> bool:
    """Ingest `corpus` into a new index with a progress bar; False (with a message) when nothing landed."""
    import index

    if not corpus.exists():
        print(f"错误：语料目录 {corpus} 不存在，无法建立索引", file=sys.stderr)
        return False
    print(f"首次启动：索引 {index_dir} 不存在，正在从 {corpus} 建立索引……", file=sys.stderr)
    summary = index.ingest_paths([corpus], index_dir, progress=True)
    print(summary.report(), file=sys.stderr)
    return not index_is_missing(index_dir)


def warm_up(index_dir: Path) -> None:
    """Load jieba/rjieba, the dictionaries and analyzers once in the master, so forked workers share them.

    The index opened here is thrown away before the fork: workers must not share open file handles.
    """
    import index

    index.initialize()
    search_index = index.SearchIndex(index_dir)
    try:
        search_index.search("安全生产", filters={}, page=1, per_page=1)
    finally:
        search_index.close()


def serve(index_dir: Path, corpus: Path, host: str, port: int, workers: int) -> int:
    """Serve the search service on host:port with `workers` gunicorn processes; returns the exit status."""
    from . import create_app

    index_dir, corpus = Path(index_dir), Path(corpus)
    if index_is_missing(index_dir) and not build_index(index_dir, corpus):
        return 1
    try:
        app = create_app(index_dir=index_dir)
    except ValueError as exc:  # a malformed setting from the environment
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    warm_up(index_dir)
    print(f"检索服务已启动：http://{host}:{port}/ （索引 {index_dir}，{workers} 个工作进程）", file=sys.stderr)
    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": "sync",
        "preload_app": True,
        "timeout": 30,
        # the largest gunicorn allows: a 500-character Chinese query is ~4,500 bytes once percent-encoded,
        # so it reaches the app's own clear length check; longer URLs get gunicorn's 414
        "limit_request_line": 8190,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "safety-search",
        # no runtime-management socket: one more way in, and parallel instances would share its path
        "control_socket_disable": True,
    }
    try:
        GunicornServer(app, options).run()
    except SystemExit as exc:  # gunicorn's arbiter leaves through sys.exit
        return exc.code if isinstance(exc.code, int) else 1
    return 0
