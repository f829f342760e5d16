"""The enterprise list: its filters, its scope for each kind of user, the Excel export of exactly the
filtered list, and query counts that stay flat as the list grows."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Region, Unit
from conftest import make_credit_code
from enterprises.models import Enterprise, Industry, Tag, WarningLevel
from enterprises.selectors.registry import enterprise_list

LIST_URL = reverse("enterprise_list")
EXPORT_URL = reverse("enterprise_export")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login


@pytest.fixture
def varied(county):
    """Give the county's three enterprises distinct facts so each filter separates them."""
    srdi, listed = Tag.objects.get(code="srdi"), Tag.objects.get(code="listed")
    village = Region.objects.create(
        code="430522100201", name="城南社区", level=Region.Level.VILLAGE, parent=county.town_a
    )
    county.park = Unit.objects.create(code="430522-YQ", name="新邵经开区", kind=Unit.Kind.PARK, region=county.town_a)
    a, b, c = county.ent_a, county.ent_b, county.ent_c
    a.industry = Industry.objects.get(code="348")  # C 通用设备
    a.size, a.above_scale, a.is_key = Enterprise.Size.MEDIUM, True, True
    a.warning_level, a.registered_capital, a.founded_on = WarningLevel.ORANGE, Decimal("5000"), date(2005, 3, 1)
    a.region, a.park = village, county.park
    b.industry = Industry.objects.get(code="139")  # C 其他农副食品加工
    b.size, b.warning_level, b.registered_capital, b.founded_on = (
        Enterprise.Size.SMALL,
        WarningLevel.RED,
        Decimal("800"),
        date(2015, 6, 1),
    )
    c.industry = Industry.objects.get(code="442")  # D 电力、热力生产和供应
    c.size, c.warning_level, c.registered_capital = Enterprise.Size.MICRO, WarningLevel.BLUE, Decimal("12000")
    for enterprise in (a, b, c):
        enterprise.save()
    a.tags.add(srdi, listed)
    c.tags.add(srdi)
    return county


def names(queryset):
    return [e.name for e in queryset]


class TestFilters:
    def test_each_filter_narrows_the_list(self, varied):
        c = varied

        def pick(**filters):
            return set(names(enterprise_list(user=c.office_user, **filters)))

        a, b, e3 = c.ent_a.name, c.ent_b.name, c.ent_c.name
        assert pick() == {a, b, e3}
        assert pick(search="雀塘") == {b}
        assert pick(search=make_credit_code(3)[-6:].lower()) == {e3}  # a code fragment, any case
        # A township reaches its villages too (tree path).
        assert pick(region_id=c.town_a.pk) == {a, e3}
        assert pick(region_id=c.region.pk) == {a, b, e3}
        assert pick(region_id=c.town_b.pk) == {b}
        assert pick(park_id=c.park.pk) == {a}
        assert pick(industry="C") == {a, b}  # a section letter
        assert pick(industry="d") == {e3}
        assert pick(industry="34") == {a}  # a division prefix
        assert pick(industry="139") == {b}  # a group
        assert pick(size=Enterprise.Size.SMALL) == {b}
        assert pick(above_scale=True) == {a}
        assert pick(above_scale=False) == {b, e3}
        assert pick(tag="srdi") == {a, e3}
        assert pick(tag="listed") == {a}
        assert pick(min_warning=WarningLevel.ORANGE) == {a, b}
        assert pick(is_key=True) == {a}
        assert pick(tag="srdi", industry="C") == {a}

    def test_sorts(self, varied):
        c = varied

        def order(sort):
            return names(enterprise_list(user=c.office_user, sort=sort))

        assert order("warning") == [c.ent_b.name, c.ent_a.name, c.ent_c.name]
        assert order("capital") == [c.ent_c.name, c.ent_a.name, c.ent_b.name]
        # Oldest first; an unknown founding date goes last.
        assert order("founded") == [c.ent_a.name, c.ent_b.name, c.ent_c.name]
        assert order("name") == sorted(order("name"))

    def test_page_applies_filters_from_the_query_string(self, varied, login):
        client = login(varied.office_user)
        response = client.get(LIST_URL, {"tag": "srdi", "min_warning": WarningLevel.ORANGE})
        assert response.status_code == 200
        body = response.content.decode()
        assert varied.ent_a.name in body
        assert varied.ent_b.name not in body and varied.ent_c.name not in body

    def test_a_bad_filter_value_is_ignored_not_an_error(self, varied, login):
        response = login(varied.office_user).get(LIST_URL, {"region": "999999", "min_warning": "x", "q": "湘中"})
        assert response.status_code == 200
        assert names(response.context["page"]) == [varied.ent_a.name]

    def test_list_row_shows_the_columns(self, varied, login):
        body = login(varied.office_user).get(LIST_URL, {"q": varied.ent_a.name}).content.decode()
        detail = reverse("enterprise_detail", args=[varied.ent_a.pk])
        assert f'href="{detail}"' in body
        assert varied.ent_a.credit_code in body
        assert "新邵经开区" in body and "城南社区" in body
        assert '<span class="tag">专精特新</span>' in body
        assert 'class="level level-2"' in body
        assert "348" in body


