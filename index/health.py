"""Is the index whole? Format version, file checksums, and `check` (what `safety-search check` prints).

An index folder holds the Whoosh files (`_MAIN_<generation>.toc` naming the segment files of one
commit), the document store (`documents.sqlite`), `format.json` (fingerprints of the schema, the
analyzer and the dictionary the index was built with) and `checksums.txt` (CRC-32 and size of every
Whoosh file, written after each commit: Whoosh has no checksums of its own, and a flipped byte in a
posting list would otherwise return a wrong document rather than an error).

Whoosh's TOC and segment-file layout are internals: their names come from index/postings.py, the one
module relying on Whoosh internals (and refusing any Whoosh but 2.7.4).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
import uuid
import zlib
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from .postings import latest_toc_generation, read_toc as _read_toc, segment_file_prefix, toc_filename
from .store import STORE_FILE, decode_body

INDEX_NAME = "MAIN"
FORMAT_FILE = "format.json"
CHECKSUM_FILE = "checksums.txt"
WRITE_LOCK = "MAIN_WRITELOCK"        # Whoosh's own (unused) lock file
LOCK_FILE = "ingest.lock"            # the writer lock (index.writing.writer_lock)
FORMAT = 2                      # bump when the layout of the folder or its files changes (2: compressed
                                # store bodies, one-block postings inside term infos; an older program
                                # then asks for a reindex instead of misreading them)
PACKAGE = Path(__file__).parent
# What decides the postings an index holds is measured, not read from source files: the schema's
# fields, and the postings its formats make of a probe document (data/fingerprint_probe.txt: Simplified
# and Traditional text, full-width forms, numbers, Latin, spun and restored paragraphs). A change of the
# code that writes the same postings keeps old indexes usable; one that changes them asks for a reindex.
# The dictionary and the libraries count whole: words missing from the probe still change its tokens.
PROBE_FILE = PACKAGE / "data" / "fingerprint_probe.txt"
DICTIONARY_FILE = PACKAGE / "data" / "dictionary.txt"
ANALYZER_LIBRARIES = ("whoosh", "jieba", "rjieba", "opencc")
CHUNK = 1 << 20


class IndexProblem(RuntimeError):
    """The index cannot be used as it is; str(exc) is the Chinese message naming the folder and the fix."""


class IndexMissing(IndexProblem, FileNotFoundError):
    """No index in the folder."""


class IndexDamaged(IndexProblem):
    """Files of the index are unreadable, truncated, missing or fail their checksums."""


class IndexOutdated(IndexProblem):
    """The index was built by a version with another schema, analyzer or dictionary."""


def rebuild_advice(index_dir: Path) -> str:
    return f"请运行 safety-search reindex --index {index_dir} 从文档库重建检索索引（不需要原始文件）"


def restore_advice(index_dir: Path) -> str:
    return f"请用 safety-search restore 备份目录 --index {index_dir} 从备份恢复"


# --- format version ---------------------------------------------------------------------------------

@cache
def fingerprint() -> dict:
    """{"format", "schema", "analyzer", "dictionary"}: short hashes of what decides the index's postings."""
    from .schema import make_schema, whoosh_fields

    schema = make_schema()
    fields = whoosh_fields(_probe_document())
    described, postings = hashlib.sha256(), hashlib.sha256()
    for name in schema.names():
        field_type = schema[name]
        format_ = field_type.format
        described.update(repr((name, type(field_type).__name__, type(format_).__name__,
                               getattr(format_, "positions_format", None), format_.field_boost,
                               field_type.stored, field_type.unique, field_type.scorable,
                               [type(part).__name__ for part in getattr(field_type.analyzer, "items",
                                                                         [field_type.analyzer])])).encode())
        if hasattr(format_, "index_postings"):
            postings.update(repr((name, sorted(format_.index_postings(fields[name], field_type.analyzer)))).encode())
    for library in ANALYZER_LIBRARIES:
        postings.update(f"{library}={metadata.version(library)}".encode())
    return {"format": FORMAT, "schema": described.hexdigest()[:12], "analyzer": postings.hexdigest()[:12],
            "dictionary": hashlib.sha256(DICTIONARY_FILE.read_bytes()).hexdigest()[:12]}


