"""Whether two `bench_index.py --dump` files hold the same answers: a change to the query path that
should not change what users see (results, their order and scores, totals, facets, shown paragraphs,
highlights, explain) is checked with it.

    .venv/bin/python bench/answers_same.py before.json after.json

Prints the number of identical answers per query kind and, for each different one, its query and the
first place where the answers part; exits 1 when any differs.
"""
from __future__ import annotations

import json
import sys


def first_difference(a, b, path: str = "") -> str | None:
    """Where `a` and `b` first differ (a JSON path), or None when equal."""
    if type(a) is not type(b):
        return f"{path}: {str(a)[:80]} ≠ {str(b)[:80]}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in {'after' if key in b else 'before'}"
            found = first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return f"{path}: {len(a)} ≠ {len(b)} items" if len(a) != len(b) else None
    return None if a == b else f"{path}: {str(a)[:80]} ≠ {str(b)[:80]}"


def main(before_path: str, after_path: str) -> int:
    with open(before_path, encoding="utf-8") as f:
        before = json.load(f)
    with open(after_path, encoding="utf-8") as f:
        after = json.load(f)
    different = 0
    for kind in sorted(set(before) | set(after)):
        old, new = before.get(kind, []), after.get(kind, [])
        same = 0
        for x, y in zip(old, new):
            found = first_difference(x, y)
            if found:
                different += 1
                print(f"  {kind} {json.dumps(x['args'], ensure_ascii=False)}: {found}")
            else:
                same += 1
        if len(old) != len(new):
            different += 1
            print(f"  {kind}: {len(old)} answers before, {len(new)} after")
        print(f"{kind}: {same} of {max(len(old), len(new))} identical")
    return 1 if different else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
