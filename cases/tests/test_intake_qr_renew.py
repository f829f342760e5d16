"""Renewing an enterprise's intake QR code: the codes printed before stop working at once, with a message
that says so; only the office and the enterprise's own users may renew it, on the page and over the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from cases.models import Case
from cases.services import intake
from conftest import PASSWORD
from enterprises.models import Enterprise


@pytest.fixture(autouse=True)
def in_english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    def _login(user):
        client.logout()
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


PROBLEM = {
    "title": "厂区门口路灯不亮",
    "description": "夜班工人下班路上没有照明。",
    "urgency": "normal",
    "contact_name": "张三",
    "contact_phone": "13800000000",
}


def test_a_renewed_code_refuses_the_old_one_and_files_through_the_new(client, county, category):
    old = intake.intake_token(county.ent_a)
    intake.intake_code_renew(actor=county.ent_a_user, enterprise_id=county.ent_a.pk)
    enterprise = Enterprise.objects.get(pk=county.ent_a.pk)
    assert enterprise.intake_code_version == 2
    refused = client.post(reverse("intake_qr", args=[old]), {**PROBLEM, "category": category.pk})
    assert refused.status_code == 400 and "replaced by a new one" in refused.content.decode()
    assert not Case.objects.exists()
    new = intake.intake_token(enterprise)
    filed = client.post(reverse("intake_qr", args=[new]), {**PROBLEM, "category": category.pk})
    assert filed.status_code == 302 and Case.objects.get().enterprise == enterprise


@pytest.mark.parametrize("who", ["office_user", "ent_a_user", "ent_a_colleague"])
def test_the_office_and_the_enterprise_renew(county, who):
    intake.intake_code_renew(actor=getattr(county, who), enterprise_id=county.ent_a.pk)
    assert Enterprise.objects.get(pk=county.ent_a.pk).intake_code_version == 2


@pytest.mark.parametrize(("who", "error"), [("town_a_handler", PermissionDenied), ("ent_b_user", Http404)])
def test_others_cannot_renew_and_nothing_changes(county, who, error):
    with pytest.raises(error):
        intake.intake_code_renew(actor=getattr(county, who), enterprise_id=county.ent_a.pk)
    assert Enterprise.objects.get(pk=county.ent_a.pk).intake_code_version == 1


def test_the_print_page_renews_and_says_so(login, county):
    client = login(county.ent_a_user)
    page = client.get(reverse("enterprise_intake_qr", args=[county.ent_a.pk]))
    assert 'data-testid="qr-renew"' in page.content.decode()
    response = client.post(reverse("enterprise_intake_qr_renew", args=[county.ent_a.pk]))
    assert response.status_code == 302
    after = client.get(response.url)
    assert 'data-testid="qr-renewed"' in after.content.decode()
    assert intake.intake_token(Enterprise.objects.get(pk=county.ent_a.pk)) in after.content.decode()


@pytest.mark.parametrize(("who", "status"), [("town_a_handler", 403), ("ent_b_user", 404), ("auditor", 403)])
def test_the_renew_button_is_not_for_others(login, county, who, status):
    client = login(getattr(county, who))
    page = client.get(reverse("enterprise_intake_qr", args=[county.ent_a.pk]))
    if page.status_code == 200:
        assert 'data-testid="qr-renew"' not in page.content.decode()
    assert client.post(reverse("enterprise_intake_qr_renew", args=[county.ent_a.pk])).status_code == status
    assert Enterprise.objects.get(pk=county.ent_a.pk).intake_code_version == 1


def test_the_api_reads_and_renews_the_link(login, county):
    client = login(county.office_user)
    url = f"/api/v1/cases/enterprises/{county.ent_a.pk}/intake-link"
    before = client.get(url).json()
    assert before["version"] == 1 and before["url"].endswith(
        reverse("intake_qr", args=[intake.intake_token(county.ent_a)])
    )
    renewed = client.post(f"{url}/renew")
    assert renewed.status_code == 200 and renewed.json()["version"] == 2
    assert renewed.json()["url"] != before["url"]


@pytest.mark.parametrize(("who", "status"), [("town_a_handler", 403), ("ent_b_user", 404)])
def test_the_api_refuses_others(login, county, who, status):
    url = f"/api/v1/cases/enterprises/{county.ent_a.pk}/intake-link/renew"
    assert login(getattr(county, who)).post(url).status_code == status
    assert Enterprise.objects.get(pk=county.ent_a.pk).intake_code_version == 1
