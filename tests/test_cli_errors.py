"""Ordinary mistakes on the command line end in a Chinese message naming the path or setting, with the
exit status the README lists (0 ok, 1 partial, 2 usage/setting, 3 no index/locked, 4 damaged,
5 other version, 6 cannot write, 7 cannot serve), never a traceback (unless --debug)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import index
from conftest import CORPUS
from index.writing import writer_lock
from search_service.cli import main

CLI = Path(sys.executable).parent / "safety-search"


@pytest.fixture
def run(capsys, monkeypatch):
    """Run `safety-search ARGS` in this process: (exit status, stdout + stderr)."""
    for name in [n for n in os.environ if n.startswith("SAFETY_SEARCH_")]:
        monkeypatch.delenv(name)

    def run(*args, **env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        status = main([str(a) for a in args])
        out = capsys.readouterr()
        text = out.out + out.err
        assert "Traceback" not in text
        return status, text
    return run


@pytest.fixture
def copy(index_dir, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(index_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


def shell(*args, env=None) -> subprocess.CompletedProcess:
    """The real entry point, as a user runs it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SAFETY_SEARCH_")}
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, timeout=120,
                          env={**environ, **(env or {})})


def test_a_locked_index_says_it_waits_for_whom_then_stops(run, copy):
    held, release = threading.Event(), threading.Event()

    def hold():
        with writer_lock(copy):
            held.set()
            release.wait(20)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        status, text = run("ingest", CORPUS, "--index", copy, "--quiet", SAFETY_SEARCH_LOCK_TIMEOUT="0.5")
    finally:
        release.set()
        holder.join()
    assert status == 3
    assert f"PID {os.getpid()}" in text and "等待它结束（最多 0.5 秒）" in text
    assert "SAFETY_SEARCH_LOCK_TIMEOUT" in text and "请等它结束后再试" in text


def test_search_and_stats_where_there_is_no_index(run, tmp_path, monkeypatch):
    status, text = run("search", "安全", "--index", "/no/such/dir")
    assert status == 3 and "/no/such/dir" in text and "safety-search ingest" in text
    monkeypatch.chdir(tmp_path)               # the default var/index, run from another folder
    status, text = run("stats")
    assert status == 3
    assert str(tmp_path / "var" / "index") in text and "--index" in text and "SAFETY_SEARCH_INDEX" in text


def test_remove_on_a_missing_index_is_not_a_missing_document(run, tmp_path):
    status, text = run("remove", "5e87dec5b24023c1", "--index", tmp_path / "nothing")
    assert status == 3 and "没有索引" in text and "没有文档" not in text
    assert not (tmp_path / "nothing").exists()


def test_ingest_where_nothing_can_be_written(run):
    status, text = run("ingest", CORPUS, "--index", "/proc/idx", "--quiet")
    assert status == 6 and "/proc/idx" in text and "--index" in text


