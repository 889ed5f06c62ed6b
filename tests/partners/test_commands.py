from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from partners.models import Partner
from tests.factories import ArticleFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def create_partner(*args) -> list[str]:
    out = StringIO()
    call_command("create_partner", *args, stdout=out)
    return out.getvalue().splitlines()


def test_creates_partner_and_prints_a_working_key(client):
    """create_partner prints a new key as its last line, and the key works."""
    ArticleFactory()

    lines = create_partner(
        "Daily Courier",
        "--contact",
        "desk@courier.example",
        "--rate",
        "500/hour",
        "--origin",
        "https://courier.example",
    )

    partner = Partner.objects.get(name="Daily Courier")
    assert partner.contact == "desk@courier.example"
    assert partner.throttle_rate == "500/hour"
    assert partner.origin_list == ["https://courier.example"]
    key = lines[-1]
    response = client.get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200


def test_existing_partner_needs_add_key():
    """Running it again for the same name fails rather than creating a twin."""
    PartnerFactory(name="Daily Courier")

    with pytest.raises(CommandError, match="--add-key"):
        create_partner("Daily Courier")


def test_add_key_gives_another_key():
    """--add-key gives an existing partner one more key."""
    partner = PartnerFactory(name="Daily Courier")

    create_partner("Daily Courier", "--add-key", "--expires-in-days", "30")

    [api_key] = partner.api_keys.all()
    assert api_key.expiry_date is not None


def test_bad_rate_is_reported():
    """A malformed rate is reported and creates nothing."""
    with pytest.raises(CommandError, match="throttle_rate"):
        create_partner("Daily Courier", "--rate", "lots")

    assert not Partner.objects.exists()
