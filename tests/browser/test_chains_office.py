"""Industry chains and events as the office works them in the browser (issue 7's Done-when).

The office creates a chain with its chief and task force, draws its map (a node with no local enterprise, a
node with one), places an enterprise found by name, and the chain page shows the gap and the
single-enterprise risk. It records a matchmaking event of the industry bureau: invites an enterprise, records
its attendance and an agreement (without its amount it is refused, nothing stored), marks it held; applying the
seed's targets shows the bureau's target met. At a reception day it raises a case for an attending
enterprise: the case is filed through the normal intake (channel reception day, a trail), waits in the
office's new cases, and the office assigns it to a unit as any other case.

Elements are found by data-testid or field name (docs/testing.md).
"""

import re

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from cases.services.trail import verify_trail
from chains.models import ChainPlacement, Event, EventOutcome, EventParticipant, EventTarget, IndustryChain


def test_the_office_maps_a_chain_and_sees_its_gap_and_risk(county, login_as, page):
    office = login_as(page, county.office_user, next_url=reverse("chain_list"))
    office.get_by_test_id("chain-new").click()
    form = office.get_by_test_id("chain-form")
    form.locator('[name="name"]').fill("新式茶饮")
    form.locator('[name="chief"]').select_option(str(county.leader.pk))
    form.locator('[name="task_force"]').select_option(str(county.gxj.pk))
    form.locator('[name="liaison_name"]').fill("刘建军")
    form.locator('[name="liaison_phone"]').fill("0739-3621234")
    form.get_by_test_id("chain-save").click()
    expect(office.get_by_test_id("chain-chief")).to_contain_text(county.leader.full_name)
    chain = IndustryChain.objects.get(name="新式茶饮")

    # A node with no local enterprise: it will be a gap (补链 target).
    office.get_by_test_id("chain-node-add").click()
    form = office.get_by_test_id("node-form")
    form.locator('[name="name"]').fill("茶叶种植")
    form.locator('[name="stage"]').select_option("upstream")
    form.locator('[name="key_products"]').fill("绿茶鲜叶、黑茶鲜叶")
    form.get_by_test_id("node-save").click()
    expect(office.get_by_test_id("gap")).to_contain_text("茶叶种植")

    # A node with one enterprise, placed by searching its name.
    office.get_by_test_id("chain-node-add").click()
    form = office.get_by_test_id("node-form")
    form.locator('[name="name"]').fill("精制茶加工")
    form.locator('[name="stage"]').select_option("midstream")
    form.get_by_test_id("node-save-place").click()
    placing = office.get_by_test_id("placement-form")
    placing.get_by_test_id("place-search").fill("湘中")
    placing.get_by_test_id("place-search-button").click()
    choice = placing.get_by_test_id("enterprise-choice")
    expect(choice).to_have_count(1)
    expect(choice).to_contain_text(county.ent_a.name)
    choice.locator("input").check()
    placing.locator('[name="products"]').fill("茶汤原液")
    placing.get_by_test_id("placement-save").click()
    expect(office.get_by_test_id("placement-row")).to_contain_text(county.ent_a.name)
    assert ChainPlacement.objects.get(node__chain=chain).enterprise == county.ent_a

    office.goto(reverse("chain_detail", args=[chain.pk]))
    expect(office.get_by_test_id("gap")).to_have_count(1)
    expect(office.get_by_test_id("gap")).to_contain_text("茶叶种植")
    expect(office.get_by_test_id("risk")).to_contain_text("精制茶加工")
    expect(office.get_by_test_id("risk")).to_contain_text(county.ent_a.name)
    expect(office.get_by_test_id("total-enterprises")).to_have_text(re.compile(r"\b1\b"))
    # The map is drawn (ECharts renders into a canvas or svg inside the chart element).
    expect(office.get_by_test_id("chain-chart").locator("canvas, svg").first).to_be_attached()


