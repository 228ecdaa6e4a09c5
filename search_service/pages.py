"""The HTML pages: search, document, similar paragraphs. Server-rendered; JavaScript only helps."""
from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from index import QueryError
from index.vocabulary import MAX_QUERY_CHARS

from .charts import year_chart
from .documents import citation, find_document, find_paragraph, find_similar
from .params import check_doc_id, int_arg, local_path
from .results import search_results

bp = Blueprint("pages", __name__)


@bp.get("/")
def search():
    data = search_results(request.path, request.args)
    chart = year_chart(data["facets"]["year"], request.path, request.args)
    return render_template("search.html", data=data, chart=chart, args=request.args)


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    q = request.args.get("q", "").strip()[:MAX_QUERY_CHARS] or None
    try:
        doc = find_document(check_doc_id(doc_id), q=q)
    except QueryError:  # a query that cannot highlight still shows the document, unhighlighted
        q = None
        doc = find_document(doc_id)
    marked = int_arg(request.args, "p", 0, 0, 1_000_000)
    show_scraped = request.args.get("view") == "scraped"
    for para in doc["paragraphs"]:
        para["citation"] = citation(doc, para["n"])
    outline = [p for p in doc["paragraphs"] if p.get("heading")]
    view_args = {k: v for k, v in request.args.items() if k != "view"}
    toggle_url = url_for("pages.document", doc_id=doc_id, **view_args,
                         **({} if show_scraped else {"view": "scraped"}),
                         _anchor=f"p{marked}" if marked else None)
    # the results this document was opened from, with every filter; else a search for q
    back_arg = local_path(request.args.get("back"))
    back = back_arg or (url_for("pages.search", q=q) if q else None)
    return render_template("document.html", doc=doc, outline=outline, marked=marked, q=q or "",
                           show_scraped=show_scraped, toggle_url=toggle_url, back=back, back_arg=back_arg)


@bp.get("/doc/<doc_id>/similar/<int:n>")
def similar(doc_id: str, n: int):
    source = find_paragraph(check_doc_id(doc_id), n, 0)      # carries the title: the document is not loaded again
    return render_template("similar.html", n=n, source=source, similar=find_similar(doc_id, n))
