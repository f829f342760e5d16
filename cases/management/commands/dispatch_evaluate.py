"""Time-split evaluation of smart dispatch: train before a date, test after, against the catalogue alone."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cases.services.smart_dispatch import threshold
from cases.smart.evaluation import evaluate
from cases.smart.learning import NotEnoughHistory


class Command(BaseCommand):
    help = "Train on cases submitted before --split and print top-1/top-3 accuracy on those from it."

    def add_arguments(self, parser):
        parser.add_argument("--split", required=True, help="The first day of the test period, YYYY-MM-DD.")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["split"])
        except ValueError:
            raise CommandError("--split takes a date as YYYY-MM-DD.") from None
        split = timezone.make_aware(dt.datetime.combine(day, dt.time()))
        try:
            result = evaluate(split, threshold())
        except NotEnoughHistory as short:
            raise CommandError(f"Not enough history before {day}: {short.args[0]} accepted cases.") from None
        if not result.tested:
            raise CommandError(f"No accepted case was submitted on or after {day}.")
        self.stdout.write(f"trained on {result.trained} cases before {day}, tested on {result.tested} from it")
        self.stdout.write(f"{'':<10} {'category top-1':>15} {'top-3':>7} {'lead unit top-1':>16} {'top-3':>7}")
        for row in result.rows:
            self.stdout.write(
                f"{row.name:<10} {row.category_top1:>15.1%} {row.category_top3:>7.1%} "
                f"{row.lead_top1:>16.1%} {row.lead_top3:>7.1%}"
            )
