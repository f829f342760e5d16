"""Data scope (DESIGN.md §7): every scope kind, with an owner, a colleague and an outsider."""

import pytest
from django.http import Http404

from accounts.models import Role, Scope, Unit, User, UserRole
from accounts.scope import get_for_user, scoped, user_scopes
from enterprises.models import Enterprise, Linkage


def visible_enterprises(user):
    return set(scoped(user, Enterprise.objects.all()).values_list("name", flat=True))


def visible_units(user):
    return set(scoped(user, Unit.objects.all()).values_list("code", flat=True))


def visible_usernames(user):
    return set(scoped(user, User.objects.all()).values_list("username", flat=True))


ALL_ENTERPRISES = {"湘中机械有限公司", "雀塘食品有限公司", "邵水新材料股份有限公司"}


class TestAllScope:
    def test_office_sees_every_enterprise_unit_and_user(self, county):
        assert visible_enterprises(county.office_user) == ALL_ENTERPRISES
        assert len(visible_units(county.office_user)) == Unit.objects.count() == 7
        assert visible_usernames(county.office_user) == set(User.objects.values_list("username", flat=True))

    def test_auditor_reads_everything_too(self, county):
        assert visible_enterprises(county.auditor) == ALL_ENTERPRISES

    def test_superuser_without_roles_sees_everything(self, county, make_user):
        root = make_user("root", is_superuser=True)
        assert visible_enterprises(root) == ALL_ENTERPRISES


class TestUnitTreeScope:
    def test_unit_head_sees_own_unit_and_the_units_below(self, county):
        assert visible_units(county.gxj_head) == {"430522-GXJ", "430522-GXJ-ZXQY"}

    def test_unit_head_sees_enterprises_led_by_a_unit_below_this_year(self, county):
        # ent_c is led by 工信局中小企业股 this year; ent_b was 工信局's last year only.
        assert visible_enterprises(county.gxj_head) == {"邵水新材料股份有限公司"}

    def test_unit_head_sees_the_people_of_the_tree(self, county):
        assert visible_usernames(county.gxj_head) == {"gxj_head", "gxj_handler", "sme_handler"}

    def test_head_of_the_root_government_sees_the_whole_territory(self, county, make_user):
        head = make_user("gov_head", Role.UNIT_HEAD, unit=county.gov)
        assert visible_enterprises(head) == ALL_ENTERPRISES

    def test_outsider_unit_head_sees_nothing_of_it(self, county, make_user):
        fgj_head = make_user("fgj_head", Role.UNIT_HEAD, unit=county.fgj)
        assert visible_enterprises(fgj_head) == set()
        assert "430522-GXJ" not in visible_units(fgj_head)


class TestUnitScope:
    def test_owner_unit_handler_sees_what_the_unit_leads(self, county):
        assert visible_enterprises(county.sme_handler) == {"邵水新材料股份有限公司"}

    def test_colleague_in_the_same_unit_sees_the_same(self, county, make_user):
        colleague = make_user("sme_handler2", Role.UNIT_HANDLER, unit=county.gxj_sme)
        assert visible_enterprises(colleague) == visible_enterprises(county.sme_handler)

    def test_handler_of_the_parent_unit_does_not_see_a_sub_units_enterprise(self, county):
        assert visible_enterprises(county.gxj_handler) == set()
        assert visible_units(county.gxj_handler) == {"430522-GXJ"}

    def test_outsider_handler_sees_nothing(self, county):
        assert visible_enterprises(county.fgj_handler) == set()

    def test_territorial_unit_sees_every_enterprise_located_in_its_township(self, county):
        assert visible_enterprises(county.town_a_handler) == {"湘中机械有限公司", "邵水新材料股份有限公司"}

    def test_handler_sees_the_people_of_the_unit_and_themselves(self, county):
        assert visible_usernames(county.gxj_handler) == {"gxj_head", "gxj_handler"}

    def test_user_without_a_unit_gets_nothing_from_a_unit_scope(self, county, make_user):
        stray = make_user("stray", Role.UNIT_HANDLER)
        assert visible_enterprises(stray) == set()
        assert visible_usernames(stray) == {"stray"}


