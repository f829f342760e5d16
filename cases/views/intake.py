"""Intake pages (有诉即办): a problem comes in through every channel and gets its number.

- `/cases/file/`: an enterprise user files a problem of their own enterprise (from a phone);
- `/intake/<token>/`: anyone at the enterprise, through its QR code, without an account;
- `/cases/new/`: the office files what came in by hotline, at a reception day or at its desk, for one
  enterprise or several (a common issue);
- `/cases/from-visit-problem/<id>/`: staff file a problem found on a visit;
- `/office/import/cases/`: the office imports a case ledger (问题台账) from Excel.

Every page files through cases.services.intake.case_submit and puts its messages back on the form. After
filing, the numbers given out are kept in the session and shown on a confirmation page (so that reloading
it does not file the problem twice).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import STAFF_ROLES, Role
from accounts.scope import get_for_user, has_role, scoped
from accounts.views_import import import_page, template_response
from cases.forms.intake import OfficeIntakeForm, QrIntakeForm, SelfServiceForm, VisitProblemForm
from cases.imports import CASES, CASES_IMPORT, cases_import
from cases.models import Case
from cases.services import intake
from cases.templatetags.intake_panels import intake_url, qr_svg
from core.periods import int_or_none
from core.permissions import role_required
from enterprises.models import Enterprise, VisitProblem
from enterprises.selectors.registry import can_see_contacts
from enterprises.selectors.visits import enterprise_search
from enterprises.services.visits import RECORDING_ROLES

Channel = Case.Channel
FILED_KEY = "cases.intake.filed"
QR_FILED_KEY = "cases.intake.qr_filed"
TITLE_FROM_PROBLEM = 60
# Fields of the office form that the no-JavaScript search (a GET of the whole form) carries back.
OFFICE_TYPED = (
    "channel",
    "title",
    "description",
    "category",
    "urgency",
    "contact_name",
    "contact_phone",
    "external_ref",
)


def _submit(request, form, **arguments) -> list[Case] | None:
    """File through the service; its refusals go back on the form (what was typed stays)."""
    try:
        return intake.case_submit(actor=request.user, **form.service_arguments(), **arguments)
    except ValidationError as error:
        form.add_service_error(error)
    return None


def _remember(request, key: str, cases: list[Case]) -> None:
    request.session[key] = {
        "ids": [c.pk for c in cases],
        "numbers": [c.number for c in cases],
        "common_issue": cases[0].common_issue_id,
        "enterprise": cases[0].enterprise_id,
    }


# Confirmation --------------------------------------------------------------------------------------------


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def case_filed(request):
    """What was just filed: the numbers, with links to the cases the user may open."""
    filed = request.session.get(FILED_KEY)
    if not filed:
        return redirect("home")
    visible = {
        c.pk: c for c in scoped(request.user, Case.objects.filter(pk__in=filed["ids"])).select_related("enterprise")
    }
    rows = [
        {"number": number, "case": visible.get(pk)} for pk, number in zip(filed["ids"], filed["numbers"], strict=True)
    ]
    again_url = ""
    if has_role(request.user, Role.OFFICE):
        again_url = reverse("case_new")
    elif has_role(request.user, Role.ENTERPRISE):
        again_url = reverse("case_file")
    return render(
        request,
        "cases/intake/filed.html",
        {"rows": rows, "count": len(rows), "common_issue": filed["common_issue"], "again_url": again_url},
    )


# Enterprise self-service -----------------------------------------------------------------------------------


@role_required(Role.ENTERPRISE)
def case_file(request):
    user = request.user
    if not user.enterprise_id:
        raise PermissionDenied(_("Self-service filing is for enterprise users."))
    if request.method == "POST":
        form = SelfServiceForm(request.POST, request.FILES)
        if form.is_valid():
            cases = _submit(request, form, enterprise_ids=[user.enterprise_id], channel=Channel.SELF_SERVICE)
            if cases:
                _remember(request, FILED_KEY, cases)
                return redirect("case_filed")
    else:
        form = SelfServiceForm(initial={"contact_name": user.full_name, "contact_phone": user.phone})
    return render(request, "cases/intake/self_service.html", {"form": form, "enterprise": user.enterprise})


# QR code ---------------------------------------------------------------------------------------------------


def _token_enterprise(request, token):
    try:
        return intake.enterprise_for_token(token), None
    except ValidationError as error:
        page = render(request, "cases/intake/qr_invalid.html", {"message": " ".join(error.messages)}, status=400)
        return None, page


def qr_intake(request, token):
    """The page behind an enterprise's QR code: no account needed, a name and a phone to call back."""
    enterprise, refusal = _token_enterprise(request, token)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        form = QrIntakeForm(request.POST, request.FILES)
        if form.is_valid():
            cases = _submit(request, form, enterprise_ids=[enterprise.pk], channel=Channel.QR_CODE)
            if cases:
                _remember(request, QR_FILED_KEY, cases)
                return redirect("intake_qr_done", token=token)
    else:
        form = QrIntakeForm()
    return render(request, "cases/intake/qr_form.html", {"form": form, "enterprise": enterprise})


