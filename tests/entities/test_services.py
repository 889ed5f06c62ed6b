from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article, ArticleEntity
from entities.matcher import get_matcher, invalidate_matcher
from entities.models import Alias, Candidate, Entity, EntityRedirect, Suggestion
from entities.services import (
    confirm_suggestion,
    create_entity_from_candidate,
    merge_entities,
    reject_suggestion,
    resolve_entity,
    suggest_entities,
)
from tests.factories import (
    AliasFactory,
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
)

pytestmark = pytest.mark.django_db

NAME_LENGTH = Entity._meta.get_field("name").max_length

HEADLINE = "Putin arrives for talks"
BODY = "<p>Vladimir Putin landed in Geneva on Monday.</p><p>Putin spoke.</p>"


@pytest.fixture
def story(putin, geneva):
    """A published story naming Putin in the headline and body, Geneva once."""
    return ArticleFactory(headline=HEADLINE, body=BODY)


def suggestion_for(article: Article, entity: Entity) -> Suggestion:
    return Suggestion.objects.get(article=article, entity=entity)


def tagged(article: Article) -> dict[str, str]:
    return dict(
        ArticleEntity.objects.filter(content_object=article).values_list(
            "tag__name", "relevance"
        )
    )


def test_suggestions_record_counts_first_field_and_relevance(story, putin, geneva):
    """Each entity found gets a suggestion with its count, first place and relevance."""
    suggest_entities(article=story)

    named = suggestion_for(story, putin)
    assert named.status == Suggestion.Status.SUGGESTED
    assert named.mention_count == 3
    assert named.first_field == "headline"
    assert named.first_offset == 0
    assert named.alias == "Putin"
    assert named.relevance == ArticleEntity.Relevance.ABOUT
    place = suggestion_for(story, geneva)
    assert place.mention_count == 1
    assert place.first_field == "body"
    assert place.first_offset == len("Vladimir Putin landed in ")
    assert place.alias == "Geneva"
    assert place.relevance == ArticleEntity.Relevance.MENTIONS


def test_entity_in_the_dek_is_what_the_story_is_about(geneva):
    """An entity named once, in the standfirst, makes the story about it."""
    article = ArticleFactory(dek="Talks resume in Geneva.", body="<p>Nothing.</p>")

    suggest_entities(article=article)

    suggestion = suggestion_for(article, geneva)
    assert suggestion.first_field == "dek"
    assert suggestion.relevance == ArticleEntity.Relevance.ABOUT


def test_suggestions_do_not_tag_the_story(story, client):
    """Until an editor confirms, nothing is tagged and readers see no entity link."""
    suggest_entities(article=story)

    assert tagged(story) == {}
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "Vladimir Putin landed" in content
    assert Entity.objects.get(name="Geneva").get_absolute_url() not in content
    assert 'class="entity-link"' not in content


def test_confirm_flag_tags_at_once(story):
    """With confirm=True every entity found is tagged, with its relevance."""
    suggest_entities(article=story, confirm=True)

    assert tagged(story) == {"Vladimir Putin": "about", "Geneva": "mentions"}
    assert set(story.suggestions.values_list("status", flat=True)) == {"confirmed"}


def test_always_confirm_entity_is_tagged_at_once(story, putin, geneva):
    """An entity marked "always confirm" is tagged without waiting for an editor."""
    geneva.always_confirm = True
    geneva.save()

    suggest_entities(article=story)

    assert tagged(story) == {"Geneva": "mentions"}
    assert suggestion_for(story, geneva).status == Suggestion.Status.CONFIRMED
    assert suggestion_for(story, putin).status == Suggestion.Status.SUGGESTED


def test_rejected_suggestion_stays_rejected(story, putin):
    """A rejected suggestion is not revived by a re-run, even with confirm=True."""
    suggest_entities(article=story)
    reject_suggestion(suggestion=suggestion_for(story, putin))

    suggest_entities(article=story, confirm=True)

    assert suggestion_for(story, putin).status == Suggestion.Status.REJECTED
    assert "Vladimir Putin" not in tagged(story)


def test_rejected_suggestion_survives_an_edit(story, putin):
    """Editing and saving the story again keeps the rejection, with fresh counts."""
    suggest_entities(article=story)
    reject_suggestion(suggestion=suggestion_for(story, putin))

    story.body = "<p>Putin again. Putin once more. Putin, Putin.</p>"
    story.save()
    suggest_entities(article=story)

    suggestion = suggestion_for(story, putin)
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.mention_count == 5
    assert tagged(story) == {}


