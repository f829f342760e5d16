"""Fixtures the case-list tests share (imported by the other test_lists_* modules; no tests here).

`world`: eight cases of the small county, each in a different place of the lifecycle, built through the
services (numbers in filing order):

    new          ent_a  submitted
    assigned     ent_a  lead 工信局 (pending), co 发改局, locality 酿溪镇            (the `assigned_case` shape)
    fgj_working  ent_b  lead 发改局, accepted: in progress
    listed       ent_c  lead 工信局中小企业股, accepted, extension asked, listed by the leader
    returned     ent_b  lead 工信局, returned by 工信局
    resolved     ent_a  lead 工信局, accepted, resolved by the head (awaits the enterprise's rating)
    to_approve   ent_c  lead 工信局, accepted, reply drafted by the handler (awaits the head)
    waiting      ent_a  lead 工信局, accepted, material asked of the enterprise
"""

from dataclasses import dataclass

import pytest

from cases.models import Case
from cases.services import dispatch, handling, intake, supervision


@dataclass
class World:
    new: Case
    assigned: Case
    fgj_working: Case
    listed: Case
    returned: Case
    resolved: Case
    to_approve: Case
    waiting: Case

    def fresh(self) -> "World":
        return World(**{name: Case.objects.get(pk=case.pk) for name, case in vars(self).items()})


def file(county, category, enterprise, title="贷款到期续贷困难", channel=Case.Channel.HOTLINE, **extra) -> Case:
    fields = {"description": "企业流动资金贷款500万元下月到期，银行要求先还后贷。", "category_id": category.pk}
    fields.update(extra)
    return intake.case_submit(
        actor=county.office_user, enterprise_ids=[enterprise.pk], channel=channel, title=title, **fields
    )[0]


def assign(county, case, lead, co=(), locality=()) -> Case:
    dispatch.case_assign(
        actor=county.office_user,
        case_id=case.pk,
        lead_unit_id=lead.pk,
        co_unit_ids=[u.pk for u in co],
        locality_unit_ids=[u.pk for u in locality],
    )
    return case


@pytest.fixture
def world(county, heads, category, file_case) -> World:
    c = county
    new = file_case(title="厂房用电增容", description="新上生产线需增容至2000千伏安。")
    assigned = assign(c, file_case(), c.gxj, co=[c.fgj], locality=[c.town_a_gov])

    fgj_working = assign(c, file(c, category, c.ent_b, title="食品许可证延续"), c.fgj)
    handling.case_accept(actor=c.fgj_handler, case_id=fgj_working.pk)

    listed = assign(c, file(c, category, c.ent_c, title="新材料项目用地"), c.gxj_sme)
    handling.case_accept(actor=c.sme_handler, case_id=listed.pk)
    handling.extension_request(actor=c.sme_handler, case_id=listed.pk, days=3, reason="需自然资源局会审")
    supervision.case_list(actor=c.leader, case_id=listed.pk, note="重大项目")

    returned = assign(c, file(c, category, c.ent_b, title="冷链物流补贴"), c.gxj)
    handling.case_return(actor=c.gxj_handler, case_id=returned.pk, reason="不属于本单位职责")

    resolved = assign(c, file(c, category, c.ent_a, title="技改补贴兑现"), c.gxj)
    handling.case_accept(actor=c.gxj_handler, case_id=resolved.pk)
    handling.reply_draft(actor=c.gxj_head, case_id=resolved.pk, outcome="solved", text="已兑现")

    to_approve = assign(c, file(c, category, c.ent_c, title="研发费用加计扣除"), c.gxj)
    handling.case_accept(actor=c.gxj_handler, case_id=to_approve.pk)
    handling.reply_draft(actor=c.gxj_handler, case_id=to_approve.pk, outcome="explained", text="已解释政策")

    waiting = assign(c, file(c, category, c.ent_a, title="招工难"), c.gxj)
    handling.case_accept(actor=c.gxj_handler, case_id=waiting.pk)
    handling.case_wait(actor=c.gxj_handler, case_id=waiting.pk, request="请提供用工需求表")

    return World(new, assigned, fgj_working, listed, returned, resolved, to_approve, waiting).fresh()


def more_cases(county, category, n: int, lead=None) -> list[Case]:
    """n more cases of ent_b assigned to `lead` (发改局 unless told) with 雀塘镇 as locality and 工信局中小企业股
    as co-handler, for the pinned query counts."""
    return [
        assign(
            county,
            file(county, category, county.ent_b, title=f"问题{i}"),
            lead or county.fgj,
            co=[county.gxj_sme],
            locality=[county.town_b_gov],
        )
        for i in range(n)
    ]
