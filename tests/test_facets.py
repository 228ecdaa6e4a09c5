"""facets.FacetTable on its own: filters, counts under the other filters, the listed copy, date order."""
from __future__ import annotations

import numpy as np
import pytest

import index
from index.facets import FacetTable
from index.health import open_index
from index.query import QueryError
from index.store import DocumentStore
from conftest import CORPUS, make_doc

HEBEI = {"province": "河北省", "city": "唐山市", "county": "路南区"}
SHANDONG = {"province": "山东省", "city": "济南市", "county": None}
NONE = {"province": None, "city": None, "county": None}
SPEECH = [line.strip() for line in (CORPUS / "001_f0e5b2b144a0aed0.txt").read_text(encoding="utf-8").splitlines()
          if len(line.strip()) > 15][:12]

DOCS = {
    "tangshan": make_doc("唐山讲话", ["路南区安全生产会议"], year=2023, published="2023-03-01", region=HEBEI,
                         level="区", doc_type="讲话", topics=["煤矿"]),
    "jinan": make_doc("济南通知", ["济南市安全生产通知"], year=2021, published="2021-05-02", region=SHANDONG,
                      level="市", doc_type="通知", topics=["消防", "煤矿"]),
    "national": make_doc("安全生产法", ["第一条 为了加强安全生产工作"], year=2021, region=NONE, level="国家",
                         doc_type="法律法规"),
    "unknown": make_doc("无名材料", ["一份没有年份的材料"], region=NONE, doc_type="其他"),
    # a near-duplicate pair: the blog copy is ingested first, the official one is the copy listed
    "blog": make_doc("转载讲话", SPEECH, source="http://blog.example.com/a.html", year=2020,
                     published="2020-01-01", region=HEBEI, level="区", doc_type="讲话"),
    "official": make_doc("讲话原文", SPEECH + ["（根据录音整理）"], source="https://www.mem.gov.cn/a.html",
                         year=2020, published="2020-02-01", region=HEBEI, level="区", doc_type="讲话"),
}


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("facets")
    index.add_documents(path, list(DOCS.values()))
    ix = open_index(path)
    store = DocumentStore(path, readonly=True)
    with ix.searcher() as searcher:
        table = FacetTable(searcher.reader(), store)
    store.close()
    ix.close()
    return table


def _keys(table, mask) -> set[str]:
    return {key for key, doc in DOCS.items() if table.docnum_of(doc["doc_id"]) is not None
            and mask[table.docnum_of(doc["doc_id"])]}


def _filtered(table, filters) -> set[str]:
    mask = table.listed.copy()
    for m in table.filter_masks(filters).values():
        mask &= m
    return _keys(table, mask)


def test_a_near_duplicate_group_lists_its_official_copy_and_counts_the_other(table):
    assert _keys(table, table.listed) == set(DOCS) - {"blog"}
    assert table.copies[table.docnum_of(DOCS["official"]["doc_id"])] == 1


def test_filters_by_year_range_region_at_any_level_and_the_unknown_buckets(table):
    assert _filtered(table, {"year_from": 2021}) == {"tangshan", "jinan", "national"}
    assert _filtered(table, {"year_to": 2021}) == {"jinan", "national", "official"}   # undated is not "before"
    assert _filtered(table, {"year": None}) == {"unknown"}
    assert _filtered(table, {"region": "路南区"}) == {"tangshan", "official"}
    assert _filtered(table, {"region": "济南市"}) == {"jinan"}
    assert _filtered(table, {"province": ["山东省", "河北省"]}) == {"tangshan", "jinan", "official"}
    assert _filtered(table, {"province": None}) == {"unknown"}      # a national text is 全国, not 未知
    assert _filtered(table, {"topic": "煤矿", "doc_type": "通知"}) == {"jinan"}
    assert _filtered(table, {"province": "西藏自治区"}) == set()
    with pytest.raises(QueryError, match="年份"):
        table.filter_masks({"year_from": "去年"})
    with pytest.raises(QueryError, match="不认识的筛选条件"):
        table.filter_masks({"colour": "红"})


def test_each_facet_is_counted_under_the_other_facets_filters(table):
    masks = table.filter_masks({"province": "河北省"})
    counts = table.counts(table.listed, masks)
    assert counts["province"] == [{"value": "河北省", "count": 2}, {"value": None, "count": 1},
                                  {"value": "山东省", "count": 1}]    # its own filter does not narrow it
    assert counts["doc_type"] == [{"value": "讲话", "count": 2}]
    assert counts["year"] == [{"value": 2020, "count": 1}, {"value": 2023, "count": 1}]


def test_date_order_puts_undated_documents_last_both_ways(table):
    newest = [table.doc_ids[d] for d in table.by_date(table.listed)]
    oldest = [table.doc_ids[d] for d in table.by_date(table.listed, oldest_first=True)]
    ids = {doc["doc_id"]: key for key, doc in DOCS.items()}
    assert [ids[d] for d in newest] == ["tangshan", "jinan", "national", "official", "unknown"]
    assert [ids[d] for d in oldest] == ["official", "national", "jinan", "tangshan", "unknown"]
    assert np.all(table.by_date(np.zeros(table.size, dtype=bool)) == [])
