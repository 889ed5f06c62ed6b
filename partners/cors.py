"""Browsers may call the API from the origins that partners list in the admin,
on top of the CORS_ALLOWED_ORIGINS setting."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from partners.models import Partner

CACHE_KEY = "partners:allowed-origins"
CACHE_SECONDS = 60


def partner_origins() -> frozenset[str]:
    """Every active partner's allowed origins, cached for a minute."""
    origins = cache.get(CACHE_KEY)
    if origins is None:
        origins = frozenset(
            origin
            for partner in Partner.objects.filter(active=True).exclude(
                allowed_origins=""
            )
            for origin in partner.origin_list
        )
        cache.set(CACHE_KEY, origins, CACHE_SECONDS)
    return origins


def cors_allowed_for_partner(sender, request: HttpRequest, **kwargs) -> bool:
    """django-cors-headers' check_request_enabled receiver."""
    if not request.path_info.startswith("/api/"):
        return False
    origin = request.headers.get("origin")
    return bool(origin) and origin in partner_origins()