def _probe_document() -> dict:
    """The probe as a clean document: a title line, then paragraphs; `原文：` marks a paragraph's restored text."""
    lines = [line for line in PROBE_FILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    paragraphs = []
    for line in lines[1:]:
        if line.startswith("原文：") and paragraphs:
            paragraphs[-1]["restored"] = line.removeprefix("原文：")
        else:
            paragraphs.append({"n": len(paragraphs), "text": line})
    return {"doc_id": "probe", "source": "probe", "title": lines[0], "title_scraped": lines[0] + "（转载）",
            "paragraphs": paragraphs}


def write_format(index_dir: Path) -> None:
    """Record this version's fingerprint (and a fresh index id) in a new index folder."""
    record = {**fingerprint(), "id": uuid.uuid4().hex, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    _write_atomically(Path(index_dir) / FORMAT_FILE, json.dumps(record, ensure_ascii=False, indent=1))
    if not (Path(index_dir) / CHECKSUM_FILE).exists():
        write_checksums(index_dir, {})


def read_format(index_dir: Path) -> dict:
    path = Path(index_dir) / FORMAT_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict):
            raise ValueError("不是 JSON 对象")
        return record
    except FileNotFoundError:
        raise IndexOutdated(f"索引 {index_dir} 没有版本记录（{FORMAT_FILE}），是由更早的版本建立的："
                            f"{rebuild_advice(index_dir)}") from None
    except (OSError, ValueError) as exc:
        raise IndexDamaged(f"索引 {index_dir} 的版本记录 {FORMAT_FILE} 无法读取（{exc}）："
                           f"{rebuild_advice(index_dir)}") from None


def check_format(index_dir: Path) -> None:
    """Raise IndexOutdated when the index was built with another schema, analyzer or dictionary."""
    record, current = read_format(index_dir), fingerprint()
    differing = [part for part in current if record.get(part) != current[part]]
    if differing:
        names = {"format": "目录格式", "schema": "索引结构", "analyzer": "分词", "dictionary": "词典"}
        raise IndexOutdated(f"索引 {index_dir} 由另一版本的程序建立（{'、'.join(names[p] for p in differing)}不同），"
                            f"不能直接使用：{rebuild_advice(index_dir)}")


# --- Whoosh files and their checksums --------------------------------------------------------------

# files whose changes say nothing about damage: locks, and SQLite's WAL side files
STATE_IGNORED = (LOCK_FILE, WRITE_LOCK)
STATE_IGNORED_SUFFIXES = ("-shm", "-wal", ".tmp")


def folder_state(index_dir: Path) -> str:
    """A digest that changes when any file of the index folder is replaced, rewritten or removed
    (the service re-checks a damaged index once it changed)."""
    digest = hashlib.sha256()
    try:
        digest.update(str(os.stat(index_dir).st_ino).encode())
        with os.scandir(index_dir) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name in STATE_IGNORED or entry.name.endswith(STATE_IGNORED_SUFFIXES):
                    continue
                st = entry.stat()
                digest.update(f"{entry.name}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns};".encode())
    except FileNotFoundError:
        return "missing"
    return digest.hexdigest()


def _storage(index_dir: Path) -> FileStorage:
    return FileStorage(str(index_dir), readonly=True)


def latest_generation(index_dir: Path) -> int:
    """The newest TOC generation in the folder, -1 when there is none."""
    try:
        return latest_toc_generation(_storage(index_dir), INDEX_NAME)
    except FileNotFoundError:
        return -1


def toc_name(generation: int) -> str:
    return toc_filename(INDEX_NAME, generation)


def read_toc(index_dir: Path, generation: int):
    """The TOC of one commit; IndexDamaged when it cannot be read."""
    try:
        return _read_toc(_storage(index_dir), INDEX_NAME, generation)
    except FileNotFoundError:
        raise
    except Exception as exc:   # Whoosh raises anything from EOFError to its own IndexError on garbage
        raise IndexDamaged(f"索引 {index_dir} 的目录文件 {toc_name(generation)} 无法读取"
                           f"（{type(exc).__name__}：{str(exc)[:120]}）：{rebuild_advice(index_dir)}") from None


def generation_files(index_dir: Path, generation: int, toc=None) -> list[str]:
    """The TOC file and every segment file of one commit."""
    toc = toc or read_toc(index_dir, generation)
    names = os.listdir(index_dir)
    files = [toc_name(generation)]
    for segment in toc.segments:
        prefix = segment_file_prefix(segment)
        own = sorted(n for n in names if n.startswith(prefix))
        if not own:
            raise IndexDamaged(f"索引 {index_dir} 缺少段文件 {segment.segment_id()}.*：{rebuild_advice(index_dir)}")
        files += own
    return files


def crc_of(path: Path) -> str:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
    return f"{crc:08x}"


def read_checksums(index_dir: Path) -> dict[str, tuple[str, int]]:
    """name -> (crc, size) from checksums.txt; IndexDamaged when the file is gone or garbled."""
    path = Path(index_dir) / CHECKSUM_FILE
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise IndexDamaged(f"索引 {index_dir} 缺少校验记录 {CHECKSUM_FILE}：{rebuild_advice(index_dir)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexDamaged(f"索引 {index_dir} 的校验记录 {CHECKSUM_FILE} 无法读取（{exc}）："
                           f"{rebuild_advice(index_dir)}") from None
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit():
            raise IndexDamaged(f"索引 {index_dir} 的校验记录 {CHECKSUM_FILE} 格式不对：{rebuild_advice(index_dir)}")
        sums[parts[2]] = (parts[0], int(parts[1]))
    return sums


def record_checksums(index_dir: Path) -> None:
    """After a commit (under the writer lock): checksums of the newest commit's files.

    Whoosh files never change once written, so a file already listed with its size keeps its entry.
    """
    index_dir = Path(index_dir)
    generation = latest_generation(index_dir)
    if generation < 0:
        return
    try:
        old = read_checksums(index_dir)
    except IndexDamaged:
        old = {}
    sums = {}
    for name in generation_files(index_dir, generation):
        size = (index_dir / name).stat().st_size
        sums[name] = (old[name][0] if name in old and old[name][1] == size else crc_of(index_dir / name), size)
    write_checksums(index_dir, sums)


def write_checksums(index_dir: Path, sums: dict[str, tuple[str, int]]) -> None:
    """checksums.txt from name -> (crc, size), the one writer of its `crc size name` lines."""
    _write_atomically(Path(index_dir) / CHECKSUM_FILE, "".join(f"{crc} {size} {name}\n"
                                                               for name, (crc, size) in sums.items()))


# Files found sound, by folder, for the process: a service worker forked after the master's warm-up
# does not read the whole index again to check it (0.5 s at 1,000,000 paragraphs).
_VERIFIED: dict[str, dict[str, tuple]] = {}


class FileVerifier:
    """Checks the files of a commit against checksums.txt, each file once a process per (inode, size, mtime)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._verified = _VERIFIED.setdefault(str(self.index_dir.resolve()), {})
        self._files: tuple[int, list[str]] = (-1, [])

    def verify(self, generation: int, toc=None) -> list[str]:
        """Raise IndexDamaged for a missing or altered file; returns files without a recorded checksum.

        Cheap when nothing changed (one stat per file), so readers call it before every query."""
        if generation is None or generation < 0:      # an empty index (Whoosh's EmptyReader) has no files
            return []
        if self._files[0] != generation:
            self._files = (generation, generation_files(self.index_dir, generation, toc))
        files = self._files[1]
        unrecorded = []
        sums = None
        for name in files:
            path = self.index_dir / name
            try:
                st = path.stat()
            except FileNotFoundError:
                raise IndexDamaged(f"索引 {self.index_dir} 缺少文件 {name}：{rebuild_advice(self.index_dir)}") from None
            identity = (st.st_ino, st.st_size, st.st_mtime_ns)
            if self._verified.get(name) == identity:
                continue
            if sums is None:
                sums = read_checksums(self.index_dir)
            if name not in sums:
                unrecorded.append(name)
                continue
            crc, size = sums[name]
            if st.st_size != size or crc_of(path) != crc:
                raise IndexDamaged(f"索引 {self.index_dir} 的文件 {name} 已损坏（"
                                   f"{'大小' if st.st_size != size else '校验和'}与提交时不符）：{rebuild_advice(self.index_dir)}")
            self._verified[name] = identity
        return unrecorded


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --- the check ---------------------------------------------------------------------------------------

@dataclass
class Report:
    index_dir: Path
    damaged: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    documents: int = 0
    generation: int = -1

    @property
    def ok(self) -> bool:
        return not (self.damaged or self.outdated or self.missing)

    def problem(self) -> IndexProblem | None:
        """The most serious finding as an exception (damage before version before absence)."""
        for kind, found in ((IndexDamaged, self.damaged), (IndexOutdated, self.outdated), (IndexMissing, self.missing)):
            if found:
                return kind("；".join(found))
        return None

    def text(self) -> str:
        if self.ok:
            lines = [f"索引 {self.index_dir} 完好：第 {self.generation} 次提交，{self.documents} 篇文档"]
        else:
            lines = [f"索引 {self.index_dir} 有问题："]
            lines += [f"  损坏：{m}" for m in self.damaged]
            lines += [f"  版本：{m}" for m in self.outdated]
            lines += [f"  缺失：{m}" for m in self.missing]
        lines += [f"  注意：{m}" for m in self.notes]
        return "\n".join(lines)


def check(index_dir: Path, full: bool = True) -> Report:
    """Verify an index. The quick check (`full=False`, run by `serve` at start and by the service after
    damage) reads the TOC, every segment file against its checksum and runs SQLite's quick_check;
    the full check also runs integrity_check and matches every Whoosh document with its stored text."""
    index_dir = Path(index_dir)
    report = Report(index_dir)
    if not index_dir.is_dir():
        report.missing.append(f"索引目录 {index_dir} 不存在：先运行 safety-search ingest 语料目录 --index {index_dir}")
        return report
    names = set(os.listdir(index_dir))
    generation = report.generation = latest_generation(index_dir)
    if generation < 0:
        # a store or segment files without a TOC are a damaged index; format.json alone is one whose
        # creation was interrupted, which the next ingest simply creates again
        if STORE_FILE in names or any(n.startswith(f"{INDEX_NAME}_") and n != WRITE_LOCK for n in names):
            report.damaged.append(f"索引 {index_dir} 缺少目录文件（_{INDEX_NAME}_*.toc）：{rebuild_advice(index_dir)}")
        else:
            report.missing.append(f"目录 {index_dir} 中没有索引：先运行 safety-search ingest 语料目录 --index {index_dir}")
            return report
    try:
        check_format(index_dir)
    except IndexDamaged as exc:
        report.damaged.append(str(exc))
    except IndexOutdated as exc:
        report.outdated.append(str(exc))
    whoosh_ids = _check_whoosh(index_dir, generation, report, full) if generation >= 0 else None
    _check_store(index_dir, report, full, whoosh_ids)
    return report


def _check_whoosh(index_dir: Path, generation: int, report: Report, full: bool) -> set[str] | None:
    from whoosh.index import FileIndex

    try:
        toc = read_toc(index_dir, generation)
        earlier_version = not (index_dir / FORMAT_FILE).exists() and not (index_dir / CHECKSUM_FILE).exists()
        # an index of an earlier version has no checksums to compare: its version is what is reported
        unrecorded = [] if earlier_version else FileVerifier(index_dir).verify(generation, toc)
        if unrecorded:
            report.notes.append(f"{len(unrecorded)} 个文件没有校验记录（上次导入可能被中断），下次导入时补记："
                                f"{'、'.join(unrecorded[:3])}")
        with FileIndex(_storage(index_dir), indexname=INDEX_NAME).reader() as reader:
            report.documents = reader.doc_count()
            if not full:
                return None
            return {fields["doc_id"] for fields in reader.all_stored_fields()}
    except IndexDamaged as exc:
        report.damaged.append(str(exc))
    except Exception as exc:   # unreadable segment contents: Whoosh has no error type of its own for them
        report.damaged.append(f"索引 {index_dir} 的段文件无法读取（{type(exc).__name__}：{str(exc)[:120]}）："
                              f"{rebuild_advice(index_dir)}")
    return None


def sqlite_findings(rows) -> str:
    """SQLite's integrity_check rows as one short line: the first finding and how many there were."""
    found = [line for row in rows for line in str(row[0]).splitlines() if line and not line.startswith("***")]
    if not found:
        return "未知问题"
    return found[0] + (f" 等 {len(found)} 处问题" if len(found) > 1 else "")


def _check_store(index_dir: Path, report: Report, full: bool, whoosh_ids: set[str] | None) -> None:
    path = index_dir / STORE_FILE
    if not path.exists():
        report.damaged.append(f"索引 {index_dir} 缺少文档库 {STORE_FILE}：{restore_advice(index_dir)}")
        return
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        report.damaged.append(f"文档库 {path} 无法打开（{exc}）：{restore_advice(index_dir)}")
        return
    try:
        verdict = db.execute("PRAGMA integrity_check(20)" if full else "PRAGMA quick_check(20)").fetchall()
        if verdict != [("ok",)]:
            report.damaged.append(f"文档库 {path} 已损坏（{sqlite_findings(verdict)}）：{restore_advice(index_dir)}")
            return
        if whoosh_ids is None:
            return
        bad, stored = 0, set()
        for doc_id, body in db.execute("SELECT doc_id, body FROM documents"):
            stored.add(doc_id)
            try:
                if decode_body(body).get("doc_id") != doc_id:
                    bad += 1
            except (ValueError, AttributeError):
                bad += 1
        without_text = whoosh_ids - stored
        if without_text:
            report.damaged.append(f"{len(without_text)} 篇已索引的文档在文档库中没有正文"
                                  f"（如 {sorted(without_text)[0]}）：{restore_advice(index_dir)}")
        if bad:
            report.damaged.append(f"文档库中 {bad} 篇文档的正文无法解析：{restore_advice(index_dir)}")
        leftover = stored - whoosh_ids
        if leftover:
            report.notes.append(f"文档库中有 {len(leftover)} 篇未提交的文档（导入被中断时留下），"
                                "检索时不显示，下次导入时清除")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            report.notes.append(f"文档库 {path} 正被写入，未能检查：请稍后再试")
        else:
            report.damaged.append(f"文档库 {path} 无法读取（{exc}）：{restore_advice(index_dir)}")
    except sqlite3.DatabaseError as exc:
        report.damaged.append(f"文档库 {path} 已损坏（{exc}）：{restore_advice(index_dir)}")
    finally:
        db.close()


# --- opening ---------------------------------------------------------------------------------------

def open_index(index_dir: Path, create: bool = False):
    """The Whoosh index in `index_dir` (created when `create` and absent).

    IndexMissing when there is none, IndexOutdated when it was built by another version,
    IndexDamaged when its files cannot be read."""
    from .schema import check_schema, make_schema   # schema.py imports this module

    index_dir = Path(index_dir)
    generation = latest_generation(index_dir)
    if generation < 0:
        # documents without a TOC: creating a new index here would sweep them all as uncommitted
        if (index_dir / STORE_FILE).exists():
            raise IndexDamaged(f"索引 {index_dir} 缺少目录文件（_MAIN_*.toc）：{rebuild_advice(index_dir)}")
        if not create:
            raise IndexMissing(f"目录 {index_dir} 中没有索引：先运行 safety-search ingest 语料目录 --index {index_dir}"
                               if index_dir.is_dir() else
                               f"索引目录 {index_dir} 不存在，没有索引：先运行 safety-search ingest 语料目录 --index {index_dir}，"
                               "或用 --index 指定已有的索引")
        index_dir.mkdir(parents=True, exist_ok=True)
        write_format(index_dir)   # before the TOC: an index never exists without its version
        ix = whoosh_index.create_in(str(index_dir), make_schema())
        record_checksums(index_dir)
        return ix
    check_format(index_dir)
    read_toc(index_dir, generation)   # a clear IndexDamaged for a garbled TOC
    try:
        ix = whoosh_index.open_dir(str(index_dir))
    except Exception as exc:   # the TOC vanished or changed between the two reads
        raise IndexDamaged(f"无法打开索引 {index_dir}（{type(exc).__name__}：{str(exc)[:120]}）："
                           f"{rebuild_advice(index_dir)}") from None
    try:
        check_schema(ix.schema, index_dir)
    except Exception:
        ix.close()
        raise
    return ix
