"""Behaviour every endpoint shares."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import conditional_page
from rest_framework.request import Request


class ConditionalGetMixin:
    """GET answers carry an ETag (a hash of the body) and, where the data keeps
    times, a Last-Modified; a client whose copy is current gets 304."""

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        return conditional_page(super().as_view(actions, **initkwargs))

    def get_last_modified(self) -> datetime.datetime | None:
        return None

    def get_object(self):
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if "\x00" in lookup:
            raise Http404
        return super().get_object()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow lists; a detail is found by its address alone.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method == "GET"
            and response.status_code == 200
            and (modified := self.get_last_modified()) is not None
        ):
            response.headers["Last-Modified"] = http_date(modified.timestamp())
        patch_vary_headers(response, ["Accept"])
        return response
