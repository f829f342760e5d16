"""The bulletin's Word document, opened back with python-docx: A4 and the GB/T 9704 margins, the red
header, the 文号 and the rule under it, the title and body fonts named for East Asian text, the sections,
the ranking tables' rows, the signature and date, and the page numbers."""

from datetime import date
from io import BytesIO

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from reports.docx.bulletin import build_bulletin_docx, chinese_date, chinese_number
from reports.models import Bulletin
from reports.selectors.bulletin import bulletin_data
from reports.tests.test_bulletin_support import add_practice

pytest_plugins = ["reports.tests.test_bulletin_support"]

NUMBER = "新助企办〔2026〕12号"
TITLE = "关于2026年第三季度助企服务工作情况的通报"


@pytest.fixture
def saved(quarter):
    Bulletin.objects.create(
        year=2026,
        quarter=3,
        issuer="新邵县助企服务办公室",
        document_number=NUMBER,
        title=TITLE,
        opening="各乡镇（街道）、县直有关单位：\n现将第三季度情况通报如下。",
        closing="请各单位对照整改。",
        issued_on=date(2026, 10, 8),
    )
    add_practice(quarter, "建立企业吹哨部门报到机制", unit=quarter.gxj, body="第一段。\n第二段。")
    add_practice(quarter, "开展政企早餐会", sort_order=1)
    return quarter


def document(user, year=2026, quarter=3):
    content = build_bulletin_docx(bulletin_data(user, year, quarter), generated_on=date(2026, 10, 15))
    return docx.Document(BytesIO(content))


def paragraph(doc, text):
    """The first body paragraph whose text is or starts with `text`."""
    return next(p for p in doc.paragraphs if p.text == text or p.text.startswith(text))


def east_asian(run) -> str | None:
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


def test_a4_with_the_margins_of_gb_t_9704(saved):
    section = document(saved.office_user).sections[0]
    # Word stores the page in twips (1/1440 inch = 635 EMU): each length is the millimetres to within one.
    twip = 635
    expected = {"page_width": 210, "page_height": 297, "top_margin": 37, "bottom_margin": 35, "left_margin": 28,
                "right_margin": 26}  # fmt: skip
    for name, mm in expected.items():
        assert abs(getattr(section, name) - Mm(mm)) <= twip, name
        assert round(getattr(section, name).mm) == mm, name
    size = section._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")  # Word's own A4


def test_red_header_then_number_with_the_red_rule(saved):
    doc = document(saved.office_user)
    header = doc.paragraphs[0]
    assert header.text == "新邵县助企服务办公室"
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    run = header.runs[0]
    assert run.font.color.rgb == RGBColor(0xFF, 0, 0)
    assert east_asian(run) == "方正小标宋简体"
    assert run.font.size == Pt(42)  # 初号 fits ten characters on the 156 mm line
    number = doc.paragraphs[1]
    assert number.text == NUMBER and number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert east_asian(number.runs[0]) == "仿宋_GB2312"
    rule = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert rule.get(qn("w:color")) == "FF0000" and rule.get(qn("w:val")) == "single"


def test_title_in_xiaobiaosong_22_pt_centred(saved):
    title = document(saved.office_user).paragraphs[2]
    assert title.text == TITLE
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {east_asian(r) for r in title.runs} == {"方正小标宋简体"}
    assert {r.font.size for r in title.runs} == {Pt(22)}


