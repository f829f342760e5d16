"""Verify the hash chain of every case's trail and name the first broken link of each broken case."""

from django.core.management.base import BaseCommand, CommandError

from cases.models import Case
from cases.services.trail import verify_trail


class Command(BaseCommand):
    help = "Verify the tamper-evident trail of cases; exits with an error naming each broken link."

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="*", help="Case numbers to check (all cases when none).")

    def handle(self, *args, numbers, **options):
        cases = Case.objects.filter(number__in=numbers) if numbers else Case.objects.all()
        checked = cases.count()
        broken = list(verify_trail(cases))
        for link in broken:
            self.stderr.write(f"BROKEN {link}")
        if broken:
            raise CommandError(
                f"{len(broken)} of {checked} case trails are broken; the first broken link of each is listed."
            )
        self.stdout.write(f"{checked} case trails verified, every chain intact.")
