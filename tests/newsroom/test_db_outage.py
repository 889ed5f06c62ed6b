"""While the database is unreachable pages answer 503 with Retry-After and the
API answers JSON; the next request after it returns is served as usual. The
outage is real: the connection is pointed where no database answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import path
from rest_framework.decorators import api_view

from tests.factories import ArticleEntityFactory, ArticleFactory, EntityFactory

# Transactional: the connection is closed and opened again, which a test's
# wrapping transaction would not survive.
pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/v1/articles/"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def database_unreachable(tmp_path) -> Iterator[None]:
    """PostgreSQL at a port where nothing listens; SQLite at a file that cannot
    be opened. The test's in-memory SQLite database is set aside rather than
    closed, which would drop it."""
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        kept, connection.connection = connection.connection, None
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-dir" / "db.sqlite3")
    else:
        connection.close()
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        yield
    finally:
        connection.settings_dict.update(saved)
        if connection.vendor == "sqlite":
            connection.connection = kept
        else:
            connection.close()


@pytest.fixture
def pages(partner_client):
    entity = EntityFactory(name="Geneva")
    story = ArticleFactory()
    ArticleEntityFactory(content_object=story, tag=entity)
    return ["/", story.get_absolute_url(), entity.get_absolute_url()]


def test_pages_answer_503_with_retry_after(partner_client, pages, tmp_path):
    """Every reader page says the site is briefly unavailable, and when to retry."""
    with database_unreachable(tmp_path):
        responses = [partner_client.get(url) for url in pages]

    assert [r.status_code for r in responses] == [503] * len(pages)
    for response in responses:
        assert int(response["Retry-After"]) > 0
        assert "Back in a moment" in response.content.decode()


def test_api_answers_json_503(partner_client, pages, tmp_path):
    """A partner gets a JSON 503 with Retry-After, not an HTML error page."""
    with database_unreachable(tmp_path):
        response = partner_client.get(API)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in response.json()["detail"]


def test_api_answers_503_when_middleware_needs_the_database(
    partner_client, pages, tmp_path
):
    """CORS reads partners' origins in middleware, before any view: still a JSON
    503 (through handler500), not a 500."""
    partner_client.raise_request_exception = False

    with database_unreachable(tmp_path):
        response = partner_client.get(API, HTTP_ORIGIN="https://courier.example")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "unavailable" in response.json()["detail"]


def test_admin_answers_503(client, editor, tmp_path):
    """An editor's session cannot be read either: 503, not 500."""
    client.force_login(editor)

    with database_unreachable(tmp_path):
        response = client.get("/admin/")

    assert response.status_code == 503


def test_recovery_needs_no_restart(partner_client, pages, tmp_path):
    """The first request after the database returns is served as usual."""
    with database_unreachable(tmp_path):
        assert partner_client.get(pages[1]).status_code == 503
        assert partner_client.get(API).status_code == 503

    assert [partner_client.get(url).status_code for url in pages] == [200] * 3
    assert partner_client.get(API).status_code == 200


def test_unknown_api_address_is_json(partner_client):
    """An address under /api/ that no endpoint serves answers a JSON 404."""
    response = partner_client.get("/api/v2/nothing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@api_view(["GET"])
def broken_endpoint(request):
    raise RuntimeError("a bug")


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/broken/", broken_endpoint),
    path("api/plain-broken/", broken_view),
]
handler500 = "newsroom.views.server_error"


@pytest.mark.urls(__name__)
def test_unhandled_api_error_is_json_500(client, admin_user):
    """A bug in an endpoint answers JSON, and the traceback goes to the log."""
    client.force_login(admin_user)
    client.raise_request_exception = False

    for url in ("/api/broken/", "/api/plain-broken/"):
        response = client.get(url)
        assert response.status_code == 500
        assert response.json() == {"detail": "Server error."}
