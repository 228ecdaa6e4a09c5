"""describe(): year, region, level, doc_type and topics of a document."""
import csv
from pathlib import Path

import pytest

import ingest
from ingest.metadata import describe

ROOT = Path(__file__).resolve().parents[1]
CORPUS_REAL = ROOT.parent / "shared" / "corpus-real"


def seed_lines(prefix):
    """The seed's non-empty lines: title first, then the body (ads before the title dropped)."""
    path = next((ROOT / "corpus").glob(f"{prefix}_*.txt"))
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def seed_document(prefix):
    """(title, paragraphs, published) of a seed, cut by hand as the cleaner should cut it."""
    lines = seed_lines(prefix)
    if prefix == "000":
        start = lines.index("在全市安全生产电视电话会议上的讲话")
        return lines[start], lines[start + 1:], None
    if prefix == "003":
        body = lines[lines.index("同志们:"): -1]
        return "在平安生产工作部署会议上的讲话", [line.replace(" 当前隐藏内容免费查看", "") for line in body], \
            "2022-06-27"
    return lines[0], lines[1:], None


SEEDS = {
    "000": dict(region=(None, None, None), level="市", year=None, year_source="none"),
    "001": dict(region=("河北省", "唐山市", "路南区"), level="区", year=2023, year_source="title"),
    "002": dict(region=("河北省", "沧州市", None), level="市", year=None, year_source="none"),
    # a speech a content site reposted: its page date (2022-06-27) is when it was posted, not the speech's year
    "003": dict(region=("天津市", "天津市", "北辰区"), level="区", year=None, year_source="none"),
    "004": dict(region=(None, None, None), level="县", year=2022, year_source="title"),
}


def region_tuple(meta):
    return meta["region"]["province"], meta["region"]["city"], meta["region"]["county"]


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_metadata(prefix):
    meta = describe(*seed_document(prefix))
    expected = SEEDS[prefix]
    assert region_tuple(meta) == expected["region"]
    assert meta["level"] == expected["level"]
    assert (meta["year"], meta["year_source"]) == (expected["year"], expected["year_source"])
    assert meta["doc_type"] == "讲话"


@pytest.mark.parametrize("prefix", sorted(SEEDS))
def test_seed_metadata_through_clean_file(prefix):
    path = next((ROOT / "corpus").glob(f"{prefix}_*.txt"))
    (doc,) = ingest.clean_file(path)
    expected = SEEDS[prefix]
    assert region_tuple(doc) == expected["region"]
    assert doc["level"] == expected["level"]
    assert (doc["year"], doc["year_source"]) == (expected["year"], expected["year_source"])
    if prefix == "003":
        assert doc["published"] == "2022-06-27"


def test_seed_topics():
    assert "危险化学品" in describe(*seed_document("002"))["topics"]
    assert "煤矿" in describe(*seed_document("004"))["topics"]
    assert "煤矿" not in describe(*seed_document("001"))["topics"]


def test_traditional_text_is_described_like_simplified():
    title = "在2023年全區安全生產工作會議上的講話"
    body = ["同志們：", "以北辰之安保天津之穩，全區各鎮街要抓好煤礦、瓦斯和礦井安全，煤礦企業要落實主體責任。"]
    meta = describe(title, body, None)
    assert region_tuple(meta) == ("天津市", "天津市", "北辰区")
    assert (meta["year"], meta["level"], meta["doc_type"]) == (2023, "区", "讲话")
    assert "煤矿" in meta["topics"]


@pytest.mark.parametrize("title, body, published, expected", [
    ("二〇二三年全县安全生产工作会议讲话", ["全县要抓好落实。"], None, (2023, "title")),
    ("20**年全县安全生产工作会议讲话", ["20**年全县安全生产形势稳定，202x年要再接再厉。"], None, (None, "none")),
    # a speech's page date is a repost date, not its year; a news report's date line is its year
    ("二〇**年全县安全生产工作会议讲话", ["全县要抓好落实。"], "2021-03-02", (None, "none")),
    ("全县安全生产大检查启动", ["3月2日，县安委会召开会议，部署安全生产大检查。"], "2021-03-02", (2021, "date_line")),
    ("全县安全生产工作会议讲话", ["总结2022年工作，部署2023年安全生产工作。"], "2024-01-05", (2023, "body")),
    ("全县安全生产工作会议讲话", ["回顾2022年，全县安全生产形势稳定。"], None, (2023, "body")),
    # a year mentioned as history is not the speech's year
    ("全县安全生产工作会议讲话", ["2008年汶川地震的教训极其深刻。"], "2019-05-12", (None, "none")),
    ("全县安全生产工作会议讲话", ["2008年汶川地震的教训极其深刻。"], None, (None, "none")),
])
def test_year(title, body, published, expected):
    meta = describe(title, body, published)
    assert (meta["year"], meta["year_source"]) == expected


