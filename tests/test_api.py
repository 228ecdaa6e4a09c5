"""The JSON API: every endpoint, filter combinations, limits and error paths."""
from __future__ import annotations

import itertools
import re
import subprocess
import sys

import pytest

FACETS = ("year", "province", "city", "county", "level", "doc_type", "topic")


def search(client, **args):
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def doc_id_titled(client, fragment: str) -> str:
    results = search(client, per_page=50)["results"]
    return next(r["doc_id"] for r in results if fragment in r["title"])


def assert_error(response, status: int, *words: str):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "detail"}
    for word in words:
        assert word in body["detail"], body


def test_search_result_has_the_documented_shape(service_client):
    data = search(service_client, q="隐患排查")
    assert {"total", "page", "per_page", "results", "facets"} <= set(data)
    assert data["total"] >= 1 and data["page"] == 1 and data["per_page"] == 10
    for result in data["results"]:
        assert {"doc_id", "title", "year", "region", "level", "doc_type", "topics", "source", "copies",
                "paragraphs"} <= set(result)
        assert set(result["region"]) == {"province", "city", "county", "town"}
        assert 1 <= len(result["paragraphs"]) <= 3
        assert all({"n", "html"} <= set(p) for p in result["paragraphs"])
    assert set(FACETS) <= set(data["facets"])
    assert any("<mark>" in p["html"] for r in data["results"] for p in r["paragraphs"])


def test_empty_query_lists_every_canonical_document(service_client, service_index_dir):
    import index

    data = search(service_client, per_page=50)
    assert data["total"] == index.SearchIndex(service_index_dir).stats()["documents"] == len(data["results"])


@pytest.mark.parametrize("facet", FACETS)
def test_each_facet_value_filters_to_exactly_its_count(service_client, facet):
    facets = search(service_client, per_page=50)["facets"][facet]
    assert facets, f"no values for {facet}"
    for item in facets:
        data = search(service_client, per_page=50, **{facet: item["label"]})
        assert data["total"] == item["count"], (facet, item)
        for r in data["results"]:
            if facet == "topic":
                assert item["value"] in r["topics"]
            elif facet in ("province", "city", "county"):
                assert r["region"][facet] == item["value"]
            else:
                assert r[facet] == item["value"]


def test_facet_values_carry_toggle_urls_that_narrow_and_widen(service_client):
    province = search(service_client)["facets"]["province"][0]
    narrowed = service_client.get(province["toggle_url"]).get_json()
    assert narrowed["total"] == province["count"]
    chosen = next(v for v in narrowed["facets"]["province"] if v["selected"])
    assert chosen["value"] == province["value"]
    widened = service_client.get(chosen["toggle_url"]).get_json()
    assert widened["total"] == search(service_client)["total"]


def count_of(values: list[dict], label: str) -> int:
    return next((v["count"] for v in values if v["label"] == label), 0)


def test_two_filters_combine_as_and_and_facets_count_under_the_other_filters(service_client):
    facets = search(service_client, per_page=50)["facets"]
    chosen = [(name, facets[name][0]["label"]) for name in ("year", "province", "level", "topic")]
    for (a, va), (b, vb) in itertools.combinations(chosen, 2):
        both = search(service_client, per_page=50, **{a: va, b: vb})
        only_b = search(service_client, per_page=50, **{b: vb})
        assert both["total"] == count_of(only_b["facets"][a], va), (a, va, b, vb)
        assert both["total"] <= min(count_of(facets[a], va), count_of(facets[b], vb))


def test_unknown_year_is_a_facet_value_and_a_filter(service_client):
    years = search(service_client)["facets"]["year"]
    assert years[-1]["label"] == "未知" and years[-1]["value"] is None
    assert [y["value"] for y in years[:-1]] == sorted((y["value"] for y in years[:-1]), reverse=True)
    unknown = search(service_client, year="未知", per_page=50)
    assert unknown["total"] == years[-1]["count"]
    assert all(r["year"] is None for r in unknown["results"])


def test_year_range(service_client):
    data = search(service_client, year_from="2022", year_to="2022", per_page=50)
    assert data["total"] >= 1
    assert all(r["year"] == 2022 for r in data["results"])
    assert search(service_client, year_from="2023")["total"] == \
        sum(1 for r in search(service_client, per_page=50)["results"] if (r["year"] or 0) >= 2023)


def test_a_reversed_year_range_is_swapped_not_refused(service_client):
    reversed_range = search(service_client, year_from="2023", year_to="2020", per_page=50)
    ordered = search(service_client, year_from="2020", year_to="2023", per_page=50)
    assert reversed_range["total"] == ordered["total"] > 0
    assert reversed_range["query"]["filters"] == {"year_from": "2020", "year_to": "2023"}


def test_sort_by_date_puts_newest_first(service_client):
    results = search(service_client, q="安全生产", sort="date", per_page=50)["results"]
    years = [r["year"] for r in results if r["year"]]
    assert years == sorted(years, reverse=True)
    assert results[-1]["year"] is None or all(r["year"] for r in results)


