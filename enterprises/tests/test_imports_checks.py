"""The registry's Excel imports (enterprises, operating data, linkage, visits): what each writes, and that every
kind of mistake is reported by row and column and changes nothing."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook

from accounts.models import Region, Role, Scope, Unit, User, UserRole
from conftest import make_credit_code
from enterprises import imports
from enterprises.models import Enterprise, Linkage, MonthlyFigure, Tag, Visit, VisitProblem
from enterprises.services import imports as services

ENTERPRISE_HEADERS = imports.ENTERPRISES_IMPORT.headers
FIGURE_HEADERS = imports.FIGURES_IMPORT.headers
LINKAGE_HEADERS = imports.LINKAGES_IMPORT.headers
VISIT_HEADERS = imports.VISITS_IMPORT.headers


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def refreshed(monkeypatch):
    """The warnings engine is another area's; here it is enough to know which enterprises it was asked for."""
    calls = []

    def record(*, enterprise_ids=None, as_of=None):
        calls.append(sorted(enterprise_ids))
        return 0

    monkeypatch.setattr("enterprises.services.warnings.warnings_refresh", record)
    return calls


def excel_date(year, month, day) -> datetime:
    """A date cell as openpyxl writes and reads it: a naive datetime, as Excel has no time zones."""
    return datetime(year, month, day)  # noqa: DTZ001


def xlsx(headers, rows, *, above=()) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def row_of(headers, **cells):
    """A row in `headers` order from {header: value}; unnamed cells blank."""
    return [cells.get(h) for h in headers]


def enterprise_row(code, name="新企业有限公司", region="430522100", **cells):
    return row_of(ENTERPRISE_HEADERS, **{imports.CODE: code, imports.NAME: name, imports.E_REGION: region, **cells})


def figure_row(code, month, **figures):
    cells = {imports.FIGURE_HEADERS[name]: value for name, value in figures.items()}
    return row_of(FIGURE_HEADERS, **{imports.CODE: code, imports.F_MONTH: month, **cells})


def linkage_row(code, year, leader="", unit="", cadres="", note=""):
    return row_of(
        LINKAGE_HEADERS,
        **{
            imports.CODE: code,
            imports.L_YEAR: year,
            imports.L_LEADER: leader,
            imports.L_UNIT: unit,
            imports.L_CADRES: cadres,
            imports.L_NOTE: note,
        },
    )


def visit_row(code, day, visitor="cadre", mode="实地", met="", notes="", problems=""):
    return row_of(
        VISIT_HEADERS,
        **{
            imports.CODE: code,
            imports.V_DATE: day,
            imports.V_VISITOR: visitor,
            imports.V_MODE: mode,
            imports.V_MET: met,
            imports.V_NOTES: notes,
            imports.V_PROBLEMS: problems,
        },
    )


def counts():
    return (
        Enterprise.objects.count(),
        Enterprise.tags.through.objects.count(),
        MonthlyFigure.objects.count(),
        Linkage.objects.count(),
        Linkage.cadres.through.objects.count(),
        Visit.objects.count(),
        VisitProblem.objects.count(),
    )


def errors_of(result):
    return [(e.row, e.column) for e in result.errors]


def last_month() -> date:
    today = timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def refused(result, before, *fragments):
    """The file was refused, with a message holding each fragment, and nothing changed."""
    assert not result.ok
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    text = " ".join(e.message for e in result.errors)
    for fragment in fragments:
        assert fragment in text, text


# Enterprises.


