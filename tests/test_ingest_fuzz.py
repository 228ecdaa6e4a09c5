"""Bad input never stops a batch: every file lands or is skipped with its reason; no text goes unrecorded."""
import json
import os
import random
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import ingest
from ingest.clean import clean

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(__file__).parent / "data" / "html"
SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def run_batch(paths):
    """What a batch ingest does: (documents by file, skip reason by file); any other exception fails."""
    landed, skipped = {}, {}
    for path, reason in ingest.iter_input_files(paths):
        if reason:
            skipped[path] = reason
            continue
        try:
            landed[path] = ingest.clean_file(path, problems=[])
        except ingest.SkipFile as exc:
            skipped[path] = str(exc)
    return landed, skipped


@pytest.fixture
def fuzzed_corpus(tmp_path):
    rng = random.Random(20240601)
    good = []
    for seed in SEEDS:
        target = tmp_path / f"讲话 {seed.stem[:3]}（副本）.txt"
        shutil.copy(seed, target)
        good.append(target)
    speech = SEEDS[1].read_text(encoding="utf-8")
    page = (HTML / "content_farm.html").read_text(encoding="utf-8")
    files = {
        "empty.txt": b"",
        "blank.html": b"   \n\t\n",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(2000)),
        "truncated.html": page[: len(page) // 2].encode("utf-8"),
        "nested.html": ("<html><body>" + "<div>" * 10_000 + "<p>嵌套很深的正文，一句话。</p>" + "</div>" * 10_000
                        + "</body></html>").encode("utf-8"),
        "nested-unclosed.html": ("<div><span>" * 5_000 + "没有闭合的嵌套，正文。").encode("utf-8"),
        "nav-only.html": ("<html><body><div class='nav'>" + "".join(f"<a href='/{i}'>栏目{i}</a>" for i in range(50))
                          + "</div></body></html>").encode("utf-8"),
        "mixed encodings.txt": (speech[:400] + "\n").encode("utf-8") + speech[400:].encode("gbk"),
        "bad bytes.txt": speech.encode("utf-8")[:900] + b"\xff\xfe" + speech.encode("utf-8")[900:],
        "gbk页面.html": ('<meta charset="gbk">' + page).encode("gbk", errors="replace"),
        "dump.jsonl": b"\n".join([json.dumps({"url": "u1", "text": speech}, ensure_ascii=False).encode("utf-8"),
                                  b"\xff\xfe garbage", b'{"url": "u2", "html": 5}']),
        "garbage.jsonl": bytes(rng.randrange(1, 256) for _ in range(3000)),
        "notes.docx": b"PK\x03\x04",
    }
    for i in range(12):
        files[f"random-{i}.{('txt', 'html', 'htm')[i % 3]}"] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6000)))
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with open(tmp_path / "huge page.html", "wb") as handle:    # 50 MB, sparse: costs no disk
        handle.truncate(50 * 2**20)
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "back").symlink_to(tmp_path)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    return tmp_path, good


@pytest.mark.timeout(120)
def test_fuzzed_batch_never_crashes_and_names_every_skip(fuzzed_corpus):
    folder, good = fuzzed_corpus
    landed, skipped = run_batch([folder])
    assert all(reason for reason in skipped.values())
    for path in good:
        assert path in landed and landed[path][0]["paragraphs"]
    names = {path.name: reason for path, reason in skipped.items()}
    assert "空文件" in names["empty.txt"] and "空文件" in names["blank.html"]
    assert "二进制" in names["image.txt"]
    assert "文件过大" in names["huge page.html"]
    assert "没有正文" in names["nav-only.html"]
    assert "不支持" in names["notes.docx"]
    assert "循环" in names["back"] and "循环" in names["self.txt"]
    assert "没有可用的记录" in names["garbage.jsonl"]
    by_name = {path.name: docs for path, docs in landed.items()}
    assert by_name["nested.html"][0]["paragraphs"][0]["text"] == "嵌套很深的正文，一句话。"
    assert by_name["nested-unclosed.html"][0]["paragraphs"][0]["text"] == "没有闭合的嵌套，正文。"
    assert by_name["truncated.html"][0]["paragraphs"]
    assert by_name["mixed encodings.txt"][0]["encoding"] == "mixed(utf-8+gb18030)"
    assert by_name["bad bytes.txt"][0]["warnings"]
    assert [doc["source"] for doc in by_name["dump.jsonl"]] == ["u1"]
    for name, docs in by_name.items():
        if name.startswith("random-"):
            pytest.fail(f"random bytes landed as a document: {name} {docs[0]['paragraphs'][:1]}")
    entries = (set(folder.iterdir()) - {folder / "loop"}) | {folder / "loop" / "back"}
    assert set(landed) | set(skipped) == entries          # every file accounted for, each once


