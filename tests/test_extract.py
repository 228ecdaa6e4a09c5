"""extract(): the main text block of crawler-saved pages, without the page around it."""
from pathlib import Path

import pytest

import ingest
from ingest.decode import decode, html_charset
from ingest.extract import extract

HTML = Path(__file__).parent / "data" / "html"


def page(name):
    data = (HTML / name).read_bytes()
    return extract(decode(data, html_charset(data))[0])


def reasons(result):
    return {cut["reason"] for cut in result.removed}


def removed_text(result):
    return " ".join(cut["text"] for cut in result.removed)


def test_government_article_keeps_its_paragraphs_and_drops_the_site():
    result = page("gov_notice.html")
    assert result.title == "关于开展2023年安全生产月活动的通知"
    assert result.lines[0] == "各乡镇人民政府，县直各有关单位："
    assert result.lines[2:4] == ["一、总体要求", result.lines[3]] and result.lines[3].startswith("以习近平")
    # <br> inside one <p> separates paragraphs
    assert result.lines[-5:] == ["各单位要于6月30日前将活动总结报县安委会办公室。", "联系人：张某某",
                                 "联系电话：0000-1234567", "某某县安全生产委员会办公室", "2023年3月15日"]
    assert len(result.lines) == 13
    text = " ".join(result.lines)
    for furniture in ("政务公开", "您当前的位置", "打印本页", "相关信息", "网站标识码", "无障碍", "hmt"):
        assert furniture not in text
    assert {"html_nav", "html_footer", "html_related"} <= reasons(result)
    assert "发布时间：2023-03-15" in removed_text(result)     # kept for the date, outside the article


def test_content_farm_without_ads_share_bars_comments_or_related_lists():
    result = page("content_farm.html")
    assert result.title == "在2022年县安委会全体（扩大）会议上的讲话"
    assert result.lines == [
        "同志们:",
        "今天召开县安委会全体(扩大)会议,主要任务是安排部署当前和今后一个时期的安全生产工作。",
        "一、扛牢安全责任,坚信全面履责可以减责",
        "一要突出领导责任。严格按照“党政同责、一岗双责”的制度要求,认真落实月度例会制度。各乡镇(街道)要定期研判风险。",
        "二要突出部门监管责任。坚持每年11月18日“安全警示教育日”制度,严格执法。",
        "二、多措并举,坚信安全事故可以防范",
        "要坚持细排查,在煤矿、非煤矿山、危化、道路交通等行业领域开展地毯式排查,不留死角。",
        "我就讲这么多,谢谢大家!",
    ]
    assert {"html_ad", "html_share", "html_comment", "html_related", "html_nav", "html_footer"} <= reasons(result)
    assert "document.write" not in removed_text(result)      # scripts are not text


def test_wenku_page_in_gbk():
    result = page("wenku_speech_gbk.html")
    assert result.title == "2023年全区安全生产工作会议讲话_某某文库"     # the suffix goes in clean()
    assert result.lines[1] == "同志们："
    assert "安全生产工作能否搞好，关键在于基层监管体系建设是否到位。" in result.lines
    assert "下载 收藏 举报" not in result.lines and "安全生产 讲话稿 会议" not in result.lines


def test_main_block_is_chosen_by_text_not_by_p_tags():
    html = ("<html><body><div class='list'>" + "".join(f"<p><a href='/{i}'>其他文章标题{i}</a></p>" for i in range(30))
            + "</div><div><span>同志们：</span><br><span>安全生产工作，责任重于泰山，必须常抓不懈。</span><br>"
            "<span>各部门要落实监管责任，企业要落实主体责任。</span></div></body></html>")
    assert extract(html).lines == ["同志们：", "安全生产工作，责任重于泰山，必须常抓不懈。", "各部门要落实监管责任，企业要落实主体责任。"]


def test_an_article_wrapper_with_a_furniture_name_is_spared():
    html = ("<html><body><div class='top'><p>同志们：</p><p>安全生产工作，责任重于泰山，必须常抓不懈。</p>"
            "<p>各部门要落实监管责任，企业要落实主体责任。</p></div></body></html>")
    assert len(extract(html).lines) == 3


def test_truncated_html_keeps_what_arrived():
    html = "<html><head><title>讲话</title></head><body><div class='content'><p>同志们：</p><p>安全生产，重于泰山。<p>第三段没有结"
    assert extract(html).lines == ["同志们：", "安全生产，重于泰山。", "第三段没有结"]


