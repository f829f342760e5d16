"""Plan a year's entrepreneur reception days (企业家接待日): one planned event a month on its first Monday, or
on the next working day when that Monday is a holiday, for an organizer unit (default: the coordinating
office). Months where the organizer has a reception day already are skipped, so it is safe to run again (for
instance from cron each December for the coming year).

    manage.py schedule_reception_days --year 2027
    manage.py schedule_reception_days --year 2026 --organizer 430522-NXZ --user office --include-past
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Role, Unit, User
from chains.services import events as services


def _office_user() -> User | None:
    """Who the command acts as when no --user is given: the first active office user, else a superuser."""
    office = User.objects.filter(is_active=True, role_grants__role=Role.OFFICE).order_by("pk").first()
    return office or User.objects.filter(is_active=True, is_superuser=True).order_by("pk").first()


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year (default: this year)")
        parser.add_argument("--organizer", help="the organizing unit's code (default: the coordinating office)")
        parser.add_argument("--user", help="the username the events are created by (default: an office user)")
        parser.add_argument("--place", default="", help="where the reception days are held")
        parser.add_argument("--include-past", action="store_true", help="also plan days already gone")

    def handle(self, *args, year=None, organizer=None, user=None, place="", include_past=False, **options):
        year = year or timezone.localdate().year
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user}.")
        else:
            actor = _office_user()
            if actor is None:
                raise CommandError("No active office user to act as; give --user.")
        organizer_id = None
        if organizer:
            unit = Unit.objects.filter(code=organizer).first()
            if unit is None:
                raise CommandError(f"No unit with code {organizer}.")
            organizer_id = unit.pk
        try:
            result = services.reception_days_schedule(
                actor=actor, year=year, organizer_id=organizer_id, place=place, include_past=include_past
            )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", None) or [str(error)])) from None
        for event in result.created:
            self.stdout.write(f"planned {event.held_on:%Y-%m-%d} ({event.held_on:%a}) #{event.pk}")
        self.stdout.write(
            f"{result.organizer} {result.year}: {len(result.created)} planned, {len(result.existing)} months had one "
            f"already, {len(result.past)} days already gone left out."
        )
