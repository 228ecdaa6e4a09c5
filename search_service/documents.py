"""Documents and paragraphs from the index, with 404s that name what is missing, and citations."""
from __future__ import annotations

from flask import url_for
from werkzeug.exceptions import NotFound

from index.vocabulary import place_label, title_label, year_label

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


def citation_label(doc: dict, n: int) -> str:
    """《title》（place，year）第n段"""
    return f"《{title_label(doc)}》（{place_label(doc)}，{year_label(doc)}）第{n}段"


def citation(doc: dict, n: int) -> str:
    """The citation followed by the paragraph's permalink: what the page copies and the Word file prints."""
    return f"{citation_label(doc, n)} {permalink(doc['doc_id'], n)}"


def permalink(doc_id: str, n: int) -> str:
    return url_for("pages.document", doc_id=doc_id, p=n, _anchor=f"p{n}", _external=True)
