"""Matching reruns by itself: a figure, the tags or the enterprise itself change → the enterprise's rerun on
commit (once per transaction); a policy saved → the policy's run."""

from datetime import date
from unittest import mock

from django.db import transaction

from core.models import Notification
from enterprises.models import MonthlyFigure, Tag
from policies.models import Policy, PolicyMatch
from policies.services import matching
from policies.tests import test_matching_data as shared
from policies.tests.test_matching_data import LAST_YEAR, ON, set_year

data, frozen = shared.data, shared.frozen  # fixtures
State = PolicyMatch.State


def forget_setup_callbacks():
    """The fixture's own writes queued a rerun in the test's transaction, which never commits: drop it, so
    that what the test does next is captured on its own."""
    transaction.get_connection().run_on_commit.clear()


def test_a_figure_that_makes_an_enterprise_eligible_reruns_it_and_notifies_once(
    data, frozen, django_capture_on_commit_callbacks
):
    matching.match_all(ON)
    assert PolicyMatch.objects.get(policy=data.small, enterprise=data.ent_b).state == State.NEARLY
    forget_setup_callbacks()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        set_year(data.ent_b, LAST_YEAR, revenue=1600)
    assert len(callbacks) == 1  # 12 figures deleted, 12 written: one rerun
    row = PolicyMatch.objects.get(policy=data.small, enterprise=data.ent_b)
    assert row.state == State.ELIGIBLE and row.notified_at is not None
    told = Notification.objects.filter(topic=matching.topic_eligible(data.small.pk), recipient=data.county.ent_b_user)
    assert told.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        figure = MonthlyFigure.objects.filter(enterprise=data.ent_b, period=date(LAST_YEAR, 5, 1)).get()
        figure.employees = 31
        figure.save()
    assert told.count() == 1


def test_deleting_figures_reruns_too(data, frozen, django_capture_on_commit_callbacks):
    matching.match_all(ON)
    forget_setup_callbacks()
    with django_capture_on_commit_callbacks(execute=True):
        MonthlyFigure.objects.filter(enterprise=data.ent_a, period__month__gte=7).delete()  # revenue 900 left
    assert not PolicyMatch.objects.filter(policy=data.small, enterprise=data.ent_a).exists()


def test_tags_and_the_enterprise_itself_rerun(data, frozen, django_capture_on_commit_callbacks):
    matching.match_all(ON)
    forget_setup_callbacks()
    with django_capture_on_commit_callbacks(execute=True):
        data.ent_b.tags.add(Tag.objects.get(code="srdi"))
    assert PolicyMatch.objects.get(policy=data.srdi, enterprise=data.ent_b).state == State.TO_CONFIRM
    with django_capture_on_commit_callbacks(execute=True):
        Tag.objects.get(code="srdi").enterprises.remove(data.ent_b)  # the reverse side
    assert not PolicyMatch.objects.filter(policy=data.srdi, enterprise=data.ent_b).exists()
    with django_capture_on_commit_callbacks(execute=True):
        data.ent_a.above_scale = True
        data.ent_a.save()
    assert not PolicyMatch.objects.filter(policy=data.small, enterprise=data.ent_a).exists()


def test_one_rerun_per_enterprise_per_transaction_and_none_for_other_fields(data, django_capture_on_commit_callbacks):
    forget_setup_callbacks()
    with mock.patch("policies.tasks.match_enterprises.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            set_year(data.ent_a, LAST_YEAR, revenue=1700)
            set_year(data.ent_b, LAST_YEAR, revenue=1700)
            data.ent_a.tags.clear()
        assert delay.call_args_list == [mock.call(sorted([data.ent_a.pk, data.ent_b.pk]))]
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True):
            data.ent_a.contact_name = "张三"
            data.ent_a.save(update_fields=["contact_name"])
        delay.assert_not_called()


def test_a_rolled_back_change_reruns_nothing(data, django_capture_on_commit_callbacks):
    forget_setup_callbacks()
    with mock.patch("policies.tasks.match_enterprises.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    set_year(data.ent_a, LAST_YEAR, revenue=1700)
                    raise RuntimeError
            except RuntimeError:
                pass
        delay.assert_not_called()


def test_publishing_and_withdrawing_a_policy_runs_its_matching(data, frozen, django_capture_on_commit_callbacks):
    forget_setup_callbacks()
    draft = shared.make_policy(data.county.office_user, "草稿政策", shared.SMALL_TO_SCALE, status=Policy.Status.DRAFT)
    forget_setup_callbacks()
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Policy.Status.PUBLISHED
        draft.save(update_fields=["status"])
    assert PolicyMatch.objects.filter(policy=draft, state=State.ELIGIBLE).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Policy.Status.WITHDRAWN
        draft.save(update_fields=["status", "updated_at"])
    assert not PolicyMatch.objects.filter(policy=draft).exists()
    with mock.patch("policies.tasks.match_policy.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            draft.summary = "只改文字"
            draft.save(update_fields=["summary"])
        delay.assert_not_called()
