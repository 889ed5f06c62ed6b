"""Serializer fields and links that cost little on a page of a hundred items."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

LINK_PLACEHOLDER = "__key__"


def api_link(context: dict, view_name: str, key: object = None, kwarg: str = "pk"):
    """The API address of `view_name` for `key`, reversed once per response
    and filled in for each object: reversing every link of a page of stories
    would cost more than the rest of the page. `context` is the serializer
    context, shared by a serializer and the ones nested in it."""
    templates = context.setdefault("link_templates", {})
    if (template := templates.get((view_name, kwarg))) is None:
        template = templates[view_name, kwarg] = reverse(
            view_name,
            kwargs=None if key is None else {kwarg: LINK_PLACEHOLDER},
            request=context.get("request"),
        )
    if key is None:
        return template
    return template.replace(LINK_PLACEHOLDER, quote(str(key), safe=""))


def filtered_list_link(context: dict, view_name: str, **filters: str) -> str:
    """The address of the list `view_name` narrowed by `filters` (entity=,
    section=), with the list's address reversed once per response (see
    `api_link`)."""
    return f"{api_link(context, view_name)}?{urlencode(filters)}"


class DateTimeField(serializers.DateTimeField):
    """DRF's, in the newsroom's time zone, looked up once rather than per value
    (a page of stories has hundreds of times)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("default_timezone", timezone.get_default_timezone())
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.URI)
class LinkField(serializers.Field):
    """An object's API address, like HyperlinkedIdentityField but cheaper."""

    def __init__(self, view_name: str, lookup_field: str = "pk", **kwargs) -> None:
        self.view_name = view_name
        self.lookup_field = lookup_field
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, obj) -> str:
        key = getattr(obj, self.lookup_field)
        return api_link(self.root.context, self.view_name, key, self.lookup_field)
