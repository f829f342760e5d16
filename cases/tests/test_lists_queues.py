"""The work queues: which tabs each role gets, what each tab holds (always inside the user's data scope), and
their counts in one query."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role, User
from cases.deadlines import Thresholds
from cases.selectors import lists as selectors

pytest_plugins = ["cases.tests.test_lists_support"]


def tabs(user) -> list[str]:
    return [q.key for q in selectors.queues_for(user)]


def titles(user, queue, **filters) -> set[str]:
    return {c.title for c in selectors.case_list(user=user, queue=queue, **filters)}


def names(world, user, queue) -> set[str]:
    """The world's attribute names of the cases in `queue`."""
    by_pk = {case.pk: name for name, case in vars(world).items()}
    return {by_pk[c.pk] for c in selectors.case_filter(user=user, queue=queue)}


def test_tabs_per_role(county, heads):
    c = county
    assert tabs(c.office_user) == ["new", "returned", "overdue", "extensions", "listed", "all"]
    assert tabs(c.gxj_handler) == ["to_accept", "in_progress", "due_soon", "overdue", "all"]
    assert tabs(c.gxj_head) == ["to_accept", "in_progress", "due_soon", "overdue", "to_approve", "all"]
    assert tabs(c.ent_a_user) == ["mine"]
    assert tabs(c.leader) == ["linked", "listed"]
    assert tabs(c.cadre) == ["linked"]
    assert tabs(c.auditor) == ["all"]


def test_several_roles_get_the_union_of_their_tabs(county, make_user):
    both = make_user("office_and_gxj", Role.OFFICE, Role.UNIT_HANDLER, unit=county.gxj)
    # The office's tabs first; a unit's overdue and all are the office's own (which cover them).
    assert tabs(both) == [
        "new",
        "returned",
        "overdue",
        "extensions",
        "listed",
        "all",
        "to_accept",
        "in_progress",
        "due_soon",
    ]
    leader_cadre = make_user("leader_cadre", Role.LEADER, Role.CADRE, unit=county.gov)
    assert tabs(leader_cadre) == ["linked", "listed"]
    # A handler without a unit, or an enterprise role without an enterprise, has nothing to queue.
    assert tabs(make_user("unitless", Role.UNIT_HANDLER)) == []
    assert tabs(make_user("nobody")) == []


def test_unknown_or_foreign_queue_falls_back_to_the_first_tab(county, world):
    queues = selectors.queues_for(county.gxj_handler)
    assert selectors.pick_queue(queues, "new").key == "to_accept"
    assert selectors.pick_queue(queues, None).key == "to_accept"
    assert selectors.pick_queue(queues, "all").key == "all"
    # "new" is the office's tab: a unit asking for it gets its own first tab, not the office's cases.
    assert names(world, county.gxj_handler, "new") == {"assigned"}


def test_office_queues(county, world):
    office = county.office_user
    assert names(world, office, "new") == {"new"}
    assert names(world, office, "returned") == {"returned"}
    assert names(world, office, "overdue") == set()
    assert names(world, office, "extensions") == {"listed"}
    assert names(world, office, "listed") == {"listed"}
    assert names(world, office, "all") == set(vars(world))


def test_unit_handler_queues_hold_only_their_units_cases(county, world):
    gxj = county.gxj_handler
    assert names(world, gxj, "to_accept") == {"assigned"}
    # Accepted by 工信局 and still being handled; the resolved one is no longer in progress.
    assert names(world, gxj, "in_progress") == {"to_approve", "waiting"}
    assert names(world, gxj, "all") == {"assigned", "returned", "resolved", "to_approve", "waiting"}
    assert names(world, gxj, "due_soon") == set()

    fgj = county.fgj_handler  # co-handler of one case, lead of another
    assert names(world, fgj, "to_accept") == {"assigned"}
    assert names(world, fgj, "in_progress") == {"fgj_working"}
    assert names(world, fgj, "all") == {"assigned", "fgj_working"}

    assert names(world, county.town_a_handler, "all") == {"assigned"}
    assert names(world, county.sme_handler, "in_progress") == {"listed"}
    assert names(world, county.sme_handler, "to_accept") == set()


def test_another_unit_sees_nothing(county, world, make_user):
    town_b = make_user("town_b_handler", Role.UNIT_HANDLER, unit=county.town_b_gov)
    for queue in tabs(town_b):
        assert names(world, town_b, queue) == set()
    assert all(count.count == 0 for count in selectors.queue_counts(town_b))


