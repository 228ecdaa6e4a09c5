"""`safety-search serve`: builds the index on first start, then answers through gunicorn workers."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
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
    seeds = tmp_path / "seeds"          # the seeds alone: the bundled laws would only slow this test
    seeds.mkdir()
    for path in (ROOT / "corpus").glob("*.txt"):
        shutil.copy(path, seeds)
    process = start(env, "--corpus", str(seeds))
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


# ---- issue 13: damage, lifecycle, gunicorn's own error pages -------------------------------------

ROUTES = ("/api/search?q=%E5%AE%89%E5%85%A8", "/healthz", "/", "/doc/0123456789abcdef")


def statuses(client_get, rounds: int = 3) -> set:
    return {(path, client_get(path)) for _ in range(rounds) for path in ROUTES}


def test_damage_under_a_running_app_is_a_steady_503_and_it_recovers(spare_service_index, tmp_path):
    from search_service import create_app

    import index

    index.backup(spare_service_index, tmp_path / "backup")
    client = create_app(index_dir=spare_service_index, RATELIMIT_ENABLED=False).test_client()
    assert client.get(ROUTES[0]).status_code == 200
    os.truncate(spare_service_index / "documents.sqlite", 4096)      # a half-copied store
    answers = [client.get(path) for _ in range(3) for path in ROUTES]
    assert {r.status_code for r in answers} == {503}
    api = client.get("/healthz").get_json()
    assert api["error"] == "索引损坏" and "documents.sqlite" not in api["error"] and "restore" in api["detail"]
    page = client.get("/").get_data(as_text=True)
    assert "索引损坏" in page and "Traceback" not in page
    assert client.get("/static/style.css").status_code == 200       # the error page keeps its style

    index.restore(tmp_path / "backup", spare_service_index, progress=False)
    assert client.get("/healthz").status_code == 200
    assert client.get(ROUTES[0]).get_json()["total"] >= 1

    segment = max(spare_service_index.glob("*.seg"), key=lambda p: p.stat().st_size)
    with open(segment, "r+b") as f:                                    # one flipped byte in a segment
        f.seek(segment.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x01]))
    assert {client.get(path).status_code for _ in range(2) for path in ROUTES} == {503}
    assert "reindex" in client.get("/healthz").get_json()["detail"]
    index.reindex(spare_service_index, progress=False)
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]


def raw_request(port: int, line: bytes) -> tuple[int, str, str]:
    """(status, content type, body) for a request line sent as is."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(line + b"\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    kind = next((h.split(":", 1)[1].strip() for h in lines if h.lower().startswith("content-type:")), "")
    return int(lines[0].split()[1]), kind, body.decode("utf-8", "replace")


def process_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def test_server_lifecycle_errors_and_damage_across_workers(spare_service_index, tmp_path):
    import index

    index.backup(spare_service_index, tmp_path / "backup")
    port = free_port()
    process = subprocess.Popen([str(CLI), "serve", "--index", str(spare_service_index), "--port", str(port),
                                "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    workers: list[int] = []
    try:
        wait_healthy(process, port)
        base = f"http://127.0.0.1:{port}"
        # gunicorn's own 414 and 400 come back as the API's JSON under /api/ and the site's page elsewhere
        for line, status in ((b"GET /api/search?q=" + b"a" * 9000 + b" HTTP/1.1", 414),
                             (b"GET /api/search?q=" + b"a" * 2_000_000 + b" HTTP/1.1", 414),
                             (b"GET /api/search?q=a b HTTP/1.1", 400)):
            got, kind, body = raw_request(port, line)
            assert (got, kind) == (status, "application/json"), body[:200]
            assert json.loads(body)["error"] in ("网址过长", "请求有误")
        got, kind, body = raw_request(port, b"GET /?q=a b HTTP/1.1")
        assert got == 400 and kind.startswith("text/html") and "请求有误" in body and "安全生产知识检索" in body

        # damage met by one worker is the answer of both, steadily; a restore brings both back
        os.truncate(spare_service_index / "documents.sqlite", 4096)
        codes = []
        for _ in range(8):
            try:
                urllib.request.urlopen(f"{base}/api/search?q=%E5%AE%89%E5%85%A8&n={len(codes)}", timeout=5)
                codes.append(200)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        assert codes[-6:] == [503] * 6, codes      # the first may still come from a worker's page cache
        index.restore(tmp_path / "backup", spare_service_index, progress=False)
        assert all(get_json(f"{base}/healthz")["status"] == "ok" for _ in range(6))

        # kill -9 of the master: its workers leave within a second
        workers += [int(p) for p in subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                                  text=True).stdout.split()]
        assert len(workers) == 2
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and any(process_state(w) not in ("Z", "gone") for w in workers):
            time.sleep(0.05)
        assert all(process_state(w) in ("Z", "gone") for w in workers)
    finally:
        if process.poll() is None:
            process.kill()
        output = process.stdout.read()
        for w in workers:
            if process_state(w) not in ("Z", "gone"):
                os.kill(w, signal.SIGKILL)
    assert "检索服务已启动" in output and "Traceback" not in output


def test_a_url_over_8_kb_is_the_apps_own_414(service_client):
    api = service_client.get("/api/search?q=" + "安" * 3000)
    assert api.status_code == 414 and api.get_json()["error"] == "网址过长"
    page = service_client.get("/?q=" + "安" * 3000)
    assert page.status_code == 414 and "网址过长" in page.get_data(as_text=True)
    assert service_client.get("/api/search?q=" + "安" * 500).status_code == 200, "the longest query still passes"
