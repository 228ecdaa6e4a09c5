"""Place names found in a text and resolved to the speaker's own division."""
import pytest

from ingest import region


def place(*paragraphs, title="", depth="county"):
    found = region.resolve(title, list(paragraphs), depth)
    return found["province"], found["city"], found["county"]


@pytest.mark.parametrize("name, short", [
    ("沧州市", "沧州"),
    ("北辰区", "北辰"),
    ("孟村回族自治县", "孟村"),
    ("围场满族蒙古族自治县", "围场"),
    ("喀喇沁左翼蒙古族自治县", "喀喇沁左翼"),
    ("滨海新区", "滨海"),
    ("广西壮族自治区", "广西"),
    ("沧县", None),
])
def test_short_form(name, short):
    assert region.short_form(name) == short


def test_full_name_gives_whole_chain():
    assert place("路南区安全生产工作会议在区政府召开。", "全区各单位要抓好落实，路南区将继续加强监管。") == \
        ("河北省", "唐山市", "路南区")


def test_the_longest_name_is_read_not_the_name_inside_it():
    # 五大连池 holds 大连: a county of 黑河 is no city of 辽宁; 大连 after it is still found
    assert place("五大连池市召开安全生产工作会议，部署全市工作。") == ("黑龙江省", "黑河市", "五大连池市")
    assert [form for _, _, form, *_ in region._names_in("五大连池市和大连市")] == ["五大连池市", "大连市"]


def test_municipality_district_has_municipality_as_city():
    assert place("以北辰之安保天津之稳，为建设新北辰提供保障。") == ("天津市", "天津市", "北辰区")


def test_short_forms_count_with_speaker_context():
    assert place("以深入开展“爱沧州、做贡献”活动为契机。", "符合沧州特点。") == ("河北省", "沧州市", None)


def test_depth_stops_at_city_for_a_city_speaker():
    text = ["路南区要加强监管，路南区要落实责任。"]
    assert place(*text, depth="city") == ("河北省", "唐山市", None)
    assert place(*text, depth="province") == ("河北省", None, None)


def test_one_plain_mention_is_not_enough():
    assert place("学习借鉴江苏经验。") == (None, None, None)


@pytest.mark.parametrize("text", [
    "维护世界和平，建设平安中国。",
    "各新区、开发区要加强城区、矿区和郊区的安全监管。",
    "比如消防通道是否被占用，要互助合作，推动民族复兴，惠民政策要落实。",
    "依法行政和县级人民政府的职责。",
])
def test_ordinary_words_are_not_places(text):
    assert region.find_mentions("", [text * 3]) == []


def test_former_names_map_to_todays_division():
    assert place("襄樊市要加强安全监管，襄樊市各县区要落实责任。") == ("湖北省", "襄阳市", None)
    assert place("闸北区要加强安全监管，闸北区各街道要落实责任。") == ("上海市", "上海市", "静安区")
    assert place("满城县要加强安全监管，满城县各乡镇要落实责任。") == ("河北省", "保定市", "满城区")


def test_shared_county_name_needs_its_parent():
    text = "鼓楼区要加强安全监管，鼓楼区各街道要落实责任。"
    assert place(text) == (None, None, None)
    assert place(text, "南京市的经验值得学习。") == ("江苏省", "南京市", "鼓楼区")
    assert place(text, "福州要建设平安城市。") == ("福建省", "福州市", "鼓楼区")
    assert place(text, "开封市委、市政府高度重视。") == ("河南省", "开封市", "鼓楼区")
    assert place(text, "徐州各区都要落实。") == ("江苏省", "徐州市", "鼓楼区")


def test_accident_elsewhere_does_not_win():
    text = [
        "河北省张家口市“11·28”爆炸事故造成23人死亡，山西省晋中市某煤矿发生瓦斯爆炸事故，教训深刻。",
        "国务院安委会要求各地深刻吸取教训。为促进路南区经济社会发展保驾护航。",
        "路南区各街道要落实属地责任。",
    ]
    assert place(*text) == ("河北省", "唐山市", "路南区")


def test_town_of_the_same_name_is_not_the_county():
    # 宜兴埠镇 is a town in 北辰区, not 江苏省宜兴市: the town places the text in its own county
    found = region.resolve("", ["宜兴埠镇、宜兴埠镇、宜兴埠镇要抓好落实。"], "town")
    assert found == {"province": "天津市", "city": "天津市", "county": "北辰区", "town": "宜兴埠镇"}


def test_title_mention_is_strong_evidence():
    assert place("全区要抓好落实。", title="在北辰区安全生产工作会议上的讲话") == ("天津市", "天津市", "北辰区")
