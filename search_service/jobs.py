"""Upload jobs: the ingest of one upload, run in its own process, its state in a JSON file beside the files.

A job is a folder `<upload dir>/<job id>/` holding `files/` (what was accepted) and `job.json` (state,
progress, summary). Any worker of the service answers `GET /api/jobs/<id>` from that file, so it does not
matter which worker took the upload. The ingest runs as `python -m search_service.jobs <job dir> <index>`:
a process of its own (its forked cleaning pool never forks a threaded server worker), waiting for the
index's writer lock as long as it takes, so a second upload queues behind the first.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

JOB_ID = re.compile(r"[0-9a-f]{16}")
STATE_FILE = "job.json"
QUEUE_TIMEOUT = 6 * 3600        # an upload waits this long for the writer lock before it gives up


def read_state(job_dir: Path) -> dict | None:
    try:
        return json.loads((job_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_state(job_dir: Path, state: dict) -> None:
    """Replace job.json atomically: a reader sees the old state or the new, never half a file."""
    partial = job_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
    partial.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    partial.replace(job_dir / STATE_FILE)


def start(job_dir: Path, index_dir: Path) -> None:
    """Run the job's ingest in a new process; a thread reaps it so no zombie is left behind."""
    log = (job_dir / "ingest.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "search_service.jobs", str(job_dir), str(index_dir)],
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    log.close()
    threading.Thread(target=process.wait, daemon=True).start()


def run(job_dir: Path, index_dir: Path) -> int:
    import index

    state = read_state(job_dir) or {}
    state.update(state="queued", message="排队中：等待索引写锁（另一次导入结束后开始）")
    write_state(job_dir, state)
    last_write = [0.0]

    def progress(done: int, files: int, docs: int, seconds: float) -> None:
        now = time.monotonic()
        if state["state"] == "queued" or now - last_write[0] > 0.5 or done == files:
            rate = docs / seconds if seconds > 0 else 0.0
            eta = (files - done) * seconds / done if done else None
            state.update(state="running", message="正在导入", files_done=done, files=files, documents=docs,
                         documents_per_second=round(rate, 1), eta_seconds=round(eta, 1) if eta is not None else None)
            write_state(job_dir, state)
            last_write[0] = now

    try:
        summary = index.ingest_paths([job_dir / "files"], index_dir, progress=False,
                                     lock_timeout=QUEUE_TIMEOUT, on_progress=progress)
    except Exception as exc:  # noqa: BLE001 — the page must say what happened, whatever it was
        state.update(state="failed", message=f"导入失败：{exc}")
        write_state(job_dir, state)
        return 1
    state.update(
        state="done", message="导入完成", files_done=summary.files, files=summary.files, eta_seconds=0,
        summary={"added": summary.added, "replaced": summary.replaced, "unchanged": summary.unchanged,
                 "duplicates": summary.duplicates, "seconds": round(summary.seconds, 1),
                 "skipped": state.get("skipped_on_upload", []) + [
                     {"file": Path(path).name, "reason": reason}   # never the server path
                     for path, reason in summary.skipped]})
    write_state(job_dir, state)
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2])))
