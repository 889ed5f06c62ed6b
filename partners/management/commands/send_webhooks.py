"""Attempt the webhook deliveries whose time has come.

The task worker does this by itself (each retry is queued for its time); this
command is for a task backend that cannot wait, run from cron, and is safe to
run at any time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from partners.webhooks import send_due


class Command(BaseCommand):
    help = "Attempt the pending webhook deliveries whose time has come."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Attempted {send_due()} webhook delivery(ies).")