def test_enterprises_file_creates_and_updates(county):
    park = Unit.objects.create(
        code="430522-KFQ", name="经开区管委会", kind=Unit.Kind.PARK, parent=county.gov, region=county.town_a
    )
    county.ent_a.legal_representative = "老法人"
    county.ent_a.save()
    county.ent_a.tags.set([Tag.objects.get(name="外贸")])
    new_code = make_credit_code(101)
    file = xlsx(
        ENTERPRISE_HEADERS,
        [
            enterprise_row(
                new_code.lower(),
                "邵阳新材科技有限公司",
                "430522101",
                **{
                    imports.E_LEGAL: "赵六",
                    imports.E_PARK: "430522-KFQ",
                    imports.E_ADDRESS: "雀塘镇工业园 8 号",
                    imports.E_FOUNDED: excel_date(2019, 3, 8),  # an Excel date cell
                    imports.E_CAPITAL: 1200.5,
                    imports.E_INDUSTRY: "351",
                    imports.E_SIZE: "中型",
                    imports.E_ABOVE: "是",
                    imports.E_KEY: "是",
                    imports.E_TAGS: "专精特新，高新技术企业",
                    imports.E_CONTACT: "钱七",
                    imports.E_PHONE: 13912345678,
                },
            ),
            # An update: the filled cells change, the blank ones keep what the registry has.
            enterprise_row(
                county.ent_a.credit_code,
                "湘中机械股份有限公司",
                "430522100",
                **{imports.E_INDUSTRY: 35, imports.E_SIZE: "小", imports.E_TAGS: "链主、上市"},
            ),
        ],
    )
    result = services.enterprises_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    new = Enterprise.objects.get(credit_code=new_code)
    assert new.name == "邵阳新材科技有限公司" and new.region == county.town_b and new.park == park
    assert new.legal_representative == "赵六" and new.address == "雀塘镇工业园 8 号"
    assert new.founded_on == date(2019, 3, 8) and new.registered_capital == Decimal("1200.50")
    assert new.industry_id == "351" and new.size == Enterprise.Size.MEDIUM
    assert new.above_scale and new.is_key
    assert set(new.tags.values_list("name", flat=True)) == {"专精特新", "高新技术企业"}
    assert new.contact_name == "钱七" and new.contact_phone == "13912345678"

    county.ent_a.refresh_from_db()
    assert county.ent_a.name == "湘中机械股份有限公司" and county.ent_a.industry_id == "35"
    assert county.ent_a.size == Enterprise.Size.SMALL
    assert county.ent_a.legal_representative == "老法人"
    assert set(county.ent_a.tags.values_list("name", flat=True)) == {"链主", "上市"}


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (make_credit_code(7)[:17] + "X", "Character 18 is the check character"),
        ("91430522I" + make_credit_code(7)[9:], "Character 9 ('I')"),
        ("9143052200000000", "18 characters"),
        ("", "required"),
    ],
    ids=["check-character", "letter-never-used", "too-short", "blank"],
)
def test_wrong_credit_code_names_the_character_and_changes_nothing(county, code, fragment):
    before = counts()
    file = xlsx(ENTERPRISE_HEADERS, [enterprise_row(make_credit_code(100)), enterprise_row(code)])
    result = services.enterprises_import(actor=county.office_user, file=file)
    assert errors_of(result) == [(3, imports.CODE)]
    refused(result, before, fragment)


def test_unknown_industry_code_changes_nothing(county):
    before = counts()
    rows = [
        enterprise_row(make_credit_code(100), **{imports.E_INDUSTRY: "999"}),
        enterprise_row(make_credit_code(101), **{imports.E_INDUSTRY: "C"}),  # a section, not a division or group
    ]
    result = services.enterprises_import(actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert errors_of(result) == [(2, imports.E_INDUSTRY), (3, imports.E_INDUSTRY)]
    refused(result, before, "Unknown industry code “999”", "Unknown industry code “C”")


def test_duplicate_enterprise_in_one_file_names_the_first_row(county):
    before = counts()
    code = make_credit_code(100)
    rows = [enterprise_row(code), enterprise_row(make_credit_code(101)), enterprise_row(code.lower(), "另一家")]
    result = services.enterprises_import(actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert errors_of(result) == [(4, imports.CODE)]
    refused(result, before, "rows 2 and 4", code)


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({imports.E_REGION: "430599"}, imports.E_REGION, "no region"),
        ({imports.E_PARK: "430522-GXJ"}, imports.E_PARK, "not a park"),
        ({imports.E_CAPITAL: -5}, imports.E_CAPITAL, "cannot be negative"),
        ({imports.E_FOUNDED: "2019-02-30"}, imports.E_FOUNDED, "not a date"),
        ({imports.E_SIZE: "特大"}, imports.E_SIZE, "Unknown size class"),
        ({imports.E_ABOVE: "可能"}, imports.E_ABOVE, "是 or 否"),
        ({imports.E_TAGS: "专精特新、独角兽"}, imports.E_TAGS, "“独角兽”"),
        ({imports.E_PHONE: "12345"}, imports.E_PHONE, ""),
        ({imports.NAME: ""}, imports.NAME, "required"),
    ],
    ids=["unknown-region", "not-a-park", "negative-capital", "bad-date", "size", "yes-no", "tag", "phone", "name"],
)
def test_enterprise_cell_errors(county, cells, column, fragment):
    before = counts()
    result = services.enterprises_import(
        actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, [enterprise_row(make_credit_code(100), **cells)])
    )
    assert errors_of(result) == [(2, column)]
    refused(result, before, fragment)


