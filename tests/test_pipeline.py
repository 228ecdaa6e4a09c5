"""clean_file / iter_input_files: files in, documents of the design contract out."""
import json
import os
import shutil
from pathlib import Path

import pytest

import ingest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(__file__).parent / "data" / "html"
CONTRACT_KEYS = {"doc_id", "title", "title_scraped", "title_source", "paragraphs", "year", "year_source", "published",
                 "region", "level", "doc_type", "topics", "evidence", "source", "fetched_at", "encoding", "restored",
                 "restorations", "truncated", "removed", "warnings"}


def seed_path(prefix):
    return next((ROOT / "corpus").glob(f"{prefix}_*.txt"))


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_seed_documents_follow_the_contract(prefix):
    (doc,) = ingest.clean_file(seed_path(prefix))
    assert set(doc) == CONTRACT_KEYS
    assert len(doc["doc_id"]) == 16 and int(doc["doc_id"], 16) >= 0
    assert [p["n"] for p in doc["paragraphs"]] == list(range(1, len(doc["paragraphs"]) + 1))
    assert set(doc["paragraphs"][0]) == {"n", "text", "restored", "heading", "section"}
    assert doc["source"] == str(seed_path(prefix)) and doc["encoding"] == "utf-8" and doc["warnings"] == []
    assert json.loads(json.dumps(doc, ensure_ascii=False)) == doc
    assert doc["paragraphs"][0]["text"] != doc["title"]


def test_doc_id_follows_content_not_file_name(tmp_path):
    (first,) = ingest.clean_file(seed_path("001"))
    renamed = tmp_path / "另一个 名字.txt"
    shutil.copy(seed_path("001"), renamed)
    (second,) = ingest.clean_file(renamed)
    assert second["doc_id"] == first["doc_id"]
    renamed.write_text(renamed.read_text(encoding="utf-8") + "\n补充一段新的内容。\n", encoding="utf-8")
    (changed,) = ingest.clean_file(renamed)
    assert changed["doc_id"] != first["doc_id"]


def test_gbk_file_cleans_like_its_utf8_original(tmp_path):
    gbk = tmp_path / "speech.txt"
    gbk.write_bytes(seed_path("003").read_text(encoding="utf-8").encode("gbk"))
    (doc,) = ingest.clean_file(gbk)
    (original,) = ingest.clean_file(seed_path("003"))
    assert doc["encoding"] == "gb18030"
    assert doc["paragraphs"] == original["paragraphs"] and doc["doc_id"] == original["doc_id"]


def test_html_pages_become_documents():
    (farm,) = ingest.clean_file(HTML / "content_farm.html")
    assert farm["title"] == "在2022年县安委会全体（扩大）会议上的讲话"
    assert farm["published"] == "2022-11-02"
    assert farm["paragraphs"][0]["text"] == "同志们："
    assert [p["n"] for p in farm["paragraphs"] if p["heading"]] == [3, 6]
    (wenku,) = ingest.clean_file(HTML / "wenku_speech_gbk.html")
    assert wenku["title"] == "2023年全区安全生产工作会议讲话" and wenku["encoding"] == "gb18030"
    assert wenku["truncated"] and {"text": "_某某文库", "reason": "title_suffix"} in wenku["removed"]
    (notice,) = ingest.clean_file(HTML / "gov_notice.html")
    assert notice["published"] == "2023-03-15" and notice["doc_type"] == "通知"


def test_crawl_dump_reports_bad_lines_and_lands_the_rest(tmp_path):
    dump = tmp_path / "crawl.jsonl"
    speech = seed_path("004").read_text(encoding="utf-8")
    page = (HTML / "gov_notice.html").read_text(encoding="utf-8")
    dump.write_text("\n".join([
        json.dumps({"url": "https://a.example/1", "text": speech, "fetched_at": "2024-01-02T03:04:05"}, ensure_ascii=False),
        '{"url": "https://a.example/2", "text": "未闭合',
        json.dumps({"url": "https://a.example/3"}),
        "",
        json.dumps({"url": "https://b.example/4", "html": page}, ensure_ascii=False),
        json.dumps(["not", "an", "object"]),
    ]) + "\n", encoding="utf-8")
    problems = []
    docs = ingest.clean_file(dump, problems=problems)
    assert [d["source"] for d in docs] == ["https://a.example/1", "https://b.example/4"]
    assert docs[0]["fetched_at"] == "2024-01-02T03:04:05" and docs[1]["fetched_at"] is None
    assert docs[1]["title"] == "关于开展2023年安全生产月活动的通知"
    assert [p.split("：")[0] for p in problems] == [f"{dump}:2", f"{dump}:3", f"{dump}:6"]
    assert "JSON" in problems[0] and "html 或 text" in problems[1]


def test_crawl_dump_with_nothing_usable_is_skipped(tmp_path):
    dump = tmp_path / "bad.jsonl"
    dump.write_text("不是 JSON\n{}\n", encoding="utf-8")
    with pytest.raises(ingest.SkipFile, match="没有可用的记录（2 行有问题）"):
        ingest.clean_file(dump, problems=[])