def test_province_speaker_gets_no_city():
    body = ["我省安全生产形势总体平稳，全省各地要抓好落实。", "河北省唐山市要加强监管，唐山市各县区要落实责任。"]
    meta = describe("全省安全生产工作会议讲话", body, None)
    assert meta["level"] == "省"
    assert region_tuple(meta) == ("河北省", None, None)


def test_whole_region_of_an_autonomous_region_is_province_level():
    body = ["全区安全生产形势总体平稳，广西各地要抓好落实，广西壮族自治区各市要落实责任。"]
    meta = describe("在全区安全生产工作会议上的讲话", body, None)
    assert meta["level"] == "省"
    assert region_tuple(meta) == ("广西壮族自治区", None, None)


@pytest.mark.parametrize("title, expected", [
    ("关于做好春节期间安全生产工作的通知", "通知"),
    ("关于印发《2023年安全生产工作要点》的通知", "方案"),      # typed by the plan it carries
    ("全县安全生产专项整治三年行动实施方案", "方案"),
    ("关于进一步加强安全生产工作的意见", "意见"),
    ("2022年安全生产工作总结", "总结"),
    ("关于全县安全生产工作情况的汇报", "报告"),
    ("生产安全事故报告和调查处理条例", "法律法规"),
    ("处方药与非处方药分类管理办法（试行）", "法律法规"),
    ("全区安全生产会议主持词", "主持词"),
    ("县煤矿事故灾难应急预案", "预案"),
    ("企业安全生产责任制管理制度", "制度"),
    ("在安全生产报告会上的讲话", "讲话"),
    ("安全生产随想", "其他"),
])
def test_doc_type_from_title(title, expected):
    assert describe(title, ["安全生产很重要。"], None)["doc_type"] == expected


def test_doc_type_from_opening_when_title_says_nothing():
    assert describe("安全生产会议", ["同志们：", "今天开个会。"], None)["doc_type"] == "讲话"


def test_topics_need_more_than_a_passing_list():
    passing = ["要在危险化学品、烟花爆竹、道路交通、建筑施工等重点行业开展检查。"]
    assert describe("全市安全生产工作会议讲话", passing, None)["topics"] == []
    focused = ["煤矿安全是重中之重。", "各煤矿要加强瓦斯治理，矿井通风要达标。"]
    assert describe("全市安全生产工作会议讲话", focused, None)["topics"] == ["煤矿"]
    assert "消防" in describe("全市消防安全工作会议讲话", ["要抓好落实。"], None)["topics"]


def law(title):
    with (CORPUS_REAL / "manifest.csv").open(encoding="utf-8") as manifest:
        row = next(row for row in csv.DictReader(manifest) if row["title"] == title)
    lines = (CORPUS_REAL / row["file"]).read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:], None


@pytest.mark.skipif(not CORPUS_REAL.exists(), reason="shared/corpus-real is not beside the repository")
@pytest.mark.parametrize("title, topic", [
    ("中华人民共和国安全生产法", "安全生产责任"),
    ("中华人民共和国消防法", "消防"),
    ("危险化学品安全管理条例", "危险化学品"),
    ("煤矿安全生产条例", "煤矿"),
    ("生产安全事故报告和调查处理条例", None),
])
def test_national_laws(title, topic):
    meta = describe(*law(title))
    assert meta["level"] == "国家"
    assert region_tuple(meta) == (None, None, None)
    assert meta["doc_type"] == "法律法规"
    if topic:
        assert topic in meta["topics"]


