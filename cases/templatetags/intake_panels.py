"""Intake on the pages of other apps: the intake panel of the enterprise profile (report or file a problem,
the enterprise's QR code), and the "file as a case" link beside each problem found on a visit.

    {% load intake_panels %}
    {% intake_panel enterprise %}
    {% problem_cases visit as filed %}            {# or a list of visits: two queries however many #}
    {% problem_case_link problem filed %}
"""

from __future__ import annotations

from collections.abc import Iterable

import segno
from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from accounts.models import STAFF_ROLES, Role
from accounts.scope import has_role, is_office, scoped
from cases.models import Case
from cases.services.intake import intake_token
from enterprises.services.visits import may_record_visits

register = template.Library()


def intake_url(request, enterprise) -> str:
    """The full address behind the enterprise's QR code."""
    return request.build_absolute_uri(reverse("intake_qr", args=[intake_token(enterprise)]))


def qr_svg(text: str, *, title: str = "") -> str:
    """The QR code of `text` as inline SVG (made here, nothing fetched): it scales with its box, and prints."""
    code = segno.make(text, error="m")
    return mark_safe(code.svg_inline(scale=1, border=2, omitsize=True, title=title or None, svgclass="qr"))


@register.inclusion_tag("cases/intake/_panel.html", takes_context=True)
def intake_panel(context, enterprise):
    """The profile has checked that the viewer sees the enterprise; this decides what they get. The
    enterprise's own users: report a problem. Staff: the office files a case for it, and everyone can
    print its QR code."""
    user = context["user"]
    request = context.get("request")
    own = has_role(user, Role.ENTERPRISE) and user.enterprise_id == enterprise.pk
    staff = has_role(user, *STAFF_ROLES)
    if not (own or staff) or request is None:
        return {"show": False}
    url = intake_url(request, enterprise)
    return {
        "show": True,
        "enterprise": enterprise,
        "own": own,
        "office": staff and is_office(user),
        "visit_hint": staff and not is_office(user) and may_record_visits(user),
        "url": url,
        "svg": qr_svg(url, title=enterprise.name),
    }


def _user(context):
    # Inside an inclusion tag's template (the visits panel) the context processors' `user` is not there.
    user = context.get("user")
    if user is None and getattr(context, "request", None) is not None:
        user = context.request.user
    return user


def _problems(visits) -> list:
    if visits is None:
        return []
    if hasattr(visits, "problems"):
        visits = [visits]
    return [p for visit in visits for p in visit.problems.all()]


@register.simple_tag(takes_context=True)
def problem_cases(context, visits: Iterable | None):
    """{problem id: (case number, case id or None when the viewer may not open it)} of the problems of
    `visits` that were filed as cases."""
    ids = [p.pk for p in _problems(visits)]
    if not ids:
        return {}
    filed = {problem_id: (number, pk) for pk, number, problem_id in _filed(ids)}
    visible = set(
        scoped(_user(context), Case.objects.filter(pk__in=[pk for _n, pk in filed.values()])).values_list(
            "pk", flat=True
        )
    )
    return {problem_id: (number, pk if pk in visible else None) for problem_id, (number, pk) in filed.items()}


def _filed(problem_ids: list[int]):
    return (
        Case.objects.filter(visit_problem_id__in=problem_ids)
        .order_by("-pk")
        .values_list("pk", "number", "visit_problem_id")
    )


@register.simple_tag(takes_context=True)
def problem_case_link(context, problem, filed: dict):
    """The case a problem became, or a link to file it (for those who may record visits)."""
    if problem.pk in filed:
        number, pk = filed[problem.pk]
        if pk is None:
            return format_html('<span class="problem-case muted" data-testid="problem-case">{}</span>', number)
        return format_html(
            '<a class="problem-case" href="{}" data-testid="problem-case">{}</a>',
            reverse("case_detail", args=[pk]),
            number,
        )
    user = _user(context)
    if user is None or not may_record_visits(user):
        return ""
    return format_html(
        '<a class="problem-file" href="{}" data-testid="problem-file">{}</a>',
        reverse("case_from_visit_problem", args=[problem.pk]),
        _("File as a case"),
    )