class TestLinkedScope:
    def test_linked_leader_sees_this_years_enterprises_only(self, county):
        assert visible_enterprises(county.leader) == {"邵水新材料股份有限公司"}

    def test_linked_cadre_sees_the_enterprise(self, county):
        assert visible_enterprises(county.cadre) == {"邵水新材料股份有限公司"}

    def test_other_cadre_is_an_outsider(self, county, make_user):
        other = make_user("cadre2", Role.CADRE, unit=county.fgj)
        assert visible_enterprises(other) == set()

    def test_linkage_rows_follow_their_enterprise(self, county):
        years = set(scoped(county.cadre, Linkage.objects.all()).values_list("enterprise__name", flat=True))
        assert years == {"邵水新材料股份有限公司"}

    def test_adding_a_cadre_grants_access_removing_it_takes_it_away(self, county, make_user):
        other = make_user("cadre3", Role.CADRE, unit=county.fgj)
        linkage = Linkage.objects.get(enterprise=county.ent_c)
        linkage.cadres.add(other)
        assert visible_enterprises(other) == {"邵水新材料股份有限公司"}
        linkage.cadres.remove(other)
        assert visible_enterprises(other) == set()


class TestOwnEnterpriseScope:
    def test_owner_sees_only_their_enterprise(self, county):
        assert visible_enterprises(county.ent_a_user) == {"湘中机械有限公司"}

    def test_colleague_of_the_same_enterprise_sees_it_too(self, county):
        assert visible_enterprises(county.ent_a_colleague) == {"湘中机械有限公司"}
        assert visible_usernames(county.ent_a_colleague) == {"ent_a", "ent_a2"}

    def test_outsider_enterprise_user_does_not(self, county):
        assert visible_enterprises(county.ent_b_user) == {"雀塘食品有限公司"}

    def test_enterprise_user_sees_no_unit(self, county):
        assert visible_units(county.ent_a_user) == set()


class TestUnionAndOverrides:
    def test_several_roles_give_the_union_of_their_scopes(self, county, make_user):
        both = make_user("both", Role.UNIT_HANDLER, Role.CADRE, unit=county.town_b_gov)
        Linkage.objects.get(enterprise=county.ent_c).cadres.add(both)
        assert user_scopes(both) == {Scope.UNIT, Scope.LINKED}
        assert visible_enterprises(both) == {"雀塘食品有限公司", "邵水新材料股份有限公司"}

    def test_a_role_granted_with_an_explicit_scope_uses_it(self, county, make_user):
        head = make_user("narrow_head", unit=county.gxj)
        UserRole.objects.create(user=head, role=Role.UNIT_HEAD, scope=Scope.UNIT)
        assert visible_units(head) == {"430522-GXJ"}

    def test_user_without_roles_sees_nothing(self, county, make_user):
        nobody = make_user("nobody", unit=county.gxj)
        assert user_scopes(nobody) == frozenset()
        assert visible_enterprises(nobody) == set()
        assert visible_units(nobody) == set()

    def test_deactivated_user_sees_nothing(self, county):
        county.office_user.is_active = False
        assert visible_enterprises(county.office_user) == set()

    def test_scoped_queries_return_each_row_once(self, county, make_user):
        # ent_c is reachable through a linkage and through the territory: no duplicate rows.
        both = make_user("both2", Role.UNIT_HEAD, Role.CADRE, unit=county.gov)
        Linkage.objects.get(enterprise=county.ent_c).cadres.add(both)
        names = list(scoped(both, Enterprise.objects.all()).values_list("name", flat=True))
        assert len(names) == len(set(names)) == 3


class TestGetForUser:
    def test_in_scope_object_is_returned(self, county):
        assert get_for_user(county.ent_a_user, Enterprise, pk=county.ent_a.pk) == county.ent_a

    def test_out_of_scope_object_is_404(self, county):
        with pytest.raises(Http404):
            get_for_user(county.ent_b_user, Enterprise, pk=county.ent_a.pk)

    def test_missing_object_and_malformed_key_are_404(self, county):
        with pytest.raises(Http404):
            get_for_user(county.office_user, Enterprise, pk=999_999)
        with pytest.raises(Http404):
            get_for_user(county.office_user, Enterprise, pk="not-a-number")

    def test_a_queryset_keeps_its_own_narrowing(self, county):
        with pytest.raises(Http404):
            get_for_user(county.office_user, Enterprise.objects.filter(region=county.town_b), pk=county.ent_a.pk)