@pytest.mark.skipif(not CORPUS_REAL.exists(), reason="shared/corpus-real is not beside the repository")
@pytest.mark.parametrize("title, year", [
    ("中华人民共和国安全生产法", 2021),        # 2002 通过, then 2009, 2014 and 2021 修正
    ("电影管理条例", 2001),                  # 2001 通过/公布; 2002年2月1日 施行 is not a new text
    ("合理化建议和技术改进奖励条例", 1982),
])
def test_national_text_year_is_its_latest_promulgation_or_revision(title, year):
    assert describe(*law(title))["year"] == year


@pytest.mark.skipif(not CORPUS_REAL.exists(), reason="shared/corpus-real is not beside the repository")
def test_no_real_national_text_gets_a_region():
    with (CORPUS_REAL / "manifest.csv").open(encoding="utf-8") as manifest:
        files = [row["file"] for row in csv.DictReader(manifest)]
    placed = []
    for name in files:
        lines = (CORPUS_REAL / name).read_text(encoding="utf-8").splitlines()
        meta = describe(lines[0], lines[1:], None)
        if meta["region"]["province"]:
            placed.append((lines[0], meta["region"]))
    assert placed == []


def test_empty_or_odd_input_is_described_without_error():
    empty = describe("", [], None)
    assert (empty["year"], empty["level"], empty["doc_type"], empty["topics"]) == (None, None, "其他", [])
    odd = describe(None, ["", "\x00\ufffd**", "<script>alert(1)</script>"], "not-a-date")
    assert (odd["year"], odd["year_source"]) == (None, "none")
    assert odd["region"] == {"province": None, "city": None, "county": None, "town": None}


# --- real documents (tests/data/real, from the development set; sources in its README) ----------------------

REAL = ROOT / "tests" / "data" / "real"
EXTRACT_PAGES = ROOT / "bench" / "data" / "extract" / "pages"   # a case may name a page of the extraction set


def real(name):
    (doc,) = ingest.clean_file(REAL / name)
    return doc


def fields(doc):
    region = doc["region"]
    return (doc["title"], doc["year"], region["province"], region["city"], region["county"], region["town"],
            doc["level"], doc["doc_type"])


