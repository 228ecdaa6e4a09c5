"""Writing the index: incremental ingest, replacement, removal, near-duplicate groups, one writer.

Crash safety rests on ordering: a batch's store rows are committed to SQLite first, then Whoosh
commits (atomically: a new TOC file is renamed into place). Whoosh decides what exists, so a writer
killed between the two commits leaves only invisible store rows, swept by the next ingest.
"""
from __future__ import annotations

import errno
import fcntl
import os
import sqlite3
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3Codec

from . import health
from .health import LOCK_FILE, open_index
from .postings import FastSegmentWriter, ParallelWriter, PostingsCodec
from .ranking import paragraph_words
from .schema import whoosh_fields
from .store import DocumentStore, decode_signature, encode_signature

LOCK_TIMEOUT = 30.0          # seconds a second writer waits (the CLI passes SAFETY_SEARCH_LOCK_TIMEOUT)
# Documents per commit: bounds the work a crash can lose (10,000 documents are ~300,000 paragraphs,
# under two minutes of ingest), and sets the size of segments: each commit writes one per sub-writer,
# so bench_ingest's 1,000,000 paragraphs (28,496 documents) end in 6 segments with no merge. At 2,000
# a commit they made 18 segments by the 9th commit, and the 10th merged them in the parent process
# while both cores waited (over 18 minutes at load 10; the run was stopped there).
COMMIT_EVERY = 10_000
WRITER_PROCS = min(2, os.cpu_count() or 1)
MERGE_AT_SEGMENTS = 16       # commits leave segments alone until there are this many
# what ingest.metadata decides: a document re-ingested with the same text but other values is rewritten
METADATA_KEYS = ("title_source", "year", "year_source", "published", "region", "level", "doc_type", "topics",
                 "evidence")


class IndexLocked(RuntimeError):
    """Another ingest holds the writer lock; str(exc) is the Chinese message for the user."""


# --- the one writer ------------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe_holder(pid_text: str) -> str:
    """"PID 123：safety-search ingest corpus/" — who holds the lock, as far as /proc tells."""
    if not pid_text.isdigit():
        return "PID 未知"
    try:
        argv = Path(f"/proc/{pid_text}/cmdline").read_bytes().split(b"\0")
        words = [Path(a.decode(errors="replace")).name if i < 2 else a.decode(errors="replace")
                 for i, a in enumerate(argv) if a]
        if words and words[0].startswith("python") and len(words) > 1:
            words = words[1:]
        command = " ".join(words)[:120]
    except OSError:
        command = ""
    return f"PID {pid_text}" + (f"：{command}" if command else "")


def _open_lock(path: Path, timeout: float, on_wait) -> int:
    """An fd holding the flock on `path`, the file now at that path (a reindex or restore may have
    swapped the folder while we waited: then the lock we got guards the old folder, so try again)."""
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = describe_holder(os.pread(fd, 32, 0).decode(errors="replace").strip())
                    if time.monotonic() >= deadline:
                        raise IndexLocked(
                            f"索引 {path.parent} 正由另一个写入进程（{holder}）使用；"
                            f"等待 {timeout:g} 秒（SAFETY_SEARCH_LOCK_TIMEOUT）后仍未释放，请等它结束后再试") from None
                    if on_wait and not waited:
                        on_wait(f"索引 {path.parent} 正由另一个写入进程（{holder}）使用，"
                                f"等待它结束（最多 {timeout:g} 秒）……")
                    waited = True
                    time.sleep(0.1)
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