def test_suggestion_no_longer_found_is_removed(story, geneva):
    """When the text stops naming an entity, its pending suggestion goes away."""
    suggest_entities(article=story)
    story.body = "<p>Putin spoke.</p>"
    story.save()

    suggest_entities(article=story)

    assert not Suggestion.objects.filter(article=story, entity=geneva).exists()


def test_confirmed_suggestion_is_kept_when_no_longer_found(story, geneva):
    """An editor's confirmation is not undone because the text changed."""
    suggest_entities(article=story)
    confirm_suggestion(suggestion=suggestion_for(story, geneva))
    story.body = "<p>Putin spoke.</p>"
    story.save()

    suggest_entities(article=story)

    assert suggestion_for(story, geneva).status == Suggestion.Status.CONFIRMED
    assert tagged(story) == {"Geneva": "mentions"}


def test_entity_tagged_by_hand_is_marked_confirmed(putin, geneva):
    """An entity an editor already tagged shows as confirmed, not tagged twice."""
    article = ArticleFactory(headline=HEADLINE, body=BODY)
    ArticleEntityFactory(
        content_object=article, tag=putin, relevance=ArticleEntity.Relevance.MENTIONS
    )

    suggest_entities(article=article)

    assert suggestion_for(article, putin).status == Suggestion.Status.CONFIRMED
    assert suggestion_for(article, geneva).status == Suggestion.Status.SUGGESTED
    # The editor's own relevance is kept.
    assert tagged(article) == {"Vladimir Putin": "mentions"}


def test_unknown_names_become_candidates(story):
    """Capitalised multi-word names the gazetteer lacks are recorded as candidates."""
    story.body = (
        "<p>The Harbour Trust Fund met Anna Kowalski in Geneva.</p>"
        "<p>Anna Kowalski said Putin was late.</p>"
    )
    story.save()

    suggest_entities(article=story)

    assert set(story.candidates.values_list("name", "kind", "mention_count")) == {
        ("Anna Kowalski", "other", 2),
        ("Harbour Trust Fund", "organization", 1),
    }
    # Known names and single words are not candidates.
    assert not story.candidates.filter(name__in=["Geneva", "Putin"]).exists()


def test_dismissed_candidate_does_not_come_back(story):
    """A candidate the editor dismissed is not offered again on a re-run."""
    story.body = "<p>Anna Kowalski met the Harbour Trust Fund.</p>"
    story.save()
    suggest_entities(article=story)
    candidate = story.candidates.get(name="Anna Kowalski")
    candidate.dismissed = True
    candidate.save()

    suggest_entities(article=story)

    assert list(story.candidates.values_list("name", "dismissed")) == [
        ("Anna Kowalski", True),
        ("Harbour Trust Fund", False),
    ]


def test_confirm_tags_with_the_suggestions_relevance(story, putin, geneva):
    """Confirming tags the story with the relevance the matcher worked out."""
    suggest_entities(article=story)

    confirm_suggestion(suggestion=suggestion_for(story, putin))
    confirm_suggestion(suggestion=suggestion_for(story, geneva))

    assert tagged(story) == {"Vladimir Putin": "about", "Geneva": "mentions"}
    assert suggestion_for(story, putin).status == Suggestion.Status.CONFIRMED


def test_confirm_twice_tags_once(story, geneva):
    """Confirming an already confirmed suggestion does not duplicate the tag."""
    suggest_entities(article=story)
    suggestion = suggestion_for(story, geneva)

    confirm_suggestion(suggestion=suggestion)
    confirm_suggestion(suggestion=suggestion)

    assert ArticleEntity.objects.filter(content_object=story, tag=geneva).count() == 1


def test_reject_removes_the_tag(story, geneva):
    """Rejecting a confirmed suggestion untags the story."""
    suggest_entities(article=story, confirm=True)

    reject_suggestion(suggestion=suggestion_for(story, geneva))

    assert suggestion_for(story, geneva).status == Suggestion.Status.REJECTED
    assert tagged(story) == {"Vladimir Putin": "about"}


