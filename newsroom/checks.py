from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError

from newsroom.taskqueue import stale_tasks


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    """A production process must be given SECRET_KEY, or sessions break on restart."""
    if settings.DEBUG or getattr(settings, "SECRET_KEY_FROM_ENV", True):
        return []
    return [
        Warning(
            "SECRET_KEY is not set; a random key is used for this process only.",
            hint="Set the SECRET_KEY environment variable.",
            id="newsroom.W001",
        )
    ]


@register(Tags.database)
def task_queue_is_consumed(app_configs, databases=None, **kwargs):
    """Queued background tasks must not wait for minutes: a worker must run.

    Like every database check, runs only when asked for:
    `manage.py check --database default`.
    """
    warnings = []
    for alias in databases or ():
        try:
            stale = stale_tasks(using=alias)
        except DatabaseError:
            # Not migrated yet: nothing can have been queued.
            continue
        if stale is not None:
            warnings.append(
                Warning(
                    str(stale),
                    hint="Run `manage.py db_worker` beside the web server "
                    "(see docs/deploy.md), or more of them if it falls behind.",
                    obj=alias,
                    id="newsroom.W002",
                )
            )
    return warnings
