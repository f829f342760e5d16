"""warnings_refresh: raising, updating and auto-resolving computed warnings, Enterprise.warning_level, bulk
behaviour, and the office's manual flags (services.warnings)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import translation

from conftest import make_credit_code
from core.periods import add_months
from enterprises.models import Enterprise, EnterpriseWarning, MonthlyFigure, WarningLevel
from enterprises.services.warnings import warning_flag, warning_resolve, warnings_refresh
from enterprises.tasks import refresh_warnings


@pytest.fixture(autouse=True)
def in_english(settings):
    """The assertions read the English messages; the site's default language is Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


OCT = date(2026, 10, 1)
Rule = EnterpriseWarning.Rule


def put(enterprise, last: date, name: str, values: list) -> None:
    """Store one figure for the months ending at `last` (oldest first), keeping other figures."""
    first = add_months(last, 1 - len(values))
    for index, value in enumerate(values):
        period = add_months(first, index)
        MonthlyFigure.objects.update_or_create(
            enterprise=enterprise, period=period, defaults={name: None if value is None else Decimal(str(value))}
        )


def open_warnings(enterprise) -> dict[str, EnterpriseWarning]:
    return {w.rule: w for w in EnterpriseWarning.objects.filter(enterprise=enterprise, resolved_at__isnull=True)}


def level_of(enterprise) -> int:
    return Enterprise.objects.get(pk=enterprise.pk).warning_level


class TestComputedWarnings:
    def test_a_loss_raises_a_warning_and_sets_the_level(self, county):
        put(county.ent_a, OCT, "total_profit", [5, -8])
        assert warnings_refresh(enterprise_ids=[county.ent_a.pk]) == 1
        warning = open_warnings(county.ent_a)[Rule.LOSS_MAKING]
        assert warning.level == WarningLevel.ORANGE and warning.period == OCT and "-3.0" in warning.reason
        assert level_of(county.ent_a) == WarningLevel.ORANGE
        assert level_of(county.ent_b) == WarningLevel.GREEN

    def test_running_again_changes_nothing(self, county):
        put(county.ent_a, OCT, "total_profit", [-8])
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        assert warnings_refresh(enterprise_ids=[county.ent_a.pk]) == 0
        assert EnterpriseWarning.objects.count() == 1

    def test_a_change_of_level_updates_the_same_warning(self, county):
        put(county.ent_a, OCT, "electricity", [100, 90, 80, 75])
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        blue = open_warnings(county.ent_a)[Rule.ELECTRICITY_FALLING]
        assert blue.level == WarningLevel.BLUE
        put(county.ent_a, OCT, "electricity", [60])  # October falls further: 40 % below July
        assert warnings_refresh(enterprise_ids=[county.ent_a.pk]) == 1
        orange = open_warnings(county.ent_a)[Rule.ELECTRICITY_FALLING]
        assert orange.pk == blue.pk and orange.level == WarningLevel.ORANGE and "40.0" in orange.reason
        assert level_of(county.ent_a) == WarningLevel.ORANGE

    def test_recovered_figures_resolve_the_warning_automatically(self, county):
        put(county.ent_a, OCT, "total_profit", [-8])
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        put(county.ent_a, OCT, "total_profit", [4])
        assert warnings_refresh(enterprise_ids=[county.ent_a.pk]) == 1
        warning = EnterpriseWarning.objects.get(enterprise=county.ent_a)
        assert warning.resolved_at is not None and warning.resolved_by is None
        assert "recovered" in warning.resolution and "2026-10" in warning.resolution
        assert level_of(county.ent_a) == WarningLevel.GREEN

    def test_the_level_is_the_highest_open_warning(self, county):
        county.ent_a.above_scale = True
        county.ent_a.save()
        put(county.ent_a, OCT, "revenue", [150] * 12)  # 1800 over 12 months: red
        put(county.ent_a, OCT, "electricity", [100, 90, 80, 75])  # blue
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        assert {r: w.level for r, w in open_warnings(county.ent_a).items()} == {
            Rule.EXIT_RISK: WarningLevel.RED,
            Rule.ELECTRICITY_FALLING: WarningLevel.BLUE,
        }
        assert level_of(county.ent_a) == WarningLevel.RED
        put(county.ent_a, OCT, "revenue", [190])  # 1840 < 2000: still red
        put(county.ent_a, OCT, "revenue", [400])  # 2050: orange
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        assert level_of(county.ent_a) == WarningLevel.ORANGE

    def test_as_of_reads_only_figures_up_to_that_month(self, county):
        put(county.ent_a, OCT, "total_profit", [-5, 20])  # September a loss, October makes up for it
        warnings_refresh(enterprise_ids=[county.ent_a.pk], as_of=date(2026, 9, 15))
        assert Rule.LOSS_MAKING in open_warnings(county.ent_a)
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        assert open_warnings(county.ent_a) == {}

    def test_none_means_every_enterprise(self, county):
        put(county.ent_a, OCT, "total_profit", [-1])
        put(county.ent_c, OCT, "total_profit", [-1])
        assert warnings_refresh() == 2
        assert set(EnterpriseWarning.objects.values_list("enterprise_id", flat=True)) == {
            county.ent_a.pk,
            county.ent_c.pk,
        }

    def test_a_stale_level_without_warnings_goes_back_to_green(self, county):
        Enterprise.objects.filter(pk=county.ent_b.pk).update(warning_level=WarningLevel.RED)
        assert warnings_refresh(enterprise_ids=[county.ent_b.pk]) == 1
        assert level_of(county.ent_b) == WarningLevel.GREEN

    def test_task_and_command_call_the_same_refresh(self, county):
        put(county.ent_a, OCT, "total_profit", [-1])
        assert refresh_warnings.delay([county.ent_a.pk], "2026-10-01").get() == 1
        put(county.ent_c, OCT, "total_profit", [-1])
        call_command("refresh_warnings", "--as-of", "2026-10")
        assert level_of(county.ent_c) == WarningLevel.ORANGE