@contextmanager
def writer_lock(index_dir: Path, timeout: float = LOCK_TIMEOUT, on_wait=None):
    """Hold the index's writer lock; yields the PID of a dead writer whose stale lock was cleared.

    The lock is an flock (released by the kernel when its holder dies, even by kill -9) on a file
    that also records the holder's PID, so a lock left by a killed writer is recognised and cleared.
    `on_wait(message)` is called once when another writer holds the lock and this one starts waiting.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_FILE
    fd = _open_lock(path, timeout, on_wait)
    try:
        previous = os.pread(fd, 32, 0).decode(errors="replace").strip()
        stale = int(previous) if previous.isdigit() and int(previous) != os.getpid() \
            and not _pid_alive(int(previous)) else None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield stale
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# TOCs written before 2026-12-01 name their codec index.writing._Codec (postings.ON_DISK_NAMES).
_Codec = PostingsCodec


def _codec() -> W3Codec:
    return _Codec()


def new_writer(ix):
    """The Whoosh writer of every commit: parallel sub-writers where there are cores."""
    if WRITER_PROCS > 1:
        # limitmb: a sub-writer's pool past it spills a run of term lists to disk (cheap: a term
        # at a time); 512 MB holds ~60,000 paragraphs.
        return ParallelWriter(ix, procs=WRITER_PROCS, batchsize=16, multisegment=True, codec=_codec(),
                               limitmb=512)
    return FastSegmentWriter(ix, codec=_codec(), limitmb=256)


# --- the summary ---------------------------------------------------------------------------------

@dataclass
class IngestSummary:
    files: int = 0
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    duplicates: int = 0          # exact copies skipped + near-duplicates filed as copies
    removed: int = 0             # documents a changed file no longer holds, taken out of the index
    skipped: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)
    problems: list[str] = field(default_factory=list)   # bad crawl-dump lines, replaced bytes: named, not fatal
    stale_lock: int | None = None
    commits: int = 0
    unchanged_files: int = 0     # not parsed again: same bytes, same cleaner
    paragraphs: int = 0          # paragraphs of the documents cleaned
    seconds: float = 0.0
    index_bytes: int = 0

    def report(self) -> str:
        removed = f"，移除 {self.removed} 篇（改动后的文件中已没有）" if self.removed else ""
        lines = [f"导入完成：{self.files} 个文件；新增 {self.added} 篇，替换 {self.replaced} 篇{removed}，"
                 f"未变 {self.unchanged} 篇，重复 {self.duplicates} 篇，跳过 {len(self.skipped)} 个文件"]
        if self.stale_lock:
            lines.insert(0, f"已清除被中断的导入进程（PID {self.stale_lock}）留下的写锁")
        if self.seconds:
            rate = self.paragraphs / max(self.seconds, 1e-6)
            unchanged = f"，{self.unchanged_files} 个文件未变、未重新解析" if self.unchanged_files else ""
            lines.append(f"用时 {self.seconds:.1f} 秒，{self.paragraphs} 段（{rate:,.0f} 段/秒）{unchanged}"
                         f"，索引共 {self.index_bytes / 2**20:.1f} MB")
        lines += [f"  跳过 {name}：{reason}" for name, reason in self.skipped]
        lines += [f"  注意 {problem}" for problem in self.problems]
        return "\n".join(lines)


# --- one ingest session ----------------------------------------------------------------------------

def _add_paragraph_words(doc: dict) -> None:
    """Run by the ingest's cleaning processes on each document (batch.clean_units' `finish`)."""
    doc["own_words"] = paragraph_words(doc)


def _paragraph_words(doc: dict) -> str:
    """The document's ranking.paragraph_words for the store (from the cleaning processes; here when absent)."""
    return doc.get("own_words") or paragraph_words(doc)


def _signature(doc: dict) -> np.ndarray:
    """The document's MinHash signature (ingest.dedup's fingerprint; computed here when absent)."""
    from ingest.dedup import signature

    return np.asarray(doc.get("signature") or signature(doc), dtype=np.uint64)


def _same_source(a: str | None, b: str | None) -> bool:
    """Equal sources, or two spellings of one local file (corpus/x.txt and /abs/corpus/x.txt)."""
    if a == b:
        return True
    if not a or not b or "://" in a or "://" in b:
        return False
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, ValueError):
        return False


def check_document(doc) -> str | None:
    """Why `doc` does not follow the clean-document contract, or None when it does."""
    if not isinstance(doc, dict):
        return "不是文档字典"
    if not isinstance(doc.get("doc_id"), str) or not doc["doc_id"]:
        return "缺少 doc_id"
    paragraphs = doc.get("paragraphs")
    if not isinstance(paragraphs, list) or not paragraphs:
        return "没有正文段落"
    for p in paragraphs:
        if not isinstance(p, dict) or not isinstance(p.get("n"), int) or p["n"] < 1 \
                or not isinstance(p.get("text"), str):
            return "段落格式不对（需要 n 与 text）"
    return None


