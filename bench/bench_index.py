"""Index benchmark: indexing paragraphs/s, index size, query latency p50/p95 at a given corpus size.

    .venv/bin/python bench/bench_index.py --paragraphs 100000
    .venv/bin/python bench/bench_index.py --paragraphs 1000000 --keep /tmp/ix1m

Documents are assembled from real paragraphs (corpus-real national laws + the seed speeches), 20–120
paragraphs each in runs of 5–15 consecutive paragraphs, with years 2005–2024 (8 % unknown), regions drawn from the gazetteer, doc types
and topics spread; they go through `index.add_documents` as clean-document dicts. Prints a table and
writes bench/out/index[-SIZE].json. Every query returns facets and highlighted best paragraphs;
"plain-cold" first empties the posting cache, the others run with whatever earlier queries cached.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import index  # noqa: E402

# beside the project root, as in CI, or beside the folder of a git worktree
REAL = next((p for p in (ROOT.parent / "shared" / "corpus-real", ROOT.parent.parent / "shared" / "corpus-real")
             if p.is_dir()), ROOT.parent / "shared" / "corpus-real")
DOC_TYPES = ["讲话", "通知", "方案", "意见", "报告", "规定", "法律法规", "其他"]
TOPICS = ["煤矿", "危险化学品", "消防", "道路交通", "建筑施工", "非煤矿山", "烟花爆竹", "特种设备", "防汛"]
LEVELS = ["省", "市", "县", "区", None]

QUERIES = ["安全生产", "煤矿", "\"烟花爆竹\"", "应急管理 隐患排查", "消防 OR 防火", "安全生产责任制",
           "危险化学品 -运输", "title:条例", "第十条", "主体责任 落实", "\"生产经营单位\"", "事故 调查 处理",
           "特种设备", "道路交通安全", "职业病 防治", "安全"]


def paragraph_pool() -> list[str]:
    pool = []
    for path in sorted(REAL.glob("*/*.txt")):
        pool += [line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        pool += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 8]
    return pool


def titles() -> list[str]:
    return [p.read_text(encoding="utf-8").splitlines()[0] for p in sorted(REAL.glob("*/*.txt"))]


def regions(rng: random.Random) -> list[dict]:
    try:
        from ingest.region import AREAS_BY_CODE

        counties = [a for a in AREAS_BY_CODE.values() if a.level == "county"]
        picked = rng.sample(counties, 300)
        return [{"province": a.province, "city": a.city, "county": a.name} for a in picked]
    except Exception:  # the gazetteer is not essential to timing
        return [{"province": "河北省", "city": "唐山市", "county": "路南区"},
                {"province": "天津市", "city": "天津市", "county": "北辰区"}]


def documents(n_paragraphs: int, seed: int = 20261123):
    """Clean-document dicts with about `n_paragraphs` paragraphs in all."""
    rng = random.Random(seed)
    pool, names, places = paragraph_pool(), titles(), regions(rng)
    made, i = 0, 0
    while made < n_paragraphs:
        count = min(rng.randint(20, 120), n_paragraphs - made)
        texts = []
        while len(texts) < count:  # runs of consecutive paragraphs: coherent vocabulary, no copies
            run = rng.randint(5, 15)
            start = rng.randrange(len(pool) - run)
            texts += pool[start:start + run]
        texts = texts[:count]
        year = rng.randint(2005, 2024) if rng.random() > 0.08 else None
        region = rng.choice(places)
        region = dict(region, county=None) if rng.random() < 0.3 else region
        title = f"{year or ''}年{region['city'] or ''}{rng.choice(names)}"
        i += 1
        yield {
            "doc_id": hashlib.sha256(f"{seed}-{i}".encode()).hexdigest()[:16],
            "title": title, "title_scraped": title,
            "paragraphs": [{"n": n, "text": t, "restored": None, "heading": t.startswith("第") and len(t) < 20,
                            "section": None} for n, t in enumerate(texts, 1)],
            "year": year, "year_source": "title" if year else "none",
            "published": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if year and rng.random() < 0.5
            else None,
            "region": region, "level": rng.choice(LEVELS), "doc_type": rng.choice(DOC_TYPES),
            "topics": rng.sample(TOPICS, rng.randint(0, 2)), "source": f"bench/{i:07d}.txt",
            "fetched_at": None, "encoding": "utf-8", "restored": False, "restorations": {},
            "truncated": False, "removed": [],
        }
        made += count


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM; ru_maxrss would also
    count the memory of the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the Whoosh sub-writers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


KINDS = ("plain", "plain-cold", "filtered", "facet-drilldown", "date-sorted")


def time_queries(ix, kind: str, rounds: int, asked: list | None = None) -> dict:
    """Latencies of `rounds` × QUERIES of one kind; the arguments of each are added to `asked`."""
    rng = random.Random(7)
    latencies, cpu_latencies = [], []
    for r in range(rounds):
        for q in QUERIES:
            if kind in ("plain", "plain-cold"):
                args = dict(q=q)
                if kind == "plain-cold":
                    ix.drop_caches()
            elif kind == "filtered":
                args = dict(q=q, filters={"year_from": 2012, "year_to": 2020, "doc_type": rng.choice(DOC_TYPES)})
            elif kind == "facet-drilldown":
                stats = ix.search(q, per_page=1)["facets"]["province"]
                province = stats[0]["value"] if stats else "河北省"
                args = dict(q=q, filters={"province": province, "topic": rng.choice(TOPICS)})
            elif kind == "date-sorted":
                args = dict(q=q, sort="date", page=rng.randint(1, 5))
            else:
                raise ValueError(kind)
            if asked is not None:
                asked.append(args)
            started, cpu = time.perf_counter(), time.process_time()
            ix.search(**args)
            latencies.append((time.perf_counter() - started) * 1000)
            cpu_latencies.append((time.process_time() - cpu) * 1000)
    # CPU time beside wall time: on a loaded machine a query waits for a core, and the wait is not its own
    return {"queries": len(latencies), "p50_ms": round(percentile(latencies, 0.5), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1), "max_ms": round(max(latencies), 1),
            "cpu_p50_ms": round(percentile(cpu_latencies, 0.5), 1),
            "cpu_p95_ms": round(percentile(cpu_latencies, 0.95), 1)}


def serving_worker(engine: str, index_dir: Path, rounds: int, dump: str | None = None) -> dict:
    """The query figures of a fresh process that opens the index and runs every kind of query."""
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", engine, "--keep", str(index_dir),
               "--rounds", str(rounds)] + (["--dump", dump] if dump else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{engine} serving worker failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def serve(engine: str, index_dir: Path, rounds: int, dump: str | None = None) -> dict:
    """Run in the serving worker: the service's warm-up (ours), open, first query, the query kinds, its peak memory.

    With `dump`, every timed query is asked again afterwards with explain and the whole answers
    (results, scores, totals, facets, shown paragraphs) written there as JSON: two dumps of one index
    compare a change to the query path for identical results."""
    report = {}
    if engine == "tantivy":
        from tantivy_engine import TantivySearch

        opened = TantivySearch
    else:
        from search_service.server import warm_up

        # as the service starts a worker: its master's warm-up first (analyzers, dictionaries, the
        # index's frequency tables), timed apart
        started = time.perf_counter()
        warm_up(index_dir)
        report["warm_up_ms"] = round((time.perf_counter() - started) * 1000, 1)
        opened = index.SearchIndex
    started = time.perf_counter()
    ix = opened(index_dir)
    ix.search("安全生产")
    report["first_query_ms"] = round((time.perf_counter() - started) * 1000, 1)  # opens, builds facet arrays
    kinds = KINDS if engine != "tantivy" else [k for k in KINDS if k != "plain-cold"]
    asked = {kind: [] for kind in kinds}
    report["latency"] = {kind: time_queries(ix, kind, rounds, asked[kind]) for kind in kinds}
    if engine != "tantivy":
        report["worst_bad_query_ms"] = round(max(time_queries_worst(ix)), 1)
    report["peak_rss_mb"] = peak_rss_mb()
    if dump:
        answers = {kind: [{"args": args, "answer": ix.search(**args, explain=True)} for args in asked[kind]]
                   for kind in kinds if kind != "plain-cold"}
        Path(dump).write_text(json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    return report


def tantivy_build(docs_path: Path, index_dir: Path) -> dict | None:
    """tantivy's indexing figures (a fresh process, so its peak memory is its own); None when not installed."""
    command = [sys.executable, str(ROOT / "bench" / "tantivy_engine.py"), "build", str(docs_path), str(index_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"tantivy 基线未运行（先 .venv/bin/pip install -e \".[bench]\"）：{done.stderr.strip()[-300:]}",
              file=sys.stderr)
        return None
    return json.loads(done.stdout.splitlines()[-1])


def side_by_side(rows: dict[str, dict]) -> list[str]:
    """Lines of a table: one column per engine, one row per figure (missing figures as –)."""
    names = list(rows)
    figures = sorted({key for row in rows.values() for key in row}, key=lambda k: FIGURE_ORDER.index(k)
                     if k in FIGURE_ORDER else len(FIGURE_ORDER))
    lines = [f"  {'':<34}" + "".join(f"{name:>16}" for name in names)]
    for key in figures:
        lines.append(f"  {key:<34}" + "".join(f"{str(rows[name].get(key, '–')):>16}" for name in names))
    return lines


FIGURE_ORDER = ["faceted+highlighted p50/p95 ms", "plain-cold p50/p95 ms", "filtered p50/p95 ms",
                "facet-drilldown p50/p95 ms", "date-sorted p50/p95 ms", "faceted+highlighted CPU p50/p95 ms",
                "plain-cold CPU p50/p95 ms", "filtered CPU p50/p95 ms", "facet-drilldown CPU p50/p95 ms",
                "date-sorted CPU p50/p95 ms", "warm-up ms (service master)", "first query ms", "paragraphs/s",
                "paragraphs/s (2 idle cores)", "cpu seconds", "index MB", "index / text", "peak MB ingest",
                "peak MB serving worker", "re-ingest unchanged s"]


def query_figures(served: dict) -> dict:
    if not served:
        return {}
    names = {"plain": "faceted+highlighted", "plain-cold": "plain-cold", "filtered": "filtered",
             "facet-drilldown": "facet-drilldown", "date-sorted": "date-sorted"}
    out = {f"{names[kind]} p50/p95 ms": f"{row['p50_ms']} / {row['p95_ms']}" for kind, row in served["latency"].items()}
    out.update({f"{names[kind]} CPU p50/p95 ms": f"{row['cpu_p50_ms']} / {row['cpu_p95_ms']}"
                for kind, row in served["latency"].items()})
    out["first query ms"] = served["first_query_ms"]
    if "warm_up_ms" in served:
        out["warm-up ms (service master)"] = served["warm_up_ms"]
    out["peak MB serving worker"] = served["peak_rss_mb"]
    return out


def write_docs(docs, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for doc in docs:
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", help="build the index here and keep it (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="time queries on the existing --keep index")
    parser.add_argument("--no-tantivy", action="store_true", help="leave out the tantivy side-by-side")
    parser.add_argument("--dump", help="write this project's answers to every timed query here (JSON), to compare "
                        "two versions of the query path")
    parser.add_argument("--serve", choices=["ours", "tantivy"], help=argparse.SUPPRESS)  # the serving worker
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args.serve, Path(args.keep), args.rounds, args.dump)))
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-index-"))
    index_dir, tantivy_dir, docs_path = work / "index", work / "tantivy", work / "docs.jsonl"
    report = {"paragraphs": args.paragraphs, "cores": os.cpu_count()}
    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        docs = list(documents(args.paragraphs))
        report["text_mb"] = round(sum(len(p["text"]) * 3 for d in docs for p in d["paragraphs"]) / 2**20, 1)
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        summary = index.add_documents(index_dir, docs)   # the product's own commit size
        seconds = time.perf_counter() - started
        cpu = cpu_seconds() - cpu_before
        report.update(documents=summary.added + summary.duplicates, index_seconds=round(seconds, 1),
                      paragraphs_per_s=round(args.paragraphs / seconds), commits=summary.commits,
                      cpu_seconds=round(cpu, 1), load_average=os.getloadavg()[0],
                      # what two idle cores would give: the machine is shared, wall time is not ours
                      paragraphs_per_s_two_idle_cores=round(args.paragraphs / (cpu / 2)))
        if not args.no_tantivy:
            write_docs(docs, docs_path)
        del docs
        if not args.no_tantivy:
            report["tantivy_build"] = tantivy_build(docs_path, tantivy_dir)
            docs_path.unlink()
    report["index_mb"] = round(sum(f.stat().st_size for f in index_dir.iterdir()) / 2**20, 1)
    report["ours"] = serving_worker("ours", index_dir, args.rounds, args.dump and str(Path(args.dump).resolve()))
    if not args.no_tantivy and (tantivy_dir / "meta.json").exists():
        report["tantivy"] = serving_worker("tantivy", tantivy_dir, args.rounds)
    report["load_average_end"] = os.getloadavg()[0]

    print(f"\n索引基准：{args.paragraphs:,} 段")
    if "paragraphs_per_s" in report:
        print(f"  建索引 {report['index_seconds']} 秒，{report['paragraphs_per_s']:,} 段/秒，"
              f"{report['documents']:,} 篇，提交 {report['commits']} 次")
        print(f"  CPU {report['cpu_seconds']} 秒（含子进程），按两核空闲折算 "
              f"{report['paragraphs_per_s_two_idle_cores']:,} 段/秒；负载 {report['load_average']:.1f}")
    print(f"  最慢的异常查询 {report['ours']['worst_bad_query_ms']} ms；结束时负载 {report['load_average_end']:.1f}")
    rows = {"this project": {**query_figures(report["ours"]), "index MB": report["index_mb"]}}
    if "paragraphs_per_s" in report:
        rows["this project"].update({"paragraphs/s": report["paragraphs_per_s"], "cpu seconds": report["cpu_seconds"],
                                     "paragraphs/s (2 idle cores)": report["paragraphs_per_s_two_idle_cores"]})
        if "text_mb" in report:
            rows["this project"]["index / text"] = round(report["index_mb"] / report["text_mb"], 2)
    if report.get("tantivy"):
        built = report.get("tantivy_build") or {}
        rows["tantivy"] = {**query_figures(report["tantivy"]), "paragraphs/s": built.get("paragraphs_per_s", "–"),
                           "cpu seconds": built.get("cpu_seconds", "–"), "index MB": built.get("index_mb", "–"),
                           "peak MB ingest": built.get("peak_rss_mb", "–")}
        if built and "text_mb" in report:
            rows["tantivy"]["index / text"] = round(built["index_mb"] / report["text_mb"], 2)
    print("\n".join(side_by_side(rows)))

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    name = "index.json" if args.paragraphs == 100_000 else f"index-{args.paragraphs}.json"
    if args.reuse and (out / name).exists():  # keep the figures of the run that built the index
        report = {**json.loads((out / name).read_text(encoding="utf-8")), **report}
    (out / name).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


BAD_QUERIES = ["安全*", "\"安全", "((安全", "安" * 400, "*", "a OR b OR c OR d OR e OR f OR g OR h",
               "\x00\x01安全", "-安全", "NOT 生产", "\"的\""]


def time_queries_worst(ix):
    for q in BAD_QUERIES:
        started = time.perf_counter()
        try:
            ix.search(q)
        except index.QueryError:
            pass
        yield (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main())