class TestBulk:
    def make_enterprises(self, county, count, start):
        enterprises = Enterprise.objects.bulk_create(
            Enterprise(
                credit_code=make_credit_code(1000 + start + i), name=f"批量企业{start + i}", region=county.town_a
            )
            for i in range(count)
        )
        MonthlyFigure.objects.bulk_create(
            MonthlyFigure(
                enterprise=enterprise,
                period=add_months(OCT, -m),
                total_profit=Decimal(-1 if i % 2 else 1),
                electricity=Decimal(100 + m),
                revenue=Decimal(100),
            )
            for i, enterprise in enumerate(enterprises)
            for m in range(24)
        )
        return enterprises

    def test_queries_do_not_grow_with_the_number_of_enterprises(self, county, django_assert_max_num_queries):
        small = self.make_enterprises(county, 4, 0)
        # one batch: enterprises (locked), figures, open warnings, create, level updates (≤ 2 levels here),
        # plus the savepoint queries of the transaction
        with django_assert_max_num_queries(12) as few:
            warnings_refresh(enterprise_ids=[e.pk for e in small])
        large = self.make_enterprises(county, 60, 100)
        with django_assert_max_num_queries(12) as many:
            changed = warnings_refresh(enterprise_ids=[e.pk for e in large])
        assert len(many.captured_queries) == len(few.captured_queries)
        assert changed == 60
        # Half lose money; all have electricity falling for 23 months: each has a warning.
        assert EnterpriseWarning.objects.filter(enterprise__in=large, rule=Rule.LOSS_MAKING).count() == 30
        assert EnterpriseWarning.objects.filter(enterprise__in=large, rule=Rule.ELECTRICITY_FALLING).count() == 60


class TestManualFlags:
    def test_office_flags_and_the_level_follows(self, county):
        warning = warning_flag(
            actor=county.office_user, enterprise=county.ent_b, level=WarningLevel.RED, reason="拖欠工资被投诉"
        )
        assert warning.rule == Rule.MANUAL and warning.created_by == county.office_user
        assert level_of(county.ent_b) == WarningLevel.RED

    def test_a_manual_flag_survives_refreshes(self, county):
        warning_flag(actor=county.office_user, enterprise=county.ent_b, level=WarningLevel.BLUE, reason="关注")
        warnings_refresh()
        assert Rule.MANUAL in open_warnings(county.ent_b)
        assert level_of(county.ent_b) == WarningLevel.BLUE

    @pytest.mark.parametrize("login", ["leader", "gxj_head", "town_a_handler", "auditor", "ent_a_user"])
    def test_only_the_office_flags(self, county, login):
        actor = getattr(county, login)
        with pytest.raises(PermissionDenied):
            warning_flag(actor=actor, enterprise=county.ent_a, level=WarningLevel.RED, reason="x")
        assert not EnterpriseWarning.objects.exists()

    @pytest.mark.parametrize(("level", "reason"), [(0, "绿色不是预警"), (4, "x"), (2, "  "), (2, "长" * 301)])
    def test_bad_level_or_reason_is_refused(self, county, level, reason):
        with pytest.raises(ValidationError):
            warning_flag(actor=county.office_user, enterprise=county.ent_a, level=level, reason=reason)
        assert not EnterpriseWarning.objects.exists()

    def test_office_resolves_its_flag_with_a_note(self, county):
        warning = warning_flag(actor=county.office_user, enterprise=county.ent_b, level=3, reason="停产")
        resolved = warning_resolve(actor=county.office_user, warning=warning, resolution="已复产")
        assert resolved.resolved_at and resolved.resolved_by == county.office_user and resolved.resolution == "已复产"
        assert level_of(county.ent_b) == WarningLevel.GREEN
        with pytest.raises(ValidationError, match="already"):
            warning_resolve(actor=county.office_user, warning=warning, resolution="再次")

    def test_resolving_needs_a_note_and_the_office(self, county):
        warning = warning_flag(actor=county.office_user, enterprise=county.ent_b, level=3, reason="停产")
        with pytest.raises(ValidationError):
            warning_resolve(actor=county.office_user, warning=warning, resolution=" ")
        with pytest.raises(PermissionDenied):
            warning_resolve(actor=county.gxj_head, warning=warning, resolution="已复产")
        assert EnterpriseWarning.objects.get(pk=warning.pk).resolved_at is None

    def test_computed_warnings_cannot_be_resolved_by_hand(self, county):
        put(county.ent_a, OCT, "total_profit", [-1])
        warnings_refresh(enterprise_ids=[county.ent_a.pk])
        computed = EnterpriseWarning.objects.get()
        with pytest.raises(ValidationError, match="figures recover"):
            warning_resolve(actor=county.office_user, warning=computed, resolution="不算")
        assert EnterpriseWarning.objects.get().resolved_at is None
