"""The excerpt basket (素材篮): paragraphs a person collects while searching, exported as a Word file.

The list lives in the browser, never on the server: in localStorage when the script runs (static/app.js),
otherwise in a cookie that the forms of `/basket` rewrite. Either way the server resolves the list
(text, citation, permalink), renders it with the one template `_basket_list.html` (the script fetches it
from `/basket/list`) and builds the .docx (`/basket/export.docx` for the page, `/api/excerpts.docx` for
programs).
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import re
from dataclasses import dataclass

from docx import Document
from docx.shared import Pt, RGBColor
from flask import Blueprint, redirect, render_template, request, send_file
from werkzeug.exceptions import NotFound, RequestEntityTooLarge

from index.vocabulary import title_label

from .documents import citation, citation_label, permalink
from .params import DOC_ID, BadParameter, local_path
from .searcher import current_index
from .security import require_same_origin

MAX_ITEMS = 200                 # a long report quotes dozens of paragraphs; 200 is far past that
MAX_NOTE = 500
MAX_TITLE = 100
MAX_BODY = 512 * 1024           # 200 items with full notes are ~300 KB of JSON
DEFAULT_TITLE = "素材汇编"
GROUPS = ("document", "order")  # grouped under each document's title, or in basket order
COOKIE = "excerpts"
# Browsers keep at least 4,096 bytes per cookie, name and attributes included (RFC 6265 §6.1).
COOKIE_MAX_BYTES = 3800
COOKIE_MAX_AGE = 180 * 24 * 3600
XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

bp = Blueprint("basket", __name__)


@dataclass(frozen=True)
class Item:
    doc_id: str
    n: int
    note: str = ""


def _clean(text: str) -> str:
    """Text that Word's XML can hold: control characters and lone surrogates dropped."""
    return XML_UNSAFE.sub("", text).strip()


def parse_items(raw, allow_empty: bool = False) -> list[Item]:
    """Items `[{"doc_id", "n", "note"?}, …]` checked one by one; the message names the bad item."""
    shape = '每项形如 {"doc_id": "16 位十六进制", "n": 段落编号, "note": "批注（可省）"}'
    if not isinstance(raw, list):
        raise BadParameter(f"items 应为列表，{shape}")
    if len(raw) > MAX_ITEMS:
        raise RequestEntityTooLarge(f"素材最多 {MAX_ITEMS} 段，收到 {len(raw)} 段：请分几次导出")
    if not raw and not allow_empty:
        raise BadParameter("items 为空：至少要有一段素材")
    items = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise BadParameter(f"第 {i} 项应为对象，{shape}")
        doc_id, n, note = entry.get("doc_id"), entry.get("n"), entry.get("note") or ""
        if not isinstance(doc_id, str) or not DOC_ID.fullmatch(doc_id):
            raise BadParameter(f"第 {i} 项：doc_id 应为 16 位十六进制字符，收到「{str(doc_id)[:40]}」")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 1_000_000:
            raise BadParameter(f"第 {i} 项：n 应为正整数（段落编号），收到「{str(n)[:40]}」")
        if not isinstance(note, str):
            raise BadParameter(f"第 {i} 项：note 应为文字")
        note = _clean(note)
        if len(note) > MAX_NOTE:
            raise BadParameter(f"第 {i} 项：批注过长（{len(note)} 字），最多 {MAX_NOTE} 字")
        items.append(Item(doc_id, n, note))
    return items


