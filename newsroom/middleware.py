"""Requests no page can answer, refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from articles.cleaning import UNWANTED, describe

PROBLEM = "The address holds a character no page uses ({})."


class RefuseControlCharactersMiddleware:
    """Answer 400 to a path or query string holding a control character, a
    lone surrogate or a non-character (`articles.cleaning.UNWANTED`).

    No slug, search or filter contains one, and PostgreSQL refuses NUL in any
    query, so without this `/tag/%00/` or an admin filter with `%00` would be a
    500. API requests get the API's JSON error; others Django's 400 page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self.unwanted(request)
        if found is None:
            return self.get_response(request)
        parameter, char = found
        problem = PROBLEM.format(describe(char))
        if not request.path.startswith(reverse("api:api-root")):
            raise BadRequest(problem)
        # The API's own errors name the parameter at fault, as DRF's do.
        if parameter is None:
            return JsonResponse({"detail": problem}, status=400)
        return JsonResponse({parameter: [problem]}, status=400)

    @staticmethod
    def unwanted(request: HttpRequest) -> tuple[str | None, str] | None:
        """The first unwanted character in the request's path or query, with
        the query parameter whose value holds it (None for the path or a
        parameter's name)."""
        if match := UNWANTED.search(request.path_info):
            return None, match.group()
        for key, values in request.GET.lists():
            if match := UNWANTED.search(key):
                return None, match.group()
            for value in values:
                if match := UNWANTED.search(value):
                    return key, match.group()
        return None
