from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from articles import related, services
from articles.models import (
    Article,
    ArticleEntity,
    DocumentFrequency,
    RelatedExclusion,
    RelatedLink,
    RelatedScore,
)
from articles.related import (
    RELATED_LIMIT,
    STORED_LIMIT,
    TOTAL,
    rebuild_related,
    refresh_related,
    related_articles,
    related_entries,
    suggest,
)
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    RelatedExclusionFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def mention(article: Article, entity) -> None:
    article.entities.add(
        entity, through_defaults={"relevance": ArticleEntity.Relevance.MENTIONS}
    )


def stored(article: Article) -> list[Article]:
    return [
        row.target
        for row in RelatedScore.objects.filter(article=article).select_related("target")
    ]


def filler(count: int, *entities) -> None:
    """Stories that make `entities` common across the archive."""
    for _ in range(count):
        ArticleFactory(entities=list(entities), go_live_at=days_ago(400))


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
    entity = EntityFactory()
    when = datetime.datetime(2016, 12, 29, 12, tzinfo=datetime.UTC)
    filler(10, EntityFactory())
    story = ArticleFactory(entities=[entity], go_live_at=when)
    last_week = ArticleFactory(entities=[entity], go_live_at=days_ago(7))
    same_week = ArticleFactory(
        entities=[entity], go_live_at=when + datetime.timedelta(days=3)
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
    monkeypatch.setattr(related, "DF_CAP", 3)
    suggestions = {s.target_id: s for s in suggest(story)}
    assert only_common.pk not in suggestions
    names = [e["name"] for e in suggestions[both.pk].shared["entities"]]
    assert names == [rare.name, common.name]


def test_shared_entities_are_stored_with_the_score():
    """Each stored suggestion says which entities produced it."""
    entity = EntityFactory(name="Wadi Barada")
    story = ArticleFactory(entities=[entity])
    other = ArticleFactory(entities=[entity])
    rebuild_related()
    [entry] = related_entries(story)
    assert entry["article"] == other
    assert entry["picked"] is False
    assert entry["score"] > related.MIN_SCORE
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
def test_serving_costs_one_query(django_assert_max_num_queries, count):
    """Serving related stories costs one query however many there are."""
    entities = EntityFactory.create_batch(3)
    story = ArticleFactory(entities=entities)
    for _ in range(count):
        ArticleFactory(entities=entities)
        RelatedLinkFactory(article=story, target=ArticleFactory(entities=entities))
    rebuild_related()
    with django_assert_max_num_queries(1):
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


def frequencies(*entities) -> list[int]:
    counts = dict(DocumentFrequency.objects.values_list("feature", "df"))
    return [counts.get(TOTAL), *(counts.get(2 * e.pk) for e in entities)]


def test_rebuild_counts_document_frequencies():
    """rebuild_related stores how many published stories carry each entity."""
    common, rare = EntityFactory.create_batch(2)
    ArticleFactory(entities=[common, rare])
    ArticleFactory(entities=[common])
    ArticleFactory(draft=True, entities=[common, rare])
    ArticleFactory()
    rebuild_related()
    assert frequencies(common, rare) == [3, 2, 1]


def test_document_frequencies_follow_publish_edit_and_withdraw(
    django_capture_on_commit_callbacks,
):
    """Publishing, changing entities and withdrawing move the counts by one."""
    kept, dropped, added = EntityFactory.create_batch(3)
    ArticleFactory(entities=[kept])
    rebuild_related()
    assert frequencies(kept, dropped, added) == [1, 1, None, None]
    draft = ArticleFactory(draft=True, entities=[kept, dropped])
    refresh_related(draft)
    assert frequencies(kept, dropped) == [1, 1, None]
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=draft)
    assert frequencies(kept, dropped, added) == [2, 2, 1, None]
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [2, 2, 1, None]
    draft.entities.remove(dropped)
    draft.entities.add(added)
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [2, 2, 0, 1]
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_article(article=draft)
    assert frequencies(kept, dropped, added) == [1, 1, 0, 0]
    refresh_related(draft)
    assert frequencies(kept, dropped, added) == [1, 1, 0, 0]


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


