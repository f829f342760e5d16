"""The event pages (企业家接待日, 沙龙, 座谈, 四项对接 …) and the yearly event targets.

- The event list with its filters (year, month, kind or "matchmaking", organizer and the units below it,
  status, search), the next reception day, and the Excel export; an event's page with its participants,
  attendance, outcomes and the cases raised at it, and the forms to act on it; creating and editing an event;
  raising a case at it; the year's reception-day schedule.
- The targets page: each target's progress toward its minimum with its pace, the Excel export, and the
  office's forms to set, change and delete targets and to apply the seed's targets for a year.

Every staff role reads every event and target; an enterprise user reads the events it was invited to (its
own participation, outcomes and cases only). Who writes is decided in chains.services.events: the office
everything, unit heads and handlers the events of their unit and the units below it; anyone else gets 403 on
the writing pages. An event outside the reader's scope is 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role, Unit
from accounts.scope import get_for_user, scoped
from chains.forms import events as forms
from chains.models import Event, EventOutcome, EventParticipant, EventTarget
from chains.selectors import events as selectors
from chains.services import events as services
from core.exports import ExportColumn, xlsx_response
from core.pagination import paginate
from core.permissions import role_required
from enterprises.models import Enterprise

EVERYONE = tuple(Role.values)
PAGE_SIZE = 30
SEARCH_LIMIT = 20


def _int(value, low: int, high: int) -> int | None:
    text = (value or "").strip()
    if not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def _message(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _unit_options() -> list[tuple[int, str]]:
    """The active units in tree order, indented by depth, for a filter's select."""
    return [(unit.pk, "　" * unit.depth + unit.name) for unit in Unit.objects.filter(is_active=True).order_by("path")]


# The list --------------------------------------------------------------------------------------------------


def _list_filters(request) -> dict:
    query = request.GET
    year = _int(query.get("year"), services.MIN_YEAR, services.MAX_YEAR)
    kind = query.get("kind", "")
    status = query.get("status", "")
    return {
        "year": year,
        "month": _int(query.get("month"), 1, 12) if year else None,
        "kind": kind if kind in selectors.KIND_FILTERS else "",
        "organizer_id": _int(query.get("organizer"), 1, 2**31 - 1),
        "status": status if status in Event.Status.values else "",
        "search": query.get("q", "").strip()[:60],
    }


@role_required(*EVERYONE)
def event_list(request):
    filters = _list_filters(request)
    events = selectors.event_list(user=request.user, **filters)
    staff = selectors.reads_counts(request.user)
    today = timezone.localdate()
    return render(
        request,
        "chains/events/event_list.html",
        {
            "page": paginate(request, events, PAGE_SIZE),
            "filters": filters,
            "staff": staff,
            "kinds": selectors.kind_filter_choices(),
            "statuses": Event.Status.choices,
            "units": _unit_options() if staff else [],
            "months": range(1, 13),
            "years": range(today.year + 1, today.year - 5, -1),
            "next_day": selectors.next_reception_day(request.user, today),
            "can_create": services.can_create_events(request.user),
            "export_query": request.GET.urlencode(),
        },
    )


@role_required(*EVERYONE)
def event_export(request):
    events = selectors.event_list(user=request.user, **_list_filters(request))
    columns = [
        ExportColumn(_("Date"), lambda e: e.held_on, 12),
        ExportColumn(_("Kind"), lambda e: e.get_kind_display(), 18),
        ExportColumn(_("Title"), lambda e: e.title, 36),
        ExportColumn(_("Organizer"), lambda e: e.organizer.name, 20),
        ExportColumn(_("Place"), lambda e: e.place, 20),
        ExportColumn(_("Status"), lambda e: e.get_status_display(), 10),
        ExportColumn(_("Industry chain"), lambda e: e.chain.name if e.chain_id else "", 16),
    ]
    if selectors.reads_counts(request.user):
        columns += [
            ExportColumn(_("Invited"), lambda e: e.invited_count, 10),
            ExportColumn(_("Attended"), lambda e: e.attended_count, 10),
            ExportColumn(_("Outcomes"), lambda e: e.outcome_count, 10),
            ExportColumn(_("Amount (10k yuan)"), lambda e: float(e.outcome_amount or 0), 14),
            ExportColumn(_("Cases raised"), lambda e: e.case_count, 10),
            ExportColumn(_("What came of it"), lambda e: e.summary, 40),
        ]
    return xlsx_response(_("events"), _("Events"), columns, events.iterator())


# Creating and editing --------------------------------------------------------------------------------------


