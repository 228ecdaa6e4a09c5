"""Text helpers shared by ingest and index: what counts as a Han character, and Traditional → Simplified."""
import re
import threading
from functools import cache

# CJK Unified Ideographs, Extension A and the Compatibility Ideographs: every Han character a page of
# Chinese prose uses (the rarer extensions B+ lie outside the BMP and do not occur in the corpora).
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RE = re.compile(f"[{HAN}]")

_opencc_lock = threading.Lock()


@cache
def _t2s():
    import opencc   # loaded on first use: importing the text helpers costs nothing

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """`text` in Simplified characters (OpenCC t2s, phrase-level: the result may differ in length)."""
    with _opencc_lock:  # the OpenCC object is not documented as thread-safe; the service has threads
        return _t2s().convert(text)
