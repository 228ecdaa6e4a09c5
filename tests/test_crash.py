"""Crash safety: kill -9 an ingest at random points; the index must hold exactly the last commit.

CI kills a few times; `pytest -m slow tests/test_crash.py` runs the long loop (25 kills).
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import index
from conftest import ROOT, batch, committed_doc_ids

COMMIT_EVERY = 15

# The child ingests the same documents every time, in the same order, and says when a commit is done.
CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import index
    from conftest import batch
    def said(summary):
        print("COMMIT", summary.added + summary.duplicates + summary.replaced, flush=True)
    index.add_documents({index_dir!r}, batch(), commit_every={every}, on_commit=said, lock_timeout=30)
    print("DONE", flush=True)
""")


def run_and_kill(index_dir: Path, delay: float) -> tuple[int, bool, bool]:
    """Start the child ingest, kill -9 it after `delay` s.

    Returns (documents of its last reported commit, whether it finished, whether it was killed
    while holding the writer lock, i.e. in the middle of writing)."""
    code = CHILD.format(tests=str(Path(__file__).parent), index_dir=str(index_dir), every=COMMIT_EVERY)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT,
                             start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(child.stdout), daemon=True)
    reader.start()
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)   # the ingest and its Whoosh sub-writers, at once
        child.wait()
    reader.join(5)
    lock = index_dir / "ingest.lock"
    writing = lock.exists() and lock.read_text() == str(child.pid)
    words = " ".join(lines).split()
    added = [int(words[i + 1]) for i, w in enumerate(words) if w == "COMMIT" and i + 1 < len(words)]
    return (added[-1] if added else 0), "DONE" in words, writing


def check_after_kill(index_dir: Path, before: int, reported: int, finished: bool) -> int:
    """`before`: documents committed before this run; `reported`: documents this run said it committed."""
    docs = batch()
    present = committed_doc_ids(index_dir)
    assert len(present) == len(set(present)), "a document is indexed twice"
    # The kill may land after a commit but before its line was printed: then one more commit is there.
    allowed = {before + reported, min(before + reported + COMMIT_EVERY, len(docs))}
    if finished:
        allowed = {len(docs)}
    assert len(present) in allowed, (len(present), allowed)
    assert set(present) == {d["doc_id"] for d in docs[:len(present)]}
    if present:
        ix = index.SearchIndex(index_dir)
        for q in ("安全生产", '"安全生产"', "文件 -会议", "第3号"):
            ix.search(q)
        stats = ix.stats()
        assert stats["documents"] + stats["copies"] == len(present)
        assert ix.search("", per_page=1)["total"] == stats["documents"]
    return len(present)


def crash_loop(tmp_path: Path, kills: int, seed: int) -> int:
    """Kill -9 ingests until `kills` of them were cut short; each time the index must hold a whole
    commit, and re-running must finish the batch without duplicates. Returns the ingests killed."""
    rng = random.Random(seed)
    killed, attempt, index_dir, present = 0, 0, tmp_path / "index-0", 0
    while killed < kills:
        attempt += 1
        reported, finished, writing = run_and_kill(index_dir, rng.uniform(0.5, 4.0))
        present = check_after_kill(index_dir, present, reported, finished)
        killed += writing and not finished
        if finished or present == len(batch()) or rng.random() < 0.25:
            finish_and_check(index_dir)
            index_dir, present = tmp_path / f"index-{attempt}", 0   # start over with an empty index
    finish_and_check(index_dir)
    return killed


def finish_and_check(index_dir: Path) -> None:
    summary = index.add_documents(index_dir, batch(), commit_every=COMMIT_EVERY)
    assert summary.added + summary.unchanged + summary.duplicates == len(batch())
    assert sorted(committed_doc_ids(index_dir)) == sorted(d["doc_id"] for d in batch())
    assert (index_dir / "ingest.lock").read_text() == ""


def test_kill_during_ingest_keeps_the_last_commit(tmp_path):
    assert crash_loop(tmp_path, kills=3, seed=1) == 3


@pytest.mark.slow
def test_kill_during_ingest_many_times(tmp_path):
    killed = crash_loop(tmp_path, kills=25, seed=2)
    print(f"\n{killed} ingests killed with kill -9; every time the index held exactly its last commit")
    assert killed == 25
