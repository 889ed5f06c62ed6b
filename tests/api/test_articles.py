from __future__ import annotations

import pytest

from articles.models import ArticleEntity
from entities.models import Entity
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/articles/"


def detail_url(article) -> str:
    return f"{LIST_URL}{article.pk}/"


def story_with_entities_and_tags(n: int):
    """A story with three entities (one only mentioned) and two topic tags."""
    article = ArticleFactory(tags=[f"Topic {n}", "Elections"])
    for entity in EntityFactory.create_batch(2):
        ArticleEntityFactory(content_object=article, tag=entity)
    ArticleEntityFactory(
        content_object=article, relevance=ArticleEntity.Relevance.MENTIONS
    )
    return article


def test_list_shape(client):
    """A story in the list carries its section, entities and tags as fields."""
    section = SectionFactory(name="Politics", slug="politics")
    article = ArticleFactory(
        headline="Parliament votes", section=section, tags=["Budget", "Elections"]
    )
    entity = EntityFactory(
        name="Ada Lovelace", kind=Entity.Kind.PERSON, wikidata_id="Q7259"
    )
    ArticleEntityFactory(
        content_object=article,
        tag=entity,
        relevance=ArticleEntity.Relevance.MENTIONS,
    )

    response = client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    [item] = body["results"]
    assert list(item) == [
        "id",
        "url",
        "web_url",
        "headline",
        "slug",
        "dek",
        "body",
        "byline",
        "dateline",
        "language",
        "section",
        "entities",
        "tags",
        "source_name",
        "source_url",
        "published_at",
        "first_published_at",
        "last_published_at",
        "updated_at",
    ]
    assert item["id"] == article.pk
    assert item["url"] == f"http://testserver{detail_url(article)}"
    assert item["web_url"] == f"http://testserver{article.get_absolute_url()}"
    assert item["headline"] == "Parliament votes"
    assert item["section"] == {
        "url": "http://testserver/api/v1/sections/politics/",
        "name": "Politics",
        "slug": "politics",
        "description": "",
        "articles_url": "http://testserver/api/v1/articles/?section=politics",
    }
    assert item["entities"] == [
        {
            "name": "Ada Lovelace",
            "slug": entity.slug,
            "kind": "person",
            "relevance": "mentions",
            "wikidata_id": "Q7259",
            "url": f"http://testserver/api/v1/entities/{entity.slug}/",
        }
    ]
    assert item["tags"] == ["Budget", "Elections"]


def test_detail_shape(client):
    """A story's detail has the same fields as its entry in the list."""
    article = story_with_entities_and_tags(1)

    listed = client.get(LIST_URL).json()["results"][0]
    response = client.get(detail_url(article))

    assert response.status_code == 200
    assert response.json() == listed
    assert len(listed["entities"]) == 3


def test_story_without_section(client):
    """A story with no section has a null section."""
    article = ArticleFactory(section=None)

    assert client.get(detail_url(article)).json()["section"] is None


def test_list_has_only_published_stories(client, unpublished):
    """Drafts, withdrawn and scheduled stories are not listed."""
    live = ArticleFactory()

    results = client.get(LIST_URL).json()["results"]

    assert [item["id"] for item in results] == [live.pk]


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_detail_of_unpublished_story_is_404(client, unpublished, state):
    """A story readers may not see yet, or any more, is not found."""
    response = client.get(detail_url(unpublished[state]))

    assert response.status_code == 404


def test_filter_by_entity(client):
    """?entity=<slug> lists only the stories tagged with that entity."""
    entity = EntityFactory(name="Grace Hopper")
    tagged = ArticleFactory(entities=[entity])
    ArticleFactory(entities=[EntityFactory()])
    ArticleFactory(draft=True, entities=[entity])

    results = client.get(LIST_URL, {"entity": entity.slug}).json()["results"]

    assert [item["id"] for item in results] == [tagged.pk]


def test_filter_by_section(client):
    """?section=<slug> lists only the stories in that section."""
    sport = SectionFactory(name="Sport", slug="sport")
    in_sport = ArticleFactory(section=sport)
    ArticleFactory()

    results = client.get(LIST_URL, {"section": "sport"}).json()["results"]

    assert [item["id"] for item in results] == [in_sport.pk]


def test_filter_by_tag(client):
    """?tag=<slug> lists only the stories with that topic tag."""
    tagged = ArticleFactory(tags=["Climate change"])
    ArticleFactory(tags=["Football"])

    results = client.get(LIST_URL, {"tag": "climate-change"}).json()["results"]

    assert [item["id"] for item in results] == [tagged.pk]


def test_filters_combine(client):
    """Filters narrow one another."""
    entity = EntityFactory()
    sport = SectionFactory(name="Sport", slug="sport")
    wanted = ArticleFactory(section=sport, entities=[entity])
    ArticleFactory(entities=[entity])
    ArticleFactory(section=sport)

    response = client.get(LIST_URL, {"entity": entity.slug, "section": "sport"})

    assert [item["id"] for item in response.json()["results"]] == [wanted.pk]


def test_unknown_filter_value_lists_nothing(client):
    """An entity slug no story is tagged with gives an empty page, not an error."""
    ArticleFactory()

    response = client.get(LIST_URL, {"entity": "nobody"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_pagination(client):
    """The list comes in pages of 20 with the total and a link to the next page."""
    ArticleFactory.create_batch(25)

    first = client.get(LIST_URL).json()
    second = client.get(first["next"]).json()

    assert first["count"] == 25
    assert len(first["results"]) == 20
    assert first["next"] == "http://testserver/api/v1/articles/?page=2"
    assert first["previous"] is None
    assert len(second["results"]) == 5
    assert second["next"] is None
    ids = [item["id"] for item in first["results"] + second["results"]]
    assert len(set(ids)) == 25


def test_newest_first(client):
    """Stories are listed by go-live time, newest first."""
    older = ArticleFactory()
    newer = ArticleFactory()
    older.go_live_at = newer.go_live_at.replace(year=newer.go_live_at.year - 1)
    older.save()

    results = client.get(LIST_URL).json()["results"]

    assert [item["id"] for item in results] == [newer.pk, older.pk]


@pytest.mark.parametrize("stories", [1, 50])
def test_list_query_count_is_constant(client, django_assert_max_num_queries, stories):
    """Listing a page costs four queries however many stories, entities and tags."""
    for n in range(stories):
        story_with_entities_and_tags(n)

    # count, stories with sections, entity links with entities, tags
    with django_assert_max_num_queries(4):
        response = client.get(LIST_URL)

    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == min(stories, 20)
    assert all(len(item["entities"]) == 3 for item in results)
    assert all(len(item["tags"]) == 2 for item in results)


def test_filtered_list_query_count(client, django_assert_max_num_queries):
    """Filtering does not add queries per story."""
    entity = EntityFactory()
    for n in range(10):
        ArticleEntityFactory(content_object=story_with_entities_and_tags(n), tag=entity)

    with django_assert_max_num_queries(4):
        response = client.get(
            LIST_URL, {"entity": entity.slug, "section": "world", "tag": "elections"}
        )

    assert response.json()["count"] == 10


def test_browsable_api(client):
    """The list and a story render as HTML for a person exploring the API."""
    article = story_with_entities_and_tags(1)

    for url in (LIST_URL, detail_url(article), "/api/v1/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")


def test_read_only(client):
    """Partners cannot write through the API."""
    article = ArticleFactory()

    assert client.post(LIST_URL, {"headline": "Mine"}).status_code == 405
    assert client.delete(detail_url(article)).status_code == 405
