from __future__ import annotations

import datetime

import pytest

from articles.services import withdraw_article
from entities.views import COMPANIONS
from tests.factories import (
    AliasFactory,
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(year: int, month: int, day: int = 15) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=UTC)


def tag(article, entity, relevance: str = "about"):
    return ArticleEntityFactory(content_object=article, tag=entity, relevance=relevance)


def test_stories_about_come_before_mentions(client):
    """Stories about the entity are listed first, even when older than mentions."""
    entity = EntityFactory(name="Geneva")
    mention = ArticleFactory(headline="Passing mention", go_live_at=at(2024, 5))
    tag(mention, entity, "mentions")
    about = ArticleFactory(headline="All about it", go_live_at=at(2024, 1))
    tag(about, entity, "about")
    older_about = ArticleFactory(headline="Older about", go_live_at=at(2023, 1))
    tag(older_about, entity, "about")

    response = client.get(entity.get_absolute_url())

    stories = list(response.context["object_list"])
    assert stories == [about, older_about, mention]
    assert [s.relevance for s in stories] == ["about", "about", "mentions"]


def test_only_mentions_are_marked(client):
    """A story that only mentions the entity carries the "Mentioned" marker."""
    entity = EntityFactory(name="Geneva")
    tag(ArticleFactory(headline="All about it"), entity, "about")
    tag(ArticleFactory(headline="Passing mention"), entity, "mentions")

    content = client.get(entity.get_absolute_url()).content.decode()

    assert content.count('<span class="relevance">Mentioned</span>') == 1
    assert content.index("All about it") < content.index("Passing mention")
    assert content.index("Passing mention") < content.index(">Mentioned<")


def test_relevance_is_the_pages_own_entity(client):
    """A story about another entity but only mentioning this one is a mention here."""
    entity = EntityFactory(name="Geneva")
    other = EntityFactory(name="Vladimir Putin")
    story = ArticleFactory()
    tag(story, other, "about")
    tag(story, entity, "mentions")

    response = client.get(entity.get_absolute_url())

    assert [(s, s.relevance) for s in response.context["object_list"]] == [
        (story, "mentions")
    ]
    assert client.get(other.get_absolute_url()).context["object_list"][0].relevance == (
        "about"
    )


def test_companions_count_shared_published_stories(client):
    """ "Often appears with" lists entities sharing published stories, most first."""
    entity = EntityFactory(name="Geneva")
    putin = EntityFactory(name="Vladimir Putin")
    lavrov = EntityFactory(name="Sergei Lavrov")
    loner = EntityFactory(name="Nobody Shared")
    ArticleFactory.create_batch(2, entities=[entity, putin])
    ArticleFactory(entities=[entity, putin, lavrov])
    ArticleFactory(entities=[entity, lavrov], draft=True)
    # Stories without the page's entity do not count towards what it shares.
    ArticleFactory.create_batch(4, entities=[lavrov, putin])
    ArticleFactory(entities=[loner])

    response = client.get(entity.get_absolute_url())

    companions = [(e.name, e.shared) for e in response.context["companions"]]
    assert companions == [("Vladimir Putin", 3), ("Sergei Lavrov", 1)]
    content = response.content.decode()
    assert "Often appears with" in content
    assert f'{putin.get_absolute_url()}">Vladimir Putin</a> <span class="count">3' in (
        content
    )


def test_companions_are_capped(client):
    """Only the most frequent companions are listed, ties by name."""
    entity = EntityFactory(name="Geneva")
    others = [EntityFactory(name=f"Companion {n:02}") for n in range(COMPANIONS + 2)]
    ArticleFactory(entities=[entity, *others])
    ArticleFactory(entities=[entity, others[-1]])

    companions = client.get(entity.get_absolute_url()).context["companions"]

    assert [e.name for e in companions] == [
        f"Companion {COMPANIONS + 1:02}",
        *(f"Companion {n:02}" for n in range(COMPANIONS - 1)),
    ]


def test_entity_without_companions_has_no_section(client):
    """An entity alone on its stories shows no "Often appears with" block."""
    entity = EntityFactory(name="Geneva")
    ArticleFactory(entities=[entity])

    response = client.get(entity.get_absolute_url())

    assert list(response.context["companions"]) == []
    assert "Often appears with" not in response.content.decode()


def test_timeline_counts_published_stories_by_month(client):
    """The timeline counts published stories per month, newest month first."""
    entity = EntityFactory(name="Geneva")
    for when in (at(2024, 3, 2), at(2024, 3, 20), at(2024, 1), at(2023, 11)):
        ArticleFactory(entities=[entity], go_live_at=when)
    ArticleFactory(entities=[entity], go_live_at=at(2024, 2))
    ArticleFactory(entities=[entity], withdrawn=True, go_live_at=at(2024, 3))
    ArticleFactory(entities=[entity], scheduled=True)

    response = client.get(entity.get_absolute_url())

    timeline = [
        (row["month"].year, row["month"].month, row["count"])
        for row in response.context["timeline"]
    ]
    assert timeline == [(2024, 3, 2), (2024, 2, 1), (2024, 1, 1), (2023, 11, 1)]
    content = response.content.decode()
    assert '<time datetime="2024-03">March 2024</time>' in content
    assert '<span class="count">2 stories</span>' in content
    assert '<span class="count">1 story</span>' in content


@pytest.mark.parametrize("count", [1, 25])
def test_entity_page_query_count_with_companions(
    client, django_assert_max_num_queries, count
):
    """Companions and timeline keep the page's query count flat as stories grow."""
    entity = EntityFactory(name="Geneva")
    AliasFactory.create_batch(2, entity=entity)
    for n in range(count):
        others = [EntityFactory(name=f"Other {n} {k}") for k in range(3)]
        ArticleFactory(
            entities=[entity, *others], go_live_at=at(2020 + n % 5, n % 12 + 1)
        )

    # + 1: the schedule lookup of the first page after the cache is cleared.
    with django_assert_max_num_queries(9 + 1 + 1):  # + the stories' authors
        response = client.get(entity.get_absolute_url())

    assert response.status_code == 200
    assert len(response.context["companions"]) == min(count * 3, COMPANIONS)


def test_entity_aside_is_recomputed_when_a_story_changes(client):
    """The cached "Often appears with" follows a withdrawal at once."""
    entity = EntityFactory(name="Harbour Board")
    other = EntityFactory(name="Quay Traders")
    ArticleFactory(entities=[entity])
    second = ArticleFactory(entities=[entity, other])
    page = client.get(entity.get_absolute_url())
    assert [e.name for e in page.context["companions"]] == ["Quay Traders"]

    withdraw_article(article=second)
    page = client.get(entity.get_absolute_url())
    assert page.context["companions"] == []
