"""Service benchmark: requests/s and latency of /api/search under concurrent load, through gunicorn.

    .venv/bin/python bench/bench_service.py                      # 100,000 paragraphs, 1/4/16 connections
    .venv/bin/python bench/bench_service.py --connections 1 8 --seconds 20
    .venv/bin/python bench/bench_service.py --rebuild               # after the index format changed

Builds a 100,000-paragraph index with bench_index's generator (kept in bench/out/ and reused on the
next run), starts `safety-search serve` (gunicorn, rate limit off) on a free localhost port, and loads
it from a separate process with wrk (Debian package `wrk`), whose Lua script rotates through plain,
phrase, filtered, facet-drilldown and date-sorted queries. Prints a table, writes bench/out/service.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402
from bench_index import DOC_TYPES, QUERIES, TOPICS, documents  # noqa: E402

# wrk's Lua hooks: rotate through the request paths, report percentiles and errors as one JSON line.
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p95_ms": %%.2f, '
    .. '"p99_ms": %%.2f, "max_ms": %%.2f, "non_2xx": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def request_paths(count: int = 200) -> list[str]:
    """A fixed mix of searches as a user makes them: plain, filtered, drilled down, sorted, paged."""
    rng = random.Random(11)
    provinces = ["河北省", "山东省", "广东省", "四川省", "江苏省", "浙江省", "河南省", "湖南省"]
    paths = []
    for i in range(count):
        args = {"q": rng.choice(QUERIES)}
        kind = i % 5
        if kind == 1:
            args.update(year_from=2012, year_to=2020, doc_type=rng.choice(DOC_TYPES))
        elif kind == 2:
            args.update(province=rng.choice(provinces), topic=rng.choice(TOPICS))
        elif kind == 3:
            args.update(sort="date", page=rng.randint(1, 5))
        elif kind == 4:
            args.update(within=rng.choice(["安全", "责任", "检查"]))
        paths.append("/api/search?" + urlencode(args))
    return paths


def build_index(index_dir: Path, paragraphs: int, rebuild: bool) -> dict:
    marker = index_dir / "bench-complete"
    if marker.exists() and not rebuild and index.check(index_dir, full=False).ok:   # not one of another version
        print(f"复用已有索引 {index_dir}")
        return json.loads(marker.read_text())
    shutil.rmtree(index_dir, ignore_errors=True)
    print(f"生成 {paragraphs:,} 段的语料并建索引 → {index_dir} ……")
    started = time.perf_counter()
    summary = index.add_documents(index_dir, list(documents(paragraphs)), commit_every=5000)
    info = {"paragraphs": paragraphs, "documents": summary.added + summary.duplicates,
            "build_seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(info))
    return info


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir: Path, port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "SAFETY_SEARCH_RATE_LIMIT": "off"}
    cli = Path(sys.executable).parent / "safety-search"
    process = subprocess.Popen(
        [str(cli), "serve", "--index", str(index_dir), "--port", str(port), "--workers", str(workers)],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"服务启动失败，见 {log}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("服务 120 秒内没有就绪")


def run_wrk(port: int, connections: int, seconds: int, script: Path) -> dict:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(script), f"http://127.0.0.1:{port}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["requests_per_s"] = round(result["requests"] / result["seconds"], 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rebuild", action="store_true", help="build the index anew (after an index format change)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("需要 wrk：apt-get install -y wrk", file=sys.stderr)
        return 1

    OUT.mkdir(parents=True, exist_ok=True)
    index_dir = OUT / f"service-index-{args.paragraphs}"
    report = {"index": build_index(index_dir, args.paragraphs, args.rebuild), "workers": args.workers,
              "seconds_per_level": args.seconds, "levels": []}
    paths = request_paths()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "rotate.lua"
        script.write_text(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths), encoding="utf-8")
        port = free_port()
        server = start_server(index_dir, port, args.workers, OUT / "service-server.log")
        try:
            run_wrk(port, 2, 3, script)  # warm-up: facet arrays and caches in every worker
            for connections in args.connections:
                row = {"connections": connections, **run_wrk(port, connections, args.seconds, script)}
                report["levels"].append(row)
                print(f"  {connections:>3} 连接：{row['requests_per_s']:>8} 请求/秒  p50 {row['p50_ms']:>7} ms  "
                      f"p95 {row['p95_ms']:>7} ms  非2xx {row['non_2xx']}")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    print(f"\n/api/search 负载基准：{report['index']['paragraphs']:,} 段，{report['index']['documents']:,} 篇，"
          f"gunicorn {args.workers} 个工作进程，wrk 每档 {args.seconds} 秒，{len(paths)} 个轮换查询")
    print(f"  {'连接数':<6}{'请求/秒':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'错误':>8}")
    for row in report["levels"]:
        errors = row["non_2xx"] + row["socket_errors"]
        print(f"  {row['connections']:<8}{row['requests_per_s']:>10}{row['p50_ms']:>10}{row['p95_ms']:>10}"
              f"{row['p99_ms']:>10}{errors:>8}")
    (OUT / "service.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
