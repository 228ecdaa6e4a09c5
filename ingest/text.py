"""Text helpers shared by ingest and index: what counts as a Han character, and Traditional → Simplified."""
import re
import threading
from importlib import metadata

import opencc

from ingest.datafile import rows

# CJK Unified Ideographs, Extension A and the Compatibility Ideographs (the blocks the index has always
# tokenized as Han; Extension B and later lie outside the BMP and are left as other characters).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN}]")
NOT_TEXT_RE = re.compile(rf"[^{HAN}A-Za-z0-9]+")   # punctuation, spaces, symbols: all but wording

# made at import (9 ms), so forked cleaning workers and server workers share it
_t2s = opencc.OpenCC("t2s")
_t2s_lock = threading.Lock()
# Simplified -> the Traditional forms Taiwan and Hong Kong print (臺/台, 裡/裏 differ by region)
_s2t = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]


def _t2s_screen() -> tuple[re.Pattern, re.Pattern, re.Pattern] | None:
    """(characters, the phrases' characters, phrases): a text t2s changes matches the first or the last,
    and what matches the last matches the second, a cheaper scan (re tries the 110 phrases at every 一 or
    不). None when the installed OpenCC is not the version the data file was read from (its dictionaries
    may change other texts). Any character beyond the BMP matches the first: re tests a class of such
    characters one by one (100x slower), and they are rare."""
    entries = rows("t2s_screen.tsv", 2)
    if ("opencc", metadata.version("opencc")) not in entries:
        return None
    values = {kind: [value for key, value in entries if key == kind] for kind in ("char", "phrase", "phrase_char")}
    chars = "".join(re.escape(char) for char in values["char"] if char <= "\uffff")
    return (re.compile(f"[{chars}\U00010000-\U0010ffff]"), re.compile(f"[{''.join(values['phrase_char'])}]"),
            re.compile("|".join(map(re.escape, values["phrase"]))))


T2S_SCREEN = _t2s_screen()


def to_simplified(text: str) -> str:
    """`text` in Simplified characters (OpenCC t2s, phrase-level: the result may differ in length).
    OpenCC is not called on a text T2S_SCREEN shows it leaves as it is (the scans cost ~1/30 of a call)."""
    if T2S_SCREEN is not None and not T2S_SCREEN[0].search(text) \
            and not (T2S_SCREEN[1].search(text) and T2S_SCREEN[2].search(text)):
        return text
    with _t2s_lock:  # the OpenCC object is not documented as thread-safe; the service has threads
        return _t2s.convert(text)


def to_traditional_forms(word: str) -> list[str]:
    """The Traditional spellings of a Simplified `word` that differ from it (s2t, s2tw, s2hk), each once."""
    with _t2s_lock:
        forms = [converter.convert(word) for converter in _s2t]
    return [form for form in dict.fromkeys(forms) if form != word]
