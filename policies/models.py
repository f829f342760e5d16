"""Support policies (惠企政策, DESIGN.md §6, issue 6): the library, each policy's eligibility rule (the
language of policies/rules.py, stored as JSON), the matches of enterprises, subscriptions, applications and
what was actually paid (兑现), including the lists of 免申即享 grants the office approves.

"Nothing is granted twice for the same policy, enterprise and period": Disbursement is unique on the three.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyCategory(models.Model):
    """The office-kept dictionary of policy categories (资金奖补, 税费减免, 融资支持 …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("policy category")
        verbose_name_plural = _("policy categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Policy(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")
        COUNTY = "county", _("county")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Obtain(models.TextChoices):
        APPLICATION = "application", _("by application (申报)")
        AUTO_GRANT = "auto_grant", _("without application (免申即享)")

    class BenefitKind(models.TextChoices):
        GRANT = "grant", _("grant or reward")
        SUBSIDY = "subsidy", _("subsidy")
        INTEREST_SUBSIDY = "interest_subsidy", _("loan interest subsidy")
        TAX_RELIEF = "tax_relief", _("tax or fee relief")
        LOAN = "loan", _("financing support")
        SERVICE = "service", _("service or other support")

    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("document number (文号)"), max_length=60, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    categories = models.ManyToManyField(PolicyCategory, verbose_name=_("categories"), blank=True, related_name="+")
    summary = models.TextField(_("summary"), blank=True)
    full_text = models.TextField(_("full text"), blank=True)
    benefit_kind = models.CharField(_("kind of benefit"), max_length=20, choices=BenefitKind.choices)
    # How much one enterprise gets for one period, in 万元: {"fixed": 20}, or {"fact": "last_year_rd_spend",
    # "rate": 0.1} (a rate of an enterprise fact), always capped by benefit_cap when that is set.
    benefit_formula = models.JSONField(_("amount formula"), default=dict, blank=True)
    benefit_cap = models.DecimalField(
        _("cap (10k yuan)"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    benefit_text = models.CharField(_("benefit, in words"), max_length=200, blank=True)
    obtain = models.CharField(_("how it is obtained"), max_length=12, choices=Obtain.choices)
    application_materials = models.TextField(_("application materials"), blank=True)
    application_deadline = models.DateField(_("application deadline"), null=True, blank=True)
    interpreter_name = models.CharField(_("policy interpreter (政策解读员)"), max_length=40, blank=True)
    interpreter_phone = models.CharField(_("interpreter's phone"), max_length=20, blank=True)
    eligibility = models.JSONField(_("eligibility rule"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["status", "obtain"])]

    def __str__(self):
        return self.title


class PolicyClause(models.Model):
    """One clause (条款) of a policy, with its own public page and QR code (seed 002: 一码链接原文)."""

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="clauses")
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=120)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("policy clause")
        verbose_name_plural = _("policy clauses")
        ordering = ["policy", "position"]
        constraints = [models.UniqueConstraint(fields=["policy", "position"], name="policy_clause_position")]

    def __str__(self):
        return self.heading


class PolicyMatch(models.Model):
    """The standing of one enterprise against one published policy, as the last matching run found it.
    Only eligible and nearly eligible enterprises have a row (a province has millions of the others)."""

    class State(models.TextChoices):
        ELIGIBLE = "eligible", _("eligible")
        TO_CONFIRM = "to_confirm", _("eligible, conditions to be confirmed")
        NEARLY = "nearly", _("nearly eligible")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="matches")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="policy_matches"
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    # The evaluation's reasons (policies.rules.Outcome as JSON) and, for a nearly eligible one, what fails.
    reasons = models.JSONField(_("reasons"), default=dict, blank=True)
    missing = models.JSONField(_("what is missing"), default=list, blank=True)
    matched_at = models.DateTimeField(_("matched at"))
    first_matched_at = models.DateTimeField(_("first eligible at"), null=True, blank=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("policy match")
        verbose_name_plural = _("policy matches")
        constraints = [models.UniqueConstraint(fields=["policy", "enterprise"], name="policy_match_unique")]
        indexes = [models.Index(fields=["enterprise", "state"]), models.Index(fields=["policy", "state"])]

    def __str__(self):
        return f"{self.enterprise_id} · {self.policy_id}: {self.state}"


class PolicySubscription(models.Model):
    """An enterprise asks to hear of new policies of a category."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(PolicyCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("policy subscription")
        verbose_name_plural = _("policy subscriptions")
        constraints = [models.UniqueConstraint(fields=["enterprise", "category"], name="policy_subscription_unique")]

    def __str__(self):
        return f"{self.enterprise_id} · {self.category_id}"


class Application(models.Model):
    """An enterprise's application (申报) for a policy that is obtained by applying, and its outcome."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="applications")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("The year (or period) applied for."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    requested_amount = models.DecimalField(
        _("amount requested (10k yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise", "period"], name="application_once_per_period")
        ]

    def __str__(self):
        return f"{self.policy_id} · {self.enterprise_id} · {self.period}"


class GrantBatch(models.Model):
    """A 免申即享 list: the enterprises eligible for an auto-grant policy for a period, with the amount each
    gets by the policy's formula; the office reviews and approves it, then records the payments."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        PAID = "paid", _("paid")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="batches")
    period = models.CharField(_("period"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("grant list")
        verbose_name_plural = _("grant lists")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["policy", "period"], name="grant_batch_once_per_period")]

    def __str__(self):
        return f"{self.policy_id} · {self.period}"


class GrantLine(models.Model):
    batch = models.ForeignKey(GrantBatch, verbose_name=_("grant list"), on_delete=models.CASCADE, related_name="lines")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("amount (10k yuan)"), max_digits=12, decimal_places=2)
    # The figures the amount came from, as they stood when the list was made.
    basis = models.JSONField(_("basis"), default=dict, blank=True)
    excluded = models.BooleanField(_("taken off the list"), default=False)
    excluded_reason = models.CharField(_("why it was taken off"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("grant line")
        verbose_name_plural = _("grant lines")
        constraints = [models.UniqueConstraint(fields=["batch", "enterprise"], name="grant_line_once_per_batch")]

    def __str__(self):
        return f"{self.batch_id} · {self.enterprise_id}: {self.amount}"


class Disbursement(models.Model):
    """A benefit actually paid or granted (兑现). At most one per policy, enterprise and period."""

    class Source(models.TextChoices):
        AUTO_GRANT = "auto_grant", _("without application (免申即享)")
        APPLICATION = "application", _("application")

    policy = models.ForeignKey(Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="disbursements")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="disbursements"
    )
    period = models.CharField(_("period"), max_length=10)
    amount = models.DecimalField(
        _("amount (10k yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    paid_on = models.DateField(_("paid on"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    grant_line = models.OneToOneField(
        GrantLine, verbose_name=_("grant line"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    application = models.OneToOneField(
        Application, verbose_name=_("application"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "enterprise", "period"], name="disbursement_once_per_period")
        ]

    def __str__(self):
        return f"{self.policy_id} · {self.enterprise_id} · {self.period}: {self.amount}"
