"""Renderers beyond DRF's JSON and browsable ones, with their OpenAPI parameter."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer


class NinjsRenderer(JSONRenderer):
    """IPTC ninjs, chosen with `Accept: application/ninjs+json` or `?format=ninjs`."""

    media_type = "application/ninjs+json"
    format = "ninjs"


FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", NinjsRenderer.format],
    description="`ninjs` answers in IPTC ninjs 2.2, like "
    f"`Accept: {NinjsRenderer.media_type}` (3.1 where the endpoint takes "
    "`version`).",
)
