"""The one reader of ingest/data files: one entry a line, blank lines and # comment lines skipped."""
from pathlib import Path

DATA = Path(__file__).parent / "data"


def data_lines(name: str) -> list[str]:
    """The entries of data/<name>, in file order."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def data_rows(name: str) -> list[list[str]]:
    """The entries of a .tsv data file, each split into its tab-separated fields."""
    return [line.split("\t") for line in data_lines(name)]
