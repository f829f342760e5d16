"""Demo cases (issue 4, DESIGN.md §8): 24 months of problems (诉求) of the demo enterprises, in every state and
through every channel, each with a complete, hash-chained trail that tells the same story as its fields.

Runs after enterprises.demo.build. How a case is made:

1. A seed: when it came in, from which enterprise, through which channel (a problem a cadre found on a
   visit becomes a visit case of that day). Enterprises with a linkage (包联), key and above-scale ones
   bring more problems.
2. A script: the steps of its life, each at a moment in office hours: the office assigns it to a lead unit
   (by category: 融资 → 金融办, 用电 → 供电公司, …), maybe co-units and the township as locality; the units
   accept it (or the lead returns it and the office reassigns), note progress, wait for the enterprise's
   material, ask for an extension, draft a reply the unit head approves; the enterprise rates it (or the
   office calls back), 不满意 may reopen it. Some are listed for supervision, some get the office's
   supervision notice, some are rejected, some merged into a common issue. Steps later than now are not
   taken yet: that is what leaves recent cases open.
3. A run: the steps are applied in time order, and between them the deadline scan does what it does every
   15 minutes (reminder, supervision notice and escalation when overdue, the automatic close of unrated
   cases), so the trail holds the scan's events too.

The run has two backends with the same interface. The bulk backend mirrors each service function on rows
held in memory (the state, the fields, the event and its payload, the deadline refresh via
cases.deadlines.compute) and inserts them in chunks; going through the services for each of 20,000 cases
would take many minutes. The recent cases of the enterprises the demo logins share (the `enterprise`
login's own among them) go through the real services instead, with the clock set to each step's moment,
so that those logins also get their notifications, and so that the two backends can be compared (the
tests do).

The working-day arithmetic of the deadlines is the bulk of the work: while the step runs, core.workdays
answers from a calendar table computed once (WorkCalendar, exact on the same days), see fast_workdays().
"""

from __future__ import annotations

import bisect
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import DateTimeField, JSONField, Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from accounts.demo import BATCH, DemoContext, Jurisdiction, Scale
from accounts.models import Region, Role, Unit, User, UserRole
from cases import deadlines
from cases import demo_texts as texts
from cases.models import (
    Assignment,
    Callback,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseNumber,
    CaseReply,
    CommonIssue,
    ExtensionRequest,
    Supervision,
)
from chains.schedule import first_monday
from core import workdays
from core.models import Notification
from enterprises.models import Enterprise, Linkage, VisitProblem

State = Case.State
Kind = CaseEvent.Kind
Channel = Case.Channel
ONE_DAY = timedelta(days=1)

# DESIGN.md §8: county 20,000 cases, city 100,000, province 2,000,000, as cases per enterprise of the scale
# (the Scale has no figure of its own for cases), so that a smaller test county gets proportionally fewer.
CASES_PER_ENTERPRISE = {"county": 4.0, "city": 2.5, "province": 4.0}
MONTHS = 24
CHUNK = 2_000  # cases held in memory before they are inserted
SCAN_EVERY = timedelta(minutes=15)  # the scan's beat (settings.CELERY_BEAT_SCHEDULE["scan-cases"])
AUTO_CLOSE_DAYS = 7  # cases.services.review.AUTO_CLOSE_WORKING_DAYS
AUTO_REPLY_DAYS = 2  # cases.services.supervision.DEFAULT_REPLY_DAYS, for the scan's notices
# Cases that go through the real services: those of the last months of the enterprises the demo logins
# share, at most one in 250 cases and this many (a service call costs about as much as building fifty
# cases in bulk), and the `enterprise` login's cases held at a point of their life.
MAX_SERVICE_CASES = 80
SERVICE_WINDOW = timedelta(days=120)


def case_count(scale: Scale) -> int:
    explicit = getattr(scale, "cases", None)
    if explicit is not None:
        return int(explicit)
    return round(CASES_PER_ENTERPRISE.get(scale.name, 4.0) * scale.enterprises)


# --- The calendar ------------------------------------------------------------------------------------------


class WorkCalendar:
    """core.workdays' arithmetic on a table of the days from `first` to `last`, computed once from
    workdays.is_workday (the office's entered days, the package, weekends): the same answers, in
    microseconds instead of a day-by-day walk. Moments outside the table go to core.workdays itself.

    W(m), the working time from the table's start to moment m, is what everything reads: the working time
    between two moments is the difference of their W, and adding working time to a moment is finding the
    first moment whose W is that much larger."""

    def __init__(self, first: date, last: date):
        entered = workdays.overrides()
        self.zone = workdays.local_zone()
        self.first, self.last = first, last
        self.workdays: list[date] = []
        self.before: dict[date, int] = {}  # date → working days before it in the table
        self.working: dict[date, bool] = {}
        day = first
        while day <= last:
            self.before[day] = len(self.workdays)
            self.working[day] = workdays.is_workday(day, entered)
            if self.working[day]:
                self.workdays.append(day)
            day += ONE_DAY
        self.origin = self._start(first)
        self.end = self._start(last + ONE_DAY)
        self._add, self._between = workdays.add_working_time, workdays.working_time_between

    def _start(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.zone)

    def covers(self, moment: datetime) -> bool:
        return self.origin <= moment < self.end

    def is_workday(self, day: date) -> bool:
        return self.working[day] if day in self.working else workdays.is_workday(day)

    def w(self, moment: datetime) -> timedelta:
        local = moment.astimezone(self.zone)
        day = local.date()
        passed = timedelta(days=self.before[day])
        if self.working[day]:
            passed += local - self._start(day)
        return passed

    def at(self, w: timedelta) -> datetime | None:
        """The first moment whose W is `w`; None past the table."""
        whole, rest = divmod(w, ONE_DAY)
        if rest:
            if whole >= len(self.workdays):
                return None
            return self._start(self.workdays[whole]) + rest
        if whole == 0:
            return self.origin
        if whole > len(self.workdays):
            return None
        return self._start(self.workdays[whole - 1]) + ONE_DAY

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """workdays.add_working_time."""
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if timezone.is_naive(start):
            raise ValueError("working-day arithmetic needs an aware datetime")
        if self.covers(start):
            if not duration:
                local = start.astimezone(self.zone)
                if self.working[local.date()]:
                    return local
                index = bisect.bisect_right(self.workdays, local.date())
                if index < len(self.workdays):
                    return self._start(self.workdays[index])
            else:
                result = self.at(self.w(start) + duration)
                if result is not None:
                    return result
        return self._add(start, duration)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """workdays.working_time_between."""
        if timezone.is_naive(start) or timezone.is_naive(end):
            raise ValueError("working-day arithmetic needs an aware datetime")
        if self.covers(start) and self.covers(end):
            return self.w(end) - self.w(start)
        return self._between(start, end)

    def add_days(self, start: datetime, days: float) -> datetime:
        return self.add(start, timedelta(days=days))