@pytest.mark.parametrize("name, expected", [
    # a news fragment: no title (not the file name); a town whose name three counties share keeps no parents
    ("town_news_homonym_liuqiao.txt", (None, None, None, None, None, "刘桥镇", "镇", "新闻")),
    # one line, no title: 赤山镇 named once and 我镇 is enough to place it; the year from 召开2020年…例会
    ("town_news_oneline_chishan.txt", (None, 2020, "江西省", "萍乡市", "上栗县", "赤山镇", "镇", "新闻")),
    # 吸取…银川市“6·21”燃气爆炸事故教训 never wins; the site footer 主办：北京市西城区人民政府办公室 does
    ("district_news_accident_elsewhere_footer.txt", (None, None, "北京市", "北京市", "西城区", None, "区", "新闻")),
    # 通州区 (北京 and 南通 both have one) resolved by 北京市 named beside it
    ("district_news_tongzhou_beijing.txt", ("通州区启动2024年春节期间安全生产和消防隐患检查工作", 2024, "北京市", "北京市",
                                            "通州区", None, "区", "新闻")),
    # a 直辖市's own bureau (市住房城乡建设委) is 省; the title glued to 信息来源: on one line
    ("municipality_news_oneline_glued_title.txt", (
        "市住房城乡建设委、市消防救援总队联合开展2024年春节前安全生产和消防工作督导检查", 2024, "北京市", "北京市", None, None,
        "省", "新闻")),
    # a provincial regulation is 省 and placed, never 国家; its year from …会议通过
    ("provincial_regulation_oneline_liaoning.txt", ("辽宁省安全生产条例", 2017, "辽宁省", None, None, None, "省", "法律法规")),
    ("municipal_regulation_tianjin.txt", ("天津市安全生产条例", 2010, "天津市", "天津市", None, None, "省", "法律法规")),
    ("promulgation_tianjin_rules_traditional.txt", (None, 2009, "天津市", "天津市", None, None, "省", "法律法规")),
    # the site banner (v美丽郊区v) is no title; the headline above 发布日期 is
    ("headline_above_date_line_jiaoqu.txt", ("郊区组织召开全国两会期间全区安全防范和春季森林草原防灭火工作会议", 2025, None, None,
                                             None, None, "区", "新闻")),
    # (the title's half-width colon among Chinese is made full-width, like the paragraphs')
    ("headline_breadcrumb_date_source_line.txt", ("黑龙江：认真抓好春夏火灾防控工作 加大教育引导力度", 2018, "黑龙江省", None,
                                                  None, None, "省", "新闻")),
    # a department (旗应急管理局) takes its government's level; a 旗 is a county
    ("county_news_banner_department.txt", (None, None, "内蒙古自治区", "兴安盟", "扎赉特旗", None, "县", "新闻")),
    ("street_news_ouyanglu.txt", ("虹口区欧阳路街道召开2019年安全生产工作部署会议", 2019, "上海市", "上海市", "虹口区", "欧阳路街道",
                                  "街道", "新闻")),
    ("township_news_spaced_year.txt", (None, 2018, "云南省", "文山壮族苗族自治州", "砚山县", "者腊乡", "乡", "新闻")),
    ("zone_news_wujiang.txt", (None, None, "江苏省", "苏州市", "吴江区", None, "开发区", "新闻")),
    # a company's news: 企业, placed by the company's name (山东…集团有限公司) or its county-level city (邹平市)
    ("company_news_shandong.txt", (None, None, "山东省", None, None, None, "企业", "新闻")),
    ("company_news_county_level_city.txt", (None, 2019, "山东省", "滨州市", "邹平市", "韩店镇", "企业", "新闻")),
    ("plan_chinese_numeral_date.txt", ("上海市安全生产“十一五”规划", 2006, "上海市", "上海市", None, None, "省", "方案")),
    ("speech_dated_in_brackets.txt", ("在全省煤矿安全紧急视频会议上的讲话", 2020, "山西省", None, None, None, "省", "讲话")),
    ("news_traditional_date_line.txt", ("中秋節期間吉林省安全生産形勢總體穩定", 2019, "吉林省", None, None, None, "省", "新闻")),
])
def test_real_document_metadata(name, expected):
    assert fields(real(name)) == expected


FIELD_NAMES = ("title", "year", "province", "city", "county", "town", "level", "doc_type")


