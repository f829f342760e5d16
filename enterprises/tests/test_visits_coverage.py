"""Monthly visit coverage on a hand-built October, per cadre (their linked enterprises they visited
themselves) and per unit (the enterprises whose linkage it leads, visited by anyone; visits by its staff)."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from accounts.scope import current_year
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage, Visit
from enterprises.selectors.visits import cadre_coverage, unit_coverage

YEAR = current_year()
OCTOBER = dt.date(YEAR, 10, 1)


def on(day, month=10):
    return dt.date(YEAR, month, day)


@pytest.fixture
def october(county, make_user):
    """
    cadres   A = county.cadre (发改局), B (发改局), C (工信局), D (工信局, linked to nothing)
    linkages ent_c: lead 工信局中小企业股, cadres A, B      ent_a: lead 发改局, cadre A
             ent_b: lead 发改局, cadres B, C                e4: lead 工信局, cadre C      e5: lead 工信局, none
    visits   A → ent_c on 10-03 and 10-10; A → ent_c on 10-15 while A was in 工信局中小企业股; A → e4 on 10-12;
             B → ent_a on 10-08; C → ent_b on 10-20; C → e4 on 09-30 (not October); A → ent_a on 11-01 (not)
    """
    a = county.cadre
    b = make_user("cadre_b", Role.CADRE, unit=county.fgj, full_name="乙干部")
    c = make_user("cadre_c", Role.CADRE, unit=county.gxj, full_name="丙干部")
    d = make_user("cadre_d", Role.CADRE, unit=county.gxj, full_name="丁干部")
    e4 = Enterprise.objects.create(credit_code=make_credit_code(4), name="第四企业", region=county.town_b)
    e5 = Enterprise.objects.create(credit_code=make_credit_code(5), name="第五企业", region=county.town_b)
    Linkage.objects.get(enterprise=county.ent_c, year=YEAR).cadres.add(b)
    Linkage.objects.create(enterprise=county.ent_a, year=YEAR, lead_unit=county.fgj).cadres.set([a])
    Linkage.objects.create(enterprise=county.ent_b, year=YEAR, lead_unit=county.fgj).cadres.set([b, c])
    Linkage.objects.create(enterprise=e4, year=YEAR, lead_unit=county.gxj).cadres.set([c])
    Linkage.objects.create(enterprise=e5, year=YEAR, lead_unit=county.gxj)

    def visit(visitor, enterprise, day, unit=None):
        Visit.objects.create(enterprise=enterprise, visitor=visitor, unit=unit or visitor.unit, visited_on=day)

    visit(a, county.ent_c, on(3))
    visit(a, county.ent_c, on(10))
    visit(a, county.ent_c, on(15), unit=county.gxj_sme)
    visit(a, e4, on(12))
    visit(b, county.ent_a, on(8))
    visit(c, county.ent_b, on(20))
    visit(c, e4, on(30, month=9))
    visit(a, county.ent_a, on(1, month=11))
    return {"a": a, "b": b, "c": c, "d": d}


def cadre_figures(rows):
    return {row.username: (row.linked, row.visited, row.coverage, row.visits_made) for row in rows}


def unit_figures(rows):
    return {row.code: (row.linked, row.visited, row.coverage, row.visits_made) for row in rows}


def test_per_cadre_numbers(county, october):
    rows = list(cadre_coverage(user=county.office_user, month=OCTOBER))
    assert cadre_figures(rows) == {
        "cadre": (2, 1, 50.0, 4),  # ent_c visited (three times), ent_a only in November; + e4, not linked
        "cadre_b": (2, 0, 0.0, 1),  # visited ent_a, which is not one of B's
        "cadre_c": (2, 1, 50.0, 1),  # ent_b; e4 only in September
        "cadre_d": (0, 0, None, 0),
    }
    # Lowest coverage first, cadres with nothing linked last.
    assert [row.coverage for row in rows] == [0.0, 50.0, 50.0, None]


def test_per_unit_numbers(county, october):
    rows = list(unit_coverage(user=county.office_user, month=OCTOBER))
    assert unit_figures(rows) == {
        "430522-GXJ-ZXQY": (1, 1, 100.0, 1),  # ent_c; A's visit while in the sub-unit counts for it
        "430522-FGJ": (2, 2, 100.0, 4),  # ent_a (by B) and ent_b (by C, of another unit) both visited
        "430522-GXJ": (2, 1, 50.0, 1),  # e4 visited by A; e5 not
    }
    assert [row.code for row in rows][0] == "430522-GXJ"


def test_sorting(county, october):
    best_first = list(cadre_coverage(user=county.office_user, month=OCTOBER, sort="-coverage"))
    assert [row.coverage for row in best_first] == [50.0, 50.0, 0.0, None]
    busiest = list(cadre_coverage(user=county.office_user, month=OCTOBER, sort="visits"))
    assert busiest[0].username == "cadre"


def test_another_month_counts_its_own_visits(county, october):
    november = cadre_figures(cadre_coverage(user=county.office_user, month=dt.date(YEAR, 11, 1)))
    assert november["cadre"] == (2, 1, 50.0, 1)  # ent_a on 11-01
    assert november["cadre_c"] == (2, 0, 0.0, 0)


def test_coverage_is_scoped_to_the_viewers_units_and_cadres(county, october):
    # 工信局's head: the cadres of 工信局 and below, and those units.
    assert set(cadre_figures(cadre_coverage(user=county.gxj_head, month=OCTOBER))) == {"cadre_c", "cadre_d"}
    assert set(unit_figures(unit_coverage(user=county.gxj_head, month=OCTOBER))) == {"430522-GXJ", "430522-GXJ-ZXQY"}
    # A cadre sees their own row and their own unit.
    assert set(cadre_figures(cadre_coverage(user=county.cadre, month=OCTOBER))) == {"cadre"}
    assert set(unit_figures(unit_coverage(user=county.cadre, month=OCTOBER))) == {"430522-FGJ"}


def test_coverage_page_and_exports(client, county, october):
    client.force_login(county.office_user)
    response = client.get(reverse("visit_coverage"), {"month": f"{YEAR}-10"})
    assert response.status_code == 200
    assert cadre_figures(response.context["page"])["cadre_c"] == (2, 1, 50.0, 1)
    units = client.get(reverse("visit_coverage"), {"month": f"{YEAR}-10", "table": "units"})
    assert unit_figures(units.context["page"])["430522-FGJ"] == (2, 2, 100.0, 4)
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("visit_coverage"), {"month": f"{YEAR}-10", "export": "units"}).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1:] == [
        ("县工信局", 2, 1, 50.0, 1),
        ("县工信局中小企业股", 1, 1, 100.0, 1),
        ("县发改局", 2, 2, 100.0, 4),
    ]
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("visit_coverage"), {"month": f"{YEAR}-10", "export": "cadres"}).content)
    ).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("乙干部", "县发改局", 2, 0, 0.0, 1) and len(rows) == 5


def test_enterprise_users_cannot_see_coverage(client, county):
    client.force_login(county.ent_a_user)
    assert client.get(reverse("visit_coverage")).status_code == 403
    assert client.get("/api/v1/visits/coverage").status_code == 403


def test_coverage_page_query_count_does_not_grow_with_rows(
    client, county, october, make_user, django_assert_num_queries
):
    client.force_login(county.office_user)
    params = {"month": f"{YEAR}-10"}
    client.get(reverse("visit_coverage"), params)
    # session, user, roles, count, calendar banner, the header's unit, the rows with every figure
    with django_assert_num_queries(7):
        client.get(reverse("visit_coverage"), params)
    with django_assert_num_queries(7):
        client.get(reverse("visit_coverage"), {**params, "table": "units"})
    for n in range(5):
        extra = make_user(f"extra{n}", Role.CADRE, unit=county.fgj)
        Linkage.objects.get(enterprise=county.ent_a, year=YEAR).cadres.add(extra)
        Visit.objects.create(enterprise=county.ent_a, visitor=extra, unit=county.fgj, visited_on=on(5))
    with django_assert_num_queries(7):
        response = client.get(reverse("visit_coverage"), params)
    assert len(response.context["page"]) == 9
    with django_assert_num_queries(7):
        client.get(reverse("visit_coverage"), {**params, "table": "units"})


def test_coverage_api(client, county, october, django_assert_num_queries):
    client.force_login(county.office_user)
    body = client.get("/api/v1/visits/coverage", {"month": f"{YEAR}-10"}).json()
    assert body["month"] == f"{YEAR}-10"
    cadres = {row["full_name"]: row for row in body["cadres"]}
    assert (cadres["联企干部"]["linked"], cadres["联企干部"]["visited"], cadres["联企干部"]["coverage_pct"]) == (
        2,
        1,
        50.0,
    )
    assert cadres["丁干部"]["coverage_pct"] is None
    units = {row["unit_name"]: row for row in body["units"]}
    assert units["县发改局"]["visits_made"] == 4
    # session, user, roles, the cadre rows, the unit rows
    with django_assert_num_queries(5):
        client.get("/api/v1/visits/coverage", {"month": f"{YEAR}-10"})
    assert client.get("/api/v1/visits/coverage", {"month": "October"}).status_code == 422
    client.force_login(county.gxj_head)
    body = client.get("/api/v1/visits/coverage", {"month": f"{YEAR}-10"}).json()
    assert {row["full_name"] for row in body["cadres"]} == {"丙干部", "丁干部"}