@contextmanager
def fast_workdays(calendar: WorkCalendar) -> Iterator[None]:
    """While the demo builds, core.workdays answers from `calendar`: cases.deadlines.compute, the services
    and the scan then run their own code on the table's arithmetic. Restored on the way out."""
    saved = workdays.add_working_time, workdays.working_time_between
    workdays.add_working_time, workdays.working_time_between = calendar.add, calendar.between
    try:
        yield
    finally:
        workdays.add_working_time, workdays.working_time_between = saved


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """The services read the time from timezone.now(); a scripted step happens at its own moment."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def tick_after(moment: datetime, *, strictly: bool) -> datetime:
    """The scan's next beat at (or strictly after) `moment`."""
    step = int(SCAN_EVERY.total_seconds())
    epoch = int(moment.timestamp())
    beat = (epoch // step) * step
    if beat < moment.timestamp() or (strictly and beat == moment.timestamp()):
        beat += step
    return datetime.fromtimestamp(beat, UTC)


# --- Who and what the demo works with ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    pk: int
    name: str
    unit: Unit | None

    def __str__(self):
        return self.name


@dataclass(slots=True, eq=False)
class Firm:
    pk: int
    name: str
    contact_name: str
    contact_phone: str
    county: Jurisdiction
    township: Region  # the territory it lies in: a township, a street or a park
    township_unit: Unit | None  # that territory's government or park committee
    park_name: str
    park_unit: Unit | None
    weight: float
    key: bool
    above: bool
    user: Person | None = None
    last_case: tuple | None = None  # (submitted_at, number, title, description, category code)


@dataclass
class World:
    """Everything the scripts choose from, loaded once."""

    now: datetime
    calendar: WorkCalendar
    categories: dict[str, CaseCategory]
    limits: dict[tuple[int, str], deadlines.Limits]
    firms: list[Firm]
    firm_by_pk: dict[int, Firm]
    heads: dict[int, Person]
    handlers: dict[int, list[Person]]
    offices: dict[int, list[Person]]  # id(county) → office staff
    people: dict[int, Person]
    linkages: dict[tuple[int, int], tuple[int | None, list[int]]]  # (enterprise, year) → (leader, cadres)
    cadres_by_unit: dict[int, list[Person]]
    county_cadres: dict[int, list[Person]]  # id(county) → its cadres
    units: dict[int, Unit] = field(default_factory=dict)
    category_names: dict[int, str] = field(default_factory=dict)
    all_heads: dict[int, list[int]] = field(default_factory=dict)  # unit → its heads' ids, by user name
    head_units: dict[int, Unit] = field(default_factory=dict)  # a head's id → the unit they head
    featured: set[int] = field(default_factory=set)  # enterprises whose cases go through the services
    login_firm: int | None = None  # the `enterprise` login's enterprise
    demo_county: Jurisdiction | None = None
    users: dict[int, User] = field(default_factory=dict)  # loaded for the services
    api_serial: int = 0

    def heads_unit(self, actor: Person, unit: Unit) -> bool:
        """cases.services.base.heads_unit: a head acts for their unit and the units below it."""
        own = self.head_units.get(actor.pk)
        return own is not None and unit.path.startswith(own.path)

    def office_actor(self, rng: random.Random, firm: Firm) -> Person:
        return rng.choices(self.offices[id(firm.county)], weights=(3, 2, 2, 3)[: len(self.offices[id(firm.county)])])[0]

    def handler(self, rng: random.Random, unit: Unit) -> Person:
        people = self.handlers.get(unit.pk)
        return rng.choice(people) if people else self.heads[unit.pk]

    def head(self, unit: Unit) -> Person:
        return self.heads.get(unit.pk) or self.handlers[unit.pk][0]

    def leader_of(self, firm: Firm, year: int) -> int | None:
        link = self.linkages.get((firm.pk, year))
        return link[0] if link else None


def _person(user_id: int, name: str, unit: Unit | None) -> Person:
    return Person(user_id, name[:60], unit)


def load_world(ctx: DemoContext, now: datetime) -> World:
    org = ctx.org
    if org is None:
        raise RuntimeError("The cases demo step needs the organisation of the accounts step (run `manage.py demo`).")
    first = (now - timedelta(days=MONTHS * 31 + 40)).astimezone(workdays.local_zone()).date()
    calendar = WorkCalendar(first, now.astimezone(workdays.local_zone()).date() + timedelta(days=400))
    categories = {c.code: c for c in CaseCategory.objects.filter(is_active=True)}
    limits = {
        (category.pk, urgency): deadlines.limits_for(category.pk, urgency)
        for category in categories.values()
        for urgency in ("normal", "urgent", "complex")
    }
    units = {unit.pk: unit for unit in org.units}

    people: dict[int, Person] = {}
    heads: dict[int, Person] = {}
    handlers: dict[int, list[Person]] = defaultdict(list)
    office_staff: dict[int, list[Person]] = defaultdict(list)
    cadres: dict[int, Person] = {}
    enterprise_users: dict[int, Person] = {}
    all_heads: dict[int, list[int]] = defaultdict(list)
    head_units: dict[int, Unit] = {}
    grants = (
        UserRole.objects.filter(user__is_active=True)
        .values_list("role", "user_id", "user__full_name", "user__username", "user__unit_id", "user__enterprise_id")
        .order_by("user__username", "role")
    )
    for role, user_id, full_name, username, unit_id, enterprise_id in grants:
        person = people.get(user_id) or _person(user_id, full_name or username, units.get(unit_id))
        people[user_id] = person
        if role == Role.UNIT_HEAD and unit_id in units:
            heads.setdefault(unit_id, person)
            all_heads[unit_id].append(user_id)
            head_units[user_id] = units[unit_id]
        elif role == Role.UNIT_HANDLER and unit_id in units:
            handlers[unit_id].append(person)
        elif role == Role.OFFICE and unit_id in units:
            office_staff[unit_id].append(person)
        elif role == Role.CADRE:
            cadres[user_id] = person
        elif role == Role.ENTERPRISE and enterprise_id:
            enterprise_users.setdefault(enterprise_id, person)

    offices = {}
    county_cadres = {}
    cadres_by_unit: dict[int, list[Person]] = {}
    territory: dict[int, tuple[Jurisdiction, Region, Unit]] = {}
    parks: dict[int, tuple[str, Unit]] = {}
    for county in org.counties:
        # The admin superuser sits in the root office too; the generated staff are who dispatch.
        staff = [p for p in office_staff[county.office.pk] if p.pk != getattr(ctx.logins.get("admin"), "pk", None)]
        if not staff:
            staff = [p for j in org.jurisdictions for p in office_staff[j.office.pk]]
        offices[id(county)] = staff
        county_cadres[id(county)] = [people[c.pk] for c in county.cadres if c.pk in people]
        for members in county.cadres_by_unit.values():
            for cadre in members:
                if cadre.pk in people and cadre.unit_id:
                    cadres_by_unit.setdefault(cadre.unit_id, []).append(people[cadre.pk])
        # An enterprise lies in a township, a street or a park; that territory's unit is its locality (属地).
        for place in (*county.townships, *county.parks):
            territory[place.pk] = (county, place, county.territory_unit(place))
        for park in county.parks:
            parks[park.pk] = (park.name, county.territory_unit(park))

    year = now.astimezone(workdays.local_zone()).year
    linkages: dict[tuple[int, int], tuple[int | None, list[int]]] = {}
    linked_now: set[int] = set()
    through = Linkage.cadres.through
    cadres_of: dict[int, list[int]] = defaultdict(list)
    for linkage_id, user_id in through.objects.values_list("linkage_id", "user_id").order_by("linkage_id", "user_id"):
        cadres_of[linkage_id].append(user_id)
    for pk, enterprise_id, link_year, leader_id in Linkage.objects.values_list(
        "pk", "enterprise_id", "year", "leader_id"
    ):
        linkages[(enterprise_id, link_year)] = (leader_id, cadres_of.get(pk, []))
        if link_year == year:
            linked_now.add(enterprise_id)

    firms: list[Firm] = []
    rows = Enterprise.objects.values_list(
        "pk", "name", "contact_name", "contact_phone", "region_id", "park_id", "is_key", "above_scale"
    ).order_by("pk")
    for pk, name, contact_name, contact_phone, region_id, park_id, key, above in rows:
        place = territory.get(region_id)
        if place is None:
            continue  # an enterprise outside the demo's townships (none are made)
        county, township, township_unit = place
        park_name, park_unit = parks.get(park_id, ("", None))
        weight = 1.0 + 3.0 * (pk in linked_now) + 2.0 * key + 1.0 * above
        firms.append(
            Firm(
                pk=pk,
                name=name,
                contact_name=contact_name,
                contact_phone=contact_phone,
                county=county,
                township=township,
                township_unit=township_unit,
                park_name=park_name,
                park_unit=park_unit,
                weight=weight,
                key=key,
                above=above,
                user=enterprise_users.get(pk),
            )
        )
    world = World(
        now=now,
        calendar=calendar,
        categories=categories,
        limits=limits,
        firms=firms,
        firm_by_pk={f.pk: f for f in firms},
        heads=heads,
        handlers=dict(handlers),
        offices=offices,
        people=people,
        linkages=linkages,
        cadres_by_unit=cadres_by_unit,
        county_cadres=county_cadres,
        units=units,
        category_names={c.pk: c.name for c in categories.values()},
        all_heads=dict(all_heads),
        head_units=head_units,
        demo_county=org.demo_county,
    )
    _featured(world, ctx, year)
    return world


def _featured(world: World, ctx: DemoContext, year: int) -> None:
    """The enterprises the demo `leader` and `cadre` logins share (enterprises.demo's featured linkages):
    their cases go through the services, so those logins, the `handler`, `unit_head` and `office` logins
    and the `enterprise` login (whose enterprise is the first of them) see cases made the real way."""
    leader, cadre = ctx.logins.get("leader"), ctx.logins.get("cadre")
    if leader is None or cadre is None:
        return
    for (enterprise_id, link_year), (leader_id, cadre_ids) in world.linkages.items():
        if link_year == year and leader_id == leader.pk and cadre.pk in cadre_ids:
            world.featured.add(enterprise_id)
    login = ctx.logins.get("enterprise")
    if login is not None and login.enterprise_id in world.firm_by_pk:
        world.login_firm = login.enterprise_id
        world.featured.add(login.enterprise_id)


# --- Scripts -------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Step:
    """One action of a case's life: the backend method `kind`, at its moment, with its arguments."""

    at: datetime
    kind: str
    args: dict


class Ref:
    """A payload value naming a row whose id is known only once the row is inserted."""

    __slots__ = ("row",)

    def __init__(self, row):
        self.row = row


class DemoError(RuntimeError):
    """A script asked for something the services would refuse: a bug of the generator."""


def _unit_ref(unit: Unit) -> dict:
    return {"id": unit.pk, "name": unit.name}


def _iso(moment: datetime) -> str:
    # As the scan writes it: the deadline as the database hands it back, in UTC.
    return moment.astimezone(UTC).isoformat()


class TrailEntry:
    """A CaseEvent row held in memory before it is inserted: the model's fields, and the model's own
    content() and compute_hash(), so the hash is the one CaseEvent computes (a model instance per event
    costs more than the rest of the event's work)."""

    __slots__ = (
        "case_id", "seq", "kind", "actor_id", "actor_name", "unit_id", "unit_name", "created_at", "payload",
        "prev_hash", "hash",
    )  # fmt: skip

    content = CaseEvent.content
    compute_hash = CaseEvent.compute_hash

    def __init__(self, kind: str, at: datetime, actor: Person | None, unit: Unit | None, payload: dict):
        self.case_id = self.seq = None
        self.kind, self.created_at, self.payload = kind, at, payload
        self.actor_id, self.actor_name = (actor.pk, actor.name) if actor else (None, "")
        self.unit_id, self.unit_name = (unit.pk, unit.name[:80]) if unit else (None, "")
        self.prev_hash = self.hash = ""


_event = TrailEntry


OVERDUE_NOTICE = "Case %(number)s is overdue since %(due)s. Resolve it or ask for an extension, and reply."


class BulkCase:
    """One case built in memory exactly as the service functions would write it: each method is the service
    of the same name (cases.services.*) without the database, checked against the same states."""

    def __init__(self, world: World, firm: Firm):
        self.world = world
        self.firm = firm
        self.case: Case | None = None
        self.events: list[TrailEntry] = []
        self.assignments: list[Assignment] = []
        self.replies: list[CaseReply] = []
        self.extensions: list[ExtensionRequest] = []
        self.supervisions: dict[str, tuple[Supervision, Unit]] = {}
        self.callbacks: dict[str, Callback] = {}
        self.all_callbacks: list[Callback] = []
        self.duplicate_of = None  # the original Case (or its id)
        self.issue: CommonIssue | None = None

    # What the services share

    def _add(self, kind, at, actor=None, unit=None, payload=None) -> None:
        self.events.append(_event(kind, at, actor, unit, payload or {}))

    def _require(self, *states: str) -> None:
        if self.case.state not in states:
            raise DemoError(f"{self.case.number} is {self.case.state}, the script wanted one of {states}")

    def _refresh(self) -> None:
        """cases.deadlines.refresh_deadlines on the events in memory."""
        case = self.case
        result = deadlines.compute(self.events)
        case.due_at, case.paused_since, case.extension_days = result.due_at, result.paused_since, result.extension_days
        pending = [a.accept_due_at for a in self.assignments if a.state == Assignment.State.PENDING and a.accept_due_at]
        case.accept_due_at = min(pending) if pending else None
        if case.resolved_at and case.due_at:
            case.resolved_on_time = case.resolved_at <= case.due_at

    def _live(self) -> list[Assignment]:
        return [a for a in self.assignments if a.state in (Assignment.State.PENDING, Assignment.State.ACCEPTED)]

    def _assignment(self, unit: Unit, *states: str, lead: bool = False) -> Assignment:
        states = states or (Assignment.State.PENDING, Assignment.State.ACCEPTED)
        for assignment in self.assignments:
            lead_ok = not lead or assignment.role == Assignment.Role.LEAD
            if assignment.unit_id == unit.pk and assignment.state in states and lead_ok:
                return assignment
        raise DemoError(f"{self.case.number}: {unit} holds no assignment in {states}")

    def _lead_unit(self) -> Unit:
        return self.world.units[self.case.lead_unit_id]

    # Intake and dispatch

    def submit(self, at, actor, channel, title, description, category, urgency, contact_name, contact_phone,
               external_ref, visit_problem_id, number, issue=None) -> None:  # fmt: skip
        firm = self.firm
        self.case = Case(
            number=number,
            year=at.astimezone(self.world.calendar.zone).year,
            enterprise_id=firm.pk,
            title=title,
            description=description,
            category_id=category.pk,
            urgency=urgency,
            channel=channel,
            external_ref=external_ref,
            visit_problem_id=visit_problem_id,
            contact_name=contact_name,
            contact_phone=contact_phone,
            submitted_by_id=actor.pk if actor else None,
            submitted_at=at,
            state=State.SUBMITTED,
        )
        self._add(
            Kind.SUBMITTED,
            at,
            actor,
            actor.unit if actor else None,
            {
                "channel": channel,
                "enterprise": firm.name,
                "title": title,
                "category": category.name,
                "urgency": urgency,
                "contact_name": contact_name,
                "external_ref": external_ref,
                "attachments": [],
            },
        )
        if issue is not None:
            self.case.common_issue = self.issue = issue
            self._add(Kind.MERGED, at, actor, None, {"common_issue": Ref(issue)})

    def merge(self, at, actor, issue) -> None:
        self._require(State.SUBMITTED, State.RETURNED)
        self.case.common_issue = self.issue = issue
        self._add(Kind.MERGED, at, actor, actor.unit, {"common_issue": Ref(issue), "title": issue.title})

    def assign(self, at, actor, lead, co, locality, note) -> None:
        self._require(State.SUBMITTED, State.RETURNED, State.ASSIGNED)
        case = self.case
        limits = self.world.limits[(case.category_id, case.urgency)]
        roles = ((Assignment.Role.LEAD, [lead]), (Assignment.Role.CO, co), (Assignment.Role.LOCALITY, locality))
        wanted = {(role, unit.pk) for role, units in roles for unit in units}
        kept = set()
        for assignment in self._live():
            key = (assignment.role, assignment.unit_id)
            if key in wanted:
                kept.add(key)
            else:
                assignment.state = Assignment.State.WITHDRAWN
        accept_due_at = deadlines.accept_due(at, limits.accept_days)
        for role, units in roles:
            for unit in units:
                if (role, unit.pk) not in kept:
                    self.assignments.append(
                        Assignment(
                            unit_id=unit.pk,
                            role=role,
                            state=Assignment.State.PENDING,
                            assigned_at=at,
                            assigned_by_id=actor.pk,
                            accept_due_at=accept_due_at,
                        )
                    )
        kind = Kind.ASSIGNED if case.first_assigned_at is None else Kind.REASSIGNED
        case.state, case.lead_unit_id = State.ASSIGNED, lead.pk
        case.first_assigned_at = case.first_assigned_at or at
        case.escalation_level, case.reminded_at = 0, None
        self._add(
            kind,
            at,
            actor,
            actor.unit,
            {
                "lead": _unit_ref(lead),
                "co": [_unit_ref(u) for u in co],
                "locality": [_unit_ref(u) for u in locality],
                "accept_days": limits.accept_days,
                "resolve_days": limits.resolve_days,
                "urgency": case.urgency,
                "category": self.world.category_names[case.category_id],
                "note": note,
            },
        )
        self._refresh()

    def reject(self, at, actor, reason, note, duplicate) -> None:
        self._require(State.SUBMITTED, State.RETURNED)
        for assignment in self._live():
            assignment.state = Assignment.State.WITHDRAWN
        case = self.case
        case.state, case.reject_reason, case.reject_note, case.closed_at = State.REJECTED, reason, note, at
        self.duplicate_of = duplicate.case if duplicate else None
        self._add(
            Kind.REJECTED,
            at,
            actor,
            actor.unit,
            {"reason": reason, "note": note, "duplicate_of": duplicate.number if duplicate else ""},
        )
        self._refresh()

    # Handling

    def accept(self, at, actor, unit) -> None:
        self._require(State.ASSIGNED, State.IN_PROGRESS, State.WAITING)
        assignment = self._assignment(unit, Assignment.State.PENDING)
        assignment.state, assignment.accepted_at, assignment.accepted_by_id = Assignment.State.ACCEPTED, at, actor.pk
        if assignment.role == Assignment.Role.LEAD and self.case.state == State.ASSIGNED:
            self.case.state = State.IN_PROGRESS
        on_time = bool(assignment.accept_due_at and at <= assignment.accept_due_at)
        self._add(Kind.ACCEPTED, at, actor, unit, {"role": assignment.role, "on_time": on_time})
        self._refresh()

    def return_(self, at, actor, unit, reason) -> None:
        self._require(State.ASSIGNED, State.IN_PROGRESS)
        case = self.case
        assignment = self._assignment(unit)
        if assignment.role == Assignment.Role.LEAD and case.state == State.IN_PROGRESS:
            raise DemoError(f"{case.number}: the lead accepted it and cannot return it")
        assignment.state, assignment.returned_at, assignment.return_reason = Assignment.State.RETURNED, at, reason
        if assignment.role == Assignment.Role.LEAD:
            case.state, case.return_count, case.lead_unit_id = State.RETURNED, case.return_count + 1, None
        self._add(Kind.RETURNED, at, actor, unit, {"role": assignment.role, "reason": reason})
        self._refresh()

    def progress(self, at, actor, unit, note) -> None:
        self._require(State.IN_PROGRESS, State.WAITING, State.ASSIGNED)
        self._add(Kind.PROGRESS, at, actor, unit, {"note": note, "attachments": []})

    def wait(self, at, actor, request) -> None:
        self._require(State.IN_PROGRESS)
        unit = self._lead_unit()
        self._assignment(unit, Assignment.State.ACCEPTED, lead=True)
        self.case.state = State.WAITING
        self._add(Kind.WAITING, at, actor, unit, {"request": request})
        self._refresh()

    def resume(self, at, actor, note, by_enterprise) -> None:
        self._require(State.WAITING)
        unit = None if by_enterprise else self._lead_unit()
        self.case.state = State.IN_PROGRESS
        self._add(Kind.RESUMED, at, actor, unit, {"note": note, "attachments": [], "by_enterprise": unit is None})
        self._refresh()

    def ext_request(self, at, actor, days, reason) -> None:
        self._require(State.IN_PROGRESS, State.WAITING)
        unit = self._lead_unit()
        if any(e.status == ExtensionRequest.Status.PENDING for e in self.extensions):
            raise DemoError(f"{self.case.number}: an extension is pending already")
        request = ExtensionRequest(unit_id=unit.pk, days=days, reason=reason, requested_by_id=actor.pk, requested_at=at)
        self.extensions.append(request)
        self._add(Kind.EXTENSION_REQUESTED, at, actor, unit, {"request": Ref(request), "days": days, "reason": reason})

    def ext_decide(self, at, actor, approve, note) -> None:
        request = next(e for e in self.extensions if e.status == ExtensionRequest.Status.PENDING)
        request.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REFUSED
        request.decided_by_id, request.decided_at, request.decision_note = actor.pk, at, note
        kind = Kind.EXTENSION_APPROVED if approve else Kind.EXTENSION_REFUSED
        self._add(kind, at, actor, actor.unit, {"request": Ref(request), "days": request.days, "note": note})
        self._refresh()
        if approve:
            self.case.reminded_at, self.case.escalation_level = None, 0

    def reply(self, at, actor, outcome, text) -> None:
        self._require(State.IN_PROGRESS)
        unit = self._lead_unit()
        if any(r.status == CaseReply.Status.PENDING for r in self.replies):
            raise DemoError(f"{self.case.number}: a reply is pending already")
        reply = CaseReply(unit_id=unit.pk, outcome=outcome, text=text, drafted_by_id=actor.pk, drafted_at=at)
        self.replies.append(reply)
        payload = {"reply": Ref(reply), "outcome": outcome, "text": text, "attachments": []}
        self._add(Kind.REPLY_DRAFTED, at, actor, unit, payload)
        if self.world.heads_unit(actor, unit):
            reply.status, reply.decided_by_id, reply.decided_at = CaseReply.Status.APPROVED, actor.pk, at
            self._resolve(reply, unit, actor, at)

    def _resolve(self, reply, unit, actor, at) -> None:
        case = self.case
        on_time = case.due_at is None or at <= case.due_at
        case.state, case.outcome, case.resolution = State.RESOLVED, reply.outcome, reply.text
        case.resolved_at, case.resolved_on_time = at, on_time
        case.rating, case.rating_comment, case.rated_at = "", "", None
        payload = {"reply": Ref(reply), "outcome": reply.outcome, "text": reply.text, "on_time": on_time}
        payload["attachments"] = []
        self._add(Kind.RESOLVED, at, actor, unit, payload)

    def reply_decide(self, at, actor, approve, note) -> None:
        reply = next(r for r in self.replies if r.status == CaseReply.Status.PENDING)
        self._require(State.IN_PROGRESS)
        unit = self.world.units[reply.unit_id]
        reply.decided_by_id, reply.decided_at, reply.decision_note = actor.pk, at, note
        if approve:
            reply.status = CaseReply.Status.APPROVED
            self._resolve(reply, unit, actor, at)
        else:
            reply.status = CaseReply.Status.SENT_BACK
            self._add(Kind.REPLY_SENT_BACK, at, actor, unit, {"reply": Ref(reply), "note": note})

    # Review

    def _close(self, actor, reason, at) -> None:
        self.case.state, self.case.closed_at = State.CLOSED, at
        self._add(Kind.CLOSED, at, actor, actor.unit if actor else None, {"reason": reason, "rating": self.case.rating})

    def _record_rating(self, at, actor, rating, comment, via) -> None:
        case = self.case
        case.rating, case.rating_comment, case.rated_at = rating, comment, at
        unit = actor.unit if via == "phone" else None
        self._add(Kind.RATED, at, actor, unit, {"rating": rating, "comment": comment, "via": via})
        if rating != Case.Rating.UNSATISFIED:
            self._close(actor, "rated", at)

    def rate(self, at, actor, rating, comment, reopen) -> None:
        self._require(State.RESOLVED)
        if self.case.rating:
            raise DemoError(f"{self.case.number} is rated already")
        self._record_rating(at, actor, rating, comment, "enterprise")
        if reopen:
            self._reopen(at, actor, comment, office=False)

    def _reopen(self, at, actor, reason, *, office) -> None:
        case = self.case
        if case.common_issue is not None:
            note = gettext("reopened on its own")
            self._add(Kind.UNMERGED, at, actor, actor.unit, {"common_issue": Ref(case.common_issue), "note": note})
            case.common_issue = None
        limits = self.world.limits[(case.category_id, case.urgency)]
        case.state, case.reopen_count, case.outcome = State.IN_PROGRESS, case.reopen_count + 1, ""
        case.resolved_at = case.resolved_on_time = None
        case.escalation_level, case.reminded_at = 0, None
        payload = {
            "reason": reason,
            "resolve_days": limits.resolve_days,
            "accept_days": limits.accept_days,
            "count": case.reopen_count,
        }
        self._add(Kind.REOPENED, at, actor, actor.unit if office else None, payload)
        self._refresh()

    def reopen(self, at, actor, reason) -> None:
        self._require(State.RESOLVED)
        self._reopen(at, actor, reason, office=True)

    def close(self, at, actor, note) -> None:
        self._require(State.RESOLVED)
        case = self.case
        if not case.rating:
            case.rating = Case.Rating.UNRATED
        case.state, case.closed_at = State.CLOSED, at
        self._add(Kind.CLOSED, at, actor, actor.unit, {"reason": "office", "note": note, "rating": case.rating})

    def callback(self, at, actor, reached, rating, comment, confirmed, key=None) -> None:
        self._require(State.RESOLVED, State.CLOSED)
        callback = self.callbacks[key] if key else None
        if callback is None:
            callback = Callback(planned_by_id=actor.pk, planned_at=at)
            self.all_callbacks.append(callback)
        callback.status = Callback.Status.DONE if reached else Callback.Status.UNREACHABLE
        callback.called_by_id, callback.called_at = actor.pk, at
        callback.rating = rating if reached else ""
        callback.confirmed = confirmed if reached else None
        callback.note = comment
        payload = {
            "callback": Ref(callback),
            "reached": reached,
            "rating": callback.rating,
            "confirmed": callback.confirmed,
            "spot_check": callback.spot_check,
            "note": comment,
        }
        self._add(Kind.CALLBACK, at, actor, actor.unit, payload)
        if reached and rating and self.case.state == State.RESOLVED and not self.case.rating:
            self._record_rating(at, actor, rating, comment, "phone")

    def spot_plan(self, at, actor, key) -> None:
        callback = Callback(spot_check=True, planned_by_id=actor.pk, planned_at=at)
        self.callbacks[key] = callback
        self.all_callbacks.append(callback)

    # Supervision

    def supervise(self, at, actor, unit, text, reply_days, key) -> None:
        self._require(State.ASSIGNED, State.IN_PROGRESS, State.WAITING, State.RESOLVED)
        self._assignment(unit)
        self._notice(key, at, unit, text, actor, reply_days, automatic=False)

    def _notice(self, key, at, unit, text, actor, reply_days, *, automatic) -> None:
        notice = Supervision(
            unit_id=unit.pk,
            text=text,
            issued_by_id=actor.pk if actor else None,
            issued_at=at,
            automatic=automatic,
            reply_due_at=workdays.add_working_days(at, reply_days),
        )
        self.supervisions[key] = (notice, unit)
        payload = {
            "supervision": Ref(notice),
            "to": _unit_ref(unit),
            "text": text,
            "reply_days": reply_days,
            "automatic": automatic,
        }
        self._add(Kind.SUPERVISED, at, actor, actor.unit if actor else None, payload)

    def sup_reply(self, at, actor, key, reply) -> None:
        notice, unit = self.supervisions[key]
        if notice.replied_at:
            raise DemoError("replied already")
        notice.reply, notice.replied_by_id, notice.replied_at = reply, actor.pk, at
        payload = {"supervision": Ref(notice), "reply": reply, "on_time": at <= notice.reply_due_at}
        self._add(Kind.SUPERVISION_REPLIED, at, actor, unit, payload)

    def list_(self, at, actor, note) -> None:
        self._require(State.SUBMITTED, State.ASSIGNED, State.IN_PROGRESS, State.WAITING, State.RESOLVED, State.RETURNED)
        if self.case.listed_at:
            raise DemoError("listed already")
        self.case.listed_by_id, self.case.listed_at = actor.pk, at
        self._add(Kind.LISTED, at, actor, actor.unit, {"note": note})

    # The scan

    def remind(self, tick) -> None:
        self.case.reminded_at = tick
        self._add(Kind.REMINDED, tick, payload={"due_at": _iso(self.case.due_at)})

    def escalate1(self, tick, key) -> None:
        case = self.case
        due = case.due_at.astimezone(self.world.calendar.zone).strftime("%Y-%m-%d %H:%M")
        text = gettext(OVERDUE_NOTICE) % {"number": case.number, "due": due}
        unit = self._lead_unit()
        self._notice(key, tick, unit, text, None, AUTO_REPLY_DAYS, automatic=True)
        case.escalation_level = 1
        heads = self.world.all_heads.get(unit.pk, [])
        self._add(Kind.ESCALATED, tick, payload={"level": 1, "to": heads, "due_at": _iso(case.due_at)})

    def escalate2(self, tick) -> None:
        case = self.case
        leader = self.world.leader_of(self.firm, tick.astimezone(self.world.calendar.zone).year)
        case.escalation_level = 2
        payload = {"level": 2, "to": [leader] if leader else [], "due_at": _iso(case.due_at)}
        self._add(Kind.ESCALATED, tick, payload=payload)

    def autoclose(self, tick) -> None:
        case = self.case
        if not case.rating:
            case.rating = Case.Rating.UNRATED
        case.state, case.closed_at = State.CLOSED, tick
        payload = {"reason": "auto", "rating": case.rating, "working_days": AUTO_CLOSE_DAYS}
        self._add(Kind.CLOSED, tick, payload=payload)


class ServiceCase:
    """The same interface as BulkCase, through the service functions, each at its step's moment."""

    def __init__(self, world: World, firm: Firm):
        self.world = world
        self.firm = firm
        self.case: Case | None = None
        self.supervisions: dict[str, int] = {}
        self.callbacks: dict[str, int] = {}

    def _user(self, person: Person | None) -> User | None:
        if person is None:
            return None
        user = self.world.users.get(person.pk)
        if user is None:
            user = self.world.users[person.pk] = User.objects.select_related("unit").get(pk=person.pk)
        return user

    def _reload(self) -> None:
        self.case = Case.objects.get(pk=self.case.pk)

    def submit(self, at, actor, channel, title, description, category, urgency, contact_name, contact_phone,
               external_ref, visit_problem_id, number, issue=None) -> None:  # fmt: skip
        from cases.services import intake

        if issue is not None:
            raise DemoError("common issues are built in bulk only")
        with clock(at):
            (self.case,) = intake.case_submit(
                actor=self._user(actor),
                enterprise_ids=[self.firm.pk],
                title=title,
                description=description,
                category_id=category.pk,
                channel=channel,
                urgency=urgency,
                contact_name=contact_name,
                contact_phone=contact_phone,
                external_ref=external_ref,
                visit_problem_id=visit_problem_id,
            )
        self._reload()

    def _do(self, at, function, **kwargs):
        with clock(at):
            result = function(**kwargs)
        self._reload()
        return result

    def assign(self, at, actor, lead, co, locality, note) -> None:
        from cases.services import dispatch

        self._do(
            at,
            dispatch.case_assign,
            actor=self._user(actor),
            case_id=self.case.pk,
            lead_unit_id=lead.pk,
            co_unit_ids=[u.pk for u in co],
            locality_unit_ids=[u.pk for u in locality],
            note=note,
        )

    def reject(self, at, actor, reason, note, duplicate) -> None:
        from cases.services import dispatch

        number = duplicate.number if duplicate else ""
        self._do(
            at,
            dispatch.case_reject,
            actor=self._user(actor),
            case_id=self.case.pk,
            reason=reason,
            note=note,
            duplicate_of_number=number,
        )

    def accept(self, at, actor, unit) -> None:
        from cases.services import handling

        self._do(at, handling.case_accept, actor=self._user(actor), case_id=self.case.pk)

    def return_(self, at, actor, unit, reason) -> None:
        from cases.services import handling

        self._do(at, handling.case_return, actor=self._user(actor), case_id=self.case.pk, reason=reason)

    def progress(self, at, actor, unit, note) -> None:
        from cases.services import handling

        self._do(at, handling.case_progress, actor=self._user(actor), case_id=self.case.pk, note=note)

    def wait(self, at, actor, request) -> None:
        from cases.services import handling

        self._do(at, handling.case_wait, actor=self._user(actor), case_id=self.case.pk, request=request)

    def resume(self, at, actor, note, by_enterprise) -> None:
        from cases.services import handling

        self._do(at, handling.case_resume, actor=self._user(actor), case_id=self.case.pk, note=note)

    def ext_request(self, at, actor, days, reason) -> None:
        from cases.services import handling

        self._do(
            at, handling.extension_request, actor=self._user(actor), case_id=self.case.pk, days=days, reason=reason
        )

    def ext_decide(self, at, actor, approve, note) -> None:
        from cases.services import handling

        pending = ExtensionRequest.objects.get(case_id=self.case.pk, status=ExtensionRequest.Status.PENDING)
        self._do(
            at, handling.extension_decide, actor=self._user(actor), extension_id=pending.pk, approve=approve, note=note
        )

    def reply(self, at, actor, outcome, text) -> None:
        from cases.services import handling

        self._do(at, handling.reply_draft, actor=self._user(actor), case_id=self.case.pk, outcome=outcome, text=text)

    def reply_decide(self, at, actor, approve, note) -> None:
        from cases.services import handling

        pending = CaseReply.objects.get(case_id=self.case.pk, status=CaseReply.Status.PENDING)
        self._do(at, handling.reply_decide, actor=self._user(actor), reply_id=pending.pk, approve=approve, note=note)

    def rate(self, at, actor, rating, comment, reopen) -> None:
        from cases.services import review

        self._do(
            at,
            review.case_rate,
            actor=self._user(actor),
            case_id=self.case.pk,
            rating=rating,
            comment=comment,
            reopen=reopen,
        )

    def reopen(self, at, actor, reason) -> None:
        from cases.services import review

        self._do(at, review.case_reopen, actor=self._user(actor), case_id=self.case.pk, reason=reason)

    def close(self, at, actor, note) -> None:
        from cases.services import review

        self._do(at, review.case_close, actor=self._user(actor), case_id=self.case.pk, note=note)

    def callback(self, at, actor, reached, rating, comment, confirmed, key=None) -> None:
        from cases.services import review

        self._do(
            at,
            review.callback_record,
            actor=self._user(actor),
            case_id=self.case.pk,
            reached=reached,
            rating=rating,
            comment=comment,
            confirmed=confirmed,
            callback_id=self.callbacks.get(key) if key else None,
        )

    def spot_plan(self, at, actor, key) -> None:
        # What review.spot_check_sample writes for each case it draws (the demo chooses the cases itself).
        callback = Callback.objects.create(case=self.case, spot_check=True, planned_by=self._user(actor), planned_at=at)
        self.callbacks[key] = callback.pk

    def supervise(self, at, actor, unit, text, reply_days, key) -> None:
        from cases.services import supervision

        notice = self._do(
            at,
            supervision.case_supervise,
            actor=self._user(actor),
            case_id=self.case.pk,
            text=text,
            unit_id=unit.pk,
            reply_days=reply_days,
        )
        self.supervisions[key] = notice.pk

    def sup_reply(self, at, actor, key, reply) -> None:
        from cases.services import supervision

        self._do(
            at,
            supervision.supervision_reply,
            actor=self._user(actor),
            supervision_id=self.supervisions[key],
            reply=reply,
        )

    def list_(self, at, actor, note) -> None:
        from cases.services import supervision

        self._do(at, supervision.case_list, actor=self._user(actor), case_id=self.case.pk, note=note)

    # The scan's own per-case steps, at the beat the bulk backend computes for them.

    def _scan(self, tick, function, *args) -> None:
        from cases.deadlines import Thresholds

        with clock(tick):
            done = function(self.case.pk, Thresholds.at(tick), *args)
        if not done:
            raise DemoError(f"{self.case.number}: the scan did nothing at {tick} ({function.__name__})")
        self._reload()

    def remind(self, tick) -> None:
        from cases.services import scan

        self._scan(tick, scan._remind)

    def escalate1(self, tick, key) -> None:
        from cases.services import scan

        self._scan(tick, scan._escalate_to_head)
        self.supervisions[key] = (
            Supervision.objects.filter(case_id=self.case.pk, automatic=True)
            .order_by("-pk")
            .values_list("pk", flat=True)
        )[0]

    def escalate2(self, tick) -> None:
        from cases.services import scan

        self._scan(tick, scan._escalate_to_leader, timedelta(days=scan.leader_after_days()))

    def autoclose(self, tick) -> None:
        from cases.services import review

        with clock(tick):
            done = review.case_auto_close(case_id=self.case.pk, now=tick)
        if not done:
            raise DemoError(f"{self.case.number}: not closed automatically at {tick}")
        self._reload()


# --- Running a script ----------------------------------------------------------------------------------------


class Runner:
    """Applies a script's steps in time order up to now, and between them what the deadline scan does to the
    case at its 15-minute beats (cases.services.scan): the reminder a working day before the deadline, the
    supervision notice and escalation to the unit head once overdue, to the linked leader 3 working days
    later, and the close of a resolved case nobody rated within 7 working days. A unit answers some of the
    scan's notices; those replies are steps the runner adds as it goes."""

    def __init__(self, world: World, rng: random.Random, backend):
        self.world = world
        self.rng = rng
        self.backend = backend
        self.last_step: datetime | None = None
        self.last_scan: tuple[datetime, int] | None = None
        self.notices = 0
        self.leader_after = timedelta(days=_leader_after_days())

    def run(self, steps: list[Step]) -> None:
        pending = sorted(steps, key=lambda s: s.at)
        now = self.world.now
        index = 0
        while True:
            step = pending[index] if index < len(pending) and pending[index].at <= now else None
            action = self._next_scan()
            if action is not None and action[0] <= (step.at if step else now):
                self._scan(action, pending, index)
                continue
            if step is None:
                return
            getattr(self.backend, step.kind)(step.at, **step.args)
            self.last_step = step.at
            index += 1

    def _beat(self, moment: datetime, phase: int, *, strictly: bool = False) -> datetime:
        tick = tick_after(moment, strictly=strictly)
        if self.last_step is not None and tick <= self.last_step:
            tick = tick_after(self.last_step, strictly=True)
        if self.last_scan is not None:
            last_tick, last_phase = self.last_scan
            floor = last_tick if phase > last_phase else last_tick + SCAN_EVERY
            tick = max(tick, floor)
        return tick

    def _next_scan(self) -> tuple[datetime, int, str] | None:
        case = self.backend.case
        if case is None:
            return None
        calendar = self.world.calendar
        candidates = []
        if case.state in Case.HANDLING_STATES and case.paused_since is None and case.due_at is not None:
            due = case.due_at
            if case.reminded_at is None:
                # Due soon: due <= add_working_days(now, 1), i.e. W(now) >= W(due) - 1 day.
                start = calendar.at(calendar.w(due) - ONE_DAY) if calendar.covers(due) else due - ONE_DAY
                tick = self._beat(start or due, 0)
                if tick <= due:
                    candidates.append((tick, 0, "remind"))
            if case.escalation_level == 0 and case.lead_unit_id:
                candidates.append((self._beat(due, 1, strictly=True), 1, "escalate1"))
            elif case.escalation_level == 1:
                later = max(calendar.add(due, self.leader_after), due + timedelta(microseconds=1))
                candidates.append((self._beat(later, 2), 2, "escalate2"))
        if case.state == State.RESOLVED and case.rating in ("", Case.Rating.UNSATISFIED) and case.resolved_at:
            candidates.append((self._beat(calendar.add_days(case.resolved_at, AUTO_CLOSE_DAYS), 3), 3, "autoclose"))
        return min(candidates) if candidates else None

    def _scan(self, action, pending: list[Step], index: int) -> None:
        tick, phase, kind = action
        self.last_scan = (tick, phase)
        if kind == "escalate1":
            self.notices += 1
            key = f"auto{self.notices}"
            unit = self.world.units[self.backend.case.lead_unit_id]
            self.backend.escalate1(tick, key)
            if self.rng.random() < 0.6:
                # The unit answers the scan's notice, mostly within its two working days.
                at = office_time(self.world, self.rng, tick, self.rng.uniform(0.1, 2.5))
                reply = Step(at, "sup_reply", {"actor": self.world.handler(self.rng, unit), "key": key,
                                               "reply": self.rng.choice(texts.SUPERVISION_REPLIES)})  # fmt: skip
                bisect.insort(pending, reply, lo=index, key=lambda s: s.at)
        else:
            getattr(self.backend, kind)(tick)


def _leader_after_days() -> int:
    from cases.services.scan import leader_after_days

    return leader_after_days()


OFFICE_OPENS = time(8, 30)
OFFICE_CLOSES = time(17, 40)
LUNCH = (time(12, 0), time(14, 30))


def office_time(world: World, rng: random.Random, after: datetime, days: float) -> datetime:
    """A moment in office hours (08:30–12:00, 14:30–17:40 on working days), `days` working days after `after`
    at the earliest; never `after` itself."""
    calendar = world.calendar
    moment = calendar.add_days(after, days) if days > 0 else after
    moment = (moment + timedelta(minutes=rng.randint(2, 25))).astimezone(calendar.zone)
    day, clock_time = moment.date(), moment.time()
    if calendar.is_workday(day) and (OFFICE_OPENS <= clock_time < LUNCH[0] or LUNCH[1] <= clock_time < OFFICE_CLOSES):
        result = moment
    elif calendar.is_workday(day) and clock_time < OFFICE_OPENS:
        result = datetime.combine(day, OFFICE_OPENS, calendar.zone) + timedelta(minutes=rng.randint(0, 70))
    elif calendar.is_workday(day) and clock_time < LUNCH[1]:
        result = datetime.combine(day, LUNCH[1], calendar.zone) + timedelta(minutes=rng.randint(0, 50))
    else:
        day += ONE_DAY
        while not calendar.is_workday(day):
            day += ONE_DAY
        result = datetime.combine(day, OFFICE_OPENS, calendar.zone) + timedelta(minutes=rng.randint(0, 90))
    return result.replace(second=rng.randint(0, 59), microsecond=0)


def any_time(world: World, rng: random.Random, after: datetime, days: float) -> datetime:
    """A moment an entrepreneur acts at (07:30–22:30, any day), `days` working days after `after`."""
    calendar = world.calendar
    moment = calendar.add_days(after, days) if days > 0 else after
    moment = (moment + timedelta(minutes=rng.randint(3, 40))).astimezone(calendar.zone)
    if moment.time() < time(7, 30):
        moment = datetime.combine(moment.date(), time(7, 30), calendar.zone) + timedelta(minutes=rng.randint(0, 120))
    elif moment.time() > time(22, 30):
        moment = datetime.combine(moment.date() + ONE_DAY, time(8, 0), calendar.zone) + timedelta(
            minutes=rng.randint(0, 120)
        )
    return moment.replace(second=rng.randint(0, 59), microsecond=0)


# --- What happens to a case ---------------------------------------------------------------------------------

# category code → {unit code: weight}: who leads a case of the category. TOWN is the enterprise's township
# (or street) government, PARK its park committee, TASK one of the county's industry task forces.
LEADS: dict[str, dict[str, int]] = {
    "financing": {"JRB": 5, "RMYH": 2, "GXJ": 2, "GXJ-ZXQY": 1, "CZJ": 1},
    "labour": {"RSJ": 7, "GXJ": 1, "TOWN": 1},
    "electricity": {"GDGS": 8, "FGJ": 1},
    "land": {"ZRJ": 6, "ZJJ": 1, "TOWN": 2},
    "gas_water": {"FGJ": 3, "ZJJ": 3, "SLJ": 1},
    "logistics": {"JTJ": 5, "SWJ": 2, "FGJ": 1},
    "policy_delivery": {"SWU": 4, "CZJ": 3, "GXJ": 2, "GXJ-ZXQY": 1, "KJJ": 1, "RSJ": 1},
    "approvals": {"SPJ": 5, "ZJJ": 2, "SJJ": 2, "HBJ": 1, "FGJ": 1},
    "legal_disputes": {"SFJ": 4, "GXJ": 2, "SJJ": 1, "GAJ": 1, "TOWN": 1},
    "market": {"SWJ": 5, "GXJ": 2, "TASK": 1},
    "innovation": {"KJJ": 6, "GXJ": 2, "GXJ-JJYX": 1, "SJJ": 1, "TASK": 1},
    "infrastructure": {"TOWN": 4, "PARK": 3, "ZJJ": 3, "JTJ": 2, "CGJ": 1},
    "environment": {"HBJ": 7, "TOWN": 1},
    "other": {"GXJ": 2, "TOWN": 2, "GAJ": 1, "TJJ": 1, "YJJ": 1, "WLJ": 1},
}
CATEGORY_WEIGHTS = {
    "financing": 16,
    "labour": 12,
    "electricity": 6,
    "land": 8,
    "gas_water": 4,
    "logistics": 5,
    "policy_delivery": 12,
    "approvals": 9,
    "legal_disputes": 5,
    "market": 8,
    "innovation": 6,
    "infrastructure": 6,
    "environment": 5,
    "other": 5,
}
COMPLEX_SHARE = {"land": 0.35, "approvals": 0.25, "legal_disputes": 0.3, "infrastructure": 0.3, "environment": 0.25}
URGENT_SHARE = {"electricity": 0.2, "labour": 0.12, "financing": 0.12}
PRODUCT_WORDS = [
    ("机械", "机械零部件"), ("食品", "食品"), ("新材料", "新材料"), ("电子", "电子元器件"), ("纺织", "纺织品"),
    ("建材", "建材"), ("医药", "医药产品"), ("五金", "五金制品"), ("包装", "包装材料"), ("塑料", "塑料制品"),
    ("服饰", "服装"), ("矿业", "矿产品"), ("化工", "化工产品"), ("竹木", "竹木制品"), ("茶", "茶叶"),
    ("电气", "电气设备"), ("汽车", "汽车零部件"), ("环保", "环保设备"), ("生物", "生物制品"), ("家具", "家具"),
    ("印务", "印刷品"), ("智能装备", "智能装备"), ("光电", "光电产品"), ("陶瓷", "陶瓷"), ("打火机", "打火机"),
    ("油脂", "食用油"), ("粮油", "粮油"), ("中药材", "中药材"), ("再生资源", "再生材料"), ("农业", "农产品"),
]  # fmt: skip

REJECT_SHARE = 0.025
RETURN_SHARE = 0.06  # the lead unit sends it back before accepting; the office reassigns
PARTNER_RETURN_SHARE = 0.03
CO_SHARE = 0.25
LOCALITY_SHARE = 0.55
WAIT_SHARE = 0.08
LATE_SHARE = 0.05
STUCK_SHARE = 0.02  # of the cases of the last two months: far behind, overdue and escalated now
LIST_SHARE = 0.012
SUPERVISE_SHARE = 0.02
SENT_BACK_SHARE = 0.04
HEAD_REPLIES_SHARE = 0.25
SPOT_CHECK_SHARE = 0.03
OUTCOMES = (("solved", 0.89), ("explained", 0.103), ("not_solved", 0.007))
RATINGS = {
    "solved": (("satisfied", 0.92), ("basically_satisfied", 0.065), ("unsatisfied", 0.015)),
    "explained": (("satisfied", 0.65), ("basically_satisfied", 0.27), ("unsatisfied", 0.08)),
    "not_solved": (("satisfied", 0.10), ("basically_satisfied", 0.40), ("unsatisfied", 0.50)),
}
# Final states the most recent cases are held in, so that every queue has something at any scale.
FORCED_STATES = (
    "overdue",  # first: it needs one of the older cases of the month, and small scales have few
    "submitted",
    "assigned",
    "returned",
    "in_progress",
    "waiting",
    "pending_reply",
    "pending_extension",
    "resolved",
    "rejected",
)
LOGIN_FORCED = (("submitted", 0.15), ("in_progress", 2.5), ("waiting", 4.5), ("resolved", 3.2))


def _pick(rng: random.Random, weighted) -> str:
    roll, total = rng.random(), 0.0
    for value, share in weighted:
        total += share
        if roll < total:
            return value
    return weighted[-1][0]


@dataclass(slots=True, eq=False)
class IssuePlan:
    """A common problem (共性问题) of several enterprises of one township or park: filed at once by the
    office (intake) or one by one and merged by the office (merge). The handling steps are drawn once and
    shared by every member; each enterprise rates its own case."""

    seed: int
    category: str
    title: str
    description: str
    members: list[Firm]
    mode: str
    issue: CommonIssue | None = None
    merge_at: datetime | None = None
    shared: list[Step] | None = None
    resolved_at: datetime | None = None
    outcome: str = ""
    lead: Unit | None = None
    values: dict = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Seed:
    at: datetime
    firm: Firm
    channel: str
    submitter: Person | None = None
    visit_problem: tuple[int, str] | None = None  # (id, description)
    forced: str = ""
    issue: IssuePlan | None = None
    service: bool = False


@dataclass(slots=True)
class LastCase:
    at: datetime
    number: str
    title: str
    description: str
    category: str
    case: object  # the Case, or its id once inserted


# --- How a problem is worded ----------------------------------------------------------------------------

# Who writes a case's text, by channel: the enterprise itself, the 12345 hotline summing up a call, or the
# office or a cadre writing it down (every other channel).
WRITERS = {
    Channel.SELF_SERVICE: "enterprise",
    Channel.QR_CODE: "enterprise",
    Channel.HOTLINE: "hotline",
    Channel.API: "hotline",
}
# category → the categories whose problems an enterprise often raises together with it, or whose words its
# texts share (subsidies of loans and of policies, permits of land and of buildings, pipes and cables …).
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "financing": ("policy_delivery", "market", "legal_disputes"),
    "labour": ("policy_delivery", "other", "infrastructure"),
    "electricity": ("gas_water", "infrastructure", "policy_delivery"),
    "land": ("approvals", "infrastructure", "legal_disputes"),
    "gas_water": ("infrastructure", "electricity", "environment"),
    "logistics": ("market", "infrastructure"),
    "policy_delivery": ("financing", "innovation", "labour"),
    "approvals": ("land", "environment", "infrastructure"),
    "legal_disputes": ("financing", "market", "land"),
    "market": ("logistics", "financing", "legal_disputes"),
    "innovation": ("policy_delivery", "financing", "market"),
    "infrastructure": ("gas_water", "electricity", "logistics", "land"),
    "environment": ("approvals", "infrastructure", "gas_water"),
    "other": ("labour", "infrastructure", "legal_disputes"),
}
VAGUE_SHARE = 0.05  # texts that say little more than the title, or less
SECOND_ISSUE_SHARE = 0.16  # texts that raise a second problem, of another category
HOTLINE_SUMMARY_SHARE = {"hotline": 0.7, "enterprise": 0.03, "staff": 0.08}
# (category, index in texts.PROBLEMS[category]) → the unit that usually leads such a problem: its weight
# among the category's LEADS is multiplied by TEMPLATE_LEAD_BOOST, so that the lead follows the text in part.
TEMPLATE_LEAD_BOOST = 6
TEMPLATE_LEADS: dict[tuple[str, int], str] = {
    **{("financing", i): c for i, c in enumerate(
        ("JRB", "JRB", "CZJ", "RMYH", "CZJ", "JRB", "JRB", "", "RMYH", "GXJ-ZXQY", "CZJ", "JRB"))},
    **{("labour", i): c for i, c in enumerate(
        ("RSJ", "RSJ", "RSJ", "TOWN", "RSJ", "RSJ", "TOWN", "TOWN", "RSJ", "RSJ"))},
    **{("electricity", i): c for i, c in enumerate(
        ("GDGS", "GDGS", "GDGS", "FGJ", "GDGS", "FGJ", "GDGS", "GDGS", "FGJ"))},
    **{("land", i): c for i, c in enumerate(("ZRJ", "ZRJ", "ZRJ", "", "TOWN", "TOWN", "ZJJ", "TOWN"))},
    **{("gas_water", i): c for i, c in enumerate(("FGJ", "ZJJ", "ZJJ", "FGJ", "SLJ", "ZJJ", "ZJJ", "FGJ"))},
    **{("logistics", i): c for i, c in enumerate(("SWJ", "JTJ", "FGJ", "SWJ", "JTJ", "SWJ", "JTJ", "SWJ"))},
    **{("policy_delivery", i): c for i, c in enumerate(
        ("SWU", "GXJ", "GXJ-ZXQY", "SWU", "GXJ", "CZJ", "CZJ", "KJJ", "RSJ", "GXJ-ZXQY"))},
    **{("approvals", i): c for i, c in enumerate(
        ("SPJ", "ZJJ", "SJJ", "FGJ", "HBJ", "SJJ", "SPJ", "SPJ", "FGJ", "ZJJ"))},
    **{("legal_disputes", i): c for i, c in enumerate(
        ("SFJ", "SFJ", "SJJ", "GXJ", "GAJ", "GAJ", "SFJ", "SJJ", "TOWN"))},
    **{("market", i): c for i, c in enumerate(("SWJ", "TASK", "GXJ", "SWJ", "SWJ", "TASK", "GXJ", "SWJ", "GXJ"))},
    **{("innovation", i): c for i, c in enumerate(
        ("KJJ", "KJJ", "GXJ", "SJJ", "GXJ-JJYX", "KJJ", "GXJ-JJYX", "KJJ", "GXJ"))},
    **{("infrastructure", i): c for i, c in enumerate(
        ("PARK", "ZJJ", "CGJ", "TOWN", "JTJ", "", "TOWN", "PARK", "JTJ", "PARK"))},
    **{("environment", i): c for i, c in enumerate(("HBJ", "HBJ", "HBJ", "HBJ", "TOWN", "HBJ", "HBJ", "HBJ"))},
    **{("other", i): c for i, c in enumerate(("TOWN", "GAJ", "TJJ", "WLJ", "YJJ", "GXJ", "YJJ", "TOWN", "TJJ"))},
}  # fmt: skip
TITLE_LENGTH = 120  # Case.title's max_length
# The problems on the border of two categories (texts.BORDER_PROBLEMS, appended to both lists): title → the
# usual lead when filed under the first category and when filed under the second.
BORDER_LEADS: dict[str, tuple[str, str]] = {
    "技改贷款贴息资金未到位": ("CZJ", "CZJ"),
    "担保费补助和贴息迟迟落实不了": ("CZJ", "CZJ"),
    "专利质押贷款办不下来": ("JRB", "KJJ"),
    "研发投入奖补不知道找哪个部门": ("KJJ", "KJJ"),
    "社保补贴和扩岗补助没到账": ("RSJ", "RSJ"),
    "新建厂房用地和报建手续慢": ("ZRJ", "SPJ"),
    "环评批复慢影响项目开工": ("HBJ", "HBJ"),
    "项目用地场地平整和通路未完成": ("TOWN", "PARK"),
    "园区管网末端水压低": ("PARK", "ZJJ"),
    "园区配电线路老化经常跳闸": ("PARK", "GDGS"),
    "电价气价上涨用能成本高": ("FGJ", "FGJ"),
    "产品外销运费高没有竞争力": ("SWJ", "SWJ"),
    "产品保鲜期短运不出去": ("SWJ", "SWJ"),
    "货款被拖欠资金周转困难": ("GXJ", "JRB"),
    "村里要求提高场地租金": ("TOWN", "TOWN"),
    "生产废水管网没接通被要求整改": ("HBJ", "ZJJ"),
    "外地员工子女上学难住房难": ("TOWN", "TOWN"),
    "检查多标准不一整改无所适从": ("YJJ", "HBJ"),
    "新产品没有应用案例推广难": ("GXJ", "GXJ"),
    "进出道路限高货车进不来": ("JTJ", "TOWN"),
}
for (_first, _second), _title, _description in texts.BORDER_PROBLEMS:
    for _category, _lead in zip((_first, _second), BORDER_LEADS[_title], strict=True):
        TEMPLATE_LEADS[_category, texts.PROBLEMS[_category].index((_title, _description))] = _lead