def qr_intake_done(request, token):
    enterprise, refusal = _token_enterprise(request, token)
    if refusal is not None:
        return refusal
    filed = request.session.get(QR_FILED_KEY)
    if not filed or filed.get("enterprise") != enterprise.pk:
        return redirect("intake_qr", token=token)
    return render(
        request,
        "cases/intake/qr_done.html",
        {"enterprise": enterprise, "numbers": filed["numbers"], "token": token},
    )


def _may_renew_code(user, enterprise) -> bool:
    return has_role(user, Role.OFFICE) or (has_role(user, Role.ENTERPRISE) and user.enterprise_id == enterprise.pk)


@role_required(*STAFF_ROLES, Role.ENTERPRISE)
def enterprise_qr(request, pk):
    """The enterprise's intake QR code, to print and put up at the enterprise."""
    enterprise = get_for_user(request.user, Enterprise, pk=pk)
    url = intake_url(request, enterprise)
    return render(
        request,
        "cases/intake/qr_print.html",
        {
            "enterprise": enterprise,
            "url": url,
            "svg": qr_svg(url, title=enterprise.name),
            "may_renew": _may_renew_code(request.user, enterprise),
            "renewed": request.GET.get("renewed") == "1",
        },
    )


@require_POST
@role_required(Role.OFFICE, Role.ENTERPRISE)
def enterprise_qr_renew(request, pk):
    """Replace the enterprise's QR code: the codes printed before stop working."""
    intake.intake_code_renew(actor=request.user, enterprise_id=pk)
    return redirect(reverse("enterprise_intake_qr", args=[pk]) + "?renewed=1")


# Office intake -------------------------------------------------------------------------------------------


def _picker(request, chosen_ids: list[int], search: str) -> dict:
    """The enterprise picker's choices: those chosen (in scope) first, then the search results."""
    chosen = []
    if chosen_ids:
        chosen = list(
            scoped(request.user, Enterprise.objects.filter(pk__in=chosen_ids[: intake.MAX_ENTERPRISES])).order_by(
                "name"
            )
        )
    chosen_pks = {e.pk for e in chosen}
    results = [e for e in enterprise_search(user=request.user, search=search) if e.pk not in chosen_pks]
    return {"chosen": chosen, "results": results, "q": search}


def _ids(values) -> list[int]:
    return [pk for pk in (int_or_none(v) for v in values) if pk is not None]


