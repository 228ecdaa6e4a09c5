"""Cleaning throughput: documents/s and MB/s of ingest.clean_file over >= 10,000 generated documents.

The documents are built from the five seeds and the real laws in ../shared/corpus-real: plain text,
text wrapped in site furniture (ad block, date line, 小编 intro, 推荐访问 tail), spun copies (安全→平安 …),
crawler-style HTML pages and GBK-encoded text. Prints a table per variant (docs/s by the wall clock and by
this process's CPU time, which a loaded machine disturbs less); writes bench/out/clean.json.

    .venv/bin/python bench/bench_clean.py [--docs 10000] [--seed 1]
"""
import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ingest.pipeline  # noqa: E402  (loaded before timing: the gazetteer is built once, at import)
from ingest.spin import ORIGINAL_OF  # noqa: E402

CORPUS_REAL = ROOT.parent / "shared" / "corpus-real"
VARIANTS = ("plain", "furniture", "spun", "html", "gbk")
SPIN = {original: spun for spun, original in ORIGINAL_OF.items() if len(spun) == len(original) == 2}


def sources():
    """(title, paragraphs, work-safety?) of every seed (restored wording) and real law."""
    docs = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        (doc,) = ingest.clean_file(path)
        docs.append((doc["title"], [p["restored"] or p["text"] for p in doc["paragraphs"]], True))
    safety = {row.split(",")[0] for row in (CORPUS_REAL / "manifest.csv").read_text(encoding="utf-8").splitlines()
              if ",safety," in row}
    for path in sorted(CORPUS_REAL.glob("*/*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        docs.append((lines[0], lines[1:], path.relative_to(CORPUS_REAL).as_posix() in safety))
    return docs


def spun(text):
    for original, replacement in SPIN.items():
        text = text.replace(original, replacement)
    return text


def render(variant, title, paragraphs, rng):
    """(file suffix, bytes) of one generated document."""
    if variant == "spun":
        title, paragraphs = spun(title), [spun(p) for p in paragraphs]
    if variant == "html":
        body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        page = (f"<html><head><meta charset='utf-8'><title>{escape(title)} - 范文网</title>"
                "<script>var a=1;</script></head><body><div class='nav'>" +
                "".join(f"<a href='/{i}'>栏目{i}</a>" for i in range(12)) +
                f"</div><div class='main'><h1>{escape(title)}</h1><div class='info'>时间：2022-06-{rng.randint(10, 28)}"
                f" 浏览次数：{rng.randint(1, 999)}</div><div class='content'>{body}</div>"
                "<div class='share'>分享到：微信 微博</div><ul class='related'>" +
                "".join(f"<li><a href='/r{i}'>相关文章{i}</a></li>" for i in range(8)) +
                "</ul></div><div class='footer'>版权所有 © 范文网</div></body></html>")
        return ".html", page.encode("utf-8")
    lines = [title, *paragraphs]
    if variant in ("furniture", "spun"):
        lines = (["仅供学习 禁止外传", "自建平台、实时分享", "会员群：  免费QQ群：", "", title,
                  f"时间:2022-06-{rng.randint(10, 28)} 14:40:04 讲话稿 浏览次数:",
                  f"下面是小编为大家整理的{title},供大家参考。", title] + paragraphs + [f"推荐访问:{title}"])
    text = "\n".join(lines) + "\n"
    return ".txt", text.encode("gbk", errors="replace") if variant == "gbk" else text.encode("utf-8")


def generate(folder, count, rng):
    docs = sources()
    safety_docs = [doc for doc in docs if doc[2]]
    files = []
    for i in range(count):
        variant = VARIANTS[i % len(VARIANTS)]
        title, paragraphs, _ = rng.choice(safety_docs if variant == "spun" else docs)   # spinners copy speeches
        if len(paragraphs) > 60:                       # speech-sized slices of long laws
            start = rng.randrange(len(paragraphs) - 40)
            paragraphs = paragraphs[start:start + rng.randint(20, 60)]
        suffix, data = render(variant, title, paragraphs, rng)
        path = folder / f"{i:05d}{suffix}"
        path.write_bytes(data)
        files.append((variant, path, len(data)))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        files = generate(Path(tmp), args.docs, rng)
        totals = defaultdict(lambda: {"docs": 0, "bytes": 0, "seconds": 0.0, "cpu_seconds": 0.0,
                                                "skipped": 0, "restored": 0})
        for variant, path, size in files:
            row = totals[variant]
            start, cpu_start = time.perf_counter(), time.process_time()
            try:
                docs = ingest.clean_file(path, problems=[])
                row["restored"] += sum(doc["restored"] for doc in docs)
            except ingest.SkipFile:
                row["skipped"] += 1
            row["seconds"] += time.perf_counter() - start
            row["cpu_seconds"] += time.process_time() - cpu_start
            row["docs"] += 1
            row["bytes"] += size
    all_row = {key: sum(row[key] for row in totals.values()) for key in ("docs", "bytes", "seconds", "cpu_seconds", "skipped", "restored")}
    table = {**{variant: totals[variant] for variant in VARIANTS}, "all": all_row}
    print(f"{'variant':<10}{'docs':>7}{'MB':>8}{'docs/s':>9}{'MB/s':>7}{'cpu docs/s':>11}{'skipped':>9}{'restored':>9}")
    for name, row in table.items():
        row["docs_per_s"] = round(row["docs"] / row["seconds"], 1)
        row["mb_per_s"] = round(row["bytes"] / 2**20 / row["seconds"], 2)
        row["cpu_docs_per_s"] = round(row["docs"] / row["cpu_seconds"], 1)
        print(f"{name:<10}{row['docs']:>7}{row['bytes'] / 2**20:>8.1f}{row['docs_per_s']:>9}{row['mb_per_s']:>7}"
              f"{row['cpu_docs_per_s']:>11}{row['skipped']:>9}{row['restored']:>9}")
    out = ROOT / "bench" / "out" / "clean.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"documents": args.docs, "seed": args.seed, "results": table}, ensure_ascii=False, indent=2))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
