"""Shared reads of case lists: the work queues of each role with their counts, the filtered and sorted list
the page, the ledger export and the API show, and the deadline level as a database condition.

Every read starts from `scoped(user, Case.objects…)`; a queue only narrows what the scope already allows.
Queue conditions are `pk IN (subquery)` or plain column tests, never joins to many-valued relations, so
that a case never shows twice and all the counts fit in one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Role, Unit
from accounts.scope import scoped, user_roles
from cases.deadlines import Level, Thresholds
from cases.models import Assignment, Case, CaseReply, ExtensionRequest
from enterprises.scope_rules import linked_enterprise_ids

State = Case.State
UNIT_ROLES = (Role.UNIT_HANDLER, Role.UNIT_HEAD)


# Queues -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: str


QUEUES = {
    queue.key: queue
    for queue in (
        # The office
        Queue("new", _("New")),
        Queue("returned", _("Returned")),
        Queue("overdue", _("Overdue")),
        Queue("extensions", _("Awaiting approval")),
        Queue("listed", _("Listed")),
        Queue("all", _("All")),
        # A unit's handlers and heads
        Queue("to_accept", _("To accept")),
        Queue("in_progress", _("In progress")),
        Queue("due_soon", _("Due soon")),
        Queue("to_approve", _("Awaiting my approval")),
        # An enterprise; leaders and cadres
        Queue("mine", _("My cases")),
        Queue("linked", _("Linked enterprises")),
    )
}

# The tabs of each role, in order. A user with several roles gets the union, in this order of roles; a key
# two roles share is one tab (the office's "overdue" covers a unit's, since the office sees every case).
OFFICE_QUEUES = ("new", "returned", "overdue", "extensions", "listed", "all")
UNIT_QUEUES = ("to_accept", "in_progress", "due_soon", "overdue", "all")
HEAD_QUEUES = ("to_accept", "in_progress", "due_soon", "overdue", "to_approve", "all")
ENTERPRISE_QUEUES = ("mine",)
LEADER_QUEUES = ("linked", "listed")
CADRE_QUEUES = ("linked",)
AUDITOR_QUEUES = ("all",)


def _roles(user) -> frozenset[str]:
    roles = user_roles(user)
    # A superuser acts as the office (has_role would give them every role's tabs, most of them empty).
    return roles | {Role.OFFICE} if getattr(user, "is_superuser", False) and user.is_active else roles


def _is_unit_user(user, roles) -> bool:
    return bool(user.unit_id) and bool(roles & set(UNIT_ROLES))


def _is_head(user, roles) -> bool:
    return bool(user.unit_id) and Role.UNIT_HEAD in roles


def queues_for(user) -> list[Queue]:
    """The user's tabs, the default (first) one first. No query beyond the user's roles."""
    roles = _roles(user)
    keys: list[str] = []
    if Role.OFFICE in roles:
        keys += OFFICE_QUEUES
    if _is_unit_user(user, roles):
        keys += HEAD_QUEUES if _is_head(user, roles) else UNIT_QUEUES
    if Role.ENTERPRISE in roles and user.enterprise_id:
        keys += ENTERPRISE_QUEUES
    if Role.LEADER in roles:
        keys += LEADER_QUEUES
    if Role.CADRE in roles:
        keys += CADRE_QUEUES
    if Role.AUDITOR in roles:
        keys += AUDITOR_QUEUES
    return [QUEUES[key] for key in dict.fromkeys(keys)]


def pick_queue(queues: list[Queue], key: str | None) -> Queue | None:
    """The asked-for tab when the user has it, else their first one (None for a user without tabs)."""
    for queue in queues:
        if queue.key == key:
            return queue
    return queues[0] if queues else None


def _acting_units_q(user, roles, field: str = "unit") -> Q:
    """The units the user acts for, as cases.services.base.acts_for_unit decides: a handler or head their
    own unit, a head also every unit below theirs."""
    if _is_head(user, roles):
        return Q(**{f"{field}__path__startswith": user.unit.path})
    return Q(**{f"{field}_id": user.unit_id})


def _assignments_of_my_units(user, roles, *states: str) -> Q:
    held = Assignment.objects.filter(_acting_units_q(user, roles), state__in=states).values("case_id")
    return Q(pk__in=held)


def _live_for_my_units(user, roles) -> Q:
    return _assignments_of_my_units(user, roles, Assignment.State.PENDING, Assignment.State.ACCEPTED)


def queue_q(user, key: str, thresholds: Thresholds) -> Q:
    """The condition of one tab, on top of the user's scope. The key must be one of queues_for(user)."""
    roles = _roles(user)
    handling = Q(state__in=Case.HANDLING_STATES)
    if key == "new":
        return Q(state=State.SUBMITTED)
    if key == "returned":
        return Q(state=State.RETURNED)
    if key == "overdue":
        overdue = level_q(Level.OVERDUE, thresholds)
        if Role.OFFICE in roles:
            return overdue
        return overdue & _live_for_my_units(user, roles)
    if key == "extensions":
        return Q(pk__in=ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING).values("case_id"))
    if key == "listed":
        return Q(listed_at__isnull=False)
    if key == "to_accept":
        return handling & _assignments_of_my_units(user, roles, Assignment.State.PENDING)
    if key == "in_progress":
        return handling & _assignments_of_my_units(user, roles, Assignment.State.ACCEPTED)
    if key == "due_soon":
        # Due today or within one working day (the yellow warning), as the unit sees its work.
        return thresholds.due_soon_q() & ~Q(state=State.WAITING) & _live_for_my_units(user, roles)
    if key == "to_approve":
        # Replies a head approves: those of their unit and of the units below it (heads_unit).
        pending = CaseReply.objects.filter(
            status=CaseReply.Status.PENDING, unit__path__startswith=user.unit.path
        ).values("case_id")
        return Q(pk__in=pending)
    if key == "mine":
        return Q(enterprise_id=user.enterprise_id)
    if key == "linked":
        return Q(enterprise_id__in=linked_enterprise_ids(user))
    return Q()  # "all": everything in scope