class _Session:
    """Adds, replaces and removes documents; commits every `commit_every` changed documents."""

    def __init__(self, index_dir: Path, summary: IngestSummary, commit_every: int = COMMIT_EVERY,
                 on_commit=None):
        self.index_dir = index_dir
        self.summary = summary
        self.commit_every = commit_every
        self.on_commit = on_commit
        self.ix = open_index(index_dir, create=True)
        # damaged Whoosh files could name the wrong documents as committed, and the sweep below
        # would then delete good ones: verify before trusting them
        health.FileVerifier(index_dir).verify(self.ix.latest_generation())
        self.store = DocumentStore(index_dir)
        with self.ix.reader() as reader:
            committed = {fields["doc_id"] for fields in reader.all_stored_fields()}
        stored = self.store.all_doc_ids()
        self.store.delete(stored - committed)   # rows of a batch whose Whoosh commit never happened
        self.store.commit()
        rows = self.store.placements()
        self.sources = {doc_id: row["source"] for doc_id, row in rows.items()}   # what is committed
        self.groups = {doc_id: row["group_id"] for doc_id, row in rows.items()}
        self.seq = self.store.next_seq()
        self.near = None
        self.group_seq: dict[str, int] = {}
        for row in rows.values():
            group = row["group_id"]
            self.group_seq[group] = min(row["seq"], self.group_seq.get(group, row["seq"]))
        self.writer = None
        self.pending = 0
        self.deleted_rows: list[str] = []

    # near-duplicate groups
    def _near_duplicates(self):
        if self.near is None:
            from ingest.dedup import NearDuplicates

            self.near = NearDuplicates()
            for doc_id, blob in self.store.signatures():
                if doc_id in self.groups:
                    self.near.add(doc_id, decode_signature(blob))
        return self.near

    def _group_of(self, doc_id: str, sig: np.ndarray) -> str:
        """The group of an indexed near-duplicate (the oldest such group), else a new group."""
        copies = [d for d in self._near_duplicates().add(doc_id, sig) if d in self.groups]
        return min((self.groups[d] for d in copies), default=doc_id, key=lambda g: self.group_seq.get(g, 0))

    # writing
    def _writer(self):
        if self.writer is None:
            self.writer = new_writer(self.ix)
        return self.writer

    def _delete(self, doc_id: str) -> None:
        self._writer().delete_by_term("doc_id", doc_id)
        self.sources.pop(doc_id, None)
        self.groups.pop(doc_id, None)
        self.deleted_rows.append(doc_id)

    def add_source(self, docs: list[tuple[dict, np.ndarray]]) -> None:
        """Bring the index in line with the documents now read from one source."""
        new_ids = {doc["doc_id"] for doc, _ in docs}
        sources = {doc.get("source") for doc, _ in docs if doc.get("source")}
        # through the store's source index, not a scan of every indexed document per source (quadratic:
        # a crawl dump is one source per document); rows deleted in this session are no longer in sources
        stale = [d for d in self.store.doc_ids_of_sources(sources) if d in self.sources and d not in new_ids]
        replacing = len(stale)
        for doc_id in stale:
            self._delete(doc_id)
            self.pending += 1
        for doc, sig in docs:
            doc_id = doc["doc_id"]
            if doc_id in self.sources:
                if _same_source(self.sources[doc_id], doc.get("source")):
                    if self._metadata_changed(doc):
                        self._refresh(doc, sig)
                    else:
                        self.summary.unchanged += 1
                else:
                    self.summary.duplicates += 1   # same content already indexed from elsewhere
                continue
            group = self._group_of(doc_id, sig)
            self.group_seq.setdefault(group, self.seq)
            self.store.put(doc, self.seq, group, encode_signature(sig), _paragraph_words(doc))
            self._writer().add_document(**whoosh_fields(doc))
            self.seq += 1
            self.sources[doc_id] = doc.get("source")
            self.groups[doc_id] = group
            self.pending += 1
            if replacing:
                replacing -= 1
                self.summary.replaced += 1
            elif group != doc_id:
                self.summary.duplicates += 1
            else:
                self.summary.added += 1
        self.summary.removed += replacing
        if self.pending >= self.commit_every:
            self.commit()

    def unchanged_file(self, path: Path, sha256: str | None, cleaner: str) -> bool:
        """True (and counted) when `path` was ingested with these bytes and this cleaner and all its
        documents are still committed."""
        recorded = self.store.input_file(_file_key(path)) if sha256 else None
        if not recorded or recorded[:2] != (sha256, cleaner) or not all(d in self.sources for d in recorded[2]):
            return False
        self.summary.unchanged += len(recorded[2])
        self.summary.unchanged_files += 1
        return True

    def _metadata_changed(self, doc: dict) -> bool:
        """Whether an unchanged text now gets other metadata (an upgrade of the describer)."""
        stored = self.store.get(doc["doc_id"]) or {}
        return any(stored.get(key) != doc.get(key) for key in METADATA_KEYS)

    def _refresh(self, doc: dict, sig: np.ndarray) -> None:
        """Rewrite a document whose text is unchanged but whose metadata is not, in place (same group, seq)."""
        doc_id = doc["doc_id"]
        seq, group = self.store.seq_and_group(doc_id)
        self._writer().delete_by_term("doc_id", doc_id)
        self._writer().add_document(**whoosh_fields(doc))
        self.store.put(doc, seq, group, encode_signature(sig), _paragraph_words(doc))
        self.pending += 1
        self.summary.replaced += 1

    def remove(self, doc_id: str) -> bool:
        if doc_id not in self.sources:
            return False
        self.store.forget_input_files_of(doc_id)
        self._delete(doc_id)
        self.pending += 1
        return True

    def commit(self) -> None:
        if self.writer is None:
            return
        self.store.commit()
        # Merging rewrites earlier segments' postings in this one process; during a bulk ingest
        # that dominated commit time, so segments are merged only once there are many of them.
        self.writer.commit(merge=len(self.writer.segments) >= MERGE_AT_SEGMENTS)
        self.writer = None
        health.record_checksums(self.index_dir)
        self.pending = 0
        self.summary.commits += 1
        # Rows of deleted documents go only after Whoosh forgot them.
        self.store.delete(self.deleted_rows)
        self.store.commit()
        self.deleted_rows = []
        if self.on_commit:
            self.on_commit(self.summary)

    def close(self, ok: bool) -> None:
        """Commit (ok) or abandon what is pending. A commit that fails is abandoned too: a sub-writer
        left waiting for documents kept the process from ever exiting (a full disk at the last commit)."""
        try:
            if ok:
                self.commit()
        except BaseException:
            ok = False
            raise
        finally:
            if not ok and self.writer is not None:
                self.writer.cancel()
                self.store.rollback()
            self.store.close()


