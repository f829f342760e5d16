"""Fixtures of the case lifecycle tests, on top of the root conftest's small county."""

import pytest
from django.utils import translation

from accounts.models import Role
from cases.models import Case, CaseCategory
from cases.services import dispatch, intake


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def heads(county, make_user):
    """Unit heads of 发改局 and 酿溪镇, beside the county's 工信局 head."""
    county.fgj_head = make_user("fgj_head", Role.UNIT_HEAD, unit=county.fgj, full_name="发改局长")
    county.town_a_head = make_user("town_a_head", Role.UNIT_HEAD, unit=county.town_a_gov, full_name="酿溪镇长")
    return county


@pytest.fixture
def category(db):
    return CaseCategory.objects.get(code="financing")


@pytest.fixture
def file_case(county, category):
    """File a case of ent_a by its own user (self-service) unless told otherwise."""

    def _file(enterprise=None, actor=None, channel=Case.Channel.SELF_SERVICE, **extra) -> Case:
        fields = {
            "title": "贷款到期续贷困难",
            "description": "企业流动资金贷款500万元下月到期，银行要求先还后贷，企业无力过桥。",
            "category_id": category.pk,
        }
        fields.update(extra)
        cases = intake.case_submit(
            actor=actor or county.ent_a_user,
            enterprise_ids=[(enterprise or county.ent_a).pk],
            channel=channel,
            **fields,
        )
        return cases[0]

    return _file


@pytest.fixture
def assigned_case(county, file_case):
    """A case of ent_a assigned to 工信局 (lead), 发改局 (co) and 酿溪镇 (locality)."""
    case = file_case()
    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=county.gxj.pk,
        co_unit_ids=[county.fgj.pk],
        locality_unit_ids=[county.town_a_gov.pk],
    )
    case.refresh_from_db()
    return case
