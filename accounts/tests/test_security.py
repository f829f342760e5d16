"""Login throttling, the login log and the operation log."""

import pytest
from auditlog.models import LogEntry
from axes.models import AccessLog

from accounts.models import Unit
from conftest import PASSWORD


@pytest.fixture
def throttling(settings):
    settings.AXES_ENABLED = True


def login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


@pytest.mark.usefixtures("throttling")
class TestThrottling:
    def test_five_wrong_passwords_lock_the_user_name_even_for_the_right_one(self, client, county):
        for _ in range(4):
            response = login(client, "gxj_handler", "wrong-password")
            assert response.status_code == 200 and response.context["form"].errors
        locked = login(client, "gxj_handler", "wrong-password")
        assert locked.status_code == 429
        assert login(client, "gxj_handler", PASSWORD).status_code == 429
        assert "_auth_user_id" not in client.session

    def test_the_lock_is_per_user_name(self, client, county):
        for _ in range(5):
            login(client, "gxj_handler", "wrong-password")
        assert login(client, "fgj_handler", PASSWORD).status_code == 302

    def test_a_success_before_the_limit_resets_the_count(self, client, county):
        for _ in range(4):
            login(client, "gxj_handler", "wrong-password")
        assert login(client, "gxj_handler", PASSWORD).status_code == 302
        client.post("/logout/")
        for _ in range(4):
            login(client, "gxj_handler", "wrong-password")
        assert login(client, "gxj_handler", PASSWORD).status_code == 302


@pytest.mark.usefixtures("throttling")
class TestLoginLog:
    def test_successful_and_failed_logins_are_recorded_and_readable_by_the_office(self, client, county):
        login(client, "gxj_handler", PASSWORD)
        client.post("/logout/")
        login(client, "gxj_handler", "wrong-password")
        assert AccessLog.objects.filter(username="gxj_handler", logout_time__isnull=False).count() == 1

        login(client, "office", PASSWORD)
        successes = client.get("/office/login-log/?username=gxj_handler").context["page"]
        assert [row.username for row in successes] == ["gxj_handler"]
        failures = client.get("/office/login-log/?show=failure&username=gxj_handler").context["page"]
        assert [row.username for row in failures] == ["gxj_handler"]

    @pytest.mark.parametrize("username", ["gxj_head", "ent_a", "leader"])
    def test_other_roles_cannot_read_it(self, client, county, username):
        login(client, username, PASSWORD)
        assert client.get("/office/login-log/").status_code == 403


class TestOperationLog:
    def test_an_admin_change_records_who_changed_what(self, client, county, make_user):
        make_user("root", is_superuser=True, is_staff=True)
        client.login(username="root", password=PASSWORD)
        unit = county.fgj
        response = client.post(
            f"/admin/accounts/unit/{unit.pk}/change/",
            {
                "code": unit.code,
                "name": "县发展和改革局",
                "kind": unit.kind,
                "region": unit.region_id,
                "parent": unit.parent_id,
                "is_active": "on",
                "sort_order": 0,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        entry = (
            LogEntry.objects.get_for_object(Unit.objects.get(pk=unit.pk)).filter(action=LogEntry.Action.UPDATE).get()
        )
        assert entry.actor.username == "root"
        assert entry.changes_dict["name"] == ["县发改局", "县发展和改革局"]

        client.login(username="auditor", password=PASSWORD)
        page = client.get("/office/operation-log/?actor=root").context["page"]
        assert entry in list(page)

    def test_password_changes_are_not_logged_with_the_hash(self, county):
        county.gxj_handler.set_password("Another-pass-2026")
        county.gxj_handler.save()
        for entry in LogEntry.objects.get_for_object(county.gxj_handler):
            assert "password" not in entry.changes_dict

    def test_unit_handler_cannot_read_it(self, client, county):
        client.login(username="gxj_handler", password=PASSWORD)
        assert client.get("/office/operation-log/").status_code == 403