def test_body_in_fangsong_16_pt_indented_two_characters_on_a_fixed_line(saved):
    doc = document(saved.office_user)
    addressee = paragraph(doc, "各乡镇（街道）、县直有关单位：")
    assert addressee.paragraph_format.first_line_indent in (None, 0)
    body = paragraph(doc, "现将第三季度情况通报如下。")
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body._p.pPr.ind.get(qn("w:firstLineChars")) == "200"
    run = body.runs[0]
    assert east_asian(run) == "仿宋_GB2312" and run.font.size == Pt(16)
    normal = doc.styles["Normal"]
    assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert 28 <= normal.paragraph_format.line_spacing.pt <= 29
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_sections_headings_and_their_fonts(saved):
    doc = document(saved.office_user)
    texts = [p.text for p in doc.paragraphs]
    headings = ["一、总体情况", "二、排名情况", "三、通报事项", "四、经验做法"]
    assert [t for t in texts if t in headings] == headings
    assert east_asian(paragraph(doc, "一、总体情况").runs[0]) == "黑体"
    assert east_asian(paragraph(doc, "（一）牵头单位排名").runs[0]) == "楷体_GB2312"
    overview = paragraph(doc, "2026年第三季度（7月1日至9月30日），全县共收集企业反映问题12件")
    assert "动态解决率54.5%" in overview.text and "满意率80.0%" in overview.text
    overdue = paragraph(doc, "截至2026年9月30日")
    assert "酿溪镇人民政府（2件）" in overdue.text and "共4件" in overdue.text
    returns = paragraph(doc, "本季度，以下单位作为主办单位退回交办问题2件及以上")
    assert "县发改局（2件）" in returns.text
    assert "（一）县工信局：建立企业吹哨部门报到机制" in texts
    assert "（二）开展政企早餐会" in texts
    assert texts.index("第一段。") < texts.index("第二段。") < texts.index("（二）开展政企早餐会")
    assert texts.index("请各单位对照整改。") > texts.index("四、经验做法")


def test_ranking_tables_have_a_row_per_unit_and_locality(saved):
    doc = document(saved.office_user)
    units, localities = doc.tables
    assert len(units.rows) == 1 + 4 and len(localities.rows) == 1 + 3
    assert [c.text for c in units.rows[0].cells] == [
        "名次", "单位", "诉求件数", "动态解决率", "按时办结率（名次）", "满意率（名次）",
    ]  # fmt: skip
    assert [c.text for c in units.rows[1].cells] == ["1", "县发改局", "2", "100.0%", "100.0%（1）", "100.0%（1）"]
    assert [c.text for c in units.rows[2].cells] == ["1", "县工信局", "2", "100.0%", "50.0%（4）", "50.0%（3）"]
    assert [c.text for c in units.rows[4].cells] == ["4", "酿溪镇人民政府", "4", "25.0%", "100.0%（1）", "—"]
    assert [c.text for c in localities.rows[3].cells][:4] == ["3", "酿溪镇", "9", "37.5%"]
    cell_run = units.rows[1].cells[1].paragraphs[0].runs[0]
    assert east_asian(cell_run) == "仿宋_GB2312" and cell_run.font.size == Pt(12)


def test_signature_and_date_right_aligned(saved):
    doc = document(saved.office_user)
    signature, dated = doc.paragraphs[-2], doc.paragraphs[-1]
    assert signature.text == "新邵县助企服务办公室"
    assert dated.text == "2026年10月8日"
    assert signature.alignment == dated.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert dated.paragraph_format.right_indent == Pt(64)  # four characters from the right


def test_page_numbers_in_songti_with_dashes_odd_and_even(saved):
    doc = document(saved.office_user)
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        p = footer.paragraphs[0]
        assert p.alignment == align
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert p._p.xpath(".//w:instrText")[0].text.strip() == "PAGE"
        assert {east_asian(r) for r in p.runs} == {"宋体"} and {r.font.size for r in p.runs} == {Pt(14)}


def test_an_unsaved_quarter_prints_the_proposed_text_and_leaves_out_good_practices(quarter):
    doc = document(quarter.office_user)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "县助企办"
    assert texts[2] == TITLE
    assert "四、经验做法" not in texts
    assert texts[-1] == "2026年10月15日"


def test_a_quarter_without_cases_says_so(quarter):
    texts = [p.text for p in document(quarter.office_user, 2026, 1).paragraphs]
    assert "本季度没有牵头办理的企业诉求。" in texts
    assert any(t.startswith("截至2026年3月31日，没有超期未办结的企业诉求") for t in texts)


def test_numbers_and_dates_in_the_documents_style():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == ["一", "九", "十", "十一", "二十", "二十三"]
    assert chinese_date(date(2026, 1, 8)) == "2026年1月8日"
