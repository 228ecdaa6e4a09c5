"""highlight.py on its own: what gets marked, what gets escaped, where a long paragraph is cut."""
from __future__ import annotations

from index.highlight import highlight, match_spans


def test_overlapping_and_touching_marks_merge_into_one():
    assert match_spans("落实安全生产责任制", ["安全", "全生", "生产"]) == [(2, 6)]
    assert highlight("落实安全生产责任制", ["安全", "生产责任"]) == "落实<mark>安全生产责任</mark>制"


def test_every_occurrence_is_marked_on_the_original_characters():
    # marks are normalised (simplified, half-width); the text keeps its Traditional, full-width form
    assert highlight("安全生產，安全第一", ["安全", "生产"]) == "<mark>安全生產</mark>，<mark>安全</mark>第一"
    assert highlight("ＧＢ６７２２标准", ["gb6722"]) == "<mark>ＧＢ６７２２</mark>标准"


def test_latin_and_numbers_match_only_whole_tokens():
    assert highlight("第5条与第15条", ["5"]) == "第<mark>5</mark>条与第15条"
    assert highlight("降低5%以上", ["5"]) == "降低5%以上"


def test_text_is_escaped_and_only_mark_tags_survive():
    out = highlight('<script>alert("安全")</script>', ["安全"])
    assert out == '&lt;script&gt;alert(&quot;<mark>安全</mark>&quot;)&lt;/script&gt;'
    # a mark inside markup-looking text is marked on the escaped text, never opening a tag
    assert highlight("a<b>安全</b>", ["b"]) == "a&lt;<mark>b</mark>&gt;安全&lt;/<mark>b</mark>&gt;"


def test_a_window_cuts_around_the_first_match_with_ellipses():
    text = "前" * 100 + "隐患排查" + "后" * 100
    out = highlight(text, ["隐患"], window=40)
    assert out.startswith("…") and out.endswith("…") and "<mark>隐患</mark>排查" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == 42
    assert highlight("短句里的隐患", ["隐患"], window=40) == "短句里的<mark>隐患</mark>"
    assert highlight("无匹配" * 30, ["隐患"], window=10) == "无匹配无匹配无匹配无…"
