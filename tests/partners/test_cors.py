from __future__ import annotations

import pytest

from tests.factories import PartnerAPIKeyFactory, PartnerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/sections/"


@pytest.fixture
def configured_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://configured.example.org"]
    return "https://configured.example.org"


def test_configured_origin_is_allowed(client, configured_origin):
    """An origin from CORS_ALLOWED_ORIGINS may read the API from a browser."""
    key = PartnerAPIKeyFactory().key

    response = client.get(
        URL, HTTP_ORIGIN=configured_origin, HTTP_AUTHORIZATION=f"Api-Key {key}"
    )

    assert response["Access-Control-Allow-Origin"] == configured_origin
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_partner_origin_is_allowed(client):
    """An origin listed on an active partner may read the API from a browser."""
    partner = PartnerFactory(allowed_origins="https://courier.example")
    key = PartnerAPIKeyFactory(partner=partner).key

    response = client.get(
        URL, HTTP_ORIGIN="https://courier.example", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )

    assert response["Access-Control-Allow-Origin"] == "https://courier.example"


def test_inactive_partner_origin_is_not_allowed(client):
    """A suspended partner's origins lose CORS too."""
    PartnerFactory(allowed_origins="https://courier.example", active=False)

    response = client.get(URL, HTTP_ORIGIN="https://courier.example")

    assert "Access-Control-Allow-Origin" not in response


def test_other_origins_are_not_allowed(client, configured_origin):
    """An origin nobody listed gets no CORS headers."""
    PartnerFactory(allowed_origins="https://courier.example")

    response = client.get(URL, HTTP_ORIGIN="https://courier.example.evil.test")

    assert "Access-Control-Allow-Origin" not in response


def test_preflight(client, configured_origin):
    """A browser's preflight may send the Authorization header."""
    response = client.options(
        URL,
        HTTP_ORIGIN=configured_origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == configured_origin
    assert "authorization" in response["Access-Control-Allow-Headers"]


def test_only_the_api_gets_cors(client, configured_origin):
    """Public pages are not opened to other origins."""
    response = client.get("/", HTTP_ORIGIN=configured_origin)

    assert "Access-Control-Allow-Origin" not in response
