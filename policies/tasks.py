"""Background work of the support policies: matching (Celery; in-process when no broker is configured).

Arguments are plain JSON so that the tasks can cross a broker. The nightly batch is `policies.match_all`
(CELERY_BEAT_SCHEDULE, or cron running `manage.py match_policies`)."""

from datetime import date

from celery import shared_task

from policies.services import matching


def _on(on: str | None) -> date | None:
    return date.fromisoformat(on) if on else None


@shared_task(name="policies.match_enterprises")
def match_enterprises(enterprise_ids: list[int], on: str | None = None) -> dict:
    """Rerun the matching of a few enterprises whose facts changed (signals.py enqueues it on commit)."""
    return matching.match_enterprises(enterprise_ids, _on(on)).as_dict()


@shared_task(name="policies.match_policy")
def match_policy(policy_id: int, on: str | None = None) -> dict:
    """Rerun one policy against every enterprise (after it was saved: published, edited or withdrawn)."""
    from policies.models import Policy

    policy = Policy.objects.filter(pk=policy_id).first()
    if policy is None:
        return {}
    return matching.match_policy(policy, _on(on)).as_dict()


@shared_task(name="policies.match_all")
def match_all(on: str | None = None) -> dict:
    """The nightly batch: every published policy against every enterprise."""
    return matching.match_all(_on(on)).as_dict()
