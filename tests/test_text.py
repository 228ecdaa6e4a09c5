"""Text helpers shared by ingest and index: the Han ranges and Traditional → Simplified."""
from concurrent.futures import ThreadPoolExecutor

from ingest.text import HAN_RE, to_simplified


def test_han_covers_extension_a_and_compatibility_ideographs_not_symbols_or_kana():
    assert all(HAN_RE.fullmatch(c) for c in "安㐀䶵龥豈")       # unified, extension A, compatibility
    assert not any(HAN_RE.fullmatch(c) for c in "䷀あア，。Ａ")  # Yijing hexagram, kana, full-width marks


def test_traditional_is_made_simplified_also_from_many_threads():
    text = "安全生產工作會議上的講話：各級領導幹部要壓實責任"
    want = "安全生产工作会议上的讲话：各级领导干部要压实责任"
    assert to_simplified(text) == want
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(to_simplified, [text] * 200)) == {want}
