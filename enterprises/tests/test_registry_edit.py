"""Registering and editing enterprises: who may change what, and every bad input refused with a clear
message and nothing saved, through the service, the pages and the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, Unit, UserRole
from conftest import make_credit_code
from enterprises.models import Enterprise, Tag
from enterprises.services.registry import enterprise_create, enterprise_update
from enterprises.validators import ALPHABET


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def wrong_check_character(code: str) -> str:
    """The same code with its 18th character replaced by another allowed one."""
    return code[:17] + next(ch for ch in ALPHABET if ch != code[17])


def fields(county, **overrides):
    return {
        "credit_code": make_credit_code(500),
        "name": "邵阳新能源科技有限公司",
        "region_id": county.town_a.pk,
        "legal_representative": "赵六",
        "address": "酿溪镇工业大道 8 号",
        "founded_on": date(2019, 5, 20),
        "registered_capital": Decimal("3000.50"),
        "industry_code": "384",
        "size": Enterprise.Size.SMALL,
        "above_scale": True,
        "is_key": True,
        "tag_ids": [Tag.objects.get(code="srdi").pk],
        "contact_name": "钱七",
        "contact_phone": "0739-1234567",
        **overrides,
    }


def refused(county, actor=None, **overrides) -> dict:
    before = Enterprise.objects.count()
    with pytest.raises(ValidationError) as caught:
        enterprise_create(actor=actor or county.office_user, **fields(county, **overrides))
    assert Enterprise.objects.count() == before
    return caught.value.message_dict


class TestCreate:
    def test_office_registers_an_enterprise_with_every_field(self, county):
        enterprise = enterprise_create(
            actor=county.office_user, **fields(county, credit_code=" " + make_credit_code(500).lower())
        )
        enterprise.refresh_from_db()
        assert enterprise.credit_code == make_credit_code(500)
        assert enterprise.industry_id == "384" and enterprise.region == county.town_a
        assert enterprise.registered_capital == Decimal("3000.50")
        assert [tag.code for tag in enterprise.tags.all()] == ["srdi"]
        assert enterprise.above_scale and enterprise.is_key

    @pytest.mark.parametrize("who", ["gxj_head", "town_a_handler", "leader", "auditor", "ent_a_user"])
    def test_only_the_office_registers(self, county, who):
        with pytest.raises(PermissionDenied):
            enterprise_create(actor=getattr(county, who), **fields(county))
        assert not Enterprise.objects.filter(credit_code=make_credit_code(500)).exists()

    def test_a_wrong_check_character_is_named(self, county):
        code = make_credit_code(777)
        wrong = wrong_check_character(code)
        errors = refused(county, credit_code=wrong)
        assert errors["credit_code"] == [
            f"Character 18 is the check character: it should be '{code[17]}', not '{wrong[17]}'. "
            "One of the first 17 characters is probably mistyped."
        ]

    def test_a_character_never_used_is_named(self, county):
        code = make_credit_code(777)
        errors = refused(county, credit_code=code[:4] + "O" + code[5:])
        assert "Character 5 ('O')" in errors["credit_code"][0]

    def test_a_duplicate_names_the_enterprise_already_registered(self, county):
        errors = refused(county, credit_code=county.ent_b.credit_code.lower())
        assert errors["credit_code"] == [
            f"Credit code {county.ent_b.credit_code} is already registered, to “{county.ent_b.name}”."
        ]

    def test_a_duplicate_outside_the_scope_is_not_named(self, county, make_user):
        # An office account narrowed to its own township's territory.
        narrow = make_user("narrow_office", unit=county.town_a_gov)
        UserRole.objects.create(user=narrow, role=Role.OFFICE, scope="unit")
        errors = refused(county, actor=narrow, credit_code=county.ent_b.credit_code)
        assert errors["credit_code"] == [
            f"Credit code {county.ent_b.credit_code} is already registered, to an enterprise outside your scope."
        ]
        assert county.ent_b.name not in errors["credit_code"][0]

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("999", "There is no industry with code 999 in GB/T 4754-2017."),
            ("99", "There is no industry with code 99 in GB/T 4754-2017."),
            (
                "C",
                "Give a GB/T 4754-2017 division (2 digits) or group (3 digits) code, such as 36 or 361; “C” is neither.",
            ),
            (
                "3841",
                "Give a GB/T 4754-2017 division (2 digits) or group (3 digits) code, such as 36 or 361; “3841” is neither.",
            ),
        ],
    )
    def test_an_unknown_industry_code_is_refused(self, county, code, message):
        assert refused(county, industry_code=code)["industry_code"] == [message]

    def test_a_division_code_is_accepted(self, county):
        assert enterprise_create(actor=county.office_user, **fields(county, industry_code="38")).industry.name

    def test_the_other_rules_each_get_their_message_at_once(self, county):
        errors = refused(
            county,
            name="  ",
            registered_capital=Decimal("-1"),
            founded_on=timezone.localdate() + timedelta(days=1),
            contact_phone="12345",
            park_id=county.gxj.pk,
            size="huge",
        )
        assert errors["name"] == ["Enter the enterprise's name."]
        assert errors["registered_capital"] == ["The registered capital cannot be negative."]
        assert errors["founded_on"] == ["The founding date cannot be in the future."]
        assert errors["contact_phone"] == ["Enter a mobile number of 11 digits or a landline such as 0739-1234567."]
        assert errors["park_id"] == ["The park must be a park committee unit."]
        assert errors["size"] == ["Choose a size class: large, medium, small or micro."]

    def test_region_must_be_in_the_offices_jurisdiction(self, county, make_user):
        town_office = make_user("town_office", Role.OFFICE, unit=county.town_a_gov)
        errors = refused(county, actor=town_office, region_id=county.town_b.pk)
        assert errors["region_id"] == ["Choose a region within your jurisdiction."]
        assert (
            enterprise_create(actor=town_office, **fields(county, region_id=county.town_a.pk)).region == county.town_a
        )

    def test_a_park_committee_is_accepted_as_park(self, county):
        park = Unit.objects.create(code="430522-YQ", name="新邵经开区", kind=Unit.Kind.PARK, region=county.town_a)
        assert enterprise_create(actor=county.office_user, **fields(county, park_id=park.pk)).park == park

    def test_a_deactivated_tag_is_not_offered(self, county):
        Tag.objects.filter(code="listed").update(is_active=False)
        errors = refused(county, tag_ids=[Tag.objects.get(code="listed").pk])
        assert errors["tag_ids"] == ["Choose tags from the active tag dictionary."]


class TestUpdate:
    def test_office_changes_any_field(self, county):
        enterprise_update(
            actor=county.office_user,
            enterprise_id=county.ent_a.pk,
            name="湘中重工有限公司",
            industry_code="343",
            is_key=True,
            region_id=county.town_b.pk,
        )
        county.ent_a.refresh_from_db()
        assert (county.ent_a.name, county.ent_a.industry_id, county.ent_a.is_key) == ("湘中重工有限公司", "343", True)
        assert county.ent_a.region == county.town_b

    def test_office_keeps_its_own_credit_code_without_a_duplicate_error(self, county):
        enterprise_update(actor=county.office_user, enterprise_id=county.ent_a.pk, credit_code=county.ent_a.credit_code)

    def test_office_cannot_take_another_enterprises_code(self, county):
        with pytest.raises(ValidationError) as caught:
            enterprise_update(
                actor=county.office_user, enterprise_id=county.ent_a.pk, credit_code=county.ent_c.credit_code
            )
        assert county.ent_c.name in caught.value.message_dict["credit_code"][0]

    @pytest.mark.parametrize("who", ["ent_a_user", "ent_a_colleague"])
    def test_enterprise_users_change_their_address_and_contact(self, county, who):
        enterprise_update(
            actor=getattr(county, who),
            enterprise_id=county.ent_a.pk,
            address="新地址 1 号",
            contact_name="孙八",
            contact_phone="13912345678",
        )
        county.ent_a.refresh_from_db()
        assert (county.ent_a.address, county.ent_a.contact_name, county.ent_a.contact_phone) == (
            "新地址 1 号",
            "孙八",
            "13912345678",
        )

    def test_enterprise_users_cannot_change_anything_else(self, county):
        with pytest.raises(PermissionDenied):
            enterprise_update(actor=county.ent_a_user, enterprise_id=county.ent_a.pk, name="改名", address="x")
        county.ent_a.refresh_from_db()
        assert county.ent_a.name == "湘中机械有限公司" and county.ent_a.address == ""

    def test_another_enterprise_is_not_found(self, county):
        with pytest.raises(Http404):
            enterprise_update(actor=county.ent_b_user, enterprise_id=county.ent_a.pk, address="x")

    @pytest.mark.parametrize("who", ["town_a_handler", "sme_handler", "leader", "cadre", "auditor"])
    def test_staff_in_scope_but_not_the_office_may_not_edit(self, county, who):
        with pytest.raises(PermissionDenied):
            enterprise_update(actor=getattr(county, who), enterprise_id=county.ent_c.pk, address="x")

    def test_a_deactivated_tag_stays_when_the_office_edits_the_tags(self, county):
        listed, srdi, high_tech = (Tag.objects.get(code=code) for code in ("listed", "srdi", "high_tech"))
        county.ent_a.tags.add(listed, srdi)
        Tag.objects.filter(pk=listed.pk).update(is_active=False)
        enterprise_update(actor=county.office_user, enterprise_id=county.ent_a.pk, tag_ids=[high_tech.pk])
        assert set(county.ent_a.tags.values_list("code", flat=True)) == {"listed", "high_tech"}

    def test_a_bad_phone_changes_nothing(self, county):
        with pytest.raises(ValidationError):
            enterprise_update(
                actor=county.ent_a_user, enterprise_id=county.ent_a.pk, address="新地址", contact_phone="abc"
            )
        county.ent_a.refresh_from_db()
        assert county.ent_a.address == ""


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login


def form_data(county, **overrides):
    data = fields(county, **overrides)
    data["park_id"] = data.pop("park_id", "") or ""
    data["founded_on"] = data["founded_on"].isoformat() if data["founded_on"] else ""
    return {key: value for key, value in data.items() if value is not False}


class TestPages:
    def test_office_registers_through_the_form(self, county, login):
        response = login(county.office_user).post(reverse("enterprise_create"), form_data(county))
        enterprise = Enterprise.objects.get(credit_code=make_credit_code(500))
        assert response.status_code == 302 and response["Location"] == reverse(
            "enterprise_detail", args=[enterprise.pk]
        )
        assert enterprise.tags.get().code == "srdi" and enterprise.above_scale

    def test_a_wrong_code_is_shown_next_to_the_field_and_nothing_saved(self, county, login):
        wrong = wrong_check_character(make_credit_code(500))
        response = login(county.office_user).post(
            reverse("enterprise_create"), form_data(county, credit_code=wrong, industry_code="999")
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert "Character 18 is the check character" in form.errors["credit_code"][0]
        assert form.errors["industry_code"] == ["There is no industry with code 999 in GB/T 4754-2017."]
        assert not Enterprise.objects.filter(name="邵阳新能源科技有限公司").exists()

    @pytest.mark.parametrize("who", ["gxj_head", "auditor", "ent_a_user"])
    def test_the_create_page_is_the_offices(self, county, login, who):
        assert login(getattr(county, who)).get(reverse("enterprise_create")).status_code == 403

    def test_the_form_offers_only_regions_of_the_jurisdiction_and_active_tags(self, county, login, make_user):
        Tag.objects.filter(code="listed").update(is_active=False)
        town_office = make_user("town_office", Role.OFFICE, unit=county.town_a_gov)
        form = login(town_office).get(reverse("enterprise_create")).context["form"]
        assert set(form.fields["region_id"].queryset) == {county.town_a}
        assert "listed" not in {tag.code for tag in form.fields["tag_ids"].queryset}

    def test_enterprise_user_edit_page_has_only_the_contact_fields(self, county, login):
        client = login(county.ent_a_user)
        url = reverse("enterprise_edit", args=[county.ent_a.pk])
        form = client.get(url).context["form"]
        assert set(form.fields) == {"address", "contact_name", "contact_phone"}
        response = client.post(
            url, {"address": "新地址", "contact_name": "孙八", "contact_phone": "13912345678", "name": "改名"}
        )
        assert response.status_code == 302
        county.ent_a.refresh_from_db()
        assert county.ent_a.address == "新地址" and county.ent_a.name == "湘中机械有限公司"

    def test_edit_page_permissions(self, county, login):
        assert login(county.ent_b_user).get(reverse("enterprise_edit", args=[county.ent_a.pk])).status_code == 404
        assert login(county.town_a_handler).get(reverse("enterprise_edit", args=[county.ent_a.pk])).status_code == 403
        assert login(county.office_user).get(reverse("enterprise_edit", args=[county.ent_a.pk])).status_code == 200

    def test_the_office_edit_form_shows_a_bad_phone(self, county, login):
        url = reverse("enterprise_edit", args=[county.ent_a.pk])
        data = form_data(county, credit_code=county.ent_a.credit_code, contact_phone="123")
        response = login(county.office_user).post(url, data)
        assert response.context["form"].errors["contact_phone"]
        county.ent_a.refresh_from_db()
        assert county.ent_a.name == "湘中机械有限公司"

    def test_industry_look_up_offers_matches_by_code_or_name(self, county, login):
        client = login(county.office_user)
        by_code = client.get(reverse("industry_options"), {"industry_code": "361"}, HTTP_HX_REQUEST="true")
        body = by_code.content.decode()
        assert '<option value="361">361 汽车整车制造</option>' in body
        assert "hx-swap-oob" in body
        by_name = client.get(reverse("industry_options"), {"industry_code": "汽车整车"}).content.decode()
        assert 'value="361"' in by_name and 'value="C"' not in by_name
        assert (
            "No industry matches" in client.get(reverse("industry_options"), {"industry_code": "zzz"}).content.decode()
        )


class TestApi:
    def payload(self, county, **overrides):
        data = fields(county, **overrides)
        data["founded_on"] = data["founded_on"].isoformat()
        data["registered_capital"] = str(data["registered_capital"])
        return data

    def test_office_creates(self, county, login):
        response = login(county.office_user).post(
            "/api/v1/enterprises", self.payload(county), content_type="application/json"
        )
        assert response.status_code == 201
        body = response.json()
        assert body["credit_code"] == make_credit_code(500)
        assert body["industry_code"] == "384" and body["tags"][0]["code"] == "srdi"
        assert body["contact_phone"] == "0739-1234567"
        assert Enterprise.objects.filter(pk=body["id"]).exists()

    def test_bad_input_is_422_with_the_field_and_reason(self, county, login):
        wrong = wrong_check_character(make_credit_code(500))
        response = login(county.office_user).post(
            "/api/v1/enterprises",
            self.payload(county, credit_code=wrong, industry_code="999"),
            content_type="application/json",
        )
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert "credit_code: Character 18 is the check character" in detail
        assert "industry_code: There is no industry with code 999" in detail
        assert not Enterprise.objects.filter(name="邵阳新能源科技有限公司").exists()

    @pytest.mark.parametrize("who", ["gxj_head", "ent_a_user"])
    def test_others_may_not_create(self, county, login, who):
        response = login(getattr(county, who)).post(
            "/api/v1/enterprises", self.payload(county), content_type="application/json"
        )
        assert response.status_code == 403
        assert not Enterprise.objects.filter(credit_code=make_credit_code(500)).exists()

    def test_patch_by_the_office(self, county, login):
        response = login(county.office_user).patch(
            f"/api/v1/enterprises/{county.ent_a.pk}",
            {"size": "large", "registered_capital": "100"},
            content_type="application/json",
        )
        assert response.status_code == 200
        assert response.json()["size"] == "large"
        county.ent_a.refresh_from_db()
        assert county.ent_a.registered_capital == Decimal("100") and county.ent_a.name == "湘中机械有限公司"

    def test_patch_by_the_enterprise_is_limited(self, county, login):
        client = login(county.ent_a_user)
        url = f"/api/v1/enterprises/{county.ent_a.pk}"
        assert client.patch(url, {"contact_phone": "13912345678"}, content_type="application/json").status_code == 200
        refused = client.patch(url, {"is_key": True}, content_type="application/json")
        assert refused.status_code == 403
        assert (
            refused.json()["detail"] == "An enterprise may change only its address, contact person and contact phone."
        )
        county.ent_a.refresh_from_db()
        assert county.ent_a.contact_phone == "13912345678" and not county.ent_a.is_key

    def test_patch_out_of_scope_is_404(self, county, login):
        response = login(county.ent_b_user).patch(
            f"/api/v1/enterprises/{county.ent_a.pk}", {"address": "x"}, content_type="application/json"
        )
        assert response.status_code == 404

    def test_patch_with_a_bad_value_is_422(self, county, login):
        response = login(county.office_user).patch(
            f"/api/v1/enterprises/{county.ent_a.pk}", {"founded_on": "2999-01-01"}, content_type="application/json"
        )
        assert response.status_code == 422
        assert response.json()["detail"] == "founded_on: The founding date cannot be in the future."
