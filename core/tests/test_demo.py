"""`manage.py demo` and `manage.py demo_logins`, at county scale with fewer enterprises (the full county,
city and province scales are the same code with more rows; bench/demo_build.py times them by hand). The
enterprise data itself (figures, pools, plans, visits) is tested in enterprises/tests/test_demo_*.py."""

import dataclasses
import io
import re

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.utils import timezone

from accounts import demo as accounts_demo
from accounts.demo import DEFAULT_PASSWORD, LOGINS, PASSWORD_ENV, SCALES
from accounts.models import Region, Role, Unit, User, UserRole
from accounts.scope import scoped
from cases import demo as cases_demo
from enterprises.models import Enterprise, Linkage
from enterprises.validators import validate_credit_code

# The county's organisation in full (its 500 users), with a few hundred of its 5,000 enterprises.
FULL_SCALES = dict(SCALES)
COUNTY = dataclasses.replace(SCALES["county"], enterprises=400)
CASES_PER_ENTERPRISE = 0.25
LOGIN_NAMES = [name for name, _ in LOGINS]


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--scale", "county", *args, stdout=out)
    return out.getvalue()


def demo_logins() -> str:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


def login(client, username: str, password: str) -> bool:
    # django-axes needs the request to count failures by address.
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return client.login(request=request, username=username, password=password)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Region, Unit, User, Enterprise, Linkage)}


