"""Ranking as a user meets it: the paragraph remembered, exact word counts, 煤矿 vs 非煤矿山, the copy to cite."""
from __future__ import annotations

import math

import pytest

import index
from conftest import make_doc
from index.analysis import normalise, synonyms
from search_service.formatting import format_results

FILLER = ["各地区、各部门要按照职责分工，做好本行业领域的相关工作。", "本条例所称生产经营单位，是指从事生产经营活动的单位。",
          "县级以上人民政府应当加强对本行政区域内工作的领导。", "有关部门应当建立健全工作制度，定期开展检查。"]


def long_regulation(title: str, source: str, **meta) -> dict:
    """Sixty paragraphs; 特种设备 and 司法机关 each come up several times, never in one paragraph."""
    paragraphs = [FILLER[i % len(FILLER)] for i in range(60)]
    for i in (3, 9, 15, 21):
        paragraphs[i] = "特种设备使用单位应当建立特种设备安全技术档案，定期检验特种设备。"
    for i in (40, 47, 53):
        paragraphs[i] = "涉嫌犯罪的，依法移送司法机关追究刑事责任，司法机关应当及时处理。"
    return make_doc(title, paragraphs, source=source, **meta)


@pytest.fixture(scope="module")
def ranking_index(tmp_path_factory):
    path = tmp_path_factory.mktemp("ranking")
    docs = {
        "scattered": long_regulation("某市安全生产条例", "tests/ranking/scattered.txt"),
        "together": make_doc("关于特种设备执法衔接的通知", [
            "各有关单位：", "特种设备安全监督管理部门发现违法行为涉嫌犯罪的，应当及时移送司法机关。",
            "请认真贯彻执行。"], source="tests/ranking/together.txt"),
        "watched": make_doc("关于加强监管的讲话", ["同志们：", "我们要加强安全监管，压实各方责任。"],
                            source="tests/ranking/watched.txt"),
        "scattered_bigrams": make_doc("安全检查通报", [
            "本月开展安全检查。", "企业完全监控重点部位。", "监管部门将跟踪整改。"], source="tests/ranking/bigrams.txt"),
        "coal": make_doc("煤矿安全工作要点", ["全市煤矿要严格落实瓦斯防治措施。", "煤矿企业主要负责人要下井带班。"],
                         source="tests/ranking/coal.txt"),
        "non_coal": make_doc("非煤矿山安全工作要点", [
            "全市非煤矿山要开展边坡隐患排查。", "非煤矿山企业要落实尾矿库安全管理，非煤矿山停产整顿的要验收。"],
                             source="tests/ranking/non_coal.txt"),
        "mixed": make_doc("矿山安全检查通知", ["一、非煤矿山：重点检查边坡和尾矿库。", "二、煤矿：重点检查瓦斯抽采和通风系统。"],
                          source="tests/ranking/mixed.txt"),
    }
    index.add_documents(path, list(docs.values()))
    return index.SearchIndex(path), docs


def ids(result) -> list[str]:
    return [r["doc_id"] for r in result["results"]]


def holding(docs, word: str) -> set[str]:
    """Brute force: documents whose title or a paragraph holds the word (or one of its synonyms)."""
    forms = [normalise(word), *synonyms(normalise(word))]
    return {d["doc_id"] for d in docs.values()
            if any(f in normalise(t) for f in forms for t in [d["title"]] + [p["text"] for p in d["paragraphs"]])}


def test_all_parts_in_one_paragraph_beat_the_same_parts_spread_over_a_long_document(ranking_index):
    ix, docs = ranking_index
    result = ix.search("特种设备 司法机关")
    assert ids(result)[:2] == [docs["together"]["doc_id"], docs["scattered"]["doc_id"]]
    first = result["results"][0]
    assert first["paragraphs"][0]["n"] == 2                 # the paragraph that holds both is shown
    assert "<mark>特种设备</mark>" in first["paragraphs"][0]["html"] \
        and "<mark>司法机关</mark>" in first["paragraphs"][0]["html"]


def test_a_word_counts_only_documents_holding_its_characters_together(ranking_index):
    ix, docs = ranking_index
    result = ix.search("安全监管")
    expected = holding(docs, "安全监管")
    assert docs["scattered_bigrams"]["doc_id"] not in expected   # 安全…全监…监管 apart
    assert set(ids(result)) == expected and result["total"] == len(expected)
    assert sum(v["count"] for v in result["facets"]["doc_type"]) == len(expected)


