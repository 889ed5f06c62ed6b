"""Middleware of the project as a whole."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from newsroom.views import DATABASE_UNAVAILABLE, service_unavailable


class DatabaseUnavailableMiddleware:
    """A page whose view or template cannot reach the database answers 503 with
    Retry-After rather than 500; the next request reconnects (Django opens
    connections per request), so the site recovers with the database.

    The API answers its own errors (newsroom.api.exceptions); errors raised in
    other middleware reach `newsroom.views.server_error`, which does the same.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return service_unavailable(request)
        return None
