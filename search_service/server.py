"""`safety-search serve`: check (or, for the default folder, build) the index, then run the app
under gunicorn.

Nothing claims the service started before gunicorn listens; a taken port is said before anything
else. Workers die with the master (PR_SET_PDEATHSIG), and gunicorn's own error pages (a request line
it cannot parse, a URL over its limit) are answered like the app's errors.
"""
from __future__ import annotations

import errno
import os
import signal
import socket
import sys
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.http import errors as http_errors
from gunicorn.workers.sync import SyncWorker

from ingest.forked import start_forked_worker

from .status import Exit, exit_status

# Gunicorn's parse errors that are the client's: answered as the app's 400/414/431.
CLIENT_ERRORS = ((http_errors.LimitRequestLine, 414), (http_errors.LimitRequestHeaders, 431),
                 (http_errors.InvalidRequestLine, 400), (http_errors.InvalidRequestMethod, 400),
                 (http_errors.InvalidHTTPVersion, 400), (http_errors.InvalidHeader, 400),
                 (http_errors.InvalidHeaderName, 400), (http_errors.ObsoleteFolding, 400))
CLIENT_ERROR_DETAILS = {
    400: "请求格式不对（网址中的空格等特殊字符需要编码）",
    414: "网址过长：请缩短检索词或减少筛选条件",
    431: "请求头过大",
}


class Worker(SyncWorker):
    """A sync worker that exits when the master dies and speaks the app's language for parse errors."""

    def init_process(self):
        # SIGTERM lets a request in flight finish; the worker's signal pipe wakes its loop at once.
        start_forked_worker(signal.SIGTERM)
        if os.getppid() != self.ppid:      # the master died before the line above
            os._exit(0)
        code = 0
        try:
            super().init_process()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            # Leave at once: unwinding through the master's code and tearing down the interpreter
            # (analyzers, dictionaries, facet arrays) took 0.7 s on this machine, 0.1 s this way.
            self.log.info("Worker exiting (pid: %s)", self.pid)
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            os._exit(code)

    def handle(self, listener, client, addr):
        super().handle(listener, client if self.cfg.is_ssl else _Recording(client), addr)

    def handle_error(self, req, client, addr, exc):
        status = next((code for kind, code in CLIENT_ERRORS if isinstance(exc, kind)), None)
        if status is None:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], str(exc)[:200])
        path = getattr(req, "path", None) or _path_in(getattr(client, "head", b"")) or "/"
        from .errors import standalone_error_response

        status_line, headers, body = standalone_error_response(self.wsgi, status, CLIENT_ERROR_DETAILS[status], path)
        head = "".join(f"{name}: {value}\r\n" for name, value in headers)
        try:
            client.sendall(f"HTTP/1.1 {status_line}\r\nConnection: close\r\n{head}\r\n".encode("latin-1") + body)
        except OSError:
            self.log.debug("Failed to send error message.")


class _Recording:
    """A client socket that keeps the first bytes it received: gunicorn's parse errors do not carry
    the request line, and the answer depends on its path (JSON under /api/).

    It also bounds the request line, which gunicorn leaves unbounded once its own limit is off."""

    KEEP = 8192
    MAX_LINE = 1 << 20

    def __init__(self, sock):
        self._sock = sock
        self.head = b""
        self._line_bytes = 0       # bytes of the first request line so far; None once it ended

    def recv(self, size, *flags):
        data = self._sock.recv(size, *flags)
        if len(self.head) < self.KEEP:
            self.head += data[:self.KEEP - len(self.head)]
        if self._line_bytes is not None:
            end = data.find(b"\n")
            if end >= 0:
                self._line_bytes = None
            else:
                self._line_bytes += len(data)
                if self._line_bytes > self.MAX_LINE:
                    raise http_errors.LimitRequestLine(self._line_bytes, self.MAX_LINE)
        return data

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _path_in(head: bytes) -> str | None:
    """The path of the request line at the start of `head`, if it has one."""
    words = head.split(b"\n", 1)[0].split(b" ")
    if len(words) > 1 and words[1].startswith(b"/"):
        return words[1].split(b"?", 1)[0].decode("latin-1")
    return None


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


