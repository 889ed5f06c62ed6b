"""/api/v1/authors/ and the authors on every story."""

from __future__ import annotations

import pytest

from articles.models import ArticleAuthor
from tests.factories import ArticleFactory, AuthorFactory, AuthorLinkFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/authors/"
ARTICLES_URL = "/api/v1/articles/"


@pytest.fixture
def nadia():
    author = AuthorFactory(
        name="Nadia Hollis", slug="nadia-hollis", role="City editor", bio="Covers it."
    )
    AuthorLinkFactory(author=author, label="Website", url="https://example.org/n")
    return author


def test_list_shape(partner_client, nadia):
    """An author carries their links, published story count and stories' address."""
    ArticleFactory.create_batch(2, authors=[nadia])
    ArticleFactory(draft=True, authors=[nadia])

    response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "url": "http://testserver/api/v1/authors/nadia-hollis/",
            "web_url": "http://testserver/author/nadia-hollis/",
            "name": "Nadia Hollis",
            "slug": "nadia-hollis",
            "role": "City editor",
            "bio": "Covers it.",
            "links": [{"label": "Website", "url": "https://example.org/n"}],
            "story_count": 2,
            "articles_url": "http://testserver/api/v1/articles/?author=nadia-hollis",
        }
    ]


def test_only_authors_with_published_stories_are_listed(
    partner_client, nadia, unpublished
):
    """An author credited only on hidden stories, or on none, is not in the API."""
    hidden = AuthorFactory(slug="hidden")
    AuthorFactory(slug="unused")
    ArticleFactory(authors=[nadia])
    for story in unpublished.values():
        ArticleAuthor.objects.create(article=story, author=hidden)

    slugs = [item["slug"] for item in partner_client.get(LIST_URL).json()["results"]]

    assert slugs == ["nadia-hollis"]
    assert partner_client.get(f"{LIST_URL}hidden/").status_code == 404
    assert partner_client.get(f"{LIST_URL}unused/").status_code == 404


def test_detail(partner_client, nadia):
    ArticleFactory(authors=[nadia])

    response = partner_client.get(f"{LIST_URL}nadia-hollis/")

    assert response.status_code == 200
    assert response.json()["name"] == "Nadia Hollis"
    assert response.json()["story_count"] == 1


@pytest.mark.parametrize("authors", [1, 20])
def test_list_query_count_is_constant(
    partner_client, django_assert_max_num_queries, authors
):
    """Listing authors costs a handful of queries however many there are."""
    for author in AuthorFactory.create_batch(authors):
        AuthorLinkFactory.create_batch(2, author=author)
        ArticleFactory(authors=[author])

    # key, usage, count, authors with story counts, links, Last-Modified (2)
    with django_assert_max_num_queries(7):
        response = partner_client.get(LIST_URL)

    assert response.status_code == 200
    assert len(response.json()["results"]) == authors


def test_stories_carry_their_authors_in_order(partner_client, nadia):
    """Each story names its authors (name, slug, role, links) in the byline's
    order, and an agency story none."""
    owen = AuthorFactory(name="Owen Pryce", slug="owen-pryce", role="")
    story = ArticleFactory(authors=[owen, nadia])
    ArticleFactory(byline="Staff and agencies")

    results = partner_client.get(ARTICLES_URL).json()["results"]
    by_id = {item["id"]: item for item in results}

    assert [author["slug"] for author in by_id[story.pk]["authors"]] == [
        "owen-pryce",
        "nadia-hollis",
    ]
    assert by_id[story.pk]["authors"][1] == {
        "name": "Nadia Hollis",
        "slug": "nadia-hollis",
        "role": "City editor",
        "url": "http://testserver/api/v1/authors/nadia-hollis/",
        "web_url": "http://testserver/author/nadia-hollis/",
    }
    others = [item for item in results if item["id"] != story.pk]
    assert others[0]["authors"] == []


def test_the_article_list_filters_by_author(partner_client, nadia):
    """?author= keeps that author's stories; an author with no published story
    is a 400."""
    mine = ArticleFactory(authors=[nadia])
    ArticleFactory()
    AuthorFactory(slug="hidden")

    response = partner_client.get(ARTICLES_URL, {"author": "nadia-hollis"})

    assert [item["id"] for item in response.json()["results"]] == [mine.pk]
    assert partner_client.get(ARTICLES_URL, {"author": "hidden"}).status_code == 400


def test_ninjs_by_names_the_authors(partner_client, nadia):
    owen = AuthorFactory(name="Owen Pryce")
    story = ArticleFactory(byline="N. H.", authors=[nadia, owen])

    item = partner_client.get(f"{ARTICLES_URL}{story.pk}/?format=ninjs").json()

    assert item["by"] == "Nadia Hollis and Owen Pryce"
