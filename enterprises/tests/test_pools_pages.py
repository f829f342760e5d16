"""The pool pages: the overview with the 1.2 × rule, the ladder, a pool's members (add, exit, re-enter,
promote, export), the profile panel; who may see and do what; constant query counts on the lists."""

import io
from datetime import date

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from openpyxl import load_workbook

from conftest import PASSWORD, make_credit_code
from enterprises.models import CultivationPool, Enterprise, PoolMembership


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


Kind = CultivationPool.Kind
YEAR = timezone.localdate().year


@pytest.fixture
def logged_in(client):
    def _as(username):
        assert client.login(username=username, password=PASSWORD)
        # The messages are asserted in their English source form, whatever translations exist.
        client.cookies["django_language"] = "en"
        return client

    return _as


@pytest.fixture
def pools(county):
    """小升规 2026 with a target of 10 and ent_a (酿溪镇), ent_b (雀塘镇) and ent_c (酿溪镇, led by
    工信局中小企业股) as members; ent_b left 易退库 in March."""
    small = CultivationPool.objects.create(kind=Kind.SMALL_TO_SCALE, year=YEAR, target=10)
    exit_risk = CultivationPool.objects.create(kind=Kind.EXIT_RISK, year=YEAR)
    for e in (county.ent_a, county.ent_b, county.ent_c):
        PoolMembership.objects.create(pool=small, enterprise=e, entered_on=date(YEAR, 1, 15))
    PoolMembership.objects.create(
        pool=exit_risk,
        enterprise=county.ent_b,
        entered_on=date(YEAR - 1, 6, 1),
        exited_on=date(YEAR, 3, 1),
        exit_reason="营收回升",
    )
    return small, exit_risk


def more_members(pool, county, n, start=200):
    for i in range(n):
        e = Enterprise.objects.create(
            credit_code=make_credit_code(start + i), name=f"新增{i:02d}", region=county.town_a
        )
        PoolMembership.objects.create(pool=pool, enterprise=e, entered_on=date(YEAR, 2, 1))


def member_names(response):
    return {m.enterprise.name for m in response.context["page"]}


