"""Metadata: accuracy on the labelled development set, and throughput of describe on corpus-real.

Accuracy runs the product's real path on each labelled file (ingest.clean_file: decode, extract,
clean, describe) and compares field by field with the labels of bench/data/metadata/labels-*.jsonl
(format in FORMAT.md there). Throughput times describe alone on the seeds and shared/corpus-real,
on one core; the gazetteer's load time and memory are measured at import.

    .venv/bin/python bench/bench_metadata.py [--misses] [--parts AB] [--data bench/data/metadata]

Prints tables, writes bench/out/metadata.json; --misses lists every miss as id, field, expected, got.
An older version is measured the same way from an export of its packages (the script's own folder comes
first on sys.path, then PYTHONPATH, then this checkout):
    git archive <commit> ingest index search_service | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old .venv/bin/python bench/bench_metadata.py
The development set's documents may live beside it (labels-E.jsonl names ../extract/pages/*.html).
"""
import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data" / "metadata"
GOAL_DOCS_PER_S = 500
# The targets of issue 10, as fractions; `invented` is a ceiling, the others floors.
TARGETS = {"title": 0.90, "year": 0.97, "province": 0.97, "region": 0.93, "town": 0.85, "level": 0.95,
           "doc_type": 0.90, "invented": 0.01}
INVENTED_FIELDS = ("title", "year", "province", "city", "county", "town", "level")


