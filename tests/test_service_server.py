"""`safety-search serve`: builds the index on first start, then answers through gunicorn workers."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = Path(sys.executable).parent / "safety-search"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 5) -> dict:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def start(env_overrides: dict, *args: str) -> subprocess.Popen:
    env = {**os.environ, **env_overrides}
    return subprocess.Popen([str(CLI), "serve", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_healthy(process: subprocess.Popen, port: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early with {process.returncode}:\n{process.stdout.read()}")
        try:
            return get_json(f"http://127.0.0.1:{port}/healthz", timeout=1)
        except OSError:
            time.sleep(0.2)
    pytest.fail("serve did not answer /healthz in time")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_first_start_builds_the_index_then_serves_with_workers(tmp_path):
    index_dir, port = tmp_path / "index", free_port()
    env = {"SAFETY_SEARCH_INDEX": str(index_dir), "SAFETY_SEARCH_PORT": str(port),
           "SAFETY_SEARCH_WORKERS": "2"}
    process = start(env, "--corpus", str(ROOT / "corpus"))
    try:
        health = wait_healthy(process, port)
        assert health["documents"] == 5
        result = get_json(f"http://127.0.0.1:{port}/api/search?q=%E9%9A%90%E6%82%A3%E6%8E%92%E6%9F%A5")
        assert result["total"] >= 1
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.headers["Content-Security-Policy"] and "安全生产知识检索" in page.read().decode()
    finally:
        output = stop(process)
    assert process.returncode == 0, output
    assert "首次启动" in output and "导入完成" in output
    assert output.count("Booting worker") == 2
    assert (index_dir / "documents.sqlite").exists()

    # second start: the index is there, nothing is rebuilt
    process = start(env)
    try:
        assert wait_healthy(process, port)["documents"] == 5
    finally:
        output = stop(process)
    assert "首次启动" not in output


def test_missing_corpus_is_a_clear_error(tmp_path):
    process = start({}, "--index", str(tmp_path / "index"), "--corpus", str(tmp_path / "nothing"),
                    "--port", str(free_port()), "--build")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "语料目录" in output and "nothing" in output and "Traceback" not in output
