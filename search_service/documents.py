"""Documents and paragraphs from the index, with 404s that name what is missing, and citations."""
from __future__ import annotations

from flask import url_for
from werkzeug.exceptions import NotFound

from .markup import UNTITLED
from .params import UNKNOWN
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
    """河北省唐山市路南区 — the known region levels joined; 全国 for national texts; else 地区未知."""
    region = doc.get("region") or {}
    # Municipalities repeat themselves (天津市 / 天津市): say it once.
    joined = "".join(dict.fromkeys(region.get(k) for k in ("province", "city", "county", "town") if region.get(k)))
    return joined or ("全国" if doc.get("level") == "国家" else f"地区{UNKNOWN}")


def year_label(doc: dict) -> str:
    return str(doc.get("year") or f"年份{UNKNOWN}")


def citation_label(doc: dict, n: int) -> str:
    """《title》（place，year）第n段"""
    return f"《{doc.get('title') or UNTITLED}》（{place(doc)}，{year_label(doc)}）第{n}段"


def citation(doc: dict, n: int, permalink: str) -> str:
    """The citation followed by the permalink."""
    return f"{citation_label(doc, n)} {permalink}"


def permalink(doc_id: str, n: int) -> str:
    return url_for("pages.document", doc_id=doc_id, p=n, _anchor=f"p{n}", _external=True)