def rss_mb():
    """Resident memory of this process in MB (Linux), or None elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * 4096 / 2**20


def title_key(title):
    """A title as compared: Simplified, width-folded, without converter residue (鄉(xiāng)), letters and
    digits only (punctuation, spaces and Traditional/Simplified variants don't count)."""
    if not title:
        return None
    from ingest.text import to_simplified
    title = re.sub(r"[(（][a-zü\u00e0-\u01dc]+[)）]", "", unicodedata.normalize("NFKC", title))
    return re.sub(r"[\W_]+", "", to_simplified(title))


def labels(data, parts=None):
    """Every label of the set, or of the parts named (letters of labels-<part>.jsonl: AB, G)."""
    for path in sorted(data.glob("labels*.jsonl")):
        if parts and path.stem.removeprefix("labels-") not in parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def got_fields(doc):
    region = doc.get("region") or {}
    return {"title": doc.get("title"), "year": doc.get("year"), "province": region.get("province"),
            "city": region.get("city"), "county": region.get("county"), "town": region.get("town"),
            "level": doc.get("level"), "doc_type": doc.get("doc_type")}


def compare(label, got):
    """{field: (expected, got, right)} for the scored fields of one document."""
    out = {
        "title": (label["title"], got["title"], title_key(label["title"]) == title_key(got["title"])),
        "year": (label["year"], got["year"], label["year"] == got["year"]),
        "province": (label["province"], got["province"], label["province"] == got["province"]),
        "level": (label["level"], got["level"], label["level"] == got["level"]),
        "doc_type": (label["doc_type"], got["doc_type"], label["doc_type"] == got["doc_type"]),
    }
    want = tuple(label[k] for k in ("province", "city", "county"))
    have = tuple(got[k] for k in ("province", "city", "county"))
    out["region"] = ("/".join(map(str, want)), "/".join(map(str, have)), want == have)
    if label["town"]:
        out["town"] = (label["town"], got["town"], label["town"] == got["town"])
    return out


def accuracy(data, parts=None):
    import ingest

    rows, misses, invented, nulls = {}, [], [], 0
    for label in labels(data, parts):
        try:
            (doc,) = ingest.clean_file(data / label["file"])
            got = got_fields(doc)
        except ingest.SkipFile as exc:
            got = dict.fromkeys(INVENTED_FIELDS + ("doc_type",))
            misses.append((label["id"], "file", "document", f"SkipFile: {exc}"))
        for field, (want, have, right) in compare(label, got).items():
            hits, total = rows.get(field, (0, 0))
            rows[field] = (hits + right, total + 1)
            if not right:
                misses.append((label["id"], field, want, have))
        for field in INVENTED_FIELDS:
            if label[field] is None:
                nulls += 1
                if got[field] is not None:
                    invented.append((label["id"], field, got[field]))
    result = {field: {"right": hits, "total": total, "share": round(hits / total, 4)}
              for field, (hits, total) in rows.items()}
    result["invented"] = {"invented": len(invented), "null_truths": nulls,
                          "share": round(len(invented) / nulls, 4) if nulls else 0.0}
    return result, misses, invented


def measure(docs, repeat):
    """Documents per CPU second of this process: one core's rate, whatever else the machine runs."""
    from ingest.metadata import describe
    start = time.process_time()
    for _ in range(repeat):
        for title, body in docs:
            describe(title, body, None)
    seconds = time.process_time() - start
    chars = sum(len(title) + sum(map(len, body)) for title, body in docs) * repeat
    return {"docs": len(docs) * repeat, "seconds": round(seconds, 3),
            "docs_per_s": round(len(docs) * repeat / seconds, 1), "mb_per_s": round(chars * 3 / 1e6 / seconds, 2)}


def load(paths):
    docs = []
    for path in paths:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs.append((lines[0], lines[1:]))
    return docs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every miss (id, field, expected, got)")
    parser.add_argument("--data", type=Path, default=DATA, help="the development set (labels*.jsonl, docs/)")
    parser.add_argument("--parts", help="only these parts of the set (letters, e.g. AB, EF, G); default all")
    args = parser.parse_args()
    sys.path.append(str(ROOT))   # after PYTHONPATH, so an older checkout can be measured with the same script

    before, start = rss_mb(), time.process_time()
    import ingest.metadata  # noqa: F401  (the gazetteers and automata are built at import)
    import_s = round(time.process_time() - start, 3)
    memory = round(rss_mb() - before, 1) if before is not None else None
    results = {"import_seconds": import_s, "import_memory_mb": memory, "goal_docs_per_s": GOAL_DOCS_PER_S,
               "code": str(Path(ingest.metadata.__file__).resolve().parents[1])}
    print(f"import (gazetteers + automata): {import_s} s CPU, +{memory} MB resident")

    if args.data.exists():
        fields, misses, invented = accuracy(args.data, args.parts)
        results["accuracy"] = fields
        n = max(row["total"] for name, row in fields.items() if name != "invented")
        print(f"\naccuracy on {args.data}{' parts ' + args.parts if args.parts else ''} ({n} documents)")
        print(f"{'field':<10}{'right':>7}{'of':>6}{'share':>9}{'target':>9}")
        for name, row in fields.items():
            target = TARGETS[name]
            right, total = (row["invented"], row["null_truths"]) if name == "invented" else (row["right"], row["total"])
            ok = row["share"] <= target if name == "invented" else row["share"] >= target
            print(f"{name:<10}{right:>7}{total:>6}{row['share']:>9.1%}{('≤' if name == 'invented' else '≥') + f'{target:.0%}':>9}"
                  f"  {'ok' if ok else 'MISS'}")
        if args.misses:
            print("\nmisses (id, field, expected, got):")
            for miss in misses:
                print("  " + "\t".join(map(str, miss)))
            print("invented (id, field, got):")
            for row in invented:
                print("  " + "\t".join(map(str, row)))
    else:
        print(f"(no development set at {args.data}: accuracy skipped)")

    corpora = {"seeds x200": (load(sorted((ROOT / "corpus").glob("*.txt"))), 200)}
    real = ROOT.parent / "shared" / "corpus-real"
    if not real.exists():
        real = Path("/work/shared/corpus-real")
    if real.exists():
        corpora["corpus-real"] = (load(sorted(real.glob("*/*.txt"))), 1)
    print(f"\nthroughput of describe (CPU seconds of one core; goal ≥ {GOAL_DOCS_PER_S} docs/s on corpus-real)")
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