# --- the public writing functions ------------------------------------------------------------------

def _by_source(docs):
    """Consecutive documents of one source, as lists (a crawl dump yields several)."""
    run, source = [], object()
    for doc in docs:
        doc_source = doc.get("source") if isinstance(doc, dict) else None
        if run and doc_source != source:
            yield run
            run = []
        source = doc_source
        run.append(doc)
    if run:
        yield run


@contextmanager
def _session(index_dir: Path, summary: IngestSummary, lock_timeout: float, on_wait=None, **options):
    try:
        with writer_lock(Path(index_dir), lock_timeout, on_wait) as stale:
            summary.stale_lock = stale
            session = _Session(Path(index_dir), summary, **options)
            ok = False
            try:
                yield session
                ok = True
            finally:
                session.close(ok)
    except sqlite3.OperationalError as exc:
        # SQLite says a full disk in its own words; callers name a full disk by its errno
        if getattr(exc, "sqlite_errorname", None) == "SQLITE_FULL":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(index_dir)) from exc
        raise


def _checked(docs, name: str, summary: IngestSummary) -> list[dict]:
    good = []
    for i, doc in enumerate(docs):
        problem = check_document(doc)
        if problem:
            label = doc.get("source") if isinstance(doc, dict) and doc.get("source") else f"{name}#{i + 1}"
            summary.skipped.append((str(label), problem))
        else:
            good.append(doc)
    return good


def add_documents(index_dir: Path, docs, *, commit_every: int = COMMIT_EVERY, on_commit=None,
                  lock_timeout: float = LOCK_TIMEOUT, on_wait=None) -> IngestSummary:
    """Index clean document dicts (the ingest contract); documents of one source replace its old ones.

    `on_commit(summary)` is called after every commit (the crash test listens to it); `on_wait(message)`
    when another writer holds the lock.
    """
    summary = IngestSummary()
    with _session(index_dir, summary, lock_timeout, on_wait, commit_every=commit_every, on_commit=on_commit) as s:
        for run in _by_source(docs):
            run = _checked(run, "文档", summary)
            if run:
                s.add_source([(doc, _signature(doc)) for doc in run])
    return summary


