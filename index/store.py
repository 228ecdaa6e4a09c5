"""The document store: display text and metadata of every document, in SQLite beside the Whoosh files.

Whoosh holds only what is searched; this holds what is shown. Whoosh is the authority on which
documents exist: a row whose doc_id is not in the committed Whoosh index (left by a writer killed
between the two commits) is invisible to readers and is overwritten or swept by the next ingest.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import zlib
from pathlib import Path

import numpy as np
import orjson
import zstandard

STORE_FILE = "documents.sqlite"
# The clean document is stored as zstd-compressed JSON (a BLOB): the JSON was a third of the index
# (30 MB of 85 at 100,000 paragraphs) and compressed it is 3.1 times smaller. Every search reads
# the page's ten documents, so inflating them counts: measured on the 2,829 stored documents of a
# 100,000-paragraph ingest (25.3 MB of JSON), zstd level 3 gives 8.1 MB and 29 µs a document to
# inflate (69 to compress), zlib level 6, used before, 7.6 MB and 70 µs (285 to compress), lz4 10.7 MB
# and 8 µs; zstd keeps the index as small and takes 40 µs off each document read.
# Rows written before (zlib, or JSON TEXT) still read, and take the new form when rewritten. Read
# with orjson: json.loads took 90 µs of the 170 a document cost (16 KB of JSON at 1,000,000
# paragraphs), orjson 50; the same dictionaries.
BODY_LEVEL = 3
_zstd = threading.local()       # zstandard's (de)compressors must not be shared between threads

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT,
    seq INTEGER NOT NULL,          -- ingest order; the earliest copy of a group is preferred
    group_id TEXT NOT NULL,        -- near-duplicate group (doc_id of its first member)
    year INTEGER, published TEXT, province TEXT, city TEXT, county TEXT,
    level TEXT, doc_type TEXT, topics TEXT, restored INTEGER, n_paragraphs INTEGER,
    truncated INTEGER, length INTEGER,
    signature BLOB,                -- MinHash signature: encode_signature
    body TEXT NOT NULL,            -- the clean document as zstd-compressed JSON (a BLOB; zlib or TEXT JSON in old rows)
    town TEXT,                     -- added with issue 10; older stores gain it on the next ingest
    words BLOB                     -- ranking.paragraph_words, zstd-compressed; older stores gain it too
);
CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
CREATE TABLE IF NOT EXISTS input_files (
    path TEXT PRIMARY KEY,         -- resolved path of an ingested input file
    sha256 TEXT NOT NULL,          -- its bytes: an unchanged file is not parsed again
    cleaner TEXT NOT NULL,         -- fingerprint of the ingest code and data that cleaned it
    doc_ids TEXT NOT NULL          -- JSON list of the documents it gave
);
"""

FACET_COLUMNS = ("doc_id", "source", "seq", "group_id", "year", "published", "province", "city", "county",
                 "town", "level", "doc_type", "topics", "restored", "n_paragraphs", "truncated", "length")


def _codec(kind: str):
    codec = getattr(_zstd, kind, None)
    if codec is None:
        codec = zstandard.ZstdCompressor(level=BODY_LEVEL) if kind == "compressor" else zstandard.ZstdDecompressor()
        setattr(_zstd, kind, codec)
    return codec


def encode_body(doc: dict) -> bytes:
    # OPT_NON_STR_KEYS: keys as json.dumps writes them
    return _codec("compressor").compress(orjson.dumps(doc, option=orjson.OPT_NON_STR_KEYS))


def decode_body(value: bytes | str) -> dict:
    """The clean document of a stored body (zstd; zlib or JSON text in rows written before).

    Raises ValueError (zstd or zlib errors, orjson.JSONDecodeError) for a damaged one."""
    if isinstance(value, bytes):
        try:
            value = _codec("decompressor").decompress(value) if value.startswith(zstandard.FRAME_HEADER) \
                else zlib.decompress(value)    # a zlib stream begins with 0x78
        except (zstandard.ZstdError, zlib.error) as exc:
            raise ValueError(f"压缩正文无法解开（{exc}）") from None
    return orjson.loads(value)


def encode_words(words: str) -> bytes:
    """A document's paragraph words (ranking.paragraph_words) as stored in the words column."""
    return _codec("compressor").compress(words.encode())


def decode_words(blob: bytes | None) -> str | None:
    """The paragraph words of a words column, None when there are none or they are unreadable (ranking
    then cuts the paragraphs: a damaged one costs time, not an answer)."""
    if blob is None:
        return None
    try:
        return _codec("decompressor").decompress(blob).decode()
    except (zstandard.ZstdError, UnicodeDecodeError, TypeError):
        return None


