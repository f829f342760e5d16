"""Common-issue pages (共性问题 · 点办理、批处理).

- `/cases/common/`: the common issues the user sees, with how many members and in which states;
- `/cases/common/<pk>/`: the members (enterprise, state, rating, a link to each case); the office adds cases
  awaiting dispatch to it, or takes one out;
- `/cases/common/merge/`: the office merges two or more cases awaiting dispatch into a new common issue.

Handling a common issue happens on any member's own page: the services apply it to every member at the same
stage (cases.services.handling). The writes here are the office's: anyone else gets 403, an issue outside
the user's scope 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role
from cases.deadlines import Thresholds
from cases.forms import common as forms
from cases.models import Case
from cases.selectors import common as selectors
from cases.services import dispatch
from cases.services.base import require_office
from core.pagination import paginate
from core.permissions import role_required

READERS = tuple(Role.values)


def _ticked(form) -> list[int]:
    """The ids ticked on a submitted form, to tick them again when it comes back with a message."""
    try:
        return forms.CaseIdsField().clean(form.data.getlist(form.add_prefix("case_ids")))
    except ValidationError:
        return []


def _ids(values) -> list[int]:
    return list(dict.fromkeys(int(v) for v in values if v.strip().isdigit()))


@role_required(*READERS)
def common_issue_list(request):
    search = request.GET.get("q", "").strip()
    open_only = request.GET.get("open") == "1"
    page = paginate(request, selectors.issue_filter(user=request.user, search=search, open_only=open_only))
    for issue in page:
        issue.states = selectors.states_of(issue)
    return render(
        request,
        "cases/common/list.html",
        {"page": page, "q": search, "open_only": open_only, "is_office": has_role(request.user, Role.OFFICE)},
    )


def _render_detail(request, issue, *, add_form=None, search: str = "", status: int = 200):
    is_office = has_role(request.user, Role.OFFICE)
    accepts = is_office and selectors.accepts_members(issue)
    context = {
        "issue": issue,
        "states": selectors.states_of(issue),
        "members": list(selectors.members_of(request.user, issue)),
        "is_office": is_office,
        # Merged from the first member's text: another enterprise's words, not for an enterprise to read.
        "show_description": has_role(request.user, *STAFF_ROLES),
        "accepts": accepts,
        "thresholds": Thresholds.at(),
    }
    if accepts:
        if add_form is not None:
            ticked = _ticked(add_form)
        else:
            # The search button sends the whole add form by GET: what was ticked and typed comes back.
            add_form = forms.AddCasesForm(
                user=request.user, prefix="add", initial={"numbers": request.GET.get("add-numbers", "")}
            )
            ticked = _ids(request.GET.getlist("add-case_ids"))
        context.update(
            add_form=add_form,
            search=search,
            ticked=ticked,
            candidates=selectors.merge_candidates(request.user, search=search, exclude_ids=ticked),
            chosen=selectors.chosen_cases(request.user, ticked),
            remove_form=forms.RemoveCaseForm(),
        )
    elif is_office:
        context["remove_form"] = forms.RemoveCaseForm()
    return render(request, "cases/common/detail.html", context, status=status)


@role_required(*READERS)
def common_issue_detail(request, pk):
    issue = selectors.issue_for(request.user, pk)
    return _render_detail(request, issue, search=request.GET.get("q", "").strip())


@require_POST
@role_required(*READERS)
def common_issue_add(request, pk):
    issue = selectors.issue_for(request.user, pk)
    require_office(request.user)
    form = forms.AddCasesForm(request.POST, user=request.user, prefix="add")
    if form.is_valid():
        try:
            dispatch.case_merge(actor=request.user, case_ids=form.cleaned_data["all_ids"], common_issue_id=issue.pk)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            count = len(form.cleaned_data["all_ids"])
            messages.success(request, _("%(count)s cases added to the common issue.") % {"count": count})
            return redirect("common_issue_detail", issue.pk)
    return _render_detail(request, issue, add_form=form, search=request.POST.get("q", "").strip())


@require_POST
@role_required(*READERS)
def common_issue_remove(request, pk, case_pk):
    issue = selectors.issue_for(request.user, pk)
    case = get_for_user(request.user, Case.objects.filter(common_issue=issue), pk=case_pk)
    require_office(request.user)
    form = forms.RemoveCaseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        dispatch.case_unmerge(actor=request.user, case_id=case.pk, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Case %(number)s is taken out of the common issue and handled on its own.") % {"number": case.number},
        )
    return redirect("common_issue_detail", issue.pk)


@role_required(Role.OFFICE)
def common_issue_merge(request):
    """Pick two or more cases awaiting dispatch (ticked from a search, or by number) and give the issue a title.
    The search is a GET of the whole form, so what was typed and ticked stays without JavaScript."""
    if request.method == "POST":
        form = forms.MergeForm(request.POST, user=request.user)
        search = request.POST.get("q", "").strip()
        if form.is_valid():
            try:
                issue = dispatch.case_merge(
                    actor=request.user, case_ids=form.cleaned_data["all_ids"], title=form.cleaned_data["title"]
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    _("Common issue “%(title)s” created with %(count)s cases.")
                    % {"title": issue.title, "count": len(form.cleaned_data["all_ids"])},
                )
                return redirect("common_issue_detail", issue.pk)
        ticked = _ticked(form)
    else:
        search = request.GET.get("q", "").strip()
        form = forms.MergeForm(
            user=request.user,
            initial={"title": request.GET.get("title", ""), "numbers": request.GET.get("numbers", "")},
        )
        ticked = _ids(request.GET.getlist("case_ids"))
    return render(
        request,
        "cases/common/merge.html",
        {
            "form": form,
            "search": search,
            "ticked": ticked,
            "chosen": selectors.chosen_cases(request.user, ticked),
            "candidates": selectors.merge_candidates(request.user, search=search, exclude_ids=ticked),
            "thresholds": Thresholds.at(),
        },
    )


urlpatterns = [
    path("cases/common/", common_issue_list, name="common_issue_list"),
    path("cases/common/merge/", common_issue_merge, name="common_issue_merge"),
    path("cases/common/<int:pk>/", common_issue_detail, name="common_issue_detail"),
    path("cases/common/<int:pk>/add/", common_issue_add, name="common_issue_add"),
    path("cases/common/<int:pk>/remove/<int:case_pk>/", common_issue_remove, name="common_issue_remove"),
]
