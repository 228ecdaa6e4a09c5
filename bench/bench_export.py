"""Export benchmark: time and memory of /export.csv and /export.xlsx for 5,000 rows at 100,000 paragraphs.

    .venv/bin/python bench/bench_export.py              # builds bench/out/export-index-100000 once, reuses it
    .venv/bin/python bench/bench_export.py --rebuild    # after the index format changed

The issue's goal: 5,000 rows in at most 3 s, memory flat. The corpus is bench_index's generator cut into
documents of 20 paragraphs (5,000 documents in 100,000 paragraphs), so an empty query matches more than
the export limit. Each export runs in-process through the Flask test client (no network in the timing);
the response is read to the end, as a browser would. Memory: tracemalloc's peak of Python allocations
during a second, untimed run of the same export, for 1,000 and for 5,000 rows; flat means the peak does
not grow with the rows.
Prints a table, writes bench/out/export.json.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402
from bench_index import documents  # noqa: E402

PARAGRAPHS_PER_DOCUMENT = 20


def short_documents(paragraphs: int):
    """bench_index's documents cut into pieces of PARAGRAPHS_PER_DOCUMENT paragraphs, each its own document."""
    for doc in documents(paragraphs):
        paras = doc["paragraphs"]
        for start in range(0, len(paras), PARAGRAPHS_PER_DOCUMENT):
            piece = [dict(p, n=i) for i, p in enumerate(paras[start:start + PARAGRAPHS_PER_DOCUMENT], 1)]
            doc_id = hashlib.sha256(f"{doc['doc_id']}-{start}".encode()).hexdigest()[:16]
            yield dict(doc, doc_id=doc_id, paragraphs=piece, source=f"{doc['source']}#{start}")


def build_index(index_dir: Path, paragraphs: int, rebuild: bool) -> dict:
    marker = index_dir / "bench-complete"
    if marker.exists() and not rebuild:
        print(f"复用已有索引 {index_dir}")
        return json.loads(marker.read_text())
    shutil.rmtree(index_dir, ignore_errors=True)
    print(f"生成 {paragraphs:,} 段、每篇 {PARAGRAPHS_PER_DOCUMENT} 段的语料并建索引 → {index_dir} ……")
    started = time.perf_counter()
    index.add_documents(index_dir, list(short_documents(paragraphs)), commit_every=5000)
    stats = index.SearchIndex(index_dir).stats()
    info = {"paragraphs": stats["paragraphs"], "documents": stats["documents"],
            "build_seconds": round(time.perf_counter() - started, 1)}
    marker.write_text(json.dumps(info))
    return info


def _fetch(client, kind: str, query: str):
    response = client.get(f"/export.{kind}?{query}")
    size = sum(len(chunk) for chunk in response.response)     # read the stream to its end
    assert response.status_code == 200, response.status_code
    return response, size


def run_export(client, kind: str, query: str, repeats: int) -> dict:
    """`repeats` timed exports (median and best reported: the machine is shared, so its load varies),
    then the same again under tracemalloc (which slows Python, so it is not timed)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response, size = _fetch(client, kind, query)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    _fetch(client, kind, query)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"kind": kind, "query": query, "rows": int(response.headers["X-Exported-Count"]),
            "matched": int(response.headers["X-Total-Count"]), "seconds": round(statistics.median(times), 2),
            "best_seconds": round(min(times), 2), "load_average": round(os.getloadavg()[0], 1),
            "bytes": size, "peak_python_mb": round(peak / 2**20, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    index_dir = OUT / f"export-index-{args.paragraphs}"
    report = {"index": build_index(index_dir, args.paragraphs, args.rebuild), "runs": []}

    from search_service import create_app, exports

    client = create_app(index_dir=index_dir, RATELIMIT_ENABLED=False).test_client()
    client.get("/export.csv?q=安全生产&per_page=1")              # open the index, warm the analyzers
    for kind in ("csv", "xlsx"):
        for limit in (1000, exports.MAX_ROWS):
            exports.MAX_ROWS, saved = limit, exports.MAX_ROWS
            try:
                for query in ("", "q=安全生产"):
                    report["runs"].append(run_export(client, kind, query, args.repeats))
            finally:
                exports.MAX_ROWS = saved
    print(f"索引：{report['index']['documents']:,} 篇，{report['index']['paragraphs']:,} 段")
    print(f"{'格式':<6}{'检索':<12}{'匹配':>8}{'导出行':>8}{'秒(中位)':>10}{'秒(最快)':>10}{'字节':>12}"
          f"{'Python 内存峰值 MB':>20}{'负载':>6}")
    for r in report["runs"]:
        print(f"{r['kind']:<6}{r['query'] or '（全部）':<12}{r['matched']:>8}{r['rows']:>8}{r['seconds']:>10}"
              f"{r['best_seconds']:>10}{r['bytes']:>12,}{r['peak_python_mb']:>20}{r['load_average']:>6}")
    (OUT / "export.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
