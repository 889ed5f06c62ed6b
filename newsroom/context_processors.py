from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from articles.models import Section


def site(request: HttpRequest) -> dict[str, object]:
    """The site name and the sections for the navigation, on every page (404 too).

    The sections query runs only when a template iterates them.
    """
    return {"SITE_NAME": settings.SITE_NAME, "nav_sections": Section.objects.visible()}