def _topic(title: str) -> str:
    """A title in a few words, as it is put inside another sentence."""
    topic = title.rstrip("！!。")
    for head in ("企业", "希望"):
        if topic.startswith(head) and len(topic) > len(head) + 4:
            topic = topic[len(head) :]
    if topic.endswith("问题") and len(topic) > 6:
        topic = topic[:-2]
    return topic


def _split(description: str) -> tuple[str, str]:
    """What happened and what is asked for: a description mostly ends with “，希望……。”."""
    body = description.rstrip("。！ ")
    heads = dict(texts.REWORDS)["希望"]  # the request may have been reworded already
    cut, head = max((body.rfind(f"，{h}"), h) for h in heads)
    if cut <= 0:
        return body, ""
    return body[:cut], body[cut + 1 + len(head) :]


def _clauses(text: str, count: int) -> str:
    return "，".join(text.split("，")[:count])


def _loosen(noise: random.Random, text: str) -> str:
    """“希望科技部门上门指导” → “希望相关部门上门指导”: enterprises rarely know which department it is."""
    start = text.find("希望")
    end = text.find("部门", start) if start >= 0 else -1
    if start < 0 or not 4 <= end - start <= 6 or any(c in text[start:end] for c in "，。、和及"):
        return text
    return text[: start + 2] + noise.choice(texts.LOOSE_DEPARTMENTS) + text[end + 2 :]