@pytest.fixture(autouse=True)
def no_password_from_environment(monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


@pytest.fixture(autouse=True)
def smaller_county(monkeypatch):
    monkeypatch.setitem(accounts_demo.SCALES, "county", COUNTY)
    # The cases (and the steps that read them) are tested in cases/tests/test_demo_build.py: a few here.
    monkeypatch.setitem(cases_demo.CASES_PER_ENTERPRISE, "county", CASES_PER_ENTERPRISE)


@pytest.fixture
def county_demo(db):
    demo("--seed", "7")


# --- The shape of the county ---------------------------------------------------------------------------


def test_the_county_is_xinshao_with_its_townships_and_parks(county_demo):
    county = Region.objects.get(level=Region.Level.COUNTY)
    assert (county.code, county.name) == ("430522", "新邵县")
    assert (county.parent.code, county.parent.parent.code) == ("430500", "430000")
    townships = list(county.children.all())
    assert 12 <= len(townships) <= 20
    for township in townships:
        assert re.fullmatch(r"430522\d{3}", township.code)
        assert township.level == Region.Level.TOWNSHIP
    assert {"酿溪镇", "雀塘镇", "新邵经济开发区"} <= {t.name for t in townships}


def test_the_units_form_one_tree_under_the_county_government(county_demo):
    root = Unit.objects.get(parent=None)
    assert (root.name, root.kind) == ("新邵县人民政府", Unit.Kind.GOVERNMENT)
    assert Unit.objects.filter(kind=Unit.Kind.OFFICE).count() == 1
    assert Unit.objects.filter(kind=Unit.Kind.DEPARTMENT, parent=root).count() >= 20
    assert Unit.objects.filter(kind=Unit.Kind.TASK_FORCE).exists()
    assert Unit.objects.filter(kind=Unit.Kind.PARK).exists()
    assert {"县工信局", "县发改局", "县财政局", "县税务局", "人民银行县支行"} <= set(
        Unit.objects.values_list("name", flat=True)
    )
    # Each township and park answers for its own territory.
    for region in Region.objects.filter(level=Region.Level.TOWNSHIP):
        assert Unit.objects.filter(region=region, kind__in=[Unit.Kind.TOWNSHIP, Unit.Kind.PARK]).count() == 1


def test_tree_paths_are_the_ones_save_would_write(county_demo):
    for model in (Region, Unit):
        nodes = {node.pk: node for node in model.objects.all()}
        for node in nodes.values():
            parent = nodes.get(node.parent_id)
            if parent is None:
                assert (node.path, node.depth) == (f"/{node.pk:08d}/", 0)
            else:
                assert node.path == f"{parent.path}{node.pk:08d}/"
                assert node.path.startswith(parent.path)
                assert node.depth == parent.depth + 1


def test_every_role_has_people_and_the_county_has_its_500_users(county_demo):
    assert User.objects.filter(is_superuser=False).count() == COUNTY.users
    for role in Role.values:
        assert UserRole.objects.filter(role=role).exists(), role
    # Every department, township, park and task force has a head and at least one handler.
    for unit in Unit.objects.exclude(kind__in=[Unit.Kind.GOVERNMENT, Unit.Kind.OFFICE, Unit.Kind.OTHER]):
        roles = list(UserRole.objects.filter(user__unit=unit).values_list("role", flat=True))
        assert roles.count(Role.UNIT_HEAD) == 1, unit
        assert Role.UNIT_HANDLER in roles, unit
    leaders = User.objects.filter(role_grants__role=Role.LEADER)
    assert {"县长", "副县长"} <= set(leaders.values_list("title", flat=True))
    for user in User.objects.exclude(username__in=LOGIN_NAMES):
        assert re.fullmatch(r"u\d{6}", user.username)
        assert re.fullmatch(r"1[3-9]\d{9}", user.phone)
        assert 2 <= len(user.full_name) <= 4


def test_each_demo_login_signs_in_with_the_default_password(county_demo, client):
    for username in LOGIN_NAMES:
        assert login(client, username, DEFAULT_PASSWORD), username
        client.logout()


def test_admin_is_a_superuser_of_the_office(county_demo):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.unit.kind == Unit.Kind.OFFICE
    assert admin.role_grants.filter(role=Role.OFFICE).exists()


def test_enterprises_have_valid_unique_credit_codes_of_the_county(county_demo):
    enterprises = list(Enterprise.objects.select_related("region"))
    assert len(enterprises) == COUNTY.enterprises
    for enterprise in enterprises:
        validate_credit_code(enterprise.credit_code)
        assert enterprise.credit_code.startswith("91430522")
        assert enterprise.region.level == Region.Level.TOWNSHIP
        assert enterprise.name.endswith("公司")
    assert len({e.name for e in enterprises}) == len(enterprises)


def test_the_scales_are_those_of_the_design():
    # DESIGN.md §8: enterprises and users per scale.
    sizes = {name: (scale.enterprises, scale.users) for name, scale in FULL_SCALES.items()}
    assert sizes == {"county": (5_000, 500), "city": (40_000, 6_000), "province": (500_000, 60_000)}


def test_this_years_linkages_give_each_login_its_enterprises(county_demo):
    year = timezone.localdate().year
    linkages = Linkage.objects.filter(year=year).prefetch_related("cadres__role_grants", "leader__role_grants")
    key = Enterprise.objects.filter(is_key=True).count()
    assert len(linkages) == round(COUNTY.enterprises * COUNTY.linked_share)
    incomplete = 0
    for linkage in linkages:
        if linkage.leader is None or linkage.lead_unit is None or not linkage.cadres.all():
            incomplete += 1  # the coverage view's deliberate gaps, among the key enterprises only
            assert linkage.enterprise.is_key
        if linkage.leader is not None:
            assert linkage.leader.role_grants.filter(role=Role.LEADER).exists()
        assert len(linkage.cadres.all()) <= 2
        for cadre in linkage.cadres.all():
            assert {g.role for g in cadre.role_grants.all()} == {Role.CADRE}
    assert incomplete <= 0.1 * key

    users = {user.username: user for user in User.objects.filter(username__in=LOGIN_NAMES)}
    shared = users["enterprise"].enterprise
    assert shared.is_key and shared.above_scale
    for username in ("office", "leader", "unit_head", "handler", "cadre", "enterprise", "auditor", "admin"):
        assert scoped(users[username], Enterprise.objects.filter(pk=shared.pk)).exists(), username
    assert scoped(users["leader"], Enterprise.objects.all()).count() >= 5
    assert scoped(users["cadre"], Enterprise.objects.all()).count() >= 5
    assert scoped(users["enterprise"], Enterprise.objects.all()).count() == 1
    assert scoped(users["office"], Enterprise.objects.all()).count() == COUNTY.enterprises


# --- Running again -------------------------------------------------------------------------------------


def test_if_empty_leaves_an_existing_database_alone(county_demo):
    before = counts()
    names = list(Enterprise.objects.values_list("name", flat=True))
    output = demo("--if-empty", "--seed", "8")
    assert "skipped" in output
    assert counts() == before
    assert list(Enterprise.objects.values_list("name", flat=True)) == names


def test_if_empty_builds_into_an_empty_database(db):
    demo("--if-empty")
    assert Enterprise.objects.count() == COUNTY.enterprises


def test_running_again_without_reset_refuses(county_demo):
    with pytest.raises(CommandError, match="--reset"):
        demo()


def test_reset_rebuilds_and_keeps_superusers_the_demo_did_not_make(county_demo, client):
    User.objects.create_superuser("root", "root@example.org", "Root-pass-2026", full_name="运维")
    before = counts()
    demo("--reset", "--seed", "7")
    assert counts() == before
    assert User.objects.filter(username="root", is_superuser=True).exists()
    assert login(client, "cadre", DEFAULT_PASSWORD)


def test_the_same_seed_builds_the_same_enterprises(county_demo):
    def snapshot():
        return list(Enterprise.objects.order_by("credit_code").values_list("credit_code", "name", "region__code"))

    first = snapshot()
    demo("--reset", "--seed", "7")
    assert snapshot() == first
    demo("--reset", "--seed", "8")
    assert snapshot() != first


# --- Passwords and the logins table --------------------------------------------------------------------


def test_password_option_sets_every_demo_password(db, client):
    demo("--password", "Another-pass-77")
    assert login(client, "leader", "Another-pass-77")
    assert check_password("Another-pass-77", User.objects.filter(username__startswith="u").first().password)
    table = demo_logins()
    assert "leader" in table and "set with --password" in table
    assert f"  {DEFAULT_PASSWORD}  " not in table


def test_password_from_the_environment(db, client, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "Env-pass-2026")
    demo()
    assert login(client, "office", "Env-pass-2026")
    table = demo_logins()
    assert f"${PASSWORD_ENV}" in table and "Env-pass-2026" not in table


def test_demo_logins_prints_one_row_per_role(county_demo):
    table = demo_logins()
    for username in LOGIN_NAMES:
        assert re.search(rf"^\S+ \S+\s+{username}\s+{DEFAULT_PASSWORD}\s", table, re.MULTILINE), username
    assert "县工信局" in table and "production" in table


def test_demo_logins_without_a_demo_says_so(db):
    assert "No demo logins exist" in demo_logins()


def test_an_admin_the_demo_did_not_make_is_left_alone_and_never_listed(db):
    User.objects.create_superuser("admin", "ops@example.org", "Own-admin-pass-1", full_name="运维")
    assert "No demo logins exist" in demo_logins()
    demo()
    admin = User.objects.get(username="admin")
    assert admin.check_password("Own-admin-pass-1") and admin.email == "ops@example.org"
    table = demo_logins()
    assert not re.search(r"^\S+ \S+\s+admin\s", table, re.MULTILINE)
    assert re.search(r"^\S+ \S+\s+office\s", table, re.MULTILINE)