@pytest.mark.timeout(20)
def test_ten_thousand_nested_divs():
    html = "<html><body>" + "<div>" * 10_000 + "<p>最深处的正文，一句话。</p>" + "</div>" * 10_000 + "<p>外层的正文。</p></body></html>"
    assert extract(html).lines == ["最深处的正文，一句话。", "外层的正文。"]


def test_a_page_of_navigation_only_has_no_lines():
    html = ("<html><body><div class='nav'><a>首页</a><a>新闻</a></div><ul>" +
            "".join(f"<li><a href='/{i}'>栏目{i}</a></li>" for i in range(20)) + "</ul></body></html>")
    assert extract(html).lines == []


def test_ascii_angle_brackets_escaped_in_html_come_back_as_text():
    html = "<html><body><p>学习《关于修改&lt;中华人民共和国安全生产法&gt;的决定》，抓好落实。</p></body></html>"
    assert extract(html).lines == ["学习《关于修改<中华人民共和国安全生产法>的决定》，抓好落实。"]


# ---- real pages (tests/data/html/real/, sources in its README) ---------------------------------------------

REAL = HTML / "real"


def real(name):
    data = (REAL / name).read_bytes()
    return extract(decode(data, html_charset(data))[0])


def test_article_after_an_included_header_with_its_own_html_end_is_found():
    # gov.cn pastes a site header that ends in </html>; the resolution follows it
    result = real("gov_cn_resolution.html")
    text = "\n".join(result.lines)
    assert "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）" in result.lines
    assert "会议决定：批准发行15500亿元特别国债购买外汇，批准2007年末国债余额限额调整为53365.53亿元。" in text
    for furniture in ("https://www.gov.cn/", "字号", "扫一扫", "相关稿件", "主办单位", "ICP备"):
        assert furniture not in text
    assert "goSearch" not in " ".join(cut["text"] for cut in result.removed)    # script source is not text


def test_forum_thread_keeps_the_opening_post_and_cuts_the_reply_as_comments():
    result = real("forum_two_floors.html")
    assert result.lines == ["我的电脑分辨率是2560*1440，登录蛋拐静茹游戏全屏显示有的地方我看不到了，就是把游戏界面放大了那种，"
                            "我调了分辨率都没用。这是什么问题啊？？*我洛奇英雄传也是全屏显示都没有任何问题。"]
    comments = [cut["text"] for cut in result.removed if cut["reason"] == "comments"]
    assert len(comments) == 1 and "我知道，只有回去翻下之前的网页浏览记录了" in comments[0]
    assert "版权所有" in removed_text(result)        # the footer (class copyRight) is furniture


def test_runs_of_similar_blocks_with_user_and_date_headers_are_comments():
    article = "".join(f"<p>第{i}段：安全生产责任重于泰山，各单位要压实责任、排查隐患。</p>" for i in range(4))
    replies = "".join(f"<div class='item'><div class='hd'># re: 安全生产讲话 {2013 + i}-12-28 10:2{i} 网友{i}</div>"
                      f"<div class='bd'>说得好，我们单位也要认真学习，落实到每个岗位。</div></div>" for i in range(5))
    result = extract(f"<html><body><div class='post'>{article}</div><div class='list'>{replies}</div></body></html>")
    assert len(result.lines) == 4 and all(line.startswith("第") for line in result.lines)
    assert [cut["reason"] for cut in result.removed].count("comments") == 5


def test_dated_paragraphs_of_an_article_are_not_comments():
    chronology = "".join(f"<p>2023年5月{i}日 10:00，县安委会办公室开展第{i}次安全生产专项检查，排查隐患{i}处。</p>"
                         for i in range(1, 7))
    result = extract(f"<html><body><div class='content'>{chronology}</div></body></html>")
    assert len(result.lines) == 6 and not any(cut["reason"] == "comments" for cut in result.removed)


