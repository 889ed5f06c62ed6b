"""Is anything consuming the background task queue?

Tasks queued with django-tasks-db wait in the database until `manage.py
db_worker` runs them. When no worker runs, nothing fails: related-story lists
just stop changing. `stale_tasks` notices; a system check
(`manage.py check --database default`) and a banner on every admin page say so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max


@dataclass(frozen=True)
class StaleTasks:
    """Tasks ready to run that nothing has picked up for `stale_after`."""

    count: int
    oldest: datetime.datetime
    stale_after: datetime.timedelta

    def __str__(self) -> str:
        minutes = round(self.stale_after.total_seconds() / 60, 1)
        return (
            f"{self.count} background task{'' if self.count == 1 else 's'} "
            f"{'has' if self.count == 1 else 'have'} waited more than "
            f"{minutes:g} minutes (the oldest since "
            f"{self.oldest.isoformat(timespec='seconds')}): related stories are "
            "not being updated. Is the task worker (manage.py db_worker) running, "
            "and keeping up?"
        )


def database_backends() -> list[str]:
    """The aliases in settings.TASKS that queue tasks in the database."""
    return [
        alias
        for alias, config in settings.TASKS.items()
        if issubclass(import_string(config["BACKEND"]), DatabaseBackend)
    ]


def stale_tasks(
    *, using: str = "default", now: datetime.datetime | None = None
) -> StaleTasks | None:
    """The tasks that have been ready to run for longer than TASKS_STALE_AFTER
    seconds in database `using`, or None when there are none (or the check is
    off: TASKS_STALE_AFTER = 0, or no database task backend).

    One query on django-tasks-db's index of ready tasks. A task deferred to a
    later time counts from that time. Raises DatabaseError before migrations.
    """
    seconds = settings.TASKS_STALE_AFTER
    backends = database_backends()
    if not seconds or not backends:
        return None
    stale_after = datetime.timedelta(seconds=seconds)
    cutoff = (now or timezone.now()) - stale_after
    waiting = (
        DBTaskResult.objects.using(using)
        .ready()
        .filter(backend_name__in=backends, enqueued_at__lte=cutoff)
        .filter(Q(run_after=get_date_max()) | Q(run_after__lte=cutoff))
        .aggregate(count=Count("pk"), oldest=Min("enqueued_at"))
    )
    if not waiting["count"]:
        return None
    return StaleTasks(waiting["count"], waiting["oldest"], stale_after)