class TestOverview:
    def test_office_sees_each_pool_with_counts_and_the_rule(self, logged_in, county, pools):
        response = logged_in("office").get(f"/enterprises/pools/?year={YEAR}")
        rows = {p.kind: p for p in response.context["pools"]}
        small = rows[Kind.SMALL_TO_SCALE]
        assert (small.target, small.required, small.current, small.entered, small.exited) == (10, 12, 3, 3, 0)
        assert (rows[Kind.EXIT_RISK].current, rows[Kind.EXIT_RISK].entered, rows[Kind.EXIT_RISK].exited) == (0, 0, 1)
        body = response.content.decode()
        assert "Short by 9" in body and 'data-testid="small-to-scale-rule"' in body
        assert "Create the pools of" in body  # eight kinds are missing

    def test_rule_met_is_shown(self, logged_in, county, pools):
        more_members(pools[0], county, 9)
        body = logged_in("office").get(f"/enterprises/pools/?year={YEAR}").content.decode()
        assert "1.2 × rule met" in body

    def test_unit_handler_counts_only_members_in_scope_and_cannot_create(self, logged_in, county, pools):
        response = logged_in("town_a_handler").get(f"/enterprises/pools/?year={YEAR}")
        small = next(p for p in response.context["pools"] if p.kind == Kind.SMALL_TO_SCALE)
        assert (small.current, small.total_current, small.status.shortfall) == (2, 3, 9)
        assert "Create the pools of" not in response.content.decode()
        assert logged_in("town_a_handler").post("/enterprises/pools/create-year/", {"year": YEAR}).status_code == 403

    def test_enterprise_user_sees_no_pools(self, logged_in, county, pools):
        client = logged_in("ent_a")
        assert client.get("/enterprises/pools/").status_code == 403
        assert client.get(f"/enterprises/pools/{pools[0].pk}/").status_code == 403
        assert client.get("/enterprises/pools/ladder/").status_code == 403

    def test_office_creates_the_years_missing_pools_in_one_click(self, logged_in, county, pools):
        response = logged_in("office").post("/enterprises/pools/create-year/", {"year": YEAR}, follow=True)
        assert CultivationPool.objects.filter(year=YEAR).count() == len(Kind.values)
        assert "8 pools created" in response.content.decode()

    def test_auditor_reads_but_cannot_change(self, logged_in, county, pools):
        client = logged_in("auditor")
        body = client.get(f"/enterprises/pools/?year={YEAR}").content.decode()
        assert "Short by 9" in body and "Create the pools of" not in body and "/edit/" not in body
        assert client.post("/enterprises/pools/create-year/", {"year": YEAR}).status_code == 403
        assert client.get(f"/enterprises/pools/{pools[0].pk}/edit/").status_code == 403
        detail = client.get(f"/enterprises/pools/{pools[0].pk}/")
        assert detail.status_code == 200 and "add_form" not in detail.context
        member = PoolMembership.objects.filter(pool=pools[0]).first()
        assert (
            client.post(f"/enterprises/pools/{pools[0].pk}/members/{member.pk}/exit/", {"reason": "x"}).status_code
            == 403
        )

    def test_edit_target_and_a_bad_target_gets_a_message(self, logged_in, county, pools):
        client = logged_in("office")
        url = f"/enterprises/pools/{pools[0].pk}/edit/"
        response = client.post(url, {"target": "-3", "note": ""})
        assert response.status_code == 200 and response.context["form"].errors["target"]
        pools[0].refresh_from_db()
        assert pools[0].target == 10
        client.post(url, {"target": "20", "note": "按年度预期目标的1.2倍"})
        pools[0].refresh_from_db()
        assert (pools[0].target, pools[0].note) == (20, "按年度预期目标的1.2倍")

    def test_overview_query_count_is_constant(self, logged_in, county, pools, django_assert_num_queries):
        client = logged_in("office")
        # session, user, role grants, the year's pools, their member counts (one aggregate), the years
        # with pools, calendar years missing (banner), the topbar's unit
        with django_assert_num_queries(8):
            client.get(f"/enterprises/pools/?year={YEAR}")
        for kind in (Kind.NEAR_SCALE, Kind.TO_REGISTER, Kind.LITTLE_GIANT):
            more_members(CultivationPool.objects.create(kind=kind, year=YEAR), county, 5, start=300 + len(kind) * 10)
        with django_assert_num_queries(8):
            response = client.get(f"/enterprises/pools/?year={YEAR}")
        assert len(response.context["pools"]) == 5

    def test_overview_export(self, logged_in, county, pools):
        response = logged_in("office").get(f"/enterprises/pools/export/?year={YEAR}")
        rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
        assert len(rows) == 3 and rows[1][:4] == (YEAR, "small to above-scale (小升规)", 10, 12)
        assert rows[1][8] == "short by 9"


