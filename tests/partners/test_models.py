from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from partners.models import DailyUsage, Partner, PartnerAPIKey
from tests.factories import PartnerAPIKeyFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def test_keys_are_stored_hashed():
    """The database holds a hash of the key, never the key itself."""
    api_key = PartnerAPIKeyFactory()

    stored = PartnerAPIKey.objects.get(pk=api_key.pk)

    assert api_key.key not in stored.hashed_key
    assert api_key.key.split(".")[1] not in stored.id
    assert PartnerAPIKey.objects.get_from_key(api_key.key) == stored


@pytest.mark.parametrize("rate", ["1000/hour", "5/second", "20/minute", "1/day"])
def test_valid_rates(rate):
    """A rate is a count per second, minute, hour or day."""
    PartnerFactory.build(name="P", throttle_rate=rate).full_clean()


@pytest.mark.parametrize("rate", ["1000", "0/hour", "ten/hour", "5/week", ""])
def test_invalid_rates(rate):
    """A rate DRF could not read is refused when the partner is saved."""
    with pytest.raises(ValidationError) as error:
        PartnerFactory.build(name="P", throttle_rate=rate).full_clean()

    assert "throttle_rate" in error.value.message_dict


def test_origins_are_validated():
    """Allowed origins must be bare origins, one per line."""
    partner = PartnerFactory.build(
        name="P",
        allowed_origins="https://good.example.org\nhttps://bad.example.org/path\nftp://x",
    )

    with pytest.raises(ValidationError) as error:
        partner.full_clean()

    assert len(error.value.message_dict["allowed_origins"]) == 2


def test_origin_list():
    """Blank lines and trailing slashes are ignored."""
    partner = Partner(allowed_origins=" https://a.example.org/ \n\nhttp://b.test:8000")

    assert partner.origin_list == ["https://a.example.org", "http://b.test:8000"]


def test_usage_record_counts_up(django_assert_num_queries):
    """Recording usage is one statement, whether or not today's row exists."""
    partner = PartnerFactory()
    day = datetime.date(2026, 1, 2)

    with django_assert_num_queries(1):
        DailyUsage.objects.record(partner.pk, day)
    with django_assert_num_queries(1):
        DailyUsage.objects.record(partner.pk, day)
    DailyUsage.objects.record(partner.pk, day + datetime.timedelta(days=1))

    assert list(DailyUsage.objects.order_by("day").values_list("day", "requests")) == [
        (day, 2),
        (day + datetime.timedelta(days=1), 1),
    ]
