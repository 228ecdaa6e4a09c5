"""prefilter: a pattern passed over for a text's characters never matches it, so a rule loop that skips
it gives what running every rule gives (a level cue for 镇 on a speech that never writes 镇)."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import metadata
from ingest.prefilter import Screen, chars_in, loose, may_match, needed_chars

CUES = [pattern for _, _, pattern in metadata.LEVEL_CUES]
# texts made of the cues' own words and characters and a few others, so that matches are frequent
PIECES = sorted({word for pattern in CUES for word in re.findall(r"[^\x00-\x7f]+", pattern.pattern)}
                | {char for pattern in CUES for char in pattern.pattern} | set("（），。\n ab1") | {"2019", "2019年以来"})


def test_a_cue_needs_the_characters_it_is_written_with():
    assert needed_chars(re.compile("全省")) == (frozenset("全"), frozenset("省"))
    assert needed_chars(re.compile(r"(?:县委|县政府|副?县长|旗委|旗政府|副?旗长)")) == (frozenset("县旗"),)
    assert needed_chars(re.compile(r"(?<![乡城])[我本该]镇(?!街)")) == (frozenset("我本该"), frozenset("镇"))
    assert needed_chars(re.compile(r"\d+年|.{0,5}")) == ()        # a branch that needs nothing: nothing is sure


def test_the_level_cues_are_passed_over_on_a_text_without_their_characters():
    body = "各单位要加强安全生产工作，落实企业主体责任。"
    chars = set(body)
    skipped = [pattern for pattern in CUES if not may_match(needed_chars(pattern), chars)]
    assert len(skipped) > len(CUES) / 2
    assert not any(pattern.search(body) for pattern in skipped)


def test_a_loose_pattern_keeps_all_but_the_lookarounds():
    assert loose(re.compile(r"(?<![乡城])[我本该]镇(?!街)")).pattern == "[我本该]镇"
    assert loose(re.compile(r"[(?<=]x(?=[)])\(?!y")).pattern == r"[(?<=]x\(?!y"      # classes and escapes stay
    assert loose(re.compile("全省")) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_a_pattern_passed_over_never_matches(text):
    chars = set(text)
    assert chars_in(text, metadata.LEVEL_CHARS) == chars & metadata.LEVEL_CHARS
    for pattern in [*CUES, metadata.YEAR_RE]:
        if pattern.search(text):
            assert Screen(pattern).passes(text, chars), pattern.pattern
            assert (loose(pattern) or pattern).search(text), pattern.pattern



def test_a_pattern_re_cannot_scan_for_is_tried_only_where_its_matches_can_open():
    assert Screen(re.compile("副?县长|县委书记")).opening.pattern == "副县|县委|县长"     # not every 县
    assert Screen(re.compile(r"(?<![乡城])[我本该]镇(?!街)")).opening.pattern == "我镇|本镇|该镇"
    assert Screen(re.compile(r"(?<=x)[\d一]+年")).opening.pattern == r"[\d一]"     # no literal names a digit
    assert Screen(re.compile("全省")).opening is None            # re scans for 全 itself
    assert Screen(re.compile("x?")).opening is None              # may match empty: not screened
    assert Screen(re.compile("^副?县长")).opening is None          # tried at the start only
    assert Screen(re.compile("^副?县长", re.M)).opening.pattern == "副县|县长"
    assert Screen(re.compile(r"[^，]县")).opening is None          # any character may open it
    assert Screen(re.compile(r"\d+年|(?<=x)\s")).opening.pattern == r"[\d\s]"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES + ["副", "市长", "^", "国家", "工业和信息化部办公厅"]), max_size=20).map("".join))
def test_screened_matches_are_the_patterns_own(text):
    for pattern in [*CUES, *(re.compile(p.pattern, re.M) for p in CUES), metadata.YEAR_RE]:
        screen, found = Screen(pattern), pattern.search(text)
        assert [m.span() for m in screen.finditer(text)] == [m.span() for m in pattern.finditer(text)]
        assert (screen.search(text) and screen.search(text).span()) == (found and found.span())


def test_the_t2s_screen_is_what_the_installed_openccs_dictionaries_change():
    # the data file is generated; after an OpenCC upgrade it must be rebuilt (the screen is off until then)
    import importlib.util
    from pathlib import Path
    from ingest.datafile import DATA, rows
    spec = importlib.util.spec_from_file_location("t2s_screen_build", DATA / "t2s_screen_build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    assert rows("t2s_screen.tsv", 2) == build.screen()
    assert Path(build.OPENCC_DICT).exists()


def test_simplified_equals_openccs_conversion_on_traditional_and_simplified_pages():
    from pathlib import Path
    import opencc
    from ingest.text import T2S_SCREEN, to_simplified as simplified
    to_simplified = opencc.OpenCC("t2s").convert
    assert T2S_SCREEN is not None
    # phrases of Simplified characters that t2s still changes, and a character beyond the BMP
    for text in ("他陷入沈思", "不瞭解情况", "反覆强调", "𠮶安全", "各单位要加强安全生产工作", "安全生產責任制"):
        assert simplified(text) == to_simplified(text)
    pages = Path(__file__).parents[1] / "bench" / "data" / "extract" / "pages"
    lines = [line for path in sorted(pages.iterdir()) for line in path.read_bytes().decode("utf-8", "replace").splitlines()]
    converted = [line for line in lines if to_simplified(line) != line]
    assert len(converted) > 100           # the set holds Traditional pages (part K), so the screen is tried on them
    assert [simplified(line) for line in lines] == [to_simplified(line) for line in lines]
