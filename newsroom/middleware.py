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
        if found := self.unwanted(request):
            problem = PROBLEM.format(describe(found))
            if request.path.startswith(reverse("api:api-root")):
                return JsonResponse({"detail": problem}, status=400)
            raise BadRequest(problem)
        return self.get_response(request)

    @staticmethod
    def unwanted(request: HttpRequest) -> str | None:
        """The first unwanted character in the request's path or query."""
        texts = [request.path_info]
        for key, values in request.GET.lists():
            texts += [key, *values]
        for text in texts:
            if match := UNWANTED.search(text):
                return match.group()
        return None
