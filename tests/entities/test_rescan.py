from __future__ import annotations

import pytest

from articles.models import Article, ArticleEntity
from entities.matcher import get_matcher, invalidate_matcher
from entities.models import Candidate, Entity, Suggestion
from entities.rescan import PREFILTER_LIMIT, rescan_archive
from tests.factories import AliasFactory, ArticleFactory, EntityFactory

pytestmark = pytest.mark.django_db


def suggestions(entity: Entity) -> dict[int, tuple[str, str, int]]:
    """Each story's suggestion for `entity`: status, relevance, mentions."""
    return {
        s.article_id: (s.status, s.relevance, s.mention_count)
        for s in Suggestion.objects.filter(entity=entity)
    }


def tagged(entity: Entity) -> dict[int, str]:
    return dict(
        ArticleEntity.objects.filter(tag=entity).values_list(
            "content_object_id", "relevance"
        )
    )


@pytest.fixture
def archive() -> dict[str, Article]:
    """Stories written before anyone filed the Harbour Trust."""
    return {
        "headline": ArticleFactory(headline="Harbour Trust buys the docks"),
        "often": ArticleFactory(
            body="<p>The Harbour Trust said so.</p><p>Harbour Trust, again.</p>"
            "<p>And the Harbour Trust’s chairman.</p>"
        ),
        "once": ArticleFactory(body="<p>A man from the Harbour Trust spoke.</p>"),
        "elsewhere": ArticleFactory(body="<p>Nothing about harbours here.</p>"),
        "part_word": ArticleFactory(body="<p>The Harbour Trustees met.</p>"),
    }


@pytest.fixture
def trust(db) -> Entity:
    """The entity, filed after the archive was written."""
    entity = EntityFactory(name="Harbour Trust", kind=Entity.Kind.ORGANIZATION)
    invalidate_matcher()
    return entity


def test_earlier_stories_naming_it_get_suggestions(archive, trust):
    """Every earlier story naming the entity gets a suggestion, about or mentions
    as the matcher decides; stories that do not name it get none."""
    result = rescan_archive(entity_ids=[trust.pk])

    assert suggestions(trust) == {
        archive["headline"].pk: ("suggested", "about", 1),
        archive["often"].pk: ("suggested", "about", 3),
        archive["once"].pk: ("suggested", "mentions", 1),
    }
    assert tagged(trust) == {}
    once = Suggestion.objects.get(article=archive["once"], entity=trust)
    assert (once.first_field, once.first_offset, once.alias) == (
        "body",
        15,
        "Harbour Trust",
    )
    assert (result.suggested, result.stories_changed) == (3, 3)


def test_stories_are_picked_in_the_database(archive, trust):
    """Only the stories whose text contains a spelling of the name are matched."""
    result = rescan_archive(entity_ids=[trust.pk])

    # "Harbour Trustees" contains the name; "harbours" does not.
    assert result.stories_read == 4


def test_an_alias_finds_its_stories(archive, trust):
    """Stories naming the entity only by an alias get the suggestion."""
    by_alias = ArticleFactory(headline="Dock board sells land")
    AliasFactory(entity=trust, name="Dock board")
    invalidate_matcher()

    rescan_archive(entity_ids=[trust.pk], names=["Dock board"])

    assert suggestions(trust) == {by_alias.pk: ("suggested", "about", 1)}


def test_names_given_limit_the_search(archive, trust):
    """Given the names that changed, stories naming it otherwise are not read."""
    by_alias = ArticleFactory(body="<p>The dock board met.</p>")
    AliasFactory(entity=trust, name="dock board")
    invalidate_matcher()

    result = rescan_archive(entity_ids=[trust.pk], names=["dock board"])

    assert result.stories_read == 1
    # Written in lower case, the alias also matches with a capital.
    capital = ArticleFactory(body="<p>Dock board chiefs met.</p>")
    rescan_archive(entity_ids=[trust.pk], names=["dock board"])
    assert set(suggestions(trust)) == {by_alias.pk, capital.pk}


def test_a_story_naming_it_in_both_ways_counts_every_mention(trust):
    """Found by one name, a story is matched whole: every name of the entity
    counts."""
    story = ArticleFactory(
        headline="Harbour Trust in talks", body="<p>The Dock board agreed.</p>"
    )
    AliasFactory(entity=trust, name="Dock board")
    invalidate_matcher()

    rescan_archive(entity_ids=[trust.pk], names=["Dock board"])

    assert suggestions(trust) == {story.pk: ("suggested", "about", 2)}


