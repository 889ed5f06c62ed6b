"""What a web process checks before it serves anything."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def refuse_without_secret_key() -> None:
    """Stop a production web process that was not given SECRET_KEY.

    Each process would otherwise sign sessions and CSRF tokens with a random key
    of its own: logins would fail as soon as a second worker answered. A DEBUG
    run keeps its development key.
    """
    if settings.DEBUG or settings.SECRET_KEY_FROM_ENV:
        return
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long "
        "random value, the same for every web process and worker "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))").'
    )
