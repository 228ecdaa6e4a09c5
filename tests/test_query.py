"""Searching the session index (bundled corpus + tests/data/index_documents.json) as a user would."""
from __future__ import annotations

import re
import time

import pytest

import index
from index import QueryError

REGION_LEVELS = ("province", "city", "county", "town")


def ids(result) -> list[str]:
    return [r["doc_id"] for r in result["results"]]


def hit_paragraphs(result, doc_id) -> set[int]:
    return {p["n"] for r in result["results"] if r["doc_id"] == doc_id for p in r["paragraphs"]}


def all_paragraph_texts(docs):
    for doc in docs:
        for p in doc["paragraphs"]:
            yield doc, p


# --- phrases and words ---------------------------------------------------------------------------

def test_exact_phrase_hits_exactly_the_paragraphs_containing_it(search_index, purpose_docs, corpus_docs):
    result = search_index.search('"烟花爆竹"', per_page=50)
    docs = list(purpose_docs.values()) + corpus_docs
    expected = {}
    for doc, p in all_paragraph_texts(docs):
        if "烟花爆竹" in index.analysis.normalise(p.get("restored") or p["text"]) \
                or "烟花爆竹" in index.analysis.normalise(p["text"]):
            expected.setdefault(doc["doc_id"], set()).add(p["n"])
    listed = {d: hit_paragraphs(result, d) for d in ids(result)}
    assert set(listed) == set(expected)
    for doc_id, paragraphs in listed.items():
        assert paragraphs <= expected[doc_id] and paragraphs  # every shown paragraph holds the phrase
    # 燃放烟花|爆竹 (jieba cuts it apart) is found; 烟花 ... 爆竹 in different places is not
    assert purpose_docs["fireworks_cut"]["doc_id"] in listed
    assert purpose_docs["fireworks_apart"]["doc_id"] not in listed
    assert purpose_docs["traditional"]["doc_id"] in listed           # 煙花爆竹 in Traditional


def test_phrase_does_not_match_across_punctuation_or_paragraphs(search_index, purpose_docs):
    assert purpose_docs["fireworks_shop"]["doc_id"] not in ids(search_index.search('"烟花与爆竹分区"'))
    assert ids(search_index.search('"烟花与爆竹是否分区"')) == [purpose_docs["fireworks_shop"]["doc_id"]]
    assert ids(search_index.search('"处理 春节将至"')) == []


def test_compound_ranks_the_compound_first_and_finds_its_longer_forms(search_index, purpose_docs):
    result = search_index.search("安全生产", per_page=50)
    found = ids(result)
    compound, apart = purpose_docs["compound"]["doc_id"], purpose_docs["apart"]["doc_id"]
    assert compound in found
    assert apart not in found or found.index(compound) < found.index(apart)
    # both paragraphs count: 安全生产责任制 and 安全生产法 contain the compound
    assert hit_paragraphs(result, compound) == {1, 2}
    law = search_index.search("安全生产法")
    assert compound in ids(law)
    assert all("<mark>安全生产法</mark>" in r["paragraphs"][0]["html"] for r in law["results"])


def docs_matching(pattern: str, purpose_docs, corpus_docs) -> set[str]:
    """Brute force: the listed documents whose title or text matches the regular expression."""
    found = set()
    for doc in list(purpose_docs.values()) + corpus_docs:
        texts = [doc["title"]] + [p.get("restored") or p["text"] for p in doc["paragraphs"]]
        if any(re.search(pattern, index.analysis.normalise(t)) for t in texts):
            found.add(doc["doc_id"])
    return found


def test_numbers_match_exactly(search_index, purpose_docs, corpus_docs):
    article5, article15 = purpose_docs["article5"]["doc_id"], purpose_docs["article15"]["doc_id"]
    assert ids(search_index.search("第5条")) == [article5]
    assert ids(search_index.search("第15条")) == [article15]
    assert ids(search_index.search("第6条")) == [article15]
    for query, pattern in [("13710", r"(?<![0-9])13710(?![0-9])"), ("GDP", r"(?<![a-z])gdp(?![a-z])"),
                           ("gdp", r"(?<![a-z])gdp(?![a-z])"), ("5", r"(?<![0-9.])5(?![0-9.%])")]:
        expected = docs_matching(pattern, purpose_docs, corpus_docs)
        assert set(ids(search_index.search(query, per_page=50))) == expected, query
    assert article5 in ids(search_index.search("13710"))
    assert search_index.search("1371")["total"] == 0


def test_spun_document_is_found_by_the_original_wording(search_index, purpose_docs):
    spun = purpose_docs["spun"]
    result = search_index.search('"坚定不移抓好安全生产"')
    assert ids(result) == [spun["doc_id"]]
    shown = result["results"][0]["paragraphs"][0]
    assert "<mark>" in shown["restored_html"] and "平安生产" in shown["text"]
    assert spun["doc_id"] in ids(search_index.search('"平安生产"'))   # the wording as scraped too