def test_create_entity_from_candidate(story):
    """A candidate becomes an entity of the chosen kind, tagged on its story."""
    story.body = "<p>Anna Kowalski met the Harbour Trust Fund.</p>"
    story.save()
    suggest_entities(article=story)
    candidate = story.candidates.get(name="Harbour Trust Fund")

    entity = create_entity_from_candidate(
        candidate=candidate, kind=Entity.Kind.ORGANIZATION
    )

    assert (entity.name, entity.kind) == ("Harbour Trust Fund", "organization")
    assert tagged(story)["Harbour Trust Fund"] == "mentions"
    assert suggestion_for(story, entity).status == Suggestion.Status.CONFIRMED
    assert not Candidate.objects.filter(name="Harbour Trust Fund").exists()
    assert story.candidates.filter(name="Anna Kowalski").exists()


def test_created_entity_is_known_to_the_matcher(story):
    """A new story naming the created entity gets a suggestion for it at once."""
    story.body = "<p>Anna Kowalski spoke.</p>"
    story.save()
    suggest_entities(article=story)
    get_matcher()  # warm the cache with the old gazetteer

    entity = create_entity_from_candidate(
        candidate=story.candidates.get(name="Anna Kowalski"), kind=Entity.Kind.PERSON
    )
    later = ArticleFactory(body="<p>Officials said Anna Kowalski resigned.</p>")
    suggest_entities(article=later)

    assert entity.kind == Entity.Kind.PERSON
    assert suggestion_for(later, entity).status == Suggestion.Status.SUGGESTED
    assert not later.candidates.filter(name="Anna Kowalski").exists()


def test_created_entity_clears_the_candidate_on_other_stories(story):
    """Once a name is an entity, no story offers it as a candidate any more."""
    story.body = "<p>Anna Kowalski spoke.</p>"
    story.save()
    other = ArticleFactory(body="<p>Anna Kowalski resigned.</p>")
    suggest_entities(article=story)
    suggest_entities(article=other)

    create_entity_from_candidate(candidate=story.candidates.get())

    assert not Candidate.objects.exists()
    assert Entity.objects.get(name="Anna Kowalski").kind == "other"


@pytest.mark.parametrize(
    ("headline", "body", "relevance", "count"),
    [
        ("Harbour Trust Fund in trouble", "<p>Nothing else.</p>", "about", 1),
        (
            "Trouble at the docks",
            "<p>The Harbour Trust Fund paid.</p><p>The Harbour Trust Fund"
            " again.</p><p>And the Harbour Trust Fund.</p>",
            "about",
            3,
        ),
        ("Trouble at the docks", "<p>The Harbour Trust Fund paid.</p>", "mentions", 1),
    ],
)
def test_created_entity_has_the_relevance_a_detected_one_would(
    headline, body, relevance, count
):
    """A story naming the new entity in its headline, or often, is about it."""
    story = ArticleFactory(headline=headline, body=body)
    suggest_entities(article=story)

    entity = create_entity_from_candidate(
        candidate=story.candidates.get(name="Harbour Trust Fund")
    )

    suggestion = suggestion_for(story, entity)
    assert (suggestion.relevance, suggestion.mention_count) == (relevance, count)
    assert suggestion.alias == "Harbour Trust Fund"
    assert tagged(story) == {"Harbour Trust Fund": relevance}


def test_created_entity_keeps_the_candidates_count_if_the_matcher_misses_it():
    """A name written with a non-breaking space is a candidate the matcher cannot
    match; the new entity still gets the candidate's count and a relevance."""
    story = ArticleFactory(
        body="<p>Anna\xa0Kowalski spoke. Anna\xa0Kowalski left. Anna\xa0Kowalski"
        " came back.</p>"
    )
    suggest_entities(article=story)

    entity = create_entity_from_candidate(candidate=story.candidates.get())

    suggestion = suggestion_for(story, entity)
    assert (suggestion.relevance, suggestion.mention_count) == ("about", 3)
    assert suggestion.status == Suggestion.Status.CONFIRMED


def test_created_entity_is_suggested_on_earlier_stories(
    story, django_capture_on_commit_callbacks
):
    """Earlier stories naming the new entity get a suggestion once it commits."""
    earlier = ArticleFactory(body="<p>Anna Kowalski resigned.</p>")
    story.body = "<p>Anna Kowalski spoke.</p>"
    story.save()
    suggest_entities(article=story)

    with django_capture_on_commit_callbacks(execute=True):
        entity = create_entity_from_candidate(
            candidate=story.candidates.get(name="Anna Kowalski")
        )

    assert suggestion_for(earlier, entity).status == Suggestion.Status.SUGGESTED


