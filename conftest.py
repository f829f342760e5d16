"""Fixtures every app's tests share: a small county with one account per role.

county (430522 新邵县)
├── 酿溪镇 (430522100)         territory of the 酿溪镇人民政府 unit
└── 雀塘镇 (430522101)         territory of the 雀塘镇人民政府 unit

新邵县人民政府 (government, root)
├── 县助企办 (office)
├── 县工信局 (department)
│   └── 县工信局中小企业股 (department, below 工信局)
├── 县发改局 (department)
├── 酿溪镇人民政府 (township)
└── 雀塘镇人民政府 (township)
"""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.utils import timezone, translation

from accounts.models import Region, Role, Unit, User, UserRole
from enterprises.models import Enterprise, Linkage
from enterprises.validators import credit_code_check_char

PASSWORD = "Zhuqi-test-2026"


def make_credit_code(serial: int) -> str:
    """A well-formed credit code: 91 (enterprise, company) + a 430522 region + a 9-character body."""
    first17 = f"91430522{serial:09d}"
    return first17 + credit_code_check_char(first17)


@pytest.fixture(autouse=True)
def default_language():
    # A request through LocaleMiddleware leaves its language active on the thread; without this reset a
    # test's messages would depend on which test ran before it on the same worker.
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def fresh_cache():
    # Each test's database rolls back, but the in-process cache (calendar overrides…) would outlive it.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def reference_data(request):
    """The industry table, the tag dictionary, the case categories and the assessment templates are loaded by a migration, but a transactional test (the
    browser tests) empties every table when it ends: load them again for any later test that uses the
    database, whatever order xdist runs the tests in."""
    uses_transactions = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if uses_transactions:
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    from cases.models import CaseCategory
    from enterprises.models import Industry

    if not Industry.objects.exists():
        importlib.import_module("enterprises.migrations.0003_reference_data").load(django_apps, None)
    if not CaseCategory.objects.exists():
        importlib.import_module("cases.migrations.0002_reference_data").load(django_apps, None)
    from policies.models import PolicyCategory

    if not PolicyCategory.objects.exists():
        importlib.import_module("policies.migrations.0002_categories").load(django_apps, None)
    from reports.defaults import create_templates
    from reports.models import AssessmentItem, AssessmentScheme

    if not AssessmentScheme.objects.filter(year=None).exists():
        create_templates(AssessmentScheme, AssessmentItem)


@pytest.fixture
def make_user(db):
    def _make(username, *roles, unit=None, enterprise=None, full_name=None, **extra):
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            full_name=full_name or username,
            unit=unit,
            enterprise=enterprise,
            **extra,
        )
        for role in roles:
            UserRole.objects.create(user=user, role=role)
        return user

    return _make


class County:
    """Handles on the objects of the small county, as attributes."""


@pytest.fixture
def county(db, make_user):
    c = County()
    c.region = Region.objects.create(code="430522", name="新邵县", level=Region.Level.COUNTY)
    c.town_a = Region.objects.create(code="430522100", name="酿溪镇", level=Region.Level.TOWNSHIP, parent=c.region)
    c.town_b = Region.objects.create(code="430522101", name="雀塘镇", level=Region.Level.TOWNSHIP, parent=c.region)

    def unit(code, name, kind, parent=None, region=None):
        return Unit.objects.create(code=code, name=name, kind=kind, parent=parent, region=region or c.region)

    c.gov = unit("430522-GOV", "新邵县人民政府", Unit.Kind.GOVERNMENT)
    c.office = unit("430522-ZQB", "县助企办", Unit.Kind.OFFICE, c.gov)
    c.gxj = unit("430522-GXJ", "县工信局", Unit.Kind.DEPARTMENT, c.gov)
    c.gxj_sme = unit("430522-GXJ-ZXQY", "县工信局中小企业股", Unit.Kind.DEPARTMENT, c.gxj)
    c.fgj = unit("430522-FGJ", "县发改局", Unit.Kind.DEPARTMENT, c.gov)
    c.town_a_gov = unit("430522-NXZ", "酿溪镇人民政府", Unit.Kind.TOWNSHIP, c.gov, c.town_a)
    c.town_b_gov = unit("430522-QTZ", "雀塘镇人民政府", Unit.Kind.TOWNSHIP, c.gov, c.town_b)

    # Three enterprises: one in each township, one more in 酿溪镇 led by 工信局's sub-unit.
    c.ent_a = Enterprise.objects.create(credit_code=make_credit_code(1), name="湘中机械有限公司", region=c.town_a)
    c.ent_b = Enterprise.objects.create(credit_code=make_credit_code(2), name="雀塘食品有限公司", region=c.town_b)
    c.ent_c = Enterprise.objects.create(credit_code=make_credit_code(3), name="邵水新材料股份有限公司", region=c.town_a)

    c.office_user = make_user("office", Role.OFFICE, unit=c.office, full_name="王主任")
    c.auditor = make_user("auditor", Role.AUDITOR, unit=c.office, full_name="督查员")
    c.leader = make_user("leader", Role.LEADER, unit=c.gov, full_name="李县长")
    c.gxj_head = make_user("gxj_head", Role.UNIT_HEAD, unit=c.gxj, full_name="工信局长")
    c.gxj_handler = make_user("gxj_handler", Role.UNIT_HANDLER, unit=c.gxj, full_name="工信经办")
    c.sme_handler = make_user("sme_handler", Role.UNIT_HANDLER, unit=c.gxj_sme, full_name="中小股经办")
    c.fgj_handler = make_user("fgj_handler", Role.UNIT_HANDLER, unit=c.fgj, full_name="发改经办")
    c.town_a_handler = make_user("town_a_handler", Role.UNIT_HANDLER, unit=c.town_a_gov, full_name="酿溪镇经办")
    c.cadre = make_user("cadre", Role.CADRE, unit=c.fgj, full_name="联企干部")
    c.ent_a_user = make_user("ent_a", Role.ENTERPRISE, enterprise=c.ent_a, full_name="湘中机械联系人")
    c.ent_a_colleague = make_user("ent_a2", Role.ENTERPRISE, enterprise=c.ent_a, full_name="湘中机械财务")
    c.ent_b_user = make_user("ent_b", Role.ENTERPRISE, enterprise=c.ent_b, full_name="雀塘食品联系人")

    year = timezone.localdate().year
    # ent_c: led by 工信局中小企业股 this year, leader 李县长, cadre 联企干部.
    linkage = Linkage.objects.create(enterprise=c.ent_c, year=year, leader=c.leader, lead_unit=c.gxj_sme)
    linkage.cadres.add(c.cadre)
    # ent_b was 工信局's last year: a past linkage gives no access now.
    Linkage.objects.create(enterprise=c.ent_b, year=year - 1, leader=c.leader, lead_unit=c.gxj)
    return c
