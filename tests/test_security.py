"""Issue 5's web items: no XSS, security headers, doc_id validation, write token, rate limits, bad URLs."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from search_service import create_app

XSS_TITLE = '<script>alert("title")</script>'


def assert_inert(html: str) -> None:
    """The page runs no script but ours and no element carries an event handler or javascript: URL."""
    soup = BeautifulSoup(html, "html.parser")
    assert [s.get("src") for s in soup.find_all("script")] == ["/static/app.js"]
    for tag in soup.find_all(True):
        assert tag.name not in ("img", "iframe", "object", "foreignobject", "image"), tag
        if tag.name == "svg":   # only the page's own charts: the year chart and the facet count bars
            assert "facet-bar" in tag.get("class", []) or tag.find_parent("figure", class_="year-chart"), tag
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), tag
            assert "javascript:" not in str(value).lower(), tag
    assert "<script>alert" not in html


def xss_doc_id(client) -> str:
    results = client.get("/api/search?q=隐患排查&per_page=50").get_json()["results"]
    return next(r["doc_id"] for r in results if r["title"].startswith(XSS_TITLE))


@pytest.mark.parametrize("url", [
    "/?q=隐患排查",
    "/?q=隐患排查工作会议",
    "/?q=<script>alert(1)</script>",
    '/?q="><svg onload=alert(1)>',
    "/?q=安全生产&within=<img src=x onerror=alert(1)>",
    "/?province=<script>alert(1)</script>",
    "/?year=<script>",
    "/?q=(<script>",
    "/?page=<script>alert(1)</script>",
])
def test_search_pages_are_inert(service_client, url):
    response = service_client.get(url)
    assert response.status_code in (200, 400)
    assert_inert(response.get_data(as_text=True))


def test_document_and_similar_pages_of_a_script_document_are_inert(service_client):
    doc_id = xss_doc_id(service_client)
    for url in (f"/doc/{doc_id}", f"/doc/{doc_id}?q=隐患排查&p=3", f"/doc/{doc_id}?q=<script>alert(1)</script>",
                f"/doc/{doc_id}/similar/3", f"/doc/{doc_id}?p=<script>"):
        response = service_client.get(url)
        assert response.status_code in (200, 400), url
        html = response.get_data(as_text=True)
        assert_inert(html)
    page = service_client.get(f"/doc/{doc_id}?q=隐患排查").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page
    assert "&lt;img src=x onerror=" in page


def test_api_snippets_escape_user_text(service_client):
    doc_id = xss_doc_id(service_client)
    results = service_client.get("/api/search?q=隐患排查&per_page=50").get_json()["results"]
    result = next(r for r in results if r["doc_id"] == doc_id)
    for p in result["paragraphs"]:
        assert "<script" not in p["html"] and "<img" not in p["html"] and "<svg" not in p["html"]
    error = service_client.get("/api/search?sort=<script>").get_json()
    assert "<script>" in error["detail"]  # JSON carries text; the content type keeps it from being HTML
    assert service_client.get("/api/search?sort=<script>").mimetype == "application/json"


def test_security_headers_on_pages_api_and_errors(service_client):
    for url in ("/", "/api/search?q=安全", "/api/nothing", "/?page=-1", "/static/style.css"):
        headers = service_client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("url, status", [
    ("/doc/..", 400), ("/doc/....%2F....%2Fetc%2Fpasswd", 404), ("/doc/%2e%2e%2f%2e%2e%2fsecret", 404),
    ("/doc/0123456789ABCDEF", 400), ("/doc/0123456789abcdef0", 400), ("/api/documents/%00", 400),
])
def test_doc_id_cannot_escape_the_index(service_client, url, status):
    response = service_client.get(url)
    assert response.status_code == status
    assert "root:" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/?q=%FF%FE", "/api/search?q=%E5%AE", "/api/search?province=%C0%AF"])
def test_invalid_utf8_in_the_url_is_a_400(service_client, url):
    response = service_client.get(url)
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_writes_over_http_are_refused_without_a_configured_token(service_client):
    doc_id = xss_doc_id(service_client)
    response = service_client.delete(f"/api/documents/{doc_id}", headers={"Authorization": "Bearer x"})
    assert response.status_code == 403 and "命令行" in response.get_json()["detail"]
    assert service_client.get(f"/api/documents/{doc_id}").status_code == 200


def test_delete_needs_the_right_token(spare_service_index):
    client = create_app(index_dir=spare_service_index, WRITE_TOKEN="s3cret-token", RATELIMIT_ENABLED=False).test_client()
    doc_id = xss_doc_id(client)
    assert client.delete(f"/api/documents/{doc_id}").status_code == 403
    assert client.delete(f"/api/documents/{doc_id}", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = client.delete(f"/api/documents/{doc_id}", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.get_json() == {"removed": doc_id}
    assert client.get(f"/api/documents/{doc_id}").status_code == 404
    assert doc_id not in {r["doc_id"] for r in client.get("/api/search?per_page=50").get_json()["results"]}


def test_api_is_rate_limited_with_a_json_429(service_index_dir):
    client = create_app(index_dir=service_index_dir, API_RATE_LIMIT="3 per minute").test_client()
    statuses = [client.get("/api/search?q=安全").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/search?q=安全")
    assert limited.get_json()["error"] == "请求过于频繁，请稍后再试"
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/").status_code == 200, "pages are not limited by the API limit"


def test_rate_limit_comes_from_the_environment(service_index_dir, monkeypatch):
    monkeypatch.setenv("SAFETY_SEARCH_RATE_LIMIT", "1 per minute")
    client = create_app(index_dir=service_index_dir).test_client()
    assert [client.get("/healthz").status_code for _ in range(2)] == [200, 429]
    monkeypatch.setenv("SAFETY_SEARCH_RATE_LIMIT", "off")
    client = create_app(index_dir=service_index_dir).test_client()
    assert {client.get("/healthz").status_code for _ in range(5)} == {200}


def test_a_malformed_rate_limit_is_refused_at_start(service_index_dir, monkeypatch):
    monkeypatch.setenv("SAFETY_SEARCH_RATE_LIMIT", "lots")
    with pytest.raises(ValueError, match="lots"):
        create_app(index_dir=service_index_dir)


def test_debug_is_off_and_errors_show_no_trace(service_app, monkeypatch):
    assert service_app.debug is False

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("search_service.results.search_results", explode)
    monkeypatch.setattr("search_service.api.search_results", explode)
    monkeypatch.setattr("search_service.pages.search_results", explode)
    client = service_app.test_client()
    api = client.get("/api/search?q=x")
    assert api.status_code == 500 and "secret" not in api.get_data(as_text=True)
    assert set(api.get_json()) == {"error", "detail"}
    html = client.get("/?q=x").get_data(as_text=True)
    assert "Traceback" not in html and "secret" not in html and "服务器" in html


def test_highlight_markup_lets_only_mark_through():
    from search_service.markup import highlighted, is_safe_url, safe_marks, source_site

    assert safe_marks("<mark>安全</mark>生产<script>x</script>") == \
        "<mark>安全</mark>生产&lt;script&gt;x&lt;/script&gt;"
    assert safe_marks("&lt;b&gt; <mark onclick=x>a</mark>") == "&lt;b&gt; &lt;mark onclick=x&gt;a</mark>"
    assert highlighted({"title": "<b>标题</b>"}, "title") == "&lt;b&gt;标题&lt;/b&gt;"
    assert not is_safe_url("javascript:alert(1)") and not is_safe_url("data:text/html,x")
    assert is_safe_url("https://www.mem.gov.cn/a.html")
    assert source_site("https://www.mem.gov.cn/a.html") == "www.mem.gov.cn"
    assert source_site("corpus/001_f0e5b2b144a0aed0.txt") == "001_f0e5b2b144a0aed0.txt"