def test_iter_input_files_expands_folders_and_names_what_it_skips(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(seed_path("000"), tmp_path / "sub" / "安全 讲话.txt")
    (tmp_path / "page.HTML").write_text("<p>x</p>", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / ".hidden.txt").write_text("x", encoding="utf-8")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    found = {path.relative_to(tmp_path).as_posix(): reason for path, reason in ingest.iter_input_files([tmp_path])}
    assert found["sub/安全 讲话.txt"] is None and found["page.HTML"] is None
    assert "不支持" in found["image.png"]
    assert "循环" in found["sub/loop"]
    assert "不存在" in found["dangling.txt"]
    assert ".hidden.txt" not in found


def test_unreadable_file_is_skipped_with_a_reason(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    shutil.copy(seed_path("001"), path)
    path.chmod(0)

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "read_bytes", denied)       # root can read mode-0 files; simulate the refusal
    with pytest.raises(ingest.SkipFile, match="没有读取权限"):
        ingest.clean_file(path)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    assert list(ingest.iter_input_files([path])) == [(path, "没有读取权限")]


def test_furniture_learnt_from_a_site_is_cut_from_its_pages(tmp_path):
    speeches = [p["text"] for p in ingest.clean_file(seed_path("002"))[0]["paragraphs"]][1:9]
    for i, speech in enumerate(speeches):
        (tmp_path / f"{i}.html").write_text(
            f"<html><body><div class='main'><h1>第{i}篇安全生产讲话</h1><div class='content'>"
            f"<p>本站资料均来自网友投稿</p><p>同志们：</p><p>{speech}</p><p>更多精彩讲话稿尽在本站</p>"
            "</div></div></body></html>", encoding="utf-8")
    pages = sorted(tmp_path.glob("*.html"))
    furniture = ingest.learn_furniture([lines for page in pages for lines in ingest.document_lines(page)])
    assert furniture == {"本站资料均来自网友投稿", "更多精彩讲话稿尽在本站"}
    (doc,) = ingest.clean_file(pages[0], furniture=furniture)
    assert [p["text"] for p in doc["paragraphs"]] == ["同志们：", speeches[0]]
    assert {cut["text"] for cut in doc["removed"] if cut["reason"] == "furniture"} == {"本站资料均来自网友投稿", "更多精彩讲话稿尽在本站"}



def site_pages(folder, count=4):
    """`count` pages of one site: a different speech paragraph each, the same two furniture lines."""
    speeches = [p["text"] for p in ingest.clean_file(seed_path("002"))[0]["paragraphs"]][1:1 + count]
    for i, speech in enumerate(speeches):
        (folder / f"{i}.html").write_text(
            f"<html><body><div class='main'><h1>第{i}篇安全生产讲话</h1><div class='content'>"
            f"<p>本站资料均来自网友投稿</p><p>同志们：</p><p>{speech}</p><p>更多精彩讲话稿尽在本站</p>"
            "</div></div></body></html>", encoding="utf-8")
    return sorted(folder.glob("*.html"))


def test_a_page_sampled_for_site_furniture_is_parsed_once(tmp_path, monkeypatch):
    pages = site_pages(tmp_path)
    parsed = []
    extract = ingest.pipeline.extract
    monkeypatch.setattr(ingest.pipeline, "extract", lambda html: parsed.append(html) or extract(html))
    learnt = ingest.site_furniture(pages)
    docs = [doc for page in pages for doc in ingest.clean_file(page, furniture=learnt[page])]
    assert len(parsed) == len(pages)
    assert all({cut["text"] for cut in doc["removed"] if cut["reason"] == "furniture"}
               == {"本站资料均来自网友投稿", "更多精彩讲话稿尽在本站"} for doc in docs)
    assert [doc for page in pages for doc in ingest.clean_file(page, furniture=learnt[page])] == docs


def test_furniture_is_learnt_from_a_dump_as_clean_file_reads_it(tmp_path):
    pages = [page.read_text(encoding="utf-8") for page in site_pages(tmp_path)]
    dump = tmp_path / "crawl.jsonl"
    dump.write_text("\n".join([
        '{"url": "https://a.example/0", "html": "未闭合',
        "[" * 100_000 + "]" * 100_000,                               # nested beyond the JSON parser's depth
        json.dumps({"url": "https://a.example/1", "html": " ", "text": "同志们：\n本站资料均来自网友投稿"},
                   ensure_ascii=False),                              # blank html: the text is the page
        *(json.dumps({"url": f"https://a.example/p{i}", "html": page}, ensure_ascii=False)
          for i, page in enumerate(pages)),
    ]) + "\n", encoding="utf-8")
    documents = ingest.document_lines(dump)
    assert documents[0] == ["同志们：", "本站资料均来自网友投稿"] and len(documents) == 1 + len(pages)
    problems = []
    docs = ingest.clean_file(dump, furniture=ingest.learn_furniture(documents), problems=problems)
    assert [p.split("：")[0] for p in problems] == [f"{dump}:1", f"{dump}:2"]
    assert len(docs) == 1 + len(pages)
    assert all("本站资料均来自网友投稿" not in [p["text"] for p in doc["paragraphs"]] for doc in docs)

def test_a_real_gbk_portal_page_loses_its_source_and_licence_notes():
    page = Path(__file__).parent / "data" / "html" / "real" / "portal_gbk_disclaimer.html"
    (doc,) = ingest.clean_file(page, problems=[])
    texts = [p["text"] for p in doc["paragraphs"]]
    assert doc["encoding"] == "gb18030"
    assert "明星创新公司Uber最近被泼了一盆冷水，就是刷单泛滥。" in texts
    furniture = [cut["text"] for cut in doc["removed"] if cut["reason"] == "furniture"]
    assert "原标题：[亦观察] No.553 刷单是Uber中国的第一个危机？" in furniture
    assert any(text.startswith("本文为金错刀授权网易财经") for text in furniture)


def test_a_page_h1_that_is_not_the_headline_never_becomes_paragraph_one():
    # E003 (明日大盘): its <h1> is the site name; the <title> hint is passed over for the headline line
    page = Path(__file__).parent / "data" / "html" / "real" / "site_h1_not_headline.html"
    (doc,) = ingest.clean_file(page, problems=[])
    texts = [paragraph["text"] for paragraph in doc["paragraphs"]]
    headline = "最新出炉联合国贸发报告：2019年全球经济增长率降至2.3%"
    assert headline in (doc["title"], texts[0])
    assert not any(text.startswith("今日股市行情_明日大盘") for text in texts)


def test_a_short_brief_loses_its_popup_date_line_and_list_headings():
    # H004 (和讯股票): a one-paragraph article among a 我已授权 pop-up (class sourcePopwin), a
    # "2019-09-26 10:56:28 证券时报网" date line and the headings of the link lists around it
    page = Path(__file__).parent / "data" / "html" / "real" / "portal_hexun_short_brief_gb2312.html"
    (doc,) = ingest.clean_file(page, problems=[])
    texts = [p["text"] for p in doc["paragraphs"]]
    assert texts[0].startswith("据财联社9月26日消息，今日从交通运输部行新闻发布会获悉")
    for furniture in ("我已授权", "2019-09-26 10:56:28 证券时报网", "热门新闻排行榜", "你可能会喜欢"):
        assert furniture not in texts
        assert any(cut["text"] == furniture for cut in doc["removed"])
    assert doc["published"] == "2019-09-26"


def test_the_page_headline_wins_over_a_logo_h1_and_the_logo_is_no_paragraph():
    # E024 (网易财经): <h1> is the 网易商业 logo, the headline is <h2 class="con1_ltle">
    page = Path(__file__).parent / "data" / "html" / "real" / "portal_gbk_disclaimer.html"
    (doc,) = ingest.clean_file(page, problems=[])
    assert doc["title"] == "刷单是Uber中国的危机？"
    assert "网易商业" not in [p["text"] for p in doc["paragraphs"]]


def test_a_forum_post_loses_its_user_time_header_and_likers_line():
    # F008 (南生论坛, a Vue forum): 小诺抓 + 10月前 above the post, avatars + 等人赞过 below it
    page = Path(__file__).parent / "data" / "html" / "real" / "forum_sidebar_topic_counters.html"
    (doc,) = ingest.clean_file(page, problems=[])
    texts = [p["text"] for p in doc["paragraphs"]]
    assert "花了1天半的时间买了4个平板，总算是解决了。。" in texts
    assert "小诺抓10月前" not in texts and "等人赞过" not in texts
    assert {"小诺抓10月前", "等人赞过"} <= {cut["text"] for cut in doc["removed"] if cut["reason"] == "furniture"}


def test_an_account_post_loses_its_bar_credits_original_title_and_broken_emoji():
    # F006 (澎湃号·政务): <br> lines, an image-only <div> before 编辑|禤志杰, U+FFFD runs a saver left of emoji
    page = Path(__file__).parent / "data" / "html" / "real" / "portal_thepaper_account_post.html"
    (doc,) = ingest.clean_file(page, problems=[])
    texts = [p["text"] for p in doc["paragraphs"]]
    assert "开始搓搓手了！！！" in texts
    assert texts[:4] == ["搭地铁去坐邮轮玩转东南亚！", "去无敌免税城买买买不是梦！", "广州这个超牛的邮轮母港开港时间定了！", "四条国际航线抢先看！"]
    for furniture in ("编辑|禤志杰", "责编|陈梦莹", "校对|黄慧敏", "来源|广州参考、广州南沙发布、羊城晚报", "扫描下方二维码解锁更多技能"):
        assert furniture not in texts
    assert not any(text.startswith("本文原标题") or text.startswith("\ufffd") for text in texts)