def ingest_paths(paths, index_dir: Path, progress: bool = True, *, commit_every: int = COMMIT_EVERY,
                 on_commit=None, lock_timeout: float = LOCK_TIMEOUT, workers: int | None = None,
                 on_wait=None, on_progress=None) -> IngestSummary:
    """Clean and index files and folders, with a progress bar and a summary; bad files are skipped.

    Files are cleaned by `workers` processes (default: every core) and indexed in input order, so the
    result does not depend on `workers`. A file whose bytes and cleaner are unchanged since it was
    last ingested is not parsed again. `on_wait(message)` when another writer holds the lock;
    `on_progress(files_done, files, documents, seconds)`, when given, is called once the writer lock
    is held and after each file (an upload job reports it on its page).
    """
    import ingest
    from ingest import batch

    summary = IngestSummary()
    files = []
    for path, reason in ingest.iter_input_files([Path(p) for p in paths]):
        if reason:
            summary.skipped.append((str(path), reason))
        else:
            files.append(path)
    summary.files = len(files) + len(summary.skipped)
    started = time.monotonic()
    with _session(index_dir, summary, lock_timeout, on_wait, commit_every=commit_every, on_commit=on_commit) as s:
        cleaner = batch.cleaner_fingerprint()
        hashes = {path: batch.file_sha256(path) for path in files}
        todo = [path for path in files if not s.unchanged_file(path, hashes[path], cleaner)]
        changed_sites = {ingest.site_of(path) for path in todo}
        furniture = ingest.site_furniture([path for path in files if ingest.site_of(path) in changed_sites])
        work = [unit for path in todo for unit in batch.units(path)]
        bar = _Progress(work, summary.files, summary.unchanged_files + len(summary.skipped), progress, on_progress)
        file_docs, file_bad = [], 0
        for result in batch.clean_units(work, furniture, workers or batch.default_workers(), _add_paragraph_words):
            unit = result.unit
            summary.problems += result.problems
            docs = _checked(result.docs, str(unit.path), summary)
            for run in _by_source(docs):
                s.add_source([(doc, _signature(doc)) for doc in run])
            file_docs += [doc["doc_id"] for doc in docs]
            file_bad += result.bad_lines
            summary.paragraphs += sum(len(doc["paragraphs"]) for doc in docs)
            if unit.last:
                if result.skip or not file_docs:
                    summary.skipped.append((str(unit.path), result.skip or (
                        f"没有可用的记录（{file_bad} 行有问题）" if file_bad else "没有可用的文档")))
                elif hashes[unit.path]:
                    s.store.put_input_file(_file_key(unit.path), hashes[unit.path], cleaner, file_docs)
                file_docs, file_bad = [], 0
            bar.advance(unit, len(docs))
        bar.close()
    summary.seconds = time.monotonic() - started
    summary.index_bytes = _folder_bytes(Path(index_dir))
    return summary


def _file_key(path: Path) -> str:
    return str(Path(path).resolve())


def _folder_bytes(folder: Path) -> int:
    return sum(entry.stat().st_size for entry in folder.iterdir() if entry.is_file())


class _Progress:
    """The ingest's progress bar: bytes of input cleaned (so a large dump moves too), files, documents/s, ETA."""

    def __init__(self, work, n_files: int, done_files: int, enabled: bool, report=None):
        from tqdm import tqdm

        self.n_files, self.done_files, self.docs, self.report = n_files, done_files, 0, report
        self.started = time.monotonic()
        self.bar = tqdm(total=sum(unit.size for unit in work), desc="导入", unit="B", unit_scale=True,
                        unit_divisor=1024, disable=not enabled, file=sys.stderr)
        self._postfix()

    def _postfix(self):
        rate = self.docs / max(time.monotonic() - self.started, 1e-6)
        self.bar.set_postfix_str(f"{self.done_files}/{self.n_files} 文件，{self.docs} 篇，{rate:.1f} 篇/秒",
                                 refresh=False)
        if self.report:
            self.report(self.done_files, self.n_files, self.docs, time.monotonic() - self.started)

    def advance(self, unit, n_docs: int) -> None:
        self.docs += n_docs
        self.done_files += unit.last
        self._postfix()
        self.bar.update(unit.size)

    def close(self) -> None:
        self.bar.close()


def remove(index_dir: Path, doc_id: str, *, lock_timeout: float = LOCK_TIMEOUT, on_wait=None) -> bool:
    """Delete one document; False when the index does not hold it, IndexMissing when there is no index."""
    open_index(Path(index_dir))          # IndexMissing / IndexDamaged before anything is created
    summary = IngestSummary()
    with _session(index_dir, summary, lock_timeout, on_wait) as s:
        return s.remove(doc_id)
