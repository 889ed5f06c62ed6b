from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from articles.models import Section
from newsroom import pagecache


def site(request: HttpRequest) -> dict[str, object]:
    """The site name and the sections for the navigation, on every page (404 too).

    The sections are read only when a template uses them, from the cache until
    a change to the navigation (the `nav` tag, articles.caching) or the next
    go-live or expiry time.
    """
    return {
        "SITE_NAME": settings.SITE_NAME,
        "nav_sections": SimpleLazyObject(
            lambda: pagecache.remember(
                "nav-sections", ["nav"], lambda: list(Section.objects.visible())
            )
        ),
    }
