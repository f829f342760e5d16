"""Coverage of key enterprises: which lack a leader, a lead unit or a cadre (or any linkage at all), the
counts per gap and the share fully linked."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.scope import current_year
from conftest import make_credit_code
from enterprises.models import Enterprise, Linkage
from enterprises.selectors.linkage import Gap, linkage_coverage

YEAR = current_year()


@pytest.fixture
def key_enterprises(county):
    """Five key enterprises in 酿溪镇 (town_a) plus ent_b (雀塘镇), each with a different gap:

    ent_c   full (the county fixture: leader, 工信局中小企业股, one cadre)
    full2   full
    no_lead no leader
    no_unit no lead unit and no cadre
    none    no linkage row at all (only last year's)
    ent_b   key, in 雀塘镇, no linkage this year (last year's only)
    ent_a   not key: never counted
    """

    def key(serial, name, region=county.town_a):
        return Enterprise.objects.create(credit_code=make_credit_code(serial), name=name, region=region, is_key=True)

    Enterprise.objects.filter(pk__in=[county.ent_c.pk, county.ent_b.pk]).update(is_key=True)
    e = {"ent_c": county.ent_c, "ent_b": county.ent_b}
    e["full2"] = key(10, "全联企业")
    e["no_lead"] = key(11, "缺领导企业")
    e["no_unit"] = key(12, "缺单位企业")
    e["none"] = key(13, "未包联企业")
    full2 = Linkage.objects.create(enterprise=e["full2"], year=YEAR, leader=county.leader, lead_unit=county.gxj)
    full2.cadres.add(county.cadre)
    no_lead = Linkage.objects.create(enterprise=e["no_lead"], year=YEAR, leader=None, lead_unit=county.gxj)
    no_lead.cadres.add(county.cadre)
    Linkage.objects.create(enterprise=e["no_unit"], year=YEAR, leader=county.leader, lead_unit=None)
    Linkage.objects.create(enterprise=e["none"], year=YEAR - 1, leader=county.leader, lead_unit=county.gxj)
    return e


def test_counts_per_gap_and_the_share_fully_linked(county, key_enterprises):
    summary, lacking = linkage_coverage(user=county.office_user, year=YEAR)
    assert summary.key_total == 6
    assert summary.fully_linked == 2  # ent_c, full2
    assert (summary.lacking_leader, summary.lacking_unit, summary.lacking_cadre) == (3, 3, 3)
    assert summary.coverage_pct == Decimal("33.3")
    e = key_enterprises
    assert set(lacking) == {e["no_lead"], e["no_unit"], e["none"], e["ent_b"]}


@pytest.mark.parametrize(
    "gap, expected",
    [
        (Gap.LEADER, {"no_lead", "none", "ent_b"}),
        (Gap.UNIT, {"no_unit", "none", "ent_b"}),
        (Gap.CADRE, {"no_unit", "none", "ent_b"}),
    ],
)
def test_filter_by_gap(county, key_enterprises, gap, expected):
    _, lacking = linkage_coverage(user=county.office_user, year=YEAR, gap=gap)
    assert set(lacking) == {key_enterprises[name] for name in expected}


def test_an_enterprise_without_any_linkage_row_is_a_gap_of_every_kind(county, key_enterprises):
    _, lacking = linkage_coverage(user=county.office_user, year=YEAR)
    none = next(e for e in lacking if e.pk == key_enterprises["none"].pk)
    assert none.linkage_id is None and none.cadre_count == 0


def test_last_year_is_counted_on_its_own_linkages(county, key_enterprises):
    summary, lacking = linkage_coverage(user=county.office_user, year=YEAR - 1)
    # Last year: ent_b (leader, 工信局, no cadre) and none (leader, 工信局, no cadre); nobody fully linked.
    assert (summary.key_total, summary.fully_linked, summary.lacking_cadre, summary.lacking_leader) == (6, 0, 6, 4)
    assert summary.coverage_pct == Decimal("0.0")


def test_no_key_enterprise_gives_no_percentage(county):
    summary, lacking = linkage_coverage(user=county.office_user, year=YEAR)
    assert summary.key_total == 0 and summary.coverage_pct is None and not lacking.exists()


def test_coverage_is_scoped(county, key_enterprises):
    # 酿溪镇's handler answers for its territory: everything but ent_b.
    summary, _ = linkage_coverage(user=county.town_a_handler, year=YEAR)
    assert summary.key_total == 5 and summary.fully_linked == 2
    # 工信局's head: what 工信局 and its sub-unit lead this year (ent_c, full2, no_lead).
    summary, lacking = linkage_coverage(user=county.gxj_head, year=YEAR)
    assert (summary.key_total, summary.fully_linked) == (3, 2)
    assert list(lacking) == [key_enterprises["no_lead"]]


def test_coverage_page_shows_the_figures_and_the_gaps(client, county, key_enterprises):
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_coverage"))
    assert response.status_code == 200
    assert response.context["summary"].coverage_pct == Decimal("33.3")
    html = response.content.decode()
    assert "33.3%" in html and key_enterprises["none"].name in html and key_enterprises["full2"].name not in html
    cadre_only = client.get(reverse("linkage_coverage"), {"gap": "cadre"})
    assert {e.pk for e in cadre_only.context["page"]} == {key_enterprises[n].pk for n in ("no_unit", "none", "ent_b")}


def test_coverage_export_is_the_filtered_list(client, county, key_enterprises):
    client.force_login(county.office_user)
    response = client.get(reverse("linkage_coverage"), {"gap": "leader", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[1:]} == {key_enterprises[n].name for n in ("no_lead", "none", "ent_b")}


def test_coverage_page_query_count_is_pinned(client, county, key_enterprises, django_assert_num_queries):
    client.force_login(county.office_user)
    client.get(reverse("linkage_coverage"))
    # session, user, roles, the gap counts, the page count, the rows, calendar banner, the header's unit
    with django_assert_num_queries(8):
        client.get(reverse("linkage_coverage"))
    for serial in range(50, 56):
        Enterprise.objects.create(
            credit_code=make_credit_code(serial), name=f"新重点{serial}", region=county.town_a, is_key=True
        )
    with django_assert_num_queries(8):
        response = client.get(reverse("linkage_coverage"))
    assert response.context["summary"].key_total == 12


def test_coverage_api(client, county, key_enterprises, django_assert_num_queries):
    client.force_login(county.office_user)
    body = client.get("/api/v1/linkages/coverage").json()
    assert (body["key_total"], body["fully_linked"], body["coverage_pct"], body["count"]) == (6, 2, 33.3, 4)
    by_id = {item["enterprise_id"]: item for item in body["items"]}
    assert by_id[key_enterprises["none"].pk]["missing"] == ["leader", "unit", "cadre"]
    assert by_id[key_enterprises["none"].pk]["has_linkage"] is False
    assert by_id[key_enterprises["no_lead"].pk]["missing"] == ["leader"]
    assert client.get("/api/v1/linkages/coverage", {"gap": "unit"}).json()["count"] == 3
    assert client.get("/api/v1/linkages/coverage", {"gap": "nonsense"}).status_code == 422
    # session, user, roles, the gap counts, the rows
    with django_assert_num_queries(5):
        client.get("/api/v1/linkages/coverage")
    client.force_login(county.gxj_head)
    assert client.get("/api/v1/linkages/coverage").json()["key_total"] == 3
    client.force_login(county.ent_a_user)
    assert client.get("/api/v1/linkages/coverage").status_code == 403
