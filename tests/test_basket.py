"""The excerpt basket: POST /api/excerpts.docx, its errors, and the cookie basket of the pages (no script)."""
from __future__ import annotations

import base64
import io
import json

import pytest
from bs4 import BeautifulSoup
from docx import Document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def doc_id_titled(client, fragment: str) -> str:
    results = client.get("/api/search?per_page=50").get_json()["results"]
    return next(r["doc_id"] for r in results if fragment in r["title"])


def paragraph_text(client, doc_id: str, n: int) -> str:
    p = client.get(f"/api/documents/{doc_id}/paragraphs/{n}?context=0").get_json()["paragraph"]
    return p["restored"] or p["text"]


def assert_error(response, status: int, *words: str):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert set(body) == {"error", "detail"}
    for word in words:
        assert word in body["detail"], body


def docx_lines(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text]


@pytest.fixture
def two_docs(service_client):
    return doc_id_titled(service_client, "2023年全区安全生产工作会议讲话"), doc_id_titled(service_client, "安全生产许可证条例")


def test_excerpts_docx_has_heading_texts_citations_notes_and_permalinks(service_client, two_docs):
    speech, regulation = two_docs
    items = [{"doc_id": speech, "n": 4, "note": "开头用"}, {"doc_id": regulation, "n": 3},
             {"doc_id": speech, "n": 2}]
    response = service_client.post("/api/excerpts.docx", json={"title": "年终总结素材", "items": items,
                                                               "group": "order"})
    assert response.status_code == 200 and response.mimetype == DOCX
    assert "attachment" in response.headers["Content-Disposition"]
    lines = docx_lines(response.data)
    assert lines[0] == "年终总结素材"
    texts = [paragraph_text(service_client, i["doc_id"], i["n"]) for i in items]
    positions = [lines.index(t) for t in texts]
    assert positions == sorted(positions), "basket order kept"
    assert lines[positions[0] + 1] == f"《2023年全区安全生产工作会议讲话》（河北省唐山市路南区，2023）第4段 " \
                                      f"http://localhost/doc/{speech}?p=4#p4"
    assert lines[positions[0] + 2] == "批注：开头用"
    assert lines[positions[1] + 1].startswith("《安全生产许可证条例》（全国，")


def test_grouped_by_document_each_document_heads_its_excerpts(service_client, two_docs):
    speech, regulation = two_docs
    items = [{"doc_id": speech, "n": 4}, {"doc_id": regulation, "n": 3}, {"doc_id": speech, "n": 2}]
    data = service_client.post("/api/excerpts.docx", json={"items": items}).data
    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["素材汇编", "《2023年全区安全生产工作会议讲话》", "《安全生产许可证条例》"]
    lines = docx_lines(data)
    assert lines.index(paragraph_text(service_client, speech, 2)) < lines.index("《安全生产许可证条例》")


@pytest.mark.parametrize("body, status, words", [
    (None, 400, ["JSON"]),
    ({"title": "x"}, 400, ["items"]),
    ({"items": "abc"}, 400, ["items", "列表"]),
    ({"items": []}, 400, ["为空"]),
    ({"items": ["0123456789abcdef"]}, 400, ["第 1 项"]),
    ({"items": [{"doc_id": "../../etc/passwd", "n": 1}]}, 400, ["第 1 项", "doc_id"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": 0}]}, 400, ["第 1 项", "n"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": "7"}]}, 400, ["n"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": True}]}, 400, ["n"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": 1, "note": 5}]}, 400, ["note"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": 1, "note": "批" * 501}]}, 400, ["批注", "500"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": 1}]}, 404, ["0123456789abcdef"]),
    ({"items": [{"doc_id": "0123456789abcdef", "n": 1}] * 201}, 413, ["200"]),
])
def test_bad_excerpt_requests_are_clear_errors(service_client, body, status, words):
    response = service_client.post("/api/excerpts.docx", json=body) if body is not None else \
        service_client.post("/api/excerpts.docx", data="not json", content_type="application/json")
    assert_error(response, status, *words)


def test_unknown_paragraph_bad_group_long_title_and_huge_body(service_client, two_docs):
    speech, _ = two_docs
    assert_error(service_client.post("/api/excerpts.docx", json={"items": [{"doc_id": speech, "n": 9999}]}),
                 404, "第 1 项", "9999")
    assert_error(service_client.post("/api/excerpts.docx", json={"items": [{"doc_id": speech, "n": 1}],
                                                                "group": "random"}), 400, "group")
    assert_error(service_client.post("/api/excerpts.docx", json={"items": [{"doc_id": speech, "n": 1}],
                                                                "title": "长" * 101}), 400, "标题")
    huge = json.dumps({"items": [{"doc_id": speech, "n": 1, "note": "x" * 600_000}]})
    assert_error(service_client.post("/api/excerpts.docx", data=huge, content_type="application/json"), 413, "字节")
    assert_error(service_client.get("/api/excerpts.docx"), 405)


def test_control_characters_and_surrogates_in_notes_do_not_break_the_file(service_client, two_docs):
    speech, _ = two_docs
    body = '{"title": "a\\u0000b", "items": [{"doc_id": "%s", "n": 2, "note": "x\\u0007y\\ud800z"}]}' % speech
    response = service_client.post("/api/excerpts.docx", data=body, content_type="application/json")
    assert response.status_code == 200
    assert "批注：xyz" in docx_lines(response.data)


# --- the cookie basket (pages without the script) --------------------------------------------------

def post(client, **form):
    return client.post("/basket", data=form)


