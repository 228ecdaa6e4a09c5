"""Plain-text rendering of search results and statistics for the command line (`safety-search
search`, `stats`), with the same labels as the pages (index/vocabulary.py)."""
from __future__ import annotations

import html
import re

from index.vocabulary import FACET_LABELS, UNKNOWN, place_label, title_label, year_label

MARK = re.compile(r"</?mark>")


def _plain(snippet: str) -> str:
    """Highlight HTML as terminal text: matches in 【】, entities decoded."""
    return html.unescape(MARK.sub(lambda m: "】" if m.group().startswith("</") else "【", snippet))


def format_results(result: dict) -> str:
    """Ranked documents with paragraph numbers and snippets."""
    lines = [f"共 {result['total']} 篇（第 {result['page']} 页）"]
    first = (result["page"] - 1) * result["per_page"]
    for i, r in enumerate(result["results"], first + 1):
        meta = "，".join((year_label(r), place_label(r), r.get("doc_type") or "文种不详"))
        copies = f"，另有 {r['copies']} 个转载版本" if r.get("copies") else ""
        lines.append(f"{i}. 《{title_label(r)}》（{meta}{copies}）  [{r['doc_id']}]")
        for p in r["paragraphs"]:
            lines.append(f"    §{p['n']} {_plain(p.get('restored_html') or p['html'])}")   # de-spun text when restored
        if r.get("explain"):
            lines.append("    " + explain_line(r["explain"]))
    return "\n".join(lines)


def explain_line(explain: dict) -> str:
    """The parts of a result's score (index.ranking) in one line."""
    best = explain.get("best_paragraph")
    parts = [f"得分 {explain['score']:g} = "]
    if best:
        held = "、".join(f"{word}×{count:g}" for word, count in best["held"].items())
        parts.append(f"最佳段落 §{best['n']}（{held}）{best['parts']:g} + 邻近与词序 {best['proximity']:g}")
    else:
        parts.append("正文无命中 0")
    parts.append(f" + 标题 {explain['title']:g} + 全文 BM25F {explain['bm25f']:g}")
    if explain.get("length"):
        parts.append(f" + 段落长度 {explain['length']:g}")
    if explain.get("unasked"):
        parts.append(f" − 段内未检索的更罕见词 {explain['unasked']} 个 {-explain['specificity']:g}")
    weights = "、".join(f"{word} {weight:g}" for word, weight in explain["weights"].items())
    return "".join(parts) + f"；词权重（IDF）：{weights}"


def format_stats(stats: dict) -> str:
    """Document and paragraph counts, then the document count of every facet value."""
    lines = [f"文档 {stats['documents']} 篇（另有转载版本 {stats['copies']} 篇），段落 {stats['paragraphs']} 段，"
             f"索引版本 {stats['generation']}"]
    for name, values in stats["facets"].items():
        shown = "，".join(f"{UNKNOWN if v['value'] is None else v['value']} {v['count']}" for v in values)
        lines.append(f"{FACET_LABELS.get(name, name)}：{shown or '无'}")
    return "\n".join(lines)
