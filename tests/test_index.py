"""Writing the index: incremental ingest, replacement, removal, duplicates, bad input, the writer lock."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time

import pytest

import index
from index.writing import LOCK_FILE, writer_lock
from conftest import CORPUS, make_doc


NOTICES = ["严禁在城区燃放烟花爆竹，违者依法处理。", "汛期来临，各地要落实防汛抗旱责任，转移危险区域群众。",
           "开展危险化学品企业专项检查，重点查看储罐区和装卸作业。", "加强建筑施工高处作业管理，脚手架必须验收合格。",
           "道路交通安全整治要突出“两客一危”车辆和农村道路。"]


def fire_doc(n: int, text: str | None = None, **meta) -> dict:
    """A small notice; different `n` give unrelated texts (so they are not near-duplicates)."""
    return make_doc(f"第{n}号通知", ["各单位：", text or NOTICES[n % len(NOTICES)]], source=f"notices/{n}.txt", **meta)


def listed(ix: index.SearchIndex) -> set[str]:
    return {r["doc_id"] for r in ix.search("", per_page=100)["results"]}


def test_adding_again_writes_nothing(tmp_path):
    docs = [fire_doc(1), fire_doc(2)]
    first = index.add_documents(tmp_path, docs)
    assert (first.added, first.unchanged) == (2, 0)
    ix = index.SearchIndex(tmp_path)
    generation = ix.generation()
    def written():  # the Whoosh files and the store (SQLite's -wal/-shm come and go with readers)
        return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in tmp_path.iterdir()
                if "MAIN" in p.name or p.name == "documents.sqlite"}

    before = written()
    again = index.add_documents(tmp_path, docs)
    assert (again.added, again.unchanged, again.commits) == (0, 2, 0)
    assert ix.generation() == generation
    assert written() == before


def test_changed_source_replaces_its_document(tmp_path):
    index.add_documents(tmp_path, [fire_doc(1), fire_doc(2)])
    ix = index.SearchIndex(tmp_path)
    assert ix.search("防汛 OR 危险化学品")["total"] == 2
    changed = fire_doc(1, text="严禁在禁放区域燃放孔明灯。")
    summary = index.add_documents(tmp_path, [changed])
    assert (summary.replaced, summary.added) == (1, 0)
    assert ix.search("孔明灯")["total"] == 1          # the open reader picks up the commit
    assert ix.search("防汛 OR 危险化学品")["total"] == 1
    assert listed(ix) == {changed["doc_id"], fire_doc(2)["doc_id"]}


def test_remove_deletes_and_reports_unknown_ids(tmp_path):
    docs = [fire_doc(1), fire_doc(2)]
    index.add_documents(tmp_path, docs)
    assert index.remove(tmp_path, docs[0]["doc_id"]) is True
    assert index.remove(tmp_path, docs[0]["doc_id"]) is False
    ix = index.SearchIndex(tmp_path)
    assert listed(ix) == {docs[1]["doc_id"]}
    assert ix.document(docs[0]["doc_id"]) is None
    with pytest.raises(index.IndexMissing, match="nowhere"):   # no index is not "no such document"
        index.remove(tmp_path / "nowhere", "0123456789abcdef")
    assert not (tmp_path / "nowhere").exists()


def test_exact_and_near_duplicates_are_counted_and_grouped(tmp_path):
    speech = ["同志们：", "隐患排查治理是防范事故的治本之策，要建立隐患排查治理台账，实行闭环管理，"
              "做到整改措施、责任、资金、时限和预案五到位。", "各县区要把重大隐患挂牌督办落到实处。"]
    original = make_doc("隐患排查治理讲话", speech, source="a.txt")
    same = dict(original, source="b.txt")
    spun = make_doc("隐患排查治理讲话", speech[:2] + [{"text": "各县区要把重大隐患挂牌催促落到实处。",
                                               "restored": "各县区要把重大隐患挂牌督办落到实处。"}],
                    source="c.txt", doc_id="cccccccccccccccc")
    summary = index.add_documents(tmp_path, [original, same, spun])
    assert (summary.added, summary.duplicates) == (1, 2)
    ix = index.SearchIndex(tmp_path)
    assert listed(ix) == {original["doc_id"]}
    assert [c["doc_id"] for c in ix.document(original["doc_id"])["copies"]] == [spun["doc_id"]]
    # removing the listed copy brings the other forward
    index.remove(tmp_path, original["doc_id"])
    assert listed(ix) == {spun["doc_id"]}


@pytest.mark.parametrize("stored_as", ["32-bit", "64-bit, as before 2026-12"])
def test_a_near_duplicate_is_grouped_with_a_copy_indexed_in_an_earlier_ingest(tmp_path, stored_as):
    import sqlite3

    import numpy as np
    speech = ["同志们：", "隐患排查治理是防范事故的治本之策，要建立隐患排查治理台账，实行闭环管理，"
              "做到整改措施、责任、资金、时限和预案五到位。", "各县区要把重大隐患挂牌督办落到实处。"]
    original = make_doc("隐患排查治理讲话", speech, source="a.txt")
    index.add_documents(tmp_path, [original])
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:
        (blob,), = db.execute("SELECT signature FROM documents")
        assert len(blob) == 1 + 4 * 128       # the signature's values fit 32 bits
        if stored_as.startswith("64"):
            old = np.frombuffer(blob, dtype="<u4", offset=1).astype("<u8").tobytes()
            db.execute("UPDATE documents SET signature = ?", (old,))
    spun = make_doc("隐患排查治理讲话", speech[:2] + [{"text": "各县区要把重大隐患挂牌催促落到实处。",
                                               "restored": "各县区要把重大隐患挂牌督办落到实处。"}],
                    source="c.txt", doc_id="cccccccccccccccc")
    assert index.add_documents(tmp_path, [spun]).duplicates == 1   # signatures read back from the store
    assert [c["doc_id"] for c in index.SearchIndex(tmp_path).document(original["doc_id"])["copies"]] == \
        [spun["doc_id"]]


def test_documents_that_break_the_contract_are_skipped_with_reasons(tmp_path):
    good = fire_doc(1)
    summary = index.add_documents(tmp_path, [good, {"title": "无编号"}, dict(fire_doc(2), paragraphs=[]),
                                             "不是字典", dict(fire_doc(3), paragraphs=[{"n": "x"}])])
    assert summary.added == 1
    reasons = [reason for _, reason in summary.skipped]
    assert reasons == ["缺少 doc_id", "没有正文段落", "不是文档字典", "段落格式不对（需要 n 与 text）"]
    assert "跳过" in summary.report()


def test_ingest_paths_reports_every_file(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "input"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "001.txt").write_bytes((CORPUS / "001_f0e5b2b144a0aed0.txt").read_bytes())
    summary = index.ingest_paths([folder], tmp_path / "ix", progress=True)
    assert summary.added == 1 and summary.files == 3
    skipped = dict(summary.skipped)
    assert set(skipped) == {str(folder / "empty.txt"), str(folder / "binary.txt")}
    assert all(skipped.values())
    err = capsys.readouterr().err
    assert "导入" in err and "文件" in err                       # the progress bar
    report = summary.report()
    assert "新增 1 篇" in report and "empty.txt" in report
    again = index.ingest_paths([folder], tmp_path / "ix", progress=False)
    assert (again.added, again.unchanged) == (0, 1)
    monkeypatch.chdir(tmp_path)  # the same file named another way is still the same source
    relative = index.ingest_paths([folder.relative_to(tmp_path)], tmp_path / "ix", progress=False)
    assert (relative.added, relative.unchanged, relative.duplicates) == (0, 1, 0)


def test_a_second_writer_times_out_with_a_clear_message(tmp_path):
    held, release = threading.Event(), threading.Event()

    def hold():
        with writer_lock(tmp_path):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        started = time.monotonic()
        with pytest.raises(index.IndexLocked, match="正由另一个写入进程") as caught:
            index.add_documents(tmp_path, [fire_doc(1)], lock_timeout=0.5)
        assert 0.4 < time.monotonic() - started < 3
        assert str(os.getpid()) in str(caught.value)
    finally:
        release.set()
        thread.join()
    assert index.add_documents(tmp_path, [fire_doc(1)], lock_timeout=0.5).added == 1


def test_a_stale_lock_from_a_killed_writer_is_cleared(tmp_path):
    index.add_documents(tmp_path, [fire_doc(1)])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    (tmp_path / LOCK_FILE).write_text(dead)
    summary = index.add_documents(tmp_path, [fire_doc(2)], lock_timeout=1)
    assert summary.stale_lock == int(dead) and summary.added == 1
    assert f"PID {dead}" in summary.report()
    assert (tmp_path / LOCK_FILE).read_text() == ""


def test_searching_a_missing_index_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="没有索引"):
        index.SearchIndex(tmp_path / "missing")


def test_reingest_after_an_upgrade_rewrites_changed_metadata(tmp_path):
    """Same text, new describer: the document keeps its id and group but shows (and filters by) the new values."""
    old = fire_doc(1, year=None, region={"province": None, "city": None, "county": None})
    index.add_documents(tmp_path, [old])
    upgraded = dict(old, year=2024, region={"province": "天津市", "city": "天津市", "county": "北辰区",
                                          "town": "宜兴埠镇"}, level="镇")
    summary = index.add_documents(tmp_path, [upgraded])
    assert (summary.replaced, summary.unchanged, summary.added) == (1, 0, 0)
    ix = index.SearchIndex(tmp_path)
    assert ix.document(old["doc_id"])["region"]["town"] == "宜兴埠镇"
    assert [r["doc_id"] for r in ix.search("", filters={"town": "宜兴埠镇"})["results"]] == [old["doc_id"]]
    assert {"value": "宜兴埠镇", "count": 1} in ix.search("")["facets"]["town"]
    again = index.add_documents(tmp_path, [upgraded])
    assert (again.replaced, again.unchanged) == (0, 1)


def test_a_store_written_before_towns_gains_the_column_on_the_next_ingest(tmp_path):
    import sqlite3
    index.add_documents(tmp_path, [fire_doc(1)])
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:    # as an older version left it
        db.execute("ALTER TABLE documents DROP COLUMN town")
    assert index.SearchIndex(tmp_path).search("")["total"] == 1    # readable as it is
    index.add_documents(tmp_path, [fire_doc(2, region={"province": "河北省", "city": "唐山市", "county": "路南区",
                                                       "town": "学院南路街道"})])
    ix = index.SearchIndex(tmp_path)
    assert ix.search("", filters={"town": "学院南路街道"})["total"] == 1


def test_documents_stored_as_json_text_or_zlib_by_older_versions_still_read_and_reindex(tmp_path):
    import json
    import sqlite3
    import zlib
    docs = [fire_doc(1), fire_doc(2), fire_doc(3)]
    index.add_documents(tmp_path, docs)
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:
        assert all(isinstance(body, bytes) for (body,) in db.execute("SELECT body FROM documents"))
        older = json.dumps(docs[0], ensure_ascii=False)                 # as older versions left them:
        db.execute("UPDATE documents SET body = ? WHERE doc_id = ?", (older, docs[0]["doc_id"]))   # text,
        db.execute("UPDATE documents SET body = ? WHERE doc_id = ?",                            # zlib
                   (zlib.compress(json.dumps(docs[1], ensure_ascii=False).encode()), docs[1]["doc_id"]))
    ix = index.SearchIndex(tmp_path)
    for doc in docs:
        assert ix.document(doc["doc_id"])["paragraphs"][1]["text"] == doc["paragraphs"][1]["text"]
    assert ix.search("防汛抗旱")["results"][0]["paragraphs"][0]["text"] == NOTICES[1]
    assert index.check(tmp_path).ok
    index.reindex(tmp_path, progress=False)
    assert index.SearchIndex(tmp_path).search("防汛抗旱")["total"] == 1


def test_a_stored_document_that_does_not_decompress_is_reported_by_the_check(tmp_path):
    import sqlite3
    docs = [fire_doc(1), fire_doc(2)]
    index.add_documents(tmp_path, docs)
    with sqlite3.connect(tmp_path / "documents.sqlite") as db:
        db.execute("UPDATE documents SET body = ? WHERE doc_id = ?", (b"x\x9c garbled", docs[0]["doc_id"]))
    report = index.check(tmp_path)
    assert not report.ok and "1 篇文档的正文无法解析" in report.text()


def test_a_full_disk_at_the_last_commit_leaves_no_sub_writer_waiting_and_the_last_commit_searchable(tmp_path,
                                                                                                    monkeypatch):
    """SQLite reports a full disk as its own OperationalError, at whichever write meets it: here the final
    commit's. The ingest fails as a full disk (an OSError naming the index), keeps the last commit, and leaves
    no index sub-writer waiting for documents (a process with one never exits)."""
    import multiprocessing
    import sqlite3

    from index import store, writing

    index.add_documents(tmp_path, [make_doc("第一份通知", ["关于汛期安全生产的通知"], source="full/1.txt")])
    monkeypatch.setattr(writing, "WRITER_PROCS", 2)          # the parallel writer, whatever the machine
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"

    put, commit, puts = store.DocumentStore.put, store.DocumentStore.commit, []
    monkeypatch.setattr(store.DocumentStore, "put", lambda self, *args: puts.append(1) or put(self, *args))

    def full_once_written(self):
        if puts:
            raise full
        commit(self)
    monkeypatch.setattr(store.DocumentStore, "commit", full_once_written)
    docs = [make_doc(f"第{i}份文件", [f"煤矿安全检查第{i}号文件"], source=f"full/{i}.txt") for i in range(2, 60)]
    with pytest.raises(OSError) as raised:
        index.add_documents(tmp_path, docs)
    assert raised.value.errno == errno.ENOSPC and str(tmp_path) in str(raised.value)
    assert multiprocessing.active_children() == []
    monkeypatch.undo()
    found = index.SearchIndex(tmp_path)
    assert found.search("安全生产")["total"] == 1 and found.search("煤矿")["total"] == 0