def test_lead_paragraph_in_its_own_element_joins_the_article():
    # RFI puts its standfirst in <p class="t-content__chapo"> before the body block
    body = "".join(f"<p>正文第{i}段，说明事件经过、各方表态和后续安排，内容较长，是文章的主体。</p>" for i in range(6))
    html = ("<html><body><article><h1>标题</h1><p class='t-content__chapo'>导语：中国应急管理部周一宣布，"
            f"将在全国开展安全生产大检查。</p><div class='t-content__body'>{body}</div></article>"
            "<aside><p>作者简介：某某，资深记者，长期关注安全生产领域的报道与研究。</p></aside></body></html>")
    result = extract(html)
    assert result.lines[0] == "导语：中国应急管理部周一宣布，将在全国开展安全生产大检查。"
    assert len(result.lines) == 7 and "作者简介" not in " ".join(result.lines)


def test_ad_code_in_iframes_scripts_and_escaped_text_is_never_a_paragraph():
    ad = '&lt;SCRIPT LANGUAGE="JavaScript1.1" SRC="http://ad.cn/adfshow?user=sina&amp;db=news"&gt;&lt;/SCRIPT&gt;'
    html = (f"<html><body><div class='content'><p>安全生产工作，责任重于泰山。</p><iframe>{ad}</iframe>"
            f"<p>{ad}</p><noscript><p>您的浏览器不支持脚本。</p></noscript><object>插件内容</object>"
            "<p>各部门要落实监管责任，企业要落实主体责任。</p></div></body></html>")
    result = extract(html)
    assert result.lines == ["安全生产工作，责任重于泰山。", "各部门要落实监管责任，企业要落实主体责任。"]
    assert [cut["reason"] for cut in result.removed] == ["html_script"]      # the visible code, recorded


def test_hidden_keyword_blocks_do_not_outweigh_the_article():
    keywords = " ".join(f"关键词{i} 热门搜索{i}" for i in range(3000))
    article = "".join(f"<p>第{i}段正文，讲安全生产，抓隐患排查，保人民平安。</p>" for i in range(5))
    html = (f"<html><body><div style='display:none'>{keywords}</div><div class='main'>{article}</div>"
            f"<div>{keywords}</div></body></html>")
    assert len(extract(html).lines) == 5


def test_a_row_of_tab_labels_goes_but_a_list_of_names_stays():
    tabs = "".join(f"<span>{label}</span> " for label in ("政策原文", "政务服务", "新闻发布会", "政策解读"))
    html = (f"<html><body><div class='content'><div>{tabs}</div><p>同志们：安全生产工作，责任重于泰山。</p>"
            "<p>出席会议的有：</p><p>张三 李四 王五 赵六</p></div></body></html>")
    result = extract(html)
    assert result.lines == ["同志们：安全生产工作，责任重于泰山。", "出席会议的有：", "张三 李四 王五 赵六"]
    assert {"text": "政策原文 政务服务 新闻发布会 政策解读", "reason": "html_nav"} in result.removed


def test_a_feed_of_dated_summaries_beside_the_article_is_cut_as_related():
    article = "".join(f"<p>据报道，第{i}段讲述会议审查了停火提案的细节，各方立场仍有分歧，谈判将继续进行。</p>" for i in range(5))
    feed = "".join(f"<div class='item'><p>5月{20 + i}日，某地开展第{i}次防汛应急演练，提升处置能力。【详细】</p>"
                   f"<p>强图打榜 2024-05-{20 + i} 09:4{i}:17</p></div>" for i in range(8))
    result = extract(f"<html><body><div class='left'><div class='text'>{article}</div><div class='feed'>{feed}</div>"
                     "</div></body></html>")
    assert len(result.lines) == 5 and all(line.startswith("据报道") for line in result.lines)
    assert [cut["reason"] for cut in result.removed].count("html_related") == 8


def test_hashed_css_module_class_names_are_not_furniture_words():
    # Baidu Baike's <div class="para_wER59 summary_EGg7N"> must not read as "gg" (广告)
    html = ("<html><body><div class='content'><div class='para_wER59 summary_EGg7N'>河北雄安高新技术产业开发区，"
            "隶属河北省雄安新区，为省级高新技术产业开发区。</div><p>规划用地总面积952.7463公顷，四至范围见附图。</p>"
            "</div></body></html>")
    result = extract(html)
    assert result.lines[0].startswith("河北雄安高新技术产业开发区") and len(result.lines) == 2