def test_within_searches_inside_the_first_results(service_client):
    broad = search(service_client, q="安全生产", per_page=50)
    narrow = search(service_client, q="安全生产", within="隐患排查", per_page=50)
    assert 0 < narrow["total"] <= broad["total"]
    assert {r["doc_id"] for r in narrow["results"]} <= {r["doc_id"] for r in broad["results"]}
    assert {r["doc_id"] for r in narrow["results"]} == \
        {r["doc_id"] for r in search(service_client, q="安全生产 隐患排查", per_page=50)["results"]}
    twice = service_client.get("/api/search", query_string=[("q", "安全生产"), ("within", "隐患排查"),
                                                            ("within", "消防"), ("per_page", "50")]).get_json()
    assert {r["doc_id"] for r in twice["results"]} == \
        {r["doc_id"] for r in search(service_client, q="安全生产 隐患排查 消防", per_page=50)["results"]}
    too_many = service_client.get("/api/search", query_string=[("q", "安全")] + [("within", "安全")] * 6)
    assert_error(too_many, 400, "5")


def test_paging_walks_through_results_without_repeats(service_client):
    total = search(service_client)["total"]
    seen = []
    for page in range(1, total // 2 + 2):
        data = search(service_client, per_page=2, page=page)
        seen += [r["doc_id"] for r in data["results"]]
    assert len(seen) == len(set(seen)) == total


@pytest.mark.parametrize("args, words", [
    ({"q": '"安全生产'}, ["引号"]),
    ({"q": "(安全生产"}, ["括号"]),
    ({"q": "安" * 10_000}, ["q", "过长"]),
    ({"page": "-1"}, ["page"]),
    ({"page": "0"}, ["page"]),
    ({"page": "abc"}, ["page", "整数"]),
    ({"page": "99999999999999999999"}, ["page"]),
    ({"page": "1001"}, ["page"]),  # page × per_page beyond MAX_DEPTH (10,000)
    ({"per_page": "0"}, ["per_page"]),
    ({"per_page": "1000"}, ["per_page"]),
    ({"sort": "random"}, ["sort"]),
    ({"year": "twenty"}, ["year"]),
    ({"q": "*"}, []),
])
def test_bad_search_parameters_are_400_with_a_message(service_client, args, words):
    assert_error(service_client.get("/api/search", query_string=args), 400, *words)


@pytest.mark.parametrize("args", [{"province": "火星省"}, {"topic": "不存在的专题"}, {"level": "乡"},
                                  {"q": "安全生产", "doc_type": "<b>x</b>"}])
def test_unknown_facet_values_give_an_empty_result(service_client, args):
    data = search(service_client, **args)
    assert data["total"] == 0 and data["results"] == []


def test_control_characters_in_the_query_are_ignored(service_client):
    assert search(service_client, q="安全\x00\x07生产")["total"] >= 1


def test_document_has_metadata_and_numbered_paragraphs(service_client):
    doc_id = doc_id_titled(service_client, "2023年全区安全生产工作会议讲话")
    doc = service_client.get(f"/api/documents/{doc_id}").get_json()
    assert doc["doc_id"] == doc_id and doc["year"] == 2023
    assert doc["region"] == {"province": "河北省", "city": "唐山市", "county": "路南区", "town": None}
    numbers = [p["n"] for p in doc["paragraphs"]]
    assert numbers == list(range(1, len(numbers) + 1))
    assert all({"n", "text", "heading"} <= set(p) for p in doc["paragraphs"])
    assert any(p["heading"] for p in doc["paragraphs"])
    assert len(doc["copies"]) == 1  # the purpose-written copy from another site


def test_unknown_and_malformed_document_ids(service_client):
    assert_error(service_client.get("/api/documents/0123456789abcdef"), 404, "0123456789abcdef")
    assert_error(service_client.get("/api/documents/..%2F..%2Fetc%2Fpasswd"), 404)  # no route has a slash
    assert_error(service_client.get("/api/documents/.."), 400, "文档编号")
    assert_error(service_client.get("/api/documents/ABCDEF0123456789"), 400)


def test_paragraph_with_context_and_section(service_client):
    doc_id = doc_id_titled(service_client, "2023年全区安全生产工作会议讲话")
    doc = service_client.get(f"/api/documents/{doc_id}").get_json()
    body = next(p for p in doc["paragraphs"] if p["section"] and not p["heading"] and p["n"] > 3)
    data = service_client.get(f"/api/documents/{doc_id}/paragraphs/{body['n']}?context=2").get_json()
    assert data["paragraph"]["n"] == body["n"]
    assert [p["n"] for p in data["before"]] == [body["n"] - 2, body["n"] - 1]
    assert [p["n"] for p in data["after"]] == [body["n"] + 1, body["n"] + 2][:len(data["after"])]
    assert data["section"]["n"] == body["section"] and data["section"]["heading"]
    alone = service_client.get(f"/api/documents/{doc_id}/paragraphs/{body['n']}?context=0").get_json()
    assert alone["before"] == [] and alone["after"] == []


def test_paragraph_errors(service_client):
    doc_id = doc_id_titled(service_client, "2023年全区安全生产工作会议讲话")
    assert_error(service_client.get(f"/api/documents/{doc_id}/paragraphs/9999"), 404, "9999")
    assert_error(service_client.get(f"/api/documents/{doc_id}/paragraphs/abc"), 400, "段落编号")
    assert_error(service_client.get(f"/api/documents/{doc_id}/paragraphs/1?context=99"), 400, "context")
    assert_error(service_client.get("/api/documents/0123456789abcdef/paragraphs/1"), 404)


def test_similar_paragraphs(service_client):
    doc_id = doc_id_titled(service_client, "隐患排查工作会议")
    data = service_client.get(f"/api/paragraphs/similar?doc_id={doc_id}&n=4").get_json()
    assert data["doc_id"] == doc_id and data["n"] == 4
    assert data["similar"], "expected other speeches to share this paragraph's key words"
    assert all(s["doc_id"] != doc_id and {"n", "title", "html"} <= set(s) for s in data["similar"])
    assert_error(service_client.get(f"/api/paragraphs/similar?doc_id={doc_id}"), 400, "n")
    assert_error(service_client.get("/api/paragraphs/similar?doc_id=0123456789abcdef&n=1"), 404)
    assert_error(service_client.get("/api/paragraphs/similar?doc_id=x&n=1"), 400)


def test_healthz_reports_generation_and_documents(service_client):
    data = service_client.get("/healthz").get_json()
    assert data["status"] == "ok" and isinstance(data["generation"], int)
    assert data["documents"] == search(service_client)["total"]


def test_missing_index_is_503_not_a_crash(tmp_path):
    from search_service import create_app

    client = create_app(index_dir=tmp_path / "nowhere").test_client()
    assert_error(client.get("/api/search?q=x"), 503, "nowhere")
    page = client.get("/")
    assert page.status_code == 503 and "索引" in page.get_data(as_text=True)


def test_unknown_route_and_method(service_client):
    assert_error(service_client.get("/api/nothing"), 404, "/api/nothing")
    assert_error(service_client.post("/api/search"), 405, "POST")


def test_openapi_document_describes_every_endpoint(service_client, service_app):
    spec = service_client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = set(spec["paths"])
    routes = {re.sub(r"<(\w+)>", r"{\1}", str(rule))
              for rule in service_app.url_map.iter_rules() if rule.endpoint.startswith(("api.", "exports."))}
    assert routes == documented
    search_params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert search_params == {"q", "within", "year", "year_from", "year_to", "province", "city", "county",
                             "town", "level", "doc_type", "topic", "sort", "page", "per_page", "explain"}


def test_explain_shows_the_parts_of_each_score(service_client):
    explained = service_client.get("/api/search", query_string={"q": "安全生产", "explain": "1"}).get_json()
    first = explained["results"][0]["explain"]
    assert first["best_paragraph"]["n"] == explained["results"][0]["paragraphs"][0]["n"]
    assert {"score", "title", "bm25f", "weights"} <= set(first)
    plain = service_client.get("/api/search", query_string={"q": "安全生产"}).get_json()
    assert "explain" not in plain["results"][0]
    assert service_client.get("/api/search", query_string={"q": "安全", "explain": "x"}).status_code == 400


def test_a_running_app_picks_up_a_new_commit(spare_service_index, tmp_path):
    import index
    from search_service import create_app

    client = create_app(index_dir=spare_service_index, RATELIMIT_ENABLED=False).test_client()
    before = client.get("/healthz").get_json()
    assert search(client, q="尾矿库")["total"] == 0
    speech = tmp_path / "tailings.txt"
    speech.write_text("在全市尾矿库安全专项整治会议上的讲话\n同志们：\n今天召开会议，部署尾矿库安全专项整治工作。\n"
                      "各县区要对辖区内尾矿库逐一排查，建立隐患台账，限期整改到位。\n", encoding="utf-8")
    index.ingest_paths([speech], spare_service_index, progress=False)
    after = client.get("/healthz").get_json()
    assert after["generation"] > before["generation"] and after["documents"] == before["documents"] + 1
    assert search(client, q="尾矿库")["total"] == 1


def test_a_paragraph_number_in_other_digits_is_a_400_not_a_crash(service_client):
    doc_id = service_client.get("/api/search").get_json()["results"][0]["doc_id"]
    response = service_client.get(f"/api/documents/{doc_id}/paragraphs/²")
    assert_error(response, 400, "段落编号")


def test_a_serving_process_answers_without_building_the_gazetteer(service_index_dir):
    """A worker that only reads the index must not pay the ingest gazetteer's ~85 MB and 1.5 s."""
    script = (
        "import sys, search_service\n"
        f"app = search_service.create_app({str(service_index_dir)!r})\n"
        "reply = app.test_client().get('/api/search?q=安全生产')\n"
        "assert reply.status_code == 200, reply.status_code\n"
        "print(reply.get_json()['total'], 'ingest.region' in sys.modules, 'ingest.pipeline' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    total, region_loaded, pipeline_loaded = done.stdout.split()
    assert int(total) > 0
    assert (region_loaded, pipeline_loaded) == ("False", "False"), done.stderr
