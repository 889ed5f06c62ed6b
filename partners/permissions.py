from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partners.models import PartnerAPIKey


class IsPartnerOrStaff(BasePermission):
    """A partner with a valid key, or a staff member logged in to the admin."""

    message = "Send your key as “Authorization: Api-Key <key>”."

    def has_permission(self, request: Request, view) -> bool:
        if isinstance(request.auth, PartnerAPIKey):
            return True
        return bool(request.user and request.user.is_staff)
