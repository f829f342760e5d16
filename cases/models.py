"""The problem lifecycle (诉求闭环, DESIGN.md §4): cases, their assignments to units, the append-only and
hash-chained trail of events, and the records that hang off a case (replies, extension requests,
supervision notices, callbacks, attachments).

State is written only by the service functions of cases.services, each of which appends one CaseEvent in
the same transaction. Deadlines on the case are denormalised for lists and queues; they are always
recomputable from the trail (cases.deadlines).
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseCategory(models.Model):
    """The office-maintained dictionary of problem categories (融资, 用工, 用电, …)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("problem category")
        verbose_name_plural = _("problem categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")
    COMPLEX = "complex", _("complex")


class DeadlineRule(models.Model):
    """Working-day limits for one category and urgency; a rule without a category is the default for that
    urgency. Missing rules fall back to DESIGN.md §4's defaults (cases.deadlines.DEFAULT_LIMITS)."""

    category = models.ForeignKey(
        CaseCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_rules",
        help_text=_("Leave blank for the default of every category."),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    accept_days = models.PositiveSmallIntegerField(_("working days to accept"))
    resolve_days = models.PositiveSmallIntegerField(_("working days to resolve"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["category__sort_order", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["category", "urgency"], name="one_deadline_rule_per_category_urgency"),
            models.UniqueConstraint(
                fields=["urgency"], condition=models.Q(category__isnull=True), name="one_default_deadline_rule"
            ),
        ]

    def __str__(self):
        return f"{self.category or _('default')} · {self.get_urgency_display()}"


class CommonIssue(models.Model):
    """共性问题: several enterprises' cases merged and handled once (点办理、批处理). Handling actions on any
    member apply to every member still in the same state; each enterprise rates its own case."""

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("common issue")
        verbose_name_plural = _("common issues")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title


class CaseNumber(models.Model):
    """The last number given out in a year; locked while the next one is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self):
        return f"{self.year}: {self.last}"


class Case(models.Model):
    """诉求: one problem of one enterprise."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("case state", "submitted")
        ASSIGNED = "assigned", pgettext_lazy("case state", "assigned")
        IN_PROGRESS = "in_progress", pgettext_lazy("case state", "in progress")
        WAITING = "waiting", pgettext_lazy("case state", "waiting for the enterprise")
        RESOLVED = "resolved", pgettext_lazy("case state", "resolved")
        CLOSED = "closed", pgettext_lazy("case state", "closed")
        RETURNED = "returned", pgettext_lazy("case state", "returned")
        REJECTED = "rejected", pgettext_lazy("case state", "rejected")

    # States in which a unit is working on the case and its resolve deadline runs (or is paused).
    HANDLING_STATES = (State.ASSIGNED, State.IN_PROGRESS, State.WAITING)
    # States that need nobody's action any more.
    FINAL_STATES = (State.CLOSED, State.REJECTED)

    class Channel(models.TextChoices):
        SELF_SERVICE = "self_service", _("enterprise self-service")
        QR_CODE = "qr_code", _("enterprise QR code")
        VISIT = "visit", pgettext_lazy("channel", "visit")
        HOTLINE = "hotline", _("hotline")
        RECEPTION_DAY = "reception_day", _("entrepreneur reception day")
        OFFICE = "office", _("office")
        API = "api", _("integration (API)")
        IMPORT = "import", _("ledger import")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("solved")
        EXPLAINED = "explained", _("explained")
        NOT_SOLVED = "not_solved", _("not solved")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
        UNSATISFIED = "unsatisfied", _("unsatisfied")
        UNRATED = "unrated", _("unrated")

    class RejectReason(models.TextChoices):
        DUPLICATE = "duplicate", _("duplicate")
        OUT_OF_SCOPE = "out_of_scope", _("out of scope")
        OTHER = "other", _("other")

    number = models.CharField(_("number"), max_length=16, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="cases"
    )
    common_issue = models.ForeignKey(
        CommonIssue,
        verbose_name=_("common issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    category = models.ForeignKey(CaseCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # The integration's own id (a hotline ticket number): a case pushed twice is found, not duplicated.
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    visit_problem = models.ForeignKey(
        "enterprises.VisitProblem",
        verbose_name=_("problem found on visit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    contact_name = models.CharField(_("contact person"), max_length=40, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_cases",
    )
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)

    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SUBMITTED, db_index=True)
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    first_assigned_at = models.DateTimeField(_("first assigned at"), null=True, blank=True)
    # Deadlines, denormalised from the trail by cases.deadlines.refresh_deadlines.
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    due_at = models.DateTimeField(_("resolve by"), null=True, blank=True, db_index=True)
    paused_since = models.DateTimeField(_("paused since"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)

    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_on_time = models.BooleanField(_("resolved on time"), null=True, blank=True)

    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("times returned"), default=0)

    reject_reason = models.CharField(_("rejection reason"), max_length=12, choices=RejectReason.choices, blank=True)
    reject_note = models.CharField(_("rejection note"), max_length=500, blank=True)
    duplicate_of = models.ForeignKey(
        "self", verbose_name=_("duplicate of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("listed for supervision by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listed_cases",
    )
    listed_at = models.DateTimeField(_("listed at"), null=True, blank=True)
    # 0: none; 1: escalated to the unit head; 2: escalated to the linked leader.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)

    # The hash of the last event and the number of events: deleting the newest events breaks the chain too.
    trail_head = models.CharField(max_length=64, blank=True, editable=False)
    event_count = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["enterprise", "submitted_at"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["year", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="unique_external_ref_per_channel",
            )
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state not in self.FINAL_STATES


class Assignment(models.Model):
    """交办: a case given to a unit as lead (主办), co-handler (协办) or locality (属地, 双线推进)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        CO = "co", _("co-handler")
        LOCALITY = "locality", _("locality")

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting acceptance")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")
        WITHDRAWN = "withdrawn", _("withdrawn")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="case_assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    assigned_at = models.DateTimeField(_("assigned at"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["case", "pk"]
        indexes = [models.Index(fields=["unit", "state"])]
        constraints = [
            # One live assignment per unit and case; a returned or withdrawn one may be followed by a new one.
            models.UniqueConstraint(
                fields=["case", "unit"],
                condition=models.Q(state__in=["pending", "accepted"]),
                name="one_live_assignment_per_unit",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=["pending", "accepted"], role="lead"),
                name="one_live_lead_assignment",
            ),
        ]

    def __str__(self):
        return f"{self.case.number} → {self.unit} ({self.get_role_display()})"

    @property
    def is_live(self) -> bool:
        return self.state in (self.State.PENDING, self.State.ACCEPTED)


class CaseEvent(models.Model):
    """One entry of a case's trail. Append-only: rows are never updated or deleted, and each carries the hash
    of its own content and of the previous event of the case, so that any edit, deletion or insertion shows
    when the chain is verified (manage.py verify_trail)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ASSIGNED = "assigned", _("assigned")
        REASSIGNED = "reassigned", _("reassigned")
        REJECTED = "rejected", _("rejected")
        MERGED = "merged", _("merged into a common issue")
        UNMERGED = "unmerged", _("taken out of a common issue")
        ACCEPTED = "accepted", _("accepted")
        RETURNED = "returned", _("returned")
        PROGRESS = "progress", _("progress note")
        WAITING = "waiting", _("waiting for material")
        RESUMED = "resumed", _("material supplied")
        EXTENSION_REQUESTED = "extension_requested", _("extension requested")
        EXTENSION_APPROVED = "extension_approved", _("extension approved")
        EXTENSION_REFUSED = "extension_refused", _("extension refused")
        REPLY_DRAFTED = "reply_drafted", _("reply drafted")
        REPLY_SENT_BACK = "reply_sent_back", _("reply sent back")
        RESOLVED = "resolved", _("resolved")
        RATED = "rated", _("rated")
        REOPENED = "reopened", _("reopened")
        CLOSED = "closed", _("closed")
        CALLBACK = "callback", _("callback")
        SUPERVISED = "supervised", _("supervision notice")
        SUPERVISION_REPLIED = "supervision_replied", _("supervision replied")
        LISTED = "listed", _("listed for supervision")
        UNLISTED = "unlisted", _("unlisted")
        REMINDED = "reminded", _("deadline reminder")
        ESCALATED = "escalated", _("escalated")
        ATTACHED = "attached", _("attachment added")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Snapshots: the trail must read the same after a user is renamed or moved to another unit.
    actor_name = models.CharField(_("actor name"), max_length=60, blank=True)
    unit = models.ForeignKey(
        "accounts.Unit", verbose_name=_("unit"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_name = models.CharField(_("unit name"), max_length=80, blank=True)
    created_at = models.DateTimeField(_("time"))
    payload = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    GENESIS = "0" * 64

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_event_per_case_seq")]
        indexes = [models.Index(fields=["kind", "created_at"])]

    def __str__(self):
        return f"{self.case_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Case events are append-only.")

    def content(self) -> dict:
        """What the hash covers: everything but the hash itself."""
        return {
            "case": self.case_id,
            "seq": self.seq,
            "kind": self.kind,
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "unit": self.unit_id,
            "unit_name": self.unit_name,
            # In UTC: the database may hand the moment back in another zone than it was written in.
            "created_at": self.created_at.astimezone(datetime.UTC).isoformat(),
            "payload": self.payload,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(self.content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


class CaseReply(models.Model):
    """The lead unit's resolution reply; it goes out (the case becomes resolved) once the unit head approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        SENT_BACK = "sent_back", _("sent back")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Case.Outcome.choices)
    text = models.TextField(_("what was done"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("resolution reply")
        verbose_name_plural = _("resolution replies")
        ordering = ["case", "-drafted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="one_pending_reply_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case.number} · {self.get_outcome_display()}"


class ExtensionRequest(models.Model):
    """延期: the lead unit asks for more working days; the office approves or refuses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting decision")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["case", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="one_pending_extension_per_case"
            )
        ]

    def __str__(self):
        return f"{self.case.number} +{self.days}"


class Supervision(models.Model):
    """督办: a supervision notice from the office to a unit, with a reply deadline. Listing a case for
    supervision by a leader (挂牌督办) is a flag on the case, with its own events."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="supervisions")
    unit = models.ForeignKey("accounts.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("notice"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    # Issued by the overdue scan rather than by a person.
    automatic = models.BooleanField(_("automatic"), default=False)
    reply_due_at = models.DateTimeField(_("reply by"))
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("replied by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        ordering = ["case", "-issued_at"]

    def __str__(self):
        return f"{self.case.number} · {self.unit}"


class Callback(models.Model):
    """回访: the office calls the enterprise about a resolved case, as its review (recording the rating on
    the enterprise's behalf) or as a spot check of a sample (抽查回访)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        DONE = "done", _("done")
        UNREACHABLE = "unreachable", _("could not be reached")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="callbacks")
    spot_check = models.BooleanField(_("spot check"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    planned_at = models.DateTimeField(_("planned at"))
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("called by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Case.Rating.choices, blank=True)
    # For a spot check: does what the enterprise says match the unit's reply?
    confirmed = models.BooleanField(_("reply confirmed"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["-planned_at"]

    def __str__(self):
        return f"{self.case.number} · {self.get_status_display()}"


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    # The stored name is the content hash: the original name is kept in a field, never trusted as a path.
    return f"cases/{instance.case.year}/{instance.case_id}/{instance.sha256}{instance.extension}"


class CaseAttachment(models.Model):
    """A file on a case: material from the enterprise or evidence of the resolution. Type and size are
    checked by cases.attachments before it is stored."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("material")
        EVIDENCE = "evidence", _("evidence")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MATERIAL)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "uploaded_at"]

    def __str__(self):
        return self.original_name


# Smart dispatch (智能派单, docs/cases/smart-dispatch.md) ------------------------------------------------------


class DispatchRule(models.Model):
    """One entry of the dispatch catalogue (派单目录): the words that mark a category and who handles it by
    default. The locality is never named here: it comes from each enterprise's township, street or park."""

    category = models.OneToOneField(
        CaseCategory, verbose_name=_("category"), on_delete=models.CASCADE, related_name="dispatch_rule"
    )
    keywords = models.TextField(
        _("keywords"), blank=True, help_text=_("Words that mark a problem of this category, separated by spaces.")
    )
    lead_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("default lead unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lead_is_locality = models.BooleanField(
        _("the locality leads"),
        default=False,
        help_text=_("The enterprise's township, street or park leads instead of a department."),
    )
    co_units = models.ManyToManyField(
        "accounts.Unit", verbose_name=_("default co-handling units"), blank=True, related_name="+"
    )
    add_locality = models.BooleanField(
        _("add the locality"),
        default=True,
        help_text=_("Also assign the enterprise's township, street or park as locality unit (双线推进)."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("dispatch catalogue entry")
        verbose_name_plural = _("dispatch catalogue")
        ordering = ["category__sort_order", "category__code"]

    def __str__(self):
        return str(self.category)

    def keyword_list(self) -> list[str]:
        return [w for w in self.keywords.replace("，", " ").replace(",", " ").replace("、", " ").split() if w]


class SuggestionModel(models.Model):
    """One trained version of the learned dispatch suggestions: the text classifiers for category and lead
    unit, fitted on the jurisdiction's own accepted assignments submitted before `cutoff`."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    trained_at = models.DateTimeField(_("trained at"))
    trained_by = models.CharField(_("trained by"), max_length=60, blank=True)
    cutoff = models.DateTimeField(_("history up to"))
    case_count = models.PositiveIntegerField(_("cases learned from"))
    category_count = models.PositiveSmallIntegerField(_("categories"))
    lead_count = models.PositiveSmallIntegerField(_("lead units"))
    vocabulary_size = models.PositiveIntegerField(_("words"))
    metrics = models.JSONField(_("held-out accuracy"), default=dict, blank=True)
    artefact = models.BinaryField(editable=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("suggestion model")
        verbose_name_plural = _("suggestion models")
        ordering = ["-version"]

    def __str__(self):
        return f"v{self.version}"


class DispatchSuggestion(models.Model):
    """What smart dispatch suggested for a case and, once the office assigned it, what was chosen: the
    record accuracy is measured from. Ranks are 1–3 when the choice was among the suggestions, else null."""

    class Source(models.TextChoices):
        MODEL = "model", _("learned")
        CATALOGUE = "catalogue", _("catalogue")

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="suggestions")
    model = models.ForeignKey(
        SuggestionModel, verbose_name=_("model"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    model_version = models.PositiveIntegerField(_("model version"), null=True, blank=True)
    created_at = models.DateTimeField(_("suggested at"))
    text_digest = models.CharField(max_length=64, editable=False)
    category_source = models.CharField(_("category from"), max_length=10, choices=Source.choices)
    lead_source = models.CharField(_("lead unit from"), max_length=10, choices=Source.choices)
    categories = models.JSONField(_("suggested categories"), default=list)
    leads = models.JSONField(_("suggested lead units"), default=list)
    co_unit_ids = models.JSONField(_("suggested co-handling units"), default=list)
    locality_unit_ids = models.JSONField(_("suggested locality units"), default=list)
    chosen_category = models.ForeignKey(
        CaseCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_lead = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category_rank = models.PositiveSmallIntegerField(_("category rank"), null=True, blank=True)
    lead_rank = models.PositiveSmallIntegerField(_("lead unit rank"), null=True, blank=True)
    confirmed = models.BooleanField(_("confirmed in one click"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("dispatch suggestion")
        verbose_name_plural = _("dispatch suggestions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["case", "decided_at"], name="suggestion_case_decided")]

    def __str__(self):
        return f"{self.case_id} · {self.created_at:%Y-%m-%d}"

    def set_choice(self, category_id: int | None, lead_unit_id: int | None) -> None:
        """What the office chose, and where it stood among the suggestions (null: not suggested)."""
        categories = [int(e["id"]) for e in self.categories]
        leads = [int(e["unit_id"]) for e in self.leads]
        self.chosen_category_id, self.chosen_lead_id = category_id, lead_unit_id
        self.category_rank = categories.index(category_id) + 1 if category_id in categories else None
        self.lead_rank = leads.index(lead_unit_id) + 1 if lead_unit_id in leads else None
