"""Spun copies: detected by their impossible wording and mapped back, never a genuine text."""
from collections import Counter
from pathlib import Path

import pytest

import ingest
from ingest.spin import is_spun, restore

ROOT = Path(__file__).resolve().parents[1]


def seed_doc(prefix):
    (doc,) = ingest.clean_file(next((ROOT / "corpus").glob(f"{prefix}_*.txt")))
    return doc


@pytest.mark.parametrize("prefix", ["000", "001", "002", "004"])
def test_genuine_seeds_are_not_restored(prefix):
    doc = seed_doc(prefix)
    assert doc["restored"] is False and doc["restorations"] == {}
    assert all(p["restored"] is None for p in doc["paragraphs"])
    assert doc["title"] == doc["title_scraped"]


def test_seed_000_keeps_its_genuine_pingan():
    doc = seed_doc("000")
    assert any("保一方平安" in p["text"] for p in doc["paragraphs"])


def test_seed_003_is_restored():
    doc = seed_doc("003")
    assert doc["restored"] is True
    assert doc["title_scraped"] == "在平安生产工作部署会议上的讲话"
    assert doc["title"] == "在安全生产工作部署会议上的讲话"
    assert doc["restorations"]["平安→安全"] >= 30
    for pair in ("局部→部分", "根底→基础", "比方→比如", "假设干→若干", "催促→督促", "坚决不移→坚定不移", "处分→处罚"):
        assert doc["restorations"][pair] >= 1, pair
    by_n = {p["n"]: p for p in doc["paragraphs"]}
    second = by_n[6]
    assert "假设干个维度" in second["text"] and "组成局部" in second["text"]   # text stays as scraped
    assert "从若干个维度去解读" in second["restored"]
    assert "国家治理体系的重要组成部分" in second["restored"]
    assert "重要基础保障" in second["restored"] and "坚定不移的落实安全生产各项工作要求" in second["restored"]
    assert "共处罚金639.31万元" in by_n[7]["restored"]
    assert "督促其既查表、又查里" in by_n[10]["restored"]
    assert by_n[1]["restored"] is None          # 同志们： has nothing to restore
    restored_text = "".join(p["restored"] or p["text"] for p in doc["paragraphs"])
    assert "平安生产" not in restored_text and "安全生产" in restored_text


def test_detection_needs_several_distinct_markers():
    assert not is_spun(["保一方平安，平安建设要抓好。"])
    assert not is_spun(["平安生产平安生产平安生产"])          # one marker repeated is not enough
    assert is_spun(["要抓好平安生产。", "这是重要组成局部，也是根底保障。"])


@pytest.mark.parametrize("spun, original, mapped", [
    ("保一方平安，抓好平安生产", "保一方平安，抓好安全生产", {"平安→安全": 1}),
    ("局部通风机和局部合同", "局部通风机和部分合同", {"局部→部分": 1}),
    ("打个比方，比方有些企业", "打个比方，比如有些企业", {"比方→比如": 1}),
    ("给予党纪处分，处分不到位", "给予党纪处分，处罚不到位", {"处分→处罚": 1}),
    ("决不能无视整改质量", "决不能忽视整改质量", {"无视→忽视": 1}),
])
def test_restoration_respects_context(spun, original, mapped):
    counts = Counter()
    assert restore(spun, counts) == original
    assert counts == mapped
