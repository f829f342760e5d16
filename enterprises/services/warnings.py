"""Early warnings (预警): computed from the monthly figures by three rules, plus the office's own flags.

Rules (each reads an enterprise's figures up to its latest reported month for that figure):

- loss_making: year-to-date total profit < 0 → ORANGE; RED when the same period last year was a loss too.
- exit_risk (退库 risk), above-scale enterprises only: revenue over the 12 months ending at the latest
  reported month (all 12 reported) < 2000 万元 → RED, < 2200 → ORANGE, < 2400 and lower than the 12 months
  before (all reported) → BLUE.
- electricity_falling: each of the last three reported months lower than the month before (four consecutive
  months reported) → BLUE; ORANGE when the fall over those three months is ≥ 30 %.
- manual: the office flags a level and a reason; only the office resolves it, with a note.

A computed warning that no longer fires is resolved automatically; one whose level changes is updated in
place; computed warnings cannot be resolved by hand (they go when the figures recover). Enterprise.warning_level
is the highest open warning, GREEN when there is none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.scope import is_office, scoped
from core.periods import add_months, current_month, month_start, months_between
from enterprises.models import ABOVE_SCALE_REVENUE, Enterprise, EnterpriseWarning, MonthlyFigure, WarningLevel

Rule = EnterpriseWarning.Rule

EXIT_RISK_RED_BELOW = ABOVE_SCALE_REVENUE  # 2000 万元: the above-scale line itself
EXIT_RISK_ORANGE_BELOW = Decimal("2200")
EXIT_RISK_BLUE_BELOW = Decimal("2400")
EXIT_RISK_WINDOW_MONTHS = 12
ELECTRICITY_FALLING_MONTHS = 3
ELECTRICITY_STEEP_FALL_PERCENT = Decimal("30")

COMPUTED_RULES = (Rule.LOSS_MAKING, Rule.EXIT_RISK, Rule.ELECTRICITY_FALLING)
FLAG_LEVELS = (WarningLevel.BLUE, WarningLevel.ORANGE, WarningLevel.RED)
# Enterprises per round of queries; also keeps every IN list well under SQLite's parameter limit.
BATCH_SIZE = 500
# The rules reach back at most 23 months before the latest month; three calendar years cover that for any
# latest month in the last year, and bound what one batch reads.
LOOKBACK_YEARS = 3


@dataclass(frozen=True)
class Finding:
    rule: str
    level: int
    reason: str
    period: date


@dataclass(frozen=True)
class MonthFigures:
    revenue: Decimal | None
    total_profit: Decimal | None
    electricity: Decimal | None


def _amount(value: Decimal) -> str:
    return number_format(Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP), decimal_pos=1, force_grouping=True)


def _latest(figures: dict[date, MonthFigures], name: str) -> date | None:
    reported = [period for period, month in figures.items() if getattr(month, name) is not None]
    return max(reported) if reported else None


def _sum(figures: dict[date, MonthFigures], name: str, periods: list[date]) -> Decimal | None:
    values = [getattr(figures[p], name) for p in periods if p in figures and getattr(figures[p], name) is not None]
    return sum(values, Decimal(0)) if values else None


def _all_reported(figures: dict[date, MonthFigures], name: str, periods: list[date]) -> bool:
    return all(p in figures and getattr(figures[p], name) is not None for p in periods)


def check_loss_making(figures: dict[date, MonthFigures]) -> Finding | None:
    latest = _latest(figures, "total_profit")
    if latest is None:
        return None
    profit = _sum(figures, "total_profit", months_between(date(latest.year, 1, 1), latest))
    if profit >= 0:
        return None
    last_year_end = add_months(latest, -12)
    last_profit = _sum(figures, "total_profit", months_between(date(last_year_end.year, 1, 1), last_year_end))
    params = {"year": latest.year, "month": latest.month, "profit": _amount(profit)}
    if last_profit is not None and last_profit < 0:
        params["last_profit"] = _amount(last_profit)
        reason = _(
            "Total profit, months 1–%(month)s of %(year)s: %(profit)s (10k yuan); the same period last year "
            "was a loss too (%(last_profit)s)."
        )
        return Finding(Rule.LOSS_MAKING, WarningLevel.RED, reason % params, latest)
    reason = _("Total profit, months 1–%(month)s of %(year)s: %(profit)s (10k yuan), a loss.")
    return Finding(Rule.LOSS_MAKING, WarningLevel.ORANGE, reason % params, latest)


def check_exit_risk(figures: dict[date, MonthFigures], *, above_scale: bool) -> Finding | None:
    if not above_scale:
        return None
    latest = _latest(figures, "revenue")
    if latest is None:
        return None
    window = months_between(add_months(latest, 1 - EXIT_RISK_WINDOW_MONTHS), latest)
    if not _all_reported(figures, "revenue", window):
        return None
    revenue = _sum(figures, "revenue", window)
    params = {"start": f"{window[0]:%Y-%m}", "end": f"{latest:%Y-%m}", "revenue": _amount(revenue)}
    if revenue < EXIT_RISK_RED_BELOW:
        params["line"] = _amount(EXIT_RISK_RED_BELOW)
        reason = _(
            "Revenue over the 12 months %(start)s–%(end)s: %(revenue)s (10k yuan), below the above-scale line "
            "of %(line)s."
        )
        return Finding(Rule.EXIT_RISK, WarningLevel.RED, reason % params, latest)
    if revenue < EXIT_RISK_ORANGE_BELOW:
        params["threshold"] = _amount(EXIT_RISK_ORANGE_BELOW)
        reason = _("Revenue over the 12 months %(start)s–%(end)s: %(revenue)s (10k yuan), less than %(threshold)s.")
        return Finding(Rule.EXIT_RISK, WarningLevel.ORANGE, reason % params, latest)
    if revenue < EXIT_RISK_BLUE_BELOW:
        previous_window = [add_months(period, -EXIT_RISK_WINDOW_MONTHS) for period in window]
        if not _all_reported(figures, "revenue", previous_window):
            return None
        previous = _sum(figures, "revenue", previous_window)
        if revenue >= previous:
            return None
        params |= {"threshold": _amount(EXIT_RISK_BLUE_BELOW), "previous": _amount(previous)}
        reason = _(
            "Revenue over the 12 months %(start)s–%(end)s: %(revenue)s (10k yuan), less than %(threshold)s and "
            "down from %(previous)s in the 12 months before."
        )
        return Finding(Rule.EXIT_RISK, WarningLevel.BLUE, reason % params, latest)
    return None


def check_electricity_falling(figures: dict[date, MonthFigures]) -> Finding | None:
    latest = _latest(figures, "electricity")
    if latest is None:
        return None
    months = months_between(add_months(latest, -ELECTRICITY_FALLING_MONTHS), latest)
    if not _all_reported(figures, "electricity", months):
        return None
    values = [figures[period].electricity for period in months]
    if not all(later < earlier for earlier, later in zip(values, values[1:], strict=False)):
        return None
    fall = (values[0] - values[-1]) / values[0] * 100  # values[0] > later values ≥ 0, so never zero
    level = WarningLevel.ORANGE if fall >= ELECTRICITY_STEEP_FALL_PERCENT else WarningLevel.BLUE
    reason = _(
        "Electricity use fell three months running, %(start)s–%(end)s: %(values)s (10k kWh), down %(fall)s %%."
    ) % {
        "start": f"{months[0]:%Y-%m}",
        "end": f"{latest:%Y-%m}",
        "values": " → ".join(_amount(value) for value in values),
        "fall": _amount(fall),
    }
    return Finding(Rule.ELECTRICITY_FALLING, level, reason, latest)


def evaluate(figures: dict[date, MonthFigures], *, above_scale: bool) -> dict[str, Finding]:
    """Every computed rule that fires on these figures, by rule."""
    findings = (
        check_loss_making(figures),
        check_exit_risk(figures, above_scale=above_scale),
        check_electricity_falling(figures),
    )
    return {finding.rule: finding for finding in findings if finding is not None}


# Keeping the stored warnings in step with the rules.


def _figures_by_enterprise(enterprise_ids: list[int], first: date, last: date) -> dict[int, dict]:
    rows = MonthlyFigure.objects.filter(
        enterprise_id__in=enterprise_ids, period__gte=first, period__lte=last
    ).values_list("enterprise_id", "period", "revenue", "total_profit", "electricity")
    figures: dict[int, dict] = defaultdict(dict)
    for enterprise_id, period, revenue, profit, electricity in rows:
        figures[enterprise_id][period] = MonthFigures(revenue, profit, electricity)
    return figures


def _refresh_batch(enterprise_ids: list[int], as_of: date, now) -> int:
    with transaction.atomic():
        # Lock the rows so that a figure saved meanwhile (which locks its enterprise) waits for this batch.
        enterprises = list(
            Enterprise.objects.select_for_update()
            .filter(pk__in=enterprise_ids)
            .order_by("pk")
            .values_list("pk", "above_scale", "warning_level")
        )
        ids = [pk for pk, _above, _level in enterprises]
        figures = _figures_by_enterprise(ids, date(as_of.year - LOOKBACK_YEARS, 1, 1), as_of)
        open_warnings: dict[int, list[EnterpriseWarning]] = defaultdict(list)
        for warning in EnterpriseWarning.objects.filter(enterprise_id__in=ids, resolved_at__isnull=True).order_by("pk"):
            open_warnings[warning.enterprise_id].append(warning)

        to_create, to_update, to_resolve = [], [], []
        new_levels: dict[int, list[int]] = defaultdict(list)
        changed = 0
        for pk, above_scale, stored_level in enterprises:
            findings = evaluate(figures.get(pk, {}), above_scale=above_scale)
            by_rule: dict[str, list[EnterpriseWarning]] = defaultdict(list)
            for warning in open_warnings[pk]:
                by_rule[warning.rule].append(warning)
            levels = [warning.level for warning in by_rule[Rule.MANUAL]]
            touched = False
            for rule in COMPUTED_RULES:
                finding, existing = findings.get(rule), by_rule.get(rule, [])
                kept, duplicates = (existing[0], existing[1:]) if existing else (None, [])
                # Two refreshes racing on one enterprise could each have raised the same warning.
                for duplicate in duplicates:
                    duplicate.resolved_at, duplicate.resolution = now, _("Resolved automatically: a duplicate.")
                    to_resolve.append(duplicate)
                if finding is None and kept is not None:
                    kept.resolved_at, kept.resolution = now, _recovered_text(figures.get(pk, {}))
                    to_resolve.append(kept)
                    touched = True
                if finding is None:
                    continue
                levels.append(finding.level)
                if kept is None:
                    to_create.append(
                        EnterpriseWarning(
                            enterprise_id=pk,
                            rule=rule,
                            level=finding.level,
                            reason=finding.reason[:300],
                            period=finding.period,
                        )
                    )
                    touched = True
                elif (kept.level, kept.reason, kept.period) != (finding.level, finding.reason[:300], finding.period):
                    touched = touched or kept.level != finding.level
                    kept.level, kept.reason, kept.period = finding.level, finding.reason[:300], finding.period
                    to_update.append(kept)
            level = max(levels, default=WarningLevel.GREEN)
            if level != stored_level:
                new_levels[level].append(pk)
                touched = True
            changed += touched

        EnterpriseWarning.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
        if to_update:
            EnterpriseWarning.objects.bulk_update(to_update, ["level", "reason", "period"], batch_size=BATCH_SIZE)
        if to_resolve:
            EnterpriseWarning.objects.bulk_update(to_resolve, ["resolved_at", "resolution"], batch_size=BATCH_SIZE)
        for level, pks in new_levels.items():
            Enterprise.objects.filter(pk__in=pks).update(warning_level=level)
    return changed


def _recovered_text(figures: dict[date, MonthFigures]) -> str:
    latest = max(figures, default=None)
    if latest is None:
        return _("Resolved automatically: the figures recovered.")
    return _("Resolved automatically: the figures recovered (figures up to %(month)s).") % {"month": f"{latest:%Y-%m}"}


def warnings_refresh(*, enterprise_ids=None, as_of: date | None = None) -> int:
    """Recompute the computed warnings and Enterprise.warning_level of the given enterprises (None: all) from
    their figures up to `as_of` (default: this month). Returns how many enterprises changed (a warning raised,
    resolved or changed level, or a new warning_level). A bounded number of queries per batch of enterprises."""
    as_of = month_start(as_of) if as_of else current_month()
    now = timezone.now()
    changed = 0
    # Reasons are stored text: write them in the site's language whoever triggered the refresh.
    with translation.override(settings.LANGUAGE_CODE):
        if enterprise_ids is not None:
            ids = sorted(set(enterprise_ids))
            for start in range(0, len(ids), BATCH_SIZE):
                changed += _refresh_batch(ids[start : start + BATCH_SIZE], as_of, now)
            return changed
        last_pk = 0
        while True:
            batch = list(
                Enterprise.objects.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not batch:
                return changed
            changed += _refresh_batch(batch, as_of, now)
            last_pk = batch[-1]


# The office's own flags.


def _check_office(actor) -> None:
    if not is_office(actor):
        raise PermissionDenied(_("Only the coordinating office can flag or resolve warnings."))


def warning_flag(*, actor, enterprise: Enterprise, level: int, reason: str) -> EnterpriseWarning:
    """The office raises a manual warning on an enterprise in its scope; it stays until the office resolves it."""
    _check_office(actor)
    if not scoped(actor, Enterprise.objects.filter(pk=enterprise.pk)).exists():
        raise PermissionDenied(_("This enterprise is outside your scope."))
    try:
        level = WarningLevel(int(level))
    except (TypeError, ValueError):
        level = None
    if level not in FLAG_LEVELS:
        raise ValidationError({"level": _("Choose blue, orange or red.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the enterprise is flagged.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("Keep the reason to 300 characters.")})
    with transaction.atomic():
        list(Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("pk"))
        warning = EnterpriseWarning.objects.create(
            enterprise=enterprise, rule=Rule.MANUAL, level=level, reason=reason, created_by=actor
        )
        warnings_refresh(enterprise_ids=[enterprise.pk])
    return warning


def warning_resolve(*, actor, warning: EnterpriseWarning, resolution: str) -> EnterpriseWarning:
    """The office resolves one of its manual flags with a note. Computed warnings are not resolved by hand:
    they go by themselves when the figures recover, so the list never hides a live risk."""
    _check_office(actor)
    if not scoped(actor, EnterpriseWarning.objects.filter(pk=warning.pk)).exists():
        raise PermissionDenied(_("This warning is outside your scope."))
    if warning.rule != Rule.MANUAL:
        raise ValidationError(
            _("A computed warning cannot be resolved by hand: it is resolved automatically when the figures recover.")
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("Say how the matter was resolved.")})
    if len(resolution) > 300:
        raise ValidationError({"resolution": _("Keep the resolution to 300 characters.")})
    with transaction.atomic():
        locked = EnterpriseWarning.objects.select_for_update().get(pk=warning.pk)
        if locked.resolved_at is not None:
            raise ValidationError(_("This warning has already been resolved."))
        locked.resolved_at, locked.resolved_by, locked.resolution = timezone.now(), actor, resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        warnings_refresh(enterprise_ids=[locked.enterprise_id])
    return locked
