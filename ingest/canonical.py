"""Which copy of a near-duplicate group a person would cite: the one rule, used by the index.

Kept apart from dedup.py (MinHash, LSH) so that readers choosing canonical copies import nothing heavy.
"""
from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from ingest.datafile import rows


@cache
def official_hosts() -> tuple[str, ...]:
    """data/official_hosts.txt: host names (and their subdomains) of government and issuing bodies."""
    return tuple(line.strip().lower() for line in rows("official_hosts.txt"))


def is_official(source: str | None) -> bool:
    """Whether a document's source URL is a government or issuing body's site (*.gov.cn, …)."""
    host = (urlsplit(source).hostname or "") if source and "://" in source else ""
    return any(host == h or host.endswith("." + h) for h in official_hosts())


def canonical_key(*, source: str | None, published: str | None, year: int | None, restored: bool,
                  truncated: bool, length: int) -> tuple:
    """Sort key of the copy of a near-duplicate group a person would cite, best first: an official
    source, then the earliest published (a date, else a year; unknown last), then not spun, not
    truncated, the longest. The one rule: the index lists the copy that sorts first."""
    date = published if published and published[:4].isdigit() else f"{year:04d}-99-99" if year else "9999"
    return (not is_official(source), date, bool(restored), bool(truncated), -int(length or 0))

