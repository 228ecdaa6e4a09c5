"""Rebuilding, backing up and restoring an index folder, each finished by one atomic swap.

`reindex` and `restore` build the new folder beside the old one and swap the two with one
rename(2) (RENAME_EXCHANGE where the kernel has it): a running service answers from the old files
until the swap and then follows (SearchIndex notices the folder changed). `backup` copies one
commit of a live index without stopping readers or the writer.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import sqlite3
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from . import health
from .health import IndexDamaged, IndexMissing
from .schema import make_schema, whoosh_fields
from .ranking import paragraph_words, words_are_current
from .store import STORE_FILE, add_missing_columns, decode_body, decode_words, encode_words
from .writing import COMMIT_EVERY, LOCK_FILE, LOCK_TIMEOUT, MERGE_AT_SEGMENTS, new_writer, writer_lock

BACKUP_ATTEMPTS = 50        # a commit landing mid-copy makes the backup start again from the newer one
AT_FDCWD, RENAME_EXCHANGE = -100, 2


@dataclass
class Outcome:
    index_dir: Path
    documents: int
    generation: int
    seconds: float
    note: str = ""


@contextmanager
def _building(target: Path, purpose: str):
    """A fresh folder path beside `target` (same file system, so a rename can swap them) to build in;
    whatever stands there is deleted if the block fails, so a failed build leaves nothing behind."""
    target = Path(os.path.abspath(target))
    work = target.with_name(f".{target.name}.{purpose}-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _exchange(new: Path, target: Path) -> Path | None:
    """Put folder `new` at `target` at once; returns where the old folder went (to delete), if any."""
    if not target.exists():
        os.rename(new, target)
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None and renameat2(AT_FDCWD, os.fsencode(new), AT_FDCWD, os.fsencode(target),
                                           RENAME_EXCHANGE) == 0:
        return new
    # no RENAME_EXCHANGE here: two renames, leaving the folder absent for a moment
    aside = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, aside)
    os.rename(new, target)
    return aside


def _swap_in(work: Path, target: Path) -> None:
    """Put the finished folder `work` at `target` and delete the old one."""
    old = _exchange(work, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _committed_ids(index_dir: Path, verify: bool = True) -> set[str] | None:
    """doc_ids of the newest Whoosh commit, None when the Whoosh files cannot be read (or, with
    `verify`, fail their checksums)."""
    try:
        generation = health.latest_generation(index_dir)
        if generation < 0:
            return None
        if verify and (index_dir / health.CHECKSUM_FILE).exists():   # absent in an index of an earlier version
            health.FileVerifier(index_dir).verify(generation)
        with whoosh_index.open_dir(str(index_dir)).reader() as reader:
            return {fields["doc_id"] for fields in reader.all_stored_fields()}
    except Exception:   # damaged Whoosh files are exactly what a reindex repairs
        return None


def _copy_store(source: Path, target: Path) -> None:
    """A consistent copy of a (possibly live) SQLite store through SQLite's backup API."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)          # one step: one read transaction, one snapshot
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        src.close()
        dst.close()