def test_unit_head_queues_reach_the_units_below(county, world):
    head = county.gxj_head
    assert names(world, head, "to_accept") == {"assigned"}
    # 工信局中小企业股 is below 工信局: its case is the head's too.
    assert names(world, head, "in_progress") == {"listed", "to_approve", "waiting"}
    assert names(world, head, "to_approve") == {"to_approve"}
    assert names(world, head, "all") == {"assigned", "returned", "resolved", "to_approve", "waiting", "listed"}
    # Another unit's head approves nothing of 工信局's.
    assert names(world, county.fgj_head, "to_approve") == set()
    assert names(world, county.town_a_head, "to_accept") == {"assigned"}


def test_enterprise_sees_only_its_own_cases_and_what_is_expected_of_it(county, world):
    assert names(world, county.ent_a_user, "mine") == {"new", "assigned", "resolved", "waiting"}
    assert names(world, county.ent_b_user, "mine") == {"fgj_working", "returned"}
    expected = {c.title: selectors.expected_of_enterprise(c) for c in selectors.case_list(user=county.ent_a_user)}
    assert expected == {"厂房用电增容": "", "贷款到期续贷困难": "", "技改补贴兑现": "rate", "招工难": "supply_material"}


def test_leader_and_cadre_see_their_linked_enterprises(county, world, make_user):
    assert names(world, county.leader, "linked") == {"listed", "to_approve"}
    assert names(world, county.leader, "listed") == {"listed"}
    assert names(world, county.cadre, "linked") == {"listed", "to_approve"}
    unlinked = make_user("cadre2", Role.CADRE, unit=county.fgj)
    assert names(world, unlinked, "linked") == set()


def test_auditor_sees_all(county, world):
    assert names(world, county.auditor, "all") == set(vars(world))


def test_overdue_queues_after_the_deadlines_pass(county, world):
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        # The waiting case's clock is paused: it is not overdue.
        assert names(world, county.office_user, "overdue") == {"assigned", "fgj_working", "listed", "to_approve"}
        assert names(world, county.gxj_handler, "overdue") == {"assigned", "to_approve"}
        assert names(world, county.fgj_handler, "overdue") == {"assigned", "fgj_working"}
        assert names(world, county.gxj_head, "overdue") == {"assigned", "to_approve", "listed"}
        counts = {q.key: q.count for q in selectors.queue_counts(county.gxj_handler)}
        assert counts["overdue"] == 2


def test_due_soon_queue(county, world):
    # Two hours before the deadlines (the cases were assigned moments apart): due soon for the units holding
    # them live, the paused one left out.
    with time_machine.travel(world.fgj_working.due_at - timedelta(hours=2), tick=False):
        assert names(world, county.fgj_handler, "due_soon") == {"assigned", "fgj_working"}
        assert names(world, county.gxj_handler, "due_soon") == {"assigned", "to_approve"}
        assert names(world, county.office_user, "overdue") == set()


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("office", {"new": 1, "returned": 1, "overdue": 0, "extensions": 1, "listed": 1, "all": 8}),
        ("gxj_handler", {"to_accept": 1, "in_progress": 2, "due_soon": 0, "overdue": 0, "all": 5}),
        ("gxj_head", {"to_accept": 1, "in_progress": 3, "due_soon": 0, "overdue": 0, "to_approve": 1, "all": 6}),
        ("ent_a", {"mine": 4}),
        ("ent_b", {"mine": 2}),
        ("leader", {"linked": 2, "listed": 1}),
        ("cadre", {"linked": 2}),
        ("auditor", {"all": 8}),
    ],
)
def test_queue_counts(county, world, username, expected):
    user = User.objects.get(username=username)
    counts = selectors.queue_counts(user)
    assert {c.key: c.count for c in counts} == expected
    assert [c.key for c in counts] == list(expected)


def test_queue_counts_take_one_query(county, world, django_assert_num_queries):
    thresholds = Thresholds.at()
    for user in (county.office_user, county.gxj_head, county.ent_a_user, county.leader):
        user = User.objects.select_related("unit").get(pk=user.pk)
        selectors.queues_for(user)  # the roles, loaded once per request
        with django_assert_num_queries(1):
            selectors.queue_counts(user, thresholds=thresholds)
