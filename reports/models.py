"""Reports and assessment (月调度、季通报、年考核): what the units file and the office writes; the figures
themselves are computed from the other apps' data (selectors), never stored here.

- MonthlyReport: a unit's monthly report, due by the 20th of the month it reports on (seed 000 五(三)).
- GoodPractice: a good-practice entry the office writes for a quarter's bulletin.
- Bulletin: the office's editable header and text of a quarter's bulletin (季通报), issued as .docx.
- AssessmentScheme / AssessmentItem: an annual assessment scheme as data (seed 000 Annex 2 ships as the
  default): items, their maximum points and the rule that scores them, with its parameters.
- AssessmentEvidence: what the rules cannot find in the data: commendations and media reports (典型经验),
  and the office's degree score for a problem not fully solved.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyReport(models.Model):
    """A unit's monthly report on its assisted enterprises, for one month. Prefilled from the data, written
    by the unit, submitted once; a submission after the due date is recorded as late (daily-work scoring)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="monthly_reports"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month reported on."))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    enterprises_situation = models.TextField(_("the enterprises' production and operation"), blank=True)
    problems_progress = models.TextField(_("progress on problems"), blank=True)
    plans_progress = models.TextField(_("progress on assistance plans"), blank=True)
    next_steps = models.TextField(_("next month's work"), blank=True)
    # The figures the form was prefilled with, as they stood when it was submitted (the report says what
    # the unit saw then, even if the data changes later).
    snapshot = models.JSONField(_("figures at submission"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_late = models.BooleanField(_("late"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "unit__sort_order", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="monthly_report_unit_month")]

    def __str__(self):
        return f"{self.unit} {self.month:%Y-%m}"


class GoodPractice(models.Model):
    """A good-practice entry (经验做法) the office writes for a quarter's bulletin."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="good_practices",
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("good practice")
        verbose_name_plural = _("good practices")
        ordering = ["year", "quarter", "sort_order", "pk"]

    def __str__(self):
        return self.title


class Bulletin(models.Model):
    """The office's header and text for a quarter's bulletin (季通报); the rankings and named units are
    computed when the document is made. Issued bulletins keep their text."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    issuer = models.CharField(_("issuing office"), max_length=80)
    document_number = models.CharField(_("document number (文号)"), max_length=40, blank=True)
    title = models.CharField(_("title"), max_length=120)
    opening = models.TextField(_("opening paragraph"), blank=True)
    closing = models.TextField(_("closing paragraph"), blank=True)
    issued_on = models.DateField(_("date of issue"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bulletin")
        verbose_name_plural = _("bulletins")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="bulletin_year_quarter")]

    def __str__(self):
        return self.title


class AssessmentScheme(models.Model):
    """The items, points and rules one kind of unit is assessed by in one year. A scheme without a year is
    a template (the seed's 2022 scheme ships as one); a year's scheme is copied from it and may be edited."""

    class Target(models.TextChoices):
        DEPARTMENT = "department", _("county departments")
        TERRITORIAL = "territorial", _("townships, parks and new towns")

    name = models.CharField(_("name"), max_length=120)
    target = models.CharField(_("assessed units"), max_length=12, choices=Target.choices)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    total_points = models.DecimalField(_("total points"), max_digits=6, decimal_places=2, default=100)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "target"]
        constraints = [
            models.UniqueConstraint(fields=["year", "target"], name="assessment_scheme_year_target"),
            models.UniqueConstraint(
                fields=["target"], condition=models.Q(year=None), name="assessment_scheme_one_template_per_target"
            ),
        ]

    def __str__(self):
        return self.name


class AssessmentItem(models.Model):
    """One item of a scheme: its maximum points and the rule that scores it (reports.scoring.RULES), with
    the rule's parameters (e.g. {"per_case": 10, "degree_cap": 15})."""

    class Rule(models.TextChoices):
        PLAN_GOALS = "plan_goals", _("share of assistance-plan goals achieved")
        CASES_SOLVED = "cases_solved", _("problems of assisted enterprises closed as solved, plus degree scores")
        EVIDENCE = "evidence", _("commendations and media reports")
        PROACTIVE = "proactive", _("problems solved for other enterprises, rated satisfied")
        DAILY_WORK = "daily_work", _("months with the report on time and every linked enterprise visited")
        LOSS_RATIO_RANK = "loss_ratio_rank", _("rank by loss ratio of above-scale industry, lowest first")
        PROFIT_RANK = "profit_rank", _("rank by total profit of above-scale industry, highest first")

    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    name = models.CharField(_("name"), max_length=80)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.TextField(_("how it is scored"), blank=True)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["scheme", "position"]
        constraints = [models.UniqueConstraint(fields=["scheme", "position"], name="assessment_item_position")]

    def __str__(self):
        return self.name


class AssessmentEvidence(models.Model):
    """A fact the rules cannot find in the data, entered by the office for a unit and year."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", _("commendation by county leaders")
        MEDIA_REPORT = "media_report", _("media report (county level or above)")
        DEGREE_SCORE = "degree_score", _("degree score for a problem not fully solved")

    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assessment_evidence"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    occurred_on = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=200)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Who commended, which medium."))
    # Degree scores only: the case and the points the office gives for how far it was solved.
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment evidence")
        verbose_name_plural = _("assessment evidence")
        ordering = ["-year", "unit__name", "occurred_on"]
        indexes = [models.Index(fields=["year", "unit"])]

    def __str__(self):
        return self.description