def _event_fields(form) -> dict:
    data = dict(form.cleaned_data)
    data["organizer"] = data["organizer"].pk if data.get("organizer") else None
    data["chain"] = data["chain"].pk if data.get("chain") else None
    return data


@role_required(*EVERYONE)
def event_create(request):
    if not services.can_create_events(request.user):
        raise PermissionDenied(_("Only the coordinating office and unit heads and handlers organize events."))
    initial = {"kind": request.GET.get("kind", ""), "held_on": request.GET.get("held_on", "")}
    if request.user.unit_id and not services.is_office(request.user):
        initial["organizer"] = request.user.unit_id
    form = forms.EventForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(actor=request.user, **_event_fields(form))
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The event is planned. Invite the enterprises next."))
            return redirect("event_detail", pk=event.pk)
    return render(request, "chains/events/event_form.html", {"form": form, "event": None})


def _event_to_manage(request, pk) -> Event:
    event = selectors.event_for(request.user, pk)
    if not services.can_manage_event(request.user, event):
        raise PermissionDenied(
            _(
                "Only the coordinating office and the users of the organizing unit (or a unit above it) may change this event."
            )
        )
    return event


@role_required(*EVERYONE)
def event_edit(request, pk):
    event = _event_to_manage(request, pk)
    if event.status == Event.Status.CANCELLED:
        messages.error(request, _("This event was cancelled: it changes no more."))
        return redirect("event_detail", pk=event.pk)
    initial = {
        "kind": event.kind,
        "title": event.title,
        "organizer": event.organizer_id,
        "held_on": event.held_on,
        "place": event.place,
        "chain": event.chain_id,
        "description": event.description,
        "summary": event.summary,
    }
    form = forms.EventForm(request.POST or None, user=request.user, event=event, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(actor=request.user, event_id=event.pk, **_event_fields(form))
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The event is saved."))
            return redirect("event_detail", pk=event.pk)
    return render(request, "chains/events/event_form.html", {"form": form, "event": event})


# One event -------------------------------------------------------------------------------------------------


def _detail(request, event: Event, *, status: int = 200, **overrides):
    """The event's page; an action that failed passes its bound form (and errors) to show them again."""
    user = request.user
    participants = selectors.participants_of(user, event)
    outcomes = selectors.outcomes_of(user, event)
    can_manage = services.can_manage_event(user, event)
    search = request.GET.get("q", "").strip()[:60]
    context = {
        "event": event,
        "participants": participants,
        "attending": [p for p in participants if p.attended],
        "outcomes": outcomes,
        "totals": selectors.outcome_totals(outcomes),
        "cases": selectors.cases_of(user, event),
        "staff": selectors.reads_counts(user),
        "can_manage": can_manage,
        "can_raise": services.can_raise_cases(user) and event.status != Event.Status.CANCELLED,
        "is_open": event.status != Event.Status.CANCELLED,
        "has_come": event.held_on <= timezone.localdate(),
        "held_form": overrides.get("held_form") or forms.HeldForm(),
        "cancel_form": overrides.get("cancel_form") or forms.CancelForm(),
        "outcome_form": overrides.get("outcome_form") or forms.OutcomeForm(participants=participants),
        "attendance_errors": overrides.get("attendance_errors", []),
        "posted_attendance": overrides.get("posted_attendance"),
        "invite_errors": overrides.get("invite_errors", []),
        "q": search,
        "results": _search(request, event, search) if can_manage and search else None,
    }
    if context["posted_attendance"] is not None:
        for participant in participants:
            attended, attendee = context["posted_attendance"].get(participant.enterprise_id, (None, None))
            if attended is not None:
                participant.attended, participant.attendee = attended, attendee
    return render(request, "chains/events/event_detail.html", context, status=status)


def _search(request, event: Event, search: str) -> list[Enterprise]:
    return list(
        scoped(request.user, Enterprise.objects.all())
        .filter(Q(name__icontains=search) | Q(credit_code__istartswith=search))
        .exclude(pk__in=EventParticipant.objects.filter(event=event).values("enterprise_id"))
        .select_related("region")
        .order_by("name")[:SEARCH_LIMIT]
    )


@role_required(*EVERYONE)
def event_detail(request, pk):
    return _detail(request, selectors.event_for(request.user, pk))


@role_required(*EVERYONE)
def event_enterprise_search(request, pk):
    """The invite picker's results (HTMX): enterprises in the user's scope not on the list yet."""
    event = _event_to_manage(request, pk)
    search = request.GET.get("q", "").strip()[:60]
    results = _search(request, event, search) if search else []
    return render(request, "chains/events/_enterprise_results.html", {"results": results, "q": search})


@require_POST
@role_required(*EVERYONE)
def event_held(request, pk):
    event = _event_to_manage(request, pk)
    form = forms.HeldForm(request.POST)
    if form.is_valid():
        try:
            services.event_mark_held(actor=request.user, event_id=event.pk, summary=form.cleaned_data["summary"])
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The event is marked held."))
            return redirect("event_detail", pk=event.pk)
    return _detail(request, event, held_form=form)


@require_POST
@role_required(*EVERYONE)
def event_cancel(request, pk):
    event = _event_to_manage(request, pk)
    form = forms.CancelForm(request.POST)
    if form.is_valid():
        try:
            services.event_cancel(actor=request.user, event_id=event.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The event is cancelled."))
            return redirect("event_detail", pk=event.pk)
    return _detail(request, event, cancel_form=form)


@require_POST
@role_required(*EVERYONE)
def event_delete(request, pk):
    event = _event_to_manage(request, pk)
    try:
        services.event_delete(actor=request.user, event_id=event.pk)
    except ValidationError as error:
        messages.error(request, _message(error))
        return redirect("event_detail", pk=event.pk)
    messages.success(request, _("The event is deleted."))
    return redirect("event_list")


@require_POST
@role_required(*EVERYONE)
def event_invite(request, pk):
    event = _event_to_manage(request, pk)
    form = forms.InviteForm(request.POST)
    if not form.is_valid():
        return _detail(request, event, invite_errors=[_("Tick the enterprises to invite.")])
    try:
        added = services.participants_invite(
            actor=request.user,
            event_id=event.pk,
            enterprise_ids=form.cleaned_data["enterprise"],
            walk_in=form.cleaned_data["walk_in"],
        )
    except ValidationError as error:
        return _detail(request, event, invite_errors=error.messages)
    if form.cleaned_data["walk_in"]:
        text = _("%(count)s enterprises added as attending.") % {"count": len(added)}
    else:
        text = _("%(count)s enterprises invited.") % {"count": len(added)}
    messages.success(request, text)
    return redirect("event_detail", pk=event.pk)


@require_POST
@role_required(*EVERYONE)
def event_participant_remove(request, pk):
    participant = get_for_user(request.user, EventParticipant.objects.select_related("event__organizer"), pk=pk)
    _event_to_manage(request, participant.event_id)
    try:
        services.participant_remove(actor=request.user, participant_id=participant.pk)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("The enterprise is taken off the list."))
    return redirect("event_detail", pk=participant.event_id)


@require_POST
@role_required(*EVERYONE)
def event_attendance(request, pk):
    event = _event_to_manage(request, pk)
    ticked = set(request.POST.getlist("attended"))
    rows, posted = [], {}
    for value in request.POST.getlist("enterprise"):
        if not value.strip().isdigit():
            continue
        enterprise_id = int(value)
        attended = value in ticked
        attendee = request.POST.get(f"attendee_{enterprise_id}", "")
        rows.append({"enterprise_id": enterprise_id, "attended": attended, "attendee": attendee})
        posted[enterprise_id] = (attended, attendee)
    try:
        services.attendance_record(actor=request.user, event_id=event.pk, rows=rows)
    except ValidationError as error:
        return _detail(request, event, attendance_errors=error.messages, posted_attendance=posted)
    messages.success(request, _("Attendance is recorded."))
    return redirect("event_detail", pk=event.pk)


@require_POST
@role_required(*EVERYONE)
def event_outcome_add(request, pk):
    event = _event_to_manage(request, pk)
    participants = selectors.participants_of(request.user, event)
    form = forms.OutcomeForm(request.POST, participants=participants)
    if form.is_valid():
        try:
            services.outcome_add(
                actor=request.user,
                event_id=event.pk,
                kind=form.cleaned_data["kind"],
                enterprise_id=form.cleaned_data["enterprise"],
                description=form.cleaned_data["description"],
                amount=form.cleaned_data["amount"],
                people=form.cleaned_data["people"],
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The outcome is recorded."))
            return redirect("event_detail", pk=event.pk)
    return _detail(request, event, outcome_form=form)


@require_POST
@role_required(*EVERYONE)
def event_outcome_delete(request, pk):
    outcome = get_for_user(request.user, EventOutcome, pk=pk)
    _event_to_manage(request, outcome.event_id)
    try:
        services.outcome_delete(actor=request.user, outcome_id=outcome.pk)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("The outcome is deleted."))
    return redirect("event_detail", pk=outcome.event_id)


@role_required(*EVERYONE)
def event_case_raise(request, pk):
    """File a problem an attending enterprise raised at the event (the office)."""
    event = selectors.event_for(request.user, pk)
    if not services.can_raise_cases(request.user):
        raise PermissionDenied(_("Only the coordinating office files cases raised at events."))
    attending = [p for p in selectors.participants_of(request.user, event) if p.attended]
    initial = {"enterprise": request.GET.get("enterprise", "")}
    form = forms.RaiseCaseForm(request.POST or None, attending=attending, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.event_raise_case(
                actor=request.user,
                event_id=event.pk,
                enterprise_id=data["enterprise"],
                title=data["title"],
                description=data["description"],
                category_id=data["category"].pk,
                urgency=data["urgency"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(
                request, _("Case %(number)s is filed and waits in the office's new cases.") % {"number": case.number}
            )
            return redirect("event_detail", pk=event.pk)
    return render(
        request,
        "chains/events/case_form.html",
        {"event": event, "form": form, "attending": attending, "channel": services.case_channel(event)},
    )


# The reception-day schedule --------------------------------------------------------------------------------


@role_required(*EVERYONE)
def event_schedule(request):
    if not services.can_create_events(request.user):
        raise PermissionDenied(_("Only the coordinating office and unit heads and handlers organize events."))
    form = forms.ScheduleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.reception_days_schedule(
                actor=request.user,
                year=data["year"],
                organizer_id=data["organizer"].pk,
                place=data["place"],
                include_past=data["include_past"],
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(
                request,
                _(
                    "%(created)s reception days planned for %(organizer)s in %(year)s; %(existing)s months had "
                    "one already; %(past)s days already gone were left out."
                )
                % {
                    "created": len(result.created),
                    "organizer": result.organizer,
                    "year": result.year,
                    "existing": len(result.existing),
                    "past": len(result.past),
                },
            )
            return redirect(f"{reverse('event_list')}?year={result.year}&kind={Event.Kind.RECEPTION_DAY}")
    year = _int(
        str(form.data.get("year", "")) if form.is_bound else request.GET.get("year"),
        services.MIN_YEAR,
        services.MAX_YEAR,
    )
    year = year or timezone.localdate().year
    if not form.is_bound:
        form.initial["year"] = year
    return render(
        request,
        "chains/events/schedule.html",
        {"form": form, "year": year, "plan": selectors.reception_day_plan(request.user, year)},
    )


# Targets ---------------------------------------------------------------------------------------------------


def _target_year(request) -> int:
    return _int(request.GET.get("year"), services.MIN_YEAR, services.MAX_YEAR) or timezone.localdate().year


@role_required(*STAFF_ROLES)
def event_target_list(request):
    year = _target_year(request)
    unit_id = _int(request.GET.get("unit"), 1, 2**31 - 1)
    rows = selectors.target_progress(user=request.user, year=year, unit_id=unit_id)
    today = timezone.localdate()
    return render(
        request,
        "chains/events/target_list.html",
        {
            "rows": rows,
            "year": year,
            "unit_id": unit_id,
            "units": _unit_options(),
            "years": range(today.year + 1, today.year - 5, -1),
            "share": selectors.elapsed_share(year, today),
            "can_manage": services.can_manage_targets(request.user),
            "lagging": sum(1 for row in rows if row.standing in (selectors.LAGGING, selectors.MISSED)),
            "met": sum(1 for row in rows if row.met),
        },
    )


@role_required(*STAFF_ROLES)
def event_target_export(request):
    year = _target_year(request)
    unit_id = _int(request.GET.get("unit"), 1, 2**31 - 1)
    rows = selectors.target_progress(user=request.user, year=year, unit_id=unit_id)
    columns = [
        ExportColumn(_("Year"), lambda r: r.target.year, 8),
        ExportColumn(_("Unit"), lambda r: r.target.unit.name, 24),
        ExportColumn(_("Events counted"), lambda r: r.kind_label, 24),
        ExportColumn(_("At least"), lambda r: r.minimum, 10),
        ExportColumn(_("Held"), lambda r: r.held, 10),
        ExportColumn(_("Expected by now"), lambda r: r.expected, 12),
        ExportColumn(_("Progress (%)"), lambda r: r.percent, 10),
        ExportColumn(_("Standing"), lambda r: r.standing_label, 12),
    ]
    return xlsx_response(_("event-targets-%(year)s") % {"year": year}, _("Event targets"), columns, rows)


def _require_target_manager(request) -> None:
    if not services.can_manage_targets(request.user):
        raise PermissionDenied(_("Only the coordinating office sets event targets."))


@role_required(*EVERYONE)
def event_target_create(request):
    _require_target_manager(request)
    initial = {"year": _target_year(request)}
    form = forms.TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = services.target_save(
                actor=request.user, year=data["year"], unit=data["unit"].pk, kind=data["kind"], minimum=data["minimum"]
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The target is set."))
            return redirect(f"{reverse('event_target_list')}?year={target.year}")
    return render(request, "chains/events/target_form.html", {"form": form, "target": None})


@role_required(*EVERYONE)
def event_target_edit(request, pk):
    _require_target_manager(request)
    target = get_for_user(request.user, EventTarget.objects.select_related("unit"), pk=pk)
    initial = {"year": target.year, "unit": target.unit_id, "kind": target.kind, "minimum": target.minimum}
    form = forms.TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.target_save(
                actor=request.user,
                target_id=target.pk,
                year=data["year"],
                unit=data["unit"].pk,
                kind=data["kind"],
                minimum=data["minimum"],
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(request, _("The target is saved."))
            return redirect(f"{reverse('event_target_list')}?year={data['year']}")
    return render(request, "chains/events/target_form.html", {"form": form, "target": target})


@require_POST
@role_required(*EVERYONE)
def event_target_delete(request, pk):
    _require_target_manager(request)
    target = get_for_user(request.user, EventTarget, pk=pk)
    year = target.year
    services.target_delete(actor=request.user, target_id=target.pk)
    messages.success(request, _("The target is deleted."))
    return redirect(f"{reverse('event_target_list')}?year={year}")


@role_required(*EVERYONE)
def event_target_defaults(request):
    """Apply the seed's targets for a year: ≥ 10 county-wide, ≥ 2 by the industry bureau, ≥ 1 per township."""
    _require_target_manager(request)
    form = forms.DefaultsForm(request.POST or None, initial={"year": _target_year(request)})
    if request.method == "POST" and form.is_valid():
        try:
            result = services.targets_apply_defaults(
                actor=request.user, year=form.cleaned_data["year"], bureau_id=form.cleaned_data["bureau"].pk
            )
        except ValidationError as error:
            forms.apply_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(created)s targets set for %(year)s; %(kept)s units had a matchmaking target already.")
                % {"created": len(result.created), "year": result.year, "kept": len(result.kept)},
            )
            return redirect(f"{reverse('event_target_list')}?year={result.year}")
    return render(
        request,
        "chains/events/target_defaults.html",
        {
            "form": form,
            "root": services.jurisdiction_root(),
            "townships": Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, is_active=True).order_by("path"),
            "minimums": {
                "root": services.DEFAULT_ROOT_MINIMUM,
                "bureau": services.DEFAULT_BUREAU_MINIMUM,
                "township": services.DEFAULT_TOWNSHIP_MINIMUM,
            },
        },
    )


urlpatterns = [
    path("chains/events/", event_list, name="event_list"),
    path("chains/events/export/", event_export, name="event_export"),
    path("chains/events/new/", event_create, name="event_create"),
    path("chains/events/schedule/", event_schedule, name="event_schedule"),
    path("chains/events/<int:pk>/", event_detail, name="event_detail"),
    path("chains/events/<int:pk>/edit/", event_edit, name="event_edit"),
    path("chains/events/<int:pk>/held/", event_held, name="event_held"),
    path("chains/events/<int:pk>/cancel/", event_cancel, name="event_cancel"),
    path("chains/events/<int:pk>/delete/", event_delete, name="event_delete"),
    path("chains/events/<int:pk>/enterprises/", event_enterprise_search, name="event_enterprise_search"),
    path("chains/events/<int:pk>/participants/", event_invite, name="event_invite"),
    path("chains/events/participants/<int:pk>/remove/", event_participant_remove, name="event_participant_remove"),
    path("chains/events/<int:pk>/attendance/", event_attendance, name="event_attendance"),
    path("chains/events/<int:pk>/outcomes/", event_outcome_add, name="event_outcome_add"),
    path("chains/events/outcomes/<int:pk>/delete/", event_outcome_delete, name="event_outcome_delete"),
    path("chains/events/<int:pk>/cases/new/", event_case_raise, name="event_case_raise"),
    path("chains/targets/", event_target_list, name="event_target_list"),
    path("chains/targets/export/", event_target_export, name="event_target_export"),
    path("chains/targets/new/", event_target_create, name="event_target_create"),
    path("chains/targets/defaults/", event_target_defaults, name="event_target_defaults"),
    path("chains/targets/<int:pk>/edit/", event_target_edit, name="event_target_edit"),
    path("chains/targets/<int:pk>/delete/", event_target_delete, name="event_target_delete"),
]