def _other_problem(noise: random.Random, category: str, values: dict) -> tuple[str, str]:
    """The title and description of a problem of another category, mostly a neighbouring one."""
    if noise.random() < 0.7:
        other = noise.choice(NEIGHBOURS[category])
    else:
        other = noise.choice([c for c in CATEGORY_WEIGHTS if c != category])
    title, description = noise.choice(texts.PROBLEMS[other])
    return title.format(**values), description.format(**values)


def _reword(noise: random.Random, text: str) -> str:
    text = _loosen(noise, text) if noise.random() < 0.3 else text
    for word, others in texts.REWORDS:
        if word in text and noise.random() < 0.35:
            text = text.replace(word, noise.choice(others), 1)
    return text


def word_problem(noise: random.Random, writer: str, category: str, title: str, description: str, values: dict):
    """A problem's title and description as they reach the office: reworded, with a greeting or a plea, as a
    hotline summary, now and then vague or together with a problem of another category (raised in passing,
    or as one of two: then which of the two the office files it under is a matter of judgement)."""
    place = values["place"]
    topic = _topic(title)
    if noise.random() < VAGUE_SHARE:
        roll = noise.random()
        if roll < 0.35:
            return noise.choice(texts.VAGUE_TITLES), noise.choice(texts.VAGUE_BLANK_DESCRIPTIONS)
        if roll < 0.6:
            return title, noise.choice(texts.VAGUE_BLANK_DESCRIPTIONS)
        if roll < 0.85:
            return noise.choice(texts.VAGUE_TITLES), noise.choice(texts.VAGUE_DESCRIPTIONS).format(topic=topic)
        return topic, noise.choice(texts.VAGUE_DESCRIPTIONS).format(topic=topic)
    text = _reword(noise, description)
    passing, pair, other_topic = "", None, ""
    if noise.random() < SECOND_ISSUE_SHARE:
        other_title, other_description = _other_problem(noise, category, values)
        other_topic = _topic(other_title)
        if noise.random() < 0.4:
            situation, _appeal = _split(other_description)
            passing = other_topic if noise.random() < 0.4 else _clauses(situation.removeprefix("企业"), 2)
        else:
            pair = [text, _reword(noise, other_description)]
            if noise.random() < 0.45:
                pair.reverse()  # the problem it is filed under is not always the first one told
    if pair is not None:
        one, two = (p.rstrip("。").removeprefix("企业") for p in pair)
        form = texts.TWO_PROBLEMS["hotline" if writer == "hotline" else "other"]
        text = noise.choice(form).format(one=one, two=two, place=place)
        forms = texts.TITLE_FORMS[writer]
    elif noise.random() < HOTLINE_SUMMARY_SHARE[writer]:
        situation, appeal = _split(text)
        if noise.random() < 0.35:
            situation = _clauses(situation, noise.choice((1, 2)))
        if not appeal or noise.random() < 0.2:
            appeal = noise.choice(texts.HOTLINE_APPEALS)
        text = noise.choice(texts.HOTLINE_FORMS).format(
            situation=situation.removeprefix("企业"), appeal=appeal, place=place
        )
        if passing:
            text += f"来电人还反映，{passing}。"
        forms = texts.TITLE_FORMS["hotline"]
    else:
        if text.startswith("企业"):
            if writer == "enterprise" and noise.random() < 0.7:
                text = noise.choice(texts.SELF_NAMES) + text[2:]
            elif writer == "staff" and noise.random() < 0.3:
                text = noise.choice(texts.STAFF_NAMES) + text[2:]
        if passing:
            text += noise.choice(texts.SECOND_ISSUES).format(other=passing)
        if noise.random() < 0.35:
            text = noise.choice(texts.OPENINGS[writer]).format(place=place) + text
        if noise.random() < 0.3:
            text += noise.choice(texts.CLOSINGS[writer])
        forms = texts.TITLE_FORMS[writer]
    if pair is not None and noise.random() < 0.5:
        title = noise.choice(texts.PAIR_TITLES).format(one=topic, two=other_topic)
    elif noise.random() < 0.45:
        title = noise.choice(forms).format(title=title, topic=topic)
    return title[:TITLE_LENGTH], text


