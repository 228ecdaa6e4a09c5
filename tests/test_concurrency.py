"""Readers keep answering while an ingest commits; a second ingest waits or stops with a clear message."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import index
from index.store import DocumentStore
from conftest import ROOT
from conftest import batch

INGEST = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import index
    from conftest import batch
    print("START", flush=True)

    def on_commit(summary):
        if {hold} and summary.commits == 1:   # keep the writer lock until the parent says GO
            print("HOLDING", flush=True)
            sys.stdin.readline()

    index.add_documents({index_dir!r}, batch()[{start}:{stop}], commit_every=10, on_commit=on_commit)
""")


def start_ingest(index_dir: Path, start: int, stop: int, hold: bool = False) -> subprocess.Popen:
    """An ingest in another process; with `hold`, it stops after its first commit, holding the
    writer lock, until a line reaches its stdin."""
    code = INGEST.format(tests=str(Path(__file__).parent), index_dir=str(index_dir), start=start, stop=stop,
                         hold=hold)
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                             stdin=subprocess.PIPE if hold else None, text=True)
    assert child.stdout.readline().strip() == "START"
    if hold:
        assert child.stdout.readline().strip() == "HOLDING"
    return child


def release(child: subprocess.Popen) -> None:
    if child.poll() is None:
        child.stdin.write("GO\n")
        child.stdin.flush()


def test_searches_answer_while_an_ingest_commits(tmp_path):
    docs = batch()
    index.add_documents(tmp_path, docs[:10])
    ix = index.SearchIndex(tmp_path)
    child = start_ingest(tmp_path, 10, 80)
    totals, generations, slowest = [], set(), 0.0
    try:
        while child.poll() is None:
            started = time.monotonic()
            result = ix.search("文件", filters={"year_from": 2000})
            ix.search('"安全生产"', sort="date")
            slowest = max(slowest, time.monotonic() - started)
            totals.append(result["total"])
            generations.add(ix.generation())
            time.sleep(0.05)
    finally:
        child.wait(60)
    assert child.returncode == 0
    assert slowest < 2.0
    assert totals == sorted(totals)                  # commits only ever add, readers see them in order
    assert len(generations) > 2                      # several commits were seen mid-ingest
    stats = ix.stats()
    assert stats["documents"] + stats["copies"] == 80


def test_a_second_ingest_waits_for_the_first(tmp_path):
    child = start_ingest(tmp_path, 0, 60, hold=True)
    waits = []

    def on_wait(message):   # called once this writer found the lock held: only then may the first go on
        waits.append(message)
        release(child)

    try:
        summary = index.add_documents(tmp_path, batch()[60:80], lock_timeout=60, on_wait=on_wait)
    finally:
        release(child)
        child.wait(60)
    assert child.returncode == 0
    assert len(waits) == 1 and f"PID {child.pid}" in waits[0] and "等待它结束" in waits[0]
    assert summary.added + summary.duplicates == 20
    # the second ingest wrote only after the first had finished: its documents come after all 60
    seq = {doc_id: row["seq"] for doc_id, row in DocumentStore(tmp_path).placements().items()}
    first, second = [seq[d["doc_id"]] for d in batch()[:60]], [seq[d["doc_id"]] for d in batch()[60:80]]
    assert max(first) < min(second)
    stats = index.SearchIndex(tmp_path).stats()
    assert stats["documents"] + stats["copies"] == 80


def test_a_second_ingest_stops_with_a_clear_message(tmp_path):
    child = start_ingest(tmp_path, 0, 80, hold=True)
    try:
        with pytest.raises(index.IndexLocked) as caught:
            index.add_documents(tmp_path, batch()[80:90], lock_timeout=0.2)
        assert f"PID {child.pid}" in str(caught.value) and "请等它结束后再试" in str(caught.value)
    finally:
        release(child)
        child.wait(60)
    assert child.returncode == 0
    stats = index.SearchIndex(tmp_path).stats()
    assert stats["documents"] + stats["copies"] == 80


def test_threads_share_one_search_index(search_index):
    import threading

    queries = ["安全生产", '"烟花爆竹"', "消防 OR 防火", "隐患排查 -会议"]
    expected = {q: search_index.search(q)["results"] for q in queries}
    errors = []

    def work(q):
        try:
            for _ in range(10):
                assert search_index.search(q)["results"] == expected[q]
                search_index.stats()
        except Exception as exc:  # collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(q,)) for q in queries for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
