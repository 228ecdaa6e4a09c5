"""Text copies of document-sharing and paywalled pages (issue 11): the info lines, notices and paywall lines
go, each with its reason, `truncated` says when only part of the text is on the page, the title loses the
file suffix and the page number. Fixtures: real pages in tests/data/real (sources in its README)."""
from pathlib import Path

import ingest
from ingest.clean import clean, clean_title

REAL = Path(__file__).parent / "data" / "real"


def document(name):
    (doc,) = ingest.clean_file(REAL / name, problems=[])
    return doc


def texts(doc):
    return [p["text"] for p in doc["paragraphs"]]


def cut(doc, reason):
    return [removed["text"] for removed in doc["removed"] if removed["reason"] == reason]


def test_page_captions_and_read_remaining_line_go_and_mark_the_document_truncated():
    doc = document("docshare_page_captions_read_remaining.txt")
    assert doc["title"] == "安全生产四个凡事"
    assert doc["truncated"] is True
    assert cut(doc, "paywall") == ["已阅读5页,还剩13页未读 继续免费阅读"]
    assert cut(doc, "duplicate_title")[:4] == [f"安全生产四个凡事_第{n}页" for n in range(2, 6)]
    assert cut(doc, "docinfo") == ["下载本文档", "版权说明:本文档由用户提供并上传,收益归属内容提供方,若内容存在侵权,请进行举报或认领",
                                   "文档简介"]
    # the title the site glued before the first heading goes; the heading stays a heading
    assert texts(doc)[0] == "一、安全生产“四个凡事”的内涵与意义" and doc["paragraphs"][0]["heading"]
    assert not any("_第" in text or "已阅读" in text or "版权说明" in text for text in texts(doc))


def test_title_glued_to_the_first_heading_is_split_from_it():
    doc = document("docshare_title_glued_to_first_heading.txt")
    assert doc["title"] == "运输企业安全生产会议制度"
    assert texts(doc)[:2] == ["一、总则", "1.1制定目的"]
    assert doc["truncated"] is False          # nothing on this copy says it is cut


def test_a_heading_word_inside_a_title_does_not_split_it():
    cleaned = clean(["安全生产“三个一、五到位”工作法", "各单位：", "现将工作法印发给你们。"])
    assert cleaned.title == "安全生产“三个一、五到位”工作法"


def test_pdf_notice_list_goes_and_a_whole_document_is_not_truncated():
    doc = document("docshare_pdf_notice_list.txt")
    assert doc["title"] == "安全的演讲2020精选"
    assert cut(doc, "title_suffix") == [".pdf"]
    assert len(cut(doc, "docinfo")) == 4 and "查看更多" in cut(doc, "site")
    assert doc["truncated"] is False          # 本文档共8页，可阅读全部内容
    # the title spaced as in the PDF (安全的演讲 2020 精选) before the text goes
    assert texts(doc)[0].startswith("在生活和工作中，享受安全与健康的保障")
    assert cut(doc, "duplicate_title") == ["安全的演讲 2020 精选"]


def test_title_repeated_before_the_summary_goes_but_a_sentence_opening_with_the_title_stays():
    doc = document("docshare_title_before_summary.txt")
    assert texts(doc) == [texts(doc)[0]] and texts(doc)[0].startswith("生产需要安全，生产必须安全")
    cleaned = clean(["安全生产法", "安全生产法规定，生产经营单位必须遵守本法。"])
    assert [p["text"] for p in cleaned.paragraphs] == ["安全生产法规定，生产经营单位必须遵守本法。"]


def test_info_list_and_shared_by_member_line_go_with_their_reason():
    doc = document("docshare_info_list_shared_by_member.txt")
    assert doc["title"] == "煤矿职业卫生事故专项预案与煤矿职业危害事故应急救援预案汇编"
    info = cut(doc, "docinfo")
    assert info[:5] == ["- 文档编号:3589305", "- 上传时间:2022-11-24", "- 格式:DOCX", "- 页数:11", "- 大小:24.70KB"]
    assert info[5].endswith("请在冰豆网上搜索。")
    assert texts(doc)[:2] == ["煤矿职业卫生事故专项预案", "一、事故类型和危害程度分析"]


def test_doc_stylesheet_and_trial_end_line_go_and_mark_truncated():
    doc = document("docshare_trial_end_doc_stylesheet.txt")
    assert doc["truncated"] is True
    assert cut(doc, "paywall") == ["试读结束,开通会员文档无限下载使用"]
    (css,) = cut(doc, "css")
    assert css.startswith("l> [标签:标题] @page {") and css.endswith("so-language: ar-SA }")
    assert texts(doc)[0].startswith("同志们： 今天，市安委会在这里召开全市安全生产例会")
    assert not any("{" in text for text in texts(doc))


def test_preview_end_line_marks_truncated_and_the_site_name_and_stamp_go():
    doc = document("fanwen_preview_end.txt")
    assert doc["truncated"] is True
    assert cut(doc, "paywall") == ["预览结束,免费获取全文或定制代笔此类文章!"]
    assert cut(doc, "site") == ["三味园范文网"] and cut(doc, "date_line") == ["2025-04-02"]
    assert texts(doc)[0] == "同志们："


def test_a_line_naming_a_thing_that_ends_in_wang_stays():
    cleaned = clean(["供电安全", "国家电网", "要加强线路巡查。"])
    assert [p["text"] for p in cleaned.paragraphs][:1] == ["国家电网"]


def test_partial_paper_label_marks_truncated():
    doc = document("paper_partial_content.txt")
    assert doc["truncated"] is True and cut(doc, "paywall") == ["论文部分内容阅读"]
    assert texts(doc)[0].startswith("随着我国经济的飞速发展")