def test_coal_mine_paragraphs_rank_above_non_coal_mine_ones(ranking_index):
    ix, docs = ranking_index
    result = ix.search("煤矿", per_page=10)
    found = ids(result)
    assert set(found) == holding(docs, "煤矿")               # 非煤矿山 holds 煤矿: still counted
    assert found.index(docs["coal"]["doc_id"]) < found.index(docs["non_coal"]["doc_id"])
    mixed = result["results"][found.index(docs["mixed"]["doc_id"])]
    assert mixed["paragraphs"][0]["n"] == 2                  # 二、煤矿 before 一、非煤矿山
    assert found.index(docs["mixed"]["doc_id"]) < found.index(docs["non_coal"]["doc_id"])


def test_compound_still_ranks_for_its_parts(ranking_index):
    ix, docs = ranking_index
    assert ix.search("安全生产")["total"] == len(holding(docs, "安全生产"))


def test_explain_gives_the_parts_of_the_score(ranking_index):
    ix, docs = ranking_index
    result = ix.search("特种设备 司法机关", explain=True)
    explain = result["results"][0]["explain"]
    best = explain["best_paragraph"]
    assert best["n"] == result["results"][0]["paragraphs"][0]["n"]
    assert set(best["held"]) == {"特种设备", "司法机关"}
    assert explain["score"] == pytest.approx(best["parts"] + best["proximity"] + explain["title"]
                                             + explain["bm25f"] + explain.get("specificity", 0) + explain.get("length", 0), abs=0.01)
    scattered = result["results"][1]["explain"]["best_paragraph"]
    assert len(scattered["held"]) == 1                       # no paragraph holds both
    assert "explain" not in ix.search("特种设备")["results"][0]
    printed = format_results(result)
    assert "得分" in printed and "最佳段落 §2" in printed and "特种设备" in printed and "段落长度" in printed


# --- the copy a person would cite -------------------------------------------------------------------

SPEECH = ["同志们：", "隐患排查治理是防范事故的治本之策，要建立隐患排查治理台账，实行闭环管理，"
          "做到整改措施、责任、资金、时限和预案五到位。", "各县区要把重大隐患挂牌督办落到实处，确保安全生产形势稳定。"]


def test_the_official_original_is_listed_over_a_later_longer_repost(tmp_path):
    farm = make_doc("隐患排查治理讲话", SPEECH + ["更多精彩内容请关注本站。"], source="https://www.wenmi.example.com/a/1.html",
                    published="2023-05-02")
    official = make_doc("隐患排查治理讲话", SPEECH, source="https://yjj.example.gov.cn/art/2023/4/1/art_1.html",
                        published="2023-04-01")
    earlier_repost = make_doc("隐患排查治理讲话", SPEECH[:2] + ["各县区要把重大隐患挂牌督办落到实处。"],
                              source="https://blog.example.com/p/9", published="2023-03-30")
    index.add_documents(tmp_path, [farm, earlier_repost, official])   # the farm copy ingested first
    ix = index.SearchIndex(tmp_path)
    result = ix.search("隐患排查治理台账")
    assert ids(result) == [official["doc_id"]] and result["results"][0]["copies"] == 2
    copies = ix.document(official["doc_id"])["copies"]
    assert {(c["doc_id"], c["published"], c["canonical"]) for c in copies} == {
        (farm["doc_id"], "2023-05-02", False), (earlier_repost["doc_id"], "2023-03-30", False)}
    # without an official copy, the earliest published one is cited
    index.remove(tmp_path, official["doc_id"])
    assert ids(ix.search("隐患排查治理台账")) == [earlier_repost["doc_id"]]


def test_cli_search_explain_prints_the_parts_of_each_score(ranking_index, capsys):
    from search_service.cli import main as cli

    ix, docs = ranking_index
    assert cli(["search", "特种设备 司法机关", "--index", str(ix.index_dir), "--explain"]) == 0
    out = capsys.readouterr().out
    assert "得分" in out and "最佳段落 §2" in out and "词权重" in out
    assert cli(["search", "特种设备 司法机关", "--index", str(ix.index_dir)]) == 0
    assert "得分" not in capsys.readouterr().out


def test_a_document_without_a_title_leaves_the_others_scores_intact(tmp_path):
    untitled = make_doc("", ["全市煤矿要严格落实瓦斯防治措施。"], source="tests/untitled.txt")
    titled = make_doc("煤矿防汛通知", ["请各煤矿做好防汛准备。"], source="tests/titled.txt")
    index.add_documents(tmp_path, [titled, untitled])
    result = index.SearchIndex(tmp_path).search("煤矿", explain=True)
    assert ids(result) == [titled["doc_id"], untitled["doc_id"]]      # the title holds 煤矿
    assert all(math.isfinite(r["explain"]["score"]) for r in result["results"])


