"""What every reader-facing page of every app shares."""

from __future__ import annotations

import sys
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property
from django.views import defaults
from django.views.decorators.http import require_GET, require_safe

# What the database driver raises while the server is down, restarting or
# unreachable (Django wraps psycopg's and sqlite3's errors in these).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a client is asked to wait after a 503.
RETRY_AFTER_SECONDS = 10
# Seconds browsers keep /favicon.ico's redirect.
FAVICON_MAX_AGE = 24 * 60 * 60


class CappedPaginator(Paginator):
    """Counts no further than `max_pages` pages.

    Counting a million published stories on every front-page view costs more than
    the page itself; nobody pages that far back, and older stories stay reachable
    through sections, entities, tags, threads and the API.
    """

    max_pages = 250

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.per_page * self.max_pages].count()

    @property
    def capped(self) -> bool:
        """Whether there are more items than `count` says."""
        return self.count == self.per_page * self.max_pages


class PublicPageMixin:
    """What every reader-facing page needs: its canonical address.

    On a paginated list the canonical address carries ?page=N only when N > 1, and
    `page_range` holds the (elided) page numbers to link to.
    """

    paginator_class = CappedPaginator

    def get_canonical_path(self) -> str | None:
        return self.request.path

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        path = self.get_canonical_path()
        page = context.get("page_obj")
        if page is not None:
            context["page_range"] = page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            )
            if path is not None and page.number > 1:
                path = f"{path}?{urlencode({'page': page.number})}"
        if path is not None:
            context["canonical_url"] = self.request.build_absolute_uri(path)
        return context


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """ "ok" for load balancers, through the same middleware as every page and
    without touching the database: it says the process answers, not that the
    database does (`manage.py check --database default` says that)."""
    response = HttpResponse("ok", content_type="text/plain")
    patch_cache_control(response, no_store=True)
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links: the site's SVG
    icon. A temporary redirect, kept a day, since the icon's static address
    changes with its content."""
    response = redirect(static("favicon.svg"))
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After, while the database cannot be reached.

    Rendered without the request's context processors, which query the database
    (the navigation's sections); a JSON body under /api/.
    """
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {"detail": "The service is briefly unavailable; try again shortly."},
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500, for errors that no view or middleware answered: a
    503 when the database is unreachable, JSON under /api/, else 500.html."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable(request)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404: JSON under /api/, as every API answer is."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