@role_required(Role.OFFICE)
def case_new(request):
    if request.method == "POST":
        form = OfficeIntakeForm(request.POST, request.FILES)
        if form.is_valid():
            cases = _submit(request, form)
            if cases:
                _remember(request, FILED_KEY, cases)
                return redirect("case_filed")
        chosen_ids, search = _ids(request.POST.getlist("enterprise_ids")), request.POST.get("q", "").strip()
    else:
        # Without JavaScript the search button sends the whole form by GET: keep what was typed.
        typed = {name: request.GET[name] for name in OFFICE_TYPED if name in request.GET}
        form = OfficeIntakeForm(initial=typed)
        chosen_ids = _ids(request.GET.getlist("enterprise_ids") or request.GET.getlist("enterprise"))
        search = request.GET.get("q", "").strip()
    return render(request, "cases/intake/office.html", {"form": form, **_picker(request, chosen_ids, search)})


@role_required(Role.OFFICE)
def case_new_enterprise_search(request):
    """The HTMX fragment of the picker: the chosen enterprises kept, then those matching ?q=."""
    context = _picker(request, _ids(request.GET.getlist("enterprise_ids")), request.GET.get("q", "").strip())
    return render(request, "cases/intake/_enterprise_choices.html", context)


# From a visit ----------------------------------------------------------------------------------------------


def _problem_title(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return Truncator(first_line).chars(TITLE_FROM_PROBLEM)


@role_required(*RECORDING_ROLES)
def case_from_visit_problem(request, problem_id):
    problem = get_for_user(
        request.user,
        VisitProblem.objects.select_related("visit__enterprise", "visit__visitor", "visit__unit"),
        pk=problem_id,
    )
    visit, enterprise = problem.visit, problem.visit.enterprise
    existing = problem.cases.order_by("pk").first()
    context = {"problem": problem, "visit": visit, "enterprise": enterprise}
    if existing is not None:
        visible = scoped(request.user, Case.objects.filter(pk=existing.pk)).exists()
        return render(
            request,
            "cases/intake/visit_problem.html",
            {**context, "existing": existing, "existing_visible": visible},
        )
    if request.method == "POST":
        form = VisitProblemForm(request.POST, request.FILES)
        if form.is_valid():
            cases = _submit(
                request, form, enterprise_ids=[enterprise.pk], channel=Channel.VISIT, visit_problem_id=problem.pk
            )
            if cases:
                _remember(request, FILED_KEY, cases)
                return redirect("case_filed")
    else:
        initial = {"title": _problem_title(problem.description), "description": problem.description}
        if enterprise.contact_name:
            initial["contact_name"] = enterprise.contact_name
        if enterprise.contact_phone and can_see_contacts(request.user, enterprise):
            initial["contact_phone"] = enterprise.contact_phone
        form = VisitProblemForm(initial=initial)
    return render(request, "cases/intake/visit_problem.html", {**context, "form": form})


# Ledger import ---------------------------------------------------------------------------------------------


@role_required(Role.OFFICE)
def import_cases(request):
    return import_page(request, CASES_IMPORT, cases_import, "cases/intake/import.html")


@role_required(Role.OFFICE)
def import_cases_template(request, kind):
    if kind != CASES:
        raise Http404
    return template_response(CASES_IMPORT, "问题台账导入模板.xlsx")


urlpatterns = [
    path("cases/file/", case_file, name="case_file"),
    path("cases/filed/", case_filed, name="case_filed"),
    path("cases/new/", case_new, name="case_new"),
    path("cases/new/enterprise-search/", case_new_enterprise_search, name="case_new_enterprise_search"),
    path("cases/from-visit-problem/<int:problem_id>/", case_from_visit_problem, name="case_from_visit_problem"),
    path("cases/enterprises/<int:pk>/qr/", enterprise_qr, name="enterprise_intake_qr"),
    path("cases/enterprises/<int:pk>/qr/renew/", enterprise_qr_renew, name="enterprise_intake_qr_renew"),
    path("intake/<str:token>/", qr_intake, name="intake_qr"),
    path("intake/<str:token>/done/", qr_intake_done, name="intake_qr_done"),
    path("office/import/cases/", import_cases, name="import_cases"),
    path("office/import/<str:kind>/template.xlsx", import_cases_template, name="import_cases_template"),
]
