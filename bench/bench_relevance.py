"""Relevance benchmark: known-item and compound queries, this project against three paragraph baselines.

    .venv/bin/pip install -e ".[bench]"                       # bm25s, tantivy (baselines only)
    .venv/bin/python bench/bench_relevance.py                 # builds everything in a temporary folder
    .venv/bin/python bench/bench_relevance.py --keep /tmp/rel # keep the indexes; add --reuse to time again
    .venv/bin/python bench/bench_relevance.py --seed 7        # other queries over the same corpus

Corpus: ../shared/corpus-real (561 national laws and regulations), the seeds in corpus/, and the real
documents collected for the metadata issue (bench/data/metadata/docs, when present), all through the
product's own `index.ingest_paths`. The baselines index the same cleaned paragraphs (the restored text
where a paragraph was de-spun) plus each title, of the documents the product lists (canonical copies):

- BM25 over paragraphs: bm25s on jieba precise-mode tokens (punctuation dropped);
- tantivy over paragraphs: the same tokens, its BM25, any of the query's tokens (its parser's default);
- stock Whoosh over paragraphs: jieba's own ChineseAnalyzer, Whoosh's default BM25F and AND parser.

A paragraph engine ranks documents by their best paragraph and shows a document's 3 best paragraphs.

Queries (fixed seed):
- known-item: a random paragraph of 60–400 characters whose text no other listed document holds;
  2–4 of its words with the highest IDF over paragraphs (jieba precise mode, in jieba's dictionary,
  at least 2 characters, no digits or numerals), in text order, unquoted;
- compound: 25 dictionary words of 4+ characters and 25 pairs of words from one paragraph, each held
  by 3–400 documents; the truth is a brute-force scan.

Metrics: MRR@10, success@1 and @10 of the right document; right paragraph among the 3 shown (of the
queries whose document is in the top 10): one with the text the query was drawn from (a paragraph
repeated word for word in the document counts); beside it, `para_same_words` also counts a paragraph
of the same document whose text is the same but for its numbers and punctuation (第一百条… / 第一百零八条…
with the same wording), and `para_same_query` also counts a paragraph
of the same document from which the same query would be drawn (its k highest-IDF words are the same,
in the same order: sibling clauses such as 第十七条…第十八条… that differ only in numbers), since no
ranking can tell which of those the person saw; compound P@10 = true documents in the top 10 over
min(10, true documents). For this project, the total and every facet count of every query are also
compared with a brute-force count of the listed documents holding every word (its characters
together, in the title or a paragraph; spaces between Chinese characters ignored; a word's synonyms
from index/data/synonyms.txt count as the word). Writes bench/out/relevance.json.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import index  # noqa: E402
from index.analysis import is_word, load_jieba, normalise, synonyms  # noqa: E402
from ingest.text import HAN  # noqa: E402

REAL = next((p for p in (ROOT.parent / "shared" / "corpus-real", Path("/work/shared/corpus-real")) if p.is_dir()),
            ROOT.parent / "shared" / "corpus-real")
METADATA_DOCS = ROOT / "bench" / "data" / "metadata" / "docs"
KNOWN_ITEMS = 320
COMPOUND_WORDS, COMPOUND_PAIRS = 25, 25
DEPTH = 10
SHOWN = 3
NUMERAL = re.compile(r"[0-9零〇一二三四五六七八九十百千万亿两第]")
SPACE_IN_CJK = re.compile(f"(?<=[{HAN}])\\s+(?=[{HAN}])")
NOT_WORDING = re.compile(f"{NUMERAL.pattern}|[^{HAN}a-z]")
FACETS = ("year", "province", "city", "county", "level", "doc_type", "topic")


# --- corpus ----------------------------------------------------------------------------------------

def input_paths() -> list[Path]:
    if not REAL.is_dir():
        raise SystemExit(f"找不到真实语料目录 {REAL}")
    paths = sorted(REAL.glob("*/*.txt")) + sorted((ROOT / "corpus").glob("*.txt"))
    if METADATA_DOCS.is_dir():
        paths += sorted(p for p in METADATA_DOCS.iterdir() if p.suffix in (".txt", ".html"))
    return paths


def listed_documents(ix: index.SearchIndex) -> list[dict]:
    """The documents the product lists (canonical copies), as stored after cleaning."""
    _, table, _ = ix._current()
    doc_ids = sorted(table.doc_ids[d] for d in table.listed.nonzero()[0])   # not docnums: ingest order varies
    docs = ix.store.get_many(doc_ids)
    return [docs[d] for d in doc_ids]


def paragraph_texts(doc: dict) -> list[tuple[int, str]]:
    """(n, text) of the title (n = 0) and each paragraph, the restored wording where there is one."""
    return [(0, doc.get("title") or "")] + [(p["n"], p.get("restored") or p["text"]) for p in doc["paragraphs"]]


def haystack(text: str) -> str:
    return SPACE_IN_CJK.sub("", normalise(text))


def wording(text: str) -> str:
    """A paragraph's text without numbers, ordinals, punctuation and spaces: what sibling clauses share."""
    return NOT_WORDING.sub("", haystack(text))