@pytest.fixture
def pair():
    """Two entities for one person, with an alias on the one to merge away."""
    keep = EntityFactory(name="Vladimir Putin")
    merge = EntityFactory(name="V. Putin")
    AliasFactory(entity=merge, name="Mr Putin")
    invalidate_matcher()
    return keep, merge


def test_merge_moves_links_and_keeps_about(pair):
    """Links move to the kept entity; where both tagged a story, "about" wins."""
    keep, merge = pair
    both = ArticleFactory()
    ArticleEntityFactory(content_object=both, tag=keep, relevance="mentions")
    ArticleEntityFactory(content_object=both, tag=merge, relevance="about")
    only = ArticleFactory()
    ArticleEntityFactory(content_object=only, tag=merge, relevance="mentions")

    merge_entities(keep=keep, merge=[merge])

    assert tagged(both) == {"Vladimir Putin": "about"}
    assert tagged(only) == {"Vladimir Putin": "mentions"}
    assert not Entity.objects.filter(pk=merge.pk).exists()


def test_merge_keeps_the_kept_entitys_about(pair):
    """A story about the kept entity stays about it when the other only mentions."""
    keep, merge = pair
    both = ArticleFactory()
    ArticleEntityFactory(content_object=both, tag=keep, relevance="about")
    ArticleEntityFactory(content_object=both, tag=merge, relevance="mentions")

    merge_entities(keep=keep, merge=[merge])

    assert tagged(both) == {"Vladimir Putin": "about"}


def test_merge_moves_suggestions_and_names(pair):
    """Suggestions move, and the merged name and aliases become aliases of keep."""
    keep, merge = pair
    article = ArticleFactory(body="<p>V. Putin and Mr Putin.</p>")
    suggest_entities(article=article)
    assert suggestion_for(article, merge).mention_count == 2

    merge_entities(keep=keep, merge=[merge])

    assert suggestion_for(article, keep).mention_count == 2
    assert set(keep.aliases.values_list("name", flat=True)) == {
        "V. Putin",
        "Mr Putin",
    }
    assert set(keep.aliases.values_list("kind", flat=True)) == {keep.kind}
    assert EntityRedirect.objects.get(old_slug=merge.slug).entity == keep


def test_merge_rescans_for_the_names_gained(pair, django_capture_on_commit_callbacks):
    """After a merge, stories naming both entities count every mention of the one
    kept, and a story read before the merged name was filed gets a suggestion."""
    keep, merge = pair
    both = ArticleFactory(body="<p>Vladimir Putin, also called V. Putin.</p>")
    suggest_entities(article=both)
    # Imported before "Mr Putin" was filed: never matched since.
    missed = ArticleFactory(body="<p>Mr Putin arrived.</p>")

    with django_capture_on_commit_callbacks(execute=True):
        merge_entities(keep=keep, merge=[merge])

    assert suggestion_for(both, keep).mention_count == 2
    assert suggestion_for(missed, keep).status == Suggestion.Status.SUGGESTED


def test_merge_drops_the_duplicate_suggestion(pair):
    """Where both entities were suggested on a story, the kept one's stays."""
    keep, merge = pair
    article = ArticleFactory(body="<p>Vladimir Putin, also called V. Putin.</p>")
    suggest_entities(article=article)

    merge_entities(keep=keep, merge=[merge])

    assert list(article.suggestions.values_list("entity__name", flat=True)) == [
        "Vladimir Putin"
    ]


def test_merged_names_are_matched_to_the_kept_entity(pair):
    """After a merge, a story using the old name is suggested the kept entity."""
    keep, merge = pair
    get_matcher()

    merge_entities(keep=keep, merge=[merge])
    article = ArticleFactory(body="<p>Mr Putin spoke.</p>")
    suggest_entities(article=article)

    assert suggestion_for(article, keep).alias == "Mr Putin"


def test_merge_into_an_entity_that_already_has_the_alias():
    """A merged name the kept entity already has as an alias is not added twice."""
    keep = EntityFactory(name="Vladimir Putin")
    AliasFactory(entity=keep, name="Putin")
    merge = EntityFactory(name="Putin", kind=Entity.Kind.OTHER)
    AliasFactory(entity=merge, name="Vlad Putin")

    merge_entities(keep=keep, merge=[merge, keep])

    assert sorted(keep.aliases.values_list("name", flat=True)) == [
        "Putin",
        "Vlad Putin",
    ]
    assert Alias.objects.count() == 2
    assert Entity.objects.get() == keep


