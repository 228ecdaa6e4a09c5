"""The one reader of data files (ingest/data, and index/data through `folder`).

One entry a line; blank lines and lines starting with # (the file's header: what the columns mean and
why the values were chosen) are skipped. A .tsv entry is cut at tabs into a fixed number of fields.
"""
from pathlib import Path

DATA = Path(__file__).parent / "data"


class DataFileError(Exception):
    """A data file that cannot be read or has a malformed line; the message names the file and line."""


def rows(name: str, fields: int = 1, optional: int = 0, folder: Path = DATA) -> list:
    """The entries of `folder`/`name` in file order.

    With fields=1 each entry is its whole line (a str); otherwise a tuple of `fields` tab-separated
    strings, of which the last `optional` may be missing (then ""). A line with another number of
    fields raises DataFileError naming the file and line, so a data edit never fails as an unpack error.
    """
    path = Path(folder) / name
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"数据文件 {path} 无法读取（{exc}）：请检查安装是否完整") from None
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        if fields == 1:
            entries.append(line)
            continue
        values = line.split("\t")
        if not fields - optional <= len(values) <= fields:
            wanted = f"{fields - optional}–{fields}" if optional else str(fields)
            raise DataFileError(f"数据文件 {path} 第 {number} 行有 {len(values)} 个字段（以制表符分隔），"
                                f"应为 {wanted} 个：请改正这一行")
        entries.append(tuple(values) + ("",) * (fields - len(values)))
    return entries