@dataclass(frozen=True)
class QueueCount:
    key: str
    label: str
    count: int


def queue_counts(user, *, thresholds: Thresholds | None = None) -> list[QueueCount]:
    """Each of the user's tabs with the number of cases in it: one aggregate query for all of them (none for
    a user whose scope reaches no case). Also what the home page shows."""
    queues = queues_for(user)
    if not queues:
        return []
    thresholds = thresholds or Thresholds.at()
    aggregates = {}
    for queue in queues:
        condition = queue_q(user, queue.key, thresholds)
        aggregates[queue.key] = Count("pk", filter=condition) if condition else Count("pk")
    counts = scoped(user, Case.objects.all()).order_by().aggregate(**aggregates)
    return [QueueCount(queue.key, queue.label, counts.get(queue.key) or 0) for queue in queues]


# Deadline levels as conditions -----------------------------------------------------------------------------

LEVEL_CHOICES = [
    (Level.OVERDUE, Level.LABELS[Level.OVERDUE]),
    (Level.DUE_TODAY, Level.LABELS[Level.DUE_TODAY]),
    (Level.DUE_SOON, Level.LABELS[Level.DUE_SOON]),
    (Level.ON_TIME, Level.LABELS[Level.ON_TIME]),
    (Level.PAUSED, Level.LABELS[Level.PAUSED]),
]


def level_q(level: str, thresholds: Thresholds) -> Q:
    """The cases whose deadline badge (Thresholds.level) shows `level`, as a database condition: the same
    boundaries, so a filtered list and its badges always agree."""
    t = thresholds
    running = Q(state__in=Case.HANDLING_STATES, due_at__isnull=False)
    ticking = running & Q(paused_since=None) & ~Q(state=State.WAITING)
    if level == Level.OVERDUE:
        return ticking & Q(due_at__lt=t.now)
    if level == Level.DUE_TODAY:
        return ticking & Q(due_at__gte=t.now, due_at__lt=t.end_of_today)
    if level == Level.DUE_SOON:
        return ticking & Q(due_at__gte=t.end_of_today, due_at__lte=t.soon)
    if level == Level.ON_TIME:
        return ticking & Q(due_at__gt=t.soon)
    if level == Level.PAUSED:
        return running & (~Q(paused_since=None) | Q(state=State.WAITING))
    return Q()


# The list ---------------------------------------------------------------------------------------------------

SORTS = {
    "-submitted": (F("submitted_at").desc(), F("pk").desc()),
    "submitted": (F("submitted_at").asc(), F("pk").asc()),
    # Soonest deadline first; cases without a running deadline last.
    "due": (F("due_at").asc(nulls_last=True), F("pk").asc()),
    "-due": (F("due_at").desc(nulls_last=True), F("pk").desc()),
    "number": (F("number").asc(),),
    "-number": (F("number").desc(),),
}
DEFAULT_SORT = "-submitted"
SORT_CHOICES = [
    ("-submitted", _("newest first")),
    ("submitted", _("oldest first")),
    ("due", _("deadline, soonest first")),
    ("-due", _("deadline, latest first")),
    ("number", _("number, ascending")),
    ("-number", _("number, descending")),
]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# The outcome filter: one of the reply's outcomes, or "answered" (solved or explained: what the resolution
# rate counts, DESIGN.md §4).
OUTCOME_FILTERS = {
    "answered": (Case.Outcome.SOLVED, Case.Outcome.EXPLAINED),
    **{value: (value,) for value in Case.Outcome.values},
}
OUTCOME_CHOICES = [
    ("answered", _("solved or explained")),
    *Case.Outcome.choices,
]


