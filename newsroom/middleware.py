"""Middleware of the project as a whole: requests no page can answer, refused
before any view sees them, and a database outage answered as one."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from newsroom.cleaning import UNWANTED, describe
from newsroom.views import DATABASE_UNAVAILABLE, service_unavailable

PROBLEM = "The address holds a character no page uses ({})."


class RefuseControlCharactersMiddleware:
    """Refuse a request whose path or query holds a control character, a lone
    surrogate or a non-character (`newsroom.cleaning.UNWANTED`).

    No slug, search or filter contains one, and PostgreSQL refuses NUL in any
    query, so without this `/tag/%00/` or an admin filter with `%00` would be a
    500. Such a path names no page: 404. Such a query parameter is malformed:
    400, which under the API is its usual JSON error naming the parameter.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path.startswith(reverse("api:api-root"))
        if match := UNWANTED.search(request.path_info):
            problem = PROBLEM.format(describe(match.group()))
            if api:
                return JsonResponse({"detail": problem}, status=404)
            raise Http404(problem)
        if found := self.unwanted_parameter(request):
            parameter, char = found
            problem = PROBLEM.format(describe(char))
            if api:
                return JsonResponse({parameter: [problem]}, status=400)
            raise BadRequest(problem)
        return self.get_response(request)

    @staticmethod
    def unwanted_parameter(request: HttpRequest) -> tuple[str, str] | None:
        """The first query parameter whose name or value holds an unwanted
        character, and that character."""
        for key, values in request.GET.lists():
            for text in [key, *values]:
                if match := UNWANTED.search(text):
                    return key, match.group()
        return None


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