# --- brute force ------------------------------------------------------------------------------------

class BruteForce:
    def __init__(self, docs: list[dict]):
        self.docs = docs
        self.texts = ["\n".join(haystack(t) for _, t in paragraph_texts(d))
                      + "\n" + "\n".join(haystack(p["text"]) for p in d["paragraphs"] if p.get("restored"))
                      for d in docs]

    def holding(self, words: list[str]) -> list[int]:
        """Indexes of the documents holding every word (or one of its synonyms)."""
        forms = [[normalise(w)] + list(synonyms(normalise(w))) for w in words]
        return [i for i, text in enumerate(self.texts) if all(any(f in text for f in fs) for fs in forms)]

    def facets(self, found: list[int]) -> dict[str, dict]:
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        for i in found:
            doc, region = self.docs[i], self.docs[i].get("region") or {}
            counts["year"][doc.get("year")] += 1
            for name in ("province", "city", "county"):
                if region.get(name):
                    counts[name][region[name]] += 1
            # 未知 is a bucket of its own for province and level; a national text's missing province is 全国
            if not region.get("province") and doc.get("level") != "国家":
                counts["province"][None] += 1
            counts["level"][doc.get("level")] += 1
            if doc.get("doc_type"):
                counts["doc_type"][doc["doc_type"]] += 1
            for topic in doc.get("topics") or []:
                counts["topic"][topic] += 1
        return {name: dict(c) for name, c in counts.items()}


# --- queries --------------------------------------------------------------------------------------

def dictionary_word(jieba, word: str) -> bool:
    return len(word) >= 2 and re.fullmatch(f"[{HAN}]+", word) is not None and not NUMERAL.search(word) \
        and jieba.dt.FREQ.get(word, 0) > 0


def make_queries(docs: list[dict], brute: BruteForce, seed: int) -> tuple[list[dict], list[dict]]:
    jieba = load_jieba()
    rng = random.Random(seed)
    paragraphs = [(i, n, text) for i, d in enumerate(docs) for n, text in paragraph_texts(d) if n]
    cut = {}
    df: Counter = Counter()
    for key, (_, _, text) in enumerate(paragraphs):
        tokens = [w for w in jieba.lcut(normalise(text)) if dictionary_word(jieba, w)]
        cut[key] = tokens
        df.update(set(tokens))
    total = len(paragraphs)
    idf = {w: math.log(total / c) for w, c in df.items()}
    owners: dict[str, set[int]] = defaultdict(set)
    of_document: dict[int, list[int]] = defaultdict(list)
    for key, (i, n, text) in enumerate(paragraphs):
        owners[haystack(text)].add(i)
        of_document[i].append(key)

    def drawn(key: int, k: int) -> list[str]:
        """The query drawn from a paragraph: its k highest-IDF words, in text order."""
        unique = list(dict.fromkeys(cut[key]))
        return sorted(sorted(unique, key=lambda w: (-idf[w], w))[:k], key=unique.index)

    known = []
    order = list(range(total))
    rng.shuffle(order)
    for key in order:
        if len(known) >= KNOWN_ITEMS:
            break
        i, n, text = paragraphs[key]
        if not 60 <= len(text) <= 400 or len(owners[haystack(text)]) > 1:
            continue
        k = rng.choice((2, 3, 4))
        if len(set(cut[key])) < k:
            continue
        chosen = drawn(key, k)
        same = [paragraphs[other][1] for other in of_document[i] if other != key and drawn(other, k) == chosen]
        known.append({"q": " ".join(chosen), "doc_id": docs[i]["doc_id"], "n": n, "text": text, "same_query": same})

    compounds = []
    long_words = sorted(w for w in df if len(w) >= 4)
    rng.shuffle(long_words)
    for w in long_words:
        if len(compounds) >= COMPOUND_WORDS:
            break
        if 3 <= len(brute.holding([w])) <= 400:
            compounds.append({"q": w, "words": [w], "kind": "word"})
    tries = 0
    while len(compounds) < COMPOUND_WORDS + COMPOUND_PAIRS and tries < 10_000:
        tries += 1
        key = rng.randrange(total)
        words = list(dict.fromkeys(cut[key]))
        if len(words) < 2:
            continue
        pair = rng.sample(words, 2)
        pair.sort(key=words.index)
        if 3 <= len(brute.holding(pair)) <= 400 and all(len(brute.holding([w])) <= 2000 for w in pair):
            compounds.append({"q": " ".join(pair), "words": pair, "kind": "pair"})
    return known, compounds


