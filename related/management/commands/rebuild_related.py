"""Recompute every published story's related stories: `manage.py rebuild_related`."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from articles.models import Article
from related.rebuild import rebuild_related
from related.tasks import rebuild_related_chunk


class Command(BaseCommand):
    help = (
        "Recompute the stored related stories and document frequencies of every "
        "published story (once after installing, after a bulk import, or nightly "
        "to correct IDF drift)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--background",
            action="store_true",
            help="count the archive here, then queue the lists in chunks of "
            "--batch-size stories for the task workers (manage.py db_worker), "
            "which run them side by side",
        )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        if options["background"]:
            self._queue(options["batch_size"], options["verbosity"] > 0)
            return
        count = rebuild_related(
            batch_size=options["batch_size"], progress=options["verbosity"] > 0
        )
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0.0
        self.stdout.write(
            f"Rebuilt related stories for {count} stories in {elapsed:.1f} s "
            f"({rate:.0f} stories/s)."
        )

    def _queue(self, batch_size: int, progress: bool) -> None:
        started = time.perf_counter()
        count = rebuild_related(progress=progress, score=False)
        stories = list(
            Article.objects.filter(status=Article.Status.PUBLISHED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        chunks = [
            stories[start : start + batch_size]
            for start in range(0, len(stories), batch_size)
        ]
        for chunk in chunks:
            rebuild_related_chunk.enqueue(chunk)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Counted {count} stories in {elapsed:.1f} s; queued {len(chunks)} "
            f"chunks of up to {batch_size} for the task workers."
        )
