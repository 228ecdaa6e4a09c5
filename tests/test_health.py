"""A damaged index is detected, refused and repaired; backups are consistent snapshots of a live index.

The fault-injection test damages copies of an index in ten ways; `-m slow` also repairs every one
of them and runs the backup under a longer load.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import index
from conftest import CORPUS
from index import health
from test_concurrency import start_ingest
from conftest import batch, committed_doc_ids

QUERIES = ("安全生产", '"隐患排查"', "消防 OR 烟花爆竹", "title:讲话")


@pytest.fixture(scope="module")
def good_index(index_dir, tmp_path_factory) -> Path:
    """A copy of the session index with a backup beside it."""
    target = tmp_path_factory.mktemp("health") / "good"
    shutil.copytree(index_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


@pytest.fixture(scope="module")
def good_backup(good_index, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("health-backup") / "backup"
    index.backup(good_index, target)
    return target


def answers(ix) -> list:
    return [[(r["doc_id"], r["title"]) for r in ix.search(q, per_page=20)["results"]] for q in QUERIES]


def the_segment(folder: Path) -> Path:
    return max(folder.glob("*.seg"), key=lambda p: p.stat().st_size)


def the_toc(folder: Path) -> Path:
    return max(folder.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))


def flip(path: Path, offset: int, length: int = 8) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        data = f.read(length)
        f.seek(offset)
        f.write(bytes(b ^ 0xFF for b in data))


def zero_page(path: Path, page: int) -> None:
    with open(path, "r+b") as f:
        f.seek(page * 4096)
        f.write(bytes(4096))


def halve(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


STORE = "documents.sqlite"
# name -> (what it does to a folder, whether the document store survives it: then reindex repairs)
DAMAGES = {
    "segment truncated": (lambda d: halve(the_segment(d)), True),
    "segment bytes flipped": (lambda d: flip(the_segment(d), the_segment(d).stat().st_size // 3), True),
    "segment deleted": (lambda d: the_segment(d).unlink(), True),
    "toc bytes flipped": (lambda d: flip(the_toc(d), 0, 16), True),
    "toc truncated": (lambda d: halve(the_toc(d)), True),
    "toc deleted": (lambda d: the_toc(d).unlink(), True),
    "store page zeroed": (lambda d: zero_page(d / STORE, 1), False),
    "store bytes flipped": (lambda d: flip(d / STORE, 4096 * 2, 64), False),
    "store truncated": (lambda d: halve(d / STORE), False),
    "store deleted": (lambda d: (d / STORE).unlink(), False),
}


def damaged_copy(good: Path, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name.replace(" ", "-")
    shutil.copytree(good, folder, ignore=shutil.ignore_patterns("*.lock", "*-shm", "*-wal"))
    DAMAGES[name][0](folder)
    return folder


def refused_or_right(folder: Path, expected: list) -> None:
    """No search on a damaged index returns a wrong document: it raises, or answers as the good one."""
    try:
        ix = index.SearchIndex(folder)
        got = answers(ix)
    except index.IndexProblem:
        return
    assert got == expected


def test_check_passes_a_good_index_and_a_backup(good_index, good_backup):
    report = index.check(good_index)
    assert report.ok and report.documents >= 15, report.text()
    backup = index.check(good_backup)
    assert backup.ok and backup.documents == report.documents
    assert json.loads((good_backup / "format.json").read_text())["analyzer"] == health.fingerprint()["analyzer"]


@pytest.mark.parametrize("name", list(DAMAGES))
def test_every_damage_is_detected_refused_and_never_a_wrong_answer(name, good_index, tmp_path, monkeypatch):
    from search_service import server
    from search_service.server import serve

    monkeypatch.setattr(server.GunicornServer, "run", lambda self: pytest.fail("serve started on a damaged index"))

    expected = answers(index.SearchIndex(good_index))
    folder = damaged_copy(good_index, tmp_path, name)
    report = index.check(folder)
    assert report.damaged and not report.ok, (name, report.text())
    assert str(folder) in report.text()
    assert index.check(folder, full=False).damaged, "the quick check that serve runs finds it too"
    assert serve(folder, CORPUS, "127.0.0.1", 0, 1, build=False) == 4
    refused_or_right(folder, expected)


@pytest.mark.parametrize("name", ["segment bytes flipped", "store page zeroed"])
def test_reindex_or_restore_brings_back_the_last_good_state(name, good_index, good_backup, tmp_path):
    repair_and_compare(name, good_index, good_backup, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DAMAGES))
def test_every_damage_is_refused_by_the_real_serve_and_repaired(name, good_index, good_backup, tmp_path):
    import subprocess

    from test_service_server import CLI, free_port

    folder = damaged_copy(good_index, tmp_path / "served", name)
    done = subprocess.run([str(CLI), "serve", "--index", str(folder), "--port", str(free_port())],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 4 and "已启动" not in done.stderr and "Traceback" not in done.stderr
    assert str(folder) in done.stderr
    repair_and_compare(name, good_index, good_backup, tmp_path)


def repair_and_compare(name, good_index, good_backup, tmp_path):
    expected = answers(index.SearchIndex(good_index))
    folder = damaged_copy(good_index, tmp_path, name)
    store_survives = DAMAGES[name][1]
    if store_survives:
        index.reindex(folder, progress=False)
    else:
        with pytest.raises(index.IndexDamaged, match="restore"):
            index.reindex(folder, progress=False)
        index.restore(good_backup, folder, progress=False)
    assert index.check(folder).ok
    assert answers(index.SearchIndex(folder)) == expected


def test_an_index_of_another_version_says_how_to_rebuild(good_index, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(good_index, folder, ignore=shutil.ignore_patterns("*.lock"))
    record = json.loads((folder / "format.json").read_text())
    (folder / "format.json").write_text(json.dumps({**record, "dictionary": "0123456789ab"}))
    with pytest.raises(index.IndexOutdated, match="词典.*safety-search reindex"):
        index.SearchIndex(folder)
    with pytest.raises(index.IndexOutdated):
        index.add_documents(folder, batch()[:1])
    assert index.check(folder).outdated
    index.reindex(folder, progress=False)
    assert index.check(folder).ok
    assert json.loads((folder / "format.json").read_text())["dictionary"] == health.fingerprint()["dictionary"]


def test_reindex_swaps_while_an_open_reader_keeps_answering(good_index, tmp_path):
    folder = tmp_path / "live"
    shutil.copytree(good_index, folder, ignore=shutil.ignore_patterns("*.lock"))
    reader = index.SearchIndex(folder)
    before = answers(reader)
    swapped = threading.Event()
    seen = []

    def search_meanwhile():
        while not swapped.is_set():
            seen.append(answers(reader))

    thread = threading.Thread(target=search_meanwhile)
    thread.start()
    try:
        index.reindex(folder, progress=False)
    finally:
        swapped.set()
        thread.join()
    assert seen and all(s == before for s in seen)
    assert answers(reader) == before            # the reader followed the swap to the new folder
    assert reader._folder == os.stat(folder).st_ino


def test_backup_of_a_live_index_holds_exactly_one_commit(tmp_path):
    backups_taken = backup_under_load(tmp_path, docs=20, searchers=4)
    assert backups_taken >= 2


@pytest.mark.slow
def test_backup_of_a_live_index_under_a_long_http_load(tmp_path):
    assert backup_under_load(tmp_path, docs=120, searchers=4, over_http=True) >= 5


def backup_under_load(tmp_path: Path, docs: int, searchers: int, over_http: bool = False) -> int:
    """Back up again and again while an ingest commits every 10 documents and `searchers` clients
    search (threads with their own SearchIndex, or connections to a running server)."""
    import subprocess
    import urllib.request

    from test_service_server import CLI, free_port, stop as stop_server, wait_healthy

    folder = tmp_path / "index"
    everything = batch()
    index.add_documents(folder, everything[:10])
    server = None
    if over_http:
        port = free_port()
        server = subprocess.Popen([str(CLI), "serve", "--index", str(folder), "--port", str(port)],
                                  env={**os.environ, "SAFETY_SEARCH_RATE_LIMIT": "off"},
                                  # to a file: an unread pipe fills with the access log and stalls the server
                                  stdout=open(tmp_path / "server.log", "w"), stderr=subprocess.STDOUT, text=True)
        wait_healthy(server, port)
    ingest = start_ingest(folder, 10, docs)
    stop, errors = threading.Event(), []

    def search():
        ix = None if over_http else index.SearchIndex(folder)
        while not stop.is_set():
            try:
                if over_http:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=%E6%96%87%E4%BB%B6",
                                                timeout=10) as response:
                        assert response.status == 200
                else:
                    ix.search("文件", filters={"year_from": 2000})
            except Exception as exc:     # collected: the load must not fail either
                errors.append(repr(exc))
            stop.wait(0.005)             # four clients, not four threads starving the rest of the GIL

    threads = [threading.Thread(target=search) for _ in range(searchers)]
    for t in threads:
        t.start()
    snapshots = []
    try:
        while ingest.poll() is None or not snapshots:
            target = tmp_path / f"backup-{len(snapshots)}"
            index.backup(folder, target)
            snapshots.append(target)
            stop.wait(0.3)               # leave the cores to the ingest between backups
    finally:
        stop.set()
        for t in threads:
            t.join()
        ingest.wait(60)
        if server is not None:
            stop_server(server)
    assert ingest.returncode == 0 and errors == []
    order = [d["doc_id"] for d in everything]
    for snapshot in snapshots:
        assert index.check(snapshot).ok
        present = committed_doc_ids(snapshot)
        assert len(present) % 10 == 0 and set(present) == set(order[:len(present)]), snapshot
        assert index.SearchIndex(snapshot).stats()["documents"] > 0
    return len(snapshots)


def test_a_writer_that_waited_through_a_swap_locks_the_new_folder(tmp_path):
    import time

    from index.maintenance import _exchange
    from index.writing import LOCK_FILE, writer_lock

    folder, new = tmp_path / "index", tmp_path / "new"
    new.mkdir()
    (new / LOCK_FILE).touch()
    outcome = {}

    def second_writer():
        with writer_lock(folder, timeout=10):
            try:     # while it holds the lock, nobody may lock the folder now at that path
                with writer_lock(folder, timeout=0):
                    outcome["locked twice"] = True
            except index.IndexLocked:
                outcome["exclusive"] = True

    with writer_lock(folder):
        waiter = threading.Thread(target=second_writer)
        waiter.start()
        time.sleep(0.3)
        _exchange(new, folder)            # what reindex and restore do while holding the lock
    waiter.join(10)
    assert outcome == {"exclusive": True}


def test_an_ingest_into_an_index_whose_toc_is_gone_keeps_the_documents(good_index, tmp_path):
    folder = damaged_copy(good_index, tmp_path, "toc deleted")
    stored = len(committed_rows(folder))
    with pytest.raises(index.IndexDamaged, match="reindex"):
        index.add_documents(folder, batch()[:1])
    assert len(committed_rows(folder)) == stored, "no document was swept as uncommitted"
    index.reindex(folder, progress=False)
    assert index.check(folder).documents == stored


def committed_rows(folder: Path) -> list:
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(folder / STORE)) as db:
        return db.execute("SELECT doc_id FROM documents").fetchall()


@pytest.mark.parametrize("name", ["segment bytes flipped", "segment deleted"])
def test_no_writer_starts_on_damaged_whoosh_files(name, good_index, tmp_path):
    folder = damaged_copy(good_index, tmp_path, name)
    stored = len(committed_rows(folder))
    with pytest.raises(index.IndexDamaged):
        index.add_documents(folder, batch()[:1])
    with pytest.raises(index.IndexDamaged):
        index.remove(folder, "0123456789abcdef")
    assert len(committed_rows(folder)) == stored


@pytest.fixture
def fresh_fingerprint():
    """health.fingerprint recomputed under the test's patches, and again after them."""
    health.fingerprint.cache_clear()
    yield
    health.fingerprint.cache_clear()