class TestLadder:
    def test_four_tiers_side_by_side_and_promote(self, logged_in, county):
        innovative = CultivationPool.objects.create(kind=Kind.SRDI_INNOVATIVE, year=YEAR)
        provincial = CultivationPool.objects.create(kind=Kind.SRDI_PROVINCIAL, year=YEAR)
        membership = PoolMembership.objects.create(
            pool=innovative, enterprise=county.ent_c, entered_on=date(YEAR, 1, 2)
        )
        PoolMembership.objects.create(pool=provincial, enterprise=county.ent_a, entered_on=date(YEAR, 1, 2))
        client = logged_in("office")
        tiers = client.get(f"/enterprises/pools/ladder/?year={YEAR}").context["tiers"]
        assert [t["kind"] for t in tiers] == list(CultivationPool.SRDI_LADDER)
        assert [t["pool"].current if t["pool"] else None for t in tiers] == [1, 1, None, None]

        url = f"/enterprises/pools/{innovative.pk}/members/{membership.pk}/promote/"
        assert client.get(url).status_code == 200
        response = client.post(url, {"promoted_on": date(YEAR, 5, 1).isoformat(), "note": "入选省级"})
        assert response.status_code == 302 and response.url == f"/enterprises/pools/{provincial.pk}/"
        membership.refresh_from_db()
        assert membership.exit_reason == "promoted to provincial SRDI (省级专精特新)"
        assert PoolMembership.objects.get(pool=provincial, enterprise=county.ent_c).entered_on == date(YEAR, 5, 1)

    def test_promote_before_entry_shows_the_message_next_to_the_date(self, logged_in, county):
        innovative = CultivationPool.objects.create(kind=Kind.SRDI_INNOVATIVE, year=YEAR)
        membership = PoolMembership.objects.create(
            pool=innovative, enterprise=county.ent_c, entered_on=date(YEAR, 3, 2)
        )
        response = logged_in("office").post(
            f"/enterprises/pools/{innovative.pk}/members/{membership.pk}/promote/",
            {"promoted_on": date(YEAR, 3, 1).isoformat()},
        )
        assert response.context["form"].errors["promoted_on"] == [
            f"The date cannot be before the enterprise entered the pool ({YEAR}-03-02)."
        ]
        membership.refresh_from_db()
        assert membership.is_current

    def test_ladder_query_count_is_constant(self, logged_in, county, django_assert_num_queries):
        tiers = [CultivationPool.objects.create(kind=kind, year=YEAR) for kind in CultivationPool.SRDI_LADDER]
        client = logged_in("office")
        # session, user, role grants, pools, counts, years, one member list per tier (4), banner, topbar unit
        with django_assert_num_queries(12):
            client.get(f"/enterprises/pools/ladder/?year={YEAR}")
        for index, pool in enumerate(tiers):
            more_members(pool, county, 4, start=400 + index * 10)
        with django_assert_num_queries(12):
            response = client.get(f"/enterprises/pools/ladder/?year={YEAR}")
        assert [len(t["members"]) for t in response.context["tiers"]] == [4, 4, 4, 4]


class TestDetail:
    def test_members_follow_the_viewers_scope(self, logged_in, county, pools):
        url = f"/enterprises/pools/{pools[0].pk}/"
        assert member_names(logged_in("office").get(url)) == {
            "湘中机械有限公司",
            "雀塘食品有限公司",
            "邵水新材料股份有限公司",
        }
        # the township handler: both enterprises of 酿溪镇; a colleague of the sub-unit: the one it leads
        assert member_names(logged_in("town_a_handler").get(url)) == {"湘中机械有限公司", "邵水新材料股份有限公司"}
        assert member_names(logged_in("sme_handler").get(url)) == {"邵水新材料股份有限公司"}
        # an outsider unit sees the pool (pools are for all staff) but none of its members
        outsider = logged_in("fgj_handler").get(url)
        assert outsider.status_code == 200 and member_names(outsider) == set()

    def test_exited_tab_filters_and_unknown_pool(self, logged_in, county, pools):
        client = logged_in("office")
        exited = client.get(f"/enterprises/pools/{pools[1].pk}/?show=exited")
        assert member_names(exited) == {"雀塘食品有限公司"} and "营收回升" in exited.content.decode()
        assert member_names(client.get(f"/enterprises/pools/{pools[1].pk}/")) == set()
        url = f"/enterprises/pools/{pools[0].pk}/"
        assert member_names(client.get(url, {"q": "湘中"})) == {"湘中机械有限公司"}
        assert member_names(client.get(url, {"q": make_credit_code(3)})) == {"邵水新材料股份有限公司"}
        assert member_names(client.get(url, {"region": county.town_b.pk})) == {"雀塘食品有限公司"}
        assert len(member_names(client.get(url, {"region": county.region.pk}))) == 3
        assert client.get("/enterprises/pools/99999/").status_code == 404

    def test_detail_query_count_is_constant(self, logged_in, county, pools, django_assert_num_queries):
        client = logged_in("office")
        url = f"/enterprises/pools/{pools[0].pk}/"
        # session, user, role grants, pool, counts, regions, member count, member page (enterprise,
        # region, industry), suggestions (latest month, candidates), banner, topbar unit
        with django_assert_num_queries(12):
            client.get(url)
        more_members(pools[0], county, 20)
        with django_assert_num_queries(12):
            response = client.get(url)
        assert response.context["page"].paginator.count == 23

    def test_detail_query_count_for_a_unit_handler(self, logged_in, county, pools, django_assert_num_queries):
        client = logged_in("town_a_handler")
        url = f"/enterprises/pools/{pools[0].pk}/"
        # session, user, role grants, pool, the township's territory (the scope builds it for the counts and
        # again for the members: 2), counts, member count, banner, topbar unit, regions, member page
        with django_assert_num_queries(12):
            client.get(url)
        more_members(pools[0], county, 20)
        with django_assert_num_queries(12):
            response = client.get(url)
        assert response.context["page"].paginator.count == 22

    def test_export_current_and_exited_as_filtered(self, logged_in, county, pools):
        client = logged_in("town_a_handler")
        current = client.get(f"/enterprises/pools/{pools[0].pk}/export/", {"q": "湘中"})
        rows = list(load_workbook(io.BytesIO(current.content)).active.iter_rows(values_only=True))
        assert [r[0] for r in rows[1:]] == ["湘中机械有限公司"] and rows[1][1] == make_credit_code(1)
        exited = logged_in("office").get(f"/enterprises/pools/{pools[1].pk}/export/?show=exited")
        rows = list(load_workbook(io.BytesIO(exited.content)).active.iter_rows(values_only=True))
        assert rows[0][7:9] == ("Exited on", "Exit reason")
        assert rows[1][0] == "雀塘食品有限公司" and rows[1][8] == "营收回升"
        # the township handler of 酿溪镇 does not export 雀塘镇's enterprise
        outsider = logged_in("town_a_handler").get(f"/enterprises/pools/{pools[1].pk}/export/?show=exited")
        assert len(list(load_workbook(io.BytesIO(outsider.content)).active.iter_rows())) == 1