@pytest.mark.timeout(180)
def test_fuzzed_corpus_ingests_into_a_searchable_index(fuzzed_corpus, tmp_path_factory):
    import index

    folder, good = fuzzed_corpus
    index_dir = tmp_path_factory.mktemp("fuzz-index")
    summary = index.ingest_paths([folder], index_dir, progress=False)
    skipped = {Path(name).name: reason for name, reason in summary.skipped}
    assert {"empty.txt", "image.txt", "huge page.html", "garbage.jsonl", "self.txt"} <= set(skipped)
    assert all(skipped.values())
    assert any("dump.jsonl:2" in problem for problem in summary.problems)   # the bad dump line, by number
    ix = index.SearchIndex(index_dir)
    assert ix.search("嵌套很深的正文")["total"] == 1
    assert ix.search("路南区")["total"] >= 1                 # the seeds among the junk all landed
    assert ix.stats()["documents"] + ix.stats()["copies"] >= len(good)


# ---- property: cleaning loses nothing it does not record -------------------------------------------------

SEED_LINES = [line for path in SEEDS for line in path.read_text(encoding="utf-8").splitlines()]
FURNITURE_LINES = ["仅供学习 禁止外传", "会员群：  免费QQ群：", "时间:2022-06-27 14:40:04 讲话稿 浏览次数:",
                   "下面是小编为大家整理的讲话,供大家参考。", "推荐访问:安全 讲话", "返回首页", "上一篇：某讲话",
                   "当前隐藏内容免费查看", "鎮(zhèn)", " - 某某网", "2022"]
ALPHABET = "安全生产同志们一二三四五六七八九十第章（）()、，,。.：:；;！!？?“”《》<>*×XX20年月日 \t\u3000平安局部根底abc"
PUNCT_FOLD = str.maketrans("，；：！？（）", ",;:!?()")
SPACE_RE = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")


def chars(texts):
    return Counter(SPACE_RE.sub("", "".join(texts)).translate(PUNCT_FOLD))


line_strategy = st.one_of(st.sampled_from(SEED_LINES), st.sampled_from(FURNITURE_LINES),
                          st.text(alphabet=ALPHABET, max_size=60),
                          st.tuples(st.sampled_from(SEED_LINES), st.sampled_from(FURNITURE_LINES)).map("".join))


@settings(max_examples=150, deadline=None)
@given(st.lists(line_strategy, max_size=25))
def test_no_text_is_lost_except_what_is_recorded(lines):
    cleaned = clean(lines)
    kept = [cleaned.title or ""] + [p["text"] for p in cleaned.paragraphs]
    assert chars(kept + [cut["text"] for cut in cleaned.removed]) == chars(lines)
    assert [p["n"] for p in cleaned.paragraphs] == list(range(1, len(cleaned.paragraphs) + 1))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["txt", "html", "jsonl"]))
def test_any_bytes_give_documents_or_a_skip(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"input.{suffix}"
    path.write_bytes(data)
    try:
        docs = ingest.clean_file(path, problems=[])
    except ingest.SkipFile as exc:
        assert str(exc)
        return
    assert all(doc["paragraphs"] and doc["doc_id"] for doc in docs)