def test_restored_seed_is_found_by_the_original_wording(search_index, corpus_docs):
    spun = [d for d in corpus_docs if d["restored"]]
    assert spun, "seed 003 is a spun copy"
    result = search_index.search("安全生产", per_page=50)
    assert spun[0]["doc_id"] in ids(result) or any(
        spun[0]["doc_id"] in [c["doc_id"] for c in (search_index.document(r["doc_id"]) or {}).get("copies", [])]
        for r in result["results"])


def test_traditional_and_simplified_find_each_other(search_index, purpose_docs):
    trad = purpose_docs["traditional"]["doc_id"]
    assert trad in ids(search_index.search("安全生产责任制"))
    assert trad in ids(search_index.search("落实"))
    result = search_index.search("職業安全")
    assert ids(result)[0] == trad
    assert "<mark>職業安全</mark>" in result["results"][0]["title_html"]
    assert purpose_docs["fireworks_cut"]["doc_id"] in ids(search_index.search("煙花爆竹"))


def test_synonyms_apply_at_query_time(search_index, purpose_docs):
    article5 = purpose_docs["article5"]["doc_id"]
    assert article5 in ids(search_index.search("危险化学品"))        # title has 危险化学品
    result = search_index.search("危化 仓库")
    assert ids(result) == [article5]
    assert "<mark>危化品" in result["results"][0]["paragraphs"][0]["html"]


# --- syntax --------------------------------------------------------------------------------------

def test_and_or_not_exclusion_and_title_field(search_index, purpose_docs):
    shop, cut = purpose_docs["fireworks_shop"]["doc_id"], purpose_docs["fireworks_cut"]["doc_id"]
    assert set(ids(search_index.search("烟花爆竹 仓库"))) == {shop}
    assert set(ids(search_index.search("烟花爆竹 AND 公安机关"))) == {cut}
    assert {shop, cut} <= set(ids(search_index.search("仓库 OR 公安机关", per_page=50)))
    both = set(ids(search_index.search("烟花爆竹", per_page=50)))
    assert set(ids(search_index.search("烟花爆竹 -仓库", per_page=50))) == both - {shop}
    assert set(ids(search_index.search("烟花爆竹 NOT 仓库", per_page=50))) == both - {shop}
    assert set(ids(search_index.search("title:烟花爆竹", per_page=50))) == {shop, cut}
    assert set(ids(search_index.search("(仓库 OR 公安机关) 春节"))) == {cut}


@pytest.mark.parametrize("query, problem", [
    ('"安全生产', "引号"), ("(安全 OR 生产", "括号"), ("安全)", "括号"), ("安全 OR", "OR"),
    ("*", "通配符"), ("安*", "通配符"), ("安全?产", "通配符"), ("安" * 600, "过长"), ("安全 " * 5000, "过长"),
    (" ".join(f"词{i}" for i in range(40)), "检索词过多"), ("NOT", "NOT"), ("()", "括号"),
])
def test_bad_queries_raise_a_chinese_error_naming_the_problem(search_index, query, problem):
    started = time.monotonic()
    with pytest.raises(QueryError, match=problem):
        search_index.search(query)
    assert time.monotonic() - started < 2


def test_odd_but_answerable_queries(search_index):
    assert search_index.search("\x00\x07安全\x1b生产")["total"] == search_index.search("安全 生产")["total"]
    assert search_index.search("安全*")["total"] >= search_index.search("安全")["total"] > 0
    assert search_index.search("-烟花爆竹")["total"] > 0      # exclusion alone: everything else
    assert search_index.search("安全", filters={"province": "火星省"})["total"] == 0
    with pytest.raises(QueryError):
        search_index.search("安全", page=10**9)
    with pytest.raises(QueryError):
        search_index.search("安全", page=0)
    assert search_index.search("安全", page=500, per_page=10)["results"] == []


def test_punctuation_only_query_is_a_clear_error(search_index):
    with pytest.raises(QueryError, match="没有可检索的词"):
        search_index.search("，。！")


# --- filters, facets, sort, paging, within ------------------------------------------------------

