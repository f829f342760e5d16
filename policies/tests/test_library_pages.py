"""The office's library pages: who reads and who writes, the search and filters, the form with its rule
(messages per wrong part), publish and withdraw, clauses, the "who qualifies now" preview (= rules.eligible),
and the list's query count pinned."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.scope import scoped
from enterprises.models import Enterprise
from policies import rules
from policies.models import Policy, PolicyCategory
from policies.tests.test_library_support import SCALE_UP_RULE, give_revenue, make_policy

pytest_plugins = ["policies.tests.test_library_support"]


def form_data(**extra):
    data = {
        "title": "技术改造补助",
        "document_number": "新政发〔2026〕8号",
        "issuer": "新邵县工业和信息化局",
        "level": "county",
        "benefit_kind": "subsidy",
        "benefit_text": "按设备投资额的10%补助",
        "formula_kind": "rate",
        "formula_fact": "last_year_revenue",
        "formula_rate": "0.01",
        "benefit_cap": "50",
        "obtain": "application",
        "interpreter_name": "张解读",
        "interpreter_phone": "13800000000",
        "eligibility": json.dumps(SCALE_UP_RULE),
        "categories": [PolicyCategory.objects.get(name="科技创新").pk],
    }
    data.update(extra)
    return data


# Who reads, who writes --------------------------------------------------------------------------------------


def test_the_office_reads_and_writes(county, login, published, draft):
    client = login(county.office_user)
    page = client.get(reverse("policy_list")).content.decode()
    assert published.title in page and draft.title in page and 'data-testid="policy-new"' in page
    detail = client.get(reverse("policy_detail", args=[draft.pk])).content.decode()
    assert 'data-testid="policy-publish"' in detail and 'data-testid="clause-add"' in detail
    assert client.get(reverse("policy_new")).status_code == 200
    assert client.get(reverse("policy_edit", args=[draft.pk])).status_code == 200


@pytest.mark.parametrize("who", ["auditor", "gxj_handler", "leader", "cadre"])
def test_other_staff_read_only(county, login, published, draft, who):
    client = login(getattr(county, who))
    page = client.get(reverse("policy_list")).content.decode()
    assert draft.title in page and 'data-testid="policy-new"' not in page
    detail = client.get(reverse("policy_detail", args=[published.pk])).content.decode()
    assert 'data-testid="policy-withdraw"' not in detail and 'data-testid="clause-add"' not in detail
    assert client.get(reverse("policy_edit", args=[published.pk])).status_code == 403
    assert client.get(reverse("policy_new")).status_code == 403
    assert client.post(reverse("policy_withdraw", args=[published.pk])).status_code == 403
    assert (
        client.post(
            reverse("policy_clause_add", args=[published.pk]), {"new-heading": "x", "new-text": "y"}
        ).status_code
        == 403
    )
    published.refresh_from_db()
    assert published.status == "published" and published.clauses.count() == 2


def test_enterprise_users_get_403_on_the_office_pages(county, login, published):
    client = login(county.ent_a_user)
    for url in (
        reverse("policy_list"),
        reverse("policy_detail", args=[published.pk]),
        reverse("policy_new"),
        reverse("policy_preview", args=[published.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_anonymous_goes_to_login(client, published):
    response = client.get(reverse("policy_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_unknown_policy_is_404(county, login):
    assert login(county.office_user).get(reverse("policy_detail", args=[999])).status_code == 404


# Search and filters ----------------------------------------------------------------------------------------


@pytest.fixture
def library(county):
    a = make_policy(county, title="小升规企业奖励", full_text="首次入规奖励", document_number="新政发〔2026〕3号")
    b = make_policy(
        county,
        title="专精特新贷款贴息",
        document_number="湘工信〔2025〕12号",
        level=Policy.Level.PROVINCIAL,
        obtain=Policy.Obtain.APPLICATION,
        status=Policy.Status.DRAFT,
        benefit_kind=Policy.BenefitKind.INTEREST_SUBSIDY,
        summary="对专精特新企业的流动资金贷款给予贴息。",
        clauses=0,
    )
    b.categories.set([PolicyCategory.objects.get(name="融资支持")])
    b.clauses.create(position=1, heading="贴息标准", text="按贷款市场报价利率的50%给予贴息")
    c = make_policy(
        county, title="稳岗补贴", summary="不裁员或少裁员的企业返还失业保险费", status=Policy.Status.WITHDRAWN
    )
    return a, b, c


def titles(client, **params):
    page = client.get(reverse("policy_list"), params).content.decode()
    return {p.title for p in Policy.objects.all() if f">{p.title}</a>" in page}


def test_search_reaches_title_number_summary_full_text_and_clauses(county, login, library):
    a, b, c = library
    client = login(county.office_user)
    assert titles(client, q="入规") == {a.title}  # full text
    assert titles(client, q="湘工信") == {b.title}  # document number
    assert titles(client, q="报价利率") == {b.title}  # a clause
    assert titles(client, q="失业保险") == {c.title}  # summary
    assert titles(client, q="贴息 50%") == {b.title}  # every word
    assert titles(client, q="贴息 入规") == set()


def test_filters(county, login, library):
    a, b, c = library
    client = login(county.office_user)
    assert titles(client, level="provincial") == {b.title}
    assert titles(client, status="withdrawn") == {c.title}
    assert titles(client, obtain="application") == {b.title}
    assert titles(client, category=PolicyCategory.objects.get(name="融资支持").pk) == {b.title}
    assert titles(client, category=PolicyCategory.objects.get(name="融资支持").code) == {b.title}
    assert titles(client) == {a.title, b.title, c.title}


def test_list_query_count_does_not_grow_with_rows(county, login, django_assert_num_queries):
    client = login(county.office_user)
    for n in range(2):
        make_policy(county, title=f"政策{n}")
    client.get(reverse("policy_list"))  # warm the session
    # Session, user, roles, the calendar banner, the user's unit, categories, count, page, the page's categories.
    with django_assert_num_queries(9):
        assert client.get(reverse("policy_list")).status_code == 200
    for n in range(2, 10):
        make_policy(county, title=f"政策{n}")
    with django_assert_num_queries(9):
        page = client.get(reverse("policy_list")).content.decode()
    assert page.count('data-testid="policy-row"') == 10


# The form --------------------------------------------------------------------------------------------------


def test_the_office_enters_a_policy(county, login, english):
    client = login(county.office_user)
    response = client.post(reverse("policy_new"), form_data())
    policy = Policy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("policy_detail", args=[policy.pk])
    assert policy.status == "draft" and policy.eligibility == SCALE_UP_RULE
    assert policy.benefit_formula == {"fact": "last_year_revenue", "rate": 0.01}
    assert [c.name for c in policy.categories.all()] == ["科技创新"]

    response = client.post(
        reverse("policy_edit", args=[policy.pk]),
        form_data(title="技术改造补助（修订）", formula_kind="fixed", formula_amount="20"),
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.title == "技术改造补助（修订）" and policy.benefit_formula == {"fixed": 20}


def test_a_bad_rule_is_shown_part_by_part(county, login, english):
    client = login(county.office_user)
    bad = {"all": [{"fact": "revenu", "op": "gte", "value": 1}, {"any": []}]}
    response = client.post(
        reverse("policy_new"),
        form_data(
            eligibility=json.dumps(bad), expires_on="2026-01-01", effective_from="2026-06-01", interpreter_phone="123"
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200 and not Policy.objects.exists()
    assert "all[0]: unknown fact &#x27;revenu&#x27;" in page
    assert "all[1].any: must not be empty" in page
    assert "The policy cannot expire before it takes effect." in page
    assert 'data-testid="error-interpreter_phone"' in page
    # What was typed is kept for correction.
    assert "revenu" in page


def test_the_form_offers_the_builder(county, login, published):
    page = login(county.office_user).get(reverse("policy_edit", args=[published.pk])).content.decode()
    assert 'data-testid="rule-builder"' in page and "policies-rule-builder.js" in page
    data = page.split('id="rule-builder-data" type="application/json">')[1].split("</script>")[0]
    builder = json.loads(data)
    assert {f["name"] for f in builder["facts"]} >= {"above_scale", "last_year_revenue", "tags"}
    assert {t["value"] for t in builder["tags"]} >= {"srdi"}
    assert county.town_a.pk in {r["value"] for r in builder["regions"]}
    # The saved rule is in the textarea, as JSON.
    assert "last_year_revenue" in page


# Publish, withdraw, clauses ---------------------------------------------------------------------------------


def test_publish_and_withdraw_from_the_page(county, login, draft, english):
    client = login(county.office_user)
    response = client.post(reverse("policy_publish", args=[draft.pk]), follow=True)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.published_at is not None
    assert "is published" in response.content.decode()
    client.post(reverse("policy_withdraw", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == "withdrawn"


def test_publish_refused_shows_why(county, login, english):
    policy = make_policy(county, status=Policy.Status.DRAFT, eligibility={})
    page = login(county.office_user).post(reverse("policy_publish", args=[policy.pk]), follow=True).content.decode()
    assert "Write the eligibility rule before publishing" in page
    policy.refresh_from_db()
    assert policy.status == "draft"


def test_clauses_from_the_page(county, login, draft):
    client = login(county.office_user)
    client.post(reverse("policy_clause_add", args=[draft.pk]), {"new-heading": "第3条", "new-text": "新增"})
    third = draft.clauses.get(position=3)
    client.post(reverse("policy_clause_move", args=[draft.pk, third.pk]), {"position": "1"})
    assert [c.heading for c in draft.clauses.order_by("position")] == ["第3条", "第1条", "第2条"]
    client.post(
        reverse("policy_clause_edit", args=[draft.pk, third.pk]),
        {f"clause-{third.pk}-heading": "总则", f"clause-{third.pk}-text": "修改后"},
    )
    third.refresh_from_db()
    assert (third.heading, third.text) == ("总则", "修改后")
    client.post(reverse("policy_clause_delete", args=[draft.pk, third.pk]))
    assert [(c.position, c.heading) for c in draft.clauses.order_by("position")] == [(1, "第1条"), (2, "第2条")]


# Who qualifies now -----------------------------------------------------------------------------------------


@pytest.fixture
def candidates(county):
    """ent_a and ent_c (酿溪镇) qualify for 小升规 by revenue; ent_b is above scale already."""
    give_revenue(county.ent_a, 1800)
    give_revenue(county.ent_c, 1600)
    give_revenue(county.ent_b, 1700)
    Enterprise.objects.filter(pk=county.ent_b.pk).update(above_scale=True)
    return county


def test_preview_count_equals_rules_eligible(candidates, login, published, english):
    county = candidates
    today = timezone.localdate()
    for user, expected in ((county.office_user, 2), (county.sme_handler, 1)):
        eligible = rules.eligible(scoped(user, Enterprise.objects.all()), SCALE_UP_RULE, today)
        assert eligible.count() == expected
        page = login(user).get(reverse("policy_preview", args=[published.pk])).content.decode()
        assert f'data-testid="preview-count">{expected}<' in page
        assert page.count('data-testid="preview-row"') == expected
    page = login(county.office_user).get(reverse("policy_preview", args=[published.pk])).content.decode()
    assert county.ent_a.name in page and county.ent_b.name not in page
    assert "last year&#x27;s revenue 1,800 10k yuan ∈ 1,500 10k yuan to 2,000 10k yuan: passed" in page


def test_preview_of_the_rule_being_written(candidates, login, english):
    client = login(candidates.office_user)
    rule = {"fact": "above_scale", "op": "eq", "value": True}
    page = client.post(reverse("policy_rule_preview"), {"eligibility": json.dumps(rule)}).content.decode()
    assert 'data-testid="preview-count">1<' in page and candidates.ent_b.name in page
    page = client.post(reverse("policy_rule_preview"), {"eligibility": '{"any": []}'}).content.decode()
    assert "any: must not be empty" in page


def test_preview_shows_the_first_twenty(county, login, published, english):
    from conftest import make_credit_code

    for n in range(22):
        e = Enterprise.objects.create(credit_code=make_credit_code(100 + n), name=f"候选{n:02d}", region=county.town_a)
        give_revenue(e, 1700)
    page = login(county.office_user).get(reverse("policy_preview", args=[published.pk])).content.decode()
    assert 'data-testid="preview-count">22<' in page
    assert page.count('data-testid="preview-row"') == 20 and "and 2 more." in page
