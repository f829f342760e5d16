"""Signal receivers of the policies app: rerun the matching when what it reads changes.

- An enterprise is saved (its own facts: industry, region, park, above scale, size, founding date), its tags
  change (either side of the m2m), or one of its monthly figures is saved or deleted → the per-enterprise
  rerun (policies.tasks.match_enterprises).
- A policy is saved (published, edited, withdrawn) → the per-policy run (policies.tasks.match_policy).

The work is enqueued when the transaction commits (nothing for a rolled-back change), once per enterprise
and policy however many rows of it the transaction wrote: an import of twelve months of figures reruns each
enterprise once. Without a broker Celery runs the task in-process, right after the commit.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from enterprises.models import Enterprise, MonthlyFigure
from policies.models import Policy

logger = logging.getLogger("zhuqi.policies")

# Enterprise fields the facts read (policies.facts): a save that names only other fields changes nothing.
FACT_FIELDS = frozenset(
    {"industry", "industry_id", "region", "region_id", "park", "park_id", "above_scale", "size", "founded_on"}
)


class _Pending:
    """The enterprises and policies to rerun when the current transaction commits: one callback per
    transaction, found again in the connection's on-commit list (a rolled-back savepoint drops it)."""

    def __init__(self):
        self.enterprise_ids: set[int] = set()
        self.policy_ids: set[int] = set()
        self.done = False

    def __call__(self):
        from policies import tasks

        self.done = True
        try:
            for policy_id in sorted(self.policy_ids):
                tasks.match_policy.delay(policy_id)
            if self.enterprise_ids:
                tasks.match_enterprises.delay(sorted(self.enterprise_ids))
        except Exception:
            # The change is committed; the nightly batch will catch up.
            logger.exception("Could not enqueue the policy matching of %s", self.enterprise_ids or self.policy_ids)


def _pending(using: str | None = None) -> _Pending:
    connection = transaction.get_connection(using)
    for entry in connection.run_on_commit:
        if isinstance(entry[1], _Pending) and not entry[1].done:
            return entry[1]
    pending = _Pending()
    transaction.on_commit(pending, using=using)
    return pending


def _schedule(*, enterprise_ids=(), policy_ids=(), using: str | None = None) -> None:
    if not transaction.get_connection(using).in_atomic_block:  # autocommit: the change is committed already
        pending = _Pending()
        pending.enterprise_ids.update(enterprise_ids)
        pending.policy_ids.update(policy_ids)
        pending()
        return
    pending = _pending(using)
    pending.enterprise_ids.update(enterprise_ids)
    pending.policy_ids.update(policy_ids)


@receiver(post_save, sender=Enterprise, dispatch_uid="policies_enterprise_saved")
def enterprise_saved(sender, instance, created, update_fields=None, raw=False, using=None, **kwargs):
    if raw:
        return
    if update_fields is not None and not (set(update_fields) & FACT_FIELDS):
        return
    _schedule(enterprise_ids=[instance.pk], using=using)


@receiver(m2m_changed, sender=Enterprise.tags.through, dispatch_uid="policies_enterprise_tags")
def enterprise_tags_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear", "pre_clear"):
        return
    if not reverse:  # enterprise.tags.add(...)
        if action != "pre_clear":
            _schedule(enterprise_ids=[instance.pk], using=using)
        return
    # tag.enterprises.add(...): the enterprises are pk_set; a clear empties the tag of all its enterprises,
    # known only before it happens.
    if action == "pre_clear":
        _schedule(enterprise_ids=list(instance.enterprises.values_list("pk", flat=True)), using=using)
    elif action != "post_clear" and pk_set:
        _schedule(enterprise_ids=list(pk_set), using=using)


@receiver(post_save, sender=MonthlyFigure, dispatch_uid="policies_figure_saved")
@receiver(post_delete, sender=MonthlyFigure, dispatch_uid="policies_figure_deleted")
def figure_changed(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    _schedule(enterprise_ids=[instance.enterprise_id], using=using)


# Policy fields the matching reads: an edit of its text alone changes no match.
POLICY_FIELDS = frozenset({"status", "eligibility", "expires_on", "published_at"})


@receiver(post_save, sender=Policy, dispatch_uid="policies_policy_saved")
def policy_saved(sender, instance, raw=False, update_fields=None, using=None, **kwargs):
    if raw or (update_fields is not None and not (set(update_fields) & POLICY_FIELDS)):
        return
    _schedule(policy_ids=[instance.pk], using=using)
