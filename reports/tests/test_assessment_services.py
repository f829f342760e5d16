"""The assessment's services: copying the template into a year's scheme, editing its items (each rule's
parameters checked, the points adding up), and the evidence entries; only the office writes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from reports.models import AssessmentEvidence, AssessmentItem, AssessmentScheme
from reports.services import assessment as services
from reports.tests.test_assessment_support import (
    PAST,
    K,
    O,
    R,
    at,
    closed_case,
)

pytest_plugins = ["reports.tests.test_assessment_support"]
pytestmark = pytest.mark.usefixtures("assessment_frozen", "assessment_english")


def seed_items(scheme) -> list[dict]:
    return [
        {"position": item.position, "name": item.name, "max_points": item.max_points, "params": item.params}
        for item in scheme.items.all()
    ]


def test_scheme_for_year_copies_the_template_once(county):
    office = county.office_user
    scheme = services.scheme_for_year(actor=office, year=PAST, target="territorial")
    template = AssessmentScheme.objects.get(year=None, target="territorial")
    assert scheme.year == PAST and scheme.name == template.name and scheme.total_points == 100
    assert [(i.position, i.rule, i.max_points, i.params) for i in scheme.items.all()] == [
        (i.position, i.rule, i.max_points, i.params) for i in template.items.all()
    ]
    assert services.scheme_for_year(actor=office, year=PAST, target="territorial").pk == scheme.pk
    assert AssessmentScheme.objects.filter(target="territorial").count() == 2


@pytest.mark.parametrize("who", ["auditor", "leader", "gxj_head", "gxj_handler", "ent_a_user"])
def test_only_the_office_writes(county, who):
    user = getattr(county, who)
    template = AssessmentScheme.objects.get(year=None, target="department")
    with pytest.raises(PermissionDenied):
        services.scheme_for_year(actor=user, year=PAST, target="department")
    with pytest.raises(PermissionDenied):
        services.scheme_update(actor=user, scheme_id=template.pk, items=[])
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            actor=user, unit_id=county.gxj.pk, year=PAST, kind=K.COMMENDATION, occurred_on=date(PAST, 1, 2),
            description="表扬",
        )  # fmt: skip
    entry = AssessmentEvidence.objects.create(
        unit=county.gxj, year=PAST, kind=K.COMMENDATION, occurred_on=date(PAST, 1, 2), description="表扬",
        created_by=county.office_user,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.evidence_delete(actor=user, evidence_id=entry.pk)


def test_bad_year_or_target_for_a_scheme(county):
    with pytest.raises(ValidationError) as error:
        services.scheme_for_year(actor=county.office_user, year=PAST, target="cities")
    assert error.value.message_dict == {"target": ["Give the assessed units as one of: department, territorial."]}
    with pytest.raises(ValidationError):
        services.scheme_for_year(actor=county.office_user, year=1999, target="department")


def test_scheme_update_checks_every_items_parameters(county):
    scheme = services.scheme_for_year(actor=county.office_user, year=PAST, target="department")
    items = seed_items(scheme)
    items[1]["params"] = {"per_case": "ten", "cap": 15}
    items[2]["params"] = {"per_entry": 2, "kinds": ["commendation", "gossip"]}
    items[4]["params"] = {"due_day": 0}
    items[0]["name"] = " "
    with pytest.raises(ValidationError) as error:
        services.scheme_update(actor=county.office_user, scheme_id=scheme.pk, items=items)
    assert error.value.message_dict == {
        "item_1": ["Item 1 (完成工作目标): Give the item a name."],
        "item_2": [
            "Item 2 (解决困难问题): “cap” is not a parameter of this rule (its parameters: per_case, degree_cap).",
            "Item 2 (解决困难问题): “per_case” must be a number.",
            "Item 2 (解决困难问题): “degree_cap” is missing.",
        ],
        "item_3": ["Item 3 (典型经验推广): “kinds” must list one or more of commendation, media_report, each once."],
        "item_5": ["Item 5 (日常工作开展情况): “due_day” must be a whole day of the month from 1 to 28."],
    }
    # Nothing was saved.
    assert [i.params for i in scheme.items.all()] == [i["params"] for i in seed_items(scheme)]
    assert AssessmentItem.objects.get(scheme=scheme, position=2).params == {"per_case": 10, "degree_cap": 15}


def test_scheme_update_points_must_add_up(county):
    office = county.office_user
    scheme = services.scheme_for_year(actor=office, year=PAST, target="territorial")
    with pytest.raises(ValidationError) as error:
        services.scheme_item_update(
            actor=office, item_id=scheme.items.get(position=2).pk, name="亏损面", max_points=25, params={"step": 1}
        )
    assert error.value.message_dict == {
        "items": [
            "The items' maximum points add up to 95, not the scheme's total of 100: change the points so that "
            "they add up."
        ]
    }
    # Moving 5 points from the loss ratio to the profit keeps 100.
    services.scheme_update(
        actor=office,
        scheme_id=scheme.pk,
        items=[
            {"position": 2, "name": "亏损面", "max_points": 25, "params": {"step": 1}},
            {"position": 3, "name": "利润总额", "max_points": "25", "params": {"step": 0.5}},
        ],
    )
    assert [(i.name, i.max_points, i.params) for i in scheme.items.all()][1:3] == [
        ("亏损面", Decimal(25), {"step": 1}),
        ("利润总额", Decimal(25), {"step": 0.5}),
    ]
    item = services.scheme_item_update(
        actor=office, item_id=scheme.items.get(position=1).pk, name="目标", max_points=30, params={}
    )
    assert item.name == "目标"


def test_scheme_update_refuses_the_template_and_bad_points(county):
    office = county.office_user
    template = AssessmentScheme.objects.get(year=None, target="department")
    with pytest.raises(ValidationError) as error:
        services.scheme_update(actor=office, scheme_id=template.pk, items=seed_items(template))
    assert error.value.code == "template"
    scheme = services.scheme_for_year(actor=office, year=PAST, target="department")
    items = seed_items(scheme)
    items[0]["max_points"] = "-1"
    items[1]["max_points"] = "1.234"
    items.append({"position": 9, "name": "x", "max_points": 1, "params": {}})
    with pytest.raises(ValidationError) as error:
        services.scheme_update(actor=office, scheme_id=scheme.pk, items=items)
    assert error.value.message_dict == {
        "item_1": ["Item 1 (完成工作目标): Give points from 0 to 9999.99."],
        "item_2": ["Item 2 (解决困难问题): Give the points with at most two decimal places."],
        "items": ["The scheme has no item at position 9."],
    }


def test_evidence_add_commendation_and_media_report(county):
    entry = services.evidence_add(
        actor=county.office_user,
        unit_id=county.gxj.pk,
        year=PAST,
        kind=K.MEDIA_REPORT,
        occurred_on=date(PAST, 5, 1),
        description=" 湖南日报报道工信局助企做法 ",
        source="湖南日报",
    )
    assert (entry.description, entry.points, entry.case, entry.created_by) == (
        "湖南日报报道工信局助企做法",
        None,
        None,
        county.office_user,
    )
    with pytest.raises(ValidationError) as error:
        services.evidence_add(
            actor=county.office_user, unit_id=county.gxj.pk, year=PAST, kind=K.COMMENDATION,
            occurred_on=date(PAST + 1, 1, 1), description="", points=2, case_id=1,
        )  # fmt: skip
    assert error.value.message_dict == {
        "occurred_on": ["The date must lie in 2025."],
        "description": ["Say what was commended, reported or solved."],
        "points": ["Only a degree score carries points; a commendation or media report scores per entry."],
        "case_id": ["Only a degree score names a case."],
    }


def test_evidence_add_degree_score_rules(county):
    office = county.office_user
    stuck = closed_case(county.ent_a, county.gxj, closed=at(PAST, 5, 1), outcome=O.NOT_SOLVED, rating=R.UNRATED)
    solved = closed_case(county.ent_a, county.gxj, closed=at(PAST, 5, 2))

    def add(**overrides):
        fields = {
            "actor": office, "unit_id": county.gxj.pk, "year": PAST, "kind": K.DEGREE_SCORE,
            "occurred_on": date(PAST, 6, 1), "description": "部分解决", "case_id": stuck.pk, "points": 6,
        }  # fmt: skip
        fields.update(overrides)
        return services.evidence_add(**fields)

    assert add().points == Decimal(6)
    cases = [
        ({"case_id": None}, {"case_id": ["A degree score is given for a case: name the case."]}),
        ({"unit_id": county.fgj.pk}, {"case_id": [f"Case {stuck.number} is not led by 县发改局."]}),
        (
            {"case_id": solved.pk},
            {"case_id": [f"Case {solved.number} was closed as solved: it scores as a solved case, not by degree."]},
        ),
        ({"points": 0}, {"points": ["A degree score is more than 0 points."]}),
        ({"points": None}, {"points": ["Give the points as a number."]}),
        ({"kind": "rumour"}, {"kind": ["Choose one of: commendation, media_report, degree_score."]}),
    ]
    for overrides, expected in cases:
        with pytest.raises(ValidationError) as error:
            add(**overrides)
        assert error.value.message_dict == expected, overrides


def test_evidence_unit_out_of_reach_and_delete(county):
    with pytest.raises(Http404):
        services.evidence_add(
            actor=county.office_user, unit_id=999999, year=PAST, kind=K.COMMENDATION, occurred_on=date(PAST, 1, 1),
            description="表扬",
        )  # fmt: skip
    entry = services.evidence_add(
        actor=county.office_user, unit_id=county.fgj.pk, year=PAST, kind=K.COMMENDATION,
        occurred_on=date(PAST, 1, 1), description="表扬",
    )  # fmt: skip
    services.evidence_delete(actor=county.office_user, evidence_id=entry.pk)
    assert not AssessmentEvidence.objects.exists()
    with pytest.raises(Http404):
        services.evidence_delete(actor=county.office_user, evidence_id=entry.pk)