def resolve(items: list[Item], strict: bool = True) -> list[dict]:
    """Each item with its document's title, the paragraph's (restored) text, citation and permalink.

    strict: a missing document or paragraph is a 404 naming it; otherwise it is kept, marked `missing`,
    so the basket page can show it and offer to remove it.
    """
    docs: dict[str, dict | None] = {}
    out = []
    for i, item in enumerate(items, 1):
        if item.doc_id not in docs:
            docs[item.doc_id] = current_index().document(item.doc_id)
        doc = docs[item.doc_id]
        para = next((p for p in doc["paragraphs"] if p["n"] == item.n), None) if doc else None
        title = title_label(doc) if doc else None
        if para is None:
            if strict:
                raise NotFound(f"第 {i} 项：索引中没有文档 {item.doc_id}" if doc is None else
                               f"第 {i} 项：《{title}》（{item.doc_id}）没有第 {item.n} 段")
            out.append({"doc_id": item.doc_id, "n": item.n, "note": item.note, "missing": True,
                        "title": title})
            continue
        out.append({"doc_id": item.doc_id, "n": item.n, "note": item.note, "missing": False,
                    "title": title, "text": para.get("restored") or para["text"],
                    "citation": citation(doc, item.n), "citation_label": citation_label(doc, item.n),
                    "permalink": permalink(item.doc_id, item.n)})
    return out


def build_docx(title: str, excerpts: list[dict], group: str) -> bytes:
    """A heading, then each excerpt's text followed by its citation and permalink (and its note)."""
    document = Document()
    document.core_properties.title = title
    document.add_heading(_clean(title), level=1)
    if group == "document":
        by_doc: dict[str, list[dict]] = {}
        for excerpt in excerpts:
            by_doc.setdefault(excerpt["doc_id"], []).append(excerpt)
        for members in by_doc.values():
            document.add_heading(_clean(f"《{members[0]['title']}》"), level=2)
            for excerpt in members:
                _add_excerpt(document, excerpt)
    else:
        for excerpt in excerpts:
            _add_excerpt(document, excerpt)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_excerpt(document, excerpt: dict) -> None:
    document.add_paragraph(_clean(excerpt["text"]))
    cite = document.add_paragraph().add_run(_clean(excerpt["citation"]))
    cite.font.size = Pt(9)
    cite.font.color.rgb = RGBColor(0x55, 0x5F, 0x6B)
    if excerpt["note"]:
        note = document.add_paragraph().add_run(_clean(f"批注：{excerpt['note']}"))
        note.italic = True


def docx_response(title, items: list[Item], group) -> object:
    title = _clean(title if isinstance(title, str) else "") or DEFAULT_TITLE
    if len(title) > MAX_TITLE:
        raise BadParameter(f"标题过长（{len(title)} 字），最多 {MAX_TITLE} 字")
    group = group or "document"
    if group not in GROUPS:
        raise BadParameter(f"group 只能是 document（按文档分组）或 order（按素材篮顺序），收到「{str(group)[:40]}」")
    data = build_docx(title, resolve(items), group)
    filename = re.sub(r'[\\/:*?"<>|\s]+', "_", title)[:60] + ".docx"
    return send_file(io.BytesIO(data), as_attachment=True, download_name=filename,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


# --- the cookie list (no script) -----------------------------------------------------------------

def read_cookie() -> list[Item]:
    """The basket of the cookie; a spoiled or foreign cookie is an empty basket, not an error."""
    raw = request.cookies.get(COOKIE, "")
    if not raw:
        return []
    try:
        rows = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("utf-8"))
        return parse_items([{"doc_id": r[0], "n": r[1], "note": r[2] if len(r) > 2 else ""} for r in rows])
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, BadParameter, RequestEntityTooLarge):
        return []


def cookie_value(items: list[Item]) -> str:
    rows = [[i.doc_id, i.n, i.note] if i.note else [i.doc_id, i.n] for i in items]
    packed = json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def _next_url() -> str:
    """Where a form goes back to: a path on this site only (never //elsewhere or a full URL)."""
    return local_path(request.form.get("next")) or "/basket"


def _position(items: list[Item]) -> int:
    raw = request.form.get("i", "")
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= len(items):
        raise BadParameter(f"素材序号应在 1 到 {len(items)} 之间，收到「{raw[:20]}」")
    return int(raw) - 1


