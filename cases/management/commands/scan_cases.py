"""Run the deadline scan once (for cron when Celery beat is not used)."""

from django.core.management.base import BaseCommand

from cases.services.scan import scan


class Command(BaseCommand):
    help = "Send deadline reminders, supervise and escalate overdue cases, close unrated resolved cases."

    def handle(self, *args, **options):
        result = scan()
        self.stdout.write(str(result))