def test_code_that_writes_the_same_postings_keeps_old_indexes_usable(tmp_path):
    """An upgrade that only reorganises the analyzer's and schema's code does not ask for a reindex."""
    root = Path(index.__file__).parent.parent
    for package in ("index", "ingest"):
        shutil.copytree(root / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("analysis.py", "schema.py"):
        with open(tmp_path / "index" / name, "a", encoding="utf-8") as source:
            source.write("\n# a comment added by an upgrade\n")
    upgraded = subprocess.run(
        [sys.executable, "-c", "import json; from index import health; print(json.dumps(health.fingerprint()))"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, check=True)
    assert json.loads(upgraded.stdout) == health.fingerprint()


def test_a_change_of_the_written_tokens_or_positions_asks_for_a_reindex(good_index, monkeypatch, fresh_fingerprint):
    from index import analysis, schema

    add_words = analysis.add_word_positions

    def short_words_only(text, start, positions):
        last = add_words(text, start, positions)
        for word in [w for w in positions if len(w) >= 4]:
            del positions[word]
        return last
    monkeypatch.setattr(analysis, "add_word_positions", short_words_only)
    with pytest.raises(index.IndexOutdated, match="分词不同.*safety-search reindex"):
        index.SearchIndex(good_index)
    monkeypatch.undo()
    health.fingerprint.cache_clear()
    monkeypatch.setattr(schema, "encode_positions", lambda positions: bytes(len(positions)))
    with pytest.raises(index.IndexOutdated, match="分词不同"):
        index.SearchIndex(good_index)
    monkeypatch.undo()
    health.fingerprint.cache_clear()
    monkeypatch.setattr(schema, "TITLE_BOOST", 2.0)
    with pytest.raises(index.IndexOutdated, match="索引结构"):
        index.SearchIndex(good_index)


def test_an_index_of_an_earlier_version_is_outdated_not_damaged_and_reindexes(good_index, tmp_path):
    folder = tmp_path / "earlier"
    shutil.copytree(good_index, folder, ignore=shutil.ignore_patterns("*.lock"))
    (folder / "format.json").unlink()        # what an index built before format versions looks like
    (folder / "checksums.txt").unlink()
    report = index.check(folder)
    assert report.outdated and not report.damaged, report.text()
    with pytest.raises(index.IndexOutdated, match="更早的版本"):
        index.SearchIndex(folder)
    expected = answers(index.SearchIndex(good_index))
    outcome = index.reindex(folder, progress=False)
    assert outcome.note == "" and index.check(folder).ok
    assert answers(index.SearchIndex(folder)) == expected


def test_a_backup_whose_copy_differs_from_the_commit_is_refused_and_leaves_nothing(good_index, tmp_path,
                                                                                 monkeypatch):
    from index import maintenance

    real_copy = shutil.copyfileobj

    def copy_with_a_bad_sector(source, out, length=0):
        real_copy(source, out, length)
        if out.name.endswith(".seg"):
            out.seek(out.tell() // 2)
            out.write(b"\0" * 16)

    monkeypatch.setattr(maintenance.shutil, "copyfileobj", copy_with_a_bad_sector)
    target = tmp_path / "backup"
    with pytest.raises(index.IndexDamaged, match="备份未通过检查"):
        index.backup(good_index, target)
    assert not target.exists() and not list(tmp_path.glob(".backup.*")), "no half backup stays behind"
