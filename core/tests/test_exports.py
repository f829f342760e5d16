import io
from datetime import date

from openpyxl import load_workbook

from core.exports import ExportColumn, build_xlsx, xlsx_response


def test_workbook_has_header_and_one_row_per_object():
    rows = [
        {"name": "湘中机械", "founded": date(2015, 3, 1), "staff": 120},
        {"name": "雀塘食品", "founded": None, "staff": 8},
    ]
    columns = [
        ExportColumn("名称", lambda r: r["name"]),
        ExportColumn("成立日期", lambda r: r["founded"]),
        ExportColumn("从业人员", lambda r: r["staff"]),
    ]
    sheet = load_workbook(io.BytesIO(build_xlsx("企业", columns, rows))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("名称", "成立日期", "从业人员")
    assert values[1][0] == "湘中机械" and values[1][1].date() == date(2015, 3, 1) and values[1][2] == 120
    assert values[2] == ("雀塘食品", None, 8)


def test_response_is_an_attachment_with_an_encoded_chinese_name():
    response = xlsx_response("企业名录", "企业", [ExportColumn("名称", str)], ["a"])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''%E4%BC%81%E4%B8%9A")
