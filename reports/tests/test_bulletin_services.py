"""The office's writes on the bulletin: saving the header and text (create, then update), good practices
added, changed, deleted and reordered; only the office writes, and bad values are refused with the field
they concern."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reports.models import Bulletin, GoodPractice
from reports.services.bulletin import (
    bulletin_save,
    good_practice_add,
    good_practice_delete,
    good_practice_move,
    good_practice_update,
)
from reports.tests.test_bulletin_support import add_practice

pytest_plugins = ["reports.tests.test_bulletin_support"]

OTHERS = ["auditor", "leader", "gxj_head", "gxj_handler", "cadre", "ent_a_user"]


@pytest.fixture
def county_now(county, frozen, english):
    return county


def save(actor, **changes):
    values = {
        "year": 2026,
        "quarter": 3,
        "issuer": "县助企办",
        "document_number": "新助企办〔2026〕12号",
        "title": "关于2026年第三季度助企服务工作情况的通报",
        "opening": "各单位：\r\n现通报如下。  ",
        "closing": "请对照整改。",
        "issued_on": date(2026, 10, 8),
    }
    values.update(changes)
    return bulletin_save(actor=actor, **values)


def test_the_office_creates_then_updates_the_quarters_bulletin(county_now):
    office = county_now.office_user
    first = save(office)
    assert first.opening == "各单位：\n现通报如下。"  # line ends folded, ends trimmed
    assert first.updated_by == office
    second = save(office, title="改过的标题", document_number="", issued_on=None)
    assert second.pk == first.pk and Bulletin.objects.count() == 1
    stored = Bulletin.objects.get()
    assert (stored.title, stored.document_number, stored.issued_on) == ("改过的标题", "", None)


@pytest.mark.parametrize("who", OTHERS)
def test_only_the_office_saves_bulletins(county_now, who):
    with pytest.raises(PermissionDenied):
        save(getattr(county_now, who))
    assert not Bulletin.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": "  "}, "issuer"),
        ({"title": ""}, "title"),
        ({"title": "长" * 121}, "title"),
        ({"document_number": "号" * 41}, "document_number"),
        ({"issued_on": date(2026, 6, 30)}, "issued_on"),
        ({"quarter": 4, "year": 2027}, "year"),
        ({"quarter": 5}, "quarter"),
    ],
)
def test_bad_values_are_refused_with_their_field(county_now, changes, field):
    with pytest.raises(ValidationError) as error:
        save(county_now.office_user, **changes)
    assert field in error.value.message_dict
    assert not Bulletin.objects.exists()


def test_permission_is_checked_before_the_values(county_now):
    with pytest.raises(PermissionDenied):
        save(county_now.gxj_head, title="")


def test_good_practices_are_added_at_the_end(county_now):
    office = county_now.office_user
    one = good_practice_add(
        actor=office, year=2026, quarter=3, title=" 早餐会 ", body="内容", unit_id=county_now.gxj.pk
    )
    two = good_practice_add(actor=office, year=2026, quarter=3, title="吹哨", body="内容")
    other = good_practice_add(actor=office, year=2026, quarter=2, title="上季度", body="内容")
    assert (one.title, one.unit, one.sort_order, one.created_by) == ("早餐会", county_now.gxj, 0, office)
    assert (two.sort_order, two.unit) == (1, None)
    assert other.sort_order == 0


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": "  "}, "body"),
        ({"unit_id": 999_999}, "unit"),
        ({"title": "长" * 121}, "title"),
    ],
)
def test_a_bad_good_practice_is_refused(county_now, values, field):
    data = {"title": "标题", "body": "内容"} | values
    with pytest.raises(ValidationError) as error:
        good_practice_add(actor=county_now.office_user, year=2026, quarter=3, **data)
    assert field in error.value.message_dict
    assert not GoodPractice.objects.exists()


def test_an_inactive_unit_is_refused(county_now):
    county_now.fgj.is_active = False
    county_now.fgj.save()
    with pytest.raises(ValidationError):
        good_practice_add(
            actor=county_now.office_user, year=2026, quarter=3, title="t", body="b", unit_id=county_now.fgj.pk
        )


def test_update_changes_only_what_is_passed(county_now):
    practice = add_practice(county_now, "原标题", unit=county_now.gxj)
    good_practice_update(actor=county_now.office_user, practice_id=practice.pk, title="新标题")
    practice.refresh_from_db()
    assert (practice.title, practice.unit_id, practice.body) == ("新标题", county_now.gxj.pk, "做法一。\n做法二。")
    good_practice_update(actor=county_now.office_user, practice_id=practice.pk, unit_id=None, body="新内容")
    practice.refresh_from_db()
    assert (practice.unit_id, practice.body) == (None, "新内容")
    with pytest.raises(ValidationError):
        good_practice_update(actor=county_now.office_user, practice_id=practice.pk, title=" ")


def test_delete(county_now):
    practice = add_practice(county_now, "删掉")
    good_practice_delete(actor=county_now.office_user, practice_id=practice.pk)
    assert not GoodPractice.objects.exists()
    with pytest.raises(ValidationError):
        good_practice_delete(actor=county_now.office_user, practice_id=practice.pk)


def titles():
    return list(
        GoodPractice.objects.filter(year=2026, quarter=3).order_by("sort_order", "pk").values_list("title", flat=True)
    )


def test_move_up_and_down_renumbers_the_quarter(county_now):
    # Two share a sort order (written directly): the list is numbered again when one moves.
    a = add_practice(county_now, "甲", sort_order=0)
    b = add_practice(county_now, "乙", sort_order=0)
    c = add_practice(county_now, "丙", sort_order=5)
    office = county_now.office_user
    good_practice_move(actor=office, practice_id=c.pk, direction="up")
    assert titles() == ["甲", "丙", "乙"]
    assert list(GoodPractice.objects.order_by("sort_order").values_list("sort_order", flat=True)) == [0, 1, 2]
    good_practice_move(actor=office, practice_id=a.pk, direction="down")
    assert titles() == ["丙", "甲", "乙"]
    with pytest.raises(ValidationError) as error:
        good_practice_move(actor=office, practice_id=b.pk, direction="down")
    assert "already last" in str(error.value)
    with pytest.raises(ValidationError):
        good_practice_move(actor=office, practice_id=c.pk, direction="up")
    with pytest.raises(ValidationError):
        good_practice_move(actor=office, practice_id=c.pk, direction="sideways")


@pytest.mark.parametrize("who", OTHERS)
def test_only_the_office_writes_good_practices(county_now, who):
    user = getattr(county_now, who)
    practice = add_practice(county_now, "甲")
    add_practice(county_now, "乙", sort_order=1)
    with pytest.raises(PermissionDenied):
        good_practice_add(actor=user, year=2026, quarter=3, title="t", body="b")
    with pytest.raises(PermissionDenied):
        good_practice_update(actor=user, practice_id=practice.pk, title="t")
    with pytest.raises(PermissionDenied):
        good_practice_move(actor=user, practice_id=practice.pk, direction="down")
    with pytest.raises(PermissionDenied):
        good_practice_delete(actor=user, practice_id=practice.pk)
    assert titles() == ["甲", "乙"]


def test_good_practices_for_a_quarter_not_begun_are_refused(county_now):
    with pytest.raises(ValidationError):
        good_practice_add(actor=county_now.office_user, year=2027, quarter=1, title="t", body="b")
