"""An address holding a control character is a 404 (in the path) or a 400 (in
the query), never a 500."""

from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stories(db):
    ArticleFactory(tags=["Budget"], entities=[EntityFactory(name="Ada Lovelace")])


@pytest.mark.parametrize(
    "url",
    [
        "/tag/%00/",
        "/entities/%00/",
        "/tag/budget%1B/",
        "/section/%00/",
        "/thread/%00/",
        "/tag/%00/feed/",
        "/entities/%00/feed/atom/",
        "/2026/12/04/%00/",
        "/2026/12/04/a-story%00/",
        "/2026/%00/04/a-story/",
    ],
)
def test_a_path_with_control_characters_is_not_found(client, url):
    """A public address with NUL or ESC in its path names no page: 404."""
    response = client.get(url)

    assert response.status_code == 404
    assert "Error 404" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/section/world/?page=%00",
        "/?page=1%00",
        "/entities/?%00=1",
        "/feed/?x=%C2%9B",
    ],
)
def test_a_query_with_control_characters_is_a_bad_request(client, url):
    """A public page asked for with NUL, ESC or a C1 control in its query
    answers 400."""
    response = client.get(url)

    assert response.status_code == 400
    assert "Error 400" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/api/v1/entities/%00/", "/api/v1/tags/%1B/", "/api/v1/articles/1%00/"]
)
def test_an_api_path_with_control_characters_is_not_found(partner_client, url):
    """An API address with a control character in its path is a JSON 404."""
    response = partner_client.get(url)

    assert response.status_code == 404
    assert response.json()["detail"].startswith("The address holds a character")


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("/api/v1/articles/?q=%00", "q"),
        ("/api/v1/articles/?section=%00", "section"),
        ("/api/v1/articles/?tag=%00", "tag"),
        ("/api/v1/articles/?entity=%00", "entity"),
        ("/api/v1/articles/?fields=headline%00", "fields"),
        ("/api/v1/articles/?a%00=1", "a\x00"),
    ],
)
def test_the_api_refuses_control_characters_as_json(partner_client, url, where):
    """An API query with a control character answers a JSON 400 naming the
    parameter at fault, as the API's other errors do."""
    response = partner_client.get(url)

    assert response.status_code == 400
    [(name, problem)] = response.json().items()
    assert name == where
    assert str(problem).count("The address holds a character no page uses (U+00")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/entities/entity/?kind=%00",
        "/admin/articles/article/?entity_kind=%00",
        "/admin/articles/article/?q=%00",
        "/admin/articles/article/?status=draft%1B",
        "/admin/autocomplete/?app_label=articles&model_name=article"
        "&field_name=thread&term=%00",
        "/admin/autocomplete/?app_label=articles&model_name=articleentity"
        "&field_name=tag&term=%00",
    ],
)
def test_the_admin_refuses_control_characters(admin_client, url):
    """Admin filters, searches and pickers given a control character answer 400."""
    assert admin_client.get(url).status_code == 400


def test_an_admin_path_with_control_characters_is_not_found(admin_client):
    """An admin address with NUL in its path is a 404."""
    assert admin_client.get("/admin/articles/article/1%00/change/").status_code == 404


@pytest.mark.parametrize(
    "url", ["/?page=%09", "/entities/?q=%E2%80%94", "/tag/%C3%A9t%C3%A9/"]
)
def test_ordinary_characters_pass(client, url):
    """Tabs, dashes and accented letters are not refused."""
    assert client.get(url).status_code in {200, 404}
