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
from conftest import CORPUS, ROOT

COMMIT_EVERY = 15

# The child ingests the same documents every time, in the same order, and says when a commit is done.
CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    import index
    from test_crash import batch
    def said(summary):
        print("COMMIT", summary.added, flush=True)
    index.add_documents({index_dir!r}, batch(), commit_every={every}, on_commit=said, lock_timeout=30)
    print("DONE", flush=True)
""")


def batch() -> list[dict]:
    """120 documents of 6 paragraphs drawn from the bundled corpus, numbered."""
    from conftest import make_doc

    lines = [line.strip() for path in sorted(CORPUS.iterdir())
             for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 15]
    docs = []
    for i in range(120):
        rng = random.Random(i)
        paras = [f"第{i}号文件"] + rng.sample(lines, 5)
        docs.append(make_doc(f"安全生产文件第{i}号", paras, source=f"crash/{i:04d}.txt", year=2000 + i % 25))
    return docs


def run_and_kill(index_dir: Path, delay: float) -> tuple[int, bool]:
    """Start the child ingest, kill -9 it after `delay` s; (documents of its last reported commit, finished)."""
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
    words = " ".join(lines).split()
    added = [int(words[i + 1]) for i, w in enumerate(words) if w == "COMMIT" and i + 1 < len(words)]
    return (added[-1] if added else 0), "DONE" in words


def committed_doc_ids(index_dir: Path) -> list[str]:
    if not (index_dir / "documents.sqlite").exists():
        return []
    ix = index.SearchIndex(index_dir)
    _, table, _ = ix._current()
    return [d for d in table.doc_ids[table.live]]


def check_after_kill(index_dir: Path, reported: int, finished: bool) -> int:
    docs = batch()
    present = committed_doc_ids(index_dir)
    assert len(present) == len(set(present)), "a document is indexed twice"
    # The kill may land after a commit but before its line was printed: then one more commit is there.
    allowed = {reported, min(reported + COMMIT_EVERY, len(docs))}
    if finished:
        allowed = {len(docs)}
    assert len(present) in allowed, (len(present), allowed)
    assert set(present) == {d["doc_id"] for d in docs[:len(present)]}
    if present:
        ix = index.SearchIndex(index_dir)
        for q in ("安全生产", '"安全生产"', "文件 -会议", "第3号"):
            ix.search(q)
        assert ix.search("", per_page=1)["total"] == len(present)
        assert ix.stats()["documents"] == len(present)
    return len(present)


def crash_loop(tmp_path: Path, kills: int, seed: int) -> None:
    rng = random.Random(seed)
    index_dir = tmp_path / "index"
    for _ in range(kills):
        reported, finished = run_and_kill(index_dir, rng.uniform(0.3, 2.5))
        present = check_after_kill(index_dir, reported, finished)
        if finished or present == len(batch()):
            break
    summary = index.add_documents(index_dir, batch(), commit_every=COMMIT_EVERY)
    assert summary.added + summary.unchanged + summary.duplicates == len(batch())
    assert sorted(committed_doc_ids(index_dir)) == sorted(d["doc_id"] for d in batch())
    assert not list(index_dir.glob("*.tmp")) and (index_dir / "ingest.lock").read_text() == ""


def test_kill_during_ingest_keeps_the_last_commit(tmp_path):
    crash_loop(tmp_path, kills=3, seed=1)


@pytest.mark.slow
def test_kill_during_ingest_many_times(tmp_path):
    rng = random.Random(2)
    for round_ in range(5):  # five fresh indexes, killed again and again while they grow
        crash_loop(tmp_path / str(round_), kills=5, seed=rng.random())
