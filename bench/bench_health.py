"""Index health benchmark: check, open-time verification, backup, reindex and restore at a given size.

    .venv/bin/python bench/bench_health.py --paragraphs 100000
    .venv/bin/python bench/bench_health.py --index /tmp/ix100k      # an index kept by bench_index.py --keep

Prints a table and writes bench/out/health[-SIZE].json. The machine is shared: the load average is
recorded with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402
from bench_index import documents  # noqa: E402


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--index", help="time an existing index (a copy is used for reindex and restore)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-health-"))
    try:
        source = Path(args.index) if args.index else work / "index"
        if not args.index:
            print(f"生成 {args.paragraphs:,} 段的语料并建索引 → {source} ……")
            index.add_documents(source, list(documents(args.paragraphs)))
        report = {"index_mb": round(sum(f.stat().st_size for f in source.iterdir() if f.is_file()) / 2**20, 1)}
        index.initialize()
        report["check_quick_s"], quick = timed(index.check, source, full=False)
        report["check_full_s"], full = timed(index.check, source, full=True)
        assert quick.ok and full.ok, full.text()
        report["documents"] = full.documents
        report["open_s"], ix = timed(index.SearchIndex, source)      # reads every Whoosh file once (CRC-32)
        ix.search("安全生产")
        rounds = 2000
        started = time.perf_counter()
        for _ in range(rounds):
            ix._verifier.verify(ix._searcher.reader().generation())
        report["verify_per_query_us"] = round((time.perf_counter() - started) / rounds * 1e6, 1)
        report["backup_s"], _ = timed(index.backup, source, work / "backup")
        shutil.copytree(work / "backup", work / "copy")
        report["reindex_s"], _ = timed(index.reindex, work / "copy", progress=False)
        report["restore_s"], _ = timed(index.restore, work / "backup", work / "copy", progress=False)
        report["load_average"] = round(os.getloadavg()[0], 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {k: round(v, 2) if isinstance(v, float) else v for k, v in report.items()}

    print(f"\n索引维护基准：{report['documents']:,} 篇，{report['index_mb']} MB（负载 {report['load_average']}）")
    for key, label in (("check_quick_s", "快速检查（serve 启动时）"), ("check_full_s", "完整检查"),
                       ("open_s", "打开索引（含校验和）"), ("backup_s", "备份"), ("reindex_s", "重建"),
                       ("restore_s", "恢复")):
        print(f"  {label:<16}{report[key]:>8} 秒")
    print(f"  每次查询的文件校验 {report['verify_per_query_us']} 微秒")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    name = "health.json" if args.index or args.paragraphs == 100_000 else f"health-{args.paragraphs}.json"
    (out / name).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