# --- the paragraph whose distinctive words were typed ------------------------------------------------

def test_of_paragraphs_holding_every_word_the_one_without_other_rare_words_is_shown_first(tmp_path):
    plain = "特种设备违法行为涉嫌犯罪的，由有关部门依照规定移送司法机关。"
    law = make_doc("某省特种设备安全条例", [        # the other four hold the two words closer together
        "特种设备锅炉爆燃的，移送司法机关。", "特种设备起重机倾覆的，移送司法机关。",
        "特种设备气瓶爆裂的，移送司法机关。", "特种设备索道坠落的，移送司法机关。", plain],
        source="tests/specific/law.txt")
    others = [make_doc(f"执法衔接通知{i}", ["各有关单位：", plain], source=f"tests/specific/other{i}.txt")
              for i in range(2)]
    common = [make_doc(f"行政执法通知{i}", ["违法行为涉嫌犯罪的，由有关部门依照规定移送。"], source=f"tests/specific/common{i}.txt")
              for i in range(6)]                 # the plain paragraph's other words are common ones
    index.add_documents(tmp_path, [law, *others, *common])
    result = index.SearchIndex(tmp_path).search("特种设备 司法机关")
    shown = next(r for r in result["results"] if r["doc_id"] == law["doc_id"])["paragraphs"]
    assert shown[0]["n"] == 5 and len(shown) == 3     # the one a person typing these two words recalls


def test_of_two_laws_sharing_a_clause_the_one_whose_rare_words_were_typed_ranks_first(tmp_path):
    longer = make_doc("村民委员会选举办法", [
        "年满十八周岁的村民，不分民族、家庭出身、居住期限，都有选举权；但是，依照法律被剥夺政治权利的人除外。"],
        source="tests/specific/village.txt")
    plain = make_doc("人民代表选举办法", ["年满十八周岁的公民，不分民族、家庭出身、居住期限，都有选举权。"] + FILLER * 3,
                     source="tests/specific/people.txt")   # the longer document: BM25F alone puts it second
    index.add_documents(tmp_path, [longer, plain])
    result = index.SearchIndex(tmp_path).search("家庭出身 居住期限", explain=True)
    assert ids(result) == [plain["doc_id"], longer["doc_id"]]
    assert result["results"][1]["explain"]["unasked"] > result["results"][0]["explain"].get("unasked", 0)
    # asked for, those rare words bring the other law first
    assert ids(index.SearchIndex(tmp_path).search("家庭出身 剥夺"))[0] == longer["doc_id"]


def test_numbers_are_not_the_words_a_paragraph_is_remembered_by(tmp_path):
    rule = make_doc("某市矿山爆破作业管理规定", [
        "第二十八条 违反操作规程爆破的，予以记过处分。",
        "第三十五条 违反操作规程的，处五万元罚款，予以记过处分。"], source="tests/specific/numbers.txt")
    common = [make_doc(f"操作规程通知{i}", ["违反操作规程的，处罚款；拒不改正的，再处罚款，予以记过处分。"],
                       source=f"tests/specific/rules{i}.txt") for i in range(4)]
    index.add_documents(tmp_path, [rule, *common])
    result = index.SearchIndex(tmp_path).search("操作规程 记过")
    shown = next(r for r in result["results"] if r["doc_id"] == rule["doc_id"])["paragraphs"]
    assert shown[0]["n"] == 2      # its article number and amount are no reason to think of the other one


def test_a_word_filling_one_law_is_not_rare_though_few_documents_hold_it(tmp_path):
    enforcement = make_doc("关于人民法院执行工作的规定", [
        f"被执行人未按执行通知履行义务的，不得支付，或者冻结其财产（第{i}项）。" for i in range(20)] + [
        "冻结股权的，不得向被执行人支付股息或者红利。"], source="tests/specific/enforcement.txt")
    tax = make_doc("个人所得税实施办法", ["股息、红利所得，是指个人拥有债权、股权取得的股息、红利。"],
                   source="tests/specific/tax.txt")
    others = [make_doc(f"股权管理通知{i}", ["股权、股息和红利应当依法登记，不得支付。"], source=f"tests/specific/equity{i}.txt")
              for i in range(3)]
    index.add_documents(tmp_path, [tax, enforcement, *others])
    result = index.SearchIndex(tmp_path).search("股权 股息 红利", explain=True)
    by_id = {r["doc_id"]: r["explain"] for r in result["results"]}
    assert by_id[enforcement["doc_id"]].get("unasked", 0) == 0    # 被执行人: in twenty of its paragraphs
    assert by_id[tax["doc_id"]]["unasked"] >= 1                   # 债权: once in the whole collection



