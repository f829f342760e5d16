"""visit_record, visit_update, visit_delete: the date rules (not in the future, at most 90 days back), the
7-day edit window, own versus someone else's visit, and who may record at all."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Role
from enterprises.models import Visit, VisitProblem
from enterprises.services.visits import (
    EDIT_WINDOW_DAYS,
    MAX_DAYS_BACK,
    may_change_visit,
    problem_lines,
    visit_delete,
    visit_record,
    visit_update,
)

TODAY = timezone.localdate


def field_codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def record(actor, enterprise, **overrides):
    fields = {
        "visited_on": TODAY(),
        "mode": Visit.Mode.ONSITE,
        "met_with": "张经理",
        "notes": "生产正常",
        "problems": [],
    }
    fields.update(overrides)
    return visit_record(actor=actor, enterprise=enterprise, **fields)


def age(visit, days):
    """Pretend the visit was recorded `days` ago."""
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    visit.refresh_from_db()
    return visit


@pytest.fixture
def colleague(county, make_user):
    """Another cadre of the same unit (发改局), linked to the same enterprise."""
    user = make_user("cadre2", Role.CADRE, unit=county.fgj, full_name="同事干部")
    county.ent_c.linkages.get().cadres.add(user)
    return user


def test_a_linked_cadre_records_a_visit_with_its_problems(county):
    visit = record(county.cadre, county.ent_c, problems=["用地手续慢", "  ", "招工难"])
    visit.refresh_from_db()
    assert visit.visitor == county.cadre and visit.unit == county.fgj
    assert visit.met_with == "张经理" and visit.visited_on == TODAY()
    assert list(visit.problems.values_list("description", flat=True)) == ["用地手续慢", "招工难"]


def test_the_unit_is_the_visitors_unit_at_the_time(county):
    visit = record(county.cadre, county.ent_c)
    county.cadre.unit = county.gxj
    county.cadre.save()
    visit.refresh_from_db()
    assert visit.unit == county.fgj


def test_problem_lines_split_one_per_line():
    assert problem_lines("融资难\r\n\n  用电贵 \n") == ["融资难", "用电贵"]


def test_a_future_date_is_refused(county):
    with pytest.raises(ValidationError) as caught:
        record(county.cadre, county.ent_c, visited_on=TODAY() + dt.timedelta(days=1))
    assert field_codes(caught.value) == {"visited_on": ["future"]}
    assert not Visit.objects.exists()


def test_a_date_more_than_90_days_back_is_refused_and_90_is_accepted(county):
    with pytest.raises(ValidationError) as caught:
        record(county.cadre, county.ent_c, visited_on=TODAY() - dt.timedelta(days=MAX_DAYS_BACK + 1))
    assert field_codes(caught.value) == {"visited_on": ["too_old"]}
    earliest = (TODAY() - dt.timedelta(days=MAX_DAYS_BACK)).isoformat()
    assert earliest in caught.value.error_dict["visited_on"][0].messages[0]
    assert record(county.cadre, county.ent_c, visited_on=TODAY() - dt.timedelta(days=MAX_DAYS_BACK)).pk


def test_an_unknown_mode_is_refused(county):
    with pytest.raises(ValidationError) as caught:
        record(county.cadre, county.ent_c, mode="carrier-pigeon")
    assert field_codes(caught.value) == {"mode": ["invalid_mode"]}


def test_a_cadre_cannot_record_a_visit_to_an_enterprise_outside_the_scope(county):
    with pytest.raises(PermissionDenied):
        record(county.cadre, county.ent_a)
    assert not Visit.objects.exists()


def test_staff_with_the_enterprise_in_scope_may_record_but_not_auditors_or_enterprises(county):
    assert record(county.town_a_handler, county.ent_a).unit == county.town_a_gov
    assert record(county.office_user, county.ent_b).unit == county.office
    for actor in (county.auditor, county.ent_a_user):
        with pytest.raises(PermissionDenied):
            record(actor, county.ent_a)


def test_the_visitor_edits_within_seven_days(county):
    visit = age(record(county.cadre, county.ent_c, problems=["融资难", "招工难"]), EDIT_WINDOW_DAYS)
    assert may_change_visit(county.cadre, visit)
    kept = visit.problems.get(description="融资难")
    visit_update(
        actor=county.cadre,
        visit=visit,
        visited_on=visit.visited_on,
        mode=Visit.Mode.PHONE,
        met_with="李总",
        notes="补充",
        problems=["融资难", "用电贵"],
    )
    visit.refresh_from_db()
    assert (visit.mode, visit.met_with, visit.notes) == (Visit.Mode.PHONE, "李总", "补充")
    assert list(visit.problems.values_list("description", flat=True)) == ["融资难", "用电贵"]
    # A problem that stays keeps its row: later issues hang cases on it.
    assert visit.problems.get(description="融资难").pk == kept.pk


def test_after_seven_days_the_visitor_can_no_longer_edit_or_delete(county):
    visit = age(record(county.cadre, county.ent_c), EDIT_WINDOW_DAYS + 1)
    assert not may_change_visit(county.cadre, visit)
    with pytest.raises(PermissionDenied):
        visit_update(actor=county.cadre, visit=visit, visited_on=visit.visited_on, mode=visit.mode, notes="改")
    with pytest.raises(PermissionDenied):
        visit_delete(actor=county.cadre, visit=visit)
    assert Visit.objects.get(pk=visit.pk).notes == "生产正常"


def test_the_office_may_always_edit_and_delete(county):
    visit = age(record(county.cadre, county.ent_c, problems=["招工难"]), 60)
    assert may_change_visit(county.office_user, visit)
    visit_update(actor=county.office_user, visit=visit, visited_on=visit.visited_on, mode=visit.mode, notes="核实")
    assert Visit.objects.get(pk=visit.pk).notes == "核实"
    visit_delete(actor=county.office_user, visit=visit)
    assert not Visit.objects.exists() and not VisitProblem.objects.exists()


def test_a_colleague_may_not_change_someone_elses_visit(county, colleague):
    visit = record(county.cadre, county.ent_c)
    assert not may_change_visit(colleague, visit)
    with pytest.raises(PermissionDenied):
        visit_update(actor=colleague, visit=visit, visited_on=visit.visited_on, mode=visit.mode, notes="改")
    with pytest.raises(PermissionDenied):
        visit_delete(actor=colleague, visit=visit)
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_editing_keeps_an_old_date_but_checks_a_changed_one(county):
    visit = record(county.cadre, county.ent_c, visited_on=TODAY() - dt.timedelta(days=MAX_DAYS_BACK))
    # Recorded within the window; a day later the same (now too old) date still saves.
    Visit.objects.filter(pk=visit.pk).update(visited_on=TODAY() - dt.timedelta(days=MAX_DAYS_BACK + 1))
    visit.refresh_from_db()
    visit_update(actor=county.cadre, visit=visit, visited_on=visit.visited_on, mode=visit.mode, notes="补记")
    with pytest.raises(ValidationError) as caught:
        visit_update(
            actor=county.cadre, visit=visit, visited_on=TODAY() + dt.timedelta(days=2), mode=visit.mode, notes="补记"
        )
    assert field_codes(caught.value) == {"visited_on": ["future"]}


def test_the_visitor_deletes_their_own_fresh_visit(county):
    visit = record(county.cadre, county.ent_c, problems=["一", "二"])
    visit_delete(actor=county.cadre, visit=visit)
    assert not Visit.objects.exists() and not VisitProblem.objects.exists()


def test_a_visitor_still_sees_their_own_visits_after_the_linkage_ends(county):
    from datetime import date

    from accounts.scope import scoped
    from enterprises.models import Linkage, Visit, VisitProblem

    visit = Visit.objects.create(enterprise=county.ent_c, visitor=county.cadre, visited_on=date(2026, 3, 2))
    VisitProblem.objects.create(visit=visit, description="用工缺口")
    other = Visit.objects.create(enterprise=county.ent_c, visitor=county.leader, visited_on=date(2026, 3, 3))
    Linkage.objects.filter(enterprise=county.ent_c).delete()

    assert list(scoped(county.cadre, Visit.objects.all())) == [visit]
    assert scoped(county.cadre, VisitProblem.objects.all()).count() == 1
    assert other not in scoped(county.cadre, Visit.objects.all())
    assert scoped(county.office_user, Visit.objects.all()).count() == 2
