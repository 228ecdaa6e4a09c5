"""The JSON API (`/api/...`, `/healthz`), described in `openapi.json`."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound

import index
from index.vocabulary import DEFAULT_CONTEXT, MAX_CONTEXT

from .basket import api_excerpts_docx
from .documents import find_document, find_paragraph, find_similar
from .params import BadParameter, check_doc_id, int_arg, paragraph_number
from .results import search_results
from .searcher import current_index
from .uploads import api_job, api_upload
from .security import require_write_token

bp = Blueprint("api", __name__)


@cache
def openapi_document() -> dict:
    return json.loads((Path(__file__).parent / "openapi.json").read_text(encoding="utf-8"))


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/api/search")
def search():
    return jsonify(search_results(request.path, request.args))


@bp.get("/api/documents/<doc_id>")
def document(doc_id: str):
    doc = find_document(check_doc_id(doc_id))
    doc["paragraphs"] = [{"n": p["n"], "text": p["text"], "heading": bool(p.get("heading")),
                          "restored": p.get("restored"), "section": p.get("section")}
                         for p in doc["paragraphs"]]
    return jsonify(doc)


@bp.delete("/api/documents/<doc_id>")
def remove_document(doc_id: str):
    require_write_token()
    if not index.remove(Path(current_app.config["INDEX_DIR"]), check_doc_id(doc_id),
                        lock_timeout=current_app.config["LOCK_TIMEOUT"]):
        raise NotFound(f"索引中没有文档 {doc_id}")
    return jsonify(removed=doc_id)


@bp.get("/api/documents/<doc_id>/paragraphs/<n>")
def paragraph(doc_id: str, n: str):
    if not (n.isascii() and n.isdigit() and len(n) <= 9):     # isdigit alone also passes ² and ٣
        raise BadParameter(f"段落编号应为正整数，收到「{n[:40]}」")
    number = int(n)
    context = int_arg(request.args, "context", DEFAULT_CONTEXT, 0, MAX_CONTEXT)
    return jsonify(find_paragraph(check_doc_id(doc_id), number, context))


@bp.get("/api/paragraphs/similar")
def similar():
    doc_id = check_doc_id(request.args.get("doc_id", ""))
    n = paragraph_number(request.args, "n")
    find_paragraph(doc_id, n, 0)
    return jsonify(doc_id=doc_id, n=n, similar=find_similar(doc_id, n))


bp.post("/api/excerpts.docx")(api_excerpts_docx)
bp.post("/api/documents")(api_upload)
bp.get("/api/jobs/<job_id>")(api_job)


@bp.get("/healthz")
def healthz():
    stats = current_index().stats()
    return jsonify(status="ok", generation=stats["generation"], documents=stats["documents"],
                   paragraphs=stats["paragraphs"])
