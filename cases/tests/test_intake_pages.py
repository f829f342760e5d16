"""Intake pages: the enterprise's self-service form, the QR form (no account), the office's form with its
enterprise picker, filing a problem found on a visit, the printable QR code and the profile panel."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Case, CaseAttachment, CaseEvent, CommonIssue
from cases.services import intake
from cases.services.trail import verify_trail
from conftest import PASSWORD
from enterprises.models import Visit, VisitProblem
from enterprises.services.visits import visit_record

Channel = Case.Channel
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


def problem(kind, **extra):
    data = {
        "title": "用工缺口大",
        "description": "旺季招工难，缺少熟练焊工20人。",
        "category": kind.pk,
        "urgency": "normal",
        "contact_name": "张三",
        "contact_phone": "13800000000",
    }
    data.update(extra)
    return data


# Enterprise self-service ------------------------------------------------------------------------------------


def test_enterprise_files_for_itself_and_sees_the_number(county, category, login):
    client = login(county.ent_a_user)
    page = client.get(reverse("case_file"))
    assert page.status_code == 200
    assert page.context["form"].initial["contact_name"] == "湘中机械联系人"
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(reverse("case_file"), {**problem(category), "files": [photo]})
    assert response.status_code == 302 and response.url == reverse("case_filed")
    case = Case.objects.get()
    assert (case.enterprise, case.channel, case.submitted_by) == (county.ent_a, Channel.SELF_SERVICE, county.ent_a_user)
    assert CaseAttachment.objects.get(case=case).original_name == "现场.png"
    done = client.get(reverse("case_filed"))
    assert case.number in done.content.decode()
    assert reverse("case_detail", args=[case.pk]) in done.content.decode()


@pytest.mark.parametrize("who", ["office_user", "gxj_handler", "cadre"])
def test_self_service_page_is_the_enterprises_only(county, login, who):
    assert login(getattr(county, who)).get(reverse("case_file")).status_code == 403


def test_anonymous_is_sent_to_login(client, county):
    response = client.get(reverse("case_file"))
    assert response.status_code == 302 and "login" in response.url


def test_enterprise_cannot_slip_in_another_enterprise(county, category, login):
    # The page files for the user's own enterprise whatever the form carries.
    login(county.ent_a_user).post(reverse("case_file"), {**problem(category), "enterprise_ids": [county.ent_b.pk]})
    assert list(Case.objects.values_list("enterprise_id", flat=True)) == [county.ent_a.pk]


def test_missing_title_and_unknown_category_are_shown_by_the_fields(county, category, login, settings):
    settings.LANGUAGE_CODE = "en"  # the assertion reads the English message
    client = login(county.ent_a_user)
    response = client.post(reverse("case_file"), problem(category, title="", category=999999))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'data-testid="error-title"' in content and 'data-testid="error-category"' in content
    assert "Unknown category." in str(response.context["form"].errors["category"])
    # What was typed stays.
    assert "旺季招工难" in content
    assert Case.objects.count() == 0


def test_wrong_file_type_is_refused_on_the_files_field(county, category, login):
    client = login(county.ent_a_user)
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(reverse("case_file"), {**problem(category), "files": [bad]})
    assert response.status_code == 200
    assert "tool.exe" in str(response.context["form"].errors["files"])
    fake = SimpleUploadedFile("photo.png", b"not a png", content_type="image/png")
    response = client.post(reverse("case_file"), {**problem(category), "files": [fake]})
    assert "photo.png" in str(response.context["form"].errors["files"])
    assert Case.objects.count() == 0 and CaseAttachment.objects.count() == 0


def test_bad_phone_on_self_service(county, category, login):
    response = login(county.ent_a_user).post(reverse("case_file"), problem(category, contact_phone="12ab"))
    assert response.context["form"].errors["contact_phone"]
    assert Case.objects.count() == 0


# QR code ----------------------------------------------------------------------------------------------------


def test_qr_form_files_without_an_account(client, county, category):
    token = intake.intake_token(county.ent_b)
    page = client.get(reverse("intake_qr", args=[token]))
    assert page.status_code == 200 and county.ent_b.name in page.content.decode()
    response = client.post(reverse("intake_qr", args=[token]), problem(category))
    assert response.status_code == 302 and response.url == reverse("intake_qr_done", args=[token])
    case = Case.objects.get()
    assert (case.enterprise, case.channel, case.submitted_by) == (county.ent_b, Channel.QR_CODE, None)
    assert (case.contact_name, case.contact_phone) == ("张三", "13800000000")
    done = client.get(response.url)
    assert case.number in done.content.decode()
    assert not list(verify_trail(Case.objects.all()))
    # Another enterprise's confirmation does not show this number: it sends to that enterprise's form.
    other = intake.intake_token(county.ent_a)
    assert client.get(reverse("intake_qr_done", args=[other])).url == reverse("intake_qr", args=[other])


@pytest.mark.parametrize(
    ("field", "value"), [("contact_name", ""), ("contact_phone", ""), ("contact_phone", "12345"), ("title", "")]
)
def test_qr_form_needs_a_name_and_a_real_phone(client, county, category, field, value):
    token = intake.intake_token(county.ent_a)
    response = client.post(reverse("intake_qr", args=[token]), problem(category, **{field: value}))
    assert response.status_code == 200
    assert f'data-testid="error-{field}"' in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("token", ["nonsense", "forged"])
def test_a_forged_qr_token_is_refused_and_files_nothing(client, county, category, token):
    if token == "forged":
        real = intake.intake_token(county.ent_a)
        token = real[:-3] + ("AAA" if not real.endswith("AAA") else "BBB")
    response = client.get(reverse("intake_qr", args=[token]))
    assert response.status_code == 400 and 'data-testid="qr-invalid"' in response.content.decode()
    response = client.post(reverse("intake_qr", args=[token]), problem(category))
    assert response.status_code == 400
    assert client.get(reverse("intake_qr_done", args=[token])).status_code == 400
    assert Case.objects.count() == 0


def test_a_token_of_a_deleted_enterprise_is_refused(client, county, category):
    from conftest import make_credit_code
    from enterprises.models import Enterprise

    gone = Enterprise.objects.create(credit_code=make_credit_code(99), name="已注销公司", region=county.town_a)
    token = intake.intake_token(gone)
    gone.delete()
    assert client.post(reverse("intake_qr", args=[token]), problem(category)).status_code == 400
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("office_user", 200), ("ent_a_user", 200), ("ent_b_user", 404), ("town_a_handler", 200), ("fgj_handler", 404)],
)
def test_printable_qr_page_for_those_who_see_the_enterprise(county, login, who, status):
    response = login(getattr(county, who)).get(reverse("enterprise_intake_qr", args=[county.ent_a.pk]))
    assert response.status_code == status
    if status == 200:
        content = response.content.decode()
        assert "<svg" in content and 'data-testid="qr-url"' in content
        url = response.context["url"]
        assert url.startswith("http://testserver/intake/")
        token = url.removeprefix("http://testserver/intake/").removesuffix("/")
        assert intake.enterprise_for_token(token) == county.ent_a


# Office intake ----------------------------------------------------------------------------------------------


def test_office_files_a_hotline_case_with_a_reference(county, category, login):
    client = login(county.office_user)
    assert client.get(reverse("case_new") + f"?enterprise={county.ent_a.pk}").context["chosen"] == [county.ent_a]
    data = problem(category, channel="hotline", enterprise_ids=[county.ent_a.pk], external_ref="12345-0001")
    response = client.post(reverse("case_new"), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.external_ref, case.submitted_by) == ("hotline", "12345-0001", county.office_user)
    # The same ticket again: refused next to the reference, nothing new.
    response = client.post(reverse("case_new"), data)
    assert response.status_code == 200 and response.context["form"].errors["external_ref"]
    assert Case.objects.count() == 1


def test_several_enterprises_make_a_common_issue(county, category, login):
    client = login(county.office_user)
    ids = [county.ent_a.pk, county.ent_b.pk, county.ent_c.pk]
    response = client.post(reverse("case_new"), problem(category, channel="reception_day", enterprise_ids=ids))
    assert response.status_code == 302
    issue = CommonIssue.objects.get()
    assert issue.cases.count() == 3
    assert set(Case.objects.values_list("channel", flat=True)) == {"reception_day"}
    done = client.get(reverse("case_filed"))
    content = done.content.decode()
    assert 'data-testid="common-issue"' in content and content.count('data-testid="filed-case"') == 3
    assert done.context["count"] == 3


def test_office_form_needs_an_enterprise_and_keeps_what_was_typed(county, category, login):
    response = login(county.office_user).post(reverse("case_new"), problem(category, channel="office"))
    assert response.status_code == 200 and response.context["form"].errors["enterprise_ids"]
    assert "旺季招工难" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.parametrize("who", ["gxj_handler", "leader", "cadre", "ent_a_user", "auditor"])
def test_office_intake_is_the_offices_only(county, category, login, who):
    client = login(getattr(county, who))
    assert client.get(reverse("case_new")).status_code == 403
    data = problem(category, channel="hotline", enterprise_ids=[county.ent_a.pk])
    assert client.post(reverse("case_new"), data).status_code == 403
    assert client.get(reverse("case_new_enterprise_search"), {"q": "湘中"}).status_code == 403
    assert Case.objects.count() == 0


def test_picker_search_keeps_the_chosen_and_finds_by_name_or_code(county, login):
    client = login(county.office_user)
    url = reverse("case_new_enterprise_search")
    response = client.get(url, {"q": "雀塘", "enterprise_ids": [county.ent_a.pk]})
    assert response.context["chosen"] == [county.ent_a] and response.context["results"] == [county.ent_b]
    assert client.get(url, {"q": county.ent_c.credit_code[-6:]}).context["results"] == [county.ent_c]
    # The no-JavaScript search: the whole form by GET, typed text kept.
    page = client.get(reverse("case_new"), {"q": "雀塘", "title": "水电报装慢", "enterprise_ids": [county.ent_a.pk]})
    assert page.context["results"] == [county.ent_b] and "水电报装慢" in page.content.decode()


# From a visit -----------------------------------------------------------------------------------------------


@pytest.fixture
def visit_problem(county):
    visit = visit_record(
        actor=county.cadre,
        enterprise=county.ent_c,
        visited_on=timezone.localdate() - dt.timedelta(days=1),
        mode=Visit.Mode.ONSITE,
        met_with="李总",
        problems=["新厂房消防验收迟迟未办\n需要住建局协调", "招工难"],
    )
    return VisitProblem.objects.filter(visit=visit).order_by("pk").first()


def test_linked_cadre_files_a_problem_found_on_a_visit(county, category, login, visit_problem):
    client = login(county.cadre)
    url = reverse("case_from_visit_problem", args=[visit_problem.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["title"] == "新厂房消防验收迟迟未办"
    assert page.context["form"].initial["description"] == visit_problem.description
    response = client.post(url, problem(category, description=visit_problem.description))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.enterprise, case.channel, case.visit_problem, case.submitted_by) == (
        county.ent_c,
        Channel.VISIT,
        visit_problem,
        county.cadre,
    )
    # The cadre follows it: the confirmation links the case.
    assert reverse("case_detail", args=[case.pk]) in client.get(reverse("case_filed")).content.decode()
    # Filed once only: the page now points at the case.
    again = client.get(url)
    assert 'data-testid="already-filed"' in again.content.decode() and case.number in again.content.decode()
    assert client.post(url, problem(category)).status_code == 200
    assert Case.objects.count() == 1


def test_visit_page_links_each_problem_until_it_is_filed(county, category, login, visit_problem):
    client = login(county.cadre)
    visit_url = reverse("visit_detail", args=[visit_problem.visit_id])
    content = client.get(visit_url).content.decode()
    assert content.count('data-testid="problem-file"') == 2
    assert reverse("case_from_visit_problem", args=[visit_problem.pk]) in content
    client.post(reverse("case_from_visit_problem", args=[visit_problem.pk]), problem(category))
    case = Case.objects.get()
    content = client.get(visit_url).content.decode()
    assert content.count('data-testid="problem-file"') == 1
    assert f'href="{reverse("case_detail", args=[case.pk])}"' in content


@pytest.mark.parametrize(
    ("who", "status"), [("fgj_handler", 404), ("ent_a_user", 403), ("auditor", 403), ("office_user", 200)]
)
def test_visit_problem_page_for_staff_who_see_the_visit(county, login, visit_problem, who, status):
    assert (
        login(getattr(county, who)).get(reverse("case_from_visit_problem", args=[visit_problem.pk])).status_code
        == status
    )


def test_unit_staff_who_filed_a_visit_problem_follow_it_before_it_is_assigned(county, category, login, visit_problem):
    # 工信局中小企业股 leads ent_c's linkage: it sees the visit and may file. The new case is not assigned to
    # anyone yet; the handler who filed it still opens it, a colleague of another unit does not.
    client = login(county.sme_handler)
    response = client.post(reverse("case_from_visit_problem", args=[visit_problem.pk]), problem(category))
    assert response.status_code == 302
    case = Case.objects.get()
    done = client.get(reverse("case_filed")).content.decode()
    assert case.number in done and reverse("case_detail", args=[case.pk]) in done
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    assert login(county.fgj_handler).get(reverse("case_detail", args=[case.pk])).status_code == 404


# The confirmation and the panel -----------------------------------------------------------------------------


def test_confirmation_without_anything_filed_goes_home(county, login):
    response = login(county.ent_a_user).get(reverse("case_filed"))
    assert response.status_code == 302


def render_panel(user, enterprise):
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load intake_panels %}{% intake_panel enterprise %}").render(
        Context({"user": user, "enterprise": enterprise, "request": request})
    )


def test_panel_for_the_enterprise_itself(county):
    html = render_panel(county.ent_a_user, county.ent_a)
    assert 'data-testid="panel-report"' in html and "<svg" in html
    assert reverse("enterprise_intake_qr", args=[county.ent_a.pk]) in html
    assert 'data-testid="panel-file"' not in html


def test_panel_for_the_office_and_other_staff(county):
    office = render_panel(county.office_user, county.ent_a)
    assert f"{reverse('case_new')}?enterprise={county.ent_a.pk}" in office and "<svg" in office
    cadre = render_panel(county.cadre, county.ent_c)
    assert 'data-testid="panel-file"' not in cadre and 'data-testid="panel-visit-hint"' in cadre
    assert reverse("enterprise_intake_qr", args=[county.ent_c.pk]) in cadre


def test_panel_shows_nothing_to_another_enterprise(county, make_user):
    assert render_panel(county.ent_b_user, county.ent_a).strip() == ""


def test_profile_page_carries_the_panel(county, login):
    content = login(county.ent_a_user).get(reverse("enterprise_detail", args=[county.ent_a.pk])).content.decode()
    assert 'data-testid="intake-panel"' in content


def test_submitted_event_names_the_channel(county, category, login):
    login(county.ent_a_user).post(reverse("case_file"), problem(category))
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.SUBMITTED)
    assert event.payload["channel"] == Channel.SELF_SERVICE and event.actor == county.ent_a_user


def test_role_enterprise_user_without_enterprise_is_refused(county, category, login, make_user):
    orphan = make_user("orphan", Role.ENTERPRISE)
    assert login(orphan).post(reverse("case_file"), problem(category)).status_code == 403
    assert Case.objects.count() == 0


# Queries ----------------------------------------------------------------------------------------------------


def _more_enterprises(county, n, start):
    from conftest import make_credit_code
    from enterprises.models import Enterprise

    return [
        Enterprise.objects.create(
            credit_code=make_credit_code(start + i), name=f"测试搜索企业{start + i}", region=county.town_a
        )
        for i in range(n)
    ]


def test_picker_search_queries_do_not_grow_with_results(county, login, django_assert_num_queries):
    client = login(county.office_user)
    url = reverse("case_new_enterprise_search")
    chosen = _more_enterprises(county, 2, 300)
    client.get(url, {"q": "测试搜索"})
    # session, user, roles, the chosen, the search (+ the calendar banner's check near a year's end)
    with CaptureQueriesContext(connection) as two:
        assert len(client.get(url, {"q": "测试搜索", "enterprise_ids": [chosen[0].pk]}).context["results"]) == 1
    assert len(two) <= 6
    more = _more_enterprises(county, 6, 400)
    with django_assert_num_queries(len(two)):
        response = client.get(url, {"q": "测试搜索", "enterprise_ids": [chosen[0].pk, more[0].pk]})
        assert len(response.context["results"]) == 6


def test_problem_links_on_a_visit_cost_the_same_however_many_problems(county, category, django_assert_num_queries):
    def render(visit):
        request = RequestFactory().get("/")
        request.user = county.cadre
        return Template(
            "{% load intake_panels %}{% problem_cases visit as filed %}"
            "{% for p in visit.problems.all %}{% problem_case_link p filed %}{% endfor %}"
        ).render(Context({"user": county.cadre, "visit": visit, "request": request}))

    def visit_with(n):
        visit = visit_record(
            actor=county.cadre,
            enterprise=county.ent_c,
            visited_on=timezone.localdate() - dt.timedelta(days=n),
            mode=Visit.Mode.ONSITE,
            problems=[f"问题{i}" for i in range(n)],
        )
        problems = list(VisitProblem.objects.filter(visit=visit).order_by("pk"))
        intake.case_submit(
            actor=county.cadre,
            enterprise_ids=[county.ent_c.pk],
            title="t",
            description="d",
            category_id=category.pk,
            channel=Channel.VISIT,
            visit_problem_id=problems[0].pk,
        )
        return Visit.objects.prefetch_related("problems").get(pk=visit.pk)

    small, large = visit_with(2), visit_with(6)
    render(small)  # caches the viewer's roles
    # the filed cases, the ones the viewer may open
    with django_assert_num_queries(2):
        assert render(small).count('data-testid="problem-file"') == 1
    with django_assert_num_queries(2):
        assert render(large).count('data-testid="problem-file"') == 5
