"""Shared fixtures: one index per test session, built from the bundled corpus plus purpose-written documents.

`index_dir` / `search_index`: the five seed documents of the bundled corpus (corpus/*.txt, through
ingest_paths; the national texts of corpus/national/ are left out to keep the fixtures small) and the documents of
tests/data/index_documents.json (through add_documents). `purpose_docs`: those documents by key,
as clean-document dicts. `make_doc(...)`: a clean-document dict for a test's own index.
"""
from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEEDS = sorted(CORPUS.glob("*.txt"))          # the five seeds; corpus/national/ holds the bundled laws
DATA = Path(__file__).parent / "data"


def make_doc(title: str, paragraphs: list, source: str | None = None, **meta) -> dict:
    """A clean document (docs/design.md); paragraphs are strings or {"text", "restored", "heading"}."""
    paras = []
    for n, p in enumerate(paragraphs, 1):
        p = {"text": p} if isinstance(p, str) else p
        paras.append({"n": n, "text": p["text"], "restored": p.get("restored"),
                      "heading": p.get("heading", False), "section": p.get("section")})
    title_scraped = meta.pop("title_scraped", title)
    content = title + "\n" + "\n".join(p.get("restored") or p["text"] for p in paras)
    doc_id = meta.pop("doc_id", None) or hashlib.sha256(content.encode()).hexdigest()[:16]
    restored = any(p["restored"] for p in paras)
    doc = {
        "doc_id": doc_id, "title": title, "title_scraped": title_scraped, "paragraphs": paras,
        "year": None, "year_source": "none", "published": None,
        "region": {"province": None, "city": None, "county": None}, "level": None, "doc_type": "其他",
        "topics": [], "source": source or f"tests/{doc_id}.txt", "fetched_at": None, "encoding": "utf-8",
        "restored": restored, "restorations": {}, "truncated": False, "removed": [],
    }
    doc.update(meta)
    if doc["year"]:
        doc["year_source"] = "title"
    return doc


def load_purpose_documents() -> dict[str, dict]:
    docs = {}
    for spec in json.loads((DATA / "index_documents.json").read_text(encoding="utf-8")):
        spec = dict(spec)
        key, title = spec.pop("key"), spec.pop("title")
        restored_title = spec.pop("title_restored", None)
        if restored_title:
            spec["title_scraped"], title = title, restored_title
        docs[key] = make_doc(title, spec.pop("paragraphs"), source=spec.pop("source", f"tests/{key}.txt"), **spec)
    return docs


@pytest.fixture(scope="session")
def purpose_docs() -> dict[str, dict]:
    return load_purpose_documents()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, purpose_docs) -> Path:
    import index

    path = tmp_path_factory.mktemp("index")
    summary = index.ingest_paths(SEEDS, path, progress=False)
    assert summary.added >= 4, summary.report()
    index.add_documents(path, list(purpose_docs.values()))
    return path


@pytest.fixture(scope="session")
def search_index(index_dir):
    import index

    return index.SearchIndex(index_dir)


@pytest.fixture(scope="session")
def corpus_docs() -> list[dict]:
    import ingest

    return [doc for path in SEEDS for doc in ingest.clean_file(path)]


# ---- search_service fixtures ----------------------------------------------------------------------

SERVICE_DOCS = Path(__file__).parent / "data" / "service"


@pytest.fixture(scope="session")
def service_index_dir(tmp_path_factory) -> Path:
    """The seed documents plus the service's own documents (a <script> title, a shorter copy of seed 001,
    a real national regulation from corpus-real)."""
    import index

    index_dir = tmp_path_factory.mktemp("service-index")
    summary = index.ingest_paths(SEEDS + [SERVICE_DOCS], index_dir, progress=False)
    assert not summary.skipped, summary.report()
    return index_dir


@pytest.fixture
def spare_service_index(service_index_dir, tmp_path) -> Path:
    """A copy of the service test index that a test may change."""
    import shutil

    target = tmp_path / "service-index"
    shutil.copytree(service_index_dir, target, ignore=shutil.ignore_patterns("*.lock"))
    return target


@pytest.fixture
def service_app(service_index_dir):
    from search_service import create_app

    return create_app(index_dir=service_index_dir, RATELIMIT_ENABLED=False)


@pytest.fixture
def service_client(service_app):
    return service_app.test_client()

# ---- end of search_service fixtures -----------------------------------------------------------------


# ---- a numbered batch for the crash, concurrency and health tests ----------------------------------

def batch() -> list[dict]:
    """120 documents of 6 paragraphs drawn from the bundled corpus, numbered."""
    lines = [line.strip() for path in sorted(CORPUS.glob("*.txt"))
             for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 15]
    docs = []
    for i in range(120):
        rng = random.Random(i)
        paras = [f"第{i}号文件"] + rng.sample(lines, 5)
        docs.append(make_doc(f"安全生产文件第{i}号", paras, source=f"crash/{i:04d}.txt", year=2000 + i % 25))
    return docs


def committed_doc_ids(index_dir: Path) -> list[str]:
    store = index_dir / "documents.sqlite"
    if not store.exists():
        return []
    with sqlite3.connect(store) as db:   # a kill in the first instant: the file exists, its tables not yet
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'documents'").fetchone():
            return []
    import index

    ix = index.SearchIndex(index_dir)
    _, table, _ = ix._current()
    return [d for d in table.doc_ids[table.live]]
