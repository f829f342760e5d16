"""Excel import of units and users: the checks of accounts.imports and the all-or-nothing services."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from openpyxl import Workbook, load_workbook

from accounts import imports, services
from accounts.models import Role, Unit, User, UserRole
from conftest import PASSWORD

UNIT_HEADERS = ["单位编码", "单位名称", "单位类型", "上级单位编码", "所属区划代码", "排序"]
USER_HEADERS = ["用户名", "姓名", "所属单位编码", "所属企业信用代码", "职务", "手机号", "邮箱", "角色", "初始密码"]


def xlsx(headers, rows, *, above=()) -> io.BytesIO:
    """A workbook in memory: optional title rows, the header row, then the data rows."""
    workbook = Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def unit_row(code, name="某单位", kind="县直部门", parent="430522-GOV", region="430522", sort=None):
    return [code, name, kind, parent, region, sort]


def user_row(
    username, name="张三", unit="430522-GXJ", credit="", title="", phone="", email="", roles="经办人", password=""
):
    return [username, name, unit, credit, title, phone, email, roles, password]


def counts():
    return Unit.objects.count(), User.objects.count(), UserRole.objects.count()


def errors_of(result):
    return [(e.row, e.column) for e in result.errors]


# Units.


def test_units_file_builds_the_tree_with_parents_defined_later(county):
    file = xlsx(
        UNIT_HEADERS,
        [
            # The 股 comes before its bureau, and the bureau before the office above it.
            unit_row("430522-SWJ-DZSW", "县商务局电子商务股", parent="430522-SWJ", sort=2.0),
            unit_row("430522-SWJ", "县商务局", parent="430522-KFQ", region=430522),
            unit_row("430522-KFQ", "县经济开发区管委会", kind="园区管委会", parent="", region=430522100, sort=1),
        ],
    )
    result = services.units_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (3, 0)
    park = Unit.objects.get(code="430522-KFQ")
    bureau = Unit.objects.get(code="430522-SWJ")
    section = Unit.objects.get(code="430522-SWJ-DZSW")
    assert park.parent is None and park.kind == Unit.Kind.PARK and park.region == county.town_a
    assert bureau.parent == park and bureau.region == county.region and bureau.kind == Unit.Kind.DEPARTMENT
    assert section.parent == bureau and section.sort_order == 2
    assert set(park.descendants().values_list("code", flat=True)) == {"430522-KFQ", "430522-SWJ", "430522-SWJ-DZSW"}
    assert section.depth == 2


def test_existing_unit_code_updates_the_unit_and_moves_its_subtree(county):
    file = xlsx(
        UNIT_HEADERS, [unit_row("430522-GXJ", "县工业和信息化局", "部门", parent="430522-FGJ", region="430522100")]
    )
    result = services.units_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1)
    county.gxj.refresh_from_db()
    county.gxj_sme.refresh_from_db()
    assert county.gxj.name == "县工业和信息化局"
    assert county.gxj.parent == county.fgj and county.gxj.region == county.town_a
    assert county.gxj_sme.path.startswith(county.gxj.path) and county.gxj_sme.depth == 3
    assert county.gxj_sme in county.fgj.descendants()


def test_units_file_without_parent_column_keeps_parents(county):
    headers = ["单位编码", "单位名称", "单位类型", "所属区划代码"]
    result = services.units_import(
        actor=county.office_user, file=xlsx(headers, [["430522-GXJ-ZXQY", "中小企业股", "部门", "430522"]])
    )
    assert result.ok, result.errors
    county.gxj_sme.refresh_from_db()
    assert county.gxj_sme.name == "中小企业股" and county.gxj_sme.parent == county.gxj


def test_header_may_sit_below_a_title_row_and_carry_asterisks(county):
    headers = ["*单位编码", "*单位名称", "*单位类型", "上级单位编码", "*所属区划代码", "备注"]
    file = xlsx(
        headers, [["430522-TJJ", "县统计局", "县直部门", "430522-GOV", "430522", "新设"]], above=[["新邵县单位导入表"]]
    )
    result = services.units_import(actor=county.office_user, file=file)
    assert result.ok, result.errors
    assert Unit.objects.get(code="430522-TJJ").parent == county.gov


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([unit_row("430522-A", kind="委员会")], [(2, "单位类型")]),
        ([unit_row("430522-A", region="430599")], [(2, "所属区划代码")]),
        ([unit_row("430522-A", region="4305")], [(2, "所属区划代码")]),
        ([unit_row("430522-A", parent="430522-NOPE")], [(2, "上级单位编码")]),
        ([unit_row("430522-A", parent="430522-A")], [(2, "上级单位编码")]),
        ([unit_row("430522 A")], [(2, "单位编码")]),
        ([unit_row("430522-A", name="")], [(2, "单位名称")]),
        ([unit_row("430522-A", sort="first")], [(2, "排序")]),
        ([unit_row("430522-A", kind="", region="")], [(2, "单位类型"), (2, "所属区划代码")]),
        (
            [unit_row("430522-A", parent="430522-B"), unit_row("430522-OK"), unit_row("430522-B", parent="430522-A")],
            [(2, "上级单位编码"), (4, "上级单位编码")],
        ),
        # The government, moved under a unit that sits below it today.
        ([unit_row("430522-GOV", "新邵县人民政府", "人民政府", parent="430522-GXJ-ZXQY")], [(2, "上级单位编码")]),
    ],
    ids=[
        "unknown-kind",
        "unknown-region",
        "malformed-region",
        "unknown-parent",
        "own-parent",
        "bad-code",
        "missing-name",
        "bad-sort",
        "two-errors-one-row",
        "cycle-in-file",
        "cycle-through-existing",
    ],
)
def test_unit_errors_name_row_and_column_and_write_nothing(county, rows, expected):
    before = counts()
    names = dict(Unit.objects.values_list("code", "name"))
    # A good row first: it must not be written either.
    file = xlsx(UNIT_HEADERS, [unit_row("430522-GOOD", "好单位"), *rows])
    result = services.units_import(actor=county.office_user, file=file)

    shifted = [(row + 1, column) for row, column in expected]
    assert errors_of(result) == shifted
    assert all(e.message for e in result.errors)
    assert (result.created, result.updated) == (0, 0)
    assert counts() == before
    assert dict(Unit.objects.values_list("code", "name")) == names


def test_cycle_message_shows_the_loop(county):
    file = xlsx(UNIT_HEADERS, [unit_row("430522-A", parent="430522-B"), unit_row("430522-B", parent="430522-A")])
    result = imports.check_units(file)
    assert "430522-A → 430522-B → 430522-A" in result.errors[0].message


def test_duplicate_unit_code_names_both_rows(county):
    before = counts()
    file = xlsx(UNIT_HEADERS, [unit_row("430522-A"), unit_row("430522-B"), unit_row("430522-A", "另一个")])
    result = services.units_import(actor=county.office_user, file=file)
    assert errors_of(result) == [(4, "单位编码")]
    assert "2" in result.errors[0].message and "4" in result.errors[0].message
    assert counts() == before


def test_missing_column_refuses_the_file_with_one_message(county):
    before = counts()
    headers = ["单位编码", "单位名称", "上级单位编码"]
    result = services.units_import(actor=county.office_user, file=xlsx(headers, [["430522-A", "甲", ""]]))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row is None and "单位类型" in error.message and "所属区划代码" in error.message
    assert counts() == before


@pytest.mark.parametrize(
    "content",
    [b"", b"this is not a spreadsheet", b"PK\x03\x04 broken zip", "单位编码,单位名称\n".encode()],
    ids=["empty", "text", "broken-zip", "csv"],
)
def test_non_xlsx_file_gets_one_clear_message(county, content):
    before = counts()
    result = services.units_import(actor=county.office_user, file=io.BytesIO(content))
    assert len(result.errors) == 1 and result.errors[0].row is None and result.errors[0].message
    assert counts() == before


def test_workbook_shapes_that_are_refused(county):
    header_only = imports.check_units(xlsx(UNIT_HEADERS, []))
    assert len(header_only.errors) == 1 and header_only.errors[0].row is None

    no_header = imports.check_units(xlsx(["甲", "乙"], [["1", "2"]]))
    assert len(no_header.errors) == 1 and "单位编码" in no_header.errors[0].message

    wrong_page = imports.check_units(xlsx(USER_HEADERS, [user_row("zhangsan")]))
    assert len(wrong_page.errors) == 1 and wrong_page.errors[0].row is None

    twice = imports.check_units(xlsx([*UNIT_HEADERS, "单位名称"], [unit_row("430522-A") + ["甲"]]))
    assert len(twice.errors) == 1 and "单位名称" in twice.errors[0].message


def test_too_large_file_is_refused(county):
    big = io.BytesIO(b"\0" * (imports.MAX_FILE_BYTES + 1))
    result = imports.check_units(big)
    assert len(result.errors) == 1 and "5 MB" in result.errors[0].message


def test_blank_rows_are_skipped_and_rows_keep_excel_numbers(county):
    file = xlsx(UNIT_HEADERS, [unit_row("430522-A"), [None] * 6, unit_row("430522-B", kind="乱填")])
    result = imports.check_units(file)
    assert errors_of(result) == [(4, "单位类型")]


# Users.


def test_users_file_creates_users_with_roles_and_working_passwords(county, client):
    file = xlsx(
        USER_HEADERS,
        [
            user_row(
                "zhang.san", "张三", title="科员", phone=13800000000.0, email="zs@example.com", roles="经办人、联企干部"
            ),
            user_row("li-si", "李四", unit="430522-ZQB", roles="助企办", password="Qiye-Bangfu-2026"),
            user_row("ent_c", "邵水联系人", unit="", credit=county.ent_c.credit_code.lower(), roles="企业用户"),
            user_row("wang_wu", "王五", unit=None, roles="链长; 督查", credit=county.ent_a.credit_code),
        ],
    )
    result = services.users_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (4, 0)
    zhang = User.objects.get(username="zhang.san")
    assert zhang.full_name == "张三" and zhang.unit == county.gxj and zhang.title == "科员"
    assert zhang.phone == "13800000000" and zhang.email == "zs@example.com"
    assert set(zhang.role_grants.values_list("role", flat=True)) == {Role.UNIT_HANDLER, Role.CADRE}
    assert User.objects.get(username="ent_c").enterprise == county.ent_c
    assert set(User.objects.get(username="wang_wu").role_grants.values_list("role", flat=True)) == {
        Role.LEADER,
        Role.AUDITOR,
    }

    accounts = {a.username: a for a in result.accounts}
    assert set(accounts) == {"zhang.san", "li-si", "ent_c", "wang_wu"}
    assert not accounts["li-si"].generated and accounts["li-si"].password == "Qiye-Bangfu-2026"
    generated = accounts["zhang.san"]
    assert generated.generated and len(generated.password) == 10
    assert client.login(username="zhang.san", password=generated.password)
    client.logout()
    assert client.login(username="li-si", password="Qiye-Bangfu-2026")


def test_existing_username_updates_the_person_and_replaces_roles(county, client):
    file = xlsx(
        USER_HEADERS,
        [
            user_row(
                "gxj_handler",
                "工信局新经办",
                unit="430522-FGJ",
                title="副股长",
                phone="139 0000 0000",
                roles="单位负责人、联企干部",
                password="ignored-for-existing",
            )
        ],
    )
    result = services.users_import(actor=county.office_user, file=file)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, 1) and result.accounts == []
    user = User.objects.get(username="gxj_handler")
    assert user.full_name == "工信局新经办" and user.unit == county.fgj and user.title == "副股长"
    assert user.phone == "13900000000"
    assert set(user.role_grants.values_list("role", flat=True)) == {Role.UNIT_HEAD, Role.CADRE}
    assert client.login(username="gxj_handler", password=PASSWORD)


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (user_row("a1", phone="2380000000"), "手机号"),
        (user_row("a1", phone=1380000000), "手机号"),
        (user_row("a1", roles="经办人、科长"), "角色"),
        (user_row("a1", roles=""), "角色"),
        (user_row("a1", unit="", credit="91430522MA4L0000X1", roles="企业用户"), "所属企业信用代码"),
        (user_row("a1", password="12345678"), "初始密码"),
        (user_row("a1", password="abc"), "初始密码"),
        (user_row("a1", unit="430522-NOPE"), "所属单位编码"),
        (user_row("a1", unit=""), "所属单位编码"),
        (user_row("a1", roles="企业用户"), "所属企业信用代码"),
        (user_row("zhang san"), "用户名"),
        (user_row("a1", name=""), "姓名"),
        (user_row("a1", email="not-an-email"), "邮箱"),
    ],
    ids=[
        "phone-prefix",
        "phone-short",
        "unknown-role",
        "no-role",
        "unknown-enterprise",
        "numeric-password",
        "short-password",
        "unknown-unit",
        "no-unit",
        "enterprise-role-without-enterprise",
        "bad-username",
        "missing-name",
        "bad-email",
    ],
)
def test_user_errors_name_row_and_column_and_write_nothing(county, row, column):
    before = counts()
    file = xlsx(USER_HEADERS, [user_row("fine_person", "好人"), row])
    result = services.users_import(actor=county.office_user, file=file)

    assert errors_of(result) == [(3, column)]
    assert result.errors[0].message
    assert counts() == before
    assert not User.objects.filter(username="fine_person").exists()


def test_duplicate_username_names_both_rows(county):
    before = counts()
    file = xlsx(USER_HEADERS, [user_row("dup"), user_row("other"), user_row("dup", "另一个")])
    result = services.users_import(actor=county.office_user, file=file)
    assert errors_of(result) == [(4, "用户名")]
    assert "2" in result.errors[0].message and "4" in result.errors[0].message
    assert counts() == before


def test_office_user_cannot_drop_their_own_office_role(county):
    before = counts()
    file = xlsx(USER_HEADERS, [user_row("office", "王主任", unit="430522-ZQB", roles="督查")])
    result = services.users_import(actor=county.office_user, file=file)
    assert errors_of(result) == [(2, "角色")]
    assert counts() == before
    assert county.office_user.role_grants.filter(role=Role.OFFICE).exists()


def test_unknown_role_message_names_the_label(county):
    result = imports.check_users(xlsx(USER_HEADERS, [user_row("a1", roles="经办人，科长")]))
    assert "科长" in result.errors[0].message


def test_database_error_mid_import_rolls_everything_back(county, monkeypatch):
    before = counts()
    calls = []

    def failing_password():
        calls.append(1)
        if len(calls) == 2:
            raise IntegrityError("simulated")
        return "Abcdefgh23"

    monkeypatch.setattr(imports, "generate_password", failing_password)
    file = xlsx(USER_HEADERS, [user_row("first"), user_row("second")])
    result = services.users_import(actor=county.office_user, file=file)

    assert len(result.errors) == 1 and result.created == 0 and result.accounts == []
    assert counts() == before


@pytest.mark.parametrize("username", ["gxj_head", "gxj_handler", "ent_a", "auditor", "leader"])
def test_only_the_office_may_import(county, username):
    actor = User.objects.get(username=username)
    with pytest.raises(PermissionDenied):
        services.units_import(actor=actor, file=xlsx(UNIT_HEADERS, [unit_row("430522-A")]))
    with pytest.raises(PermissionDenied):
        services.users_import(actor=actor, file=xlsx(USER_HEADERS, [user_row("a1")]))
    assert not Unit.objects.filter(code="430522-A").exists()


# Templates.


@pytest.mark.parametrize(("kind", "headers"), [("units", UNIT_HEADERS), ("users", USER_HEADERS)])
def test_template_has_headers_example_and_instructions(county, kind, headers):
    workbook = load_workbook(io.BytesIO(imports.build_template(kind)))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == headers
    assert any(c.value for c in sheet[2])
    notes = workbook["说明"]
    assert {row[0] for row in notes.iter_rows(min_row=2, values_only=True)} >= set(headers)


@pytest.mark.parametrize("kind", ["units", "users"])
def test_template_example_row_imports(county, kind):
    importer = services.units_import if kind == "units" else services.users_import
    result = importer(actor=county.office_user, file=io.BytesIO(imports.build_template(kind)))
    assert result.ok, result.errors
    assert result.created == 1
