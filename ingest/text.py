"""Text helpers shared by ingest and index: what counts as a Han character, and Traditional → Simplified."""
import re
import threading

import opencc

# CJK Unified Ideographs, Extension A and the Compatibility Ideographs (the blocks the index has always
# tokenized as Han; Extension B and later lie outside the BMP and are left as other characters).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN}]")

# made at import (9 ms), so forked cleaning workers and server workers share it
_t2s = opencc.OpenCC("t2s")
_t2s_lock = threading.Lock()


def to_simplified(text: str) -> str:
    """`text` in Simplified characters (OpenCC t2s, phrase-level: the result may differ in length)."""
    with _t2s_lock:  # the OpenCC object is not documented as thread-safe; the service has threads
        return _t2s.convert(text)
