"""The enterprise registry and everything the assistance programs keep per enterprise: operating figures,
cultivation pools, early warnings, linkage (包联), assistance plans (一企一策) and visits (走访)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.validators import validate_credit_code

# 规模以上工业: main business revenue of at least 20 million yuan a year (DESIGN.md §2). Money is kept in
# 万元 (10,000 yuan), as the statistics office reports it.
ABOVE_SCALE_REVENUE = Decimal("2000")


class Industry(models.Model):
    """GB/T 4754-2017 national economic industry classification: sections (门类, A–T), divisions (大类,
    2 digits) and groups (中类, 3 digits). Shipped as data (enterprises/data/), loaded by a migration."""

    class Level(models.TextChoices):
        SECTION = "section", _("section")
        DIVISION = "division", _("division")
        GROUP = "group", _("group")

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    section = models.CharField(_("section"), max_length=1, db_index=True, editable=False)

    # Sections B (mining), C (manufacturing), D (utilities) make up "industry" (工业) in the statistics.
    INDUSTRIAL_SECTIONS = ("B", "C", "D")

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.section = self.code if self.level == self.Level.SECTION else self.parent.section
        super().save(*args, **kwargs)

    @property
    def is_industrial(self) -> bool:
        return self.section in self.INDUSTRIAL_SECTIONS


class Tag(models.Model):
    """An entry of the office-maintained tag dictionary (专精特新, 小巨人, 高新技术企业, 链主 …)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class WarningLevel(models.IntegerChoices):
    """Four levels, as the dispatch meetings colour their lists."""

    GREEN = 0, _("green")
    BLUE = 1, _("blue")
    ORANGE = 2, _("orange")
    RED = 3, _("red")


mobile_or_landline = RegexValidator(
    r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?)$",
    _("Enter a mobile number of 11 digits or a landline such as 0739-1234567."),
)