def test_every_error_is_listed_not_just_the_first(county):
    before = counts()
    rows = [
        enterprise_row(make_credit_code(100), region="", **{imports.E_INDUSTRY: "999", imports.E_SIZE: "特大"}),
        enterprise_row("bad", **{imports.E_ABOVE: "?"}),
    ]
    result = services.enterprises_import(actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert errors_of(result) == [
        (2, imports.E_REGION),
        (2, imports.E_INDUSTRY),
        (2, imports.E_SIZE),
        (3, imports.CODE),
        (3, imports.E_ABOVE),
    ]
    refused(result, before)


def test_errors_are_capped(county):
    before = counts()
    rows = [enterprise_row(f"bad{n}") for n in range(core_max_errors() + 20)]
    result = services.enterprises_import(actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert len(result.errors) == core_max_errors() + 1
    assert result.errors[-1].row is None and "20 more problems" in result.errors[-1].message
    refused(result, before)


def core_max_errors():
    from core.imports import MAX_ERRORS

    return MAX_ERRORS


@pytest.fixture
def town_office(county, make_user):
    """An office user whose data scope is narrowed to 酿溪镇's unit tree: 酿溪镇 is their jurisdiction."""
    user = make_user("town_office", unit=county.town_a_gov)
    UserRole.objects.create(user=user, role=Role.OFFICE, scope=Scope.UNIT_TREE)
    return User.objects.get(pk=user.pk)


def test_enterprise_out_of_scope_is_neither_updated_nor_created(county, town_office):
    before = counts()
    rows = [
        enterprise_row(county.ent_a.credit_code, "湘中机械（改名）"),  # in 酿溪镇: in scope
        enterprise_row(county.ent_b.credit_code, "雀塘食品（改名）", "430522101"),  # in 雀塘镇: outside
        enterprise_row(make_credit_code(100), "雀塘新厂", "430522101"),  # a new one outside the jurisdiction
    ]
    result = services.enterprises_import(actor=town_office, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert errors_of(result) == [(3, imports.CODE), (3, imports.E_REGION), (4, imports.E_REGION)]
    refused(result, before, "outside your scope", "outside your jurisdiction")
    county.ent_a.refresh_from_db()
    assert county.ent_a.name == "湘中机械有限公司"


def test_region_without_a_unit_answering_for_it_is_outside_the_jurisdiction(county):
    Region.objects.create(code="430523", name="邵阳县", level=Region.Level.COUNTY)
    before = counts()
    result = services.enterprises_import(
        actor=county.office_user,
        file=xlsx(ENTERPRISE_HEADERS, [enterprise_row(make_credit_code(100), region="430523")]),
    )
    assert errors_of(result) == [(2, imports.E_REGION)]
    refused(result, before, "邵阳县 (430523) is outside your jurisdiction")


# The shape of the file.


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "empty"),
        (b"credit code,name\n", "not an Excel workbook"),
        (b"PK\x03\x04 broken", "not an Excel workbook"),
    ],
    ids=["empty", "csv", "broken-zip"],
)
def test_a_file_that_is_not_xlsx_gets_one_message(county, content, fragment):
    before = counts()
    result = services.enterprises_import(actor=county.office_user, file=io.BytesIO(content))
    assert len(result.errors) == 1 and result.errors[0].row is None
    refused(result, before, fragment)