class Planner:
    """Writes the script of one case."""

    def __init__(self, world: World, rng: random.Random, seed: Seed):
        self.world, self.rng, self.seed, self.firm = world, rng, seed, seed.firm
        self.steps: list[Step] = []
        self.reopens = 0
        self.late = False
        self.supervisions = 0
        self.spot_checks = 0

    def add(self, at: datetime, kind: str, **args) -> None:
        self.steps.append(Step(at, kind, args))

    def office(self) -> Person:
        return self.world.office_actor(self.rng, self.firm)

    def at_office(self, after: datetime, days: float) -> datetime:
        return office_time(self.world, self.rng, after, days)

    # What the case is about

    def values(self) -> dict:
        rng, firm = self.rng, self.firm
        product = next((p for word, p in PRODUCT_WORDS if word in firm.name), None) or rng.choice(texts.PRODUCTS)
        amounts = (300, 500, 800, 1000, 1500, 2000, 3000) if firm.above else (50, 100, 150, 200, 300, 500, 800)
        return {
            "n": rng.randint(2, 9),
            "amount": rng.choice(amounts),
            "workers": rng.choice((10, 15, 20, 30, 40, 50, 60, 80, 100, 120)),
            "kva": rng.choice((315, 400, 500, 630, 800, 1000, 1250, 1600, 2000)),
            "mu": rng.choice((10, 15, 20, 30, 40, 50, 60, 80, 100)),
            "days": rng.choice((15, 20, 30, 45, 60, 90)),
            "place": firm.park_name or firm.township.name,
            "product": product,
        }

    def subject(self) -> None:
        """Category, urgency, title and description."""
        rng, seed = self.rng, self.seed
        self.vals = self.values()
        self.template = None  # (category, index in texts.PROBLEMS[category]) of a problem of its own
        if seed.issue is not None:
            plan = seed.issue
            self.category, self.title, self.description, self.vals = (
                plan.category, plan.title, plan.description, plan.values
            )  # fmt: skip
        elif seed.visit_problem is not None:
            text = seed.visit_problem[1]
            self.category, self.title = next(
                ((code, title) for word, code, title in texts.VISIT_PROBLEM_KINDS if word in text),
                ("other", text[:20].rstrip("，。")),
            )
            self.description = text
        else:
            self.category = rng.choices(list(CATEGORY_WEIGHTS), weights=list(CATEGORY_WEIGHTS.values()))[0]
            problems, first = texts.PROBLEMS[self.category], texts.FIRST_PROBLEMS[self.category]
            index = rng.choice(range(first))  # the draw the script always made, among the first problems
            # The rest is drawn from a stream of its own, so that the script's stream draws what it always drew:
            # a share of the cases moves to the problems added later, and the wording varies.
            noise = random.Random(f"text:{seed.at.isoformat()}:{self.firm.pk}")
            if noise.random() < 1 - first / len(problems):
                index = noise.randrange(first, len(problems))
            self.template = (self.category, index)
            title, description = problems[index]
            self.title, self.description = word_problem(
                noise, WRITERS.get(seed.channel, "staff"), self.category,
                title.format(**self.vals), description.format(**self.vals), self.vals,
            )  # fmt: skip
        roll = rng.random()
        if seed.issue is not None:
            self.urgency = "normal"
        elif roll < COMPLEX_SHARE.get(self.category, 0.08):
            self.urgency = "complex"
        elif roll > 1 - URGENT_SHARE.get(self.category, 0.08):
            self.urgency = "urgent"
        else:
            self.urgency = "normal"
        self.category_row = self.world.categories[self.category]

    def submit(self, number: str) -> None:
        seed, firm, rng = self.seed, self.firm, self.rng
        contact_name, contact_phone = firm.contact_name, firm.contact_phone
        if seed.channel == Channel.QR_CODE and not (contact_name and contact_phone):
            contact_name, contact_phone = (
                contact_name or "企业联系人",
                contact_phone or f"13{rng.randint(100000000, 999999999)}",
            )
        external_ref = ""
        if seed.channel == Channel.API:
            self.world.api_serial += 1
            external_ref = f"12345-{seed.at.astimezone(self.world.calendar.zone):%Y%m%d}-{self.world.api_serial:06d}"
        issue = seed.issue.issue if seed.issue is not None and seed.issue.mode == "intake" else None
        self.add(
            seed.at,
            "submit",
            actor=seed.submitter,
            channel=seed.channel,
            title=self.title,
            description=self.description,
            category=self.category_row,
            urgency=self.urgency,
            contact_name=contact_name[:40],
            contact_phone=contact_phone[:20],
            external_ref=external_ref,
            visit_problem_id=seed.visit_problem[0] if seed.visit_problem else None,
            number=number,
            issue=issue,
        )

    # Who handles it

    def unit_options(self, category: str) -> list[tuple[Unit, int]]:
        firm, county = self.firm, self.firm.county
        options = []
        for code, weight in LEADS[category].items():
            if code == "TOWN":
                unit = firm.township_unit
            elif code == "PARK":
                unit = firm.park_unit
            elif code == "TASK":
                unit = self.rng.choice(county.task_forces) if county.task_forces else None
            else:
                unit = county.departments.get(code)
            if unit is not None and unit.pk in self.world.heads:
                options.append((unit, weight))
        if not options:
            options.append((county.departments["GXJ"], 1))
        return options

    def units(self, category: str) -> tuple[Unit, list[Unit], list[Unit]]:
        rng, firm = self.rng, self.firm
        options = self.unit_options(category)
        weights = [w for _, w in options]
        template = getattr(self, "template", None)  # None for a common problem's shared script
        usual = TEMPLATE_LEADS.get(template) if template is not None and template[0] == category else None
        if usual:
            if usual == "TOWN":
                usual_units = [firm.township_unit]
            elif usual == "PARK":
                usual_units = [firm.park_unit]
            elif usual == "TASK":
                usual_units = list(firm.county.task_forces)
            else:
                usual_units = [firm.county.departments.get(usual)]
            weights = [
                w * TEMPLATE_LEAD_BOOST if any(u is x for x in usual_units if x is not None) else w
                for (u, _), w in zip(options, weights, strict=True)
            ]
        lead = rng.choices([u for u, _ in options], weights=weights)[0]
        if firm.pk in self.world.featured and rng.random() < 0.5 and category != "electricity":
            lead = firm.county.departments["GXJ"]  # the demo logins' bureau leads the featured enterprises' cases
        co = []
        if rng.random() < CO_SHARE:
            others = [u for u, _ in options if u is not lead and u.kind not in Unit.TERRITORIAL_KINDS]
            if not others:
                others = [
                    firm.county.departments[c] for c in ("FGJ", "GXJ", "CZJ") if firm.county.departments[c] is not lead
                ]
            co = rng.sample(others, min(len(others), 1 if rng.random() < 0.75 else 2))
        locality = []
        if firm.township_unit is not None and firm.township_unit is not lead and rng.random() < LOCALITY_SHARE:
            locality = [firm.township_unit]
        return lead, co, locality

    # The life

    def plan(self, number: str) -> list[Step]:
        seed, rng = self.seed, self.rng
        self.subject()
        if seed.forced == "overdue":
            # The shortest limit, so that the case is past its deadline whenever the demo is built.
            self.urgency = "urgent"
        self.submit(number)
        if seed.forced:
            self.forced(seed.forced)
            return self.steps
        if seed.issue is not None:
            self.member()
            return self.steps
        if rng.random() < REJECT_SHARE:
            self.reject(self.at_office(seed.at, rng.uniform(0.05, 0.8)))
            return self.steps
        lead, co, locality = self.units(self.category)
        office = self.office()
        assigned = self.at_office(seed.at, rng.uniform(0.02, 0.5) if rng.random() < 0.9 else rng.uniform(0.5, 2.0))
        if rng.random() < LIST_SHARE * (3 if self.firm.key else 1):
            # A leader lists it as soon as it is dispatched, well before any reply.
            self.listing(assigned + timedelta(minutes=rng.randint(10, 120), seconds=rng.randint(0, 59)))
        self.add(assigned, "assign", actor=office, lead=lead, co=co, locality=locality,
                 note=rng.choice(texts.ASSIGN_NOTES))  # fmt: skip
        if rng.random() < RETURN_SHARE:
            returned = self.at_office(assigned, rng.uniform(0.05, 0.9))
            right = lead
            while right is lead:
                right = rng.choice(
                    [u for u, _ in self.unit_options(self.category)] + [self.firm.county.departments["GXJ"]]
                )
            self.add(returned, "return_", actor=self.world.handler(rng, lead), unit=lead,
                     reason=rng.choice(texts.RETURN_REASONS).format(unit=right.name))  # fmt: skip
            lead = right
            co = [u for u in co if u is not lead]
            locality = [u for u in locality if u is not lead]
            assigned = self.at_office(returned, rng.uniform(0.05, 0.8))
            self.add(assigned, "assign", actor=office, lead=lead, co=co, locality=locality, note="")
        resolved = self.handle(assigned, lead, co + locality, first=True)
        self.review(resolved, lead)
        return self.steps

    def reject(self, at: datetime) -> None:
        rng, last = self.rng, self.firm.last_case
        reason = _pick(rng, (("duplicate", 0.5), ("out_of_scope", 0.4), ("other", 0.1)))
        duplicate = None
        if reason == "duplicate":
            if last is not None and self.seed.at - last.at < timedelta(days=90):
                duplicate = last
            else:
                reason = "out_of_scope"
        if duplicate is not None:
            # The same problem again: the submission carries the first case's words.
            submit = self.steps[0].args
            submit["title"], submit["description"] = duplicate.title, duplicate.description
            submit["category"] = self.world.categories[duplicate.category]
        self.add(at, "reject", actor=self.office(), reason=reason, note=rng.choice(texts.REJECT_NOTES[reason]),
                 duplicate=duplicate)  # fmt: skip

    def listing(self, at: datetime) -> None:
        year = at.astimezone(self.world.calendar.zone).year
        leader = self.world.leader_of(self.firm, year)
        actor = self.world.people.get(leader) if leader else None
        self.add(at, "list_", actor=actor or self.office(), note=self.rng.choice(texts.LIST_NOTES))

    def handle(
        self, start: datetime, lead: Unit, partners: list[Unit], *, first: bool, waiting: bool = True
    ) -> datetime:
        """From a clock start (assignment or reopening) to the approved reply; returns its moment."""
        rng, world = self.rng, self.world
        limits = world.limits[(self.category_row.pk, self.urgency)]
        budget = float(limits.resolve_days)
        handler = world.handler(rng, lead)
        accepted = start
        if first:
            accepted = self.at_office(start, rng.uniform(0.02, 0.8) if rng.random() < 0.9 else rng.uniform(1.0, 2.5))
            self.add(accepted, "accept", actor=handler, unit=lead)
        floor = accepted
        asked = None
        if waiting and self.seed.issue is None and rng.random() < WAIT_SHARE:
            asked = self.at_office(accepted, rng.uniform(0.1, 0.4) * budget)
            pause = rng.uniform(0.5, 6.0)
            user = self.firm.user
            if user is not None and rng.random() < 0.7:
                back = any_time(world, rng, asked, pause)
                self.add(back, "resume", actor=user, note=rng.choice(texts.RESUME_BY_ENTERPRISE), by_enterprise=True)
            else:
                back = self.at_office(asked, pause)
                self.add(back, "resume", actor=handler, note=rng.choice(texts.RESUME_BY_UNIT), by_enterprise=False)
            self.add(asked, "wait", actor=handler, request=rng.choice(texts.WAIT_REQUESTS))
            budget += pause
            floor = back
        stuck = self.seed.at > world.now - timedelta(days=60) and rng.random() < STUCK_SHARE
        late = stuck or rng.random() < LATE_SHARE
        self.late = self.late or late
        if rng.random() < (0.18 if self.urgency == "complex" else 0.05):
            requested = self.at_office(floor, rng.uniform(0.5, 0.85) * budget if asked is None else 0.1)
            days = rng.choice((3, 5, 5, 7, 10, 15))
            approve = rng.random() < 0.85
            decided = self.at_office(requested, rng.uniform(0.05, 0.8))
            self.add(requested, "ext_request", actor=handler, days=days, reason=rng.choice(texts.EXTENSION_REASONS))
            note = "" if approve else rng.choice(texts.EXTENSION_REFUSALS)
            self.add(decided, "ext_decide", actor=self.office(), approve=approve, note=note)
            budget += days if approve else 0
            floor = decided
        share = rng.uniform(3.0, 6.0) if stuck else rng.uniform(1.05, 2.0) if late else rng.uniform(0.15, 0.95)
        resolved = self.at_office(start, share * budget)
        if resolved <= floor + timedelta(minutes=30):
            resolved = self.at_office(floor, rng.uniform(0.1, 0.6))

        def within(low: datetime, high: datetime, lowest=0.05, highest=0.95) -> datetime:
            """A moment between the two, in office hours when there is one."""
            for _ in range(4):
                moment = office_time(world, rng, low + (high - low) * rng.uniform(lowest, highest), 0)
                if low < moment < high:
                    return moment
            return (low + (high - low) * rng.uniform(lowest, highest)).replace(microsecond=0)

        drafted = within(max(floor, resolved - ONE_DAY * 2), resolved, 0.3, 0.97)
        drafted = drafted if rng.random() >= HEAD_REPLIES_SHARE else None
        end = drafted or resolved

        if first:
            # Co-units and the locality accept (or return) before the reply; a return needs the case
            # assigned or in progress, not waiting for material.
            for unit in partners:
                actor = world.handler(rng, unit)
                at = self.at_office(start, rng.uniform(0.05, 1.1))
                if unit.kind not in Unit.TERRITORIAL_KINDS and rng.random() < PARTNER_RETURN_SHARE:
                    limit = asked or end
                    if at >= limit:
                        at = within(start, limit)
                    self.add(at, "return_", actor=actor, unit=unit, reason=rng.choice(texts.PARTNER_RETURN_REASONS))
                    continue
                if at >= end:
                    at = within(start, end)
                self.add(at, "accept", actor=actor, unit=unit)
                if rng.random() < 0.3 and end - at > timedelta(hours=1):
                    self.add(within(at, end), "progress", actor=actor, unit=unit, note=rng.choice(texts.PARTNER_NOTES))
        if end - accepted > timedelta(hours=2):
            for note in rng.sample(texts.PROGRESS_NOTES, rng.choice((0, 1, 1, 1, 2, 2, 3))):
                self.add(within(accepted, end), "progress", actor=handler, unit=lead, note=note)
        if rng.random() < (SUPERVISE_SHARE * (10 if late else 1)) and end - accepted > timedelta(hours=4):
            self.supervisions += 1
            key = f"office{self.supervisions}"
            at = within(accepted, end, 0.4, 0.9)
            self.add(at, "supervise", actor=self.office(), unit=lead, text=rng.choice(texts.SUPERVISION_TEXTS),
                     reply_days=2, key=key)  # fmt: skip
            if rng.random() < 0.85:
                self.add(self.at_office(at, rng.uniform(0.1, 2.5)), "sup_reply", actor=handler, key=key,
                         reply=rng.choice(texts.SUPERVISION_REPLIES))  # fmt: skip
        outcome = _pick(rng, OUTCOMES)
        if self.reopens and outcome != "solved" and rng.random() < 0.6:
            outcome = "solved"
        self.outcome = outcome
        text = rng.choice(texts.RESOLUTIONS[self.category][outcome]).format(**self.vals)
        if drafted is None:
            self.add(resolved, "reply", actor=world.head(lead), outcome=outcome, text=text)
            return resolved
        self.add(drafted, "reply", actor=handler, outcome=outcome, text=text)
        if rng.random() < SENT_BACK_SHARE:
            back = within(drafted, resolved, 0.2, 0.4)
            self.add(back, "reply_decide", actor=world.head(lead), approve=False,
                     note=rng.choice(texts.SENT_BACK_NOTES))  # fmt: skip
            self.add(within(back, resolved, 0.3, 0.7), "reply", actor=handler, outcome=outcome, text=text)
        self.add(resolved, "reply_decide", actor=world.head(lead), approve=True, note="")
        return resolved

    def review(self, resolved: datetime, lead: Unit) -> None:
        """The enterprise rates (or the office calls back); 不满意 may reopen the case."""
        rng, world, firm = self.rng, self.world, self.firm
        latest = world.calendar.add_days(resolved, AUTO_CLOSE_DAYS - 0.2)
        rating = _pick(rng, RATINGS[self.outcome])
        comment = rng.choice(texts.RATING_COMMENTS[rating])
        can_reopen = self.reopens < 2 and (self.reopens == 0 or rng.random() < 0.3)
        reopen_at = None
        if firm.user is not None and rng.random() < 0.85:
            rated = any_time(world, rng, resolved, rng.uniform(0.05, 5.0))
            reopen = rating == "unsatisfied" and can_reopen and rng.random() < 0.65
            self.add(rated, "rate", actor=firm.user, rating=rating, comment=comment, reopen=reopen)
            if reopen:
                reopen_at = rated
            elif rating == "unsatisfied" and rng.random() < 0.5:
                self.close_by_office(rated, latest, texts.CLOSE_NOTES[0])
        elif rng.random() < 0.9:
            office = self.office()
            called = self.at_office(resolved, rng.uniform(0.2, 4.5))
            if rng.random() < 0.08:
                self.add(called, "callback", actor=office, reached=False, rating="", confirmed=None,
                         comment=rng.choice(texts.UNREACHABLE_NOTES))  # fmt: skip
                if rng.random() < 0.5:
                    called = self.at_office(called, rng.uniform(0.3, 1.5))
                else:
                    if rng.random() < 0.3:
                        self.close_by_office(called, latest, texts.CLOSE_NOTES[1])
                    called = None
            if called is not None and called < latest:
                comment = comment or rng.choice(texts.CALLBACK_NOTES)
                self.add(called, "callback", actor=office, reached=True, rating=rating, comment=comment, confirmed=None)
                if rating == "unsatisfied" and can_reopen and rng.random() < 0.6:
                    reopen_at = self.at_office(called, 0.01)
                    self.add(reopen_at, "reopen", actor=office, reason=comment)
                elif rating == "unsatisfied" and rng.random() < 0.5:
                    self.close_by_office(called, latest, texts.CLOSE_NOTES[0])
        if reopen_at is not None:
            self.reopens += 1
            resolved = self.handle(reopen_at, lead, [], first=False, waiting=False)
            self.review(resolved, lead)
            return
        if rng.random() < SPOT_CHECK_SHARE:
            self.spot_checks += 1
            key = f"spot{self.spot_checks}"
            office = self.office()
            planned = self.at_office(resolved, rng.uniform(8, 20))
            self.add(planned, "spot_plan", actor=office, key=key)
            confirmed = rng.random() < 0.95
            spot_rating = "satisfied" if confirmed and rating != "unsatisfied" else rating
            self.add(self.at_office(planned, rng.uniform(0.2, 3)), "callback", actor=office, reached=True,
                     rating=spot_rating, comment=rng.choice(texts.CALLBACK_NOTES), confirmed=confirmed, key=key)  # fmt: skip

    def close_by_office(self, after: datetime, latest: datetime, note: str) -> None:
        at = self.at_office(after, self.rng.uniform(0.3, 1.5))
        if at < latest:
            self.add(at, "close", actor=self.office(), note=note)

    # Common issues

    def member(self) -> None:
        plan = self.seed.issue
        world = self.world
        if plan.shared is None:
            shared_rng = random.Random(plan.seed)
            first = Planner(world, shared_rng, Seed(plan.merge_at, plan.members[0], Channel.OFFICE))
            first.category, first.urgency, first.vals = plan.category, "normal", plan.values
            first.category_row = world.categories[plan.category]
            office = first.office()
            if plan.mode == "merge":
                plan.issue.created_by_id = office.pk
                first.add(plan.merge_at, "merge", actor=office, issue=plan.issue)
            lead, co, _locality = first.units(plan.category)
            locality = [plan.members[0].township_unit] if plan.members[0].township_unit is not lead else []
            assigned = first.at_office(plan.merge_at, shared_rng.uniform(0.05, 0.5))
            first.add(assigned, "assign", actor=office, lead=lead, co=co, locality=locality,
                      note="共性问题，请主办单位统筹解决。")  # fmt: skip
            resolved = first.handle(assigned, lead, co + locality, first=True, waiting=False)
            plan.shared, plan.resolved_at = first.steps, resolved
            plan.outcome, plan.lead = first.outcome, lead
        self.steps.extend(plan.shared)
        self.outcome = plan.outcome
        self.review(plan.resolved_at, plan.lead)

    # Held in a state

    def forced(self, state: str) -> None:
        """The most recent cases, held at a given point of their life so that each queue has something."""
        seed, rng, world = self.seed, self.rng, self.world
        age = world.now - seed.at

        def point(share: float) -> datetime:
            return (seed.at + age * share).replace(microsecond=0)

        if state == "submitted":
            return
        if state == "rejected":
            self.add(point(0.5), "reject", actor=self.office(), reason="out_of_scope",
                     note=rng.choice(texts.REJECT_NOTES["out_of_scope"]), duplicate=None)  # fmt: skip
            return
        lead, co, locality = self.units(self.category)
        if state in ("assigned", "pending_reply", "pending_extension") and self.firm.county is world.demo_county:
            # For the `handler` to accept, the `unit_head` to approve, the `office` to decide.
            lead = self.firm.county.departments["GXJ"]
            co, locality = [u for u in co if u is not lead], [u for u in locality if u is not lead]
        assigned = point(0.05 if state == "overdue" else 0.2)
        self.add(assigned, "assign", actor=self.office(), lead=lead, co=co, locality=locality, note="")
        handler = world.handler(rng, lead)
        if state == "assigned":
            return
        if state == "returned":
            self.add(point(0.6), "return_", actor=handler, unit=lead,
                     reason=rng.choice(texts.RETURN_REASONS).format(unit="其他单位"))  # fmt: skip
            return
        self.add(point(0.1 if state == "overdue" else 0.35), "accept", actor=handler, unit=lead)
        limits = world.limits[(self.category_row.pk, self.urgency)]
        if state in ("in_progress", "overdue"):
            self.add(point(0.7), "progress", actor=handler, unit=lead, note=rng.choice(texts.PROGRESS_NOTES))
        elif state == "waiting":
            self.add(point(0.6), "wait", actor=handler, request=rng.choice(texts.WAIT_REQUESTS))
        elif state == "pending_extension":
            self.add(point(0.6), "ext_request", actor=handler, days=max(3, limits.resolve_days),
                     reason=rng.choice(texts.EXTENSION_REASONS))  # fmt: skip
        else:
            self.outcome = "solved"
            text = rng.choice(texts.RESOLUTIONS[self.category]["solved"]).format(**self.vals)
            actor = handler if state == "pending_reply" else world.head(lead)
            self.add(point(0.7), "reply", actor=actor, outcome="solved", text=text)


