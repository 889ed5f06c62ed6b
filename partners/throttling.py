from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from partners.models import DailyUsage, PartnerAPIKey

logger = logging.getLogger(__name__)

RATE_LIMIT_HEADERS = (
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
)


@dataclass(frozen=True)
class RateLimit:
    """Where a partner stands against its limit, after the request it is for.

    `reset` is the whole seconds until the oldest request still counted leaves
    the window, when `remaining` next goes up (on a 429, the Retry-After).
    """

    limit: int
    remaining: int
    reset: int
    window: int

    def headers(self) -> dict[str, str]:
        """The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers-06)."""
        return dict(
            zip(
                RATE_LIMIT_HEADERS,
                [
                    str(self.limit),
                    str(self.remaining),
                    str(self.reset),
                    f"{self.limit};w={self.window}",
                ],
                strict=True,
            )
        )


class PartnerRateThrottle(SimpleRateThrottle):
    """Each partner's own rate limit, shared by all its keys and set in the admin.

    A request it lets through is counted in the partner's daily usage. Staff
    browsing the API are neither limited nor counted. The history lives in the
    default cache: give several server processes a shared cache (REDIS_URL) so
    that they count together.

    Each request it judges, let through or not, leaves a `RateLimit` on the
    Django request as `rate_limit`, which RateLimitHeadersMiddleware answers
    with.

    While that cache is unavailable (newsroom.cache) no history can be read or
    kept, so partners are let through unlimited, and the log says so once per
    outage; no RateLimit is left then, as the numbers would be made up.
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
        allowed = super().allow_request(request, view)
        down_since = getattr(self.cache, "down_since", None)
        if down_since is None:
            request._request.rate_limit = self.state()
        if not allowed:
            return False
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

    def wait(self) -> float:
        """Seconds until one more request is let through: until enough of the
        counted ones have left the window (more than one when the limit was
        lowered in the meantime)."""
        if len(self.history) < self.num_requests:
            return 0.0
        # History is newest first; the one whose leaving makes room.
        return self.history[self.num_requests - 1] + self.duration - self.now

    def state(self) -> RateLimit:
        """The partner's standing once this request is counted (or refused)."""
        remaining = max(0, self.num_requests - len(self.history))
        if remaining:
            # A request let through is in the history, so it is never empty.
            reset = self.history[-1] + self.duration - self.now
        else:
            reset = self.wait()
        return RateLimit(
            limit=self.num_requests,
            remaining=remaining,
            reset=max(0, math.ceil(reset)),
            window=self.duration,
        )


class RateLimitHeadersMiddleware:
    """Puts a partner's RateLimit headers on every API answer to it: 200s,
    304s, 400s and 429s alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (rate_limit := getattr(request, "rate_limit", None)) is not None:
            for name, value in rate_limit.headers().items():
                response.headers[name] = value
        return response