def test_missing_required_columns_are_named(county):
    before = counts()
    headers = [imports.CODE, imports.NAME, imports.E_INDUSTRY]
    result = services.enterprises_import(
        actor=county.office_user, file=xlsx(headers, [[make_credit_code(100), "甲", "351"]])
    )
    assert len(result.errors) == 1 and result.errors[0].row is None
    refused(result, before, "Missing column(s): 所属区划代码")


@pytest.mark.parametrize(
    ("importer", "headers", "row", "found"),
    [
        (services.enterprises_import, FIGURE_HEADERS, None, "operating data"),
        (services.figures_import, ENTERPRISE_HEADERS, None, "enterprises"),
        (services.visits_import, LINKAGE_HEADERS, None, "linkage"),
        (services.linkages_import, VISIT_HEADERS, None, "visits"),
        (
            services.figures_import,
            ["单位编码", "单位名称", "单位类型", "所属区划代码"],
            ["A", "甲", "部门", "430522"],
            "units",
        ),
    ],
    ids=["figures-as-enterprises", "enterprises-as-figures", "linkage-as-visits", "visits-as-linkage", "units"],
)
def test_a_template_of_another_kind_is_recognised(county, importer, headers, row, found):
    before = counts()
    result = importer(actor=county.office_user, file=xlsx(headers, [row or ["x"] * len(headers)]))
    assert len(result.errors) == 1 and result.errors[0].row is None
    refused(result, before, f"looks like a file of {found}")


def test_header_only_and_title_rows(county):
    before = counts()
    header_only = services.figures_import(actor=county.office_user, file=xlsx(FIGURE_HEADERS, []))
    refused(header_only, before, "no data rows")

    titled = xlsx(
        ["*" + h for h in FIGURE_HEADERS],
        [figure_row(county.ent_a.credit_code, "2026-01", revenue=10)],
        above=[["2026年规上工业企业月报"]],
    )
    result = services.figures_import(actor=county.office_user, file=titled)
    assert result.ok, result.errors


def test_full_width_brackets_in_headers_are_accepted(county):
    headers = [h.replace("(", "（").replace(")", "）") for h in FIGURE_HEADERS]
    result = services.figures_import(
        actor=county.office_user, file=xlsx(headers, [figure_row(county.ent_a.credit_code, "2026-01", revenue=10)])
    )
    assert result.ok, result.errors
    assert MonthlyFigure.objects.get(enterprise=county.ent_a).revenue == 10


# Operating data.


def test_figures_file_adds_and_replaces_months(county, refreshed):
    MonthlyFigure.objects.create(
        enterprise=county.ent_a,
        period=date(2026, 9, 1),
        revenue=100,
        employees=50,
        source=MonthlyFigure.Source.ENTERPRISE,
    )
    file = xlsx(
        FIGURE_HEADERS,
        [
            figure_row(
                county.ent_a.credit_code,
                "2026-10",
                output_value="1,250.5",
                revenue=1180,
                total_profit=-35.2,
                tax_paid=42,
                electricity=18.6,
                employees=126,
                rd_spend=30,
            ),
            figure_row(county.ent_a.credit_code, "2026年9月", revenue=120.456),
            figure_row(county.ent_c.credit_code, excel_date(2026, 8, 1), total_profit=5),
        ],
    )
    result = services.figures_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 1)
    october = MonthlyFigure.objects.get(enterprise=county.ent_a, period=date(2026, 10, 1))
    assert october.output_value == Decimal("1250.50") and october.revenue == 1180
    assert october.total_profit == Decimal("-35.20") and october.tax_paid == 42
    assert october.electricity == Decimal("18.60") and october.employees == 126 and october.rd_spend == 30
    assert october.source == MonthlyFigure.Source.IMPORT and october.entered_by == county.office_user
    # The September row replaced the month: its blank cells mean "not reported".
    september = MonthlyFigure.objects.get(enterprise=county.ent_a, period=date(2026, 9, 1))
    assert september.revenue == Decimal("120.46") and september.employees is None
    assert september.source == MonthlyFigure.Source.IMPORT
    assert MonthlyFigure.objects.get(enterprise=county.ent_c).period == date(2026, 8, 1)
    assert refreshed == [sorted([county.ent_a.pk, county.ent_c.pk])]


