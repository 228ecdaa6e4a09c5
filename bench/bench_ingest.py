"""Whole-ingest benchmark: a generated crawl dump through `index.ingest_paths` (clean, describe, dedup, index).

    .venv/bin/python bench/bench_ingest.py --paragraphs 100000            # both cores
    .venv/bin/python bench/bench_ingest.py --paragraphs 100000 --workers 1

The dump holds speech-like documents of 10–60 paragraphs drawn from the seeds and corpus-real (the
same paragraph pool as bench_index.py), a third of them as HTML pages with site furniture, the rest
as text. Reports paragraphs/s of the whole ingest, index size against text size, peak memory of the
ingesting process and of its children, and the time of a second ingest of the unchanged dump.
Writes bench/out/ingest-SIZE.json.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402
from bench_index import (cpu_seconds, paragraph_pool, query_figures, serving_worker, side_by_side,  # noqa: E402
                         tantivy_build, titles)

FURNITURE = ["首页 > 新闻中心 > 工作动态", "【打印本页】【关闭窗口】", "版权所有：某某市应急管理局 备案号：X ICP备0000号"]
PROVINCE_CITIES = ["山东省济南市", "河北省唐山市", "江苏省苏州市", "四川省成都市", "广东省佛山市", "湖南省长沙市"]


def write_dump(path: Path, n_paragraphs: int, seed: int = 20261201) -> int:
    """Write a crawl dump of about `n_paragraphs` paragraphs; returns the characters of body text."""
    rng = random.Random(seed)
    pool, names = paragraph_pool(), titles()
    made, chars, i = 0, 0, 0
    with path.open("w", encoding="utf-8") as out:
        while made < n_paragraphs:
            count = min(rng.randint(10, 60), n_paragraphs - made)
            start = rng.randrange(len(pool) - count)
            texts = [f"{rng.choice(PROVINCE_CITIES)}{rng.randint(2005, 2024)}年", *pool[start:start + count - 1]]
            title = f"{rng.choice(PROVINCE_CITIES)}{rng.choice(names)}"
            chars += len(title) + sum(map(len, texts))
            i += 1
            record = {"url": f"https://www.example.gov.cn/{i // 1000}/{i:07d}.html", "fetched_at": "2024-03-01T08:00:00"}
            if i % 3 == 0:
                body = "".join(f"<p>{html.escape(t)}</p>" for t in texts)
                record["html"] = (f"<html><head><title>{html.escape(title)}</title></head><body>"
                                  f"<div class=nav>{FURNITURE[0]}</div><h1>{html.escape(title)}</h1>"
                                  f"<div class=content>{body}</div><div class=footer>{FURNITURE[1]} {FURNITURE[2]}"
                                  f"</div></body></html>")
            else:
                record["text"] = "\n".join([title, *texts])
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            made += count
    return chars


def peak_mb(who) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


class TreeMemory:
    """Peak proportional set size (PSS: shared pages split between the processes sharing them) of this
    process and all its descendants together, sampled every SAMPLE_SECONDS in a thread."""

    # Reading smaps_rollup walks a process's page tables: sampled every 0.5 s, the sampler took ~3 % of
    # the 100k ingest's CPU (py-spy, 2026-12-02). The per-process peaks (ru_maxrss) are exact anyway.
    SAMPLE_SECONDS = 2.0

    def __init__(self):
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @staticmethod
    def _tree(pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo += [int(child) for child in task.read_text().split()]
                except OSError:
                    pass
        return found

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self):
        while not self._stop.wait(self.SAMPLE_SECONDS):
            self.peak_kb = max(self.peak_kb, sum(map(self._pss_kb, self._tree(os.getpid()))))

    @property
    def peak_mb(self) -> float:
        return round(self.peak_kb / 1024, 1)


def export_documents(index_dir: Path, path: Path) -> None:
    """The clean documents the ingest stored, as JSONL: tantivy indexes the very same text and metadata."""
    from index.store import DocumentStore

    store = DocumentStore(index_dir, readonly=True)
    doc_ids = sorted(store.all_doc_ids())
    with path.open("w", encoding="utf-8") as out:
        for i in range(0, len(doc_ids), 500):
            for doc in store.get_many(doc_ids[i:i + 500]).values():
                out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=None, help="cleaning processes (default: every core)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the query set in each serving worker")
    parser.add_argument("--no-tantivy", action="store_true", help="leave out the tantivy side-by-side")
    parser.add_argument("--no-queries", action="store_true", help="ingest only: no serving workers")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder)")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    dump, index_dir, tantivy_dir = work / "dump.jsonl", work / "index", work / "tantivy"
    chars = write_dump(dump, args.paragraphs)
    load_before = os.getloadavg()[0]
    cpu_before = cpu_seconds()
    started = time.perf_counter()
    with TreeMemory() as memory:
        summary = index.ingest_paths([dump], index_dir, progress=sys.stderr.isatty(), workers=args.workers)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu_before
    load_during = os.getloadavg()[1]          # the 5-minute average: most of the ingest
    text_bytes = chars * 3   # UTF-8: three bytes a Chinese character
    index_bytes = sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file())
    whoosh_bytes = sum(p.stat().st_size for p in index_dir.iterdir() if p.suffix == ".seg")
    started = time.perf_counter()
    again = index.ingest_paths([dump], index_dir, progress=False, workers=args.workers)
    reingest = time.perf_counter() - started
    report = {
        "paragraphs": summary.paragraphs, "documents": summary.added + summary.duplicates,
        "workers": args.workers or "all cores", "cores": os.cpu_count(),
        "ingest_seconds": round(seconds, 1), "paragraphs_per_s": round(summary.paragraphs / seconds),
        "cpu_seconds": round(cpu, 1),
        # what two idle cores would give if the work spread evenly over both (an upper bound: serial
        # phases such as a segment merge do not spread); the machine is shared, wall time is not ours
        "paragraphs_per_s_two_idle_cores": round(summary.paragraphs / (cpu / 2)),
        "load_before": round(load_before, 1), "load_5min_after": round(load_during, 1),
        "text_mb": round(text_bytes / 2**20, 1), "index_mb": round(index_bytes / 2**20, 1),
        "whoosh_segments_mb": round(whoosh_bytes / 2**20, 1),
        "whoosh_segments": sum(p.suffix == ".seg" for p in index_dir.iterdir()),
        "index_over_text": round(index_bytes / text_bytes, 2),
        "peak_rss_mb_ingest_process": peak_mb(resource.RUSAGE_SELF),
        "peak_rss_mb_largest_child": peak_mb(resource.RUSAGE_CHILDREN),
        "peak_pss_mb_ingest_all_processes": memory.peak_mb,
        "reingest_unchanged_seconds": round(reingest, 2), "reingest_unchanged_documents": again.unchanged,
    }
    if not args.no_tantivy:
        docs_path = work / "documents.jsonl"
        export_documents(index_dir, docs_path)
        report["tantivy_build"] = tantivy_build(docs_path, tantivy_dir)
        docs_path.unlink()
    if not args.no_queries:
        report["ours"] = serving_worker("ours", index_dir, args.rounds)
        if report.get("tantivy_build"):
            report["tantivy"] = serving_worker("tantivy", tantivy_dir, args.rounds)
    report["load_end"] = round(os.getloadavg()[0], 1)
    for key, value in report.items():
        if not isinstance(value, dict):
            print(f"{key:<34}{value}")
    rows = {"this project": {
        "paragraphs/s": report["paragraphs_per_s"], "paragraphs/s (2 idle cores)": report["paragraphs_per_s_two_idle_cores"],
        "cpu seconds": report["cpu_seconds"], "index MB": report["index_mb"], "index / text": report["index_over_text"],
        "peak MB ingest": f"{report['peak_pss_mb_ingest_all_processes']} (all)",
        "re-ingest unchanged s": report["reingest_unchanged_seconds"]}}
    if report.get("ours"):
        rows["this project"].update(query_figures(report["ours"]))
    built = report.get("tantivy_build")
    if built:
        rows["tantivy"] = {"paragraphs/s": built["paragraphs_per_s"], "cpu seconds": built["cpu_seconds"],
                           "index MB": built["index_mb"], "index / text": round(built["index_mb"] * 2**20 / text_bytes, 2),
                           "peak MB ingest": built["peak_rss_mb"], **query_figures(report.get("tantivy") or {})}
    print(f"\n{args.paragraphs:,} 段，同一次运行（tantivy：只计分词与建索引；本项目：清洗、元数据、去重、建索引）")
    print("\n".join(side_by_side(rows)))
    out = ROOT / "bench" / "out" / f"ingest-{args.paragraphs}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