def entity_url(slug: str) -> str:
    return reverse("entities:detail", kwargs={"slug": slug})


def test_merged_entity_url_redirects_permanently(pair, client):
    """The merged entity's old address 301s to the kept entity's page."""
    keep, merge = pair
    ArticleFactory(entities=[merge])
    old_slug = merge.slug

    merge_entities(keep=keep, merge=[merge])
    response = client.get(entity_url(old_slug))

    assert response.status_code == 301
    assert response["Location"] == keep.get_absolute_url()
    assert client.get(response["Location"]).status_code == 200


def test_merged_entity_url_is_gone_without_published_story(pair, client):
    """The old address does not reveal a kept entity known only from drafts."""
    keep, merge = pair
    ArticleFactory(draft=True, entities=[merge])
    old_slug = merge.slug

    merge_entities(keep=keep, merge=[merge])

    assert client.get(entity_url(old_slug)).status_code == 404


def test_merge_chain_redirects_to_the_last_entity(client):
    """A merged into B, then B into C: A's old address leads straight to C."""
    a, b, c = (EntityFactory(name=name) for name in ("Alpha", "Beta", "Gamma"))
    ArticleFactory(entities=[a])
    slugs = a.slug, b.slug

    merge_entities(keep=b, merge=[a])
    merge_entities(keep=c, merge=[b])

    for slug in slugs:
        response = client.get(entity_url(slug))
        assert response.status_code == 301
        assert response["Location"] == c.get_absolute_url()
    assert set(EntityRedirect.objects.values_list("old_slug", "entity")) == {
        (slugs[0], c.pk),
        (slugs[1], c.pk),
    }
    assert set(c.aliases.values_list("name", flat=True)) == {"Alpha", "Beta"}


def test_resolve_entity_prefers_the_wikidata_id():
    """An entity with the Wikidata ID is the one, whatever the source calls it."""
    putin = EntityFactory(name="Vladimir Putin", wikidata_id="Q7747")

    found = resolve_entity(
        name="President Putin", kind=Entity.Kind.PERSON, wikidata_id="Q7747"
    )

    assert found == putin
    assert Entity.objects.count() == 1


def test_resolve_entity_by_name_or_alias_of_the_kind(putin):
    """A name or alias of the same kind, in any case, names the entity."""
    assert resolve_entity(name="vladimir putin", kind=Entity.Kind.PERSON) == putin
    assert resolve_entity(name="PUTIN", kind=Entity.Kind.PERSON) == putin
    place = resolve_entity(name="Putin", kind=Entity.Kind.PLACE)
    assert place != putin
    assert place.kind == Entity.Kind.PLACE


def test_resolve_entity_fills_in_a_missing_wikidata_id(putin):
    """An entity found by name learns the Wikidata ID the source gives."""
    resolve_entity(name="Putin", kind=Entity.Kind.PERSON, wikidata_id="Q7747")

    putin.refresh_from_db()
    assert putin.wikidata_id == "Q7747"


def test_resolve_entity_creates_nothing_it_cannot_validate():
    """A new entity that does not fit the model raises and is not saved."""
    with pytest.raises(ValidationError) as excinfo:
        resolve_entity(name="x" * (NAME_LENGTH + 1), kind=Entity.Kind.PERSON)

    assert "name" in excinfo.value.message_dict
    assert not Entity.objects.exists()


def test_import_command_confirms_entities(putin, geneva, tmp_path):
    """import_stories --confirm-entities tags what the matcher finds."""
    (tmp_path / "talks.txt").write_text(
        "Putin arrives | The Gazette\n\nPutin arrives\n\n"
        "Vladimir Putin landed in Geneva.\n"
    )
    (tmp_path / "later.txt").write_text(
        "Geneva talks | The Gazette\n\nGeneva talks\n\nThe talks went on.\n"
    )

    call_command(
        "import_stories",
        str(tmp_path / "talks.txt"),
        "--confirm-entities",
        stdout=StringIO(),
    )
    call_command("import_stories", str(tmp_path / "later.txt"), stdout=StringIO())

    talks = Article.objects.get(headline="Putin arrives")
    later = Article.objects.get(headline="Geneva talks")
    assert tagged(talks) == {"Vladimir Putin": "about", "Geneva": "mentions"}
    assert tagged(later) == {}
    assert later.suggestions.get().entity == geneva