@pytest.mark.parametrize("name, expected", [
    # national news on a local portal (荆门) and a national symposium held 在江西南昌: 国家, no place
    ("national_news_local_portal_jingmen.txt", {"level": "国家", "province": None, "doc_type": "新闻"}),
    ("national_symposium_held_in_nanchang_traditional.txt", {"level": "国家", "province": None, "city": None, "year": 2019}),
    # items the page appends below the story (平度市…, 湖北省2025年…方案) give it neither a place nor a year
    ("national_news_items_appended.txt", {"level": "国家", "province": None, "county": None, "year": None}),
    # page furniture above the lead (打印本頁 轉發 收藏) does not hide that the State Council's committee met
    ("national_news_traditional_below_furniture.txt", {"level": "国家", "province": None, "year": 2006}),
    # a national bureau opening the title is national, whatever place it is about (支援西藏…座谈会)
    ("national_bureau_news_about_tibet.txt", {"level": "国家", "province": None}),
    # a local body that joins the national meeting (组织参加全国…会议) keeps its own level and place
    ("zone_news_joins_national_meeting.txt", {"level": "开发区", "province": "陕西省"}),
    # a national story in a Beijing paper (北京商报讯…中国人民银行…): the paper's seat is not its place
    ("html_national_story_beijing_paper.html", {"province": None, "city": None, "year": 2024}),
    # 记者：沈阳 is the reporter, not 沈阳市: 我市 and 连云港 place the report
    ("city_news_byline_reporter_shenyang.txt", {"province": "江苏省", "city": "连云港市", "level": "市"}),
    # 防风险保平安迎大庆 is a slogan, not 大庆市
    ("county_speech_slogan_yingdaqing.txt", {"province": None, "city": None, "level": "县", "year": 2020}),
    # 党中央、国务院关于…决策部署 quoted in a county plan does not make it national; the plan named after the
    # addressees is the title; the signature flattened into the line dates it
    ("county_plan_issued_oneline_yongjia.txt", {"title": "永嘉县应急管理“十四五”规划", "year": 2021, "province": "浙江省",
                                                "city": "温州市", "county": "永嘉县", "level": "县", "doc_type": "方案"}),
    # a document-sharing summary opens with the title (《在全县…会议上的讲话》讲解了…)
    ("sharing_site_summary_county_speech.txt", {"title": "在全县安全生产暨消防工作会议上的讲话", "doc_type": "讲话", "level": "县"}),
    # a Traditional headline is a title (its words read in Simplified); a document number line is not
    ("ministry_news_traditional_headline.txt", {"title": "應急管理部與新華社舉行戰略合作備忘錄簽署儀式和中國應急信息網上線儀式",
                                                "level": "国家"}),
    ("municipal_regulation_number_line_traditional.txt", {"title": "天津市安全生產條例", "doc_type": "法律法规"}),
    # a notice that revises a 预案 is typed by what it issues, like one that 印发 it
    ("zone_notice_revises_plan_zhengzhou.txt", {"doc_type": "预案", "level": "开发区", "year": 2018}),
    # a speech fragment without a heading: 我完全赞同 opens a speech; 集团公司 speaks
    ("group_speech_fragment_i_agree.txt", {"title": None, "doc_type": "讲话", "level": "企业"}),
    ("company_speech_no_title.txt", {"title": None, "doc_type": "讲话", "level": "企业"}),
    # an essay (…的思考及建议) is 其他, not news
    ("county_essay_hezhang.txt", {"doc_type": "其他", "level": "县", "county": "赫章县"}),
    # a content site's [VIP] marker is no part of the title
    ("district_speech_vip_marker.txt", {"title": "区长在安全生产电视电话会议结束后的讲话", "year": None, "level": "区"}),
    # a government office as the page's source dates the 预案 it posts, in either order
    ("county_plan_traditional_government_source.txt", {"year": 2019, "doc_type": "预案", "county": "舟曲县"}),
    ("provincial_plan_source_after_date.txt", {"year": 2011, "doc_type": "预案", "province": "浙江省"}),
    # 对2010年的安全生产工作进行了全面具体的部署 dates the meeting
    ("provincial_meeting_plans_the_year_fujian.txt", {"year": 2010, "province": "福建省", "level": "省"}),
    # a signature date that lost its 年月日 (2020619)
    ("city_plan_signature_digits.txt", {"year": 2020, "city": "昭通市", "doc_type": "方案"}),
    # a township acting in the title (祝楼乡切实做好…) is 乡 though the gazetteer lacks it
    ("township_news_not_in_gazetteer.txt", {"level": "乡", "province": None}),
    # the bodies that present at a meeting (推介会上，省商务厅、…示范区管委会、中车太原…公司…分别作了推介) do not
    # speak for the report: 我省 does, so 省 and no city
    (EXTRACT_PAGES / "E023.html", {"level": "省", "province": "山西省", "city": None}),
    # but the towns reporting to a county meeting (金塘镇、肖岭乡…依次进行交流发言) tell whose meeting it is
    ("county_news_towns_report_chongyang.txt", {"province": "湖北省", "city": "咸宁市", "county": "崇阳县", "town": None}),
    # 我委…會同縣總工會 is "jointly with the county's union", not 会同县 (湖南): the report names no place
    ("county_report_jointly_with_union_traditional.txt", {"province": None, "county": None, "year": 2013}),
    # a year looked back on dates a text to the next (1月9日…2018年，…取得积极成效…新的一年，要…: 2019), but
    # a December meeting that 回顾了街办2015年安全生产工作 sums up its own year
    ("national_news_local_portal_jingmen.txt", {"year": 2019}),
    ("street_news_year_end_review_beitian.txt", {"year": 2015, "town": "北田街道", "level": "街道"}),
    # a news headline's kicker (…会议强调) and its two main lines are one title, and the national meeting speaking
    # in it is 国家 (its 落实 is no local relay); a page part (1) is no part of a title
    ("national_news_items_appended.txt", {"title": "全国安全生产电视电话会议强调 狠抓安全防范责任措施落实 为党的二十大胜利召开营造良好氛围",
                                          "level": "国家", "province": None}),
    ("provincial_meeting_plans_the_year_fujian.txt", {"title": "严字当头 强化落实 保障大局"}),
    # part H, held out: a street that fourteen counties have (河东街道召开…) still speaks as a 街道, placed by name only
    ("street_news_homonym_hedong.txt", {"level": "街道", "town": "河东街道", "province": None, "county": None}),
    # a link to another article (- 上一篇：…) is no title
    ("company_news_previous_article_link.txt", {"title": None, "level": "企业", "year": 2018}),
    # 安委会主任聂荣建 is a manager, not 聂荣县 (西藏)
    ("company_news_manager_named_nierong.txt", {"province": None, "city": None, "level": "企业", "year": 2023}),
    # the year's campaign launched (宣布2022年度安全生產月活動正式啟動); the year's related work planned (部署2017年…相关工作)
    ("company_news_traditional_campaign_launched.txt", {"year": 2022, "level": "企业"}),
    ("township_news_plans_related_work_hezuoqiao.txt", {"year": 2017, "town": "合作桥乡", "county": "永定区", "level": "乡"}),
    # 管委会副主任…讲话 outweighs the zone's 全区
    ("zone_news_deputy_director_speaks.txt", {"level": "开发区", "province": None}),
    # 新中国成立70周年大庆 is a celebration, not 大庆市: the provincial news names no province
    ("provincial_news_anniversary_celebration.txt", {"province": None, "city": None, "level": "省", "year": 2019}),
    # a city paper retelling the provincial meeting its mayor joined at the city's branch venue (市长徐曙海在镇江分会场
    # 收听收看会议) speaks for the city, though 全省 and 省长 fill the story
    ("city_news_mayor_at_branch_venue_zhenjiang.txt", {"level": "市", "province": "江苏省", "city": "镇江市"}),
    # a notice forwarding another (现将《国务院办公厅…的通知》(国办发明电[2005]32号)转发给你们) is of that notice's year
    ("provincial_notice_forwards_state_council_oneline.txt", {"year": 2005, "province": "安徽省", "doc_type": "通知"}),
    # a headline about management (辽滨经开区加强化工园区封闭化管理) above its date line is the title; the footer's
    # 主办：…承办：…管理局 never is
    ("zone_news_headline_management.txt", {"title": "辽滨经开区加强化工园区封闭化管理", "level": "开发区"}),
    ("district_news_accident_elsewhere_footer.txt", {"title": None}),
])
def test_real_document_fields(name, expected):
    got = dict(zip(FIELD_NAMES, fields(real(name))))
    assert {field: got[field] for field in expected} == expected