def basket_items(client) -> list[tuple[str, str]]:
    soup = BeautifulSoup(client.get("/basket").get_data(as_text=True), "html.parser")
    return [(li["data-doc-id"], li["data-n"]) for li in soup.select(".basket-list li.excerpt")]


def test_cookie_basket_adds_reorders_annotates_removes_and_exports(service_app, two_docs):
    client = service_app.test_client()
    speech, regulation = two_docs
    for doc_id, n in ((speech, 4), (regulation, 3), (speech, 2), (speech, 4)):   # the last is a repeat
        response = post(client, action="add", doc_id=doc_id, n=str(n), next=f"/doc/{doc_id}?p={n}#p{n}")
        assert response.status_code == 303 and response.headers["Location"] == f"/doc/{doc_id}?p={n}#p{n}"
    assert basket_items(client) == [(speech, "4"), (regulation, "3"), (speech, "2")]
    post(client, action="up", i="3")
    post(client, action="note", i="1", note="放在开头")
    post(client, action="remove", i="3")
    assert basket_items(client) == [(speech, "4"), (speech, "2")]
    soup = BeautifulSoup(client.get("/basket").get_data(as_text=True), "html.parser")
    assert soup.select_one(".basket-list li input[name=note]")["value"] == "放在开头"
    assert soup.select_one(".basket-count").get_text() == "2"
    exported = client.post("/basket/export.docx", data={"title": "讲话素材", "group": "order"})
    assert exported.status_code == 200 and exported.mimetype == DOCX
    lines = docx_lines(exported.data)
    assert lines[0] == "讲话素材" and "批注：放在开头" in lines
    post(client, action="clear")
    assert basket_items(client) == []
    assert client.post("/basket/export.docx", data={}).status_code == 400


def test_cookie_basket_refuses_foreign_pages_bad_input_and_overflow(service_app, two_docs):
    client = service_app.test_client()
    speech, _ = two_docs
    foreign = client.post("/basket", data={"action": "add", "doc_id": speech, "n": "2"},
                          headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "本站" in foreign.get_data(as_text=True)
    assert basket_items(client) == []
    elsewhere = post(client, action="add", doc_id=speech, n="2", next="//evil.example/x")
    assert elsewhere.headers["Location"] == "/basket"
    assert post(client, action="add", doc_id=speech, n="abc").status_code == 400
    assert post(client, action="add", doc_id="0123456789abcdef", n="1").status_code == 404
    assert post(client, action="remove", i="9").status_code == 400
    assert post(client, action="dance").status_code == 400
    long_note = "很长的批注" * 100                # 500 characters: ~2,000 bytes once encoded in the cookie
    assert post(client, action="note", i="1", note=long_note).status_code == 303
    assert post(client, action="add", doc_id=speech, n="3").status_code == 303
    full = post(client, action="note", i="2", note=long_note)
    assert full.status_code == 413 and "JavaScript" in full.get_data(as_text=True)
    assert basket_items(client) == [(speech, "2"), (speech, "3")], "a refused change leaves the basket as it was"


def test_a_spoiled_cookie_is_an_empty_basket(service_app):
    client = service_app.test_client()
    for value in ("%%%", base64.urlsafe_b64encode(b"[1,2]").decode(), base64.urlsafe_b64encode(b'{"a":1}').decode()):
        client.set_cookie("excerpts", value)
        assert client.get("/basket").status_code == 200 and basket_items(client) == []


def test_list_fragment_renders_the_scripts_items_and_flags_missing_ones(service_client, two_docs):
    speech, _ = two_docs
    response = service_client.post("/basket/list", json={"items": [{"doc_id": speech, "n": 2, "note": "<b>注</b>"},
                                                                   {"doc_id": "0123456789abcdef", "n": 1}]})
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    first, second = soup.select("li.excerpt")
    assert first.select_one(".excerpt-citation").get_text().startswith("《2023年全区安全生产工作会议讲话》")
    assert first.select_one("input[name=note]")["value"] == "<b>注</b>" and "<b>注</b>" not in str(first).replace(
        'value="&lt;b&gt;注&lt;/b&gt;"', "")
    assert "missing" in second["class"] and "不在索引中" in second.get_text()
    assert service_client.post("/basket/list", data="x", content_type="application/json").status_code == 400


def test_every_result_snippet_and_document_paragraph_offers_add_to_basket(service_client, two_docs):
    speech, _ = two_docs
    results = BeautifulSoup(service_client.get("/?q=安全生产").get_data(as_text=True), "html.parser")
    snippets = results.select(".result .snippet")
    assert snippets and all(s.select_one("form.add-excerpt button").get_text() == "加入素材" for s in snippets)
    doc = BeautifulSoup(service_client.get(f"/doc/{speech}").get_data(as_text=True), "html.parser")
    paras = doc.select(".para")
    assert len(doc.select(".para form.add-excerpt")) == len(paras)


def test_the_permalinks_in_the_word_file_open_the_cited_paragraph(service_client, two_docs):
    speech, regulation = two_docs
    data = service_client.post("/api/excerpts.docx", json={"items": [{"doc_id": speech, "n": 4},
                                                                     {"doc_id": regulation, "n": 3}]}).data
    links = [line.rsplit(" ", 1)[1] for line in docx_lines(data) if line.startswith("《") and "段 http" in line]
    assert len(links) == 2
    for link, n in zip(links, (4, 3)):
        soup = BeautifulSoup(service_client.get(link.removeprefix("http://localhost")).get_data(as_text=True),
                             "html.parser")
        assert soup.select_one(".para.marked")["id"] == f"p{n}"
