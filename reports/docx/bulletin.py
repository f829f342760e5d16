"""The quarterly bulletin as a Word document in the layout of GB/T 9704-2012 (党政机关公文格式), for the office
to edit in Word before issuing.

Layout: A4 with the standard's margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm: a 156 × 225 mm
text block); the issuing office's mark (红头) in red 方正小标宋简体 35 mm below the top of the text block,
the document number (文号) two lines below it and a red rule the width of the text block 4 mm under that;
the title in 方正小标宋简体 二号 (22 pt) two lines below the rule; the body in 仿宋_GB2312 三号 (16 pt) with a
two-character first-line indent at a fixed 28.9 pt line (22 lines of 28 characters a page); first-level
headings in 黑体, second-level in 楷体_GB2312; the signature (落款) centred over the date, the date four
characters from the right in Arabic numerals (2026年10月8日); page numbers “— 1 —” in 宋体 四号, odd pages
on the right and even pages on the left, one character in.

Fonts are named for East Asian text (w:rFonts w:eastAsia) as well as for Latin text, so Word uses them for
the Chinese characters; a machine without the font shows a substitute until it is installed.

The wording is Chinese whatever the interface language: an official document, like the seed's schemes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import BytesIO

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from cases.selectors.indicators import RESOLUTION_TARGET
from reports.selectors.bulletin import RETURNS_NAMED_FROM, BulletinData, RankedRow

# GB/T 9704-2012 5.2.1 and 5.2.2: A4, and the margins that leave a 156 × 225 mm text block.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72  # 442.2 pt

XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(12)  # 小四
MARK_MAX_SIZE = 42  # 初号; a long name is set smaller so that it stays on one line
LINE = Pt(28.9)  # 22 lines in the 225 mm text block
CHAR = 16  # one character of the body, in points
RED = RGBColor(0xFF, 0x00, 0x00)

CHINESE_DIGITS = "零一二三四五六七八九"
# The paragraph properties that follow w:pBdr in the schema (ECMA-376 CT_PPrBase): borders go before them.
PPR_AFTER_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (the numbering of headings, up to 99)."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CHINESE_DIGITS[tens]) + "十" + (CHINESE_DIGITS[ones] if ones else "")


def chinese_date(day: date) -> str:
    """GB/T 9704-2012 7.3.5.1: the date in Arabic numerals, year, month and day in full, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日"


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _width_pt(text: str, size: float = CHAR) -> float:
    # Chinese characters take a full em, Latin letters and digits half of one.
    return sum(size if ord(ch) > 0x2E7F else size / 2 for ch in text)


# Fonts ------------------------------------------------------------------------------------------------------


