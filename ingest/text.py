"""Text helpers shared by ingest and index: what counts as a Han character, and Traditional → Simplified."""
import re
import threading

import opencc

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


def to_simplified(text: str) -> str:
    """`text` in Simplified characters (OpenCC t2s, phrase-level: the result may differ in length)."""
    with _t2s_lock:  # the OpenCC object is not documented as thread-safe; the service has threads
        return _t2s.convert(text)


def to_traditional_forms(word: str) -> list[str]:
    """The Traditional spellings of a Simplified `word` that differ from it (s2t, s2tw, s2hk), each once."""
    with _t2s_lock:
        forms = [converter.convert(word) for converter in _s2t]
    return [form for form in dict.fromkeys(forms) if form != word]
