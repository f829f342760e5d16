"""The working-day calendar page: who may see it and who may change it, the grid, bad input, the deadline
calculator, and the missing-schedule banner of the base layout."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from core import services
from core.models import CalendarDay, CalendarYear

CHINA = ZoneInfo("Asia/Shanghai")
URL = reverse("calendar")


@pytest.fixture
def as_user(client, county):
    def _login(user):
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


@pytest.fixture
def on_2026_11_22(monkeypatch):
    """Pin "today" for the banner, which looks 60 days ahead of it."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: date(2026, 11, 22))


def cell(response, day: date) -> str:
    """The opening <td> tag of one day in the grid."""
    html = response.content.decode()
    start = html.index(f'<td data-date="{day:%Y-%m-%d}"')
    return html[start : html.index(">", start) + 1]


def set_day(client, **fields):
    data = {"action": "set-day", "day-kind": "rest", "day-name": ""}
    data.update({f"day-{key}": value for key, value in fields.items()})
    return client.post(f"{URL}?year=2027", data)


class TestAccess:
    def test_anonymous_is_sent_to_the_login_page(self, client, county):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_an_enterprise_user_gets_403(self, as_user, county):
        assert as_user(county.ent_a_user).get(URL).status_code == 403

    @pytest.mark.parametrize("who", ["gxj_handler", "gxj_head", "leader", "cadre", "auditor", "office_user"])
    def test_every_staff_role_sees_the_page(self, as_user, county, who):
        response = as_user(getattr(county, who)).get(URL, {"year": 2026})
        assert response.status_code == 200
        assert 'data-testid="calendar-grid"' in response.content.decode()

    def test_a_unit_handler_sees_no_forms_and_cannot_post_changes(self, as_user, county):
        client = as_user(county.gxj_handler)
        html = client.get(URL, {"year": 2027}).content.decode()
        assert 'data-testid="day-form"' not in html and 'data-testid="year-form"' not in html
        assert set_day(client, date="2027-01-01", name="元旦").status_code == 403
        response = client.post(f"{URL}?year=2027", {"action": "set-year", "year-year": 2027, "year-entered": "yes"})
        assert response.status_code == 403
        assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()

    def test_a_unit_handler_cannot_delete_an_entered_day(self, as_user, county):
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        client = as_user(county.gxj_handler)
        response = client.post(f"{URL}?year=2027", {"action": "delete-day", "delete-date": "2027-01-01"})
        assert response.status_code == 403
        assert CalendarDay.objects.filter(date=date(2027, 1, 1)).exists()


class TestGrid:
    def test_spring_festival_and_national_day_2026(self, as_user, county):
        response = as_user(county.gxj_handler).get(URL, {"year": 2026})
        assert 'class="rest"' in cell(response, date(2026, 2, 15))
        assert 'class="rest"' in cell(response, date(2026, 2, 23))
        assert 'class="makeup"' in cell(response, date(2026, 2, 14))
        assert 'class="makeup"' in cell(response, date(2026, 2, 28))
        assert 'class="makeup"' in cell(response, date(2026, 9, 20))
        assert 'class="rest"' in cell(response, date(2026, 10, 1))
        assert 'class=""' in cell(response, date(2026, 2, 24))  # an ordinary Tuesday
        assert 'class="rest"' in cell(response, date(2026, 11, 21))  # an ordinary Saturday
        assert 'title="春节"' in cell(response, date(2026, 2, 15))
        special = {e.date: e for e in response.context["special_days"]}
        assert special[date(2026, 10, 10)].name == "国庆节" and special[date(2026, 10, 10)].is_makeup
        assert date(2026, 11, 21) not in special  # plain weekends are not listed
        assert 'data-testid="year-schedule-missing"' not in response.content.decode()

    def test_entered_days_are_highlighted(self, as_user, county):
        services.calendar_day_set(actor=county.office_user, date=date(2026, 12, 31), is_workday=False, name="元旦")
        response = as_user(county.gxj_handler).get(URL, {"year": 2026})
        assert 'class="rest entered"' in cell(response, date(2026, 12, 31))

    def test_a_year_without_schedule_carries_a_warning_until_marked_entered(self, as_user, county):
        client = as_user(county.office_user)
        response = client.get(URL, {"year": 2027})
        assert 'data-testid="year-schedule-missing"' in response.content.decode()
        assert 'class=""' in cell(response, date(2027, 1, 1))  # a plain Friday under the weekend rule
        services.calendar_year_set_entered(actor=county.office_user, year=2027, entered=True)
        assert 'data-testid="year-schedule-missing"' not in client.get(URL, {"year": 2027}).content.decode()

    def test_the_default_year_is_this_year(self, as_user, county):
        assert as_user(county.gxj_handler).get(URL).context["year"] == timezone.localdate().year

    @pytest.mark.parametrize("year", ["1999", "2101", "abc"])
    def test_a_bad_year_shows_this_year_with_a_message(self, as_user, county, year):
        response = as_user(county.gxj_handler).get(URL, {"year": year})
        assert response.status_code == 200
        assert response.context["year"] == timezone.localdate().year
        assert [m.level_tag for m in response.context["messages"]] == ["error"]


