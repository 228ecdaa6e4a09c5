"""Ingest: scraped speeches and policy texts (.txt, .html, .jsonl crawl dumps) to clean documents.

The steps, each a pure function on plain data: decode(bytes) -> text, extract(html) -> lines,
clean(lines) -> paragraphs + removed, spin.restore(text), metadata.describe(...), dedup.signature(doc).

The names below are loaded on first use: the read path (index, service) needs only the light modules
(text, datafile, canonical, spin), and importing the pipeline builds the gazetteer (~1.5 s, ~85 MB),
which a serving worker should not pay for.
"""
import importlib

_HOME = {
    "SkipFile": "ingest.errors",
    "learn_furniture": "ingest.clean",
    "clean_file": "ingest.pipeline",
    "clean_text": "ingest.pipeline",
    "document_lines": "ingest.pipeline",
    "iter_input_files": "ingest.pipeline",
    "site_furniture": "ingest.pipeline",
    "site_of": "ingest.pipeline",
}

__all__ = sorted(_HOME)


def __getattr__(name):
    if name not in _HOME:
        raise AttributeError(f"module 'ingest' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name]), name)
