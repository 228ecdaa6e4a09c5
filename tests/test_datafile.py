"""The one reader of data files: entries in file order, comments skipped, a bad line named by file and line."""
import pytest

from ingest.datafile import DataFileError, rows


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_entries_in_file_order_without_comments_and_blank_lines(tmp_path):
    write(tmp_path, "cues.tsv", "# level\tweight\tpattern\n\n县\t1.0\t全县\n市\t2\t全市\n")
    assert rows("cues.tsv", 3, folder=tmp_path) == [("县", "1.0", "全县"), ("市", "2", "全市")]
    write(tmp_path, "words.txt", "# one word a line\n安全生产\n\n  应急管理\n")
    assert rows("words.txt", folder=tmp_path) == ["安全生产", "  应急管理"]


def test_optional_last_field_is_empty_when_missing(tmp_path):
    write(tmp_path, "map.tsv", "平安\t安全\n生产平安\t安全生产\t生产平安(?!区)\n")
    assert rows("map.tsv", 3, optional=1, folder=tmp_path) == [("平安", "安全", ""),
                                                                ("生产平安", "安全生产", "生产平安(?!区)")]


@pytest.mark.parametrize("line", ["县\t全县", "县\t1.0\t全县\t多余"])
def test_a_line_with_the_wrong_number_of_fields_is_named_by_file_and_line(tmp_path, line):
    write(tmp_path, "cues.tsv", f"# header\n市\t2\t全市\n{line}\n")
    with pytest.raises(DataFileError) as caught:
        rows("cues.tsv", 3, folder=tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "cues.tsv") in message and "第 3 行" in message and "应为 3 个" in message


def test_a_missing_or_undecodable_file_is_named(tmp_path):
    with pytest.raises(DataFileError, match="absent.tsv.*无法读取"):
        rows("absent.tsv", 2, folder=tmp_path)
    (tmp_path / "gbk.txt").write_bytes("安全".encode("gbk"))
    with pytest.raises(DataFileError, match="gbk.txt.*无法读取"):
        rows("gbk.txt", folder=tmp_path)