def read_only_mount(folder: Path) -> list[str] | None:
    """A command prefix that runs its command with `folder` mounted read-only (a private mount
    namespace), or None where that is impossible; root ignores file modes, so chmod is not enough."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return []
    if not shutil.which("unshare") or subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode:
        return None
    return ["unshare", "-rm", "sh", "-c",
            f'mount --bind "{folder}" "{folder}" && mount -o remount,bind,ro "{folder}" && exec "$0" "$@"']


def private_mount_available() -> bool:
    return bool(shutil.which("unshare")) and not subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode


@pytest.mark.skipif(not private_mount_available(), reason="no private mount namespace (unshare -rm) here")
def test_a_full_disk_keeps_the_last_commit_and_says_so(tmp_path):
    one = tmp_path / "one"
    index.ingest_paths([CORPUS.parent / "tests/data/service/xss_speech.txt"], one, progress=False)
    disk = tmp_path / "disk"
    disk.mkdir()
    folder = disk / "index"
    script = (f'mount -t tmpfs -o size=1500k tmpfs "{disk}" && cp -r "{one}" "{folder}" && '
              f'"{CLI}" ingest "{CORPUS}" --index "{folder}" --quiet; echo "status=$?"; '
              f'"{CLI}" check --index "{folder}"; echo "check=$?"')
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    assert "status=6" in done.stdout and "check=0" in done.stdout, done.stdout + done.stderr
    assert "磁盘已满" in done.stderr and str(folder) in done.stderr and "Traceback" not in done.stderr
    assert "1 篇文档" in done.stdout          # the first commit, whole


def test_a_read_only_index_searches_but_refuses_writes_clearly(copy):
    prefix = read_only_mount(copy)
    if prefix is None:
        pytest.skip("no way to mount a folder read-only here")
    for args, status in ((["ingest", CORPUS, "--quiet"], 6), (["remove", "0123456789abcdef"], 6),
                         (["search", "安全生产"], 0)):
        done = subprocess.run([*prefix, str(CLI), *map(str, args), "--index", str(copy)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == status, done.stderr
        assert "Traceback" not in done.stderr
        if status:
            assert "只读" in done.stderr and str(copy) in done.stderr
        else:
            assert "共" in done.stdout


@pytest.mark.parametrize("damage", ["store", "segment", "toc garbage", "toc deleted"])
def test_a_damaged_index_is_exit_4_naming_what_and_how_to_repair(run, copy, damage):
    if damage == "store":
        with open(copy / "documents.sqlite", "r+b") as f:
            f.seek(4096)
            f.write(bytes(8192))
    elif damage == "segment":
        segment = max(copy.glob("*.seg"), key=lambda p: p.stat().st_size)
        os.truncate(segment, segment.stat().st_size // 2)
    else:
        toc = max(copy.glob("_MAIN_*.toc"))
        if damage == "toc deleted":
            toc.unlink()
        else:
            toc.write_bytes(os.urandom(toc.stat().st_size))
    for args in (["search", "安全"], ["stats"], ["check"], ["serve", "--port", "0"]):
        status, text = run(*args, "--index", copy)
        assert status == 4, (args, text)
        assert str(copy) in text and ("restore" in text if damage == "store" else "reindex" in text)
    assert "已启动" not in text


def test_check_reindex_backup_restore_statuses(run, copy, tmp_path):
    assert run("check", "--index", copy)[0] == 0
    assert run("check", "--index", tmp_path / "none")[0] == 3
    status, text = run("backup", tmp_path / "backup", "--index", copy)
    assert status == 0 and "已通过检查" in text
    status, text = run("backup", tmp_path / "backup", "--index", copy)
    assert status == 2 and "已存在" in text
    record = json.loads((copy / "format.json").read_text())
    (copy / "format.json").write_text(json.dumps({**record, "schema": "0" * 12}))
    status, text = run("search", "安全", "--index", copy)
    assert status == 5 and "另一版本" in text and "safety-search reindex" in text
    assert run("check", "--index", copy)[0] == 5
    status, text = run("reindex", "--index", copy, "--quiet")
    assert status == 0 and "重建完成" in text
    assert run("check", "--index", copy)[0] == 0
    (tmp_path / "backup" / "documents.sqlite").unlink()
    status, text = run("restore", tmp_path / "backup", "--index", copy)
    assert status == 4 and "未恢复" in text
    assert run("check", "--index", copy)[0] == 0, "a refused restore leaves the index alone"


def test_serve_on_a_folder_without_an_index_stops_unless_told_to_build(run, tmp_path):
    status, text = run("serve", "--index", tmp_path / "typo", "--port", "0")
    assert status == 3 and "--build" in text and str(tmp_path / "typo") in text
    assert not (tmp_path / "typo").exists() and "已启动" not in text


def test_serve_on_a_taken_port_says_so_before_anything_started(run, copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, text = run("serve", "--index", copy, "--port", port)
    assert status == 7 and f"端口 {port} 已被占用" in text and "--port" in text
    assert "已启动" not in text and "gunicorn" not in text.lower()


@pytest.mark.parametrize("name, value", [("SAFETY_SEARCH_LOCK_TIMEOUT", "abc"), ("SAFETY_SEARCH_WORKERS", "x"),
                                         ("SAFETY_SEARCH_PORT", "80000"), ("SAFETY_SEARCH_RATE_LIMIT", "lots")])
def test_a_malformed_setting_is_exit_2_naming_it_for_every_command(run, copy, name, value):
    for args in (["stats", "--index", copy], ["search", "x", "--index", copy], ["clean", CORPUS / "none.txt"]):
        status, text = run(*args, **{name: value})
        assert status == 2 and name in text and value in text, text


def test_a_malformed_setting_does_not_crash_the_program_at_start():
    done = shell("stats", env={"SAFETY_SEARCH_WORKERS": "two"})
    assert done.returncode == 2 and "SAFETY_SEARCH_WORKERS" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors_are_exit_2_in_chinese(run, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["search"])
    assert exited.value.code == 2 and "用法有误" in capsys.readouterr().err


def test_debug_shows_the_traceback(run):
    with pytest.raises(index.IndexMissing):
        main(["search", "x", "--index", "/no/such/dir", "--debug"])


def test_the_progress_bar_counts_the_files_the_summary_counts(tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in CORPUS.glob("*.txt"):      # the five seeds (corpus/national/ holds the bundled laws)
        shutil.copy(seed, corpus)
    (corpus / "scan.pdf").write_bytes(b"%PDF-1.4")        # skipped before reading: unsupported suffix
    summary = index.ingest_paths([corpus], tmp_path / "index", progress=True)
    bar = capsys.readouterr().err
    assert summary.files == 6 and len(summary.skipped) == 1
    assert f"{summary.files}/{summary.files}" in bar


def test_serve_builds_the_default_folder_even_when_named(run, tmp_path, monkeypatch):
    from search_service import server

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(server.GunicornServer, "run", lambda self: None)     # up to the point of serving
    status, text = run("serve", "--index", "var/index", "--port", "0", "--corpus", CORPUS)
    assert status == 0 and "首次启动" in text and index.check(tmp_path / "var" / "index").ok