def brute_force_facets(docs: list[dict], filters: dict) -> dict:
    def keep(doc, skip):
        for name, value in filters.items():
            if name == skip:
                continue
            region = doc.get("region") or {}
            got = doc.get("topics") if name == "topic" else region.get(name) if name in REGION_LEVELS \
                else doc.get(name)
            if name == "topic" and value not in got or name != "topic" and got != value:
                return False
        return True

    counts = {}
    for name in ("year", *REGION_LEVELS, "level", "doc_type", "topic"):
        c = {}
        for doc in docs:
            if keep(doc, name):
                region = doc.get("region") or {}
                values = doc.get("topics") or [] if name == "topic" else \
                    [region.get(name)] if name in REGION_LEVELS else [doc.get(name)]
                for v in values:
                    # 未知 buckets: year, level, and a province that is missing on a non-national text
                    unknown_bucket = name in ("year", "level") or name == "province" and doc.get("level") != "国家"
                    if v is not None or unknown_bucket:
                        c[v] = c.get(v, 0) + 1
        counts[name] = c
    return counts


@pytest.mark.parametrize("filters", [{}, {"province": "浙江省"}, {"doc_type": "讲话", "year": 2022},
                                     {"province": "河北省", "topic": "烟花爆竹"}])
def test_facet_counts_equal_a_brute_force_count(search_index, purpose_docs, corpus_docs, filters):
    result = search_index.search("", filters=filters, per_page=100)
    listed = {r["doc_id"] for r in search_index.search("", per_page=100)["results"]}
    docs = [d for d in list(purpose_docs.values()) + corpus_docs if d["doc_id"] in listed]
    expected = brute_force_facets(docs, filters)
    got = {name: {v["value"]: v["count"] for v in values} for name, values in result["facets"].items()}
    assert got == expected
    assert result["total"] == sum(1 for d in docs if all(
        (d.get("topics") and v in d["topics"]) if k == "topic" else
        (d.get("region") or {}).get(k) == v if k in REGION_LEVELS else d.get(k) == v
        for k, v in filters.items()))


def test_filters_by_year_range_region_levels_and_unknown_year(search_index, purpose_docs):
    years = {r["year"] for r in search_index.search("", filters={"year_from": 2021, "year_to": 2022},
                                                    per_page=100)["results"]}
    assert years and years <= {2021, 2022}
    assert {r["year"] for r in search_index.search("", filters={"year": None}, per_page=100)["results"]} == {None}
    northern = search_index.search("", filters={"county": "北辰区"}, per_page=100)
    assert purpose_docs["fireworks_apart"]["doc_id"] in ids(northern)
    assert all(r["region"]["county"] == "北辰区" for r in northern["results"])
    by_city = search_index.search("", filters={"city": "唐山市"}, per_page=100)
    assert all(r["region"]["city"] == "唐山市" for r in by_city["results"]) and by_city["total"] >= 2
    assert search_index.search("", filters={"region": "唐山市"})["total"] == by_city["total"]
    assert all(r["level"] == "县" for r in search_index.search("", filters={"level": "县"})["results"])


def test_several_values_of_one_facet_match_either_and_facets_still_combine_with_and(search_index):
    one = search_index.search("", filters={"province": "天津市"})["total"]
    other = search_index.search("", filters={"province": "河北省"})["total"]
    both = search_index.search("", filters={"province": ["天津市", "河北省"]}, per_page=100)
    assert one and other and both["total"] == one + other
    assert {r["region"]["province"] for r in both["results"]} == {"天津市", "河北省"}
    counts = {v["value"]: v["count"] for v in both["facets"]["province"]}
    assert counts["天津市"] == one and counts["河北省"] == other      # its own facet ignores its filter
    narrowed = search_index.search("", filters={"province": ["天津市", "河北省"], "level": ["区"]}, per_page=100)
    assert 0 < narrowed["total"] < both["total"]
    assert all(r["level"] == "区" for r in narrowed["results"])
    assert sum(v["count"] for v in both["facets"]["level"] if v["value"] == "区") == narrowed["total"]


def test_unknown_buckets_of_province_and_level_filter_to_their_counts(search_index):
    facets = search_index.search("", per_page=1)["facets"]
    for name in ("province", "level"):
        unknown = next(v["count"] for v in facets[name] if v["value"] is None)
        found = search_index.search("", filters={name: None}, per_page=100)
        assert found["total"] == unknown > 0
        assert all((r["region"]["province"] if name == "province" else r["level"]) is None for r in found["results"])
    national = search_index.search("", filters={"province": None}, per_page=100)["results"]
    assert all(r["level"] != "国家" for r in national), "a national text is 全国, not an unknown region"


def test_sort_by_date_oldest_first_keeps_undated_last(search_index):
    newest = [r["doc_id"] for r in search_index.search("", sort="date", per_page=100)["results"]]
    oldest = search_index.search("", sort="date_asc", per_page=100)["results"]
    keys = [r["published"] or f"{r['year']}-00-00" for r in oldest if r["year"] or r["published"]]
    assert keys == sorted(keys) and len(oldest) == len(newest)
    dated = len(keys)
    assert all(not (r["year"] or r["published"]) for r in oldest[dated:])


