"""The CLI's text output of search results and statistics (search_service/formatting.py)."""
from search_service.formatting import format_results, format_stats


def test_stats_and_text_formatting(search_index, purpose_docs):
    stats = search_index.stats()
    assert stats["documents"] >= len(purpose_docs) and stats["copies"] >= 1 and stats["paragraphs"] > 50
    assert isinstance(stats["generation"], int)
    text = format_stats(stats)
    assert "文档" in text and "省份" in text
    printed = format_results(search_index.search("第5条"))
    assert "§1" in printed and "【第5条】" in printed and "<" not in printed