class TestOfficeEntries:
    def test_the_office_enters_a_holiday(self, as_user, county):
        client = as_user(county.office_user)
        assert 'data-testid="day-form"' in client.get(URL, {"year": 2027}).content.decode()
        response = set_day(client, date="2027-01-01", name="元旦")
        assert response.status_code == 302 and response["Location"] == f"{URL}?year=2027"
        day = CalendarDay.objects.get()
        assert (day.date, day.is_workday, day.name) == (date(2027, 1, 1), False, "元旦")
        page = client.get(response["Location"])
        assert [m.level_tag for m in page.context["messages"]] == ["success"]
        assert 'class="rest entered"' in cell(page, date(2027, 1, 1))

    def test_the_office_enters_a_make_up_workday_and_changes_it(self, as_user, county):
        client = as_user(county.office_user)
        set_day(client, date="2027-02-06", kind="work", name="春节调休上班")
        assert CalendarDay.objects.get().is_workday is True
        assert 'class="makeup entered"' in cell(client.get(URL, {"year": 2027}), date(2027, 2, 6))
        set_day(client, date="2027-02-06", kind="rest", name="春节")
        assert CalendarDay.objects.get().is_workday is False

    def test_the_office_removes_an_entered_day(self, as_user, county):
        services.calendar_day_set(actor=county.office_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        client = as_user(county.office_user)
        response = client.post(f"{URL}?year=2027", {"action": "delete-day", "delete-date": "2027-01-01"})
        assert response.status_code == 302
        assert not CalendarDay.objects.exists()

    def test_the_office_marks_the_year_entered(self, as_user, county):
        client = as_user(county.office_user)
        response = client.post(
            f"{URL}?year=2027",
            {"action": "set-year", "year-year": 2027, "year-entered": "yes", "year-source": "国办发明电〔2026〕1号"},
        )
        assert response.status_code == 302
        entry = CalendarYear.objects.get()
        assert (entry.year, entry.schedule_entered, entry.source) == (2027, True, "国办发明电〔2026〕1号")

    @pytest.mark.parametrize(
        "fields",
        [
            {"date": "2027-02-30", "name": "春节"},  # no such date
            {"date": "not a date", "name": "春节"},
            {"date": "", "name": "春节"},
            {"date": "2027-01-01", "name": ""},  # a rest day without a name
            {"date": "2027-01-01", "name": "   "},
            {"date": "2101-01-01", "name": "元旦"},  # out of range
            {"date": "1999-12-31", "name": "元旦"},
            {"date": "2027-01-01", "kind": "maybe", "name": "元旦"},
            {"date": "2027-01-01", "name": "节" * 41},
        ],
    )
    def test_bad_day_input_is_refused_with_a_message(self, as_user, county, fields):
        response = set_day(as_user(county.office_user), **fields)
        assert response.status_code == 200
        assert response.context["day_form"].errors
        assert "error" in [m.level_tag for m in response.context["messages"]]
        assert 'class="errorlist' in response.content.decode()
        assert not CalendarDay.objects.exists()

    @pytest.mark.parametrize("year", [1999, 2101, "x"])
    def test_a_year_out_of_range_is_refused(self, as_user, county, year):
        response = as_user(county.office_user).post(
            URL, {"action": "set-year", "year-year": year, "year-entered": "yes"}
        )
        assert response.status_code == 200
        [message] = response.context["messages"]
        assert message.level_tag == "error"
        assert response.context["year_form"].errors
        assert not CalendarYear.objects.exists()

    def test_removing_a_day_that_is_not_entered_gives_a_message(self, as_user, county):
        response = as_user(county.office_user).post(
            f"{URL}?year=2027", {"action": "delete-day", "delete-date": "2027-01-01"}
        )
        assert response.status_code == 200
        [message] = response.context["messages"]
        assert message.level_tag == "error" and "2027-01-01" in message.message

    def test_an_unknown_action_is_a_bad_request(self, as_user, county):
        assert as_user(county.office_user).post(URL, {"action": "drop-everything"}).status_code == 400


class TestDeadlineCalculator:
    def test_a_deadline_across_the_spring_festival(self, as_user, county):
        response = as_user(county.gxj_handler).get(
            URL, {"year": 2026, "calc-start": "2026-02-13T10:00", "calc-days": "2"}
        )
        assert response.context["due"] == datetime(2026, 2, 24, 10, tzinfo=CHINA)
        html = response.content.decode()
        assert 'data-testid="deadline-due"' in html and "2026-02-24 10:00" in html
        assert 'data-testid="deadline-warning"' not in html

    def test_a_deadline_into_an_unentered_year_is_flagged(self, as_user, county):
        response = as_user(county.office_user).get(URL, {"calc-start": "2026-12-31T10:00", "calc-days": "1"})
        assert response.context["due"] == datetime(2027, 1, 1, 10, tzinfo=CHINA)
        assert response.context["due_missing_years"] == [2027]
        assert 'data-testid="deadline-warning"' in response.content.decode()

    @pytest.mark.parametrize(
        "params", [{"calc-start": "yesterday", "calc-days": "1"}, {"calc-start": "2026-02-13T10:00", "calc-days": "-1"}]
    )
    def test_bad_calculator_input_shows_errors(self, as_user, county, params):
        response = as_user(county.gxj_handler).get(URL, params)
        assert response.status_code == 200
        assert response.context["due"] is None and response.context["calculator"].errors


class TestBanner:
    def test_the_home_page_warns_that_2027_is_missing(self, as_user, county, on_2026_11_22):
        html = as_user(county.gxj_handler).get("/").content.decode()
        start = html.index('data-testid="calendar-warning"')
        banner = html[start : html.index("</div>", start)]
        assert "2027" in banner
        assert reverse("calendar") in banner

    def test_the_warning_disappears_once_the_office_enters_2027(self, as_user, county, on_2026_11_22):
        client = as_user(county.office_user)
        set_day(client, date="2027-01-01", name="元旦")
        client.post(f"{URL}?year=2027", {"action": "set-year", "year-year": 2027, "year-entered": "yes"})
        assert 'data-testid="calendar-warning"' not in client.get("/").content.decode()

    def test_no_banner_for_anonymous_visitors(self, client, county, on_2026_11_22):
        assert 'data-testid="calendar-warning"' not in client.get(reverse("login")).content.decode()