# --- When cases come in --------------------------------------------------------------------------------------

# Channels of the cases that are not a problem found on a visit (those are the visits' own problems).
CHANNEL_WEIGHTS = {
    Channel.HOTLINE: 10,
    Channel.OFFICE: 10,
    Channel.RECEPTION_DAY: 8,
    Channel.QR_CODE: 10,
    Channel.SELF_SERVICE: 0,  # set from the number of enterprise accounts (SeedMaker)
    Channel.API: 10,
    Channel.IMPORT: 3,
    Channel.VISIT: 38,  # only before the visits the enterprise step made: after that the visits are the source
}
SELF_SERVICE_PER_USER = 8  # cases an enterprise with an account files itself in the 24 months
REST_DAY_CHANNELS = (Channel.HOTLINE, Channel.QR_CODE, Channel.SELF_SERVICE, Channel.API)
IMPORT_SLICES = 6  # the ledger kept before the system went live was imported: the first months only
ISSUE_SHARE = 0.004  # seeds that start a common problem of several enterprises
VISIT_CASE_SHARE = 0.95  # problems found on visits that became cases (the rest were settled on the spot)
SEASON = {1: 0.85, 2: 0.6, 12: 1.1}  # the Spring Festival empties February


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[: total - sum(counts)]:
        counts[index] += 1
    return counts


