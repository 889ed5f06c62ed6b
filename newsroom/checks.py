from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from newsroom.demo.loader import DEFAULT_EDITOR_PASSWORD, EDITOR_USERNAME
from newsroom.taskqueue import stale_tasks


@register(Tags.security, deploy=True)
def secret_key_from_environment(app_configs, **kwargs):
    """A production process must be given SECRET_KEY: each web process would sign
    sessions with its own random key (and the web entry points refuse to start)."""
    if settings.DEBUG or getattr(settings, "SECRET_KEY_FROM_ENV", True):
        return []
    return [
        Error(
            "SECRET_KEY is not set; each process would make a random key of its own.",
            hint="Set the SECRET_KEY environment variable, the same for every process.",
            id="newsroom.E001",
        )
    ]


@register(Tags.security, deploy=True)
def no_demo_login(app_configs, **kwargs):
    """The demo's editor account, with the password the README prints, must not
    exist where the site is deployed."""
    try:
        editor = get_user_model().objects.filter(username=EDITOR_USERNAME).first()
    except DatabaseError:
        # Not migrated yet: no account can exist.
        return []
    if editor is None or not editor.check_password(DEFAULT_EDITOR_PASSWORD):
        return []
    return [
        Error(
            f"The demo account {EDITOR_USERNAME!r} exists with the demo password "
            "that the README publishes.",
            hint="Delete the account or give it a password of its own "
            f"(manage.py changepassword {EDITOR_USERNAME}).",
            id="newsroom.E002",
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