def apply_action(items: list[Item], form) -> list[Item]:
    """The list after one form action: add, remove, up, down, note, clear."""
    action = form.get("action", "")
    items = list(items)
    if action == "add":
        raw_n = form.get("n", "")
        number = int(raw_n) if raw_n.isascii() and raw_n.isdigit() and len(raw_n) <= 9 else raw_n  # else a 400
        added = parse_items([{"doc_id": form.get("doc_id", ""), "n": number}])[0]
        if all((i.doc_id, i.n) != (added.doc_id, added.n) for i in items):
            resolve([added])            # 404 for a paragraph that does not exist
            items.append(added)
    elif action == "clear":
        items = []
    elif action in ("remove", "up", "down", "note"):
        at = _position(items)
        if action == "remove":
            del items[at]
        elif action == "note":
            items[at] = parse_items([{"doc_id": items[at].doc_id, "n": items[at].n,
                                      "note": form.get("note", "")}])[0]
        else:
            to = at - 1 if action == "up" else at + 1
            if 0 <= to < len(items):
                items[at], items[to] = items[to], items[at]
    else:
        raise BadParameter(f"不认识的素材篮操作「{action[:20]}」")
    return parse_items([{"doc_id": i.doc_id, "n": i.n, "note": i.note} for i in items], allow_empty=True)


@bp.get("/basket")
def page():
    items = read_cookie()
    return render_template("basket.html", excerpts=resolve(items, strict=False), groups=GROUPS)


@bp.post("/basket")
def change():
    require_same_origin()
    items = apply_action(read_cookie(), request.form)
    value = cookie_value(items)
    if len(value) + len(COOKIE) > COOKIE_MAX_BYTES:
        raise RequestEntityTooLarge("未启用 JavaScript 时素材篮保存在 Cookie 中，已装满："
                                    "请先导出或删去几段（批注较长时更快装满），或启用 JavaScript")
    response = redirect(_next_url(), code=303)
    response.set_cookie(COOKIE, value, max_age=COOKIE_MAX_AGE, samesite="Lax", path="/",
                        secure=request.is_secure)
    return response


def _json_body() -> tuple[dict, list[Item]]:
    """The JSON request body and its items, size checked before it is read."""
    if request.content_length and request.content_length > MAX_BODY:
        raise RequestEntityTooLarge(f"请求体过大（{request.content_length} 字节），最多 {MAX_BODY} 字节")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadParameter('请求体应为 JSON 对象（Content-Type: application/json）：'
                           '{"title": "…", "items": [{"doc_id": "…", "n": 7, "note": "…"}]}')
    return body, parse_items(body.get("items"), allow_empty=True)


@bp.post("/basket/list")
def list_fragment():
    """The basket list rendered for the script, from the items it keeps in localStorage."""
    require_same_origin()
    _, items = _json_body()
    return render_template("_basket_list.html", excerpts=resolve(items, strict=False))


@bp.post("/basket/export.docx")
def export_form():
    """The basket page's export: the script's items (a JSON field) or, without the script, the cookie."""
    require_same_origin()
    raw = request.form.get("items", "")
    if raw:
        try:
            items = parse_items(json.loads(raw))
        except json.JSONDecodeError:
            raise BadParameter("items 不是有效的 JSON") from None
    else:
        items = read_cookie()
        if not items:
            raise BadParameter("素材篮是空的：先在检索结果或文档中点「加入素材」")
    return docx_response(request.form.get("title", ""), items, request.form.get("group"))


def api_excerpts_docx():
    """POST /api/excerpts.docx (registered on the API blueprint, so its rate limit applies)."""
    body, items = _json_body()
    if not items:
        raise BadParameter("items 为空：至少要有一段素材")
    return docx_response(body.get("title"), items, body.get("group"))


def init_app(app) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def basket_count():
        # the cookie's count; the script replaces it with the count of its localStorage list
        return {"basket_count": len(read_cookie()), "max_note": MAX_NOTE}