class SeedMaker:
    """Draws the seeds: 24 slices of a month each, ending now, each with its share of the cases."""

    def __init__(self, world: World, rng: random.Random, total: int):
        self.world, self.rng, self.total = world, rng, total
        self.zone = world.calendar.zone
        self.firms = world.firms
        self.cum = list(_cumulative(f.weight for f in self.firms))
        self.with_users = [f for f in self.firms if f.user is not None]
        self.cum_users = list(_cumulative(1.0 + f.key for f in self.with_users))
        # An enterprise with an account files about one problem a quarter itself; the channel's share follows.
        others = sum(w for c, w in CHANNEL_WEIGHTS.items() if c != Channel.SELF_SERVICE)
        share = min(0.08, SELF_SERVICE_PER_USER * len(self.with_users) / max(1, total))
        self.channel_weights = {**CHANNEL_WEIGHTS, Channel.SELF_SERVICE: others * share / (1 - share)}
        self.by_region: dict[int, list[Firm]] = defaultdict(list)
        for firm in self.firms:
            if firm.pk not in world.featured:
                self.by_region[firm.township.pk].append(firm)
        self.service_count = 0
        self.service_cap = max(10, min(MAX_SERVICE_CASES, total // 250))
        self.seen_channels: set[str] = set()
        self.issues_made = 0

    def firm(self, channel: str) -> Firm:
        if channel == Channel.SELF_SERVICE and self.with_users:
            return self.rng.choices(self.with_users, cum_weights=self.cum_users)[0]
        return self.rng.choices(self.firms, cum_weights=self.cum)[0]

    def submitter(self, firm: Firm, channel: str, at: datetime) -> Person | None:
        world, rng = self.world, self.rng
        if channel == Channel.SELF_SERVICE:
            return firm.user
        if channel == Channel.QR_CODE:
            return None
        if channel == Channel.VISIT:
            link = world.linkages.get((firm.pk, at.astimezone(self.zone).year))
            cadres = [world.people[c] for c in link[1] if c in world.people] if link else []
            cadres = cadres or world.cadres_by_unit.get(firm.township_unit.pk) or world.county_cadres[id(firm.county)]
            if cadres:
                return rng.choice(cadres)
        return world.office_actor(rng, firm)

    def moment(self, day: date, channel: str) -> datetime:
        rng = self.rng
        if channel in (Channel.SELF_SERVICE, Channel.QR_CODE):
            minutes = rng.randint(7 * 60, 23 * 60 - 1)
        elif channel == Channel.HOTLINE:
            minutes = rng.randint(8 * 60, 21 * 60 - 1)
        elif channel == Channel.API:
            minutes = min(24 * 60 - 1, max(0, int(rng.gauss(14 * 60, 4 * 60))))
        elif channel == Channel.RECEPTION_DAY:
            minutes = rng.randint(9 * 60, 11 * 60 + 30)
        elif channel == Channel.VISIT:
            minutes = rng.randint(15 * 60, 19 * 60 + 30)  # written up after the visit
        else:
            minutes = rng.choice((rng.randint(8 * 60 + 30, 11 * 60 + 50), rng.randint(14 * 60 + 30, 17 * 60 + 30)))
        return datetime.combine(day, time.min, self.zone) + timedelta(minutes=minutes, seconds=rng.randint(0, 59))

    def service_ok(self, seed: Seed) -> bool:
        """The featured enterprises' cases go through the services when the services would let the people of
        the script do it: a cadre records a visit only for an enterprise linked to them that year."""
        if seed.firm.pk not in self.world.featured or seed.issue is not None:
            return False
        if not seed.forced and (self.service_count >= self.service_cap or self.world.now - seed.at > SERVICE_WINDOW):
            return False
        if seed.channel == Channel.VISIT:
            link = self.world.linkages.get((seed.firm.pk, seed.at.astimezone(self.zone).year))
            if not link or seed.submitter is None or seed.submitter.pk not in (link[0], *link[1]):
                return False
        return True

    def visit_seeds(self) -> list[Seed]:
        world, rng = self.world, self.rng
        today = world.now.astimezone(self.zone).date()
        rows = (
            VisitProblem.objects.filter(visit__visited_on__lte=today)
            .values_list("pk", "description", "visit__enterprise_id", "visit__visited_on", "visit__visitor_id")
            .order_by("pk")
        )
        seeds = []
        for pk, description, enterprise_id, visited_on, visitor_id in rows.iterator(chunk_size=10_000):
            firm = world.firm_by_pk.get(enterprise_id)
            if firm is None or rng.random() >= VISIT_CASE_SHARE:
                continue
            at = self.moment(visited_on, Channel.VISIT)
            if at >= world.now:
                continue
            visitor = world.people.get(visitor_id)
            seeds.append(Seed(at, firm, Channel.VISIT, visitor, visit_problem=(pk, description)))
        if len(seeds) > self.total * 0.45:  # a scale with few cases per visit: keep the mix of channels
            seeds = rng.sample(seeds, int(self.total * 0.38))
        return seeds

    def issue(self, at: datetime, channel: str, starter: Firm, room: int) -> list[Seed]:
        """A common problem of 3–7 enterprises of one township: filed at once, or one by one and merged."""
        rng, world = self.rng, self.world
        neighbours = [f for f in self.by_region.get(starter.township.pk, []) if f is not starter]
        if starter.pk in world.featured or len(neighbours) < 2 or room < 3:
            return []
        members = [starter, *rng.sample(neighbours, min(len(neighbours), rng.randint(2, min(6, room - 1))))]
        category, title, description = rng.choice(texts.COMMON_PROBLEMS)
        place = starter.park_name or starter.township.name
        values = Planner(world, rng, Seed(at, starter, channel)).values()
        plan = IssuePlan(
            seed=rng.getrandbits(64),
            category=category,
            title=title.format(place=place),
            description=description.format(place=place),
            members=members,
            mode="intake" if channel != Channel.VISIT and rng.random() < 0.5 else "merge",
            values=values,
        )
        plan.issue = CommonIssue(title=plan.title, description=plan.description)
        seeds = []
        if plan.mode == "intake":
            office = world.office_actor(rng, starter)
            plan.issue.created_by_id = office.pk
            plan.merge_at = at
            for firm in members:
                seeds.append(Seed(at, firm, channel, office, issue=plan))
        else:
            for index, firm in enumerate(members):
                member_channel = channel if index == 0 else rng.choice(
                    (Channel.VISIT, Channel.HOTLINE, Channel.QR_CODE, Channel.OFFICE)
                )  # fmt: skip
                day = (at + timedelta(days=rng.uniform(0, 3) if index else 0)).astimezone(self.zone).date()
                while not self.world.calendar.is_workday(day):
                    day += ONE_DAY
                moment = at if index == 0 else self.moment(day, member_channel)
                seeds.append(
                    Seed(moment, firm, member_channel, self.submitter(firm, member_channel, moment), issue=plan)
                )
            plan.merge_at = office_time(world, rng, max(s.at for s in seeds), rng.uniform(0.05, 0.6))
        plan.issue.demo_created_at = plan.merge_at
        return seeds

    def slices(self) -> Iterator[list[Seed]]:
        world = self.world
        length = timedelta(days=365.25 * 2 / MONTHS)
        bounds = [(world.now - length * (MONTHS - i), world.now - length * (MONTHS - 1 - i)) for i in range(MONTHS)]
        visits = sorted(self.visit_seeds(), key=lambda s: s.at)
        visit_start = visits[0].at if visits else world.now
        weights = []
        for index, (start, end) in enumerate(bounds):
            middle = (start + (end - start) / 2).astimezone(self.zone)
            weights.append((0.75 + 0.5 * index / (MONTHS - 1)) * SEASON.get(middle.month, 1.0))
        quotas = _largest_remainder(max(0, self.total - len(visits)), weights)
        for index, ((start, end), quota) in enumerate(zip(bounds, quotas, strict=True)):
            seeds = [s for s in visits if start <= s.at < end]
            seeds += self._slice(index, start, end, quota, visit_start)
            seeds.sort(key=lambda s: s.at)
            if index == IMPORT_SLICES - 1:
                self._ensure_channels(seeds, [Channel.IMPORT])
            if index == MONTHS - 1:
                self._ensure_channels(seeds, [c for c in Channel.values if c != Channel.IMPORT])
                self._hold_recent(seeds)
            self.seen_channels.update(s.channel for s in seeds)
            for seed in seeds:
                seed.service = self.service_ok(seed)
                self.service_count += seed.service
            yield seeds

    def _slice(self, index: int, start: datetime, end: datetime, quota: int, visit_start: datetime) -> list[Seed]:
        rng, calendar = self.rng, self.world.calendar
        days = []
        day = start.astimezone(self.zone).date()
        while day <= end.astimezone(self.zone).date():
            days.append(day)
            day += ONE_DAY
        cum_days = list(_cumulative(1.0 if calendar.is_workday(d) else 0.2 for d in days))
        # 企业家接待日: the month's first Monday, or the next working day (chains.schedule, seed 002).
        reception = []
        for d in days:
            if d == first_monday(d.year, d.month):
                while not calendar.is_workday(d):
                    d += ONE_DAY
                reception.append(d)
        seeds: list[Seed] = []
        while len(seeds) < quota:
            day = rng.choices(days, cum_weights=cum_days)[0]
            if calendar.is_workday(day):
                channels = [
                    c
                    for c in CHANNEL_WEIGHTS
                    if (c != Channel.VISIT or day < visit_start.astimezone(self.zone).date())
                    and (c != Channel.IMPORT or index < IMPORT_SLICES)
                    and (c != Channel.RECEPTION_DAY or reception)
                    and (c != Channel.SELF_SERVICE or self.with_users)
                ]
            else:
                channels = [c for c in REST_DAY_CHANNELS if c != Channel.SELF_SERVICE or self.with_users]
            channel = rng.choices(channels, weights=[self.channel_weights[c] for c in channels])[0]
            if channel == Channel.RECEPTION_DAY:
                day = rng.choice(reception)
            at = self.moment(day, channel)
            if not start <= at < end:
                continue
            firm = self.firm(channel)
            # A small scale may draw no common problem: the one but last month has one at least.
            wanted = rng.random() < ISSUE_SHARE or (index == MONTHS - 2 and not self.issues_made)
            if (
                channel in (Channel.OFFICE, Channel.HOTLINE, Channel.RECEPTION_DAY, Channel.VISIT)
                and wanted
                and end - at > timedelta(days=5)
            ):
                group = self.issue(at, channel, firm, quota - len(seeds))
                if group:
                    self.issues_made += 1
                    seeds += group
                    continue
            seeds.append(Seed(at, firm, channel, self.submitter(firm, channel, at)))
        return seeds

    def _ensure_channels(self, seeds: list[Seed], channels: list[str]) -> None:
        """A small scale may draw no case of a rare channel: give one to a plain seed of a working day."""
        for channel in channels:
            if channel in self.seen_channels or any(s.channel == channel for s in seeds):
                continue
            plain = [
                s
                for s in seeds
                if s.issue is None
                and not s.visit_problem
                and self.world.calendar.is_workday(s.at.astimezone(self.zone).date())
            ]
            if not plain or (channel == Channel.SELF_SERVICE and not self.with_users):
                continue
            seed = self.rng.choice(plain)
            seed.channel = channel
            if channel == Channel.SELF_SERVICE:
                seed.firm = self.firm(channel)
            seed.submitter = self.submitter(seed.firm, channel, seed.at)

    def _hold_recent(self, seeds: list[Seed]) -> None:
        """The last cases in: some held at each point of the life, and a few of the `enterprise` login's own."""
        world, calendar = self.world, self.world.calendar
        login = world.firm_by_pk.get(world.login_firm) if world.login_firm else None
        if login is not None and login.user is not None:
            plain = [s for s in seeds if s.issue is None and not s.visit_problem and s.firm.pk not in world.featured]
            for (state, days), replaced in zip(LOGIN_FORCED, plain, strict=False):
                seeds.remove(replaced)
                at = calendar.at(calendar.w(world.now) - timedelta(days=days)) or world.now - timedelta(days=days)
                at = min(at, world.now - timedelta(minutes=30)).replace(microsecond=0)
                seeds.append(Seed(at, login, Channel.SELF_SERVICE, login.user, forced=state))
            seeds.sort(key=lambda s: s.at)
        # In the demo county first: its office, bureau and head logins then see each held case in their queues.
        recent = [s for s in reversed(seeds) if s.issue is None and not s.forced and s.firm.pk not in world.featured]
        recent.sort(key=lambda s: s.firm.county is not world.demo_county)
        for state in FORCED_STATES:
            if not recent:
                break
            pick = recent[0]
            if state == "resolved":
                # Resolved a few days ago and not rated yet (7 working days close it unrated).
                aged = [s for s in recent if timedelta(days=1) < world.now - s.at < timedelta(days=6)]
                pick = aged[0] if aged else pick
            elif state == "overdue":
                # In progress well past its deadline (the scan has told the unit head and the leader).
                aged = [s for s in recent if world.now - s.at > timedelta(days=16)]
                pick = aged[0] if aged else min(recent, key=lambda s: s.at)
            pick.forced = state
            recent.remove(pick)


def _cumulative(values) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


# --- Writing -------------------------------------------------------------------------------------------------


class Writer:
    """Inserts the cases built in memory, a chunk at a time. The ids are given here (the next free ones),
    so that each trail can be hashed with the ids its payloads name before anything is written, and every
    row goes in with one plain INSERT per table; Django's bulk_create costs several times as much."""

    MODELS = (CommonIssue, Case, Assignment, CaseReply, ExtensionRequest, Supervision, Callback)

    def __init__(self):
        self.buffer: list[BulkCase] = []
        self.written = Counter()

    def __len__(self):
        return len(self.buffer)

    def add(self, built: BulkCase) -> None:
        self.buffer.append(built)

    def flush(self) -> None:
        if not self.buffer:
            return
        buffer, self.buffer = self.buffer, []
        rows: dict[type, list] = defaultdict(list)
        seen_issues = set()
        for b in buffer:
            if b.issue is not None and b.issue.pk is None and id(b.issue) not in seen_issues:
                seen_issues.add(id(b.issue))
                rows[CommonIssue].append(b.issue)
            rows[Case].append(b.case)
            rows[Assignment] += b.assignments
            rows[CaseReply] += b.replies
            rows[ExtensionRequest] += b.extensions
            rows[Supervision] += [notice for notice, _unit in b.supervisions.values()]
            rows[Callback] += b.all_callbacks
        for model in self.MODELS:
            next_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
            for offset, row in enumerate(rows[model]):
                row.pk = next_id + offset
        events = []
        for b in buffer:
            case = b.case
            case.common_issue_id = case.common_issue.pk if case.common_issue is not None else None
            duplicate = b.duplicate_of
            case.duplicate_of_id = duplicate.pk if isinstance(duplicate, Case) else duplicate
            for row in (*b.assignments, *b.replies, *b.extensions, *b.all_callbacks):
                row.case_id = case.pk
            for notice, _unit in b.supervisions.values():
                notice.case_id = case.pk
            previous = CaseEvent.GENESIS
            for seq, event in enumerate(b.events, start=1):
                event.case_id, event.seq, event.prev_hash = case.pk, seq, previous
                event.payload = {k: (v.row.pk if isinstance(v, Ref) else v) for k, v in event.payload.items()}
                event.hash = previous = event.compute_hash()
                events.append(event)
            case.trail_head, case.event_count, case.updated_at = previous, len(b.events), b.events[-1].created_at
            last = b.firm.last_case
            if last is not None and last.case is case:
                last.case = case.pk
        for issue in rows[CommonIssue]:
            issue.created_at = issue.demo_created_at
        for model in self.MODELS:
            insert_rows(model, rows[model])
        insert_rows(CaseEvent, events, with_pk=False)
        # The services insert rows between two flushes: their ids go on from ours (PostgreSQL's sequences do
        # not follow explicit ids by themselves; SQLite's do).
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), self.MODELS):
                cursor.execute(sql)
        self.written["cases"] += len(buffer)
        self.written["events"] += len(events)


