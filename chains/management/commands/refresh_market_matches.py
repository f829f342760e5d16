"""Propose supply-and-demand matches again for every open post (chains.services.market.refresh_matches).

Saving a post refreshes its own matches; this catches what changes elsewhere moves — a chain made inactive,
a node moved, an enterprise that changed town — and is safe to run at any time (for instance nightly from
cron): matches the office has taken up are never touched.

    manage.py refresh_market_matches
"""

from django.core.management.base import BaseCommand

from chains.services import market as services


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        result = services.refresh_matches()
        self.stdout.write(
            f"Matches proposed: {result.created} new, {result.updated} rescored, {result.deleted} withdrawn."
        )
