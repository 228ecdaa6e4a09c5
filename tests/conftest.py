"""Shared fixtures. The index fixture belongs to the index engineer; the service block is marked below."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# ---- search_service fixtures (owner: service engineer; keep this block separate) -------------------

SERVICE_DOCS = Path(__file__).parent / "data" / "service"


@pytest.fixture(scope="session")
def service_index_dir(tmp_path_factory) -> Path:
    """The bundled corpus plus the service's own documents (a <script> title, a copy of seed 001)."""
    import index

    index_dir = tmp_path_factory.mktemp("service-index")
    summary = index.ingest_paths([ROOT / "corpus", SERVICE_DOCS], index_dir, progress=False)
    assert not summary.skipped, summary.report()
    return index_dir


@pytest.fixture
def service_app(service_index_dir):
    from search_service import create_app

    return create_app(index_dir=service_index_dir, RATELIMIT_ENABLED=False)


@pytest.fixture
def service_client(service_app):
    return service_app.test_client()

# ---- end of search_service fixtures -----------------------------------------------------------------