class TestMemberActions:
    def add_url(self, pool):
        return f"/enterprises/pools/{pool.pk}/members/add/"

    def test_add_from_a_list_and_by_credit_code(self, logged_in, county, pools):
        client = logged_in("office")
        exit_risk = pools[1]
        response = client.post(
            self.add_url(exit_risk), {"enterprise_id": county.ent_a.pk, "entered_on": date(YEAR, 4, 1).isoformat()}
        )
        assert response.status_code == 302
        client.post(self.add_url(exit_risk), {"enterprise": make_credit_code(3), "entered_on": date(YEAR, 4, 2)})
        assert set(
            PoolMembership.objects.filter(pool=exit_risk, exited_on__isnull=True).values_list(
                "enterprise__name", flat=True
            )
        ) == {
            "湘中机械有限公司",
            "邵水新材料股份有限公司",
        }

    def test_adding_a_current_member_says_so_and_changes_nothing(self, logged_in, county, pools):
        response = logged_in("office").post(
            self.add_url(pools[0]), {"enterprise_id": county.ent_a.pk, "entered_on": date(YEAR, 4, 1).isoformat()}
        )
        assert response.status_code == 422
        assert response.context["add_form"].errors["enterprise"] == [
            f"湘中机械有限公司 is already in the pool “{pools[0]}” (since {YEAR}-01-15)."
        ]
        assert PoolMembership.objects.get(pool=pools[0], enterprise=county.ent_a).entered_on == date(YEAR, 1, 15)

    def test_unknown_or_ambiguous_names_get_a_message(self, logged_in, county, pools):
        client = logged_in("office")
        response = client.post(self.add_url(pools[1]), {"enterprise": "不存在的公司", "entered_on": date(YEAR, 4, 1)})
        assert response.context["add_form"].errors["enterprise"] == [
            "No enterprise in your scope matches “不存在的公司”."
        ]
        response = client.post(self.add_url(pools[1]), {"enterprise": "有限公司", "entered_on": date(YEAR, 4, 1)})
        assert "Several enterprises match" in response.context["add_form"].errors["enterprise"][0]
        assert not PoolMembership.objects.filter(pool=pools[1], exited_on__isnull=True).exists()

    def test_re_entering_reopens_with_the_new_date(self, logged_in, county, pools):
        logged_in("office").post(
            self.add_url(pools[1]), {"enterprise_id": county.ent_b.pk, "entered_on": date(YEAR, 4, 1).isoformat()}
        )
        membership = PoolMembership.objects.get(pool=pools[1], enterprise=county.ent_b)
        assert (membership.entered_on, membership.exited_on) == (date(YEAR, 4, 1), None)
        assert f"earlier stay {YEAR - 1}-06-01 to {YEAR}-03-01: 营收回升" in membership.note

    def test_exit_needs_a_reason_then_works(self, logged_in, county, pools):
        client = logged_in("office")
        membership = PoolMembership.objects.get(pool=pools[0], enterprise=county.ent_a)
        url = f"/enterprises/pools/{pools[0].pk}/members/{membership.pk}/exit/"
        response = client.post(url, {"exited_on": date(YEAR, 6, 1).isoformat(), "reason": ""})
        assert response.context["form"].errors["reason"] == ["Give the reason the enterprise leaves the pool."]
        response = client.post(url, {"exited_on": date(YEAR, 1, 1).isoformat(), "reason": "已升规"})
        assert response.context["form"].errors["exited_on"] == [
            f"The date cannot be before the enterprise entered the pool ({YEAR}-01-15)."
        ]
        assert client.post(url, {"exited_on": date(YEAR, 6, 1).isoformat(), "reason": "已升规入统"}).status_code == 302
        membership.refresh_from_db()
        assert (membership.exited_on, membership.exit_reason) == (date(YEAR, 6, 1), "已升规入统")

    def test_membership_of_another_pool_is_404(self, logged_in, county, pools):
        membership = PoolMembership.objects.get(pool=pools[1], enterprise=county.ent_b)
        assert (
            logged_in("office").get(f"/enterprises/pools/{pools[0].pk}/members/{membership.pk}/exit/").status_code
            == 404
        )

    def test_find_lists_enterprises_outside_the_pool(self, logged_in, county, pools):
        client = logged_in("office")
        response = client.get(f"/enterprises/pools/{pools[1].pk}/", {"find": "有限公司"}, HTTP_HX_REQUEST="true")
        assert response.templates[0].name == "enterprises/pools/_find_results.html"
        assert {e.name for e in response.context["found"]} == {
            "湘中机械有限公司",
            "雀塘食品有限公司",
            "邵水新材料股份有限公司",
        }
        full = client.get(f"/enterprises/pools/{pools[0].pk}/", {"find": "有限公司"})
        assert full.context["found"] == []  # all three are current members of 小升规


