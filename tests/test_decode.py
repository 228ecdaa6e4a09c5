"""decode(): the encodings Chinese sites use, and bytes that are not text."""
import os
from pathlib import Path

import opencc
import pytest

from ingest import SkipFile
from ingest.decode import decode, html_charset

ROOT = Path(__file__).resolve().parents[1]
SEED = next((ROOT / "corpus").glob("001_*.txt")).read_text(encoding="utf-8")
TRADITIONAL = opencc.OpenCC("s2tw").convert(SEED)   # Taiwan forms: all in Big5


@pytest.mark.parametrize("text, encoding, expected", [
    (SEED, "utf-8", "utf-8"),
    (SEED, "gbk", "gb18030"),
    (SEED, "gb18030", "gb18030"),
    (TRADITIONAL, "big5", "big5hkscs"),
    (SEED, "utf-16", "utf-16"),
    (SEED, "utf-8-sig", "utf-8"),
    (SEED[:120], "gbk", "gb18030"),            # a short page too
])
def test_seed_text_round_trips_through_its_encoding(text, encoding, expected):
    decoded, name = decode(text.encode(encoding))
    assert decoded.lstrip("\ufeff") == text
    assert name == expected


def test_gb18030_only_characters_survive():
    text = SEED[:200] + "䶮、𠮷字与€符号。"
    assert decode(text.encode("gb18030")) == (text, "gb18030")


def test_declared_charset_is_a_hint():
    page = '<html><head><meta charset="gb2312"></head><body>同志们：安全生产重于泰山。</body></html>'
    data = page.encode("gbk")
    assert html_charset(data) == "gb2312"
    assert decode(data, html_charset(data)) == (page, "gb18030")


def test_a_wrong_declared_charset_is_overruled():
    page = "<html><head><meta charset='big5'></head><body>同志们：安全生产重于泰山，隐患排查要到位。</body></html>"
    text, encoding = decode(page.encode("gbk"), "big5")
    assert "安全生产重于泰山" in text and encoding == "gb18030"


@pytest.mark.parametrize("data, reason", [
    (b"", "空文件"),
    (b"  \n\n\t ", "空文件"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "二进制"),
    (bytes(range(256)) * 40, "二进制"),
])
def test_unusable_bytes_are_skipped_with_a_reason(data, reason):
    with pytest.raises(SkipFile, match=reason):
        decode(data)


def test_random_bytes_never_pass_as_text():
    for seed in range(20):
        data = os.urandom(4096)
        try:
            text, encoding = decode(data)
        except SkipFile:
            continue
        pytest.fail(f"random bytes decoded as {encoding}: {text[:40]!r}")


def test_a_few_bad_bytes_degrade_and_say_so():
    data = SEED.encode("utf-8")
    data = data[:300] + b"\xff\xfe\xfd" + data[300:]
    text, encoding = decode(data)
    assert encoding.endswith("+replaced")
    assert "\ufffd" in text and "同志们" in text


def test_mixed_utf8_and_gbk_lines_are_decoded_line_by_line():
    lines = SEED.splitlines()
    data = ("\n".join(lines[:3]) + "\n").encode("utf-8") + ("\n".join(lines[3:]) + "\n").encode("gbk")
    text, encoding = decode(data)
    assert encoding.startswith("mixed(utf-8+")
    assert text.splitlines() == lines


def test_gbk_is_still_read_when_the_detector_gives_up(monkeypatch):
    import charset_normalizer

    class NoVerdict(list):
        def best(self):
            return None
    monkeypatch.setattr(charset_normalizer, "from_bytes", lambda *args, **kwargs: NoVerdict())
    assert decode(SEED.encode("gbk")) == (SEED, "gb18030")
    with pytest.raises(SkipFile):
        decode(bytes(range(128, 256)) * 30)


def real_article_as_undeclared_gb2312(extra=b"\x81\x20"):
    """The gov.cn resolution (tests/data/html/real) as an old GB2312 page with no charset and two stray bytes."""
    from ingest.extract import extract
    page = (ROOT / "tests" / "data" / "html" / "real" / "gov_cn_resolution.html").read_text(encoding="utf-8")
    lines = extract(page).lines[:4]
    html = "<html><head><title>决议</title></head><body>" + "".join(f"<p>{line}</p>" for line in lines) + "</body></html>"
    return lines, html.encode("gb2312") + extra


def test_an_undeclared_gb2312_page_with_stray_bytes_is_read_as_chinese_not_a_western_codec():
    lines, data = real_article_as_undeclared_gb2312()
    text, encoding = decode(data, html_charset(data))
    assert encoding == "gb18030+replaced"
    assert all(line in text for line in lines)


def test_big5_and_gbk_readings_are_told_apart_by_their_punctuation():
    lines, data = real_article_as_undeclared_gb2312(extra=b"")
    assert decode(data)[1] == "gb18030"
    big5 = opencc.OpenCC("s2tw").convert(data.decode("gb2312")).encode("big5", errors="replace")
    assert decode(big5)[1] == "big5hkscs"


@pytest.mark.parametrize("declaration", ['<?xml version="1.0" encoding="gb2312"?>', '<page url="http://a.cn/1" encoding="GBK">'])
def test_an_xml_prolog_or_a_wrapper_encoding_attribute_is_a_declaration(declaration):
    assert html_charset(declaration.encode() + "<html><body>安全生产</body></html>".encode("gbk")) in ("gb2312", "gbk")

