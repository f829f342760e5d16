"""manage.py refresh_warnings: recompute the computed early warnings from the monthly figures."""

from django.core.management.base import BaseCommand, CommandError

from core.periods import parse_month
from enterprises.services.warnings import warnings_refresh


class Command(BaseCommand):
    help = "Recompute the computed early warnings and each enterprise's warning level from the monthly figures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enterprise",
            type=int,
            action="append",
            dest="enterprise_ids",
            help="an enterprise id (repeatable); default: all",
        )
        parser.add_argument(
            "--as-of", dest="as_of", help="read figures up to this month, YYYY-MM (default: this month)"
        )

    def handle(self, *args, enterprise_ids=None, as_of=None, **options):
        period = None
        if as_of:
            period = parse_month(as_of)
            if period is None:
                raise CommandError(f"--as-of: “{as_of}” is not a month; write it as YYYY-MM.")
        changed = warnings_refresh(enterprise_ids=enterprise_ids, as_of=period)
        self.stdout.write(self.style.SUCCESS(f"Warnings refreshed: {changed} enterprises changed."))