@pytest.mark.parametrize("name, field, source, quoted", [
    ("county_plan_issued_oneline_yongjia.txt", "year", "date_line", "人民政府 2021年12月28日"),
    ("county_plan_traditional_government_source.txt", "year", "date_line", "来源:县政府办  发布日期:2019-05-09"),
    ("provincial_plan_source_after_date.txt", "year", "date_line", "2011-10-21"),
    ("provincial_meeting_plans_the_year_fujian.txt", "year", "body", "对2010年的安全生产工作进行了全面具体的部署"),
    ("national_news_local_portal_jingmen.txt", "level", "body", "国务院1月9日召开全国安全生产电视电话会议"),
    ("national_symposium_held_in_nanchang_traditional.txt", "level", "title", "座谈会召开"),
    ("sharing_site_summary_county_speech.txt", "title", "first_sentence", "在全县安全生产暨消防工作会议上的讲话"),
])
def test_each_fix_quotes_its_evidence(name, field, source, quoted):
    found = real(name)["evidence"][field]
    assert found["source"] == source
    assert quoted in found["quote"]


def quotes(doc):
    return {name: found["quote"] for name, found in doc["evidence"].items() if found}


@pytest.mark.parametrize("name, field, source, quoted", [
    ("provincial_regulation_oneline_liaoning.txt", "year", "body", "2017年1月10日辽宁省第十二届人民代表大会常务委员会"),
    ("promulgation_tianjin_rules_traditional.txt", "year", "body", "2009年11月30日经天津市人民政府第40次常务会议通过"),
    ("headline_breadcrumb_date_source_line.txt", "year", "date_line", "2018-03-29"),       # 2018-03-29 16:54:16 来源:…
    ("news_traditional_date_line.txt", "year", "date_line", "2019-09-17"),
    ("town_news_oneline_chishan.txt", "year", "body", "召开2020年第一季度安全生产工作例会"),
    ("township_news_spaced_year.txt", "year", "body", "2018年安全生产工作会"),         # written 2018 年
    ("plan_chinese_numeral_date.txt", "year", "body", "2006年8月26日"),                    # written 二○○六年八月二十六日
    ("speech_dated_in_brackets.txt", "year", "date_line", "（2020年11月17日）"),
    ("district_news_tongzhou_beijing.txt", "year", "title", "通州区启动2024年"),
    ("district_news_accident_elsewhere_footer.txt", "region", "site", "北京市西城区人民政府办公室"),   # its footer
    ("street_news_ouyanglu.txt", "region", "title", "欧阳路街道"),
    ("town_news_oneline_chishan.txt", "region", "body", "赤山镇在镇综合楼中会议室召开"),
    ("county_news_banner_department.txt", "level", "body", "旗应急管理局"),
    ("municipality_news_oneline_glued_title.txt", "doc_type", "body", "信息来源"),
])
def test_each_field_quotes_its_evidence(name, field, source, quoted):
    doc = real(name)
    found = doc["evidence"][field]
    assert found["source"] == source
    assert quoted in found["quote"]


