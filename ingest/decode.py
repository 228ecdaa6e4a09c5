"""Bytes to text: detect the encoding of a scraped file and decode it.

UTF-8 (the common case) is tried strictly first because it is fast and unambiguous; byte-order
marks decide UTF-16/32. Otherwise the page's own declaration (<meta charset>, an XML prolog, a crawler
wrapper's encoding= attribute) is used when it decodes cleanly into plausible text; then the Chinese
codecs, the one with the fewest undecodable bytes and the most common characters; charset-normalizer
only when neither fits, and never for a reading that is Cyrillic, Latin-1 or Thai soup (a GB2312 page with
no charset read as ptcp154 gives `ЦчМв: Ўҫ2005`, which GB2312 itself encodes, so the common-character
test alone does not catch it).
"""
import codecs
import functools
import re

import charset_normalizer
import numpy as np

from ingest.errors import SkipFile
from ingest.text import HAN

BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
# GB2312 and GBK pages are decoded as their superset GB18030: sites declare gb2312 and use GBK characters
SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs"}
CHINESE = ("gb18030", "big5hkscs")
# <meta charset=…>, <meta http-equiv … content="…; charset=…">, <?xml … encoding="…"?>, <page encoding="…">
DECLARED_RE = re.compile(rb"""<(?:meta[^>]+charset|[?!]?[\w:-]+[^>]*?\sencoding)\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
SAMPLE = 1 << 16           # bytes / characters looked at for the binary and plausibility checks
DETECT_BYTES = 1 << 18     # charset-normalizer reads this much of a large file
RARE_MAX = 0.1            # share of characters outside GB2312 and Big5 tolerated in a guessed decoding
MAX_REPLACED = 0.05        # share of undecodable characters tolerated before the file is rejected
CHINESE_ERRORS = 0.01      # a Chinese codec with at most this share of bad bytes beats any detector guess,
CHINESE_ERRORS_MIN = 4     # or this many (a short page with two stray bytes)
CJK_MIN = 0.5              # share of non-ASCII characters a Chinese page has in CJK and full-width blocks
CHINESE_MARKS = np.array([ord(mark) for mark in "，。、：；？！“”「」『』《》（）"], dtype=np.uint32)
HAN_RANGES = [(ord(low), ord(high)) for low, high in re.findall("(.)-(.)", HAN)]
# the class of each BMP code point for _han_and_marks (1 Han, 2 a Chinese mark; both lie in the BMP), and 0 for
# anything else, the last entry standing for every character beyond the BMP
CODE_CLASSES = np.zeros(0x10001, dtype=np.uint8)
for _low, _high in HAN_RANGES:
    CODE_CLASSES[_low:_high + 1] = 1
CODE_CLASSES[CHINESE_MARKS] = 2
CJK_RE = re.compile(f"[\u2000-\u206f\u3000-\u30ff{HAN}\ufe30-\ufe4f\uff00-\uffef]")


def html_charset(data: bytes) -> str | None:
    """The charset a page declares in its first few KB (<meta charset>, http-equiv, an XML prolog or a
    wrapper element's encoding= attribute: the first one in the file), or None."""
    match = DECLARED_RE.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def decode(data: bytes, hint: str | None = None) -> tuple[str, str]:
    """(text, encoding name) of a file's bytes; raises SkipFile for empty, binary or garbled input.

    Undecodable bytes in an otherwise readable file are replaced by U+FFFD, and the encoding name
    then ends in "+replaced"; lines mixing UTF-8 and GB18030 give "mixed(utf-8+gb18030)".
    """
    if not data.strip():
        raise SkipFile("空文件")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_with(data, encoding)
    if b"\x00" in data[:SAMPLE]:
        raise SkipFile("二进制文件（含空字节）")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    encoding = _guess(data, hint)
    if encoding is not None:
        try:
            return _checked(data.decode(encoding), encoding, plausible=True)
        except UnicodeDecodeError:
            pass
    mixed = _decode_mixed(data, encoding or "gb18030")
    if mixed is not None:
        return _checked(mixed, f"mixed(utf-8+{encoding or 'gb18030'})", plausible=True)
    if encoding is None:
        encoding = "utf-8"     # no detector verdict: readable only if nearly all of it is UTF-8
    return _decode_with(data, encoding)


def _decode_with(data: bytes, encoding: str) -> tuple[str, str]:
    """Decode strictly if possible, else with U+FFFD for the bad bytes and "+replaced" in the name."""
    name = encoding.removesuffix("-sig")
    try:
        return _checked(data.decode(encoding), name, plausible=True)
    except UnicodeDecodeError:
        return _checked(data.decode(encoding, errors="replace"), name + "+replaced", plausible=True)


def _guess(data: bytes, hint: str | None) -> str | None:
    sample = data[:DETECT_BYTES]
    if hint:
        hint = SUPERSET.get(hint.lower(), hint.lower())
        try:
            if not _is_soup(data.decode(hint)[:SAMPLE]):
                return hint
        except (LookupError, UnicodeDecodeError):
            pass
    readings = [_chinese_reading(sample, name) for name in CHINESE]
    decodable = [reading for reading in readings if reading[0] <= max(CHINESE_ERRORS_MIN, len(sample) * CHINESE_ERRORS)]
    if decodable:      # the reading with real Chinese punctuation; a tie goes to GB18030 (listed first)
        return max(decodable, key=lambda reading: reading[1])[2]
    best = charset_normalizer.from_bytes(sample).best()
    detected = codecs.lookup(best.encoding).name if best is not None else None
    if detected and not _is_soup(sample.decode(detected, errors="ignore")[:SAMPLE]):
        return SUPERSET.get(detected, detected)
    # nothing better: the Chinese reading with fewest errors, if it is text at all (else decode() gives up)
    name = min(readings)[2]
    return name if _looks_like_text(sample.decode(name, errors="ignore")[:SAMPLE]) else None


def _chinese_reading(sample: bytes, name: str) -> tuple[int, float, str]:
    """(undecodable characters, Chinese punctuation marks per Han character, name).

    A wrong reading keeps few true marks: GB's ，(A3AC) read as Big5 is ㄛ, Big5's ，(A141) read as
    GB18030 is a rare symbol; real text has one mark per 5-15 characters. (Both codecs decode each
    other's bytes almost without errors, and GB2312's common characters fall inside Big5's common
    block, so neither the error count nor a common-character share tells them apart.)
    """
    text = sample.decode(name, errors="replace")[:SAMPLE]
    han, marks = _han_and_marks(text)
    return text.count("\ufffd"), marks / max(han, 1), name


def _han_and_marks(text: str) -> tuple[int, int]:
    """(Han characters, Chinese punctuation marks) in `text`, counted on its code points (8x faster than
    the regexes over a 64 K sample, which build a string per character found)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    counts = np.bincount(CODE_CLASSES[np.minimum(codes, 0x10000)], minlength=3)     # one table look-up a character
    return int(counts[1]), int(counts[2])


def _is_soup(sample: str) -> bool:
    """Mostly Cyrillic, Latin-1, Thai, Arabic … among the non-ASCII characters: a CJK page read wrongly."""
    non_ascii = sum(not char.isascii() for char in sample)
    return non_ascii > 20 and len(CJK_RE.findall(sample)) < CJK_MIN * non_ascii


def _decode_mixed(data: bytes, encoding: str) -> str | None:
    """Line by line: UTF-8 where a line is (nearly) UTF-8, `encoding` elsewhere; None if no line is UTF-8.

    A UTF-8 line with a few bad bytes keeps its UTF-8 reading with U+FFFD for them: read as GB18030 it
    would turn into mojibake from end to end.
    """
    lines, utf8_lines, other_lines = [], 0, 0
    for raw in data.splitlines(keepends=True):
        try:
            lines.append(raw.decode("utf-8"))
            utf8_lines += not raw.isascii()
            continue
        except UnicodeDecodeError:
            pass
        as_utf8 = raw.decode("utf-8", errors="replace")
        bad = as_utf8.count("\ufffd")
        good = sum(not char.isascii() for char in as_utf8) - bad     # real multi-byte characters
        if bad <= max(3, len(as_utf8) * 0.1) and good > bad:          # (GB bytes give bad ones only)
            lines.append(as_utf8)
            utf8_lines += 1
        else:
            lines.append(raw.decode(encoding, errors="replace"))
            other_lines += 1
    return "".join(lines) if utf8_lines and other_lines else None


def _checked(text: str, encoding: str, plausible: bool = False) -> tuple[str, str]:
    """The decoded text, unless it is binary, mostly undecodable or (when guessed) not Chinese-like text."""
    sample = text[:SAMPLE]
    if len(CONTROL_RE.findall(sample)) > len(sample) * 0.05:
        raise SkipFile("二进制文件（控制字符过多）")
    if sample.count("\ufffd") > len(sample) * MAX_REPLACED:
        raise SkipFile(f"过多字节无法按 {encoding.removesuffix('+replaced')} 解码（乱码或二进制）")
    if plausible and not _looks_like_text(sample):
        raise SkipFile(f"按 {encoding.removesuffix('+replaced')} 解码后是乱码（可能是二进制或损坏的文件）")
    return text, encoding


def _looks_like_text(sample: str) -> bool:
    """Nearly all characters common: ASCII, or in GB2312 or Big5 (random bytes decode to rare ones)."""
    rare = sum(sample.count(char) for char in set(sample) if not _is_common(char))
    return rare <= len(sample) * RARE_MAX


@functools.lru_cache(maxsize=None)     # at most the 65,536 characters of the BMP and a few others: a page has ~2,000
def _is_common(char: str) -> bool:
    if char.isascii() or char == "\ufffd":
        return True
    for codec in ("gb2312", "big5"):
        try:
            char.encode(codec)
            return True
        except UnicodeEncodeError:
            pass
    return False
