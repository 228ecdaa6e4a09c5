"""Documents and paragraphs from the index, with 404s that name what is missing, and citations."""
from __future__ import annotations

from werkzeug.exceptions import NotFound

from .searcher import current_index


def find_document(doc_id: str, q: str | None = None) -> dict:
    doc = current_index().document(doc_id, q=q)
    if doc is None:
        raise NotFound(f"索引中没有文档 {doc_id}")
    return doc


def find_paragraph(doc_id: str, n: int, context: int) -> dict:
    found = current_index().paragraph(doc_id, n, context)
    if found is None:
        find_document(doc_id)          # names the missing document, if that is what is missing
        raise NotFound(f"文档 {doc_id} 没有第 {n} 段")
    return found


def find_similar(doc_id: str, n: int) -> list[dict]:
    """Similar paragraphs; call after find_paragraph, which gives the 404s."""
    return current_index().similar_paragraphs(doc_id, n)


def place(doc: dict) -> str:
    """河北省唐山市路南区 — the known region levels joined; 全国 for national texts; else 地区不详."""
    region = doc.get("region") or {}
    # Municipalities repeat themselves (天津市 / 天津市): say it once.
    joined = "".join(dict.fromkeys(region.get(k) for k in ("province", "city", "county") if region.get(k)))
    return joined or ("全国" if doc.get("level") == "国家" else "地区不详")


def citation(doc: dict, n: int, permalink: str) -> str:
    """《title》（place，year）第n段 followed by the permalink."""
    year = doc.get("year") or "年份不详"
    return f"《{doc['title']}》（{place(doc)}，{year}）第{n}段 {permalink}"
