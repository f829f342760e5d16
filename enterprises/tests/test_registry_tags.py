"""The tag dictionary: the office adds, renames, reorders and deactivates tags; deactivated tags stay on
the enterprises that carry them but are not offered; nobody else may change the dictionary."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from enterprises.forms.registry import EnterpriseForm
from enterprises.models import Tag
from enterprises.services.registry import tag_create, tag_update

TAGS_URL = reverse("tag_list")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return _login


class TestServices:
    def test_create_goes_to_the_end_with_a_code(self, county):
        last = max(Tag.objects.values_list("sort_order", flat=True))
        tag = tag_create(actor=county.office_user, name="瞪羚企业", code="gazelle")
        assert (tag.code, tag.sort_order, tag.is_active) == ("gazelle", last + 10, True)

    def test_a_code_is_made_when_none_is_given(self, county):
        first = tag_create(actor=county.office_user, name="瞪羚企业")
        second = tag_create(actor=county.office_user, name="独角兽企业")
        assert first.code and second.code and first.code != second.code

    def test_duplicate_names_and_codes_are_refused(self, county):
        with pytest.raises(ValidationError) as caught:
            tag_create(actor=county.office_user, name="专精特新")
        assert caught.value.message_dict == {"name": ["There is already a tag named “专精特新”."]}
        with pytest.raises(ValidationError) as caught:
            tag_create(actor=county.office_user, name="新标签", code="srdi")
        assert caught.value.message_dict == {"code": ["There is already a tag with code “srdi”."]}
        with pytest.raises(ValidationError):
            tag_create(actor=county.office_user, name="新标签", code="不是代码")

    def test_rename_reorder_deactivate(self, county):
        srdi = Tag.objects.get(code="srdi")
        county.ent_a.tags.add(srdi)
        tag_update(actor=county.office_user, tag_id=srdi.pk, name="专精特新中小企业", sort_order=999, is_active=False)
        srdi.refresh_from_db()
        assert (srdi.name, srdi.sort_order, srdi.is_active) == ("专精特新中小企业", 999, False)
        assert list(county.ent_a.tags.all()) == [srdi]  # still carried
        assert srdi not in EnterpriseForm(user=county.office_user).fields["tag_ids"].queryset  # not offered

    def test_rename_to_an_existing_name_is_refused(self, county):
        with pytest.raises(ValidationError):
            tag_update(actor=county.office_user, tag_id=Tag.objects.get(code="srdi").pk, name="小巨人")

    @pytest.mark.parametrize("who", ["auditor", "gxj_head", "leader", "ent_a_user"])
    def test_only_the_office_changes_the_dictionary(self, county, who):
        user = getattr(county, who)
        with pytest.raises(PermissionDenied):
            tag_create(actor=user, name="瞪羚企业")
        with pytest.raises(PermissionDenied):
            tag_update(actor=user, tag_id=Tag.objects.get(code="srdi").pk, is_active=False)
        assert not Tag.objects.filter(name="瞪羚企业").exists()
        assert Tag.objects.get(code="srdi").is_active


class TestPage:
    def test_list_shows_usage_counts(self, county, login, django_assert_num_queries):
        srdi = Tag.objects.get(code="srdi")
        county.ent_a.tags.add(srdi)
        county.ent_b.tags.add(srdi)
        client = login(county.office_user)
        response = client.get(TAGS_URL)
        usage = {tag.code: tag.usage for tag in response.context["tags"]}
        assert usage["srdi"] == 2 and usage["listed"] == 0
        # One query for the whole table, however many tags.
        for n in range(10):
            Tag.objects.create(code=f"extra{n}", name=f"标签{n}")
        with django_assert_num_queries(6):  # session, user, roles, unit, calendar years, tags
            response = client.get(TAGS_URL)
        assert len(response.context["tags"]) == Tag.objects.count()

    def test_office_adds_renames_and_deactivates(self, county, login):
        client = login(county.office_user)
        assert client.post(TAGS_URL, {"name": "瞪羚企业", "code": "gazelle"}).status_code == 302
        gazelle = Tag.objects.get(code="gazelle")
        response = client.post(reverse("tag_edit", args=[gazelle.pk]), {"name": "瞪羚", "sort_order": "5"})
        assert response.status_code == 302
        gazelle.refresh_from_db()
        assert (gazelle.name, gazelle.sort_order, gazelle.is_active) == ("瞪羚", 5, False)  # unchecked box

    def test_a_duplicate_is_shown_in_the_form(self, county, login):
        response = login(county.office_user).post(TAGS_URL, {"name": "小巨人"})
        assert response.status_code == 200
        assert response.context["form"].errors["name"] == ["There is already a tag named “小巨人”."]

    @pytest.mark.parametrize("who", ["auditor", "gxj_head", "ent_a_user"])
    def test_the_page_is_the_offices(self, county, login, who):
        client = login(getattr(county, who))
        srdi = Tag.objects.get(code="srdi")
        assert client.get(TAGS_URL).status_code == 403
        assert client.post(reverse("tag_edit", args=[srdi.pk]), {"name": "x", "sort_order": "1"}).status_code == 403
        srdi.refresh_from_db()
        assert srdi.name == "专精特新"


class TestApi:
    def test_everyone_reads_the_dictionary(self, county, login):
        Tag.objects.filter(code="listed").update(is_active=False)
        client = login(county.ent_a_user)
        everything = client.get("/api/v1/tags").json()
        assert len(everything) == Tag.objects.count()
        active = client.get("/api/v1/tags", {"active": "true"}).json()
        assert "listed" not in {tag["code"] for tag in active}

    def test_office_creates_and_patches(self, county, login):
        client = login(county.office_user)
        created = client.post("/api/v1/tags", {"name": "瞪羚企业", "code": "gazelle"}, content_type="application/json")
        assert created.status_code == 201
        tag_id = created.json()["id"]
        patched = client.patch(f"/api/v1/tags/{tag_id}", {"is_active": False}, content_type="application/json")
        assert patched.status_code == 200 and patched.json()["is_active"] is False
        duplicate = client.post("/api/v1/tags", {"name": "小巨人"}, content_type="application/json")
        assert duplicate.status_code == 422
        assert duplicate.json()["detail"] == "name: There is already a tag named “小巨人”."
        assert client.patch("/api/v1/tags/99999", {"name": "x"}, content_type="application/json").status_code == 404

    @pytest.mark.parametrize("who", ["auditor", "ent_a_user"])
    def test_others_may_not_write(self, county, login, who):
        client = login(getattr(county, who))
        assert client.post("/api/v1/tags", {"name": "瞪羚企业"}, content_type="application/json").status_code == 403
        srdi = Tag.objects.get(code="srdi")
        assert (
            client.patch(f"/api/v1/tags/{srdi.pk}", {"name": "x"}, content_type="application/json").status_code == 403
        )
        assert not Tag.objects.filter(name="瞪羚企业").exists()
