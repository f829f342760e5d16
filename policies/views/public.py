"""The public policy pages (惠企政策一本通, seed 002: 一图读懂、一码链接原文、一号拨通咨询), read without logging
in: the search over published policies, a policy's page (summary, benefit, how to obtain it, the interpreter
and a tel: link, every clause with its own QR code), a clause's page, and the one-page printable card with
the policy's QR code. A draft or withdrawn policy does not exist here (404)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from cases.templatetags.intake_panels import qr_svg
from core.pagination import paginate
from policies.models import Policy
from policies.selectors import library as selectors

PAGE_SIZE = 20


def _absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


def policy_public_list(request):
    search = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    level = request.GET.get("level", "")
    page = paginate(request, selectors.public_policy_list(search=search, category=category, level=level), PAGE_SIZE)
    return render(
        request,
        "policies/public/policy_list.html",
        {
            "page": page,
            "search": search,
            "category": category,
            "level": level,
            "categories": selectors.categories(),
            "levels": Policy.Level.choices,
        },
    )


def _policy_context(request, policy: Policy) -> dict:
    url = _absolute(request, "policy_public", policy.pk)
    clauses = [
        {
            "clause": clause,
            "url": _absolute(request, "policy_clause_public", policy.pk, clause.position),
        }
        for clause in policy.clauses.all()
    ]
    for item in clauses:
        item["svg"] = qr_svg(item["url"], title=item["clause"].heading)
    today = timezone.localdate()
    return {
        "policy": policy,
        "url": url,
        "svg": qr_svg(url, title=policy.title),
        "clauses": clauses,
        "categories": list(policy.categories.all()),
        "expired": bool(policy.expires_on and policy.expires_on < today),
        "deadline_passed": bool(policy.application_deadline and policy.application_deadline < today),
    }


def policy_public(request, pk):
    policy = selectors.public_policy(pk)
    return render(request, "policies/public/policy.html", _policy_context(request, policy))


def policy_clause_public(request, pk, position):
    clause = selectors.public_clause(pk, position)
    url = _absolute(request, "policy_clause_public", pk, position)
    return render(
        request,
        "policies/public/clause.html",
        {
            "policy": clause.policy,
            "clause": clause,
            "url": url,
            "svg": qr_svg(url, title=clause.heading),
            "policy_url": reverse("policy_public", args=[pk]),
        },
    )


def policy_card(request, pk):
    policy = selectors.public_policy(pk)
    return render(request, "policies/public/card.html", _policy_context(request, policy))


urlpatterns = [
    path("p/", policy_public_list, name="policy_public_list"),
    path("p/<int:pk>/", policy_public, name="policy_public"),
    path("p/<int:pk>/card/", policy_card, name="policy_card"),
    path("p/<int:pk>/<int:position>/", policy_clause_public, name="policy_clause_public"),
]