def _verify_store(path: Path, index_dir: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = db.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as exc:
        verdict = [(str(exc),)]
    finally:
        db.close()
    if verdict != [("ok",)]:
        raise IndexDamaged(f"索引 {index_dir} 的文档库已损坏（{health.sqlite_findings(verdict)}），无法从中重建："
                           f"{health.restore_advice(index_dir)}")


# --- reindex -----------------------------------------------------------------------------------------

def reindex(index_dir: Path, progress: bool = True, lock_timeout: float = LOCK_TIMEOUT, on_wait=None) -> Outcome:
    """Rebuild the Whoosh index from the stored clean documents (with this version's schema, analyzer
    and dictionary) and swap it in; the store rows (ingest order, near-duplicate groups) are kept."""
    from tqdm import tqdm

    index_dir = Path(index_dir)
    store = index_dir / STORE_FILE
    if not store.exists():
        if not index_dir.is_dir() or not any(index_dir.iterdir()):
            raise IndexMissing(f"索引目录 {index_dir} 中没有索引，无从重建：先运行 safety-search ingest 语料目录 --index {index_dir}")
        raise IndexDamaged(f"索引 {index_dir} 缺少文档库 {STORE_FILE}，无法重建：{health.restore_advice(index_dir)}")
    started = time.monotonic()
    with writer_lock(index_dir, lock_timeout, on_wait):
        _verify_store(store, index_dir)
        committed = _committed_ids(index_dir)
        with _building(index_dir, "reindex") as work:
            work.mkdir()
            (work / LOCK_FILE).touch()
            health.write_format(work)
            _copy_store(store, work / STORE_FILE)
            db = sqlite3.connect(work / STORE_FILE)
            if committed is not None:   # rows of an interrupted batch stay out, as they were
                _keep_only(db, committed)
            total = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
            ix = whoosh_index.create_in(str(work), make_schema())
            writer, pending = new_writer(ix), 0
            with tqdm(total=total, desc="重建", unit="篇", disable=not progress, file=sys.stderr) as bar:
                for doc in _documents_with_words(db):
                    writer.add_document(**whoosh_fields(doc))
                    pending += 1
                    bar.update()
                    if pending >= COMMIT_EVERY:
                        writer.commit(merge=len(writer.segments) >= MERGE_AT_SEGMENTS)
                        writer, pending = new_writer(ix), 0
            writer.commit()
            db.commit()
            db.close()
            health.record_checksums(work)
            report = health.check(work, full=False)
            if not report.ok:
                raise IndexDamaged(f"重建的索引未通过检查：{report.text()}")
            _swap_in(work, index_dir)
    note = "" if committed is not None else "原检索索引无法读取，已按文档库中的全部文档重建"
    return Outcome(index_dir, total, health.latest_generation(index_dir), time.monotonic() - started, note)


REINDEX_ROWS = 500      # documents read at a time (their bodies are decoded in memory together)


def _documents_with_words(db: sqlite3.Connection):
    """The stored documents in ingest order, writing the paragraph words (ranking.paragraph_words) of
    those stored without them or cut by another rule: a store written before them gains them here.
    Read in runs of REINDEX_ROWS, so no statement is stepping while the rows are updated."""
    add_missing_columns(db)
    after = (-1, -1)
    while True:
        rows = db.execute("SELECT seq, rowid, body, words FROM documents WHERE (seq, rowid) > (?, ?) "
                          "ORDER BY seq, rowid LIMIT ?", (*after, REINDEX_ROWS)).fetchall()
        if not rows:
            return
        updates = []
        for seq, rowid, body, blob in rows:
            doc = decode_body(body)
            if not words_are_current(decode_words(blob)):
                updates.append((encode_words(paragraph_words(doc)), rowid))
            yield doc
        db.executemany("UPDATE documents SET words = ? WHERE rowid = ?", updates)
        after = rows[-1][:2]


# --- backup and restore ------------------------------------------------------------------------------

def backup(index_dir: Path, destination: Path) -> Outcome:
    """Copy one commit of the index at `index_dir` (readers and a writer may be running) to a new
    folder `destination`; the copy passes `check`."""
    index_dir, destination = Path(index_dir), Path(destination)
    started = time.monotonic()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise FileExistsError(f"备份目录 {destination} 已存在且不是空目录：请换一个新目录")
    report = health.check(index_dir, full=False)
    if report.damaged or report.missing:    # an outdated index is backed up as it is
        raise report.problem()
    with _building(destination, "partial") as work:
        work.mkdir(parents=True)
        generation = _copy_one_commit(index_dir, work)
        (work / LOCK_FILE).touch()
        copied = health.check(work, full=True)
        if not copied.ok:
            raise IndexDamaged(f"备份未通过检查：{copied.text()}")
        if destination.exists():
            destination.rmdir()
        os.rename(work, destination)
    return Outcome(destination, copied.documents, generation, time.monotonic() - started)


def _copy_one_commit(index_dir: Path, work: Path) -> int:
    """Whoosh files of one generation (opened before the store is copied, so a commit deleting them
    cannot take them away) and a store snapshot taken while that generation was still the newest."""
    for _ in range(BACKUP_ATTEMPTS):
        generation = health.latest_generation(index_dir)
        files = {}
        try:
            for name in health.generation_files(index_dir, generation):
                files[name] = open(index_dir / name, "rb")
            sums = health.read_checksums(index_dir)   # before a commit can drop these files' entries
        except (FileNotFoundError, IndexDamaged):
            for f in files.values():
                f.close()
            if health.latest_generation(index_dir) != generation:
                continue            # a commit replaced them while we looked
            raise
        try:
            _copy_store(index_dir / STORE_FILE, work / STORE_FILE)
            if health.latest_generation(index_dir) != generation:
                (work / STORE_FILE).unlink()
                continue            # the store may already miss rows of this generation
            for name, f in files.items():
                with open(work / name, "wb") as out:
                    shutil.copyfileobj(f, out, health.CHUNK)
        finally:
            for f in files.values():
                f.close()
        shutil.copy2(index_dir / health.FORMAT_FILE, work / health.FORMAT_FILE)
        sums = {**health.read_checksums(index_dir), **sums}   # entries the writer recorded meanwhile, too
        # the source's checksums: backup()'s full check of the copy proves the copies are what was committed
        health.write_checksums(work, {name: sums[name] for name in files if name in sums})
        _drop_uncommitted_rows(work)
        health.record_checksums(work)                    # files the source had not yet recorded
        return generation
    raise IndexDamaged(f"索引 {index_dir} 提交过于频繁，{BACKUP_ATTEMPTS} 次都未能复制到同一次提交：请稍后再试")


def _drop_uncommitted_rows(index_dir: Path) -> None:
    """Store rows of documents the copied commit does not hold go (a copy too damaged to read keeps
    them: the check that follows names the damage)."""
    committed = _committed_ids(index_dir, verify=False)
    if committed is None:
        return
    db = sqlite3.connect(index_dir / STORE_FILE)
    try:
        _keep_only(db, committed)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _keep_only(db: sqlite3.Connection, doc_ids: set[str]) -> None:
    """Delete (and commit) the store rows of documents not in `doc_ids`."""
    stored = {r[0] for r in db.execute("SELECT doc_id FROM documents")}
    db.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in stored - doc_ids])
    db.commit()