SIGNATURE_32 = 4     # first byte of a signature stored as 32-bit values (a 64-bit one is a multiple of 8 long)


def encode_signature(signature) -> bytes:
    """A MinHash signature (numpy uint64) as stored: its values fit 32 bits (ingest.dedup keeps the low 32
    bits of each hash), so 4 bytes each after a marker byte, half of the 64-bit form written before."""
    if len(signature) and int(signature.max()) >> 32:
        return signature.astype("<u8").tobytes()
    return bytes([SIGNATURE_32]) + signature.astype("<u4").tobytes()


def decode_signature(blob: bytes) -> np.ndarray:
    if len(blob) % 8 == 1 and blob[0] == SIGNATURE_32:
        return np.frombuffer(blob, dtype="<u4", offset=1).astype(np.uint64)
    return np.frombuffer(blob, dtype="<u8").astype(np.uint64)


def columns_of(db: sqlite3.Connection) -> set[str]:
    """The columns of the documents table (a store written by an older version lacks some)."""
    return {name for (name,) in db.execute("SELECT name FROM pragma_table_info('documents')")}


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Give a store written before them the columns added since (towns, paragraph words)."""
    columns = columns_of(db)
    for name, kind in (("town", "TEXT"), ("words", "BLOB")):
        if name not in columns:
            db.execute(f"ALTER TABLE documents ADD COLUMN {name} {kind}")


class DocumentStore:
    def __init__(self, index_dir: Path, readonly: bool = False):
        self.path = Path(index_dir) / STORE_FILE
        self._local = threading.local()
        self.readonly = readonly
        if not readonly:
            with self._connect() as db:
                db.executescript(SCHEMA)
                add_missing_columns(db)

    def _connect(self) -> sqlite3.Connection:
        if self.readonly:
            return self._connect_readonly()
        db = sqlite3.connect(self.path, timeout=30, isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _connect_readonly(self) -> sqlite3.Connection:
        """A reader never creates the file (a missing store is damage, not an empty index)."""
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30, isolation_level=None)
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1")
            return db
        except sqlite3.OperationalError:
            # On a read-only folder a WAL database cannot make its -shm file; nobody can write there
            # either, so the file may be read as immutable.
            if not self.path.exists() or os.access(self.path.parent, os.W_OK):
                raise
            return sqlite3.connect(f"file:{self.path}?immutable=1", uri=True, isolation_level=None)

    @property
    def db(self) -> sqlite3.Connection:
        # One connection per thread: the service's threads each read through their own.
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = self._connect()
        return db

    # --- writing (one writer, under the ingest lock) ---

    def next_seq(self) -> int:
        return (self.db.execute("SELECT MAX(seq) FROM documents").fetchone()[0] or 0) + 1

    def put(self, doc: dict, seq: int, group_id: str, signature: bytes | None, words: str | None = None) -> None:
        region = doc.get("region") or {}
        doc = {k: v for k, v in doc.items() if k not in ("signature", "own_words")}   # kept apart
        paragraphs = doc.get("paragraphs") or []
        row = {
            "doc_id": doc["doc_id"], "source": doc.get("source"), "seq": seq, "group_id": group_id,
            "year": doc.get("year"), "published": doc.get("published"),
            "province": region.get("province"), "city": region.get("city"), "county": region.get("county"),
            "town": region.get("town"), "level": doc.get("level"), "doc_type": doc.get("doc_type"),
            "topics": json.dumps(doc.get("topics") or [], ensure_ascii=False),
            "restored": int(bool(doc.get("restored"))), "n_paragraphs": len(paragraphs),
            "truncated": int(bool(doc.get("truncated"))),
            "length": sum(len(p.get("text") or "") for p in paragraphs), "signature": signature,
            "body": encode_body(doc),
            "words": encode_words(words) if words is not None else None,
        }
        self.db.execute(f"INSERT OR REPLACE INTO documents ({', '.join(row)}) "
                        f"VALUES ({', '.join(':' + name for name in row)})", row)

    def delete(self, doc_ids) -> None:
        self.db.executemany("DELETE FROM documents WHERE doc_id = ?", [(d,) for d in doc_ids])

    def put_input_file(self, path: str, sha256: str, cleaner: str, doc_ids: list[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO input_files (path, sha256, cleaner, doc_ids) "
                        "VALUES (:path, :sha256, :cleaner, :doc_ids)",
                        {"path": path, "sha256": sha256, "cleaner": cleaner, "doc_ids": json.dumps(doc_ids)})

    def input_file(self, path: str) -> tuple[str, str, list[str]] | None:
        """(sha256, cleaner, doc_ids) recorded for an input file, or None."""
        row = self._named("SELECT sha256, cleaner, doc_ids FROM input_files WHERE path = ?", (path,)).fetchone()
        return (row["sha256"], row["cleaner"], json.loads(row["doc_ids"])) if row else None

    def forget_input_files_of(self, doc_id: str) -> None:
        """A removed document's file is parsed again by the next ingest (and so can come back)."""
        self.db.execute("DELETE FROM input_files WHERE doc_ids LIKE ?", (f'%"{doc_id}"%',))

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    # --- reading ---

    def get(self, doc_id: str) -> dict | None:
        row = self.db.execute("SELECT body FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return decode_body(row[0]) if row else None

    def get_many(self, doc_ids: list[str]) -> dict[str, dict]:
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        rows = self.db.execute(f"SELECT doc_id, body FROM documents WHERE doc_id IN ({marks})", doc_ids)
        return {doc_id: decode_body(body) for doc_id, body in rows}

    def get_many_with_words(self, doc_ids: list[str]) -> dict[str, tuple[dict, str | None]]:
        """doc_id -> (stored document, its stored paragraph words (ranking.paragraph_words), None when it
        has none readable: a store written before them has none, `reindex` writes them), read in one
        statement: a search's first page asked the store twice and its column list once (a tenth of
        the search at 100,000 paragraphs, with the decoding)."""
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        try:
            rows = self.db.execute(f"SELECT doc_id, body, words FROM documents WHERE doc_id IN ({marks})", doc_ids)
        except sqlite3.OperationalError:
            if "words" in columns_of(self.db):
                raise
            return {doc_id: (doc, None) for doc_id, doc in self.get_many(doc_ids).items()}   # no words column yet
        return {doc_id: (decode_body(body), decode_words(words)) for doc_id, body, words in rows}

    def facet_rows(self) -> dict[str, tuple]:
        """doc_id -> the FACET_COLUMNS of every stored document (town None in a store older than towns)."""
        present = columns_of(self.db)
        columns = [name if name in present else "NULL" for name in FACET_COLUMNS]
        rows = self.db.execute(f"SELECT {', '.join(columns)} FROM documents")
        return {row[0]: row for row in rows}

    def placements(self) -> dict[str, sqlite3.Row]:
        """doc_id -> (source, seq, group_id) of every stored document, read by name: what a writer
        needs to replace a source's documents and to file near-duplicates."""
        rows = self._named("SELECT doc_id, source, seq, group_id FROM documents")
        return {row["doc_id"]: row for row in rows}

    def _named(self, sql: str, parameters=()) -> sqlite3.Cursor:
        cursor = self.db.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, parameters)

    def seq_and_group(self, doc_id: str) -> tuple[int, str]:
        """(ingest order, near-duplicate group) of one stored document."""
        return tuple(self.db.execute("SELECT seq, group_id FROM documents WHERE doc_id = ?", (doc_id,)).fetchone())

    def group_of(self, doc_id: str) -> str:
        row = self.db.execute("SELECT group_id FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else doc_id

    def group_members(self, group_id: str) -> list[tuple[str, str, str | None, str | None]]:
        """(doc_id, title, source, published) of the documents of a near-duplicate group, in ingest order."""
        rows = self.db.execute(
            "SELECT doc_id, body, source, published FROM documents WHERE group_id = ? ORDER BY seq", (group_id,))
        return [(doc_id, decode_body(body).get("title"), source, published) for doc_id, body, source, published in rows]

    def signatures(self):
        """(doc_id, signature blob) of every stored document, read as they are used (not all at once:
        at 1,000,000 documents the list would be ~600 MB)."""
        return self.db.execute("SELECT doc_id, signature FROM documents WHERE signature IS NOT NULL")

    def doc_ids_of_sources(self, sources) -> list[str]:
        """The stored documents read from any of `sources`, in ingest order (through the source index)."""
        sources = list(sources)
        if not sources:
            return []
        marks = ",".join("?" * len(sources))
        rows = self.db.execute(f"SELECT doc_id FROM documents WHERE source IN ({marks}) ORDER BY seq", sources)
        return [doc_id for (doc_id,) in rows]

    def all_doc_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM documents")}

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None
