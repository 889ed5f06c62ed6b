"""Who is calling the API: a partner by its key, or a staff member by session."""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from partners.models import PartnerAPIKey

# What create_key makes: an 8-character prefix, a dot, a 32-character secret.
# Checking the shape first keeps junk (and NUL bytes) away from the database.
KEY_SHAPE = re.compile(r"[A-Za-z0-9]{8}\.[A-Za-z0-9]{1,64}")


class PartnerAPIKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`; request.auth is then the PartnerAPIKey.

    A partner is not a Django user: request.user stays anonymous.
    """

    keyword = KeyParser.keyword
    key_parser = KeyParser()

    def authenticate(self, request: Request) -> tuple[AnonymousUser, PartnerAPIKey]:
        key = self.key_parser.get(request)
        if key is None:
            return None
        key = key.strip()
        if not KEY_SHAPE.fullmatch(key):
            raise AuthenticationFailed("Unknown or revoked API key.")
        try:
            api_key = PartnerAPIKey.objects.get_from_key(key)
        except PartnerAPIKey.DoesNotExist:
            raise AuthenticationFailed("Unknown or revoked API key.") from None
        if api_key.has_expired:
            raise AuthenticationFailed("This API key has expired.")
        if not api_key.partner.active:
            raise AuthenticationFailed("This partner's API access is suspended.")
        return AnonymousUser(), api_key

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 rather than 403 when no valid key is sent.
        return self.keyword


class StaffSessionAuthentication(SessionAuthentication):
    """A logged-in staff member browsing the API (the permission checks is_staff)."""
