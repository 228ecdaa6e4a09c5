"""Ingest: scraped speeches and policy texts (.txt, .html, .jsonl crawl dumps) to clean documents.

The steps, each a pure function on plain data: decode(bytes) -> text, extract(html) -> lines,
clean(lines) -> paragraphs + removed, spin.restore(text), metadata.describe(...), dedup.signature(doc).
"""
from ingest.clean import learn_furniture
from ingest.errors import SkipFile
from ingest.pipeline import clean_file, clean_text, document_lines, iter_input_files, site_furniture, site_of

__all__ = ["SkipFile", "clean_file", "clean_text", "document_lines", "iter_input_files", "learn_furniture",
           "site_furniture", "site_of"]