def test_a_figure_column_absent_from_the_file_keeps_its_values(county):
    MonthlyFigure.objects.create(enterprise=county.ent_a, period=date(2026, 9, 1), revenue=100, employees=50)
    headers = [imports.CODE, imports.F_MONTH, imports.FIGURE_HEADERS["revenue"]]
    result = services.figures_import(
        actor=county.office_user, file=xlsx(headers, [[county.ent_a.credit_code, "2026-09", 90]])
    )
    assert result.ok and result.updated == 1
    figure = MonthlyFigure.objects.get(enterprise=county.ent_a)
    assert (figure.revenue, figure.employees) == (90, 50)


def test_negative_employee_count_changes_nothing(county, refreshed):
    before = counts()
    rows = [
        figure_row(county.ent_a.credit_code, "2026-09", revenue=10, employees=12),
        figure_row(county.ent_c.credit_code, "2026-09", revenue=10, employees=-3),
    ]
    result = services.figures_import(actor=county.office_user, file=xlsx(FIGURE_HEADERS, rows))
    assert errors_of(result) == [(3, imports.FIGURE_HEADERS["employees"])]
    refused(result, before, "employees cannot be negative")
    assert refreshed == []


@pytest.mark.parametrize(
    ("figures", "column", "fragment"),
    [
        ({"employees": 12.5}, "employees", "whole number"),
        ({"revenue": -1}, "revenue", "cannot be negative"),
        ({"tax_paid": "abc"}, "tax_paid", "not a number"),
        ({"electricity": 10**11}, "electricity", "not a number"),
    ],
    ids=["fractional-employees", "negative-revenue", "not-a-number", "too-large"],
)
def test_figure_cell_errors(county, figures, column, fragment):
    before = counts()
    result = services.figures_import(
        actor=county.office_user,
        file=xlsx(FIGURE_HEADERS, [figure_row(county.ent_a.credit_code, "2026-09", **figures)]),
    )
    assert errors_of(result) == [(2, imports.FIGURE_HEADERS[column])]
    refused(result, before, fragment)


def test_figure_row_errors(county, town_office):
    before = counts()
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=7)).strftime("%Y-%m")
    rows = [
        figure_row(county.ent_a.credit_code, "2026-09", revenue=1),
        figure_row(county.ent_a.credit_code, "2026年9月", revenue=2),  # the same month again
        figure_row(county.ent_a.credit_code, next_month, revenue=3),
        figure_row(county.ent_a.credit_code, "九月", revenue=4),
        figure_row(county.ent_a.credit_code, "2026-08"),  # no figures at all
        figure_row(make_credit_code(999), "2026-09", revenue=5),  # not in the registry
        figure_row(county.ent_b.credit_code, "2026-09", revenue=6),  # in 雀塘镇: outside town_office's scope
    ]
    result = services.figures_import(actor=town_office, file=xlsx(FIGURE_HEADERS, rows))
    assert errors_of(result) == [
        (3, imports.F_MONTH),
        (4, imports.F_MONTH),
        (5, imports.F_MONTH),
        (6, imports.FIGURE_HEADERS["output_value"]),
        (7, imports.CODE),
        (8, imports.CODE),
    ]
    refused(result, before, "rows 2 and 3", "has not begun yet", "not a month", "no figures")
    assert result.errors[-1].message == result.errors[-2].message.replace(
        make_credit_code(999), county.ent_b.credit_code
    )


