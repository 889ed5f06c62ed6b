"""Behaviour every endpoint shares."""

from __future__ import annotations

import datetime
import difflib

from django.db.models import QuerySet
from django.http import Http404
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import conditional_page
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.settings import api_settings

# Never a typo of a real parameter, and added by tools a partner may not
# control: campaign tags (utm_source, ...) from newsletters and link shorteners,
# and the cache-buster `_` that jQuery and others append.
IGNORED_PARAMETERS = frozenset({"_"})
IGNORED_PREFIXES = ("utm_",)
LENIENT = "lenient"


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


def prefers_lenient(request: Request) -> bool:
    """Whether the request says `Prefer: handling=lenient` (RFC 7240)."""
    for preference in request.headers.get("Prefer", "").split(","):
        name, _, value = preference.split(";")[0].partition("=")
        if name.strip().lower() == "handling":
            return value.strip().strip('"').lower() == LENIENT
    return False


class StrictParametersMixin:
    """A query parameter the endpoint does not take is a 400 that names it and
    lists those it takes, so a typo (`entities=` for `entity=`) shows rather than
    silently answering everything.

    What an endpoint takes comes from what serves it: the filter set's filters
    on a list, the paginator's parameters on a paginated action, `format`
    everywhere, and `extra_query_parameters()` for what a view reads itself.
    `Prefer: handling=lenient` lets unknown parameters through, for clients
    that add their own; `utm_*` and `_` always pass. Put it before ConditionalGetMixin.
    """

    # Actions whose results are filtered and paged: lists, and detail actions
    # that list (an entity's stories).
    filtered_actions = frozenset({"list"})
    paginated_actions = frozenset({"list"})
    _parameters: dict[tuple[type, str | None], frozenset[str]] = {}

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if request.method not in {"GET", "HEAD"}:
            # Other methods read no parameters: OPTIONS describes the endpoint,
            # the rest are refused with 405.
            return
        unknown = [
            name
            for name in request.query_params
            if name not in self.query_parameters()
            and name not in IGNORED_PARAMETERS
            and not name.startswith(IGNORED_PREFIXES)
        ]
        if not unknown:
            return
        request.unknown_parameters = unknown
        if prefers_lenient(request):
            return
        accepted = sorted(self.query_parameters())
        raise ValidationError(
            {name: [unknown_parameter_message(name, accepted)] for name in unknown}
        )

    def query_parameters(self) -> frozenset[str]:
        """The names of the query parameters this action takes."""
        action = getattr(self, "action", None)
        key = (type(self), action)
        if (names := StrictParametersMixin._parameters.get(key)) is None:
            names = {api_settings.URL_FORMAT_OVERRIDE, *self.extra_query_parameters()}
            if action in self.filtered_actions:
                for backend in getattr(self, "filter_backends", ()):
                    names |= filter_parameters(backend(), self)
            paginator = getattr(self, "paginator", None)
            if action in self.paginated_actions and paginator is not None:
                parameters = paginator.get_schema_operation_parameters(self)
                names |= {parameter["name"] for parameter in parameters}
            names = StrictParametersMixin._parameters[key] = frozenset(names)
        return names

    def extra_query_parameters(self) -> set[str]:
        """Parameters the view reads itself, beyond filters and pages."""
        return set()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow lists; a detail is found by its address alone.
        if getattr(self, "action", None) not in self.filtered_actions:
            return queryset
        return super().filter_queryset(queryset)

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(request, "unknown_parameters", None):
            # The same address answers differently with and without it.
            patch_vary_headers(response, ["Prefer"])
            if response.status_code < 400:
                response.headers["Preference-Applied"] = f"handling={LENIENT}"
        return response


def filter_parameters(backend, view) -> set[str]:
    """The query parameters a filter backend reads for `view`."""
    if isinstance(backend, DjangoFilterBackend):
        filterset_class = backend.get_filterset_class(view)
        return set(filterset_class.base_filters) if filterset_class else set()
    return {
        parameter["name"] for parameter in backend.get_schema_operation_parameters(view)
    }


def unknown_parameter_message(name: str, accepted: list[str]) -> str:
    close = difflib.get_close_matches(name, accepted, n=1)
    hint = f" Did you mean “{close[0]}”?" if close else ""
    return (
        f"This endpoint takes no parameter “{name}”.{hint} "
        f"It takes: {', '.join(accepted)}."
    )
