from __future__ import annotations

import pytest
from django.utils import timezone

from partners.models import DailyUsage
from partners.throttling import PartnerRateThrottle
from tests.factories import PartnerAPIKeyFactory, PartnerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/sections/"


def get(client, key: str):
    return client.get(URL, HTTP_AUTHORIZATION=f"Api-Key {key}")


def test_over_the_limit_is_429_with_retry_after(client):
    """Past its rate limit a partner gets 429 and how long to wait."""
    key = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="2/minute")).key

    statuses = [get(client, key).status_code for _ in range(3)]
    response = get(client, key)

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"]


def test_keys_of_one_partner_share_its_limit(client):
    """A partner cannot multiply its limit by asking for more keys."""
    partner = PartnerFactory(throttle_rate="2/hour")
    first, second = PartnerAPIKeyFactory.create_batch(2, partner=partner)

    assert get(client, first.key).status_code == 200
    assert get(client, second.key).status_code == 200
    assert get(client, first.key).status_code == 429
    assert get(client, second.key).status_code == 429


def test_partners_have_their_own_limits(client):
    """One partner hitting its limit does not slow another."""
    busy = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="1/day")).key
    other = PartnerAPIKeyFactory().key

    get(client, busy)

    assert get(client, busy).status_code == 429
    assert get(client, other).status_code == 200


def test_limit_changes_apply_at_once(client):
    """Raising a partner's limit in the admin lifts the 429 on the next request."""
    partner = PartnerFactory(throttle_rate="1/hour")
    key = PartnerAPIKeyFactory(partner=partner).key
    get(client, key)
    assert get(client, key).status_code == 429

    partner.throttle_rate = "100/hour"
    partner.save()

    assert get(client, key).status_code == 200


def test_usage_is_counted_per_day(client):
    """Each request a partner makes is counted on today's row."""
    partner = PartnerFactory()
    key = PartnerAPIKeyFactory(partner=partner).key

    for _ in range(3):
        get(client, key)

    usage = DailyUsage.objects.get(partner=partner)
    assert usage.day == timezone.localdate()
    assert usage.requests == 3


def test_refused_requests_are_not_counted(client):
    """Throttled requests do not count as served."""
    partner = PartnerFactory(throttle_rate="1/hour")
    key = PartnerAPIKeyFactory(partner=partner).key

    for _ in range(3):
        get(client, key)

    assert DailyUsage.objects.get(partner=partner).requests == 1


def test_staff_are_neither_limited_nor_counted(editor_client):
    """Editors browsing the API are not partners."""
    for _ in range(3):
        assert editor_client.get(URL).status_code == 200

    assert not DailyUsage.objects.exists()


class Clock:
    """The throttle's clock, moved by hand."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(PartnerRateThrottle, "timer", clock)
    return clock


def limits(response) -> tuple[int, int, int]:
    return (
        int(response["RateLimit-Limit"]),
        int(response["RateLimit-Remaining"]),
        int(response["RateLimit-Reset"]),
    )


def test_rate_limit_headers_count_down(client, clock):
    """Each answer says the limit, what is left of it after this request, and
    in how many seconds the oldest counted request stops counting."""
    key = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="3/minute")).key

    first = get(client, key)
    clock.now += 10
    second = get(client, key)
    clock.now += 10.5
    third = get(client, key)

    assert limits(first) == (3, 2, 60)
    assert limits(second) == (3, 1, 50)
    assert limits(third) == (3, 0, 40)
    assert first["RateLimit-Policy"] == "3;w=60"


def test_429_carries_retry_after_and_the_same_headers(client, clock):
    """Over the limit the answer says 0 remaining, and Reset equals Retry-After:
    the seconds until the next request is let through."""
    key = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="2/minute")).key
    get(client, key)
    clock.now += 15
    get(client, key)
    clock.now += 5

    refused = get(client, key)

    assert refused.status_code == 429
    assert limits(refused) == (2, 0, 40)
    assert refused["Retry-After"] == "40"
    clock.now += 40
    assert get(client, key).status_code == 200


def test_remaining_comes_back_as_requests_leave_the_window(client, clock):
    """Once the window has passed the oldest request, one more is left."""
    key = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="2/minute")).key
    get(client, key)
    clock.now += 30
    get(client, key)
    clock.now += 31

    response = get(client, key)

    assert response.status_code == 200
    assert limits(response) == (2, 0, 29)


def test_lowered_limit_says_when_the_next_request_is_let_through(client, clock):
    """After the newsroom lowers a partner's limit below what it has already
    used, Retry-After waits for enough requests to leave the window."""
    partner = PartnerFactory(throttle_rate="5/minute")
    key = PartnerAPIKeyFactory(partner=partner).key
    for _ in range(4):
        get(client, key)
        clock.now += 10
    partner.throttle_rate = "2/minute"
    partner.save()

    refused = get(client, key)

    # Counted at 0, 10, 20 and 30, now 40: room for one once only the one at 30
    # counts, when the one at 20 leaves the window at 80.
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert limits(refused) == (2, 0, 40)
    clock.now += 39
    assert get(client, key).status_code == 429
    clock.now += 1
    assert get(client, key).status_code == 200


def test_every_api_answer_carries_the_headers(client):
    """Errors and 304s carry them too: they are counted against the limit."""
    key = PartnerAPIKeyFactory(partner=PartnerFactory(throttle_rate="10/hour")).key
    first = get(client, key)
    not_modified = client.get(
        URL, HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_IF_NONE_MATCH=first["ETag"]
    )
    bad = client.get(URL, {"nope": "1"}, HTTP_AUTHORIZATION=f"Api-Key {key}")
    missing = client.get(f"{URL}nowhere/", HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert [r.status_code for r in (first, not_modified, bad, missing)] == [
        200,
        304,
        400,
        404,
    ]
    assert [
        int(r["RateLimit-Remaining"]) for r in (first, not_modified, bad, missing)
    ] == [
        9,
        8,
        7,
        6,
    ]


def test_no_headers_without_a_limit(client, editor_client):
    """Staff and callers without a key are not limited, so get no headers."""
    assert "RateLimit-Limit" not in editor_client.get(URL)
    assert "RateLimit-Limit" not in client.get(URL)


def test_headers_are_exposed_to_browsers(client, settings):
    """A partner's web page may read the headers, and send Prefer."""
    settings.CORS_ALLOWED_ORIGINS = ["https://courier.example"]
    key = PartnerAPIKeyFactory().key

    response = client.get(
        URL, HTTP_ORIGIN="https://courier.example", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )
    preflight = client.options(
        URL,
        HTTP_ORIGIN="https://courier.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, prefer",
    )

    exposed = response["Access-Control-Expose-Headers"]
    for header in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert header in exposed
    assert "prefer" in preflight["Access-Control-Allow-Headers"]