class TestScope:
    """Who sees which enterprises, on the list, the profile and the export."""

    @pytest.mark.parametrize(
        ("who", "expected"),
        [
            ("office_user", {"ent_a", "ent_b", "ent_c"}),
            ("auditor", {"ent_a", "ent_b", "ent_c"}),
            # A township answers for its territory: 酿溪镇 holds ent_a and ent_c.
            ("town_a_handler", {"ent_a", "ent_c"}),
            # The unit leading ent_c's linkage this year…
            ("sme_handler", {"ent_c"}),
            # …its parent unit's head through the unit tree, but not a handler of the parent (unit only).
            ("gxj_head", {"ent_c"}),
            ("gxj_handler", set()),
            ("fgj_handler", set()),
            ("cadre", {"ent_c"}),
            ("leader", {"ent_c"}),
        ],
    )
    def test_list_and_export_hold_exactly_the_scope(self, county, login, who, expected):
        client = login(getattr(county, who))
        expected_names = {getattr(county, attr).name for attr in expected}
        page = client.get(LIST_URL)
        assert page.status_code == 200
        assert set(names(page.context["page"])) == expected_names
        export = client.get(EXPORT_URL)
        assert export.status_code == 200
        assert {row[0] for row in sheet_rows(export)} == expected_names

    @pytest.mark.parametrize("who", ["ent_a_user", "ent_b_user"])
    def test_enterprise_users_have_no_list_or_export(self, county, login, who):
        client = login(getattr(county, who))
        assert client.get(LIST_URL).status_code == 403
        assert client.get(EXPORT_URL).status_code == 403

    def test_anonymous_goes_to_login(self, county, client):
        assert client.get(LIST_URL).status_code == 302

    @pytest.mark.parametrize(
        ("who", "visible", "hidden"),
        [
            ("town_a_handler", "ent_a", "ent_b"),
            ("sme_handler", "ent_c", "ent_a"),
            ("cadre", "ent_c", "ent_b"),  # ent_b was linked last year only
            ("ent_a_user", "ent_a", "ent_b"),
            ("ent_a_colleague", "ent_a", "ent_c"),
            ("ent_b_user", "ent_b", "ent_a"),
        ],
    )
    def test_profile_is_404_outside_the_scope(self, county, login, who, visible, hidden):
        client = login(getattr(county, who))
        assert client.get(reverse("enterprise_detail", args=[getattr(county, visible).pk])).status_code == 200
        assert client.get(reverse("enterprise_detail", args=[getattr(county, hidden).pk])).status_code == 404


