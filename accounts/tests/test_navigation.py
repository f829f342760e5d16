from django.urls import reverse

from accounts.navigation import navigation_for


def _urls(user):
    return [link.url for link in navigation_for(user)]


def test_enterprise_user_gets_their_own_profile_and_figures(county):
    urls = _urls(county.ent_a_user)
    assert reverse("enterprise_detail", args=[county.ent_a.pk]) in urls
    assert reverse("my_figures") in urls
    assert reverse("enterprise_list") not in urls
    assert reverse("warning_list") not in urls


def test_an_enterprise_account_without_an_enterprise_gets_no_broken_link(county, make_user):
    orphan = make_user("orphan", "enterprise")
    assert all("/enterprises/" not in url for url in _urls(orphan))


def test_office_sees_the_registry_and_the_imports(county):
    urls = _urls(county.office_user)
    for name in ("enterprise_list", "warning_list", "pool_overview", "linkage_list", "plan_list", "import_index"):
        assert reverse(name) in urls
    assert reverse("enterprise_detail", args=[county.ent_a.pk]) not in urls


def test_cadre_can_record_a_visit_but_the_auditor_cannot(county):
    assert reverse("visit_create") in _urls(county.cadre)
    assert reverse("visit_create") not in _urls(county.auditor)
    assert reverse("visit_list") in _urls(county.auditor)