def port_problem(host: str, port: int) -> str | None:
    """Why gunicorn could not listen on host:port (said before anything claims to have started)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"无法解析监听地址 {host}（{exc.strerror}）：请检查 --host 或 SAFETY_SEARCH_HOST"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as gunicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"端口 {port} 已被占用（{host}:{port}），检索服务没有启动：请用 --port 换一个端口"
                        "（或设置 SAFETY_SEARCH_PORT），或先停止占用该端口的程序")
            if exc.errno == errno.EACCES:
                return f"没有权限监听端口 {port}（1024 以下的端口需要管理员权限）：请用 --port 换一个端口"
            return f"无法监听 {host}:{port}（{exc.strerror}）：请检查 --host 与 --port"
    return None


def build_index(index_dir: Path, corpus: Path) -> int | None:
    """Ingest `corpus` into a new index with a progress bar; the exit status (with a message) when
    that failed, None when the index is there."""
    import index

    if not corpus.is_dir():
        print(f"错误：语料目录 {corpus} 不存在，无法建立索引：请用 --corpus 指定语料目录", file=sys.stderr)
        return Exit.USAGE
    print(f"首次启动：索引 {index_dir} 不存在，正在从 {corpus} 建立索引……", file=sys.stderr)
    summary = index.ingest_paths([corpus], index_dir, progress=True)
    print(summary.report(), file=sys.stderr)
    if not summary.added:
        print(f"错误：语料目录 {corpus} 中没有可导入的文件，索引没有建立", file=sys.stderr)
        return Exit.PARTIAL
    return None


def warm_up(index_dir: Path) -> None:
    """Load jieba/rjieba, the dictionaries, analyzers and the index's frequency tables once in the
    master, so forked workers share them.

    The index opened here is thrown away before the fork: workers must not share open file handles.
    """
    import index

    index.initialize()
    search_index = index.SearchIndex(index_dir)
    try:
        search_index.search("安全生产", filters={}, page=1, per_page=1)
        search_index.prepare()
    finally:
        search_index.close()


def serve(index_dir: Path, corpus: Path, host: str, port: int, workers: int, build: bool = True,
          settings=None) -> int:
    """Serve the search service on host:port with `workers` gunicorn processes; returns the exit status.

    A folder without an index is built from `corpus` only when `build` (the default folder, or
    `--build`): a mistyped --index must not quietly become a new index of the bundled samples.
    `settings`: the operator's settings as the CLI read them (else read from the environment)."""
    import index

    from . import create_app

    index_dir, corpus = Path(index_dir), Path(corpus)
    problem = port_problem(host, port)
    if problem:
        print(f"错误：{problem}", file=sys.stderr)
        return Exit.CANNOT_SERVE
    report = index.check(index_dir, full=False)
    if report.missing and not report.damaged:
        if not build:
            print(f"错误：{index_dir} 中没有索引，检索服务没有启动。请检查 --index 是否写错；"
                  f"要在这里从语料新建索引，请加 --build（语料目录 {corpus}）", file=sys.stderr)
            return Exit.UNAVAILABLE
        failed = build_index(index_dir, corpus)
        if failed is not None:
            return failed
        report = index.check(index_dir, full=False)
    if not report.ok:
        print(f"错误：检索服务没有启动。{report.text()}", file=sys.stderr)
        return exit_status(report.problem())
    app = create_app(index_dir=index_dir, settings=settings)
    warm_up(index_dir)

    def when_ready(server):
        # the address gunicorn listens on (with --port 0, the port it was given)
        where = ", ".join(f"{listener}/" for listener in server.LISTENERS) or f"http://{host}:{port}/"
        print(f"检索服务已启动：{where} （索引 {index_dir}，{workers} 个工作进程）", file=sys.stderr, flush=True)

    options = {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "worker_class": Worker,
        "preload_app": True,
        "timeout": 30,
        # 0 lets long request lines reach the app, whose own limit (errors.MAX_URL_BYTES) answers
        # 414 as JSON on /api/ and as the error page elsewhere; _Recording stops lines over 1 MB
        "limit_request_line": 0,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "safety-search",
        "when_ready": when_ready,
        # no runtime-management socket: one more way in, and parallel instances would share its path
        "control_socket_disable": True,
    }
    try:
        GunicornServer(app, options).run()
    except SystemExit as exc:  # gunicorn's arbiter leaves through sys.exit
        return exc.code if isinstance(exc.code, int) else Exit.CANNOT_SERVE
    return Exit.OK
