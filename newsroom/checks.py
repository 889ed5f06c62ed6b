from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
