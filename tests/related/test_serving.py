from __future__ import annotations

import pytest

from articles.models import Article
from related import scoring
from related.models import (
    RelatedScore,
)
from related.rebuild import rebuild_related
from related.scoring import RELATED_LIMIT, STORED_LIMIT
from related.serving import related_articles, related_entries
from related.upkeep import suggest
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RelatedExclusionFactory,
    RelatedLinkFactory,
)
from tests.related.helpers import days_ago, stored

pytestmark = pytest.mark.django_db


def test_editor_picks_come_first_in_their_order():
    """Editor picks lead the list in the order the editor gave them."""
    story = ArticleFactory()
    second = RelatedLinkFactory(article=story, sort_order=2).target
    first = RelatedLinkFactory(article=story, sort_order=1).target
    assert related_articles(story) == [first, second]


def test_picks_then_stored_suggestions():
    """After the picks come the stored suggestions, best first."""
    a, b, c = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=[a, b, c])
    shares_two = ArticleFactory(entities=[a, b])
    shares_one = ArticleFactory(entities=[c])
    ArticleFactory(entities=[EntityFactory()])
    pick = RelatedLinkFactory(article=story).target
    rebuild_related()
    assert related_articles(story) == [pick, shares_two, shares_one]


def test_shared_entities_are_stored_with_the_score():
    """Each stored suggestion says which entities produced it."""
    entity = EntityFactory(name="Wadi Barada")
    story = ArticleFactory(entities=[entity])
    other = ArticleFactory(entities=[entity])
    rebuild_related()
    [entry] = related_entries(story)
    assert entry["article"] == other
    assert entry["picked"] is False
    assert entry["score"] > scoring.MIN_SCORE
    assert entry["shared"]["entities"][0]["id"] == entity.pk
    assert entry["shared"]["entities"][0]["name"] == "Wadi Barada"


def test_a_pick_sharing_entities_is_listed_once():
    """A story both picked and sharing entities appears once, as a pick."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    both = ArticleFactory(entities=[entity])
    RelatedLinkFactory(article=story, target=both)
    rebuild_related()
    assert related_articles(story) == [both]
    assert related_entries(story)[0]["picked"] is True


def test_never_the_story_itself():
    """A story is never related to itself."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    rebuild_related()
    assert suggest(story) == []
    assert related_articles(story) == []


@pytest.mark.parametrize("state", ["draft", "withdrawn", "scheduled"])
def test_never_an_unpublished_story(state):
    """A story readers cannot see is never related, even as an editor's pick."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    hidden = ArticleFactory(**{state: True}, entities=[entity])
    RelatedLinkFactory(article=story, target=hidden)
    rebuild_related()
    assert related_articles(story) == []


def test_a_story_withdrawn_after_precompute_vanishes_at_once():
    """Withdrawing a stored suggestion hides it before anything is recomputed."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    other = ArticleFactory(entities=[entity])
    rebuild_related()
    Article.objects.filter(pk=other.pk).update(status=Article.Status.WITHDRAWN)
    assert stored(story) == [other]
    assert related_articles(story) == []


def test_a_scheduled_story_appears_when_it_goes_live():
    """A scheduled story is stored as a suggestion but served only once live."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    soon = ArticleFactory(scheduled=True, entities=[entity])
    rebuild_related()
    assert related_articles(story) == []
    Article.objects.filter(pk=soon.pk).update(go_live_at=days_ago(0.01))
    assert related_articles(story) == [soon]


def test_an_excluded_story_is_never_suggested():
    """A story the editor excluded is neither stored nor served."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    excluded = ArticleFactory(entities=[entity])
    kept = ArticleFactory(entities=[entity])
    rebuild_related()
    RelatedExclusionFactory(article=story, target=excluded)
    assert related_articles(story) == [kept]
    rebuild_related()
    assert stored(story) == [kept]


def test_list_is_capped():
    """At most RELATED_LIMIT stories are served, picks included."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    picks = [RelatedLinkFactory(article=story, sort_order=n).target for n in range(3)]
    ArticleFactory.create_batch(STORED_LIMIT + 2, entities=[entity])
    rebuild_related()
    assert RelatedScore.objects.filter(article=story).count() == STORED_LIMIT
    served = related_articles(story)
    assert len(served) == RELATED_LIMIT
    assert served[:3] == picks
    assert related_articles(story, limit=2) == picks[:2]


@pytest.mark.parametrize("count", [1, 20])
def test_serving_costs_two_queries(django_assert_max_num_queries, count):
    """Serving related stories costs two queries however many there are: the
    story's lists, then the stories they name that readers may see."""
    entities = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=entities)
    for _ in range(count):
        ArticleFactory(entities=entities)
        RelatedLinkFactory(article=story, target=ArticleFactory(entities=entities))
    rebuild_related()
    with django_assert_max_num_queries(2):
        entries = related_entries(story, limit=40)
        sections = {entry["article"].section.name for entry in entries}
    assert sections == {"World"}
    assert all(entry["picked"] for entry in entries[:count])
    assert not entries[count]["picked"]


def test_a_story_without_a_section_is_served():
    """A related story outside any section is served with no section."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    other = ArticleFactory(entities=[entity], section=None)
    rebuild_related()
    [served] = related_articles(story)
    assert served == other
    assert served.section is None


def test_unpublished_picks_do_not_use_up_the_list():
    """Picks readers cannot see leave their places to the next stories."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    RelatedLinkFactory(article=story, target=ArticleFactory(draft=True), sort_order=0)
    picks = [
        RelatedLinkFactory(article=story, sort_order=n).target for n in range(1, 4)
    ]
    suggested = ArticleFactory(entities=[entity])
    rebuild_related()
    assert related_articles(story, limit=4) == [*picks, suggested]


def test_left_out_stories_give_their_places_to_the_next(
    django_assert_max_num_queries,
):
    """Stories the caller already shows are skipped, picks included, and the next
    stories fill the list, in the same two queries."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    shown_pick, kept_pick = (
        RelatedLinkFactory(article=story, sort_order=n).target for n in range(2)
    )
    suggested = ArticleFactory.create_batch(6, entities=[entity])
    rebuild_related()
    everything = related_articles(story, limit=8)
    shown = [shown_pick.pk, everything[2].pk, everything[3].pk]
    with django_assert_max_num_queries(2):
        served = related_articles(story, limit=4, leave_out=shown)
    assert served == [kept_pick, *everything[4:7]]
    assert set(served[1:]) <= set(suggested)
    assert related_entries(story, leave_out=shown)[0]["article"] == kept_pick