@pytest.mark.parametrize("name, title_source", [
    ("district_news_tongzhou_beijing.txt", "first_line"),
    ("headline_above_date_line_jiaoqu.txt", "headline"),
    ("headline_breadcrumb_date_source_line.txt", "headline"),
    ("provincial_regulation_oneline_liaoning.txt", "first_sentence"),
    ("municipality_news_oneline_glued_title.txt", "first_sentence"),
    ("town_news_homonym_liuqiao.txt", "none"),
])
def test_title_source_says_where_the_title_came_from(name, title_source):
    doc = real(name)
    assert doc["title_source"] == title_source
    assert (doc["evidence"]["title"] or {}).get("quote") == doc["title"]


def test_a_xiaobian_intro_that_holds_the_only_title_gives_it(tmp_path):
    # the real page without its breadcrumb and headline lines: only 学习啦小编…整理的镇长安全生产讲话稿 names it
    lines = (REAL / "town_speech_breadcrumb_intro.txt").read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if line.strip() and line.strip() != "镇长安全生产讲话稿" and ">" not in line]
    path = tmp_path / "intro_only.txt"
    path.write_text("\n".join(body), encoding="utf-8")
    (doc,) = ingest.clean_file(path)
    assert (doc["title"], doc["title_source"]) == ("镇长安全生产讲话稿", "intro")
    assert any(cut["reason"] == "intro" for cut in doc["removed"])


def test_every_quote_is_in_the_document():
    for path in sorted(REAL.glob("*.txt")):
        doc = real(path.name)
        text = ingest.metadata.normalise("\n".join([doc["title"] or "", *(p["text"] for p in doc["paragraphs"]),
                                                    *(cut["text"] for cut in doc["removed"])]))
        for field, quote in quotes(doc).items():
            assert ingest.metadata.normalise(quote) in text, (path.name, field, quote)


@pytest.mark.parametrize("name, expected, year_quote", [
    # <title> is the headline plus the site's section (… 东区办事处): the page's own headline line is the title
    ("html_street_news_title_with_section.html",
     ("顺德区大良街道党工委委员潘卓辉一行到众创金融街开展调研工作", 2019, "广东省", "佛山市", "顺德区", "大良街道", "街道", "新闻"),
     "发布日期：2019-03-06"),
    # the date line (2019-12-10 07:57:40 来源： 新华网) stands outside the article; a foreign story has no place
    ("html_news_date_before_source.html",
     ("法国全国大罢工再次严重影响交通", 2019, None, None, None, None, None, "新闻"), "2019-12-10 07:57:40 来源"),
])
def test_real_html_pages(name, expected, year_quote):
    doc = real(name)
    assert fields(doc) == expected
    assert doc["title_source"] == "html"
    assert doc["evidence"]["year"] == {"quote": year_quote, "source": "date_line"}