def test_omitted_and_unfinished_notes_go_on_a_traditional_page():
    doc = document("wenmi_omitted_and_unfinished_traditional.txt")
    assert doc["truncated"] is True
    notes = cut(doc, "paywall")
    assert len(notes) == 2 and "省略169字" in notes[0] and notes[1].startswith("(未完,全文共744字")
    assert texts(doc)[0].endswith("四人駕車往")
    assert texts(doc)[3].endswith("其實，安全掌握在 ……")         # the site's cut mark stays, as printed
    assert cut(doc, "site") == ["……", "收藏《《安全生產大家談》之《安全最重要》》)"]   # dots left alone, bookmark link


def test_text_stopping_in_an_ellipsis_inside_a_sentence_is_truncated_and_kept():
    doc = document("topic_speech_cut_by_ellipsis.txt")
    assert doc["truncated"] is True
    assert texts(doc)[-1].endswith("一旦你忽视安全，安全就会离你...")


def test_ellipsis_after_a_sentence_or_a_contents_leader_is_not_a_cut():
    assert clean(["通知", "请各单位认真落实。……"]).truncated is False
    assert clean(["预案", "目录", "3.6宣教培训………………………………………"]).truncated is False


def test_intro_paragraph_and_glued_intro_sentence_go():
    doc = document("fanwen_intro_paragraph.txt")
    (intro,) = cut(doc, "intro")
    assert intro.startswith("演讲稿的写法比较灵活") and intro.endswith("安全生产演讲稿优秀选文库,以供参考。")
    assert texts(doc)[:2] == ["各位领导、各位评委、同事们：", "大家好！"]
    doc = document("fanwen_intro_glued_to_speech.txt")
    assert cut(doc, "intro") == ["下面是小编为大家整理的在全县安全生产专项整治工作会议上讲话【优秀范文】,供大家参考。"]
    assert texts(doc)[0].startswith("同志们：经县政府研究决定")
    # a speaker's own 下面是我整理的… stays
    cleaned = clean(["讲话", "下面是我整理的几点意见，供大家参考。请大家认真落实。"])
    assert not [c for c in cleaned.removed if c["reason"] == "intro"]


def test_breadcrumb_trail_ending_in_the_title_goes():
    doc = document("fanwen_breadcrumb_trail_zhengwen.txt")
    assert "首页 > 讲话 > 讲话稿 > 安全稳定 > 市长安全生产讲话【通用三篇】正文" in cut(doc, "furniture")
    assert not any(text.startswith("首页") for text in texts(doc))


def test_recommended_list_after_the_speech_goes_in_traditional():
    doc = document("fanwen_traditional_recommended_tail.txt")
    assert cut(doc, "recommend") == ["小編精心推薦", "安全演講稿 | 珍愛生命演講稿"] * 2
    assert texts(doc)[-1].endswith("安全就是一切的一切！")


def test_welcome_line_goes():
    doc = document("essay_site_welcome_read_all.txt")
    assert cut(doc, "site") == ["欢迎光临散文网"] and doc["truncated"] is True


def test_page_number_leaves_the_title():
    # the titles of three document-sharing hosts' pages (32336.cn, china-audit.com, 35331.cn; README-L.md)
    assert clean_title("安全监理实施细则(定稿) 第5页") == "安全监理实施细则(定稿)"
    assert clean_title("5-1特种设备作业人员安全管理办法 第4页") == "5-1特种设备作业人员安全管理办法"
    assert clean_title("特种作业人员安全技术培训考核管理规定20 第4页") == "特种作业人员安全技术培训考核管理规定20"
    assert clean_title("山东省安全生产资格考试与证书管理实施细则.doc") == "山东省安全生产资格考试与证书管理实施细则"


def test_machine_translation_after_the_chinese_text_goes():
    doc = document("paper_partial_content_machine_translation.txt")
    (english,) = cut(doc, "translation")
    assert english.startswith("Du Xun-Hsun, a poet of the Tang Dynasty, said:")
    assert texts(doc) == [texts(doc)[0]] and texts(doc)[0].startswith("唐代诗人杜荀鹤有诗云")


def test_command_lines_and_short_english_after_chinese_stay():
    lines = ["部署步骤", "先停止旧容器，再启动新的容器，命令如下，每一步都要确认上一步已经完成：",
             "docker stop zookeeper && docker rm zookeeper && docker run -d --name zookeeper -p 2181:2181 zookeeper:3.8",
             "新修改的安全生产法已经施行。", "The Work Safety Law was revised in 2021."]
    assert [p["text"] for p in clean(lines).paragraphs] == lines[1:]


def test_traditional_mirror_loses_the_same_captions_paywall_and_notices():
    doc = document("docshare_traditional_mirror_captions_read_remaining.txt")
    assert doc["title"] == "煤礦井下火災專項應急救援預案"            # pinyin glosses, _第1頁 and .doc gone
    assert cut(doc, "title_suffix") == ["_第1頁", ".doc"]
    assert doc["truncated"] is True and cut(doc, "paywall") == ["已閱讀5頁,還剩32頁未讀, 繼續免費閱讀"]
    assert cut(doc, "docinfo")[0] == "下載本文檔" and cut(doc, "docinfo")[2] == "文檔簡介"
    assert cut(doc, "docinfo")[1].startswith("版權說明:本文檔由用戶提供并上傳")
    assert len(texts(doc)) == 1


def test_shared_by_member_notice_names_the_untitled_document():
    doc = document("docshare_shared_by_member_names_the_file.txt")
    assert doc["title"] == "煤矿瓦斯超限应急预案" and doc["title_source"] == "collect"
    assert texts(doc)[0].startswith("1、高店煤矿瓦斯超限应急处理措施")
