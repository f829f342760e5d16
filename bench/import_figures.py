"""How long the registry's Excel imports take at county scale: a 5,000-row enterprises file, then a
60,000-row file of monthly figures (5,000 enterprises × 12 months), imported once (all new) and again (all
replaced). Run by hand:

    .venv/bin/python bench/import_figures.py [--enterprises 5000] [--months 12]

It works in a throwaway SQLite database in a temporary folder, deleted at the end, and prints the rows and
the seconds of each step (reading and checking the file included; the warnings refresh after the figures
is part of the import and is included too).
"""

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=5000)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="zhuqi-bench-")
    # Read by the settings when Django starts: the bench never touches the real database.
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhuqi.test_settings")
    try:
        import django

        django.setup()
        run(args.enterprises, args.months)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def xlsx(headers, rows) -> io.BytesIO:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def timed(label: str, rows: int, size: int, step):
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    print(
        f"{label:<28} {rows:>7} rows  {size / 1024 / 1024:5.1f} MB  {seconds:6.1f} s  "
        f"(created {result.created}, updated {result.updated})"
    )


def run(enterprise_count: int, months: int) -> None:
    from django.core.management import call_command

    from accounts.models import Region, Role, Unit, User, UserRole
    from enterprises import imports
    from enterprises.services.imports import enterprises_import, figures_import
    from enterprises.validators import credit_code_check_char

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"{'migrate (setup)':<28} {'':>7}       {'':>5}     {time.perf_counter() - started:6.1f} s")
    county = Region.objects.create(code="430522", name="新邵县", level=Region.Level.COUNTY)
    towns = [
        Region.objects.create(code=f"430522{100 + n}", name=f"第{n + 1}镇", level=Region.Level.TOWNSHIP, parent=county)
        for n in range(10)
    ]
    gov = Unit.objects.create(code="430522-GOV", name="新邵县人民政府", kind=Unit.Kind.GOVERNMENT, region=county)
    office_unit = Unit.objects.create(
        code="430522-ZQB", name="县助企办", kind=Unit.Kind.OFFICE, parent=gov, region=county
    )
    office = User.objects.create_user(username="office", password="x", full_name="王主任", unit=office_unit)
    UserRole.objects.create(user=office, role=Role.OFFICE)

    codes = []
    for serial in range(1, enterprise_count + 1):
        first17 = f"91430522{serial:09d}"
        codes.append(first17 + credit_code_check_char(first17))

    headers = imports.ENTERPRISES_IMPORT.headers
    column = {h: i for i, h in enumerate(headers)}
    rows = []
    for n, code in enumerate(codes):
        row = [None] * len(headers)
        row[column[imports.CODE]] = code
        row[column[imports.NAME]] = f"测试企业{n:05d}有限公司"
        row[column[imports.E_REGION]] = towns[n % len(towns)].code
        row[column[imports.E_INDUSTRY]] = "351"
        row[column[imports.E_SIZE]] = "小"
        row[column[imports.E_ABOVE]] = "是" if n % 3 == 0 else "否"
        row[column[imports.E_TAGS]] = "专精特新" if n % 7 == 0 else None
        row[column[imports.E_PHONE]] = f"138{n:08d}"
        rows.append(row)
    file = xlsx(headers, rows)
    size = len(file.getvalue())
    timed("enterprises (new)", len(rows), size, lambda: enterprises_import(actor=office, file=file))
    file.seek(0)
    timed("enterprises (again)", len(rows), size, lambda: enterprises_import(actor=office, file=file))

    figure_headers = [imports.CODE, imports.F_MONTH, *imports.FIGURE_HEADERS.values()]
    figure_rows = [
        [code, f"2025-{month:02d}", 1000.5 + n, 980 + n, 12.5 - (n % 50), 30, 15.2, 100 + n % 40, 8]
        for n, code in enumerate(codes)
        for month in range(1, months + 1)
    ]
    file = xlsx(figure_headers, figure_rows)
    size = len(file.getvalue())
    timed("figures (new months)", len(figure_rows), size, lambda: figures_import(actor=office, file=file))
    file.seek(0)
    timed("figures (months replaced)", len(figure_rows), size, lambda: figures_import(actor=office, file=file))


if __name__ == "__main__":
    main()