# --- engines -------------------------------------------------------------------------------------

class Product:
    name = "this project"

    def __init__(self, ix: index.SearchIndex):
        self.ix = ix

    def search(self, q: str) -> tuple[list[tuple[str, list[int]]], dict]:
        result = self.ix.search(q, per_page=DEPTH)
        return [(r["doc_id"], [p["n"] for p in r["paragraphs"]]) for r in result["results"]], result


def _by_document(ranked) -> list[tuple[str, list[int]]]:
    """Ranked (doc_id, n) paragraphs -> documents in order of their best paragraph, 3 paragraphs each."""
    out: dict[str, list[int]] = {}
    for doc_id, n in ranked:
        if doc_id not in out:
            if len(out) >= DEPTH:
                continue
            out[doc_id] = []
        if len(out[doc_id]) < SHOWN:
            out[doc_id].append(n)
    return list(out.items())


class BM25Paragraphs:
    name = "BM25 paragraphs (bm25s)"

    def __init__(self, docs: list[dict]):
        import bm25s

        self.jieba = load_jieba()
        self.keys = [(d["doc_id"], n) for d in docs for n, _ in paragraph_texts(d)]
        corpus = [self.tokens(t) for d in docs for _, t in paragraph_texts(d)]
        self.model = bm25s.BM25()
        self.model.index(corpus, show_progress=False)

    def tokens(self, text: str) -> list[str]:
        return [w for w in self.jieba.lcut(normalise(text)) if is_word(w)] or ["\u0000"]

    def search(self, q: str):
        results, _ = self.model.retrieve([self.tokens(q)], k=min(200, len(self.keys)), show_progress=False, n_threads=1)
        return _by_document(self.keys[int(i)] for i in results[0]), None


class TantivyParagraphs:
    name = "tantivy paragraphs"

    def __init__(self, docs: list[dict], folder: Path, reuse: bool):
        import tantivy

        self.tantivy, self.jieba = tantivy, load_jieba()
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("text", tokenizer_name="whitespace")   # the jieba tokens, joined by spaces
        builder.add_unsigned_field("key", stored=True)
        self.schema = builder.build()
        self.keys = [(d["doc_id"], n) for d in docs for n, _ in paragraph_texts(d)]
        if not (reuse and folder.is_dir() and tantivy.Index.exists(str(folder))):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            ix = tantivy.Index(self.schema, path=str(folder))
            writer = ix.writer(heap_size=200_000_000, num_threads=1)
            texts = (t for d in docs for _, t in paragraph_texts(d))
            for key, text in enumerate(texts):
                writer.add_document(tantivy.Document(text=" ".join(self.tokens(text)), key=key))
            writer.commit()
            writer.wait_merging_threads()
        self.ix = tantivy.Index.open(str(folder))
        self.searcher = self.ix.searcher()

    def tokens(self, text: str) -> list[str]:
        return [w for w in self.jieba.lcut(normalise(text)) if is_word(w)]

    def search(self, q: str):
        """Any of the query's tokens (tantivy's query parser default), BM25."""
        t = self.tantivy
        query = t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(self.schema, "text", w))
                                       for w in dict.fromkeys(self.tokens(q))])
        hits = self.searcher.search(query, 200).hits
        return _by_document(self.keys[self.searcher.doc(a)["key"][0]] for _, a in hits), None