def test_code_an_article_shows_stays_with_its_highlighted_comments():
    code = ('<pre><code><span class="hljs-comment"># 参考链接：https://hub.docker.com/r/bitnami/zookeeper</span>\n'
            'docker run -d --name zookeeper -e ALLOW_ANONYMOUS_LOGIN=yes bitnami/zookeeper:latest\n'
            'var timeout = 30; function check() { return true; }</code></pre>')
    html = (f"<html><body><div class='post'><p>前言：本文以实际的线上例子，分享部署经验，供大家参考。</p>{code}"
            "<p>以上脚本可直接使用，兼容mac和linux系统。</p></div></body></html>")
    text = "\n".join(extract(html).lines)
    assert "# 参考链接：https://hub.docker.com/r/bitnami/zookeeper" in text
    assert "function check()" in text


def test_article_text_folded_behind_display_none_stays():
    shown = "".join(f"<p>第{i}段：各地要压实安全生产责任，开展隐患排查整治，确保形势稳定。</p>" for i in range(3))
    folded = "".join(f"<p>第{i}段：要加强应急值守，完善预案，做好物资储备和队伍建设。</p>" for i in range(3, 5))
    html = (f"<html><body><div class='article'>{shown}<div style='display:none' class='fold'>{folded}</div>"
            "<a class='more'>展开全文</a></div><div style='display: none'>热门搜索 关键词 标签 专题</div></body></html>")
    result = extract(html)
    assert len(result.lines) == 5 and result.lines[-1].startswith("第4段")
    assert {"text": "热门搜索 关键词 标签 专题", "reason": "html_hidden"} in result.removed


def test_blog_post_keeps_its_code_listing_and_loses_the_comment_box():
    result = real("blog_code_listing.html")
    text = "\n".join(result.lines)
    assert "# 参考链接：https://blog.51cto.com/u_15162069/2780080?articleABtest=1" in text   # <span class="hljs-comment">
    assert "docker stop zookeeper && docker rm zookeeper" in text
    assert "登录后才能查看或发表评论" not in text and "【推荐】" not in text


def test_a_dialog_is_furniture_however_much_text_it_holds():
    rules = "".join(f"<li>第{i}条：禁止发布广告、灌水、抄袭等内容，违者将被删除，情节严重的封禁账号。</li>" for i in range(12))
    html = ("<html><body><div class='ui modal report'><ul>" + rules + "</ul></div><div class='pusher'>"
            "<h1>解决新项目依赖报错</h1><p>每次打开别人新的项目，依赖都会各种报错，很烦。</p>"
            "<p>先安装检查工具，再按提示安装缺失的依赖。</p></div></body></html>")
    result = extract(html)
    assert result.lines == ["解决新项目依赖报错", "每次打开别人新的项目，依赖都会各种报错，很烦。", "先安装检查工具，再按提示安装缺失的依赖。"]
    assert any(cut["reason"] == "html_popup" for cut in result.removed)


def test_a_back_to_home_link_glued_to_the_last_sentence_is_cut_as_furniture():
    result = real("portal_qq_back_home_link_gb2312.html")     # 腾讯财经 2019, GB2312
    last = result.lines[-1]
    assert last.endswith("可以预见的是，第三方数据行业的整顿仍将持续。")
    assert not any("返回腾讯网首页" in line for line in result.lines)
    assert {"text": "返回腾讯网首页>>", "reason": "furniture"} in result.removed


def test_a_back_to_the_site_link_glued_to_the_last_sentence_is_cut_on_another_portal():
    result = real("portal_sohu_back_link.html")                 # 搜狐号 post 2023: 返回搜狐，查看更多
    assert any(line.endswith("李克强同志生前友好和家乡代表也前往送别。") for line in result.lines)
    assert not any("返回搜狐" in line for line in result.lines)
    assert {"text": "返回搜狐，查看更多", "reason": "furniture"} in result.removed


def test_a_sidebar_of_topics_with_like_and_comment_counters_is_cut_as_related():
    result = real("forum_sidebar_topic_counters.html")         # 南生论坛 thread, 随机话题 sidebar
    text = "\n".join(result.lines)
    assert "花了1天半的时间买了4个平板，总算是解决了。。" in text
    assert "大运会场馆分布" not in text and "点赞 · " not in text
    related = " ".join(cut["text"] for cut in result.removed if cut["reason"] == "html_related")
    assert "大运会场馆分布" in related and "1 点赞 · 0 评论" in related