def test_facets_are_counted_under_the_other_facets_filters(search_index):
    result = search_index.search("", filters={"province": "浙江省"})
    provinces = {v["value"] for v in result["facets"]["province"]}
    assert len(provinces) > 1                      # the province facet ignores its own filter
    assert {v["value"] for v in result["facets"]["city"]} <= {"杭州市", "宁波市"}


def test_unknown_filter_name_is_an_error(search_index):
    with pytest.raises(QueryError, match="筛选"):
        search_index.search("安全", filters={"colour": "红"})


def test_sort_by_date_and_paging(search_index):
    dated = search_index.search("", sort="date", per_page=100)["results"]
    keys = [r["published"] or (f"{r['year']}-00-00" if r["year"] else "") for r in dated]
    assert keys == sorted(keys, reverse=True)
    first, second = search_index.search("", sort="date", per_page=3), search_index.search("", sort="date",
                                                                                       page=2, per_page=3)
    assert ids(first) + ids(second) == [r["doc_id"] for r in dated[:6]]
    assert first["total"] == len(dated)


def test_search_within_previous_results(search_index, purpose_docs):
    within = search_index.search("公安机关", within=["烟花爆竹"])
    assert ids(within) == [purpose_docs["fireworks_cut"]["doc_id"]]
    assert search_index.search("公安机关", within="烟花爆竹")["total"] == 1
    assert search_index.search("仓库", within=["烟花爆竹", "春节"])["total"] == 0


# --- near-duplicates -----------------------------------------------------------------------------

def test_only_the_canonical_copy_is_listed_and_the_group_is_reachable(search_index, purpose_docs):
    original, copy = purpose_docs["original"]["doc_id"], purpose_docs["copy"]["doc_id"]
    result = search_index.search("隐患排查治理台账", per_page=50)
    listed = ids(result)
    assert (original in listed) != (copy in listed)
    shown = original if original in listed else copy
    other = copy if shown == original else original
    assert result["results"][listed.index(shown)]["copies"] == 1
    doc = search_index.document(shown)
    assert [c["doc_id"] for c in doc["copies"]] == [other]
    assert search_index.document(other)["canonical"] is False


# --- documents, paragraphs, similar --------------------------------------------------------------

def test_document_with_highlights_and_escaping(search_index, purpose_docs):
    doc = search_index.document(purpose_docs["xss"]["doc_id"], q="消防")
    assert "<script>" not in doc["title_html"] and "&lt;script&gt;" in doc["title_html"]
    html = doc["paragraphs"][0]["html"]
    assert "<img" not in html and "&lt;img" in html and "<mark>消防</mark>" in html
    assert re.sub(r"</?mark>", "", doc["paragraphs"][1]["html"]).count("<") == 0
    assert search_index.document("0000000000000000") is None


def test_results_escape_everything_but_marks(search_index, purpose_docs):
    result = search_index.search("script 消防")
    assert ids(result) == [purpose_docs["xss"]["doc_id"]]
    for r in result["results"]:
        for snippet in [r["title_html"]] + [p["html"] for p in r["paragraphs"]]:
            assert re.sub(r"</?mark>", "", snippet).count("<") == 0


def test_paragraph_with_context_and_section(search_index, purpose_docs):
    shop = purpose_docs["fireworks_shop"]
    got = search_index.paragraph(shop["doc_id"], 2, context=1)
    assert got["paragraph"]["text"] == "全市烟花爆竹批发、零售经营单位。"
    assert [p["n"] for p in got["before"]] == [1] and [p["n"] for p in got["after"]] == [3]
    assert search_index.paragraph(shop["doc_id"], 99, 1) is None
    assert search_index.paragraph("ffffffffffffffff", 1, 1) is None


def test_paragraph_reports_its_section_heading(search_index, corpus_docs):
    doc = next(d for d in corpus_docs if any(p["heading"] for p in d["paragraphs"]))
    para = next(p for p in doc["paragraphs"] if p["section"] and not p["heading"])
    listed = search_index.document(doc["doc_id"])
    assert listed is not None
    got = search_index.paragraph(doc["doc_id"], para["n"], 0)
    assert got["section"]["n"] == para["section"] and got["section"]["heading"]


def test_similar_paragraphs_come_from_other_documents(search_index, purpose_docs):
    similar = search_index.similar_paragraphs(purpose_docs["original"]["doc_id"], 2)
    assert similar, "the 象山县 speech repeats the 台账 sentence"
    assert similar[0]["doc_id"] == purpose_docs["similar"]["doc_id"] and similar[0]["n"] == 1
    assert purpose_docs["copy"]["doc_id"] not in [s["doc_id"] for s in similar]   # not its own copies
    assert "<mark>" in similar[0]["html"]
