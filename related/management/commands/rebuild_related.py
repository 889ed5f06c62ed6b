"""Recompute every published story's related stories: `manage.py rebuild_related`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from related.rebuild import rebuild_related


class Command(BaseCommand):
    help = (
        "Recompute the stored related stories and document frequencies of every "
        "published story (once after installing, after a bulk import, or nightly "
        "to correct IDF drift)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        count = rebuild_related(
            batch_size=options["batch_size"], progress=options["verbosity"] > 0
        )
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0.0
        self.stdout.write(
            f"Rebuilt related stories for {count} stories in {elapsed:.1f} s "
            f"({rate:.0f} stories/s)."
        )