def test_a_thread_printed_only_in_noscript_for_crawlers_is_read_there():
    # Flarum renders its posts from widgets the furniture rules cut (CommentPost); the crawler copy
    # in <noscript id="flarum-content"> is then most of the page's text and is read
    result = real("forum_flarum_noscript_thread.html")
    assert "本项目基于 fof/filter 进行修改，支持阿里云内容安全检测，对不合规的内容，自动进入小黑屋审核、记录日志、入库" in result.lines
    assert "composer require hamcq/filter-plus" in result.lines
    text = "\n".join(result.lines)
    for furniture in ("加载论坛时出错", "请使用更现代的浏览器并启用 JavaScript", "9 天 后", "更改标题为"):
        assert furniture not in text
    # the replies, each an <article> opening with <div class="PostUser">, are the thread's comments
    assert "赞一个" not in result.lines
    assert "Golden 赞一个" in [cut["text"] for cut in result.removed if cut["reason"] == "comments"]


def test_a_noscript_of_a_page_with_its_own_article_still_goes():
    html = ("<html><body><div><p>今年以来，全市开展安全生产大检查，排查隐患一千余处，整改率达到百分之九十八。</p>"
            "<p>下一步，将继续压实企业主体责任，推动隐患动态清零。</p></div>"
            "<noscript><p>您的浏览器未启用JavaScript，请启用后浏览本站。</p><img src='pixel.gif'></noscript></body></html>")
    assert extract(html).lines == ["今年以来，全市开展安全生产大检查，排查隐患一千余处，整改率达到百分之九十八。",
                                   "下一步，将继续压实企业主体责任，推动隐患动态清零。"]


def test_gallery_captions_stored_in_a_textarea_are_cut_as_a_field():
    # 网易财经: 15 photo captions as escaped <li> markup in <textarea class="hidden">, more prose than the article
    result = real("portal_163_gallery_textarea_gbk.html")
    text = "\n".join(result.lines)
    assert "2. 三星在中国市场的品牌优势是否有所下滑？" in result.lines
    assert "<li>" not in text and "hidefocus" not in text and "/15" not in result.lines
    fields = " ".join(cut["text"] for cut in result.removed if cut["reason"] == "html_field")
    assert "三星电子为什么衰落了？这是近两年多来，中国媒体比较关心的话题。" in fields


def test_a_logo_in_h1_gives_way_to_the_heading_that_begins_the_page_title():
    # 网易财经: <h1> holds the 网易商业 logo; the headline is <h2 class="con1_ltle">, as in <title> …_网易财经
    result = real("portal_gbk_disclaimer.html")
    assert result.title == "刷单是Uber中国的危机？"
    assert "网易商业" not in result.lines


def test_windows_1252_quote_references_read_as_chinese_quotes():
    result = real("bbc_cp1252_quote_refs.html")                # BBC中文网 2012: &#0147;撒谎&#0148;
    text = "\n".join(result.lines)
    assert "普遍指责梁振英“撒谎”，要求他马上辞职下台。" in text
    assert "“郑重道歉”" in text
    assert not any("\x93" in line or "\x94" in line for line in result.lines)


def test_furniture_printed_in_traditional_characters_is_cut_like_its_simplified_form():
    # 自由時報 (Taiwan, 2020): an APP promotion paragraph under the article, 下載 not 下载
    (doc,) = ingest.clean_file(REAL / "portal_ltn_traditional_app_promo.html", problems=[])
    text = "\n".join(p["text"] for p in doc["paragraphs"])
    assert text.endswith("兌獎期限5月5日，呼籲民眾勿錯過期限。")
    assert "點我下載APP" not in text
    assert any("點我下載APP" in cut["text"] and cut["reason"] == "furniture" for cut in doc["removed"])


def test_a_related_list_headed_in_traditional_characters_goes_with_its_items():
    # 上報 (Taiwan, 2020): 【熱門點閱】 and a ● linked story closing the article div
    (doc,) = ingest.clean_file(REAL / "portal_upmedia_traditional_hot_list.html", problems=[])
    text = "\n".join(p["text"] for p in doc["paragraphs"])
    assert "赤裸裸地凸顯了評論者的歧視。」" in text
    assert "熱門點閱" not in text and "張上淳" not in text
    assert {cut["text"]: cut["reason"] for cut in doc["removed"]}.get("【熱門點閱】") == "recommend"
