"""matching.Evaluator on its own: which documents a query matches, in which paragraphs, how they score."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
import pytest
from whoosh import query as wq

import index
from index.facets import FacetTable
from index.health import open_index
from index.matching import Evaluator
from index.store import DocumentStore
from conftest import CORPUS, make_doc

DOCS = {
    "coal": make_doc("煤矿安全会议讲话", ["煤矿企业要落实安全生产责任制", "加强隐患排查治理"]),
    "apart": make_doc("管理通知", ["安全是头等大事", "生产经营单位要加强管理"]),
    "often": make_doc("事故调查报告", ["一起生产安全事故的调查报告", "安全生产，安全生产，安全生产，形势严峻"]),
    "adjacent": make_doc("另一份通知", ["这件大事生产不能停"]),
    "removed": make_doc("煤矿检查", ["煤矿安全生产检查"]),
}


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    path = tmp_path_factory.mktemp("matching")
    index.add_documents(path, list(DOCS.values()))
    assert index.remove(path, DOCS["removed"]["doc_id"])
    ix = open_index(path)
    searcher = ix.searcher()
    store = DocumentStore(path, readonly=True)
    table = FacetTable(searcher.reader(), store)
    yield Evaluator(searcher, table.live), {key: table.docnum_of(doc["doc_id"]) for key, doc in DOCS.items()}
    searcher.close()
    store.close()
    ix.close()


def _matches(evaluator, docnums, query) -> set[str]:
    mask, _ = evaluator.evaluate(query)
    return {key for key, d in docnums.items() if d is not None and mask[d]}


def test_boolean_queries_match_whole_documents_and_never_a_deleted_one(matched):
    evaluator, docnums = matched
    assert docnums["removed"] is None
    coal, safety, production = wq.Term("body", "煤矿"), wq.Term("body", "安全"), wq.Term("body", "生产")
    assert _matches(evaluator, docnums, coal) == {"coal"}
    assert _matches(evaluator, docnums, wq.And([safety, production])) == {"coal", "apart", "often"}
    assert _matches(evaluator, docnums, wq.Or([coal, wq.Term("body", "大事")])) == {"coal", "apart", "adjacent"}
    assert _matches(evaluator, docnums, wq.And([safety, wq.Not(coal)])) == {"apart", "often"}
    assert _matches(evaluator, docnums, wq.Every()) == set(DOCS) - {"removed"}
    assert int(evaluator.evaluate(wq.Not(coal))[0].sum()) == 3      # the deleted document is not "not coal"


def test_a_phrase_holds_its_words_in_order_within_one_paragraph(matched):
    evaluator, docnums = matched
    assert _matches(evaluator, docnums, wq.Phrase("body_chars", ["安全", "全生", "生产"])) == {"coal", "often"}
    assert _matches(evaluator, docnums, wq.Phrase("body_chars", ["生产", "全生"])) == set()   # out of order
    # 大事 ends a paragraph of "apart" and 生产 opens the next: not a phrase there, only where they touch
    assert _matches(evaluator, docnums, wq.Phrase("body", ["大事", "生产"])) == {"adjacent"}


def test_paragraphs_name_where_every_part_occurs_together(matched):
    evaluator, docnums = matched
    both = wq.And([wq.Term("body", "安全"), wq.Term("body", "生产")])
    found = evaluator.paragraphs(both, [docnums[k] for k in ("coal", "apart", "often")])
    assert found == {docnums["coal"]: {1}, docnums["often"]: {1, 2}}   # "apart" has them in two paragraphs
    phrase = wq.Phrase("body_chars", ["安全", "全生", "生产"])
    assert evaluator.paragraphs(phrase, [docnums["often"]]) == {docnums["often"]: {2}}


def test_bm25_ranks_more_occurrences_higher_and_scores_only_matches(matched):
    evaluator, docnums = matched
    mask, score = evaluator.evaluate(wq.Term("body", "安全生产"))
    assert score[docnums["often"]] > score[docnums["coal"]] > 0
    assert not mask[docnums["apart"]] and score[docnums["apart"]] == 0
    assert np.all(score[~mask] == 0)
    ids, tf, _ = evaluator.postings("body", "安全生产")
    assert dict(zip(ids.tolist(), tf.tolist()))[docnums["often"]] == 3   # term frequency, not boosted weight


def test_a_query_asked_again_gets_its_kept_answer_which_nobody_can_alter(matched):
    evaluator, docnums = matched
    query = wq.Or([wq.Term("body", "煤矿"), wq.Phrase("body_chars", ["安全", "全生", "生产"])])
    mask, score = evaluator.evaluate(query)
    again = evaluator.evaluate(wq.Or([wq.Term("body", "煤矿"), wq.Phrase("body_chars", ["安全", "全生", "生产"])]))
    assert again[0] is mask and again[1] is score
    with pytest.raises(ValueError):
        mask[docnums["apart"]] = True
    evaluator.clear()
    fresh = evaluator.evaluate(query)
    assert fresh[0] is not mask and fresh[0].tolist() == mask.tolist() and fresh[1].tolist() == score.tolist()


def test_narrowing_a_search_by_facets_answers_as_a_fresh_worker_would(tmp_path):
    lines = [line.strip() for path in sorted(CORPUS.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if "安全生产" in line]
    docs = [make_doc(f"第{i}号通知", lines[3 * i:3 * i + 3] + [f"第{i}次隐患排查"], year=2010 + i % 5,
                     doc_type="通知" if i % 2 else "讲话") for i in range(12)]
    index.add_documents(tmp_path, docs)
    asked = index.SearchIndex(tmp_path)
    asked.search("安全生产 隐患")
    narrowed = asked.search("安全生产 隐患", filters={"year_from": 2011, "doc_type": "通知"}, explain=True)
    fresh = index.SearchIndex(tmp_path).search("安全生产 隐患", filters={"year_from": 2011, "doc_type": "通知"},
                                               explain=True)
    assert narrowed == fresh and 0 < narrowed["total"] < 12


def test_after_a_commit_a_workers_kept_statistics_and_answers_are_those_of_the_new_generation(tmp_path):
    lines = [line.strip() for path in sorted(CORPUS.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 15]
    index.add_documents(tmp_path, [make_doc(f"煤矿通知{i}", lines[4 * i:4 * i + 4] + ["煤矿安全"]) for i in range(6)])
    worker = index.SearchIndex(tmp_path)
    first = worker.search("煤矿 安全", explain=True)
    index.add_documents(tmp_path, [make_doc(f"其他通知{i}", lines[40 + 4 * i:44 + 4 * i]) for i in range(6)])
    again = worker.search("煤矿 安全", explain=True)
    assert again == index.SearchIndex(tmp_path).search("煤矿 安全", explain=True)
    assert again["results"][0]["explain"]["weights"] != first["results"][0]["explain"]["weights"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), max_size=60))
def test_unique_of_keys_in_order_is_numpys_unique(values):
    from index.matching import unique_sorted

    keys = np.array(sorted(values), dtype=np.int64)
    expected = np.unique(keys, return_inverse=True, return_counts=True)
    got = unique_sorted(keys, return_inverse=True, return_counts=True)
    for want, have in zip(expected, got):
        assert want.tolist() == have.tolist()
    assert unique_sorted(keys).tolist() == expected[0].tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.integers(0, 80), max_size=40), min_size=1, max_size=5))
def test_union_of_occurrence_lists_is_numpys_unique_of_them_all(sets):
    from index.matching import union_sorted

    parts = [np.array(sorted(s), dtype=np.int64) for s in sets]
    assert union_sorted(parts).tolist() == np.unique(np.concatenate(parts)).tolist()