class WhooshParagraphs:
    name = "stock Whoosh paragraphs"

    def __init__(self, docs: list[dict], folder: Path, reuse: bool):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index as whoosh_index
        from whoosh.fields import ID, NUMERIC, TEXT, Schema
        from whoosh.qparser import QueryParser

        load_jieba()
        if not (reuse and whoosh_index.exists_in(str(folder))):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            schema = Schema(doc_id=ID(stored=True), n=NUMERIC(stored=True),
                            text=TEXT(analyzer=ChineseAnalyzer()))
            ix = whoosh_index.create_in(str(folder), schema)
            with ix.writer(limitmb=256) as w:
                for d in docs:
                    for n, t in paragraph_texts(d):
                        w.add_document(doc_id=d["doc_id"], n=n, text=normalise(t))
        self.ix = whoosh_index.open_dir(str(folder))
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("text", self.ix.schema)

    def search(self, q: str):
        hits = self.searcher.search(self.parser.parse(normalise(q)), limit=200)
        return _by_document((h["doc_id"], h["n"]) for h in hits), None


# --- evaluation ------------------------------------------------------------------------------------

def evaluate(engine, known: list[dict], compounds: list[dict], docs: list[dict], brute: BruteForce,
             check_totals: bool) -> dict:
    by_id = {d["doc_id"]: d for d in docs}
    rr, at1, at10, para_ok, para_wording, para_same, para_n, latencies = [], 0, 0, 0, 0, 0, 0, []
    mismatches = []
    misses, paragraph_misses = [], []
    for item in known:
        started = time.perf_counter()
        ranked, result = engine.search(item["q"])
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [d for d, _ in ranked]
        rank = ids.index(item["doc_id"]) + 1 if item["doc_id"] in ids else None
        rr.append(1 / rank if rank else 0.0)
        at1 += rank == 1
        at10 += rank is not None
        if rank:
            para_n += 1
            texts = dict(paragraph_texts(by_id[item["doc_id"]]))
            shown = ranked[rank - 1][1]
            right = any(texts.get(n) == item["text"] for n in shown)
            para_ok += right
            para_wording += right or any(wording(texts.get(n, "")) == wording(item["text"]) for n in shown)
            para_same += right or any(n in item["same_query"] for n in shown)
            if not right:
                paragraph_misses.append({"q": item["q"], "rank": rank, "doc_id": item["doc_id"], "n": item["n"],
                                         "shown": shown, "same_query": item["same_query"]})
        if rank != 1:
            misses.append({"q": item["q"], "rank": rank, "doc_id": item["doc_id"], "n": item["n"],
                           "top": ids[:3]})
        if check_totals:
            mismatches += _check(item["q"], item["q"].split(), result, brute)
    precisions = []
    for item in compounds:
        ranked, result = engine.search(item["q"])
        truth = {docs[i]["doc_id"] for i in brute.holding(item["words"])}
        top = [d for d, _ in ranked[:DEPTH]]
        precisions.append(sum(d in truth for d in top) / min(DEPTH, len(truth)))
        if check_totals:
            mismatches += _check(item["q"], item["words"], result, brute)
    n = len(known)
    return {
        "mrr@10": round(sum(rr) / n, 3), "success@1": round(at1 / n, 3), "success@10": round(at10 / n, 3),
        "paragraph_in_3": round(para_ok / max(para_n, 1), 3),
        "paragraph_in_3_same_wording": round(para_wording / max(para_n, 1), 3),
        "paragraph_in_3_same_query": round(para_same / max(para_n, 1), 3),
        "compound_p@10": round(sum(precisions) / len(precisions), 3),
        "p95_ms": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 1),
        "total_mismatches": len(mismatches) if check_totals else None,
        "queries_with_mismatches": len({m["q"] for m in mismatches}) if check_totals else None,
        "mismatch_examples": mismatches[:20], "misses": misses,
        "paragraph_misses": paragraph_misses,
    }


