from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from partners.models import DailyUsage, PartnerAPIKey
from tests.factories import PartnerAPIKeyFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    client.force_login(user)
    return client


def test_partner_list_shows_usage(admin_client):
    """The partner list shows each partner's rate and requests today."""
    partner = PartnerFactory(name="Daily Courier", throttle_rate="500/hour")
    DailyUsage.objects.record(partner.pk)
    DailyUsage.objects.record(partner.pk)

    response = admin_client.get("/admin/partners/partner/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Daily Courier" in html
    assert "500/hour" in html
    assert '<td class="field-requests_today">2</td>' in html


def test_partner_page_shows_keys_and_usage(admin_client):
    """A partner's page lists its keys (never their secrets) and daily usage."""
    api_key = PartnerAPIKeyFactory(name="Production")
    DailyUsage.objects.record(api_key.partner_id)

    response = admin_client.get(f"/admin/partners/partner/{api_key.partner_id}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Production" in html
    assert api_key.prefix in html
    assert api_key.key not in html
    assert "Add API key" in html


def test_adding_a_key_shows_it_once(admin_client):
    """A key added in the admin is shown once, in the message after saving."""
    partner = PartnerFactory()

    response = admin_client.post(
        "/admin/partners/partnerapikey/add/",
        {
            "partner": partner.pk,
            "name": "Staging",
            "expiry_date_0": "",
            "expiry_date_1": "",
        },
        follow=True,
    )

    assert response.status_code == 200
    api_key = PartnerAPIKey.objects.get(partner=partner)
    messages = [str(message) for message in response.context["messages"]]
    assert any(api_key.prefix in message for message in messages)


def test_usage_list(admin_client):
    """Daily usage has its own read-only list, filterable by partner."""
    partner = PartnerFactory(name="Daily Courier")
    DailyUsage.objects.record(partner.pk)

    response = admin_client.get("/admin/partners/dailyusage/")

    assert response.status_code == 200
    assert "Daily Courier" in response.content.decode()
    assert admin_client.get("/admin/partners/dailyusage/add/").status_code == 403


def test_library_key_model_is_hidden(admin_client):
    """Only partner keys appear in the admin, not the library's own key model."""
    response = admin_client.get("/admin/")

    assert "/admin/rest_framework_api_key/" not in response.content.decode()
