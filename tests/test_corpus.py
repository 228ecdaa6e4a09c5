"""The bundled corpus: the five seeds and the national work-safety texts of corpus/national/."""
from __future__ import annotations

import csv
from collections import Counter

from conftest import CORPUS, ROOT


def national_listing() -> list[dict]:
    with (ROOT / "docs" / "corpus-national.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_listed_national_text_is_bundled_and_nothing_else():
    listed = {row["file"] for row in national_listing()}
    bundled = {str(p.relative_to(ROOT)) for p in (CORPUS / "national").rglob("*") if p.is_file()}
    assert listed == bundled and len(listed) >= 90
    others = [p for p in CORPUS.rglob("*") if p.is_file() and p.suffix != ".txt"]
    assert others == [], "a first start ingests corpus/ whole: nothing in it may be skipped"
    assert len(list(CORPUS.glob("*.txt"))) == 5


def test_the_national_texts_clean_into_national_documents_with_their_titles():
    import ingest

    rows = {row["file"]: row for row in national_listing()}
    docs = {file: ingest.clean_file(ROOT / file) for file in rows}
    assert all(len(found) == 1 for found in docs.values())
    for file, (doc,) in docs.items():
        assert doc["title"] == rows[file]["title"], file
        assert doc["level"] == "国家" and not any(doc["region"].values()), file
        assert len(doc["paragraphs"]) >= 0.9 * int(rows[file]["paragraphs"]), file
    years = Counter(doc["year"] is not None for (doc,) in docs.values())
    assert years[True] >= 0.85 * len(docs), "most laws carry their year in the promulgation line"