def test_rebuild_matches_scoring_one_story_at_a_time():
    """The bulk rebuild stores what scoring each story on its own gives."""
    entities = EntityFactory.create_batch(6)
    stories = []
    for n in range(12):
        story = ArticleFactory(
            entities=entities[n % 4 : n % 4 + 3], go_live_at=days_ago(n * 20)
        )
        if n % 3 == 0:
            mention(story, entities[5])
        stories.append(story)
    stories[0].tags.add("ceasefire")
    stories[5].tags.add("ceasefire")
    RelatedExclusionFactory(article=stories[0], target=stories[1])
    rebuild_related()
    for story in stories:
        rows = list(RelatedScore.objects.filter(article=story))
        expected = suggest(story)
        assert [row.target_id for row in rows] == [s.target_id for s in expected]
        assert [row.score for row in rows] == pytest.approx([s.score for s in expected])
        assert [row.shared for row in rows] == [s.shared for s in expected]


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


def test_an_editor_cannot_exclude_or_pin_the_story_itself():
    """Excluding or pinning a story next to itself is refused."""
    story = ArticleFactory()
    with pytest.raises(ValidationError):
        services.exclude_related(article=story, target=story)
    with pytest.raises(ValidationError):
        services.pin_related(article=story, target=story)
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedExclusion.objects.create(article=story, target=story)


def test_pinning_puts_the_story_after_the_existing_picks():
    """A pinned suggestion becomes the last editor's pick and loses its exclusion."""
    story = ArticleFactory()
    first = RelatedLinkFactory(article=story, sort_order=4).target
    target = ArticleFactory()
    RelatedExclusionFactory(article=story, target=target)
    services.pin_related(article=story, target=target)
    services.pin_related(article=story, target=target)
    assert related_articles(story) == [first, target]
    assert not RelatedExclusion.objects.filter(article=story).exists()


def test_rebuild_command_reports_throughput():
    """rebuild_related says how many stories it rebuilt and how fast."""
    entity = EntityFactory()
    ArticleFactory.create_batch(3, entities=[entity])
    call_command("rebuild_related", verbosity=0, stdout=(out := _Out()))
    assert "for 3 stories" in out.text
    assert RelatedScore.objects.count() == 6


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


class TestAdmin:
    def change_url(self, article: Article) -> str:
        return reverse("admin:articles_article_change", args=[article.pk])

    def test_change_form_shows_suggestions_with_scores_and_shared_entities(
        self, editor_client
    ):
        """The story form lists automatic suggestions, their scores and why."""
        entity = EntityFactory(name="Wadi Barada")
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory(entities=[entity], headline="Water cut to Damascus")
        response = editor_client.get(self.change_url(story))
        content = response.content.decode()
        assert "Water cut to Damascus" in content
        assert "Wadi Barada" in content
        assert (
            reverse("admin:articles_article_pin", args=[story.pk, other.pk]) in content
        )

    def test_pin_button_creates_an_editors_pick(self, editor_client):
        """The pin button makes the suggestion an editor's pick."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory(entities=[entity])
        url = reverse("admin:articles_article_pin", args=[story.pk, other.pk])
        response = editor_client.post(url)
        assert response.status_code == 302
        assert RelatedLink.objects.filter(article=story, target=other).exists()

    def test_exclude_button_hides_the_suggestion(self, editor_client):
        """The exclude button stops a story being suggested."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory(entities=[entity])
        rebuild_related()
        url = reverse("admin:articles_article_exclude", args=[story.pk, other.pk])
        editor_client.post(url)
        assert related_articles(story) == []

    def test_pinning_needs_post_and_csrf(self, editor, client):
        """Pinning by GET is refused, and a POST without a CSRF token fails."""
        from django.test import Client

        story, other = ArticleFactory(), ArticleFactory()
        url = reverse("admin:articles_article_pin", args=[story.pk, other.pk])
        client.force_login(editor)
        assert client.get(url).status_code == 405
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(editor)
        assert strict.post(url).status_code == 403
        assert not RelatedLink.objects.exists()

    def test_reader_cannot_pin(self, client):
        """Someone who is not staff cannot pin."""
        story, other = ArticleFactory(), ArticleFactory()
        url = reverse("admin:articles_article_pin", args=[story.pk, other.pk])
        client.post(url)
        assert not RelatedLink.objects.exists()
