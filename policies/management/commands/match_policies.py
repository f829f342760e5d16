"""Match enterprises to the published policies: every policy against every enterprise (the nightly batch,
for cron where no Celery beat runs), one policy (--policy), or one enterprise (--enterprise)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from enterprises.models import Enterprise
from policies.models import Policy
from policies.services import matching


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--policy", type=int, action="append", help="a policy id (repeatable)")
        parser.add_argument("--enterprise", type=int, action="append", help="an enterprise id (repeatable)")
        parser.add_argument("--on", type=date.fromisoformat, help="the reference date (default: today)")

    def handle(self, *args, policy=None, enterprise=None, on=None, **options):
        if policy and enterprise:
            raise CommandError("Give --policy or --enterprise, not both.")
        if policy:
            total = matching.MatchCounts()
            for policy_id in policy:
                found = Policy.objects.filter(pk=policy_id).first()
                if found is None:
                    raise CommandError(f"No policy {policy_id}.")
                counts = matching.match_policy(found, on)
                self._print(f"policy {policy_id}", counts)
                total.add(counts)
                total.policies += 1
                total.seconds += counts.seconds
            if len(policy) > 1:
                self._print("total", total)
            return
        if enterprise:
            missing = set(enterprise) - set(Enterprise.objects.filter(pk__in=enterprise).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No enterprise {', '.join(str(pk) for pk in sorted(missing))}.")
            self._print("enterprises", matching.match_enterprises(enterprise, on))
            return
        counts = matching.match_all(on)
        for policy_id, one in counts.per_policy.items():
            self._print(f"policy {policy_id}", one)
        self._print("all", counts)

    def _print(self, label, counts):
        self.stdout.write(
            f"{label}: {counts.policies} policies, {counts.enterprises} enterprises; eligible {counts.eligible}, "
            f"to confirm {counts.to_confirm}, nearly {counts.nearly}; created {counts.created}, updated "
            f"{counts.updated}, deleted {counts.deleted}; notified {counts.notified} (+{counts.subscribers_notified} "
            f"subscribers); {counts.seconds:.2f} s"
        )
