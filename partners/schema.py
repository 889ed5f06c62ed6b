"""How the API describes its key scheme and its error answers in OpenAPI."""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


class PartnerAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "partners.authentication.PartnerAPIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Your partner key, sent as `Authorization: Api-Key "
            "<key>`. Ask the newsroom for one; it is shown only once.",
        }


class ErrorSerializer(serializers.Serializer):
    """What went wrong, in one sentence."""

    detail = serializers.CharField(read_only=True)


# A 400 names each bad parameter with its messages: {"page_size": ["..."]}.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each bad query parameter with what is wrong with it.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

ERRORS = {
    "400": (VALIDATION_ERROR, "A query parameter is malformed or unknown."),
    "401": (ErrorSerializer, "No key, or an unknown, revoked or expired one."),
    "404": (ErrorSerializer, "No such published object, page or format."),
    "429": (ErrorSerializer, "Over the partner's rate limit; see Retry-After."),
}

HEADERS = {
    "200": {
        "ETag": "Send it back as If-None-Match to get 304 when nothing changed.",
        "Last-Modified": "Send it back as If-Modified-Since to get 304 when "
        "nothing changed since.",
    },
    "429": {"Retry-After": "Seconds to wait before the next request."},
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with every read's error answers and headers."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or self.method != "GET":
            return responses
        for code, (schema, description) in ERRORS.items():
            if code not in responses:
                response = self._get_response_for_code(schema, code)
                response["description"] = description
                responses[code] = response
        for code, headers in HEADERS.items():
            if code in responses:
                responses[code].setdefault("headers", {}).update(
                    {
                        name: {"schema": {"type": "string"}, "description": text}
                        for name, text in headers.items()
                    }
                )
        return responses
