"""Same output check for cleaning changes: dump every clean document of a fixed set, compare two dumps.

A speed-up of ingest must not change what it produces. `dump` runs ingest.clean_file on the documents
bench_clean.py generates (seed 1), the pages of bench/data/extract and the documents of
bench/data/metadata, and writes one JSON line per file: the full clean documents (paragraphs, removed,
metadata and its evidence, warnings), the problems reported, or the SkipFile reason. `diff` compares
two dumps file by file and prints the first differing fields.

    .venv/bin/python bench/clean_same.py dump /tmp/new.jsonl [--docs 2000] [--code DIR]
    .venv/bin/python bench/clean_same.py diff /tmp/base.jsonl /tmp/new.jsonl

--code puts another checkout's packages first on sys.path (a baseline: `git worktree add --detach
/tmp/base main`), so both dumps read the same input files from this checkout.
"""
import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"


def inputs(folder: Path, docs: int):
    """(name, path) of every file to clean: generated documents first, then the development sets."""
    import bench_clean
    files = bench_clean.generate(folder, docs, random.Random(1))
    yield from ((f"generated/{path.name}", path) for _, path, _ in files)
    for path in sorted((DATA / "extract" / "pages").iterdir()):
        yield f"extract/{path.name}", path
    for path in sorted((DATA / "metadata" / "docs").iterdir()):
        yield f"metadata/{path.name}", path


def dump(out: Path, docs: int) -> None:
    import ingest
    count = 0
    with tempfile.TemporaryDirectory() as tmp, out.open("w", encoding="utf-8") as handle:
        for name, path in inputs(Path(tmp), docs):
            problems = []
            try:
                result = {"docs": ingest.clean_file(path, problems=problems)}
            except ingest.SkipFile as exc:
                result = {"skip": str(exc)}
            for doc in result.get("docs", ()):
                doc["source"] = name          # the temporary folder differs between runs
            result["problems"] = [problem.replace(str(path), name) for problem in problems]
            handle.write(json.dumps({"file": name, **result}, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    print(f"{count} files cleaned by {Path(ingest.__file__).parent}, written to {out}")


def _differences(a, b, where=""):
    """Paths (field names and indexes) where two JSON values differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from _differences(a.get(key), b.get(key), f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{where}[{i}]")
    elif a != b:
        yield where, a, b


def diff(base: Path, new: Path, shown: int = 20) -> int:
    old = {row["file"]: row for row in map(json.loads, base.read_text(encoding="utf-8").splitlines())}
    rows = {row["file"]: row for row in map(json.loads, new.read_text(encoding="utf-8").splitlines())}
    differing = 0
    for name in sorted(set(old) | set(rows)):
        found = list(_differences(old.get(name), rows.get(name)))
        if found:
            differing += 1
            if differing <= shown:
                for where, a, b in found[:3]:
                    print(f"{name}{where}:\n  base {json.dumps(a, ensure_ascii=False)[:300]}\n  new  "
                          f"{json.dumps(b, ensure_ascii=False)[:300]}")
    print(f"{len(rows)} files, {differing} differ")
    return 1 if differing or set(old) != set(rows) else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("dump")
    write.add_argument("out", type=Path)
    write.add_argument("--docs", type=int, default=2000)
    write.add_argument("--code", type=Path, help="checkout whose ingest package is run (default: this one)")
    compare = commands.add_parser("diff")
    compare.add_argument("base", type=Path)
    compare.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "diff":
        sys.exit(diff(args.base, args.new))
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(args.code.resolve() if args.code else ROOT))
    dump(args.out, args.docs)


if __name__ == "__main__":
    main()