def _check(q: str, words: list[str], result: dict, brute: BruteForce) -> list[dict]:
    found = brute.holding(words)
    out = []
    if result["total"] != len(found):
        out.append({"q": q, "what": "total", "got": result["total"], "brute_force": len(found)})
    expected = brute.facets(found)
    for name in FACETS:
        got = {v["value"]: v["count"] for v in result["facets"][name]}
        if got != expected[name]:
            out.append({"q": q, "what": f"facet {name}", "got": got, "brute_force": expected[name]})
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--keep", help="build the indexes here and keep them (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="reuse the indexes already in --keep")
    parser.add_argument("--only-product", action="store_true", help="skip the baselines (development)")
    parser.add_argument("--misses", action="store_true",
                        help="print this project's misses: documents not first, paragraphs not among the 3 shown")
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    product_dir = folder / "product"
    started = time.perf_counter()
    if not (args.reuse and (product_dir / "documents.sqlite").exists()):
        shutil.rmtree(product_dir, ignore_errors=True)
        summary = index.ingest_paths(input_paths(), product_dir, progress=False)
        print(summary.report().splitlines()[0], file=sys.stderr)
    ix = index.SearchIndex(product_dir)
    docs = listed_documents(ix)
    brute = BruteForce(docs)
    known, compounds = make_queries(docs, brute, args.seed)
    print(f"语料 {len(docs)} 篇，{sum(len(d['paragraphs']) for d in docs)} 段；已知条目查询 {len(known)} 个，"
          f"复合查询 {len(compounds)} 个（种子 {args.seed}，准备 {time.perf_counter() - started:.0f} 秒）",
          file=sys.stderr)

    engines = [Product(ix)]
    if not args.only_product:
        try:
            engines.append(BM25Paragraphs(docs))
        except ImportError:
            print("未安装 bm25s，跳过 BM25 基线：先运行 .venv/bin/pip install -e \".[bench]\"", file=sys.stderr)
        try:
            engines.append(TantivyParagraphs(docs, folder / "tantivy", args.reuse))
        except ImportError:
            print("未安装 tantivy，跳过 tantivy 基线：先运行 .venv/bin/pip install -e \".[bench]\"", file=sys.stderr)
        engines.append(WhooshParagraphs(docs, folder / "whoosh", args.reuse))
    report = {"seed": args.seed, "documents": len(docs), "paragraphs": sum(len(d["paragraphs"]) for d in docs),
              "known_item_queries": len(known), "compound_queries": len(compounds), "engines": {}}
    for engine in engines:
        report["engines"][engine.name] = evaluate(engine, known, compounds, docs, brute,
                                                  check_totals=isinstance(engine, Product))

    columns = {"mrr@10": "mrr@10", "success@1": "s@1", "success@10": "s@10", "paragraph_in_3": "para_in_3",
               "paragraph_in_3_same_wording": "para_same_words", "paragraph_in_3_same_query": "para_same_query", "compound_p@10": "compound_p@10", "p95_ms": "p95_ms"}
    print(f"\n{'engine':<26}" + "".join(f"{label:>16}" for label in columns.values()))
    for name, row in report["engines"].items():
        print(f"{name:<26}" + "".join(f"{row[c]:>16}" for c in columns))
    product = report["engines"][Product.name]
    print(f"\n总数/分面与暴力统计不一致：{product['queries_with_mismatches']} 个查询，共 "
          f"{product['total_mismatches']} 处（共 {len(known) + len(compounds)} 个查询）")
    for m in product["mismatch_examples"][:8]:
        print(f"  {m['q']}：{m['what']} 得 {m['got'] if m['what'] == 'total' else '…'}，"
              f"应为 {m['brute_force'] if m['what'] == 'total' else '…'}")
    if args.misses:
        for m in product["misses"]:
            print(f"  未居首：{m['q']}  排名 {m['rank']}  {m['doc_id']} §{m['n']}")
        for m in product["paragraph_misses"]:
            same = "（同查询段落）" if set(m["shown"]) & set(m["same_query"]) else ""
            print(f"  段落未列出：{m['q']}  {m['doc_id']} §{m['n']}，列出 §{m['shown']}{same}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    name = "relevance.json" if args.seed == 20261201 else f"relevance-seed{args.seed}.json"
    (out / name).write_text(json.dumps({**report, "queries": {"known": known, "compound": compounds}},
                                       ensure_ascii=False, indent=1), encoding="utf-8")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
