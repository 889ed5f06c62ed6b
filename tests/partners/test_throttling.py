from __future__ import annotations

import pytest
from django.utils import timezone

from partners.models import DailyUsage
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
