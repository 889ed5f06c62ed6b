"""Logins can't be guessed: django-axes locks a username and an address out."""

from __future__ import annotations

import datetime
import logging

import pytest
from axes.models import AccessAttempt
from django.db.models import F

from tests.factories import EditorFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery staple"


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def editor(db):
    return EditorFactory(username="desk")


def test_right_password_logs_in(client, editor):
    """An editor with the right password gets into the admin."""
    assert logged_in(log_in(client, "desk", PASSWORD))


def test_repeated_failures_lock_the_account(client, editor, settings):
    """After the limit of wrong passwords, even the right one is refused, with a
    page that says when to try again and a Retry-After header."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "desk", "guess").status_code == 200

    locked = log_in(client, "desk", "guess")
    assert locked.status_code == 429

    response = log_in(client, "desk", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "Try again after" in response.text
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_lockout_applies_from_every_address(client, editor, settings):
    """Guessing one account's password from many addresses still locks it."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "desk", "guess", address=f"192.0.2.{n + 1}")

    assert log_in(client, "desk", PASSWORD, address="198.51.100.7").status_code == 429


def test_one_address_guessing_many_accounts_is_locked(client, editor, settings):
    """An address trying many usernames is refused, even for a real account, while
    the editor logs in from elsewhere."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"nobody{n}", "guess", address="203.0.113.9")

    assert log_in(client, "desk", PASSWORD, address="203.0.113.9").status_code == 429
    assert logged_in(log_in(client, "desk", PASSWORD, address="198.51.100.7"))


def test_lock_lifts_after_the_cool_off(client, editor, settings):
    """Once the cool-off time has passed the right password works again."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "desk", "guess")
    assert log_in(client, "desk", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=16)
    )

    assert logged_in(log_in(client, "desk", PASSWORD))


def test_success_clears_the_count(client, editor, settings):
    """Failures before a successful login do not count towards a later lockout."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "desk", "typo")
    assert logged_in(log_in(client, "desk", PASSWORD))
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "desk", "typo")

    assert logged_in(log_in(client, "desk", PASSWORD))


def test_failures_and_lockouts_are_logged(client, editor, settings, caplog):
    """Each failure and the lockout are logged with the username and address."""
    with caplog.at_level(logging.INFO, logger="axes"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(client, "desk", "guess", address="192.0.2.55")

    messages = [record.getMessage() for record in caplog.records]
    assert any("desk" in m and "192.0.2.55" in m for m in messages)
    assert any("locking out" in m.lower() for m in messages)


def test_behind_a_proxy_the_client_address_is_locked_not_the_proxys(
    client, editor, settings
):
    """With PROXY_COUNT set, the address locked is the one the proxy saw, not the
    proxy's own and not one the guesser wrote into X-Forwarded-For: one guesser
    behind the proxy does not lock everyone out."""
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"nobody{n}", "password": "guess"},
            REMOTE_ADDR=proxy,
            # The guesser's own made-up entry, then what nginx appends.
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.9",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "203.0.113.9"
    }
    editor_login = client.post(
        LOGIN,
        {"username": "desk", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert logged_in(editor_login)
    guesser = client.post(
        LOGIN,
        {"username": "desk", "password": PASSWORD},
        REMOTE_ADDR=proxy,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert guesser.status_code == 429
