"""The analyzer: words at sequential positions, sub-words, numbers, dictionary, synonyms, T2S, bigrams."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from index.analysis import (MAX_TOKENS_PER_TEXT, BigramTokenizer, ChineseTokenizer, SubwordFilter,
                            add_bigram_positions, add_word_positions, load_jieba, normalise, split_symbols,
                            segmenter, synonyms, word_analyzer, words)

ROOT = Path(__file__).resolve().parent.parent


def tokens(text, mode="index", analyzer=None):
    analyzer = analyzer or word_analyzer()
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True, mode=mode)]


def test_precise_words_take_sequential_positions():
    got = [(w, pos) for w, pos, _, _ in tokens("落实企业主体责任", mode="query")]
    assert got == [("落实", 0), ("企业", 1), ("主体责任", 2)]


def test_index_mode_adds_dictionary_subwords_at_the_parent_position():
    got = tokens("安全生产法")
    assert ("安全生产法", 0, 0, 5) in got
    assert ("安全生产", 0, 0, 4) in got and ("安全", 0, 0, 2) in got and ("生产", 0, 2, 4) in got
    assert {pos for _, pos, _, _ in got} == {0}


def test_query_mode_has_no_subwords():
    assert [w for w, *_ in tokens("安全生产法", mode="query")] == ["安全生产法"]


def test_numbers_percentages_and_latin_words_are_kept():
    got = [w for w, *_ in tokens("第5条规定GDP增长5%，热线13710。", mode="query")]
    assert "5" in got and "gdp" in got and "5%" in got and "13710" in got
    assert "，" not in got and "。" not in got


def test_domain_dictionary_words_stay_whole():
    got = [w for w, *_ in tokens("实行一岗双责、党政同责，开展四不两直检查", mode="query")]
    assert {"一岗双责", "党政同责", "四不两直"} <= set(got)


def test_synonyms_come_from_the_data_file_both_ways():
    assert "危险化学品" in synonyms("危化")
    assert "危化" in synonyms("危险化学品")
    assert "安监" in synonyms("应急管理")


def test_traditional_text_is_normalised_with_offsets_into_the_original():
    text = "落實安全生產責任制，ＧＤＰ"
    assert normalise(text) == "落实安全生产责任制,gdp"
    got = tokens(text, mode="query")
    assert [w for w, *_ in got] == ["落实", "安全生产责任制", "gdp"]
    assert [text[s:e] for _, _, s, e in got] == ["落實", "安全生產責任制", "ＧＤＰ"]


def test_filters_compose_as_a_whoosh_pipeline():
    analyzer = ChineseTokenizer() | SubwordFilter()
    assert sorted(t.text for t in analyzer("危险化学品", mode="index")) == sorted(["危险化学品", "危险", "化学品", "化学"])
    assert [t.text for t in analyzer("危险化学品", mode="query")] == ["危险化学品"]


def test_bigrams_keep_numbers_whole_and_break_at_punctuation():
    grams = [(t.text, t.pos) for t in BigramTokenizer()("依照第5条，第15条", positions=True)]
    assert grams == [("依照", 0), ("照第", 1), ("第5", 2), ("5条", 3), ("第15", 5), ("15条", 6)]


def _sample_texts() -> list[str]:
    texts = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        texts += path.read_text(encoding="utf-8").splitlines()
    for path in sorted((ROOT / "corpus").glob("*/*.txt"))[::4]:   # the bundled national laws
        texts += path.read_text(encoding="utf-8").splitlines()[:200]
    return [t for t in texts if t.strip()]


def test_rjieba_and_jieba_cut_the_corpus_identically():
    assert segmenter().rjieba is not None, "rjieba should be installed"
    jieba = load_jieba()
    texts = _sample_texts()
    assert len(texts) > 50
    for text in texts:
        norm = normalise(text)
        assert segmenter().tokenize(norm) == split_symbols(jieba.tokenize(norm)), text
        # the words without offsets (what ranking counts a paragraph's rare words from) are the same words
        assert segmenter().cut(norm) == [w for w, _, _ in segmenter().raw_tokenize(norm)], text
        assert jieba.lcut(norm) == [w for w, _, _ in jieba.tokenize(norm)], text


TEXT = st.text(alphabet=st.sampled_from(list("安全生产責任製煙花爆竹落實第条5１Ａa GDP，。、\n\t-_%.") +
                                        [chr(c) for c in range(0x4e00, 0x4e40)]), max_size=60) | st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_offsets_always_slice_the_original_text_to_the_token(text):
    for word, _, start, end in tokens(text):
        assert normalise(text[start:end]) == word
    for gram, _, start, end in tokens(text, analyzer=BigramTokenizer()):
        # a bigram's two units may have whitespace between them in the text, nothing else
        assert "".join(normalise(text[start:end]).split()) == gram


def test_words_skip_punctuation_and_keep_offsets():
    assert words("安全，生产") == [("安全", 0, 2), ("生产", 3, 5)]
    assert [w for w, _, _ in words("时间:2022-06-27 见www.12339.gov.cn")] == \
        ["时间", "2022", "06", "27", "见", "www", "12339", "gov", "cn"]


def _analyzed(analyzer, text, start_pos):
    """(each term's positions, the last position) as the analyzer gives them at index time."""
    positions, last = defaultdict(list), None
    for t in analyzer(text, positions=True, start_pos=start_pos, mode="index"):
        positions[t.text].append(t.pos)
        last = t.pos
    return positions, last


def _added(add_positions, text, start_pos):
    positions = defaultdict(list)
    last = add_positions(text, start_pos, positions)
    return positions, last


@settings(max_examples=300, deadline=None)
@given(TEXT, st.integers(min_value=0, max_value=5000))
def test_the_writers_fast_positions_are_what_the_analyzers_give(text, start_pos):
    """The writer indexes through add_word_positions / add_bigram_positions; queries and highlights run
    the analyzers. Index and queries agree only while the two give the same terms at the same positions."""
    for analyzer, fast in ((word_analyzer(), add_word_positions), (BigramTokenizer(), add_bigram_positions)):
        assert _added(fast, text, start_pos) == _analyzed(analyzer, text, start_pos)


def test_the_fast_positions_equal_the_analyzers_on_the_corpus():
    texts = _sample_texts()
    texts.append("安全生产" * (MAX_TOKENS_PER_TEXT // 2 + 10))      # past the token cap
    for text in texts:
        for analyzer, fast in ((word_analyzer(), add_word_positions), (BigramTokenizer(), add_bigram_positions)):
            assert _added(fast, text, 7) == _analyzed(analyzer, text, 7), text[:40]


