from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import (
    ArticleFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/articles/"


def get(client, key: str | None = None, **extra):
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client.get(URL, **extra)


def test_valid_key_gets_stories(client):
    """A partner's key opens the API."""
    story = ArticleFactory()
    key = PartnerAPIKeyFactory().key

    response = get(client, key)

    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == story.pk


def test_keyword_is_case_insensitive(client):
    """`api-key` works as well as `Api-Key`."""
    key = PartnerAPIKeyFactory().key

    response = client.get(URL, HTTP_AUTHORIZATION=f"api-key {key}")

    assert response.status_code == 200


def test_no_key_is_401_with_json_and_challenge(client):
    """Without a key the answer is 401 in JSON, naming the Api-Key scheme."""
    response = get(client)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json() == {
        "detail": "Authentication credentials were not provided."
    }


@pytest.mark.parametrize(
    "key",
    ["abcdefgh.not-the-secret", "garbage", "", "a" * 500, "abcdefgh.\x00"],
)
def test_unknown_or_malformed_key_is_401(client, key):
    """A key the newsroom never issued is refused without a database error."""
    PartnerAPIKeyFactory()

    response = get(client, key)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_right_prefix_wrong_secret_is_401(client):
    """Knowing a key's prefix is not enough."""
    key = PartnerAPIKeyFactory().key
    prefix = key.split(".")[0]

    assert get(client, f"{prefix}.{'x' * 32}").status_code == 401


def test_revoked_key_is_401(client):
    """A revoked key stops working at once."""
    api_key = PartnerAPIKeyFactory()
    api_key.revoked = True
    api_key.save()

    response = get(client, api_key.key)

    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API key."}


def test_expired_key_is_401(client):
    """A key past its expiry date is refused with a message saying so."""
    api_key = PartnerAPIKeyFactory(
        expiry_date=timezone.now() - datetime.timedelta(minutes=1)
    )

    response = get(client, api_key.key)

    assert response.status_code == 401
    assert response.json() == {"detail": "This API key has expired."}


def test_key_before_expiry_works(client):
    """A key with an expiry date in the future still works."""
    api_key = PartnerAPIKeyFactory(
        expiry_date=timezone.now() + datetime.timedelta(days=1)
    )

    assert get(client, api_key.key).status_code == 200


def test_suspended_partner_is_401(client):
    """Every key of a partner made inactive stops working."""
    partner = PartnerFactory(active=False)
    api_key = PartnerAPIKeyFactory(partner=partner)

    response = get(client, api_key.key)

    assert response.status_code == 401
    assert "suspended" in response.json()["detail"]


def test_staff_may_browse(editor_client):
    """A logged-in staff member uses the API without a key."""
    assert editor_client.get(URL).status_code == 200


def test_logged_in_reader_is_not_a_partner(client):
    """A signed-in non-staff user gets no access through their session."""
    client.force_login(UserFactory())

    assert get(client).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/",
        "/api/v1/articles/1/",
        "/api/v1/changes/",
        "/api/v1/entities/",
        "/api/v1/sections/",
    ],
)
def test_every_endpoint_needs_a_key(client, url):
    """No part of the API answers an anonymous caller."""
    assert client.get(url).status_code == 401
