"""The calendar API at /api/v1/calendar: days with their source, deadline arithmetic, and entering days."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.services import api_token_create
from conftest import PASSWORD
from core import services
from core.models import CalendarDay

API = "/api/v1/calendar"
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def bearer(county):
    def _issue(user):
        _, raw = api_token_create(actor=county.office_user, name="12345热线", user=user)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return _issue


@pytest.fixture
def signed_in(client, county):
    assert client.login(username=county.gxj_handler.username, password=PASSWORD)
    return client


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


class TestAuthentication:
    def test_anonymous_without_token_gets_401(self, client, county):
        assert client.get(f"{API}/days", {"start": "2026-02-01", "end": "2026-02-28"}).status_code == 401
        params = {"start": "2026-02-13T10:00:00+08:00", "days": 1}
        assert client.get(f"{API}/add-working-days", params).status_code == 401
        assert client.get(f"{API}/working-days-between", params).status_code == 401
        body = {"date": "2027-01-01", "is_workday": False, "name": "元旦"}
        assert client.post(f"{API}/days", body, content_type="application/json").status_code == 401
        assert not CalendarDay.objects.exists()

    def test_a_wrong_token_gets_401(self, client, county):
        response = client.get(
            f"{API}/days", {"start": "2026-02-01", "end": "2026-02-28"}, HTTP_AUTHORIZATION="Bearer zq_x"
        )
        assert response.status_code == 401

    def test_a_token_reads_the_calendar(self, client, county, bearer):
        response = client.get(f"{API}/days", {"start": "2026-02-01", "end": "2026-02-28"}, **bearer(county.gxj_handler))
        assert response.status_code == 200 and len(response.json()) == 28


class TestDays:
    def test_spring_festival_2026(self, signed_in):
        response = signed_in.get(f"{API}/days", {"start": "2026-02-13", "end": "2026-03-01"})
        days = {d["date"]: d for d in response.json()}
        assert len(days) == 17
        assert days["2026-02-14"] == {"date": "2026-02-14", "is_workday": True, "name": "春节", "source": "official"}
        assert all(not days[f"2026-02-{n}"]["is_workday"] for n in range(15, 24))
        assert days["2026-02-24"] == {"date": "2026-02-24", "is_workday": True, "name": "", "source": "official"}
        assert days["2026-03-01"]["is_workday"] is False and days["2026-03-01"]["name"] == ""

    def test_sources_across_the_year_boundary(self, signed_in, county):
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        days = {d["date"]: d for d in signed_in.get(f"{API}/days", {"start": "2026-12-31", "end": "2027-01-04"}).json()}
        assert days["2026-12-31"]["source"] == "official"
        assert days["2027-01-01"] == {"date": "2027-01-01", "is_workday": False, "name": "元旦", "source": "entered"}
        assert days["2027-01-02"] == {"date": "2027-01-02", "is_workday": False, "name": "", "source": "weekend-rule"}
        assert days["2027-01-04"]["is_workday"] is True

    def test_the_range_is_limited_to_400_days(self, signed_in):
        assert len(signed_in.get(f"{API}/days", {"start": "2026-01-01", "end": "2027-02-04"}).json()) == 400
        response = signed_in.get(f"{API}/days", {"start": "2026-01-01", "end": "2027-02-05"})
        assert response.status_code == 422
        assert "400" in response.json()["detail"]

    def test_end_before_start_is_refused(self, signed_in):
        response = signed_in.get(f"{API}/days", {"start": "2026-03-01", "end": "2026-02-01"})
        assert response.status_code == 422 and "end" in response.json()["detail"]

    def test_a_bad_date_is_refused(self, signed_in):
        assert signed_in.get(f"{API}/days", {"start": "2026-02-30", "end": "2026-03-01"}).status_code == 422


class TestAddWorkingDays:
    def test_across_spring_festival(self, signed_in):
        body = signed_in.get(f"{API}/add-working-days", {"start": "2026-02-13T10:00:00+08:00", "days": 2}).json()
        assert moment(body["due"]) == datetime(2026, 2, 24, 10, tzinfo=CHINA)
        assert moment(body["start"]) == datetime(2026, 2, 13, 10, tzinfo=CHINA)
        assert body["days"] == 2 and body["schedule_missing_years"] == []

    def test_across_national_day(self, signed_in):
        body = signed_in.get(f"{API}/add-working-days", {"start": "2026-09-30T09:00:00+08:00", "days": 3}).json()
        assert moment(body["due"]) == datetime(2026, 10, 10, 9, tzinfo=CHINA)

    def test_a_utc_start_is_read_as_china_time(self, signed_in):
        # 02:00 UTC on Friday 13 February is 10:00 in China.
        body = signed_in.get(f"{API}/add-working-days", {"start": "2026-02-13T02:00:00Z", "days": 1}).json()
        assert moment(body["due"]) == datetime(2026, 2, 14, 10, tzinfo=CHINA)

    def test_an_unencoded_plus_in_the_query_string_still_works(self, signed_in):
        response = signed_in.get(f"{API}/add-working-days?start=2026-11-20T10:00:00+08:00&days=1")
        assert response.status_code == 200
        assert moment(response.json()["due"]) == datetime(2026, 11, 23, 10, tzinfo=CHINA)

    def test_into_2027_reports_the_missing_schedule_until_entered(self, signed_in, county):
        params = {"start": "2026-12-31T10:00:00+08:00", "days": 1}
        body = signed_in.get(f"{API}/add-working-days", params).json()
        assert moment(body["due"]) == datetime(2027, 1, 1, 10, tzinfo=CHINA)
        assert body["schedule_missing_years"] == [2027]
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        services.calendar_year_set_entered(actor=county.office_user, year=2027, entered=True)
        body = signed_in.get(f"{API}/add-working-days", params).json()
        assert moment(body["due"]) == datetime(2027, 1, 4, 10, tzinfo=CHINA)
        assert body["schedule_missing_years"] == []

    def test_a_naive_start_is_refused_with_a_clear_message(self, signed_in):
        response = signed_in.get(f"{API}/add-working-days", {"start": "2026-02-13T10:00:00", "days": 1})
        assert response.status_code == 422
        assert "offset" in response.json()["detail"]

    @pytest.mark.parametrize(
        "params", [{"start": "soon", "days": 1}, {"start": "2026-02-13T10:00:00+08:00", "days": -1}]
    )
    def test_bad_input_is_refused(self, signed_in, params):
        assert signed_in.get(f"{API}/add-working-days", params).status_code == 422

    def test_too_many_days_are_refused(self, signed_in):
        params = {"start": "2026-02-13T10:00:00+08:00", "days": 100000}
        assert signed_in.get(f"{API}/add-working-days", params).status_code == 422


class TestWorkingDaysBetween:
    def test_across_spring_festival(self, signed_in):
        params = {"start": "2026-02-13T10:00:00+08:00", "end": "2026-02-24T10:00:00+08:00"}
        assert signed_in.get(f"{API}/working-days-between", params).json() == {"working_days": 2.0}

    def test_half_a_day_before_national_day_and_negative_when_reversed(self, signed_in):
        params = {"start": "2026-10-08T00:00:00+08:00", "end": "2026-09-30T12:00:00+08:00"}
        assert signed_in.get(f"{API}/working-days-between", params).json() == {"working_days": -0.5}

    def test_a_naive_end_is_refused(self, signed_in):
        params = {"start": "2026-02-13T10:00:00+08:00", "end": "2026-02-24T10:00:00"}
        response = signed_in.get(f"{API}/working-days-between", params)
        assert response.status_code == 422 and "end" in response.json()["detail"]


class TestEnterDay:
    BODY = {"date": "2027-01-01", "is_workday": False, "name": "元旦"}

    def test_the_office_enters_a_day(self, client, county, bearer):
        response = client.post(f"{API}/days", self.BODY, content_type="application/json", **bearer(county.office_user))
        assert response.status_code == 200
        assert response.json() == {**self.BODY, "source": "entered"}
        day = CalendarDay.objects.get()
        assert (day.is_workday, day.name) == (False, "元旦")
        days = client.get(f"{API}/days", {"start": "2027-01-01", "end": "2027-01-01"}, **bearer(county.gxj_handler))
        assert days.json()[0]["source"] == "entered" and days.json()[0]["is_workday"] is False

    def test_the_office_can_use_its_session(self, client, county):
        client.login(username=county.office_user.username, password=PASSWORD)
        response = client.post(f"{API}/days", self.BODY, content_type="application/json")
        assert response.status_code == 200 and CalendarDay.objects.count() == 1

    @pytest.mark.parametrize("who", ["gxj_handler", "gxj_head", "leader", "auditor", "ent_a_user"])
    def test_other_roles_get_403(self, client, county, bearer, who):
        response = client.post(
            f"{API}/days", self.BODY, content_type="application/json", **bearer(getattr(county, who))
        )
        assert response.status_code == 403
        assert not CalendarDay.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"date": "2027-01-01", "is_workday": False, "name": ""},
            {"date": "2101-01-01", "is_workday": False, "name": "元旦"},
            {"date": "2027-02-30", "is_workday": False, "name": "元旦"},
        ],
    )
    def test_bad_input_is_422_and_nothing_saved(self, client, county, bearer, body):
        response = client.post(f"{API}/days", body, content_type="application/json", **bearer(county.office_user))
        assert response.status_code == 422
        assert not CalendarDay.objects.exists()