class Enterprise(models.Model):
    """An enterprise of the registry, keyed by its unified social credit code."""

    class Size(models.TextChoices):
        LARGE = "large", _("large")
        MEDIUM = "medium", _("medium")
        SMALL = "small", _("small")
        MICRO = "micro", _("micro")

    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    name = models.CharField(_("name"), max_length=120, db_index=True)
    legal_representative = models.CharField(_("legal representative"), max_length=40, blank=True)
    region = models.ForeignKey(
        "accounts.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises"
    )
    park = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="park_enterprises",
        limit_choices_to={"kind": "park"},
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    founded_on = models.DateField(_("founding date"), null=True, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10k yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    size = models.CharField(_("size class"), max_length=8, choices=Size.choices, blank=True)
    above_scale = models.BooleanField(_("above designated size"), default=False, db_index=True)
    is_key = models.BooleanField(
        _("key enterprise"), default=False, db_index=True, help_text=_("Key enterprises must have a full linkage.")
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="enterprises")
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True, validators=[mobile_or_landline])
    # The highest level among the enterprise's open warnings, kept by services.warnings so that lists can
    # filter and sort on it without computing anything.
    warning_level = models.PositiveSmallIntegerField(
        _("warning level"), choices=WarningLevel.choices, default=WarningLevel.GREEN, db_index=True
    )
    # Printed in the enterprise's intake QR code; raising it (cases.services.intake.intake_code_renew) makes
    # every code printed before stop working, e.g. when one was posted where it should not have been.
    intake_code_version = models.PositiveSmallIntegerField(_("intake QR code version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = self.credit_code.strip().upper()
        super().save(*args, **kwargs)


class MonthlyFigure(models.Model):
    """One enterprise's operating figures for one month (the month's own values, not year-to-date).
    Money in 万元, electricity in 万千瓦时 (10,000 kWh). A blank figure was not reported."""

    class Source(models.TextChoices):
        ENTERPRISE = "enterprise", _("entered by the enterprise")
        OFFICE = "office", _("entered by staff")
        IMPORT = "import", _("statistics office import")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="monthly_figures"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    output_value = models.DecimalField(_("output value"), max_digits=14, decimal_places=2, null=True, blank=True)
    revenue = models.DecimalField(_("main business revenue"), max_digits=14, decimal_places=2, null=True, blank=True)
    total_profit = models.DecimalField(_("total profit"), max_digits=14, decimal_places=2, null=True, blank=True)
    tax_paid = models.DecimalField(_("tax paid"), max_digits=14, decimal_places=2, null=True, blank=True)
    electricity = models.DecimalField(
        _("electricity used (10k kWh)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    rd_spend = models.DecimalField(_("R&D spend"), max_digits=14, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.OFFICE)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    MONEY_FIELDS = ("output_value", "revenue", "total_profit", "tax_paid", "rd_spend")
    FIGURE_FIELDS = (*MONEY_FIELDS, "electricity", "employees")

    class Meta:
        verbose_name = _("monthly figure")
        verbose_name_plural = _("monthly figures")
        ordering = ["enterprise", "period"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "period"], name="one_figure_row_per_enterprise_month"),
            models.CheckConstraint(condition=models.Q(period__day=1), name="figure_period_is_first_of_month"),
        ]
        indexes = [models.Index(fields=["period", "enterprise"])]

    def __str__(self):
        return f"{self.enterprise} · {self.period:%Y-%m}"


class CultivationPool(models.Model):
    """培育库: one kind of list for one year, optionally with the year's target (小升规: the pool is kept at
    1.2 × the target, seed 004 §14)."""

    class Kind(models.TextChoices):
        SMALL_TO_SCALE = "small_to_scale", _("small to above-scale (小升规)")
        NEAR_SCALE = "near_scale", _("near above-scale (准规上)")
        TO_REGISTER = "to_register", _("to be registered (拟入库)")
        EXIT_RISK = "exit_risk", _("at risk of leaving (易退库)")
        SRDI_INNOVATIVE = "srdi_innovative", _("innovative SME (创新型中小企业)")
        SRDI_PROVINCIAL = "srdi_provincial", _("provincial SRDI (省级专精特新)")
        LITTLE_GIANT = "little_giant", _("national little giant (小巨人)")
        SINGLE_CHAMPION = "single_champion", _("manufacturing single champion (单项冠军)")
        LISTING_RESERVE = "listing_reserve", _("listing reserve (上市后备)")
        HIGH_TECH = "high_tech", _("high-tech cultivation (高企培育)")

    # The 专精特新 ladder, lowest rung first.
    SRDI_LADDER = (Kind.SRDI_INNOVATIVE, Kind.SRDI_PROVINCIAL, Kind.LITTLE_GIANT, Kind.SINGLE_CHAMPION)
    TARGET_FACTOR = Decimal("1.2")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.PositiveIntegerField(
        _("target"), null=True, blank=True, help_text=_("How many enterprises the year's plan expects to grow.")
    )
    note = models.TextField(_("note"), blank=True)
    enterprises = models.ManyToManyField(
        Enterprise, through="PoolMembership", verbose_name=_("enterprises"), related_name="pools"
    )

    class Meta:
        verbose_name = _("cultivation pool")
        verbose_name_plural = _("cultivation pools")
        ordering = ["-year", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="one_pool_per_kind_year")]

    def __str__(self):
        return f"{self.year} {self.get_kind_display()}"


class PoolMembership(models.Model):
    """An enterprise's stay in a pool: entered on, and (once it leaves) exited on and why."""

    pool = models.ForeignKey(CultivationPool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="members")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="pool_memberships"
    )
    entered_on = models.DateField(_("entered on"))
    exited_on = models.DateField(_("exited on"), null=True, blank=True)
    exit_reason = models.CharField(_("exit reason"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pool membership")
        verbose_name_plural = _("pool memberships")
        ordering = ["pool", "entered_on"]
        constraints = [models.UniqueConstraint(fields=["pool", "enterprise"], name="one_membership_per_pool")]

    def __str__(self):
        return f"{self.enterprise} · {self.pool}"

    @property
    def is_current(self) -> bool:
        return self.exited_on is None


class EnterpriseWarning(models.Model):
    """An early warning on an enterprise: computed from its figures by a rule, or flagged by the office.
    Computed warnings are replaced whenever the figures change; a warning stays open until resolved."""

    class Rule(models.TextChoices):
        LOSS_MAKING = "loss_making", _("loss-making")
        EXIT_RISK = "exit_risk", _("revenue near the above-scale line")
        ELECTRICITY_FALLING = "electricity_falling", _("electricity use falling three months running")
        MANUAL = "manual", _("flagged by the office")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="warnings"
    )
    rule = models.CharField(_("rule"), max_length=24, choices=Rule.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=WarningLevel.choices)
    reason = models.CharField(_("reason"), max_length=300)
    period = models.DateField(_("figures of month"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("flagged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolution = models.CharField(_("resolution"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-level", "-created_at"]
        indexes = [models.Index(fields=["enterprise", "resolved_at"])]

    def __str__(self):
        return f"{self.enterprise} · {self.get_rule_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class Linkage(models.Model):
    """包联 (三联机制, seed 003): an enterprise's linked leader (领导联点), lead unit (部门对口) and cadres
    (干部驻企) for one year."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="linkages"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_linkages",
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="linkages",
    )
    cadres = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("linked cadres"), blank=True, related_name="cadre_linkages"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, null=True)

    class Meta:
        verbose_name = _("linkage")
        verbose_name_plural = _("linkages")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="one_linkage_per_enterprise_year")]

    def __str__(self):
        return f"{self.enterprise} · {self.year}"


class AssistancePlan(models.Model):
    """一企一策: the year's plan for one enterprise (seed 000)."""

    class Category(models.TextChoices):
        TURNAROUND = "turnaround", _("turn losses into profit (扭亏增盈)")
        STABILISE = "stabilise", _("stabilise output (稳产增效)")
        SCALE_UP = "scale_up", _("grow to scale (规模培育)")
        SRDI = "srdi", _("SRDI cultivation (专精特新培育)")
        UPGRADE = "upgrade", _("two ups, three transformations (两上三化)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ACTIVE = "active", _("in progress")
        COMPLETED = "completed", _("completed")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    measures = models.TextField(_("measures"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assistance plan")
        verbose_name_plural = _("assistance plans")
        ordering = ["-year", "enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="one_plan_per_enterprise_year")]

    def __str__(self):
        return f"{self.enterprise} · {self.year} · {self.get_category_display()}"


class PlanGoal(models.Model):
    """A measurable goal of a plan: a target in a unit, and whether it was achieved. The annual assessment
    counts achieved goals."""

    plan = models.ForeignKey(AssistancePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(_("goal"), max_length=100)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    actual = models.DecimalField(_("actual"), max_digits=14, decimal_places=2, null=True, blank=True)
    achieved = models.BooleanField(_("achieved"), null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["plan", "sort_order", "pk"]

    def __str__(self):
        return self.name


class PlanProgress(models.Model):
    """A monthly progress note on a plan."""

    plan = models.ForeignKey(
        AssistancePlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="progress_notes"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month."))
    note = models.TextField(_("progress"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["plan", "-period", "-created_at"]

    def __str__(self):
        return f"{self.plan} · {self.period:%Y-%m}"


class Visit(models.Model):
    """走访: a cadre's visit to an enterprise and the problems found there."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("on site (实地)")
        PHONE = "phone", _("by phone (电话)")
        MEETING = "meeting", _("meeting (座谈)")
        ONLINE = "online", _("online (线上)")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="visits"
    )
    # The visitor's unit when the visit was made, so that coverage per unit survives transfers.
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    visited_on = models.DateField(_("visit date"), db_index=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    met_with = models.CharField(_("met with"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_on", "-created_at"]
        indexes = [models.Index(fields=["enterprise", "visited_on"]), models.Index(fields=["visitor", "visited_on"])]

    def __str__(self):
        return f"{self.enterprise} · {self.visited_on}"


class VisitProblem(models.Model):
    """A problem found on a visit. The case lifecycle (issue 4) turns these into cases."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("problem"))

    class Meta:
        verbose_name = _("problem found")
        verbose_name_plural = _("problems found")
        ordering = ["visit", "pk"]

    def __str__(self):
        return self.description[:40]
