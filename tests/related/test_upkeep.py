from __future__ import annotations

import datetime

import pytest

from articles import services
from related import scoring
from related.models import (
    RelatedScore,
)
from related.rebuild import rebuild_related
from related.scoring import STORED_LIMIT
from related.serving import related_articles
from related.upkeep import refresh_related, suggest
from tests.factories import (
    ArticleFactory,
    EntityFactory,
)
from tests.related.helpers import (
    ARCHIVE_SIZE,
    days_ago,
    filler,
    frequencies,
    mention,
    stored,
)

pytestmark = pytest.mark.django_db


def test_a_rare_shared_entity_outweighs_common_ones():
    """Sharing a rare entity counts for more than sharing two common ones."""
    russia, syria, wadi_barada = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=[russia, syria, wadi_barada])
    shares_common = ArticleFactory(entities=[russia, syria])
    shares_rare = ArticleFactory(entities=[wadi_barada])
    filler(20, russia, syria)
    assert [s.target_id for s in suggest(story)][:2] == [
        shares_rare.pk,
        shares_common.pk,
    ]


def test_about_counts_more_than_mentions():
    """A story about a shared entity ranks above one that only mentions it."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    mentions = ArticleFactory()
    mention(mentions, entity)
    about = ArticleFactory(entities=[entity])
    assert [s.target_id for s in suggest(story)] == [about.pk, mentions.pk]


def test_shared_tags_count_less_than_shared_entities():
    """A shared topic tag counts, but less than an entity just as rare."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity], tags=["ceasefire"])
    by_tag = ArticleFactory(tags=["ceasefire"])
    by_entity = ArticleFactory(entities=[entity])
    suggestions = suggest(story)
    assert [s.target_id for s in suggestions] == [by_entity.pk, by_tag.pk]
    assert suggestions[1].shared["tags"][0]["name"] == "ceasefire"


def test_an_old_story_links_to_its_own_period():
    """A 2016 story prefers stories from around its own date to last week's."""
    entities = EntityFactory.create_batch(2)
    when = datetime.datetime(2016, 12, 29, 12, tzinfo=datetime.UTC)
    filler(10, EntityFactory())
    story = ArticleFactory(entities=entities, go_live_at=when)
    last_week = ArticleFactory(entities=entities, go_live_at=days_ago(7))
    same_week = ArticleFactory(
        entities=entities, go_live_at=when + datetime.timedelta(days=3)
    )
    assert [s.target_id for s in suggest(story)] == [same_week.pk, last_week.pk]


def test_weak_suggestions_are_dropped():
    """A story sharing only a common mention, years apart, is not suggested."""
    russia = EntityFactory()
    story = ArticleFactory(go_live_at=days_ago(3000))
    mention(story, russia)
    other = ArticleFactory()
    mention(other, russia)
    for _ in range(5):
        mention(ArticleFactory(go_live_at=days_ago(1500)), russia)
    assert other.pk not in [s.target_id for s in suggest(story)]


def test_common_entities_add_to_candidates_found_through_rare_ones(monkeypatch):
    """An entity above DF_CAP proposes no candidates but still adds to a score."""
    common, rare = EntityFactory.create_batch(2)
    story = ArticleFactory(entities=[common, rare])
    both = ArticleFactory(entities=[common, rare])
    only_common = ArticleFactory(entities=[common])
    filler(3, common)
    monkeypatch.setattr(scoring, "DF_CAP", 3)
    suggestions = {s.target_id: s for s in suggest(story)}
    assert only_common.pk not in suggestions
    names = [e["name"] for e in suggestions[both.pk].shared["entities"]]
    assert names == [rare.name, common.name]


def test_document_frequencies_follow_publish_edit_and_withdraw(
    django_capture_on_commit_callbacks,
):
    """Publishing, changing entities and withdrawing move the counts by one."""
    kept, dropped, added = EntityFactory.create_batch(3)
    ArticleFactory(entities=[kept])
    rebuild_related()
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 1, 1, None, None]
    draft = ArticleFactory(draft=True, entities=[kept, dropped])
    refresh_related(draft)
    assert frequencies(kept, dropped) == [ARCHIVE_SIZE + 1, 1, None]
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=draft)
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 2, 2, 1, None]
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 2, 2, 1, None]
    draft.entities.remove(dropped)
    draft.entities.add(added)
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 2, 2, 0, 1]
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_article(article=draft)
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 1, 1, 0, 0]
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [ARCHIVE_SIZE + 1, 1, 0, 0]


def test_kept_frequencies_score_as_a_rebuild_would(
    django_capture_on_commit_callbacks,
):
    """After publishing, scores from the kept counts equal those after a rebuild."""
    entities = EntityFactory.create_batch(4)
    for n in range(6):
        ArticleFactory(entities=entities[n % 3 : n % 3 + 2])
    rebuild_related()
    draft = ArticleFactory(draft=True, entities=entities[1:])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=draft)
    kept = [(s.target_id, s.score) for s in suggest(draft)]
    rebuild_related()
    rebuilt = [(s.target_id, s.score) for s in suggest(draft)]
    assert [pk for pk, _ in kept] == [pk for pk, _ in rebuilt]
    assert [score for _, score in kept] == pytest.approx(
        [score for _, score in rebuilt]
    )


def test_publishing_adds_the_story_to_its_neighbours(
    django_capture_on_commit_callbacks,
):
    """Publishing a story stores its own list and puts it in its neighbours'."""
    entity = EntityFactory()
    neighbour = ArticleFactory(entities=[entity])
    unrelated = ArticleFactory(entities=[EntityFactory()])
    rebuild_related()
    draft = ArticleFactory(draft=True, entities=[entity])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=draft)
    assert stored(draft) == [neighbour]
    assert related_articles(neighbour) == [draft]
    assert stored(unrelated) == []


def test_a_new_story_only_enters_lists_it_ranks_in():
    """A neighbour whose list is full of better suggestions keeps its list."""
    rare, common = EntityFactory.create_batch(2)
    neighbour = ArticleFactory(entities=[rare, common])
    better = ArticleFactory.create_batch(STORED_LIMIT, entities=[rare, common])
    rebuild_related()
    weak = ArticleFactory(entities=[common])
    refresh_related(weak)
    assert set(stored(neighbour)) == set(better)
    assert len(stored(weak)) == STORED_LIMIT


def test_withdrawing_takes_the_story_out_and_refills(
    django_capture_on_commit_callbacks,
):
    """Withdrawing a story removes it from every list and refills those lists."""
    entity = EntityFactory()
    story = ArticleFactory(entities=[entity])
    leaving = ArticleFactory(entities=[entity])
    ArticleFactory.create_batch(STORED_LIMIT, entities=[entity])
    rebuild_related()
    assert leaving in stored(story)
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_article(article=leaving)
    assert leaving not in stored(story)
    assert len(stored(story)) == STORED_LIMIT
    assert not RelatedScore.objects.filter(article=leaving).exists()