def test_sibling_clauses_differing_only_in_numbers_take_one_place_among_those_shown(tmp_path):
    fines = [f"第{n}条 申请人在道路上学习驾驶时，由交通管理部门对教练员或者随车指导人员处{low}元以上{high}元以下罚款。"
             for n, low, high in (("九十五", "二十", "二百"), ("九十六", "二百", "五百"), ("九十七", "五百", "一千"))]
    remembered = "第九十四条 申请人在教练员签注的指导人员随车指导下学习驾驶的，由教练员承担责任。"
    rule = make_doc("机动车驾驶证申领规定", [*fines, remembered], source="tests/varied/rule.txt")
    common = [make_doc(f"驾驶培训通知{i}", ["申请人在道路上学习驾驶时，由交通管理部门对指导人员处以上以下罚款。"],
                       source=f"tests/varied/common{i}.txt") for i in range(6)]   # 签注 alone is rare
    index.add_documents(tmp_path, [rule, *common])
    result = index.SearchIndex(tmp_path).search("教练员 随车")
    shown = [p["n"] for p in result["results"][0]["paragraphs"]]
    assert shown[0] in (1, 2, 3) and 4 in shown and len(shown) == 3   # one fine clause stands for all three


def test_a_copy_keeps_its_place_before_a_paragraph_far_less_like_the_query(tmp_path):
    clause = "违反本法规定，有下列行为之一的，由生态环境主管部门责令改正，处罚款；拒不改正的，责令停产整治："
    other = "违反本法规定，生产超标机动车、非道路移动机械的，没收销毁，处货值金额罚款，弄虚作假的，责令停产整治。"
    law = make_doc("大气污染防治法", ["第一百条 " + clause, other, "第一百零八条 " + clause], source="tests/varied/air.txt")
    common = [make_doc(f"环境执法通知{i}", ["违反本法规定，有下列行为之一的，由生态环境主管部门责令改正，处罚款；拒不改正的，"
                                         "依法处理。"], source=f"tests/varied/env{i}.txt") for i in range(6)]
    index.add_documents(tmp_path, [law, *common])
    shown = [p["n"] for p in index.SearchIndex(tmp_path).search("停产 整治")["results"][0]["paragraphs"]]
    assert shown == [1, 3, 2]       # the other paragraph's rare words were not typed: it waits behind the copy


# 通用航空飞行管制条例 (corpus-real admin_regulation/0057), the articles holding 划设 and 空域
AIRSPACE = [
    "第七条 从事通用航空飞行活动的单位、个人，根据飞行活动要求，需要划设临时飞行空域的，应当向有关飞行管制部门提出划设临时飞行空域的申请。",
    "划设临时飞行空域的申请应当包括下列内容：",
    "第八条 划设临时飞行空域，按照下列规定的权限批准：",
    "通用航空飞行任务完成后，从事通用航空飞行活动的单位、个人应当及时报告有关飞行管制部门，其申请划设的临时飞行空域即行撤销。",
    "第十一条 已划设的临时飞行空域，从事通用航空飞行活动的其他单位、个人因飞行需要，经批准划设该临时飞行空域的飞行管制部门同意，也可以使用。",
]


def _common(paragraphs: list[str], cut: tuple[str, ...], name: str) -> list[dict]:
    """Documents holding the paragraphs' other words (those of `cut` removed), so none of them is rare."""
    stripped = []
    for text in paragraphs:
        for word in cut:
            text = text.replace(word, "")
        stripped.append(text)
    return [make_doc(f"{name}{i}", stripped, source=f"tests/length/{name}{i}.txt") for i in range(8)]


def test_a_longer_paragraph_fitting_the_query_alike_is_shown_before_a_lists_lead_in_line(tmp_path):
    regulation = make_doc("通用航空飞行管制条例", AIRSPACE, source="tests/length/airspace.txt")
    index.add_documents(tmp_path, [regulation, *_common(AIRSPACE, ("划设", "空域"), "飞行管理通知")])
    shown = [p["n"] for p in index.SearchIndex(tmp_path).search("划设 空域")["results"][0]["paragraphs"]]
    # the two lead-in lines (…包括下列内容： / …权限批准：) hold the words as closely, and tell the reader least
    assert shown == [1, 5, 4]


