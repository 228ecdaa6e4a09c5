"""Readers keep answering while an ingest commits; a second ingest waits or stops with a clear message."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import index
from conftest import ROOT
from conftest import batch

INGEST = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import index
    from conftest import batch
    print("START", flush=True)
    index.add_documents({index_dir!r}, batch()[{start}:{stop}], commit_every=10)
""")


def start_ingest(index_dir: Path, start: int, stop: int) -> subprocess.Popen:
    code = INGEST.format(tests=str(Path(__file__).parent), index_dir=str(index_dir), start=start, stop=stop)
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "START"
    return child


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
    child = start_ingest(tmp_path, 0, 60)
    time.sleep(0.5)
    try:
        summary = index.add_documents(tmp_path, batch()[60:80], lock_timeout=60)
    finally:
        child.wait(60)
    assert summary.added + summary.duplicates == 20
    stats = index.SearchIndex(tmp_path).stats()
    assert stats["documents"] + stats["copies"] == 80


def test_a_second_ingest_stops_with_a_clear_message(tmp_path):
    child = start_ingest(tmp_path, 0, 80)
    time.sleep(0.5)
    try:
        with pytest.raises(index.IndexLocked) as caught:
            index.add_documents(tmp_path, batch()[80:90], lock_timeout=0.2)
        assert f"PID {child.pid}" in str(caught.value) and "请等它结束后再试" in str(caught.value)
    finally:
        child.wait(60)
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
