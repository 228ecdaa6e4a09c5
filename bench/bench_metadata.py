"""Throughput of ingest.metadata.describe on the seeds and on shared/corpus-real.

    .venv/bin/python bench/metadata_bench.py      # prints a table, writes bench/out/metadata.json
"""
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_DOCS_PER_S = 200


def load(paths):
    docs = []
    for path in paths:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs.append((lines[0], lines[1:], None))
    return docs


def measure(docs, repeat):
    from ingest.metadata import describe
    chars = sum(len(title) + sum(map(len, body)) for title, body, _ in docs) * repeat
    start = time.perf_counter()
    for _ in range(repeat):
        for doc in docs:
            describe(*doc)
    seconds = time.perf_counter() - start
    return {"docs": len(docs) * repeat, "seconds": round(seconds, 3),
            "docs_per_s": round(len(docs) * repeat / seconds, 1), "mb_per_s": round(chars * 3 / 1e6 / seconds, 2)}


def main():
    start = time.perf_counter()
    import ingest.metadata  # noqa: F401  (gazetteer and automaton are built at import)
    import_s = round(time.perf_counter() - start, 3)
    corpora = {"seeds x200": (load(sorted((ROOT / "corpus").glob("*.txt"))), 200)}
    real = ROOT.parent / "shared" / "corpus-real"
    if real.exists():
        corpora["corpus-real (561 laws)"] = (load(sorted(real.glob("*/*.txt"))), 1)
    results = {"import_seconds": import_s, "goal_docs_per_s": GOAL_DOCS_PER_S}
    print(f"import (gazetteer + automaton): {import_s} s")
    print(f"{'corpus':<24}{'docs':>8}{'seconds':>10}{'docs/s':>10}{'MB/s':>8}")
    for name, (docs, repeat) in corpora.items():
        row = measure(docs, repeat)
        results[name] = row
        print(f"{name:<24}{row['docs']:>8}{row['seconds']:>10}{row['docs_per_s']:>10}{row['mb_per_s']:>8}")
    out = ROOT / "bench" / "out" / "metadata.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
