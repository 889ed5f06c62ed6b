from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from articles.related import RELATED_LIMIT, related_articles
from tests.factories import ArticleFactory, EntityFactory, RelatedLinkFactory

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def test_editor_picks_come_first_in_their_order():
    """Editor picks lead the list in the order the editor gave them."""
    story = ArticleFactory()
    second = RelatedLinkFactory(article=story, sort_order=2).target
    first = RelatedLinkFactory(article=story, sort_order=1).target
    assert related_articles(story) == [first, second]


def test_stories_sharing_more_entities_rank_higher():
    """After the picks come stories sharing the most entities, then the newest."""
    a, b, c = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=[a, b, c])
    shares_two_old = ArticleFactory(entities=[a, b], go_live_at=days_ago(10))
    shares_one_new = ArticleFactory(entities=[c], go_live_at=days_ago(1))
    shares_one_old = ArticleFactory(entities=[a], go_live_at=days_ago(5))
    ArticleFactory(entities=[EntityFactory()])
    pick = RelatedLinkFactory(article=story).target
    assert related_articles(story) == [
        pick,
        shares_two_old,
        shares_one_new,
        shares_one_old,
    ]


def test_a_pick_sharing_entities_is_listed_once():
    """A story both picked and sharing entities appears once, as a pick."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    both = ArticleFactory(entities=[entity])
    RelatedLinkFactory(article=story, target=both)
    assert related_articles(story) == [both]


def test_never_the_story_itself():
    """A story is never related to itself."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    assert related_articles(story) == []


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_never_an_unpublished_story(state):
    """A story readers cannot see is never related, even as an editor's pick."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    hidden = ArticleFactory(**{state: True}, entities=[entity])
    RelatedLinkFactory(article=story, target=hidden)
    assert related_articles(story) == []


def test_list_is_capped():
    """At most RELATED_LIMIT stories are suggested, picks included."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    picks = [RelatedLinkFactory(article=story, sort_order=n).target for n in range(3)]
    ArticleFactory.create_batch(RELATED_LIMIT, entities=[entity])
    related = related_articles(story)
    assert len(related) == RELATED_LIMIT
    assert related[:3] == picks
    assert related_articles(story, limit=2) == picks[:2]


@pytest.mark.parametrize("count", [1, 20])
def test_costs_two_queries(django_assert_max_num_queries, count):
    """Finding related stories costs two queries however many candidates exist."""
    entities = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=entities)
    for _ in range(count):
        RelatedLinkFactory(article=story, target=ArticleFactory(entities=entities))
    with django_assert_max_num_queries(2):
        sections = {related.section.name for related in related_articles(story)}
    assert sections == {"World"}
