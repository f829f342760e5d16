"""Train a new version of the smart-dispatch suggestions (for cron when Celery beat is not used)."""

from django.core.management.base import BaseCommand, CommandError

from cases.services.smart_dispatch import suggestion_model_train
from cases.smart.learning import MIN_CASES, NotEnoughHistory


class Command(BaseCommand):
    help = (
        "Learn category and lead-unit suggestions from the accepted assignments to date; the new version is put in use."
    )

    def handle(self, *args, **options):
        try:
            model = suggestion_model_train(trained_by="command")
        except NotEnoughHistory as short:
            raise CommandError(
                f"Not enough history: {short.args[0]} accepted cases, at least {MIN_CASES} in two categories needed."
            ) from None
        metrics = model.metrics or {}
        self.stdout.write(
            f"v{model.version}: {model.case_count} cases, {model.category_count} categories, "
            f"{model.lead_count} lead units, {model.vocabulary_size} words"
        )
        if metrics:
            self.stdout.write(
                "held-out newest 20 %: category top-1 {category_top1:.1%} top-3 {category_top3:.1%}, "
                "lead unit top-1 {lead_top1:.1%} top-3 {lead_top3:.1%} ({tested} cases)".format(**metrics)
            )
