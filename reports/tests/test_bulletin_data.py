"""The bulletin's figures against the hand-built quarter (test_bulletin_support): rankings with ties on each
indicator, localities, the units named for overdue cases and repeated returns, good practices, the
proposed text, who may read it, and a query count that does not grow with the cases."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reports.models import Bulletin
from reports.selectors.bulletin import (
    bulletin_data,
    bulletin_list,
    check_quarter,
    quarter_bounds,
    rank_rows,
    recent_quarters,
)
from reports.tests.test_bulletin_support import add_practice, at, more_cases

pytest_plugins = ["reports.tests.test_bulletin_support"]

D = Decimal


def ranks(rows):
    return [
        (r.label, r.resolution_rate, r.resolution_rank, r.on_time_rate, r.on_time_rank, r.satisfaction_rate,
         r.satisfaction_rank)
        for r in rows
    ]  # fmt: skip


def test_units_are_ranked_on_each_indicator_with_ties_sharing_a_rank(quarter):
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert ranks(data.units) == [
        ("县发改局", D("100.0"), 1, D("100.0"), 1, D("100.0"), 1),
        ("县工信局", D("100.0"), 1, D("50.0"), 4, D("50.0"), 3),
        ("县工信局中小企业股", D("50.0"), 3, D("100.0"), 1, D("100.0"), 1),
        ("酿溪镇人民政府", D("25.0"), 4, D("100.0"), 1, None, None),
    ]
    town = data.units[-1]
    assert (town.collected, town.solved, town.resolved, town.rated) == (4, 1, 1, 0)


def test_localities_are_the_townships_ranked_with_ties(quarter):
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert ranks(data.localities) == [
        ("雀塘镇", D("100.0"), 1, D("100.0"), 1, D("100.0"), 1),
        ("陈家坊镇", D("100.0"), 1, D("100.0"), 1, D("100.0"), 1),
        ("酿溪镇", D("37.5"), 3, D("66.7"), 3, D("50.0"), 3),
    ]
    assert [row.key for row in data.localities] == [quarter.town_b.pk, quarter.town_c.pk, quarter.town_a.pk]
    assert data.localities[2].collected == 9  # the unassigned and the rejected case count where they are


def test_the_whole_quarter_counts_every_case_submitted_in_it(quarter):
    t = bulletin_data(quarter.office_user, 2026, 3).total
    assert (t.collected, t.rejected, t.solved, t.explained, t.resolved, t.rated) == (12, 1, 5, 1, 6, 5)
    assert (t.resolution_rate, t.on_time_rate, t.satisfaction_rate) == (D("54.5"), D("83.3"), D("80.0"))


def test_units_overdue_at_the_end_of_a_past_quarter(quarter):
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert data.quarter_over
    assert data.as_of == at(10, 1, 0)
    named = {unit.name: unit.count for unit in data.overdue_units}
    # X1 (second quarter) was still open on 30 September though solved since; T4 was not yet due.
    assert named == {"酿溪镇人民政府": 2, "县工信局中小企业股": 1, "县发改局": 1}
    assert data.overdue_units[0].name == "酿溪镇人民政府"
    assert data.overdue_total == 4


def test_units_overdue_now_while_the_quarter_runs(quarter):
    data = bulletin_data(quarter.office_user, 2026, 4)
    assert not data.quarter_over
    assert {unit.name: unit.count for unit in data.overdue_units} == {"酿溪镇人民政府": 2, "县工信局中小企业股": 1}
    assert data.units == [] and data.total.collected == 0


def test_units_named_for_returning_two_or_more_cases_as_lead_in_the_quarter(quarter):
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert [(u.unit_id, u.name, u.count) for u in data.returning_units] == [(quarter.fgj.pk, "县发改局", 2)]
    # In the second quarter 中小企业股 returned one case: not named.
    assert bulletin_data(quarter.office_user, 2026, 2).returning_units == []


def test_good_practices_of_the_quarter_in_their_order(quarter):
    add_practice(quarter, "第二条", sort_order=1)
    add_practice(quarter, "第一条", sort_order=0, unit=quarter.gxj)
    add_practice(quarter, "上季度", quarter=2)
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert [p.title for p in data.good_practices] == ["第一条", "第二条"]


def test_an_unsaved_bulletin_proposes_its_header_and_text(quarter):
    data = bulletin_data(quarter.office_user, 2026, 3)
    assert data.bulletin is None
    assert data.fields["title"] == "关于2026年第三季度助企服务工作情况的通报"
    assert data.fields["issuer"] == "县助企办"
    assert data.fields["issued_on"] == date(2026, 10, 15)
    assert "全县" in data.fields["opening"] and data.fields["opening"].startswith("各乡镇")


def test_a_saved_bulletin_gives_its_own_fields(quarter):
    Bulletin.objects.create(
        year=2026, quarter=3, issuer="新邵县助企服务办公室", title="季度通报", document_number="新助企〔2026〕5号"
    )
    data = bulletin_data(quarter.gxj_head, 2026, 3)
    assert data.fields["document_number"] == "新助企〔2026〕5号"
    assert data.fields["title"] == "季度通报"


def test_every_reader_gets_the_same_figures(quarter):
    """The bulletin is one document: a unit head and a leader read the jurisdiction's ranking, not their slice."""
    office = bulletin_data(quarter.office_user, 2026, 3)
    for reader in (quarter.gxj_head, quarter.leader, quarter.auditor):
        data = bulletin_data(reader, 2026, 3)
        assert ranks(data.units) == ranks(office.units)
        assert ranks(data.localities) == ranks(office.localities)


