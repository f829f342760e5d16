"""Industry chains (产业链: 一链一链长一链主一专班), supply and demand between enterprises (供需对接), and events
(企业家接待日, 沙龙, 座谈, 四项对接 …) with their outcomes and yearly targets (issue 7, DESIGN.md §2-3).

Money is in 万元, as everywhere in the platform.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

MONEY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class IndustryChain(models.Model):
    """One chain with its chief (链长, a leader), chain-leading enterprises (链主), task-force unit (专班) and
    liaison. Its map is the tree of ChainNode rows."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    chief = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chain chief"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chains_led",
        help_text=_("The leader in charge of the chain (链长)."),
    )
    task_force = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("task-force unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chains",
        help_text=_("The unit working the chain (专班)."),
    )
    leading_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", verbose_name=_("chain-leading enterprises"), blank=True, related_name="chains_led"
    )
    liaison_name = models.CharField(_("liaison"), max_length=40, blank=True)
    liaison_phone = models.CharField(_("liaison phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("industry chain")
        verbose_name_plural = _("industry chains")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class ChainNode(models.Model):
    """A link of the chain (环节): upstream, midstream or downstream, nested (a node's children refine it),
    with its key products."""

    class Stage(models.TextChoices):
        UPSTREAM = "upstream", _("upstream")
        MIDSTREAM = "midstream", _("midstream")
        DOWNSTREAM = "downstream", _("downstream")

    chain = models.ForeignKey(IndustryChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="nodes")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent node"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    name = models.CharField(_("name"), max_length=60)
    key_products = models.TextField(_("key products"), blank=True, help_text=_("One product per line or comma."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("chain node")
        verbose_name_plural = _("chain nodes")
        ordering = ["chain", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "parent", "name"], name="chain_node_unique_name"),
        ]

    def __str__(self):
        return self.name


class ChainPlacement(models.Model):
    """An enterprise placed on a node of a chain, with what it makes there."""

    node = models.ForeignKey(ChainNode, verbose_name=_("node"), on_delete=models.CASCADE, related_name="placements")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="chain_placements",
    )
    products = models.CharField(_("products"), max_length=200, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chain placement")
        verbose_name_plural = _("chain placements")
        ordering = ["node", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["node", "enterprise"], name="chain_placement_once_per_node"),
        ]

    def __str__(self):
        return f"{self.enterprise} @ {self.node}"


class MarketPost(models.Model):
    """What an enterprise offers (供) or needs (需): a product or service, optionally on a chain node, with
    quantity and period."""

    class Kind(models.TextChoices):
        OFFER = "offer", _("offer")
        NEED = "need", _("need")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", pgettext_lazy("supply or demand", "closed")

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="market_posts"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("product or service"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    node = models.ForeignKey(
        ChainNode, verbose_name=_("chain node"), null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    quantity = models.CharField(_("quantity"), max_length=60, blank=True, help_text=_("e.g. 500吨/月"))
    period_from = models.DateField(_("from"), null=True, blank=True)
    period_to = models.DateField(_("to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("supply or demand")
        verbose_name_plural = _("supply and demand")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "status"])]

    def __str__(self):
        return self.title


class MarketMatch(models.Model):
    """A proposed pairing of an offer with a need, brokered by the office, and its outcome."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        BROKERED = "brokered", _("brokered")
        CONTACTED = "contacted", _("contact made")
        AGREED = "agreed", _("agreement signed")
        DECLINED = "declined", _("declined")

    offer = models.ForeignKey(
        MarketPost, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="matches_as_offer"
    )
    need = models.ForeignKey(
        MarketPost, verbose_name=_("need"), on_delete=models.CASCADE, related_name="matches_as_need"
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("broker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    amount = models.DecimalField(_("amount (10k yuan)"), null=True, blank=True, **MONEY)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("supply-demand match")
        verbose_name_plural = _("supply-demand matches")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "need"], name="market_match_once_per_pair"),
        ]

    def __str__(self):
        return f"{self.offer} → {self.need}"


class Event(models.Model):
    """A reception day (企业家接待日), salon, forum, symposium or one of the 四项对接 matchmaking events, with the
    enterprises invited and attending and its outcomes."""

    class Kind(models.TextChoices):
        RECEPTION_DAY = "reception_day", _("entrepreneur reception day")
        SALON = "salon", _("salon")
        SYMPOSIUM = "symposium", _("symposium")
        SALES = "sales", _("production-sales matchmaking")
        EMPLOYMENT = "employment", _("employment matchmaking")
        FINANCE = "finance", _("finance matchmaking")
        RESEARCH = "research", _("industry-university-research matchmaking")
        POLICY_BRIEFING = "policy_briefing", _("policy briefing")
        TRAINING = "training", _("training")

    # The 四项对接 of seed 004 (产学研、用工、产销、产融): the kinds the yearly matchmaking targets count.
    MATCHMAKING_KINDS = (Kind.SALES, Kind.EMPLOYMENT, Kind.FINANCE, Kind.RESEARCH)

    class Status(models.TextChoices):
        PLANNED = "planned", pgettext_lazy("event", "planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    organizer = models.ForeignKey(
        "accounts.Unit", verbose_name=_("organizer"), on_delete=models.PROTECT, related_name="events"
    )
    chain = models.ForeignKey(
        IndustryChain, verbose_name=_("chain"), null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    description = models.TextField(_("description"), blank=True)
    summary = models.TextField(_("what came of it"), blank=True)
    cases = models.ManyToManyField(
        "cases.Case", verbose_name=_("cases raised"), blank=True, related_name="raised_at_events"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["held_on", "kind"])]

    def __str__(self):
        return self.title


class EventParticipant(models.Model):
    """An enterprise invited to an event, and whether it came."""

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="participants")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="event_participations",
    )
    invited = models.BooleanField(_("invited"), default=True)
    attended = models.BooleanField(_("attended"), default=False)
    attendee = models.CharField(_("who came"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("event participant")
        verbose_name_plural = _("event participants")
        ordering = ["event", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "enterprise"], name="event_participant_once"),
        ]

    def __str__(self):
        return f"{self.enterprise} @ {self.event}"


class EventOutcome(models.Model):
    """What an event produced besides cases: an agreement and its amount, a loan facilitated, hires."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("agreement signed")
        LOAN = "loan", _("loan facilitated")
        HIRES = "hires", _("hires")
        OTHER = "other", _("other")

    event = models.ForeignKey(Event, verbose_name=_("event"), on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_outcomes",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (10k yuan)"), null=True, blank=True, **MONEY)
    people = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("event outcome")
        verbose_name_plural = _("event outcomes")
        ordering = ["event", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description}"


class EventTarget(models.Model):
    """A yearly target: at least `minimum` events held by `unit` (and the units below it) in `year`, of one
    kind, of the matchmaking kinds, or of any kind (seed 004: ≥ 10 matchmaking events county-wide, ≥ 2 by the
    industry bureau, ≥ 1 per township)."""

    ANY = "any"
    MATCHMAKING = "matchmaking"

    year = models.PositiveSmallIntegerField(_("year"))
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="event_targets"
    )
    kind = models.CharField(
        _("events counted"),
        max_length=16,
        default=MATCHMAKING,
        help_text=_("A kind of event, 'matchmaking' (the four matchmaking kinds) or 'any'."),
    )
    minimum = models.PositiveSmallIntegerField(_("at least"), validators=[MinValueValidator(1)])
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("event target")
        verbose_name_plural = _("event targets")
        ordering = ["year", "unit", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "kind"], name="event_target_once"),
        ]

    def __str__(self):
        return f"{self.year} {self.unit} ≥ {self.minimum}"
