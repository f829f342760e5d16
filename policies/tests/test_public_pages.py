"""The public policy pages, without logging in: a published policy's page with the interpreter's tel: link
and a QR code per clause (inline SVG, made on the server), a clause's page, the printable card, the search;
drafts and withdrawn policies are 404."""

import pytest
from django.urls import reverse

from policies.models import Policy
from policies.tests.test_library_support import make_policy

pytest_plugins = ["policies.tests.test_library_support"]


def test_a_published_policy_is_public(client, published):
    response = client.get(reverse("policy_public", args=[published.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert published.title in page and published.summary in page and "一次性奖励10万元" in page
    assert 'href="tel:0739-3612345"' in page and "刘解读" in page
    # One QR code for the policy and one per clause, each inline SVG pointing at its own page.
    assert page.count("<svg") == 1 + published.clauses.count()
    assert page.count('data-testid="clause-qr"><svg') == 2
    for clause in published.clauses.all():
        assert f"http://testserver{reverse('policy_clause_public', args=[published.pk, clause.position])}" in page


def test_each_clause_has_its_page_with_its_code(client, published):
    page = client.get(reverse("policy_clause_public", args=[published.pk, 2])).content.decode()
    assert "第2条" in page and "条款2的内容" in page and "<svg" in page and 'href="tel:' in page
    assert client.get(reverse("policy_clause_public", args=[published.pk, 3])).status_code == 404


def test_the_printable_card(client, published):
    response = client.get(reverse("policy_card", args=[published.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'data-testid="policy-card"' in page
    assert page.count("<svg") == 1 and "policies-library.css" in page
    assert f"http://testserver{reverse('policy_public', args=[published.pk])}" in page


@pytest.mark.parametrize("status", [Policy.Status.DRAFT, Policy.Status.WITHDRAWN])
def test_drafts_and_withdrawn_policies_are_404(client, county, status):
    policy = make_policy(county, status=status)
    for name, args in (
        ("policy_public", [policy.pk]),
        ("policy_card", [policy.pk]),
        ("policy_clause_public", [policy.pk, 1]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404
    assert policy.title not in client.get(reverse("policy_public_list")).content.decode()


def test_public_search(client, county, published):
    make_policy(county, title="专精特新贷款贴息", summary="贷款贴息", clauses=0, document_number="湘工信〔2025〕12号")
    make_policy(county, title="草稿政策", status=Policy.Status.DRAFT)
    page = client.get(reverse("policy_public_list")).content.decode()
    assert page.count('data-testid="public-policy"') == 2 and "草稿政策" not in page
    page = client.get(reverse("policy_public_list"), {"q": "条款1"}).content.decode()  # in a clause
    assert page.count('data-testid="public-policy"') == 1 and published.title in page
    page = client.get(reverse("policy_public_list"), {"q": "湘工信"}).content.decode()
    assert page.count('data-testid="public-policy"') == 1 and "专精特新贷款贴息" in page
    assert (
        'data-testid="public-policy"' not in client.get(reverse("policy_public_list"), {"q": "草稿"}).content.decode()
    )


def test_signed_in_users_see_the_same_pages(login, county, published):
    assert login(county.ent_a_user).get(reverse("policy_public", args=[published.pk])).status_code == 200


def test_public_list_query_count_does_not_grow(client, county, django_assert_num_queries):
    for n in range(2):
        make_policy(county, title=f"政策{n}")
    # Count, page, the page's categories, the category filter.
    with django_assert_num_queries(4):
        client.get(reverse("policy_public_list"))
    for n in range(2, 10):
        make_policy(county, title=f"政策{n}")
    with django_assert_num_queries(4):
        page = client.get(reverse("policy_public_list")).content.decode()
    assert page.count('data-testid="public-policy"') == 10


def test_policy_page_query_count_does_not_grow_with_clauses(client, county, django_assert_num_queries):
    few, many = make_policy(county, clauses=2), make_policy(county, clauses=12)
    # The policy, its categories, its clauses.
    with django_assert_num_queries(3):
        client.get(reverse("policy_public", args=[few.pk]))
    with django_assert_num_queries(3):
        page = client.get(reverse("policy_public", args=[many.pk])).content.decode()
    assert page.count("<svg") == 13