def test_checks_use_a_fixed_number_of_queries_whatever_the_file_size(county, django_assert_num_queries):
    def check(n):
        rows = [
            figure_row(county.ent_a.credit_code, f"{2000 + year}-{month:02d}", revenue=1)
            for year in range(n)
            for month in (1, 2)
        ]
        return xlsx(FIGURE_HEADERS, rows)

    imports.check_figures(check(1), actor=county.office_user)  # the actor's roles are cached from here on
    # One lookup of the file's enterprises within the actor's scope, however many rows.
    with django_assert_num_queries(1):
        imports.check_figures(check(3), actor=county.office_user)
    with django_assert_num_queries(1):
        result = imports.check_figures(check(20), actor=county.office_user)
    assert result.ok and len(result.rows) == 40


def test_enterprise_check_uses_a_fixed_number_of_queries(county, django_assert_num_queries):
    def file(n):
        return xlsx(
            ENTERPRISE_HEADERS,
            [
                enterprise_row(make_credit_code(200 + i), **{imports.E_INDUSTRY: "351", imports.E_TAGS: "链主"})
                for i in range(n)
            ],
        )

    imports.check_enterprises(file(1), actor=county.office_user)  # the actor's roles are cached from here on
    # Existing enterprises, regions, territories, industries, tags.
    with django_assert_num_queries(5):
        imports.check_enterprises(file(2), actor=county.office_user)
    with django_assert_num_queries(5):
        assert imports.check_enterprises(file(30), actor=county.office_user).ok


# Linkage.


def test_linkage_file_creates_and_replaces(county, make_user):
    other_cadre = make_user("cadre2", Role.CADRE, unit=county.gxj, full_name="第二干部")
    year = timezone.localdate().year
    rows = [
        # The leader found by full name; two cadres.
        linkage_row(county.ent_a.credit_code, year, leader="李县长", unit="430522-GXJ", cadres="cadre、cadre2"),
        # ent_c already has this year's linkage: replaced, its cadres too.
        linkage_row(
            county.ent_c.credit_code, f"{year}年", leader="leader", unit="430522-FGJ", cadres="cadre2", note="调整"
        ),
    ]
    result = services.linkages_import(actor=county.office_user, file=xlsx(LINKAGE_HEADERS, rows))

    assert result.ok, result.errors
    assert (result.created, result.updated) == (1, 1)
    new = Linkage.objects.get(enterprise=county.ent_a, year=year)
    assert new.leader == county.leader and new.lead_unit == county.gxj
    assert set(new.cadres.all()) == {county.cadre, other_cadre}
    replaced = Linkage.objects.get(enterprise=county.ent_c, year=year)
    assert replaced.lead_unit == county.fgj and replaced.note == "调整"
    assert list(replaced.cadres.all()) == [other_cadre]
    assert Linkage.objects.filter(enterprise=county.ent_c).count() == 1


def test_linkage_errors(county, make_user):
    make_user("leader2", Role.LEADER, unit=county.gov, full_name="李县长")  # the same name as `leader`
    Unit.objects.filter(pk=county.fgj.pk).update(is_active=False)
    before = counts()
    year = timezone.localdate().year
    code = county.ent_a.credit_code
    rows = [
        linkage_row(code, year, leader="李县长"),
        linkage_row(code, year + 5, leader="leader"),
        linkage_row(county.ent_b.credit_code, year, leader="gxj_handler"),  # not a leader
        linkage_row(county.ent_c.credit_code, year, unit="430522-NOPE", cadres="cadre、gxj_handler、ghost"),
        linkage_row(county.ent_c.credit_code, year - 1, unit="430522-FGJ"),  # an inactive unit
        linkage_row(county.ent_b.credit_code, year - 1),  # nothing to link
        linkage_row(county.ent_b.credit_code, year, leader="leader"),  # twice ent_b this year
    ]
    result = services.linkages_import(actor=county.office_user, file=xlsx(LINKAGE_HEADERS, rows))
    assert errors_of(result) == [
        (2, imports.L_LEADER),
        (3, imports.L_YEAR),
        (4, imports.L_LEADER),
        (5, imports.L_UNIT),
        (5, imports.L_CADRES),
        (5, imports.L_CADRES),
        (6, imports.L_UNIT),
        (7, imports.L_LEADER),
        (8, imports.L_YEAR),
    ]
    refused(
        result, before, "give the user name instead", "leader、leader2", "does not hold the leader role", "rows 4 and 8"
    )


