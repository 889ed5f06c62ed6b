"""Publish the scheduled changes to live stories whose time has come.

The task worker does this at each scheduled time; this command is for a
deployment that runs without the worker (from cron), and is safe to run at any
time: it publishes only what is due.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from articles.revisions import publish_due_revisions


class Command(BaseCommand):
    help = "Publish scheduled changes to live stories whose time has come."

    def handle(self, *args, **options) -> None:
        count = publish_due_revisions()
        self.stdout.write(f"Published {count} scheduled revision(s).")
