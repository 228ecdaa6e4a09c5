"""Same near-duplicate groups check: dump every document's group and listed copy of an index, compare two dumps.

A change to near-duplicate detection (ingest.dedup) or to how the writer files copies must give the
same groups and the same canonical (listed) copy of each. `dump` writes one line per stored document,
in ingest order: doc_id, seq, its group (the doc_id of the group's first member) and whether it is the
copy the index lists (index.facets.FacetTable, the one place that chooses it). `diff` compares two dumps.

    .venv/bin/python bench/bench_ingest.py --paragraphs 100000 --no-tantivy --no-queries --keep /tmp/a
    .venv/bin/python bench/dedup_same.py dump /tmp/a/index /tmp/a-groups.tsv
    .venv/bin/python bench/dedup_same.py diff /tmp/a-groups.tsv /tmp/b-groups.tsv
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def dump(index_dir: Path, out: Path) -> None:
    from index.facets import FacetTable
    from index.health import open_index
    from index.store import DocumentStore

    store = DocumentStore(index_dir, readonly=True)
    with open_index(index_dir).reader() as reader:
        table = FacetTable(reader, store)
        listed = {table.doc_ids[d] for d in range(table.size) if table.live[d] and table.canonical[d]}
    rows = store.db.execute("SELECT doc_id, seq, group_id FROM documents ORDER BY seq")
    groups = copies = 0
    with out.open("w", encoding="utf-8") as handle:
        for doc_id, seq, group_id in rows:
            handle.write(f"{doc_id}\t{seq}\t{group_id}\t{int(doc_id in listed)}\n")
            groups += doc_id == group_id
            copies += doc_id != group_id
    store.close()
    print(f"{out}: {groups + copies} 篇，{groups} 组，{copies} 篇归为副本，{len(listed)} 篇列出")


def diff(a: Path, b: Path) -> int:
    left, right = a.read_text(encoding="utf-8").splitlines(), b.read_text(encoding="utf-8").splitlines()
    differ = [(x, y) for x, y in zip(left, right) if x != y]
    for x, y in differ[:10]:
        print(f"- {x}\n+ {y}")
    print(f"{len(left)} / {len(right)} 行，{len(differ)} 行不同")
    return int(bool(differ) or len(left) != len(right))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("index_dir", type=Path)
    d.add_argument("out", type=Path)
    c = sub.add_parser("diff")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.index_dir, args.out)
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