def insert_rows(model, rows: list, *, with_pk: bool = True) -> None:
    """INSERT the rows (model instances, or TrailEntry for events) as they are: no defaults, no auto_now."""
    if not rows:
        return
    ops = connection.ops
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]

    def adapter(field):
        if isinstance(field, DateTimeField):
            return ops.adapt_datetimefield_value
        if isinstance(field, JSONField):
            return lambda value, encoder=field.encoder: ops.adapt_json_value(value, encoder)
        return None

    plain = [(f.attname, adapter(f)) for f in fields]
    values = [
        tuple(adapt(getattr(row, name)) if adapt else getattr(row, name) for name, adapt in plain) for row in rows
    ]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5 * BATCH):
            cursor.executemany(sql, values[start : start + 5 * BATCH])


# --- The step ------------------------------------------------------------------------------------------------


# What the last build did, for the tests and the benchmark: cases, events, cases through the services,
# scripts redrawn because a step was refused (a bug of the generator: the tests expect none).
LAST_BUILD: Counter = Counter()
SCRIPT_ERRORS = (DemoError, StopIteration, KeyError)
SERVICE_ERRORS = (*SCRIPT_ERRORS, ValidationError, PermissionDenied, Http404)


def build(rng: random.Random, scale: Scale, ctx: DemoContext) -> None:
    now = timezone.now().replace(microsecond=0)
    world = load_world(ctx, now)
    LAST_BUILD.clear()
    if not world.firms:
        ctx.progress("cases: no enterprises, none built")
        return
    total = case_count(scale)
    seed_rng, case_rng = random.Random(rng.getrandbits(64)), random.Random(rng.getrandbits(64))
    counters: dict[int, int] = dict(CaseNumber.objects.values_list("year", "last"))
    writer = Writer()
    states = Counter()
    with fast_workdays(world.calendar):
        for seeds in SeedMaker(world, seed_rng, total).slices():
            for seed in seeds:
                case = _make_case(world, seed, random.Random(case_rng.getrandbits(64)), counters, writer, ctx)
                if case is not None:
                    states[case.state] += 1
                if len(writer) >= CHUNK:
                    writer.flush()
            if seeds and total >= 200_000:
                ctx.progress(f"  cases to {seeds[-1].at:%Y-%m-%d}: {sum(states.values()):,}")
        writer.flush()
    for year, last in sorted(counters.items()):
        CaseNumber.objects.update_or_create(year=year, defaults={"last": last})
    LAST_BUILD["cases"] = sum(states.values())
    LAST_BUILD["events"] = CaseEvent.objects.count()
    summary = ", ".join(f"{state} {states[state]:,}" for state in State.values if states[state])
    redrawn = f"; {LAST_BUILD['redrawn']} scripts redrawn" if LAST_BUILD["redrawn"] else ""
    ctx.progress(
        f"cases: {LAST_BUILD['cases']:,} ({LAST_BUILD['services']:,} through the services), "
        f"{LAST_BUILD['events']:,} events; {summary}{redrawn}"
    )


def _make_case(world: World, seed: Seed, rng: random.Random, counters: dict, writer: Writer, ctx) -> Case | None:
    """Plan and run one seed's script; returns the case (None when no script of it could be run)."""
    year = seed.at.astimezone(world.calendar.zone).year
    if seed.service:
        writer.flush()  # what the services read (a duplicate's original case) must be in the database
        try:
            with transaction.atomic():
                # The service takes the next number from the counter: keep it in step with the bulk ones.
                CaseNumber.objects.update_or_create(year=year, defaults={"last": counters.get(year, 0)})
                planner = Planner(world, random.Random(rng.random()), seed)
                steps = planner.plan("")
                backend = ServiceCase(world, seed.firm)
                Runner(world, planner.rng, backend).run(steps)
        except SERVICE_ERRORS as error:
            LAST_BUILD["redrawn"] += 1
            ctx.progress(f"a script the services refused, built in bulk instead: {error!r}")
        else:
            counters[year] = int(backend.case.number.split("-")[1])
            LAST_BUILD["services"] += 1
            _remember(seed, planner, steps, backend.case.pk, backend.case)
            return backend.case
    number = f"{year}-{counters.get(year, 0) + 1:05d}"
    for _attempt in range(3):
        planner = Planner(world, random.Random(rng.random()), seed)
        steps = planner.plan(number)
        backend = BulkCase(world, seed.firm)
        try:
            Runner(world, planner.rng, backend).run(steps)
        except SCRIPT_ERRORS as error:
            LAST_BUILD["redrawn"] += 1
            ctx.progress(f"a script was refused and drawn again: {error!r}")
            continue
        counters[year] = counters.get(year, 0) + 1
        writer.add(backend)
        _remember(seed, planner, steps, backend.case, backend.case)
        return backend.case
    return None


def _remember(seed: Seed, planner: Planner, steps: list[Step], ref, case: Case) -> None:
    """The enterprise's latest case, which a later duplicate points at."""
    if case.state != State.REJECTED:
        submitted = steps[0].args
        seed.firm.last_case = LastCase(
            seed.at, case.number, submitted["title"], submitted["description"], planner.category, ref
        )


# Dependants first. Deleted with plain SQL: case events are append-only at the model level (CaseEvent.delete
# raises, and the trail is meant never to lose an entry), but a reset of the demo deletes the demo's data,
# trails included; and the ORM would load every row first, which at province scale takes hours.
RESET_ORDER = [
    CaseEvent,
    Callback,
    Supervision,
    ExtensionRequest,
    CaseReply,
    CaseAttachment,
    Assignment,
    Case,
    CommonIssue,
    CaseNumber,
]


def _delete_all(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset(ctx: DemoContext) -> None:
    # What the services told people about the cases (in-app messages of the demo logins).
    topics = Q(topic__startswith="case:") | Q(topic__startswith="issue:") | Q(topic__startswith="assignment:")
    notifications, _ = Notification.objects.filter(topics).delete()
    deleted = {model._meta.model_name: _delete_all(model) for model in RESET_ORDER}
    summary = ", ".join(f"{count:,} {name}" for name, count in deleted.items() if count)
    ctx.progress(f"reset cases: deleted {summary or 'nothing'}; {notifications:,} notifications")