def case_filter(
    *,
    user,
    queue: str = "",
    thresholds: Thresholds | None = None,
    state: str = "",
    category_id: int | None = None,
    channel: str = "",
    urgency: str = "",
    lead_unit_id: int | None = None,
    region_id: int | None = None,
    enterprise_id: int | None = None,
    submitted_from: dt.date | None = None,
    submitted_to: dt.date | None = None,
    level: str = "",
    listed: bool | None = None,
    outcome: str = "",
    search: str = "",
) -> QuerySet[Case]:
    """The cases `user` sees in tab `queue` (their first tab when they do not have it), narrowed by the
    filters. Dates are whole local days, both ends included; lead unit and region include the units and
    regions below them."""
    cases = scoped(user, Case.objects.all())
    current = pick_queue(queues_for(user), queue)
    if current is None:
        return cases.none()
    thresholds = thresholds or Thresholds.at()
    condition = queue_q(user, current.key, thresholds)
    if condition:
        cases = cases.filter(condition)
    if state:
        cases = cases.filter(state=state)
    if category_id:
        cases = cases.filter(category_id=category_id)
    if channel:
        cases = cases.filter(channel=channel)
    if urgency:
        cases = cases.filter(urgency=urgency)
    if lead_unit_id:
        unit_path = Unit.objects.filter(pk=lead_unit_id).values("path")[:1]
        cases = cases.filter(lead_unit__path__startswith=Subquery(unit_path))
    if region_id:
        region_path = Region.objects.filter(pk=region_id).values("path")[:1]
        cases = cases.filter(enterprise__region__path__startswith=Subquery(region_path))
    if enterprise_id:
        cases = cases.filter(enterprise_id=enterprise_id)
    if submitted_from:
        cases = cases.filter(submitted_at__gte=_day_start(submitted_from))
    if submitted_to:
        cases = cases.filter(submitted_at__lt=_day_start(submitted_to + dt.timedelta(days=1)))
    if level:
        cases = cases.filter(level_q(level, thresholds))
    if listed is not None:
        cases = cases.filter(listed_at__isnull=not listed)
    if outcome:
        cases = cases.filter(outcome__in=OUTCOME_FILTERS[outcome])
    if search:
        cases = cases.filter(
            Q(number__icontains=search)
            | Q(enterprise__name__icontains=search)
            | Q(enterprise__credit_code__istartswith=search)
            | Q(title__icontains=search)
            | Q(description__icontains=search)
        )
    return cases


def case_list(*, sort: str = DEFAULT_SORT, **filters) -> QuerySet[Case]:
    """The page's and the API's rows: filtered, sorted, with what a row shows (CaseOut's relations) in the
    same query."""
    return (
        case_filter(**filters)
        .select_related("enterprise", "category", "lead_unit")
        .order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    )


def case_ledger(**filters) -> QuerySet[Case]:
    """The ledger (台账) export's rows: the list plus each case's live assignments (for the co-handling and
    locality units), prefetched, so the export costs the same queries for any number of cases."""
    live = (
        Assignment.objects.filter(state__in=(Assignment.State.PENDING, Assignment.State.ACCEPTED))
        .select_related("unit")
        .order_by("pk")
    )
    return (
        case_list(**filters)
        .select_related("enterprise__region")
        .prefetch_related(Prefetch("assignments", queryset=live, to_attr="live_assignments"))
    )


def units_of(case: Case, role: str) -> list[Unit]:
    """The units holding a live assignment of `role` on a case from case_ledger()."""
    return [a.unit for a in getattr(case, "live_assignments", []) if a.role == role]


# What the enterprise is expected to do -------------------------------------------------------------------

EXPECT_RATE = "rate"
EXPECT_MATERIAL = "supply_material"
EXPECTED_LABELS = {EXPECT_RATE: _("rate the outcome"), EXPECT_MATERIAL: _("supply material")}


def expected_of_enterprise(case: Case) -> str:
    """What the case waits for from its enterprise: rating a resolved case, supplying material asked for,
    or nothing (''). The same conditions as the rate and resume actions (cases.selectors.detail)."""
    if case.state == State.RESOLVED and not case.rating:
        return EXPECT_RATE
    if case.state == State.WAITING:
        return EXPECT_MATERIAL
    return ""


# Filter choices ------------------------------------------------------------------------------------------


def unit_options() -> QuerySet[Unit]:
    """Units to filter the lead unit by: every active unit, in tree order (short at any scale)."""
    return Unit.objects.filter(is_active=True).order_by("path").only("pk", "name", "path", "depth")


def region_options() -> QuerySet[Region]:
    """Regions to filter by, down to townships: a village is found through its township."""
    return (
        Region.objects.exclude(level=Region.Level.VILLAGE).order_by("path").only("pk", "name", "code", "path", "depth")
    )