def test_always_confirm_tags_the_stories(archive, trust):
    """An "always confirm" entity is confirmed and tagged on every story naming it."""
    trust.always_confirm = True
    trust.save()

    result = rescan_archive(entity_ids=[trust.pk])

    assert tagged(trust) == {
        archive["headline"].pk: "about",
        archive["often"].pk: "about",
        archive["once"].pk: "mentions",
    }
    assert {status for status, _, _ in suggestions(trust).values()} == {"confirmed"}
    assert result.confirmed == 3


def test_a_story_already_tagged_confirms_its_suggestion(archive, trust):
    """A story an editor tagged by hand gets a confirmed suggestion, and its tag
    keeps the editor's relevance."""
    archive["once"].entities.add(
        trust, through_defaults={"relevance": ArticleEntity.Relevance.ABOUT}
    )

    rescan_archive(entity_ids=[trust.pk])

    assert suggestions(trust)[archive["once"].pk] == ("confirmed", "mentions", 1)
    assert tagged(trust) == {archive["once"].pk: "about"}


def test_rejected_stays_rejected(archive, trust):
    """A suggestion the editor rejected is not suggested, nor tagged, again."""
    trust.always_confirm = True
    trust.save()
    Suggestion.objects.create(
        article=archive["once"], entity=trust, status=Suggestion.Status.REJECTED
    )

    rescan_archive(entity_ids=[trust.pk])

    assert suggestions(trust)[archive["once"].pk][0] == "rejected"
    assert archive["once"].pk not in tagged(trust)


def test_confirmed_stays_confirmed_with_fresh_counts(archive, trust):
    """A confirmed suggestion keeps its status; its counts follow the text."""
    Suggestion.objects.create(
        article=archive["often"],
        entity=trust,
        status=Suggestion.Status.CONFIRMED,
        mention_count=1,
    )

    rescan_archive(entity_ids=[trust.pk])

    assert suggestions(trust)[archive["often"].pk] == ("confirmed", "about", 3)


def test_rescanning_twice_changes_nothing(archive, trust):
    """A second rescan writes nothing and refreshes no related list."""
    trust.always_confirm = True
    trust.save()
    rescan_archive(entity_ids=[trust.pk])
    before = list(Suggestion.objects.values_list("pk", "status", "updated_at"))
    links = list(ArticleEntity.objects.values_list("pk", "relevance"))

    result = rescan_archive(entity_ids=[trust.pk])

    assert list(Suggestion.objects.values_list("pk", "status", "updated_at")) == before
    assert list(ArticleEntity.objects.values_list("pk", "relevance")) == links
    assert result.stories_read == 4
    assert result.stories_changed == 0


def test_unpublished_stories_get_suggestions(trust):
    """Drafts, scheduled and withdrawn stories are rescanned too: editors see them."""
    stories = [
        ArticleFactory(draft=True, body="<p>The Harbour Trust.</p>"),
        ArticleFactory(scheduled=True, body="<p>The Harbour Trust.</p>"),
        ArticleFactory(withdrawn=True, body="<p>The Harbour Trust.</p>"),
    ]

    rescan_archive(entity_ids=[trust.pk])

    assert set(suggestions(trust)) == {story.pk for story in stories}


def test_a_renamed_entity_drops_suggestions_of_the_old_name(trust):
    """After a rename, waiting suggestions found only by the old name go; the new
    name is suggested; decided ones stay."""
    old = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    decided = ArticleFactory(body="<p>The Harbour Trust met again.</p>")
    rescan_archive(entity_ids=[trust.pk])
    Suggestion.objects.filter(article=decided).update(
        status=Suggestion.Status.CONFIRMED
    )
    new = ArticleFactory(body="<p>The Port Trust met.</p>")
    trust.name = "Port Trust"
    trust.save()
    invalidate_matcher()

    result = rescan_archive(
        entity_ids=[trust.pk], names=["Harbour Trust", "Port Trust"]
    )

    assert set(suggestions(trust)) == {decided.pk, new.pk}
    assert old.pk not in suggestions(trust)
    assert (result.suggested, result.dropped) == (1, 1)


