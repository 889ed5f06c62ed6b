from __future__ import annotations

import logging

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from partners.models import DailyUsage, PartnerAPIKey

logger = logging.getLogger(__name__)


class PartnerRateThrottle(SimpleRateThrottle):
    """Each partner's own rate limit, shared by all its keys and set in the admin.

    A request it lets through is counted in the partner's daily usage. Staff
    browsing the API are neither limited nor counted. The history lives in the
    default cache: give several server processes a shared cache (REDIS_URL) so
    that they count together.

    While that cache is unavailable (newsroom.cache) no history can be read or
    kept, so partners are let through unlimited, and the log says so once per
    outage.
    """

    scope = "partner"
    # The cache outage already logged, by when it started.
    _logged_outage: float | None = None

    def __init__(self) -> None:
        # The rate is the partner's, known only once the request is authenticated.
        pass

    def allow_request(self, request: Request, view) -> bool:
        if not isinstance(request.auth, PartnerAPIKey):
            return True
        partner = request.auth.partner
        self.rate = partner.throttle_rate
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if not super().allow_request(request, view):
            return False
        down_since = getattr(self.cache, "down_since", None)
        if down_since is not None and down_since != PartnerRateThrottle._logged_outage:
            PartnerRateThrottle._logged_outage = down_since
            logger.warning(
                "Partner rate limits are not enforced while the cache is "
                "unavailable (first unlimited: partner %s).",
                partner.pk,
            )
        DailyUsage.objects.record(partner.pk)
        return True

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": request.auth.partner_id,
        }
