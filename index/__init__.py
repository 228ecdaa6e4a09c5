"""The index and query engine: Chinese analysis, Whoosh index + document store, the query API.

Read: `SearchIndex(index_dir)`. Write: `ingest_paths`, `add_documents`, `remove` (one writer at a time).
Health: `check`; `reindex`, `backup`, `restore` (index/maintenance.py).
"""
from .analysis import initialize
from .health import IndexDamaged, IndexMissing, IndexOutdated, IndexProblem, check
from .maintenance import backup, reindex, restore
from .query import QueryError
from .schema import IndexFormatError
from .searching import SearchIndex
from .writing import IndexLocked, IngestSummary, add_documents, ingest_paths, remove

__all__ = ["SearchIndex", "QueryError", "IndexLocked", "IndexFormatError", "IngestSummary", "add_documents", "ingest_paths",
           "remove", "initialize", "check", "reindex", "backup", "restore",
           "IndexProblem", "IndexMissing", "IndexDamaged", "IndexOutdated"]