@pytest.mark.parametrize("who", ["gxj_handler", "cadre", "ent_a_user"])
def test_other_roles_do_not_read_bulletins(quarter, who):
    with pytest.raises(PermissionDenied):
        bulletin_data(getattr(quarter, who), 2026, 3)
    with pytest.raises(PermissionDenied):
        bulletin_list(getattr(quarter, who))


def test_a_quarter_that_has_not_begun_has_no_bulletin(quarter):
    with pytest.raises(ValidationError) as error:
        bulletin_data(quarter.office_user, 2027, 1)
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError):
        check_quarter(2026, 5)
    with pytest.raises(ValidationError):
        check_quarter(2026, 4, today=date(2026, 9, 30))
    check_quarter(2026, 4, today=date(2026, 10, 1))


def test_quarters_and_their_bounds():
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))
    assert quarter_bounds(2026, 3) == (date(2026, 7, 1), date(2026, 9, 30))
    assert recent_quarters(date(2026, 2, 1), count=3) == [(2026, 1), (2025, 4), (2025, 3)]


def test_rows_without_any_rate_come_last_unranked():
    from cases.selectors.indicators import IndicatorRow

    rows = [IndicatorRow(key=1, label="甲"), IndicatorRow(key=2, label="乙", collected=2, solved=1, resolved=1)]
    ranked = rank_rows(rows)
    assert [(r.label, r.resolution_rank, r.on_time_rank) for r in ranked] == [("乙", 1, 1), ("甲", None, None)]


def test_the_list_has_recent_quarters_and_saved_ones(quarter):
    Bulletin.objects.create(year=2024, quarter=2, issuer="县助企办", title="旧通报", issued_on=date(2024, 7, 5))
    Bulletin.objects.create(year=2026, quarter=3, issuer="县助企办", title="草稿")
    add_practice(quarter, "一条")
    rows = bulletin_list(quarter.auditor)
    keyed = {(r.year, r.quarter): r for r in rows}
    assert list(keyed)[0] == (2026, 4)
    assert keyed[(2026, 3)].status == "draft" and keyed[(2026, 3)].good_practices == 1
    assert keyed[(2024, 2)].status == "dated"
    assert keyed[(2026, 2)].status == "none"


@pytest.mark.parametrize("extra", [2, 10])
def test_query_count_does_not_grow_with_cases(quarter, django_assert_num_queries, extra):
    more_cases(quarter, extra)
    for n in range(extra):
        add_practice(quarter, f"做法{n}", sort_order=n, unit=quarter.gxj)
    user = quarter.office_user
    user.role_grants.all()  # the roles are read once per request; read them here so they are not counted
    bulletin_data(user, 2026, 3)  # warm the user's role cache
    # 1 jurisdiction (office unit and region); by unit: 1 region, 3 figures, 1 labels; by region: the same
    # five; 1 bulletin; 1 overdue; 1 returns; 1 good practices.
    with django_assert_num_queries(13):
        data = bulletin_data(user, 2026, 3)
    assert len(data.units) == 4 + extra
    assert len(data.good_practices) == extra