# 测绘法 (corpus-real law/0049): 第十四条 and 第五十三条, which hold 未报, a cut the dictionary does not know
SURVEYING = ["第十四条 卫星导航定位基准站的建设和运行维护应当符合国家标准和要求，不得危害国家安全。",
             "第五十三条 违反本法规定，卫星导航定位基准站建设单位未报备案的，给予警告，责令限期改正；逾期不改正的，"
             "处十万元以上三十万元以下的罚款；对直接负责的主管人员和其他直接责任人员，依法给予处分。"]


def test_a_seam_of_the_cut_is_not_a_rare_word_the_paragraph_is_remembered_by(tmp_path):
    law = make_doc("中华人民共和国测绘法", SURVEYING, source="tests/length/surveying.txt")
    index.add_documents(tmp_path, [law, *_common(SURVEYING, ("定位基准", "未报"), "测绘管理通知")])
    result = index.SearchIndex(tmp_path).search("定位 基准", explain=True)["results"][0]
    assert result["explain"].get("unasked", 0) == 0 and result["paragraphs"][0]["n"] == 2


# --- the paragraph words written at ingest -----------------------------------------------------------

def _specific_law_index(folder):
    plain = "特种设备违法行为涉嫌犯罪的，由有关部门依照规定移送司法机关。"
    law = make_doc("某省特种设备安全条例", [
        "特种设备锅炉爆燃的，移送司法机关。", "特种设备起重机倾覆的，移送司法机关。",
        "特种设备气瓶爆裂的，移送司法机关。", "特种设备索道坠落的，移送司法机关。", plain],
        source="tests/words/law.txt")
    common = [make_doc(f"行政执法通知{i}", ["违法行为涉嫌犯罪的，由有关部门依照规定移送。"], source=f"tests/words/c{i}.txt")
              for i in range(6)]
    index.add_documents(folder, [law, *common])
    return law


def _answer(folder) -> list:
    result = index.SearchIndex(folder).search("特种设备 司法机关", explain=True)
    return [(r["doc_id"], [p["n"] for p in r["paragraphs"]], r["explain"].get("unasked")) for r in result["results"]]


def _count_cuts(monkeypatch) -> list:
    """From now on, the paragraphs ranking cuts for their words (at query time)."""
    from index import ranking

    cut = []
    real = ranking.own_words.__wrapped__
    monkeypatch.setattr(ranking, "own_words", lambda text: cut.append(text) or real(text))
    return cut


def test_a_search_reads_the_words_written_at_ingest_and_cuts_no_paragraph(tmp_path, monkeypatch):
    law = _specific_law_index(tmp_path)
    cut = _count_cuts(monkeypatch)
    answer = _answer(tmp_path)
    assert answer[0][0] == law["doc_id"] and answer[0][1][0] == 5
    assert cut == []


def test_a_store_without_paragraph_words_or_with_another_rules_ranks_alike(tmp_path, monkeypatch):
    """A store written before the words were (none in their column, or no column at all), or by a
    segmenter that cut otherwise, gives the same answers, its paragraphs cut when a search needs them."""
    import sqlite3

    from index import ranking

    _specific_law_index(tmp_path)
    stored = _answer(tmp_path)
    cut, stamp = _count_cuts(monkeypatch), ranking.words_stamp
    monkeypatch.setattr(ranking, "words_stamp", lambda: "words:another-rule")
    assert _answer(tmp_path) == stored and cut
    monkeypatch.setattr(ranking, "words_stamp", stamp)
    cut.clear()
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:
        db.execute("UPDATE documents SET words = NULL")
    assert _answer(tmp_path) == stored and cut
    cut.clear()
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:
        db.execute("ALTER TABLE documents DROP COLUMN words")      # written before the column was
    assert _answer(tmp_path) == stored and cut
    index.reindex(tmp_path, progress=False)      # how such a store gains them
    cut.clear()
    assert _answer(tmp_path) == stored and cut == []


def test_the_words_written_at_ingest_are_each_paragraphs_dictionary_words_once(tmp_path):
    from index import ranking
    from index.analysis import segmenter

    text = "生产经营单位应当建立安全生产责任制，生产经营单位的主要负责人对本单位安全生产工作全面负责，处五万元罚款。"
    words = ranking.own_words(text)
    assert words == tuple(dict.fromkeys(w for w in segmenter().cut(normalise(text)) if ranking._is_own_word(w)))
    assert words.count("生产经营") <= 1 and "安全生产" in words and "五万元" not in words
    doc = make_doc("条例", [text, "第一条"], source="tests/words/one.txt")   # 条: one character, no word
    wording = len(text) - len("，，五万。")      # its length, numbers and punctuation aside
    assert ranking.stored_words(ranking.paragraph_words(doc), [1, 2]) == {1: f"{wording} " + " ".join(words), 2: "1"}
