from __future__ import annotations

from django.apps import AppConfig


class RelatedConfig(AppConfig):
    """Related stories: the editor's picks and exclusions, and the automatic
    suggestions scored from what stories share."""

    name = "related"
    verbose_name = "related stories"

    def ready(self) -> None:
        # Signal receivers that clear cached pages (related.caching).
        from related import caching  # noqa: F401