def test_a_matchmaking_event_with_outcomes_counts_toward_the_bureaus_target(county, login_as, page):
    today = timezone.localdate()
    office = login_as(page, county.office_user, next_url=reverse("event_list"))
    office.get_by_test_id("event-new").click()
    form = office.get_by_test_id("event-form")
    form.locator('[name="kind"]').select_option("sales")
    form.locator('[name="title"]').fill("新式茶饮产销对接会")
    form.locator('[name="organizer"]').select_option(str(county.gxj.pk))
    form.locator('[name="held_on"]').fill(today.isoformat())
    form.locator('[name="place"]').fill("县会展中心")
    form.get_by_test_id("event-save").click()
    expect(office.get_by_test_id("event-title")).to_contain_text("新式茶饮产销对接会")
    event = Event.objects.get(title="新式茶饮产销对接会")

    search = office.get_by_test_id("invite-search")
    search.get_by_test_id("invite-q").fill("湘中")
    search.locator('button[type="submit"]').click()
    result = office.get_by_test_id("invite-result")
    expect(result).to_have_count(1)
    result.locator("input").check()
    office.get_by_test_id("invite-submit").click()
    expect(office.get_by_test_id("participant-row")).to_have_count(1)

    office.get_by_test_id(f"attended-{county.ent_a.pk}").check()
    office.get_by_test_id(f"attendee-{county.ent_a.pk}").fill("王经理")
    office.get_by_test_id("attendance-submit").click()
    expect(office.get_by_test_id(f"attended-{county.ent_a.pk}")).to_be_checked()
    assert EventParticipant.objects.get(event=event).attended

    outcome = office.get_by_test_id("outcome-form")
    outcome.locator('[name="kind"]').select_option("agreement")
    outcome.locator('[name="enterprise"]').select_option(str(county.ent_a.pk))
    outcome.locator('[name="description"]').fill("年度茶叶供货协议")
    outcome.get_by_test_id("outcome-submit").click()  # an agreement without its amount
    expect(office.get_by_test_id("error-amount")).to_be_visible()
    assert not EventOutcome.objects.exists()
    outcome = office.get_by_test_id("outcome-form")
    expect(outcome.locator('[name="description"]')).to_have_value("年度茶叶供货协议")  # what was typed stays
    outcome.locator('[name="amount"]').fill("880")
    outcome.get_by_test_id("outcome-submit").click()
    expect(office.get_by_test_id("outcome-row")).to_have_count(1)
    assert EventOutcome.objects.get().amount == 880

    held = office.get_by_test_id("event-held-form")
    held.locator('[name="summary"]').fill("签约1项，金额880万元。")
    held.get_by_test_id("event-held-submit").click()
    expect(office.get_by_test_id("event-status")).to_have_class(re.compile(r"\bheld\b"))

    office.goto(reverse("event_target_defaults") + f"?year={today.year}")
    office.locator('form [name="bureau"]').select_option(str(county.gxj.pk))
    office.locator('form button[type="submit"]').last.click()
    expect(office.get_by_test_id("target-row")).to_have_count(EventTarget.objects.filter(year=today.year).count())
    bureau = office.locator(f'[data-testid="target-row"][data-unit="{county.gxj.pk}"]')
    expect(bureau.get_by_test_id("target-held")).to_have_text("1")
    expect(bureau.get_by_test_id("target-minimum")).to_have_text("2")
    county_row = office.locator(f'[data-testid="target-row"][data-unit="{county.gov.pk}"]')
    expect(county_row.get_by_test_id("target-held")).to_have_text("1")


def test_a_case_raised_at_the_reception_day_enters_the_lifecycle(county, login_as, page):
    today = timezone.localdate()
    event = Event.objects.create(
        kind=Event.Kind.RECEPTION_DAY,
        title="企业家接待日",
        organizer=county.office,
        held_on=today,
        created_by=county.office_user,
    )
    EventParticipant.objects.create(event=event, enterprise=county.ent_a, attended=True, attendee="张总")
    office = login_as(page, county.office_user, next_url=reverse("event_detail", args=[event.pk]))
    office.get_by_test_id("event-raise-case").click()
    form = office.get_by_test_id("case-form")
    form.locator('[name="enterprise"]').select_option(str(county.ent_a.pk))
    form.locator('[name="category"]').select_option(index=1)
    form.locator('[name="title"]').fill("新厂房用电增容报装进度慢")
    form.locator('[name="description"]').fill("新建厂房需增容至1250千伏安，报装已两个月未批复。")
    form.locator('[name="contact_name"]').fill("张总")
    form.locator('[name="contact_phone"]').fill("13807390001")
    form.get_by_test_id("case-submit").click()

    expect(office.get_by_test_id("case-row")).to_have_count(1)
    case = Case.objects.get(title="新厂房用电增容报装进度慢")
    assert case.channel == Case.Channel.RECEPTION_DAY and case.enterprise == county.ent_a
    assert list(event.cases.all()) == [case]
    assert list(verify_trail(Case.objects.filter(pk=case.pk))) == []  # a whole, hash-chained trail

    # It waits in the office's new cases like any other, and is assigned from there.
    office.goto(reverse("case_list"))
    expect(office.get_by_text(case.number)).to_be_visible()
    office.goto(reverse("case_detail", args=[case.pk]))
    assign = office.get_by_test_id("action-assign")
    if assign.get_attribute("open") is None:
        assign.locator("summary").click()
    form = assign.locator("form")
    form.locator('select[name="assign-lead_unit"]').select_option(str(county.gxj.pk))
    form.locator('button[type="submit"]').click()
    expect(office.get_by_test_id("assignment")).to_have_count(1)
    case.refresh_from_db()
    assert case.lead_unit == county.gxj and case.state == Case.State.ASSIGNED
