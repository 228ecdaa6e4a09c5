"""tantivy (Rust, PyPI `tantivy`, the `bench` extra) as the reference engine of bench_index and bench_ingest.

    .venv/bin/python bench/tantivy_engine.py build DOCS.jsonl INDEX_DIR     # prints a JSON line

A paragraph index: one tantivy document per paragraph, its text cut by the project's own jieba
segmenter (index.analysis: rjieba precise mode with the domain words) and indexed with positions
under a whitespace tokenizer, beside its document's title, doc_id, year, date, doc_type, province and
topics as fast fields. `TantivySearch.search` answers the bench's queries with the same signature as
`index.SearchIndex.search`: every word of the query must occur in the paragraph (in its body or its
document's title; a word jieba cuts in several tokens is a phrase of them), "…" is a phrase, -w
excludes, a OR b, title:w; filters are fast-field range/term queries; facets are tantivy terms
aggregations with a cardinality sub-aggregation over doc_id (documents per value, as the project
counts them, HyperLogLog-approximate); highlights are SnippetGenerator fragments of the ten best
paragraphs. Not done by tantivy: grouping paragraphs under documents, each facet counted under the
other facets' filters, near-duplicate grouping.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tantivy  # noqa: E402

from bench_index import peak_rss_mb  # noqa: E402
from index.analysis import segmenter  # noqa: E402

TOKENIZER = "jieba_ws"
FACET_FIELDS = ("year", "province", "doc_type", "topic")
WRITER_HEAP = 256 * 2**20


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True, tokenizer_name=TOKENIZER)
    builder.add_text_field("body", stored=True, tokenizer_name=TOKENIZER)
    builder.add_text_field("doc_id", stored=True, fast=True, tokenizer_name="raw")
    builder.add_integer_field("n", stored=True)
    builder.add_integer_field("year", indexed=True, fast=True)
    builder.add_integer_field("date", fast=True)
    for name in ("province", "doc_type", "topic"):
        builder.add_text_field(name, fast=True, tokenizer_name="raw")
    return builder.build()


def _open(index_dir: Path, create: bool = False) -> tantivy.Index:
    ix = tantivy.Index(schema(), path=str(index_dir), reuse=not create)
    ix.register_tokenizer(TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
                          .filter(tantivy.Filter.lowercase()).build())
    return ix


def tokens(text: str) -> str:
    return " ".join(word for word, _, _ in segmenter().tokenize(text) if word.strip())


def _date(doc: dict) -> int:
    published = doc.get("published") or ""
    if len(published) >= 10 and published[:4].isdigit():
        return int(published[:4] + published[5:7] + published[8:10])
    return (doc.get("year") or 0) * 10000


def build(docs_path: Path, index_dir: Path) -> dict:
    """Index the clean documents of a JSONL file; timing covers tokenizing and indexing only."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = _open(index_dir, create=True)
    cpu = time.process_time()
    started = time.perf_counter()
    writer = ix.writer(WRITER_HEAP, 2)
    paragraphs = 0
    with docs_path.open(encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            title = tokens(doc.get("title") or "")
            region = doc.get("region") or {}
            for p in doc["paragraphs"]:
                fields = {"title": title, "body": tokens(p.get("restored") or p["text"]), "doc_id": doc["doc_id"],
                          "n": p["n"], "year": doc.get("year") or 0, "date": _date(doc),
                          "doc_type": doc.get("doc_type") or "", "province": region.get("province") or "",
                          "topic": doc.get("topics") or []}
                writer.add_document(tantivy.Document(**{k: v for k, v in fields.items() if v != ""}))
                paragraphs += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    return {"paragraphs": paragraphs, "index_seconds": round(seconds, 1),
            "paragraphs_per_s": round(paragraphs / seconds),
            "cpu_seconds": round(time.process_time() - cpu, 1),
            "index_mb": round(sum(f.stat().st_size for f in index_dir.iterdir() if f.is_file()) / 2**20, 1),
            "peak_rss_mb": peak_rss_mb()}


class TantivySearch:
    """The bench's query interface (`search`, `drop_caches`) over a tantivy paragraph index."""

    def __init__(self, index_dir: Path):
        self.ix = _open(index_dir)
        self.ix.reload()
        self.schema = self.ix.schema
        self.searcher = self.ix.searcher()

    def drop_caches(self) -> None:
        """tantivy keeps no query cache of its own (the OS caches its files)."""

    def _word(self, word: str, fields=("title", "body")) -> tantivy.Query:
        parts = tokens(word).lower().split()
        if not parts:
            return tantivy.Query.empty_query()
        per_field = [tantivy.Query.term_query(self.schema, f, parts[0]) if len(parts) == 1
                     else tantivy.Query.phrase_query(self.schema, f, parts) for f in fields]
        return per_field[0] if len(per_field) == 1 else \
            tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_field])

    def query(self, q: str) -> tantivy.Query:
        """The bench query language: words (all needed), "phrases", -word, a OR b, title:word."""
        items = []
        for i, piece in enumerate(q.replace("“", '"').replace("”", '"').split('"')):
            items += [piece.strip()] if i % 2 else piece.split()
        groups, joined = [], False        # a OR b OR c: one group of alternatives
        for item in filter(None, items):
            if item == "OR":
                joined = bool(groups)
                continue
            occur = tantivy.Occur.Must
            if item.startswith("-") and len(item) > 1:
                occur, item = tantivy.Occur.MustNot, item[1:]
            fields = ("title",) if item.startswith("title:") else ("title", "body")
            clause = (occur, self._word(item.removeprefix("title:"), fields))
            if joined:
                groups[-1].append(clause)
            else:
                groups.append([clause])
            joined = False
        clauses = [group[0] if len(group) == 1 else (tantivy.Occur.Must, tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, word) for _, word in group])) for group in groups]
        if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _filters(self, filters: dict) -> list:
        out = []
        if filters.get("year_from") or filters.get("year_to"):
            out.append(tantivy.Query.range_query(self.schema, "year", tantivy.FieldType.Integer,
                                                 filters.get("year_from") or 1, filters.get("year_to") or 9999))
        for name in ("doc_type", "province", "topic"):
            if filters.get(name):
                out.append(tantivy.Query.term_query(self.schema, name, filters[name]))
        return out

    def search(self, q: str = "", filters: dict | None = None, sort: str = "relevance", page: int = 1,
               per_page: int = 10) -> dict:
        query = self.query(q)
        extra = self._filters(filters or {})
        if extra:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query)]
                                                + [(tantivy.Occur.Must, f) for f in extra])
        options = {"order_by_field": "date"} if sort == "date" else {}
        found = self.searcher.search(query, per_page, count=True, offset=(page - 1) * per_page, **options)
        snippets = tantivy.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        results = []
        for _, address in found.hits:
            doc = self.searcher.doc(address)
            results.append({"doc_id": doc["doc_id"][0], "n": doc["n"][0],
                            "html": snippets.snippet_from_doc(doc).to_html().replace(" ", "")})
        aggregations = self.searcher.aggregate(query, {
            name: {"terms": {"field": name, "size": 100}, "aggs": {"documents": {"cardinality": {"field": "doc_id"}}}}
            for name in FACET_FIELDS})
        facets = {name: [{"value": b["key"], "count": round(b["documents"]["value"])}
                         for b in aggregations.get(name, {}).get("buckets", []) if b["key"] not in ("", 0)]
                  for name in FACET_FIELDS}
        return {"total": found.count, "results": results, "facets": facets}


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[1] != "build":
        print(__doc__.splitlines()[2].strip(), file=sys.stderr)
        return 2
    print(json.dumps(build(Path(sys.argv[2]), Path(sys.argv[3]))))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("RAYON_NUM_THREADS", "2")
    sys.exit(main())
