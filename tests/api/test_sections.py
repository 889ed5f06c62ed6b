from __future__ import annotations

import pytest

from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/sections/"


def test_list_in_navigation_order(partner_client):
    """Sections are listed in the order of the site navigation."""
    SectionFactory(name="World", slug="world", position=2, show_when_empty=True)
    SectionFactory(name="Politics", slug="politics", position=1, show_when_empty=True)

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == [
        "politics",
        "world",
    ]


def test_detail_shape(partner_client):
    """A section has its name, description and the address of its stories."""
    SectionFactory(
        name="Politics",
        slug="politics",
        description="Who governs.",
        show_when_empty=True,
    )

    response = partner_client.get(f"{LIST_URL}politics/")

    assert response.status_code == 200
    assert response.json() == {
        "url": "http://testserver/api/v1/sections/politics/",
        "name": "Politics",
        "slug": "politics",
        "description": "Who governs.",
        "articles_url": "http://testserver/api/v1/articles/?section=politics",
    }


def test_articles_url_lists_the_sections_stories(partner_client):
    """Following articles_url gives the section's published stories."""
    politics = SectionFactory(name="Politics", slug="politics")
    story = ArticleFactory(section=politics)
    ArticleFactory(section=politics, draft=True)
    ArticleFactory()

    articles_url = partner_client.get(f"{LIST_URL}politics/").json()["articles_url"]
    results = partner_client.get(articles_url).json()["results"]

    assert [item["id"] for item in results] == [story.pk]


def test_unknown_section_is_404(partner_client):
    """A slug no section has is not found."""
    assert partner_client.get(f"{LIST_URL}nowhere/").status_code == 404


@pytest.mark.parametrize("sections", [1, 30])
def test_list_query_count_is_constant(
    partner_client, django_assert_max_num_queries, sections
):
    """Listing sections costs a handful of queries however many there are."""
    SectionFactory.create_batch(sections, show_when_empty=True)

    # key, usage, count, sections, Last-Modified
    with django_assert_max_num_queries(5):
        response = partner_client.get(LIST_URL)

    assert response.status_code == 200


def test_browsable_api(editor_client):
    """The section list renders as HTML for staff."""
    SectionFactory()

    response = editor_client.get(LIST_URL, HTTP_ACCEPT="text/html")

    assert response.status_code == 200


def test_etag_gives_304(partner_client):
    """A client sending back the ETag of an unchanged section gets 304."""
    SectionFactory(name="Politics", slug="politics", show_when_empty=True)
    first = partner_client.get(f"{LIST_URL}politics/")

    again = partner_client.get(f"{LIST_URL}politics/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