def restore(source: Path, index_dir: Path, progress: bool = True, lock_timeout: float = LOCK_TIMEOUT,
            on_wait=None) -> Outcome:
    """Replace the index at `index_dir` by the backup at `source` (checked first); a backup made by
    another version is rebuilt with this version's analyzer after the swap."""
    source, index_dir = Path(source), Path(index_dir)
    started = time.monotonic()
    report = health.check(source, full=True)
    if report.missing:
        raise IndexMissing(f"{source} 不存在或其中没有索引备份：请检查备份目录的路径（备份由 safety-search backup 生成）")
    if report.damaged:
        raise IndexDamaged(f"备份 {source} 已损坏，未恢复：{'；'.join(report.damaged)}")
    with _building(index_dir, "restore") as work:
        shutil.copytree(source, work, ignore=shutil.ignore_patterns("*.lock", "*-shm", "*-wal", "MAIN_WRITELOCK"))
        (work / LOCK_FILE).touch()
        with writer_lock(index_dir, lock_timeout, on_wait):
            _swap_in(work, index_dir)
    note = ""
    if report.outdated:
        reindex(index_dir, progress=progress, lock_timeout=lock_timeout, on_wait=on_wait)
        note = "备份由另一版本建立，已按当前版本重建检索索引"
    return Outcome(index_dir, report.documents, health.latest_generation(index_dir),
                   time.monotonic() - started, note)