def set_font(rpr_owner, name: str) -> None:
    """Name `name` for every script of a run or a style (ascii, hAnsi, eastAsia, cs): without eastAsia, Word
    sets the Chinese characters in its default font."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)
    fonts.set(qn("w:hint"), "eastAsia")


def add_run(paragraph, text: str, *, font: str = FANGSONG, size: Pt = BODY_SIZE, bold: bool = False, color=None):
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    set_font(run._element, font)
    if color is not None:
        run.font.color.rgb = color
    return run


def _first_line_chars(paragraph, chars: int) -> None:
    """A first-line indent counted in characters (Word keeps it right when the font size changes)."""
    paragraph.paragraph_format.first_line_indent = Pt(CHAR * chars)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))


# Blocks -----------------------------------------------------------------------------------------------------


class BulletinWriter:
    def __init__(self):
        self.document = docx.Document()
        self._page_setup()
        self._base_style()

    def _page_setup(self) -> None:
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        section.header_distance = Mm(15)
        # The page number's dash line sits 7 mm below the text block (GB/T 9704-2012 7.5).
        section.footer_distance = Mm(22)

    def _base_style(self) -> None:
        normal = self.document.styles["Normal"]
        normal.font.size = BODY_SIZE
        set_font(normal.element, FANGSONG)
        rpr = normal.element.get_or_add_rPr()
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            # w:lang comes after the run properties python-docx writes and before the few that follow it.
            rpr.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
        lang.set(qn("w:eastAsia"), "zh-CN")
        fmt = normal.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = LINE
        fmt.widow_control = False
        self.document.settings.odd_and_even_pages_header_footer = True

    def paragraph(self, text: str = "", *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: int = 2, **run_options):
        p = self.document.add_paragraph()
        p.alignment = align
        if indent:
            _first_line_chars(p, indent)
        if text:
            add_run(p, text, **run_options)
        return p

    def mark(self, issuer: str) -> None:
        """发文机关标志: red 小标宋, centred, 35 mm below the top of the text block."""
        size = min(MARK_MAX_SIZE, int(TEXT_WIDTH_PT / max(len(issuer), 1)))
        p = self.paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, indent=0)
        p.paragraph_format.space_before = Mm(35)
        p.paragraph_format.line_spacing = 1.0
        add_run(p, issuer, font=XIAOBIAOSONG, size=Pt(size), color=RED)

    def number_and_rule(self, document_number: str) -> None:
        """发文字号 two lines below the mark, centred; the red rule the width of the text block 4 mm below it."""
        p = self.paragraph(document_number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0)
        p.paragraph_format.space_before = Pt(LINE.pt * 2)
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "11"), ("w:color", "FF0000")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        ppr = p._p.get_or_add_pPr()
        # Word refuses a document whose paragraph properties are out of the schema's order.
        ppr.insert_element_before(borders, *PPR_AFTER_BORDERS)

    def title(self, text: str) -> None:
        p = self.paragraph(align=WD_ALIGN_PARAGRAPH.CENTER, indent=0)
        p.paragraph_format.space_before = Pt(LINE.pt * 2)
        p.paragraph_format.space_after = LINE
        p.paragraph_format.line_spacing = Pt(36)
        for index, line in enumerate(text.splitlines() or [""]):
            run = add_run(p, line, font=XIAOBIAOSONG, size=TITLE_SIZE)
            if index:
                run.add_break()

    def text(self, text: str) -> None:
        """Free text, one paragraph a line; a first line ending in a colon is the addressee (主送机关),
        flush left."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            addressee = index == 0 and line.endswith(("：", ":")) and len(line) <= 60
            self.paragraph(line, indent=0 if addressee else 2)

    def heading(self, text: str) -> None:
        self.paragraph(text, font=HEITI)

    def subheading(self, text: str) -> None:
        self.paragraph(text, font=KAITI)

    def ranking_table(self, heading: str, rows: list[RankedRow]) -> None:
        headings = ("名次", heading, "诉求件数", "动态解决率", "按时办结率（名次）", "满意率（名次）")
        widths = (Mm(14), Mm(40), Mm(20), Mm(24), Mm(29), Mm(29))
        table = self.document.add_table(rows=1, cols=len(headings))
        table.style = self.document.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for cell, text, width in zip(table.rows[0].cells, headings, widths, strict=True):
            self._cell(cell, text, width, font=HEITI)
        for row in rows:
            values = (
                "—" if row.resolution_rank is None else str(row.resolution_rank),
                row.label,
                str(row.collected),
                rate_text(row.resolution_rate),
                self._with_rank(row.on_time_rate, row.on_time_rank),
                self._with_rank(row.satisfaction_rate, row.satisfaction_rank),
            )
            for cell, text, width in zip(table.add_row().cells, values, widths, strict=True):
                self._cell(cell, text, width)

    @staticmethod
    def _with_rank(value, rank) -> str:
        return rate_text(value) if rank is None else f"{rate_text(value)}（{rank}）"

    @staticmethod
    def _cell(cell, text: str, width, *, font: str = FANGSONG) -> None:
        cell.width = width
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        add_run(p, text, font=font, size=TABLE_SIZE)

    def signature(self, issuer: str, day: date) -> None:
        """The issuer centred over the date, the date four characters from the right (GB/T 9704-2012 7.3.5)."""
        dated = chinese_date(day)
        date_indent = CHAR * 4
        issuer_indent = max(0.0, date_indent + (_width_pt(dated) - _width_pt(issuer)) / 2)
        p = self.paragraph(issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
        p.paragraph_format.space_before = Pt(LINE.pt * 2)
        p.paragraph_format.right_indent = Pt(issuer_indent)
        p = self.paragraph(dated, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
        p.paragraph_format.right_indent = Pt(date_indent)

    def page_numbers(self) -> None:
        """— 1 —, 宋体 四号: odd pages on the right, even pages on the left, one character in."""
        section = self.document.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = align
            fmt = p.paragraph_format
            fmt.first_line_indent = Pt(0)
            fmt.line_spacing = 1.0
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = PAGE_NUMBER_SIZE
            else:
                fmt.left_indent = PAGE_NUMBER_SIZE
            add_run(p, "— ", font=SONGTI, size=PAGE_NUMBER_SIZE)
            self._page_field(p)
            add_run(p, " —", font=SONGTI, size=PAGE_NUMBER_SIZE)

    @staticmethod
    def _page_field(paragraph) -> None:
        for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
            run = add_run(paragraph, "", font=SONGTI, size=PAGE_NUMBER_SIZE)
            if kind is not None:
                char = OxmlElement("w:fldChar")
                char.set(qn("w:fldCharType"), kind)
                run._r.append(char)
            elif text == " PAGE ":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._r.append(instr)
            else:
                run.text = text

    def save(self) -> bytes:
        buffer = BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()


# The bulletin -----------------------------------------------------------------------------------------------


def _named(units) -> str:
    return "、".join(f"{unit.name}（{unit.count}件）" for unit in units)


def overview_text(data: BulletinData, *, generated_on: date) -> str:
    t = data.total
    first, last = data.date_from, data.date_to
    return (
        f"{data.year}年第{data.quarter_cn}季度（{first.month}月{first.day}日至{last.month}月{last.day}日），"
        f"{data.jurisdiction.whole}共收集企业反映问题{t.collected}件，交办{t.assigned}件，不予受理{t.rejected}件；"
        f"已解决{t.solved}件、已解释{t.explained}件，动态解决率{rate_text(t.resolution_rate)}"
        f"（目标不低于{RESOLUTION_TARGET}%）；已办结{t.resolved}件，按时办结率{rate_text(t.on_time_rate)}；"
        f"企业评价{t.rated}件，满意率{rate_text(t.satisfaction_rate)}。"
        f"以上数据按截至{chinese_date(generated_on)}的办理情况统计。"
    )


def overdue_text(data: BulletinData) -> str:
    moment = (
        chinese_date(data.as_of.astimezone(_zone()).date()) if not data.quarter_over else chinese_date(data.date_to)
    )
    if not data.overdue_units:
        return f"截至{moment}，没有超期未办结的企业诉求。"
    return (
        f"截至{moment}，以下单位牵头办理的企业诉求超期未办结，共{data.overdue_total}件，予以通报："
        f"{_named(data.overdue_units)}。"
    )


def returns_text(data: BulletinData) -> str:
    if not data.returning_units:
        return f"本季度没有单位作为主办单位退回交办问题{RETURNS_NAMED_FROM}件及以上。"
    return (
        f"本季度，以下单位作为主办单位退回交办问题{RETURNS_NAMED_FROM}件及以上，予以通报："
        f"{_named(data.returning_units)}。"
    )


def _zone():
    from core import workdays

    return workdays.local_zone()


RANKING_NOTE = (
    "注：各项指标按本季度提交的企业诉求统计，从高到低排名；数值相同的名次并列，其后名次顺延（如1、1、3）；"
    "“—”表示无可计算的数据，不参与该项排名。"
)


def build_bulletin_docx(data: BulletinData, *, generated_on: date) -> bytes:
    """The quarter's bulletin as .docx bytes: the office's fields (saved, or the proposed ones) around the
    computed sections."""
    fields = data.fields
    issuer = fields.get("issuer") or ""
    writer = BulletinWriter()
    writer.mark(issuer)
    writer.number_and_rule(fields.get("document_number") or "")
    writer.title(fields.get("title") or "")
    writer.text(fields.get("opening") or "")

    writer.heading("一、总体情况")
    writer.paragraph(overview_text(data, generated_on=generated_on))

    writer.heading("二、排名情况")
    writer.subheading("（一）牵头单位排名")
    if data.units:
        writer.ranking_table("单位", data.units)
    else:
        writer.paragraph("本季度没有牵头办理的企业诉求。")
    writer.subheading("（二）属地排名")
    if data.localities:
        writer.ranking_table("属地", data.localities)
    else:
        writer.paragraph("本季度各属地没有企业诉求。")
    writer.paragraph(RANKING_NOTE)

    writer.heading("三、通报事项")
    writer.subheading("（一）超期未办结")
    writer.paragraph(overdue_text(data))
    writer.subheading("（二）多次退回交办问题")
    writer.paragraph(returns_text(data))

    if data.good_practices:
        writer.heading("四、经验做法")
        for index, practice in enumerate(data.good_practices, start=1):
            lead = f"{practice.unit.name}：" if practice.unit_id else ""
            writer.subheading(f"（{chinese_number(index)}）{lead}{practice.title}")
            writer.text(practice.body)

    writer.text(fields.get("closing") or "")
    writer.signature(issuer, fields.get("issued_on") or generated_on)
    writer.page_numbers()
    properties = writer.document.core_properties
    properties.title = fields.get("title") or ""
    properties.author = issuer
    properties.language = "zh-CN"
    return writer.save()