def render_panel(user, enterprise):
    template = Template("{% load pools_panels %}{% pools_panel enterprise %}")
    return template.render(Context({"user": user, "enterprise": enterprise}))


class TestProfilePanel:
    def test_staff_see_current_and_past_memberships(self, county, pools):
        html = render_panel(county.office_user, county.ent_b)
        assert 'data-testid="pools-panel"' in html
        assert f"{YEAR} small to above-scale (小升规)" in html and f"{YEAR}-01-15" in html
        assert f"{YEAR - 1}-06-01 – {YEAR}-03-01" in html and "营收回升" in html

    def test_enterprise_users_see_nothing(self, county, pools):
        assert render_panel(county.ent_a_user, county.ent_a).strip() == ""
        assert render_panel(county.ent_b_user, county.ent_b).strip() == ""

    def test_panel_is_one_query(self, county, pools, django_assert_num_queries):
        from accounts.scope import user_roles

        user_roles(county.office_user)
        with django_assert_num_queries(1):
            render_panel(county.office_user, county.ent_b)

    def test_panel_on_the_profile_page(self, logged_in, county, pools):
        body = logged_in("office").get(f"/enterprises/{county.ent_b.pk}/").content.decode()
        assert 'data-testid="pools-panel"' in body and "营收回升" in body
        body = logged_in("ent_b").get(f"/enterprises/{county.ent_b.pk}/").content.decode()
        assert 'data-testid="pools-panel"' not in body and "营收回升" not in body