def test_the_longest_name_still_wins(trust):
    """The rescan uses the whole gazetteer: a longer name hides a shorter one, as
    when a story is saved."""
    EntityFactory(name="Harbour Trust Fund", kind=Entity.Kind.ORGANIZATION)
    invalidate_matcher()
    fund = ArticleFactory(body="<p>The Harbour Trust Fund paid.</p>")

    rescan_archive(entity_ids=[trust.pk])

    assert fund.pk not in suggestions(trust)


def test_candidates_of_that_name_are_cleared(archive, trust):
    """Once a name is known, no story offers it as a new-entity candidate."""
    Candidate.objects.create(article=archive["once"], name="Harbour Trust")
    Candidate.objects.create(article=archive["once"], name="Anna Kowalski")

    rescan_archive(entity_ids=[trust.pk])

    assert list(Candidate.objects.values_list("name", flat=True)) == ["Anna Kowalski"]


def test_names_spelt_as_the_body_stores_them():
    """A name with an ampersand is found in a body, where it is stored escaped."""
    story = ArticleFactory(body="<p>Shares in Marks & Spencer rose.</p>")
    assert "&amp;" in story.body
    entity = EntityFactory(name="Marks & Spencer", kind=Entity.Kind.ORGANIZATION)
    invalidate_matcher()

    rescan_archive(entity_ids=[entity.pk])

    assert set(suggestions(entity)) == {story.pk}


def test_many_names_read_every_story(trust):
    """Past PREFILTER_LIMIT spellings the database does not filter, and the matcher
    still finds the names."""
    named = ArticleFactory(body="<p>The Harbour Trust met.</p>")
    ArticleFactory(body="<p>Nobody met.</p>")
    names = [f"Name{n}" for n in range(PREFILTER_LIMIT)]

    result = rescan_archive(entity_ids=[trust.pk], names=[*names, "Harbour Trust"])

    assert result.stories_read == Article.objects.count()
    assert named.pk in suggestions(trust)


def test_an_entity_deleted_before_the_rescan_is_skipped():
    """A rescan for an entity that is gone does nothing."""
    ArticleFactory(body="<p>The Harbour Trust met.</p>")

    result = rescan_archive(entity_ids=[987654])

    assert result.stories_read == 0
    assert not Suggestion.objects.exists()


def test_the_matcher_is_rechecked():
    """A matcher this process built before the entity existed is rebuilt for the
    rescan, even when nothing told this process (another process filed it)."""
    story = ArticleFactory(body="<p>The Port Authority met.</p>")
    get_matcher()
    # Written as another process would, without invalidating this one's matcher.
    entity = EntityFactory(name="Port Authority", kind=Entity.Kind.ORGANIZATION)

    rescan_archive(entity_ids=[entity.pk])

    assert set(suggestions(entity)) == {story.pk}


# The entities with their names, their aliases, clearing candidates, the
# matcher's fingerprint (two).
JOB_QUERIES = 5
# Begin and end the transaction; read the stories, their suggestions and tags;
# create, update and drop suggestions; create tags.
CHUNK_QUERIES = 9


@pytest.mark.parametrize("stories", [2, 12])
def test_queries_grow_with_chunks_not_stories(
    trust, stories, django_assert_max_num_queries
):
    """A chunk of 2 or of 12 stories costs the same handful of queries."""
    trust.always_confirm = True
    trust.save()
    ArticleFactory.create_batch(stories, body="<p>The Harbour Trust met.</p>")
    get_matcher()

    with django_assert_max_num_queries(JOB_QUERIES + CHUNK_QUERIES):
        result = rescan_archive(entity_ids=[trust.pk], chunk_size=50)

    assert result.confirmed == stories


def test_queries_are_bounded_per_chunk(trust, django_assert_max_num_queries):
    """Read five stories at a time, twelve stories cost three chunks' queries."""
    trust.always_confirm = True
    trust.save()
    ArticleFactory.create_batch(12, body="<p>The Harbour Trust met.</p>")
    get_matcher()

    with django_assert_max_num_queries(JOB_QUERIES + 3 * CHUNK_QUERIES):
        result = rescan_archive(entity_ids=[trust.pk], chunk_size=5)

    assert (result.stories_read, result.confirmed) == (12, 12)
