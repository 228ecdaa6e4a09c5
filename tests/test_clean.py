"""clean(): every seed's boilerplate goes, every sentence of the speech stays, in order."""
from pathlib import Path

import pytest

from ingest.clean import chinese_punctuation, clean, clean_title, learn_furniture

ROOT = Path(__file__).resolve().parents[1]


def seed(prefix):
    path = next((ROOT / "corpus").glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8").splitlines()


def removed(cleaned, reason):
    return [cut["text"] for cut in cleaned.removed if cut["reason"] == reason]


def headings(cleaned):
    return [p["n"] for p in cleaned.paragraphs if p["heading"]]


def test_seed_000_ad_block_goes_whole_and_glued_headings_stay_one_paragraph():
    cleaned = clean(seed("000"))
    assert cleaned.title == "在全市安全生产电视电话会议上的讲话"
    assert removed(cleaned, "ad") == [
        "仅供学习 禁止外传", "酷乐文行", "自建平台、实时分享", "根据实际需求和形式任务不断迭代",
        "现在订阅立享前3年的所有权益和资料", "【打击倒卖活动】", "举报倒卖会员资料的人，举报成功免费赠送一年会员材料！",
        "会员群：                      免费QQ群：",
    ]
    assert [cut["reason"] for cut in cleaned.removed] == ["ad"] * 8
    texts = [p["text"] for p in cleaned.paragraphs]
    assert len(texts) == 6
    assert texts[0] == "同志们："
    assert texts[-1].startswith("做好安全生产工作，必须要有“婆婆嘴”") and texts[-1].endswith("提供安全保障。")
    assert headings(cleaned) == [3, 4, 5]
    assert texts[2].startswith("第一，安全生产工作是一项“归零”的工作，我们任何时候都不能松懈安全生产不做到")
    assert [p["section"] for p in cleaned.paragraphs] == [None, None, 3, 4, 5, 5]
    assert "×月，事故起数同比下降×%" in texts[1]          # redactions stay
    assert cleaned.published is None and not cleaned.truncated


def test_seed_001_keeps_its_titled_year_and_every_line():
    cleaned = clean(seed("001"))
    assert cleaned.title == "2023年全区安全生产工作会议讲话"
    assert cleaned.removed == []
    assert len(cleaned.paragraphs) == 9
    assert headings(cleaned) == [3, 5, 7]
    assert cleaned.paragraphs[-1]["text"].endswith("为促进路南区经济社会持续、健康、快速发展保驾护航。")
    assert "总结20**年安全生产工作" in cleaned.paragraphs[1]["text"]


def test_seed_002_parenthesised_headings_and_half_width_punctuation():
    cleaned = clean(seed("002"))
    assert cleaned.title == "安全生产会议上的领导讲话稿"
    assert cleaned.removed == []
    texts = [p["text"] for p in cleaned.paragraphs]
    assert len(texts) == 24
    assert (texts[0], texts[-1]) == ("同志们：", "谢谢大家！")
    assert headings(cleaned) == [3, 8, 15, 17, 18, 19, 20, 21, 22]
    assert texts[16].startswith("（一）继续开展安全生产标准化“****”工程创建活动。")
    assert "焦市长与县（市、区）及市直部门" in texts[1]
    assert "企业抓安全，法人是关键；法人抓安全" in texts[17]
    assert "《XX市市级危险化学品事故应急救援联动机制》" in texts[21]


def test_seed_003_date_line_intro_repeated_titles_paywall_and_tail():
    cleaned = clean(seed("003"))
    assert cleaned.title == "在平安生产工作部署会议上的讲话"
    assert cleaned.published == "2022-06-27"
    assert cleaned.truncated
    assert removed(cleaned, "date_line") == ["时间:2022-06-27 14:40:04 讲话稿 浏览次数:"]
    assert removed(cleaned, "intro") == ["下面是小编为大家整理的2022在平安生产工作部署会议上的讲话,供大家参考。"]
    assert removed(cleaned, "duplicate_title") == ["2022在平安生产工作部署会议上的讲话", "在平安生产工作部署会议上的讲话"]
    assert removed(cleaned, "title_year") == ["2022"]
    assert removed(cleaned, "paywall") == ["当前隐藏内容免费查看"]
    assert removed(cleaned, "recommend")[0].startswith("推荐访问:平安 工作部署 讲话")
    assert len(cleaned.removed) == 7
    texts = [p["text"] for p in cleaned.paragraphs]
    assert len(texts) == 19
    assert (texts[0], texts[-1]) == ("同志们：", "我就讲这些，谢谢大家。")
    assert texts[4].endswith("把******关于平安生产的一系列重要批示指示要求落到实处。")
    assert headings(cleaned) == [3, 5, 6, 7, 8, 13]
    assert "10*28″火灾事故" in texts[1]


def test_seed_004_redacted_names_stay():
    cleaned = clean(seed("004"))
    assert cleaned.title == "在2022年县安委会全体（扩大）会议暨全县安全生产工作会讲话"
    assert cleaned.removed == []
    texts = [p["text"] for p in cleaned.paragraphs]
    assert len(texts) == 18
    assert headings(cleaned) == [3, 8, 13]
    assert texts[-1] == "我就讲这么多，谢谢大家。"
    assert "省委第*轮巡视**县反馈安全问题共有**项" in texts[9]


@pytest.mark.parametrize("scraped, title", [
    ("2022在平安生产工作部署会议上的讲话", "在平安生产工作部署会议上的讲话"),
    ("2023年全区安全生产工作会议讲话", "2023年全区安全生产工作会议讲话"),
    ("在全县安全生产工作会议上的讲话 - 第一范文网", "在全县安全生产工作会议上的讲话"),
    ("安全生产工作会议讲话稿_某某文库", "安全生产工作会议讲话稿"),
    ("2022-2023年度安全生产工作总结", "2022-2023年度安全生产工作总结"),
    ("2022", "2022"),
])
def test_title(scraped, title):
    assert clean_title(scraped) == title


def test_first_paragraph_never_repeats_the_title():
    cleaned = clean(["全县安全生产工作会议讲话 - 某某网", "全县安全生产工作会议讲话", "同志们：", "今天开会。"])
    assert cleaned.title == "全县安全生产工作会议讲话"
    assert [p["text"] for p in cleaned.paragraphs] == ["同志们：", "今天开会。"]


def test_text_without_a_title_line_has_none():
    cleaned = clean(["同志们：", "今天开会，部署安全生产工作。"])
    assert cleaned.title is None
    assert len(cleaned.paragraphs) == 2


@pytest.mark.parametrize("raw, chinese", [
    ("同志们:", "同志们："),
    ("刚刚,我们观看了专题片;问题很多!怎么办?", "刚刚，我们观看了专题片；问题很多！怎么办？"),
    ("(一)健全机制", "（一）健全机制"),
    ("增长1,000元,比例为1:2", "增长1,000元，比例为1:2"),
    ("GDP(国内生产总值)", "GDP（国内生产总值）"),
    ("see (a, b)", "see (a, b)"),
])
def test_chinese_punctuation(raw, chinese):
    assert chinese_punctuation(raw) == chinese


def test_ascii_angle_brackets_in_text_are_kept():
    line = "全国人大常委会通过了《关于修改<中华人民共和国安全生产法>的决定》，自2021年9月1日起施行。"
    cleaned = clean(["学习新安全生产法的讲话", line])
    assert cleaned.paragraphs[0]["text"] == line


def test_converter_pinyin_residue_is_dropped_and_recorded():
    cleaned = clean(["讲话", "各乡鎮(zhèn)要落实责任，街道（jiē）也要落实。(abc)保留"])
    assert cleaned.paragraphs[0]["text"] == "各乡鎮要落实责任，街道也要落实。(abc)保留"
    assert removed(cleaned, "pinyin") == ["(zhèn)", "（jiē）"]


def test_chapter_and_article_outline():
    cleaned = clean(["煤矿安全生产条例", "第一章 总则", "第一条 为了加强煤矿安全生产工作，制定本条例。",
                     "第二章 煤矿企业的安全生产责任", "第十条 煤矿企业应当……"])
    assert [(p["heading"], p["section"]) for p in cleaned.paragraphs] == [
        (True, 1), (False, 1), (True, 3), (False, 3)]


def test_learnt_furniture_is_removed_but_speech_formulae_are_not_learnt():
    site = [["本站所有资料均来自网络", "同志们：", f"第{i}篇讲话的正文。", "谢谢大家！", "更多范文请访问本站"]
            for i in range(10)]
    furniture = learn_furniture(site)
    assert furniture == {"本站所有资料均来自网络", "更多范文请访问本站"}
    cleaned = clean(["某讲话"] + site[0], furniture=furniture)
    assert [p["text"] for p in cleaned.paragraphs] == ["同志们：", "第0篇讲话的正文。", "谢谢大家！"]
    assert removed(cleaned, "furniture") == ["本站所有资料均来自网络", "更多范文请访问本站"]


def test_a_crawler_duplicated_paragraph_goes_once():
    long_line = "要坚持问题导向，拿这些问题说事、向这些问题开刀，不解决誓不罢休、不见效绝不收兵。"
    cleaned = clean(["讲话", long_line, long_line, "短句", "短句"])
    assert [p["text"] for p in cleaned.paragraphs] == [long_line, "短句", "短句"]
    assert removed(cleaned, "repeated_line") == [long_line]


# ---- what every site prints (data/furniture_lexicon.tsv); the lines are from real portal and government pages

@pytest.mark.parametrize("line", [
    "新浪首页 > 房产 > 地产新闻 > 正文",
    "搜狐首页 - 新闻 - 体育 - 娱乐 - 财经 - IT - 汽车 - 房产 - 女人 - 短信 - 彩信",
    "页面功能 【我来说两句】【我要“揪”错】【推荐】【字体：大 中 小】【打印】 【关闭】",
    "（ 责任编辑：XXX ）",
    "Copyright © 1996 - 2005 SINA Inc. All Rights Reserved",
    "您还未登录，请登录后进行收藏！",
    "是否“确认”跳转到登录页？ 确认 取消",
    "轮播图预览：",
    "扫一扫在手机打开当前页",
    "上一篇：关于开展2023年安全生产月活动的通知",
    "现在位置： 首页 >> 东区新闻 >> 正文",
    "2019-09-09 19:32:27 字号：A- A A+ 来源：中新网",
    "主办：山西省人民政府办公厅 © 山西省人民政府网 版权所有 晋ICP备12000773号 晋公网安备 14010502000",
    "好文网 - 工作总结|讲话稿|心得体会|述职报告|演讲稿|工作计划",
    "发表于 2024-5-18 19:27:00 | 只看该作者 来自 - 四川南充 |倒序浏览 |阅读模式",
    "广告",
    "下载法广应用程序跟踪国际时事",
])
def test_site_furniture_lines_go(line):
    cleaned = clean(["在全县安全生产工作会议上的讲话", "同志们：", line, "今天召开会议，部署安全生产工作。"])
    assert [p["text"] for p in cleaned.paragraphs] == ["同志们：", "今天召开会议，部署安全生产工作。"]
    assert [cut["text"] for cut in cleaned.removed] == [line]       # recorded (furniture, or site/ad rules)


@pytest.mark.parametrize("sentence", [
    "他在上一篇讲话中强调，安全生产必须警钟长鸣、常抓不懈，容不得半点马虎。",
    "由市应急管理局主办，各县区承办的安全生产月活动启动仪式在市民广场举行。",
    "各单位要认真学习上级文件精神，相关链接已发各单位邮箱，请及时下载学习。",
    "2023年3月15日",
    "各地要下载安装国家反诈中心APP，提高群众防范电信诈骗的意识。",
    "2019年5月10日，全县安全生产工作会议召开，县长作讲话，阅读全文请点击本网。",
])
def test_article_sentences_with_furniture_words_stay(sentence):
    cleaned = clean(["在全县安全生产工作会议上的讲话", sentence])
    assert [p["text"] for p in cleaned.paragraphs] == [sentence]


def test_document_sharing_page_loses_its_info_line_paywall_tail_and_related_list():
    cleaned = clean(["好文网 - 工作总结|讲话稿|心得体会|述职报告", "页数：12 下载券：2 上传者：abc123 2019-03-02",
                     "同志们：", "今天召开全县安全生产工作会议，主要任务是总结工作、部署任务。", "……",
                     "剩余 10 页未读，继续阅读", "相关文档", "2019年安全生产工作总结", "安全生产月活动方案"],
                    title="2019年全县安全生产工作会议讲话.doc_百度文库")
    assert cleaned.title == "2019年全县安全生产工作会议讲话"
    assert [p["text"] for p in cleaned.paragraphs] == ["同志们：", "今天召开全县安全生产工作会议，主要任务是总结工作、部署任务。"]
    assert cleaned.truncated
    assert removed(cleaned, "paywall") == ["剩余 10 页未读，继续阅读"]
    assert removed(cleaned, "recommend") == ["相关文档", "2019年安全生产工作总结", "安全生产月活动方案"]
    assert {"_百度文库", ".doc"} <= set(removed(cleaned, "title_suffix"))


def test_document_sharing_download_prompts_inline_and_alone():
    # as a 文库 page prints them, glued to the last visible paragraph or on their own lines
    cleaned = clean(["投标书范本", "开户行地址：[开户行地址] 下载文档到电脑，查找使用更方便 1下载券 6681人已下载 下载 还剩 15页未读，继续阅读.",
                     "下载文档到电脑，查找使用更方便", "2下载券  42人已下载", "下载", "还剩3页未读，继续阅读", "下载 收藏 举报"])
    assert [p["text"] for p in cleaned.paragraphs] == ["开户行地址：[开户行地址]"]
    assert cleaned.truncated
    assert removed(cleaned, "paywall") == ["还剩 15页未读，继续阅读.", "还剩3页未读，继续阅读"]


def test_regulations_that_say_member_resale_or_fee_are_not_ads():
    # lines of real regulations (shared/corpus-real) that the ad words 会员 / 倒卖 / 付费 used to cut
    lines = ["最高人民法院关于对变造、倒卖变造邮票行为如何适用法律问题的解释",
             "为了正确适用刑法，现对审理变造、倒卖变造邮票案件如何适用法律问题解释如下：",
             "(二)红十字会会员；", "(一)倒卖购票证件、客票和航空运输企业的有效订座凭证；",
             "(十)需要旅游者另行付费的游览项目及价格；"]
    cleaned = clean(lines)
    assert cleaned.removed == []
    assert len(cleaned.paragraphs) == 4


def test_a_clause_repeated_under_two_articles_stays_but_a_duplicated_block_goes():
    clause = "（一）委托未取得相应许可证的单位进行民用核安全设备设计、制造、安装和无损检验活动的；"
    law = ["民用核安全设备监督管理条例", "第四十四条 有下列情形之一的，责令停止违法行为：", clause,
           "第四十五条 有下列情形之一的，处10万元以上50万元以下的罚款：", clause]
    assert [p["text"] for p in clean(law).paragraphs] == law[1:]
    block = ["要坚持问题导向，拿这些问题说事、向这些问题开刀，不解决誓不罢休、不见效绝不收兵。",
             "要压实各级领导干部的安全生产责任，做到守土有责、守土负责、守土尽责，决不能掉以轻心。"]
    cleaned = clean(["讲话", "同志们：", *block, "谢谢大家！", *block])
    assert [p["text"] for p in cleaned.paragraphs] == ["同志们：", *block, "谢谢大家！"]
    assert removed(cleaned, "repeated_line") == block
