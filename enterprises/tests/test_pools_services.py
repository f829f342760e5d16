"""The pool rules: the 1.2 × size rule of 小升规, creating a year's pools, and adding, exiting, re-entering
and promoting members, with the messages a user sees when a rule says no."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from conftest import make_credit_code
from enterprises.models import CultivationPool, Enterprise, PoolMembership
from enterprises.selectors import pools as selectors
from enterprises.services import pools as services

Kind = CultivationPool.Kind


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted in their English source form, whatever translations exist.
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def message_of(error: ValidationError) -> str:
    return " ".join(error.value.messages)


@pytest.fixture
def year():
    return today().year


@pytest.fixture
def pool(county, year):
    return CultivationPool.objects.create(kind=Kind.SMALL_TO_SCALE, year=year, target=10)


def fill(pool, county, n):
    for i in range(n):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(100 + i), name=f"培育{i}", region=county.town_a
        )
        PoolMembership.objects.create(pool=pool, enterprise=enterprise, entered_on=date(pool.year, 1, 5))


class TestSizeRule:
    def test_small_to_scale_needs_one_point_two_times_the_target(self, pool):
        assert selectors.required_size(pool) == 12

    def test_rounds_up(self, county, year):
        pool = CultivationPool(kind=Kind.SMALL_TO_SCALE, year=year, target=22)
        assert selectors.required_size(pool) == 27  # 26.4 → 27: seed 004 §14's 22 new enterprises

    def test_eleven_members_are_short_by_one(self, pool, county):
        fill(pool, county, 11)
        status = selectors.pool_with_counts(user=county.office_user, pool=pool).status
        assert (status.required, status.members, status.met, status.shortfall) == (12, 11, False, 1)

    def test_twelve_members_meet_the_rule(self, pool, county):
        fill(pool, county, 12)
        status = selectors.pool_with_counts(user=county.office_user, pool=pool).status
        assert status.met and status.shortfall == 0

    def test_exited_members_do_not_count(self, pool, county):
        fill(pool, county, 12)
        PoolMembership.objects.filter(pk=PoolMembership.objects.first().pk).update(
            exited_on=today(), exit_reason="升规"
        )
        assert selectors.pool_with_counts(user=county.office_user, pool=pool).status.shortfall == 1

    def test_other_pools_need_their_target_and_no_target_means_no_rule(self, county, year):
        assert selectors.required_size(CultivationPool(kind=Kind.EXIT_RISK, year=year, target=10)) == 10
        no_target = CultivationPool.objects.create(kind=Kind.NEAR_SCALE, year=year)
        status = selectors.pool_with_counts(user=county.office_user, pool=no_target).status
        assert not status.applies and not status.met and status.shortfall == 0

    def test_rule_counts_the_whole_pool_while_members_count_the_viewers_scope(self, pool, county):
        fill(pool, county, 3)  # in 酿溪镇
        PoolMembership.objects.create(pool=pool, enterprise=county.ent_b, entered_on=today())  # in 雀塘镇
        seen = selectors.pool_with_counts(user=county.town_a_handler, pool=pool)
        assert seen.current == 3 and seen.total_current == 4 and seen.status.shortfall == 8


class TestCreatePools:
    def test_create_year_makes_every_missing_kind_once(self, county, year):
        CultivationPool.objects.create(kind=Kind.SMALL_TO_SCALE, year=year, target=5)
        created = services.pools_create_for_year(actor=county.office_user, year=year)
        assert len(created) == len(Kind.values) - 1
        assert set(CultivationPool.objects.filter(year=year).values_list("kind", flat=True)) == set(Kind.values)
        assert CultivationPool.objects.get(kind=Kind.SMALL_TO_SCALE, year=year).target == 5
        assert services.pools_create_for_year(actor=county.office_user, year=year) == []

    def test_only_the_office_creates_pools(self, county, year):
        with pytest.raises(PermissionDenied):
            services.pools_create_for_year(actor=county.auditor, year=year)
        with pytest.raises(PermissionDenied):
            services.pool_create(actor=county.gxj_head, kind=Kind.NEAR_SCALE, year=year)
        assert not CultivationPool.objects.exists()

    def test_duplicate_kind_and_year_is_refused_with_a_message(self, pool, county, year):
        with pytest.raises(ValidationError) as error:
            services.pool_create(actor=county.office_user, kind=Kind.SMALL_TO_SCALE, year=year)
        assert "already exists" in message_of(error)

    def test_unknown_kind_bad_year_and_negative_target_are_refused(self, county, year):
        with pytest.raises(ValidationError, match="not a kind of pool"):
            services.pool_create(actor=county.office_user, kind="gazelle", year=year)
        with pytest.raises(ValidationError, match="between 2000"):
            services.pool_create(actor=county.office_user, kind=Kind.NEAR_SCALE, year=year + 5)
        with pytest.raises(ValidationError, match="negative"):
            services.pool_create(actor=county.office_user, kind=Kind.NEAR_SCALE, year=year, target=-1)
        assert not CultivationPool.objects.exists()

    def test_update_changes_only_what_is_given(self, pool, county):
        services.pool_update(actor=county.office_user, pool_id=pool.pk, note="县乡两级靶向培育")
        pool.refresh_from_db()
        assert (pool.target, pool.note) == (10, "县乡两级靶向培育")
        services.pool_update(actor=county.office_user, pool_id=pool.pk, target=None)
        pool.refresh_from_db()
        assert (pool.target, pool.note) == (None, "县乡两级靶向培育")


class TestAddAndExit:
    def test_add_defaults_to_today(self, pool, county):
        membership = services.pool_member_add(actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk)
        assert membership.entered_on == today() and membership.is_current

    def test_adding_a_current_member_again_says_so(self, pool, county):
        services.pool_member_add(
            actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk, entered_on=date(pool.year, 1, 1)
        )
        with pytest.raises(ValidationError) as error:
            services.pool_member_add(actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk)
        assert f"湘中机械有限公司 is already in the pool “{pool}” (since {pool.year}-01-01)." in message_of(error)
        assert PoolMembership.objects.count() == 1

    def test_future_entry_is_refused(self, pool, county):
        with pytest.raises(ValidationError, match="cannot be in the future"):
            services.pool_member_add(
                actor=county.office_user,
                pool_id=pool.pk,
                enterprise_id=county.ent_a.pk,
                entered_on=today() + timedelta(days=1),
            )

    def test_only_the_office_adds(self, pool, county):
        with pytest.raises(PermissionDenied):
            services.pool_member_add(actor=county.auditor, pool_id=pool.pk, enterprise_id=county.ent_a.pk)
        assert not PoolMembership.objects.exists()

    def test_exit_needs_a_reason(self, pool, county):
        membership = services.pool_member_add(actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk)
        with pytest.raises(ValidationError, match="Give the reason"):
            services.pool_member_exit(
                actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, reason="  "
            )
        membership.refresh_from_db()
        assert membership.is_current

    def test_exit_cannot_come_before_entry(self, pool, county):
        membership = services.pool_member_add(
            actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk, entered_on=date(pool.year, 3, 1)
        )
        with pytest.raises(ValidationError) as error:
            services.pool_member_exit(
                actor=county.office_user,
                pool_id=pool.pk,
                membership_id=membership.pk,
                reason="已升规",
                exited_on=date(pool.year, 2, 28),
            )
        assert error.value.message_dict == {
            "exited_on": [f"The date cannot be before the enterprise entered the pool ({pool.year}-03-01)."]
        }

    def test_exit_on_the_entry_day_works_and_a_second_exit_is_refused(self, pool, county):
        day = date(pool.year, 3, 1)
        membership = services.pool_member_add(
            actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk, entered_on=day
        )
        services.pool_member_exit(
            actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, reason="已升规", exited_on=day
        )
        membership.refresh_from_db()
        assert (membership.exited_on, membership.exit_reason) == (day, "已升规")
        with pytest.raises(ValidationError, match=f"already left this pool on {day.isoformat()}"):
            services.pool_member_exit(
                actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, reason="again"
            )

    def test_exit_of_a_membership_of_another_pool_is_404(self, pool, county):
        other = CultivationPool.objects.create(kind=Kind.NEAR_SCALE, year=pool.year)
        membership = services.pool_member_add(actor=county.office_user, pool_id=other.pk, enterprise_id=county.ent_a.pk)
        with pytest.raises(Http404):
            services.pool_member_exit(
                actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, reason="x"
            )


class TestReEnter:
    def exited(self, pool, county):
        membership = services.pool_member_add(
            actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk, entered_on=date(pool.year, 1, 10)
        )
        services.pool_member_exit(
            actor=county.office_user,
            pool_id=pool.pk,
            membership_id=membership.pk,
            reason="停产",
            exited_on=date(pool.year, 2, 20),
        )
        return membership

    def test_re_entering_reopens_the_membership_and_keeps_the_earlier_stay_in_the_note(self, pool, county):
        first = self.exited(pool, county)
        again = services.pool_member_add(
            actor=county.office_user,
            pool_id=pool.pk,
            enterprise_id=county.ent_a.pk,
            entered_on=date(pool.year, 3, 1),
            note="复产",
        )
        assert again.pk == first.pk and PoolMembership.objects.count() == 1
        again.refresh_from_db()
        assert (again.entered_on, again.exited_on, again.exit_reason) == (date(pool.year, 3, 1), None, "")
        assert again.note == f"复产 · [earlier stay {pool.year}-01-10 to {pool.year}-02-20: 停产]"

    def test_re_entering_before_the_exit_is_refused(self, pool, county):
        self.exited(pool, county)
        with pytest.raises(ValidationError) as error:
            services.pool_member_add(
                actor=county.office_user,
                pool_id=pool.pk,
                enterprise_id=county.ent_a.pk,
                entered_on=date(pool.year, 2, 19),
            )
        assert error.value.message_dict == {
            "entered_on": [
                f"湘中机械有限公司 left this pool on {pool.year}-02-20; it cannot re-enter before that date."
            ]
        }


class TestPromote:
    @pytest.fixture
    def provincial(self, county, year):
        pool = CultivationPool.objects.create(kind=Kind.SRDI_PROVINCIAL, year=year)
        membership = PoolMembership.objects.create(pool=pool, enterprise=county.ent_c, entered_on=date(year, 1, 2))
        return pool, membership

    def test_promote_exits_the_lower_tier_and_enters_the_next_one(self, provincial, county, year):
        pool, membership = provincial
        promoted = services.pool_member_promote(
            actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, promoted_on=date(year, 6, 1)
        )
        membership.refresh_from_db()
        assert membership.exited_on == date(year, 6, 1)
        assert membership.exit_reason == "promoted to national little giant (小巨人)"
        assert promoted.pool.kind == Kind.LITTLE_GIANT and promoted.pool.year == year
        assert promoted.entered_on == date(year, 6, 1) and promoted.is_current

    def test_promote_up_the_whole_ladder(self, county, year):
        pool = CultivationPool.objects.create(kind=Kind.SRDI_INNOVATIVE, year=year)
        membership = PoolMembership.objects.create(pool=pool, enterprise=county.ent_c, entered_on=date(year, 1, 2))
        for _ in range(3):
            membership = services.pool_member_promote(
                actor=county.office_user, pool_id=membership.pool_id, membership_id=membership.pk
            )
        assert membership.pool.kind == Kind.SINGLE_CHAMPION
        assert list(
            PoolMembership.objects.filter(enterprise=county.ent_c, exited_on__isnull=True).values_list(
                "pool__kind", flat=True
            )
        ) == [Kind.SINGLE_CHAMPION]
        with pytest.raises(ValidationError, match="top of the 专精特新 ladder"):
            services.pool_member_promote(
                actor=county.office_user, pool_id=membership.pool_id, membership_id=membership.pk
            )

    def test_only_ladder_members_are_promoted(self, pool, county):
        membership = services.pool_member_add(actor=county.office_user, pool_id=pool.pk, enterprise_id=county.ent_a.pk)
        with pytest.raises(ValidationError, match="Only members of a 专精特新 ladder tier"):
            services.pool_member_promote(actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk)
        membership.refresh_from_db()
        assert membership.is_current

    def test_already_in_the_higher_tier_changes_nothing(self, provincial, county, year):
        pool, membership = provincial
        higher = CultivationPool.objects.create(kind=Kind.LITTLE_GIANT, year=year)
        PoolMembership.objects.create(pool=higher, enterprise=county.ent_c, entered_on=date(year, 1, 5))
        with pytest.raises(ValidationError, match="is already in"):
            services.pool_member_promote(actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk)
        membership.refresh_from_db()
        assert membership.is_current

    def test_failure_in_the_higher_tier_rolls_back_the_exit(self, provincial, county, year):
        pool, membership = provincial
        higher = CultivationPool.objects.create(kind=Kind.LITTLE_GIANT, year=year)
        # It left the higher tier on 1 July, so it cannot re-enter it on 1 June.
        PoolMembership.objects.create(
            pool=higher,
            enterprise=county.ent_c,
            entered_on=date(year, 1, 5),
            exited_on=date(year, 7, 1),
            exit_reason="复核未通过",
        )
        with pytest.raises(ValidationError) as error:
            services.pool_member_promote(
                actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, promoted_on=date(year, 6, 1)
            )
        assert "promoted_on" in error.value.message_dict
        membership.refresh_from_db()
        assert membership.is_current and membership.exit_reason == ""

    def test_promote_before_entry_is_refused(self, provincial, county, year):
        pool, membership = provincial
        with pytest.raises(ValidationError) as error:
            services.pool_member_promote(
                actor=county.office_user, pool_id=pool.pk, membership_id=membership.pk, promoted_on=date(year, 1, 1)
            )
        assert error.value.message_dict == {
            "promoted_on": [f"The date cannot be before the enterprise entered the pool ({year}-01-02)."]
        }
        # The next tier's pool, created on the way, went with the rolled-back transaction.
        assert not CultivationPool.objects.filter(kind=Kind.LITTLE_GIANT, year=year).exists()
        membership.refresh_from_db()
        assert membership.is_current
