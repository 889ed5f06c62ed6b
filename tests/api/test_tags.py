from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/tags/"


def test_list_shape(partner_client):
    """A tag carries its published story count and the address of its stories."""
    ArticleFactory.create_batch(2, tags=["Elections"])
    ArticleFactory(tags=["Budget"])

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert "count" not in body
    assert body["next"] is None
    assert body["results"] == [
        {
            "url": "http://testserver/api/v1/tags/budget/",
            "name": "Budget",
            "slug": "budget",
            "article_count": 1,
            "articles_url": "http://testserver/api/v1/articles/?tag=budget",
        },
        {
            "url": "http://testserver/api/v1/tags/elections/",
            "name": "Elections",
            "slug": "elections",
            "article_count": 2,
            "articles_url": "http://testserver/api/v1/articles/?tag=elections",
        },
    ]


def test_detail_shape(partner_client):
    """A tag's detail has the same fields as its entry in the list."""
    ArticleFactory(tags=["Elections"])

    listed = partner_client.get(LIST_URL).json()["results"][0]
    response = partner_client.get(f"{LIST_URL}elections/")

    assert response.status_code == 200
    assert response.json() == listed


def test_articles_url_lists_the_tags_stories(partner_client):
    """Following articles_url gives the tag's published stories."""
    story = ArticleFactory(tags=["Elections"])
    ArticleFactory(tags=["Elections"], draft=True)
    ArticleFactory(tags=["Budget"])

    articles_url = partner_client.get(f"{LIST_URL}elections/").json()["articles_url"]
    results = partner_client.get(articles_url).json()["results"]

    assert [item["id"] for item in results] == [story.pk]


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_tag_of_hidden_stories_only_is_unknown(partner_client, state):
    """A tag only a hidden story carries is neither listed nor found."""
    ArticleFactory(tags=["Embargoed merger"], **{state: True})
    ArticleFactory(tags=["Budget"])

    listed = partner_client.get(LIST_URL).json()["results"]

    assert [item["slug"] for item in listed] == ["budget"]
    assert partner_client.get(f"{LIST_URL}embargoed-merger/").status_code == 404


def test_count_leaves_hidden_stories_out(partner_client, unpublished):
    """article_count counts published stories only."""
    ArticleFactory(tags=["Elections"])
    for story in unpublished.values():
        story.tags.add("Elections")

    response = partner_client.get(f"{LIST_URL}elections/")

    assert response.json()["article_count"] == 1


def test_unknown_tag_is_404(partner_client):
    """A slug no tag has is not found."""
    assert partner_client.get(f"{LIST_URL}nowhere/").status_code == 404


def test_needs_a_key(client):
    """Without a key the tags are refused with 401."""
    ArticleFactory(tags=["Elections"])

    assert client.get(LIST_URL).status_code == 401
    assert client.get(f"{LIST_URL}elections/").status_code == 401


@pytest.mark.parametrize("tags", [1, 20])
def test_list_query_count_is_constant(
    partner_client, django_assert_max_num_queries, tags
):
    """Listing tags costs a handful of queries however many there are."""
    names = [f"Topic {n}" for n in range(tags)]
    ArticleFactory.create_batch(2, tags=names)

    # key, usage, tags with story counts, Last-Modified
    with django_assert_max_num_queries(4):
        response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    assert len(response.json()["results"]) == tags


def test_cursor_pages_give_each_tag_once(partner_client):
    """Tags come alphabetically in cursor pages with no total; following
    `next` gives each once."""
    names = [f"Topic {n:02}" for n in range(25)]
    ArticleFactory(tags=names)

    seen, url, pages = [], LIST_URL + "?page_size=10", 0
    while url:
        body = partner_client.get(url).json()
        assert "count" not in body
        seen.extend(item["name"] for item in body["results"])
        url, pages = body["next"], pages + 1

    assert seen == names
    assert pages == 3


def test_page_numbers_are_refused(partner_client):
    """`page=` of the numbered pages of before is a 400 naming it."""
    ArticleFactory(tags=["Elections"])

    response = partner_client.get(LIST_URL, {"page": "2"})

    assert response.status_code == 400
    assert "It takes: cursor, format, page_size." in response.json()["page"][0]


def test_browsable_api(editor_client):
    """The tag list and a tag render as HTML for staff."""
    ArticleFactory(tags=["Elections"])

    for url in (LIST_URL, f"{LIST_URL}elections/"):
        assert editor_client.get(url, HTTP_ACCEPT="text/html").status_code == 200


def test_etag_gives_304(partner_client):
    """A client sending back the ETag of an unchanged tag gets 304."""
    ArticleFactory(tags=["Elections"])
    first = partner_client.get(f"{LIST_URL}elections/")

    again = partner_client.get(
        f"{LIST_URL}elections/", HTTP_IF_NONE_MATCH=first["ETag"]
    )

    assert again.status_code == 304


@pytest.mark.parametrize("url", [LIST_URL, "/api/v1/entities/"])
def test_lists_count_no_rows(partner_client, url):
    """The tag and entity lists never count their rows: at a million stories
    that count took seconds."""
    ArticleFactory(tags=["Elections"], entities=[EntityFactory()])

    with CaptureQueriesContext(connection) as queries:
        response = partner_client.get(url)

    assert response.status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(")]