# Visits.


def test_visits_file_records_visits_and_problems(county):
    yesterday = timezone.localdate() - timedelta(days=1)
    rows = [
        visit_row(
            county.ent_c.credit_code,
            yesterday.isoformat(),
            mode="座谈",
            met="总经理",
            notes="了解用工",
            problems="流动资金紧张；招工难\n用电报装慢",
        ),
        visit_row(county.ent_a.credit_code, excel_date(2026, 3, 2), visitor="gxj_handler", mode=""),
    ]
    result = services.visits_import(actor=county.office_user, file=xlsx(VISIT_HEADERS, rows))

    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    visit = Visit.objects.get(enterprise=county.ent_c)
    assert visit.visitor == county.cadre and visit.unit == county.fgj and visit.visited_on == yesterday
    assert visit.mode == Visit.Mode.MEETING and visit.met_with == "总经理" and visit.notes == "了解用工"
    assert list(visit.problems.values_list("description", flat=True)) == ["流动资金紧张", "招工难", "用电报装慢"]
    other = Visit.objects.get(enterprise=county.ent_a)
    assert other.mode == Visit.Mode.ONSITE and other.unit == county.gxj and other.problems.count() == 0

    # The same file again records nothing twice.
    before = counts()
    again = services.visits_import(actor=county.office_user, file=xlsx(VISIT_HEADERS, rows))
    assert errors_of(again) == [(2, imports.V_DATE), (3, imports.V_DATE)]
    refused(again, before, "already recorded")


def test_visit_errors(county):
    before = counts()
    today = timezone.localdate()
    code = county.ent_a.credit_code
    rows = [
        visit_row(code, (today + timedelta(days=1)).isoformat()),
        visit_row(code, today.isoformat(), visitor="ent_a"),  # an enterprise user
        visit_row(code, today.isoformat(), visitor="nobody"),
        visit_row(code, (today - timedelta(days=1)).isoformat(), mode="上门"),
        visit_row(code, today.isoformat()),
        visit_row(code, today.isoformat(), notes="again"),
    ]
    result = services.visits_import(actor=county.office_user, file=xlsx(VISIT_HEADERS, rows))
    assert errors_of(result) == [
        (2, imports.V_DATE),
        (3, imports.V_VISITOR),
        (4, imports.V_VISITOR),
        (5, imports.V_MODE),
        (7, imports.V_DATE),
    ]
    refused(result, before, "in the future", "not a staff member", "Unknown visit mode", "rows 6 and 7")


# Everyone but the office.


@pytest.mark.parametrize("username", ["leader", "gxj_head", "gxj_handler", "cadre", "ent_a", "auditor"])
@pytest.mark.parametrize("kind", imports.KINDS)
def test_only_the_office_may_import(county, username, kind):
    from django.core.exceptions import PermissionDenied

    before = counts()
    with pytest.raises(PermissionDenied):
        services.IMPORTERS[kind](actor=User.objects.get(username=username), file=xlsx(ENTERPRISE_HEADERS, []))
    assert counts() == before


def test_a_conflict_while_writing_rolls_everything_back(county, monkeypatch):
    """A credit code registered by someone else between the check and the write: nothing is kept."""
    before = counts()
    code = make_credit_code(100)
    real_check = imports.check_enterprises

    def check_then_race(file, *, actor):
        result = real_check(file, actor=actor)
        Enterprise.objects.create(credit_code=code, name="抢先登记", region=county.town_a)
        return result

    monkeypatch.setattr(imports, "check_enterprises", check_then_race)
    rows = [enterprise_row(make_credit_code(101)), enterprise_row(code)]
    result = services.enterprises_import(actor=county.office_user, file=xlsx(ENTERPRISE_HEADERS, rows))
    assert len(result.errors) == 1 and "changed by someone else" in result.errors[0].message
    assert not Enterprise.objects.filter(credit_code=make_credit_code(101)).exists()
    assert counts()[0] == before[0] + 1  # only the racing enterprise