def sheet_rows(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    return rows[1:]


def sheet_header(response):
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return next(workbook.active.iter_rows(values_only=True))


class TestExport:
    def test_export_is_the_filtered_list_with_every_field(self, varied, login):
        c = varied
        c.ent_a.contact_name, c.ent_a.contact_phone = "张三", "13812345678"
        c.ent_a.save()
        response = login(c.office_user).get(EXPORT_URL, {"tag": "srdi", "sort": "capital"})
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        header = sheet_header(response)
        rows = [dict(zip(header, row, strict=True)) for row in sheet_rows(response)]
        assert [row["Name"] for row in rows] == [c.ent_c.name, c.ent_a.name]
        a = rows[1]
        assert a["Unified social credit code"] == c.ent_a.credit_code
        assert a["Region"] == "城南社区" and a["Park"] == "新邵经开区"
        assert a["Industry code"] == "348"
        assert a["Tags"] == "专精特新、上市"
        assert a["Above designated size"] == "yes" and a["Key enterprise"] == "yes"
        assert a["Contact person"] == "张三"
        assert a["Contact phone"] == "13812345678"  # the office sees it in full
        assert a["Founding date"].date() == date(2005, 3, 1)

    def test_export_masks_contacts_as_for_the_viewer(self, county, login):
        county.ent_a.contact_phone = "13812345678"
        county.ent_a.save()
        rows = sheet_rows(login(county.town_a_handler).get(EXPORT_URL, {"q": county.ent_a.name}))
        header = sheet_header(login(county.town_a_handler).get(EXPORT_URL))
        phone = rows[0][header.index("Contact phone")]
        assert phone == "138****5678"


def _more_enterprises(county, start, count):
    srdi, listed = Tag.objects.get(code="srdi"), Tag.objects.get(code="listed")
    industry = Industry.objects.get(code="348")
    for serial in range(start, start + count):
        enterprise = Enterprise.objects.create(
            credit_code=make_credit_code(serial),
            name=f"测试企业{serial:03d}",
            region=county.town_a if serial % 2 else county.town_b,
            industry=industry,
            contact_phone="13900000000",
        )
        enterprise.tags.add(srdi, listed)


class TestQueryCounts:
    """Every row brings its region, park, industry and tags without a query of its own."""

    # session, user, roles, the user's unit (page header), calendar years; filter-form choices (regions,
    # parks, tags); count, page, tags.
    LIST_PAGE_QUERIES = 11
    LIST_PAGE_QUERIES_FOR_A_TOWNSHIP = 12  # + the unit's territory, to scope the list

    def test_list_page_office(self, county, login, django_assert_num_queries):
        client = login(county.office_user)
        _more_enterprises(county, 100, 3)
        with django_assert_num_queries(self.LIST_PAGE_QUERIES):
            assert client.get(LIST_URL).status_code == 200
        _more_enterprises(county, 200, 20)
        with django_assert_num_queries(self.LIST_PAGE_QUERIES):
            response = client.get(LIST_URL)
        assert len(response.context["page"]) == 26

    def test_list_page_scoped_user(self, county, login, django_assert_num_queries):
        client = login(county.town_a_handler)
        _more_enterprises(county, 100, 3)
        with django_assert_num_queries(self.LIST_PAGE_QUERIES_FOR_A_TOWNSHIP):
            assert client.get(LIST_URL).status_code == 200
        _more_enterprises(county, 200, 20)
        with django_assert_num_queries(self.LIST_PAGE_QUERIES_FOR_A_TOWNSHIP):
            response = client.get(LIST_URL)
        assert len(response.context["page"]) == 2 + 1 + 10  # ent_a, ent_c and the new ones in 酿溪镇 (odd serials)

    def test_export_does_not_grow_with_rows(self, county, login, django_assert_max_num_queries):
        client = login(county.town_a_handler)
        _more_enterprises(county, 100, 30)
        with django_assert_max_num_queries(9):  # incl. one look-up of the viewer's linkages for masking
            response = client.get(EXPORT_URL)
        assert len(sheet_rows(response)) == 2 + 15
