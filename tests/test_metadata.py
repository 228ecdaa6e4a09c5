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


@pytest.mark.skipif(not hasattr(ingest, "clean_file"), reason="the cleaning pipeline is not in ingest yet")
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
