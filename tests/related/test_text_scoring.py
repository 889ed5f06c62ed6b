"""Related stories found through their words, and entities detected but not
yet confirmed, through the database: publishing, editing, the API, the admin."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles import services
from articles.models import ArticleEntity
from entities import services as entity_services
from entities.models import Suggestion
from related.models import DocumentFrequency, RelatedScore
from related.rebuild import rebuild_related
from related.scoring import COMMON_SHARE, SHARED_SHOWN, SUGGESTED_WEIGHT
from related.services import refresh_related_later
from related.serving import related_articles
from related.text import term_feature
from related.upkeep import suggest
from tests.admin_forms import change_url, form_data
from tests.api.test_articles import detail_url
from tests.factories import ArticleFactory, EntityFactory
from tests.related.helpers import ARCHIVE_SIZE, filler, stored

pytestmark = pytest.mark.django_db

# Two reports of one event in different words, and one of another event; no
# entity in the gazetteer names anything in them.
DAM = {
    "headline": "Reservoir dam collapse buries Brumadinho under mud",
    "dek": "A tailings reservoir at an iron ore mine gave way above the town.",
    "body": (
        "<p>A mining reservoir burst on Friday, sending a torrent of sludge and "
        "tailings through Brumadinho and the valley below the dam.</p>"
        "<p>Firefighters searched the mud for miners buried when the reservoir "
        "wall collapsed during lunch.</p>"
    ),
}
DAM_AGAIN = {
    "headline": "Rescuers dig through Brumadinho sludge after dam collapse",
    "dek": "Hundreds missing after the mine's tailings reservoir collapsed.",
    "body": (
        "<p>Helicopters lifted survivors from the mud as rescuers dug through "
        "sludge that swept from the collapsed reservoir across Brumadinho.</p>"
        "<p>The tailings dam had been declared stable by inspectors last "
        "autumn.</p>"
    ),
}
RATES = {
    "headline": "Central bank raises interest rates to curb inflation",
    "dek": "Borrowing costs climb for households and businesses.",
    "body": (
        "<p>The central bank lifted its benchmark interest rate by half a point, "
        "citing stubborn inflation in services and wages.</p>"
        "<p>Mortgage lenders are expected to pass the increase on.</p>"
    ),
}
VOLCANO = {
    "headline": "Volcano erupts on La Palma as lava reaches the sea",
    "dek": "Lava flows from the Cumbre Vieja eruption destroyed banana farms.",
    "body": (
        "<p>Molten lava poured down the volcano's slopes into the Atlantic, "
        "sending plumes of toxic gas over the island.</p>"
        "<p>Evacuated villagers watched the eruption destroy banana plantations "
        "and hundreds of homes.</p>"
    ),
}
VOLCANO_AGAIN = {
    "headline": "La Palma eruption: lava engulfs banana farms",
    "dek": "The volcano has been erupting for a week.",
    "body": (
        "<p>Rivers of lava from the erupting volcano have engulfed banana "
        "plantations and forced villagers from their homes on the island.</p>"
    ),
}


def words_of(story: dict) -> set[str]:
    found = re.findall(r"[^\W\d_]+", " ".join(story.values()).lower())
    return set(found)


def term_names(shared: dict) -> list[str]:
    return [term["term"] for term in shared["terms"]]


def document_frequencies() -> dict[int, int]:
    """Every counted feature's document frequency, leaving out counts of 0."""
    return dict(DocumentFrequency.objects.filter(df__gt=0).values_list("feature", "df"))


@pytest.fixture
def rates():
    """A published story about interest rates."""
    return ArticleFactory(**RATES)


@pytest.fixture
def dam(rates):
    """A published report of the dam collapse, counted in a rebuild with the
    archive and the rates story."""
    story = ArticleFactory(**DAM)
    rebuild_related()
    return story


def publish(article, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_article(article=article)


class TestSameEventInWords:
    def test_publishing_links_two_reports_of_one_event(
        self, dam, rates, django_capture_on_commit_callbacks
    ):
        """A second report of the dam collapse, sharing no entity, is related to
        the first once published, both ways; the rates story is not."""
        again = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(again, django_capture_on_commit_callbacks)
        assert stored(again)[:1] == [dam]
        assert related_articles(dam)[:1] == [again]
        assert rates not in stored(again)
        assert again not in stored(rates)
        assert not ArticleEntity.objects.filter(content_object__in=[dam, again])

    def test_an_unrelated_story_is_not_linked(
        self, dam, django_capture_on_commit_callbacks
    ):
        """A volcano story published beside the dam report links to neither the
        dam nor the rates story."""
        volcano = ArticleFactory(draft=True, **VOLCANO)
        publish(volcano, django_capture_on_commit_callbacks)
        assert stored(volcano) == []
        assert volcano not in stored(dam)

    def test_rebuild_links_them_as_publishing_does(self, dam):
        """A rebuild finds the same pair."""
        again = ArticleFactory(**DAM_AGAIN)
        rebuild_related()
        assert stored(again)[:1] == [dam]
        assert stored(dam)[:1] == [again]

    def test_suggest_says_which_key_terms_they_share(
        self, dam, django_capture_on_commit_callbacks
    ):
        """The why of a text suggestion lists shared words as written, strongest
        first, each with what it added."""
        again = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(again, django_capture_on_commit_callbacks)
        [suggestion] = [s for s in suggest(again) if s.target_id == dam.pk]
        names = term_names(suggestion.shared)
        assert "reservoir" in names
        assert suggestion.shared["entities"] == []
        assert suggestion.shared["tags"] == []
        # Words as the story writes them, not stems ("collaps") or numbers.
        assert set(names) <= words_of(DAM_AGAIN)
        assert len(names) == SHARED_SHOWN
        weights = [term["weight"] for term in suggestion.shared["terms"]]
        assert weights == sorted(weights, reverse=True)
        assert all(weight > 0 for weight in weights)
        # The strongest few of what the score adds up.
        assert sum(weights) <= suggestion.score + 0.01

    def test_stored_lists_say_why_too(self, dam, django_capture_on_commit_callbacks):
        """The stored suggestion, in both stories' lists, names the shared words."""
        again = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(again, django_capture_on_commit_callbacks)
        for article, target in [(again, dam), (dam, again)]:
            row = RelatedScore.objects.get(article=article, target=target)
            assert "reservoir" in term_names(row.shared)

    def test_api_why_lists_the_key_terms(
        self, dam, partner_client, django_capture_on_commit_callbacks
    ):
        """/api/v1/articles/{id}/related/ gives the shared words in why.terms."""
        again = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(again, django_capture_on_commit_callbacks)
        response = partner_client.get(f"{detail_url(dam)}related/")
        assert response.status_code == 200
        [first, *_] = response.json()
        assert first["id"] == again.pk
        assert first["why"]["entities"] == []
        assert first["shared_entities"] == []
        terms = term_names(first["why"])
        assert "reservoir" in terms
        assert set(terms) <= words_of(DAM) | words_of(DAM_AGAIN)

    def test_admin_shows_the_key_terms(
        self, dam, editor_client, django_capture_on_commit_callbacks
    ):
        """The story form's suggestions panel shows 'Key terms:' with the words."""
        again = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(again, django_capture_on_commit_callbacks)
        response = editor_client.get(
            reverse("admin:articles_article_change", args=[dam.pk])
        )
        content = response.content.decode()
        assert DAM_AGAIN["headline"] in content
        panel = content[content.index("Key terms:") :]
        assert "reservoir" in panel[: panel.index("</div>")]


class TestCommonWords:
    @pytest.mark.parametrize(("others", "linked"), [(0, True), (10, False)])
    def test_a_word_most_stories_use_links_nothing(self, others, linked):
        """Two stories sharing only 'lighthouse' are related while it is rare,
        and not once more than COMMON_SHARE of the archive uses it."""
        one = ArticleFactory(
            headline="Lighthouse keeper retires",
            dek="",
            body="<p>After forty winters, the keeper handed over the keys.</p>",
        )
        two = ArticleFactory(
            headline="Lighthouse restored",
            dek="",
            body="<p>Volunteers repainted the tower's red stripes.</p>",
        )
        for n in range(others):
            ArticleFactory(
                headline=f"Lighthouse {chr(ord('a') + n) * 3}", dek="", body=""
            )
        rebuild_related()
        total = ARCHIVE_SIZE + 2 + others
        df = DocumentFrequency.objects.get(feature=term_feature("en", "lighthous")).df
        assert (df > COMMON_SHARE * total) is not linked
        assert (two in stored(one)) is linked
        assert (two.pk in [s.target_id for s in suggest(one)]) is linked


class TestEditingText:
    def test_changing_the_body_moves_the_story_between_lists(
        self, dam, editor_client, django_capture_on_commit_callbacks
    ):
        """A story rewritten from the dam to the volcano, saved in the admin,
        leaves the dam story's list and enters the volcano story's."""
        volcano = ArticleFactory(draft=True, **VOLCANO)
        publish(volcano, django_capture_on_commit_callbacks)
        story = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(story, django_capture_on_commit_callbacks)
        assert story in stored(dam)
        assert story not in stored(volcano)

        response = editor_client.get(change_url(story))
        data = form_data(response, **VOLCANO_AGAIN)
        # Saved first: a live story's edits wait, and its lists stay.
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(change_url(story), data)
        assert response.status_code == 302
        assert story in stored(dam)

        response = editor_client.get(change_url(story))
        data = form_data(response, _publish="Publish changes")
        with django_capture_on_commit_callbacks(execute=True):
            response = editor_client.post(change_url(story), data)
        assert response.status_code == 302

        story.refresh_from_db()
        assert story.headline == VOLCANO_AGAIN["headline"]
        assert story not in stored(dam)
        assert story in stored(volcano)
        assert stored(story)[:1] == [volcano]
        [row] = RelatedScore.objects.filter(article=volcano, target=story)
        assert "lava" in term_names(row.shared)

    def test_document_frequencies_follow_the_words(
        self, dam, django_capture_on_commit_callbacks
    ):
        """Rewriting a published story takes one off the counts of the words it
        lost and adds one to the words it gained; the counts kept equal those of
        a rebuild."""
        story = ArticleFactory(draft=True, **DAM_AGAIN)
        publish(story, django_capture_on_commit_callbacks)
        lost = term_feature("en", "sludg")
        gained = term_feature("en", "lava")
        kept = term_feature("en", "brumadinho")
        before = document_frequencies()
        assert (before[lost], before.get(gained, 0), before[kept]) == (2, 0, 2)

        story.headline = "Brumadinho: lava-like mud"
        story.dek = ""
        story.body = "<p>The lava of mining towns.</p>"
        story.save()
        with django_capture_on_commit_callbacks(execute=True):
            refresh_related_later(article=story)

        after = document_frequencies()
        assert after.get(lost, 0) == before[lost] - 1
        assert after[gained] == 1
        assert after[kept] == before[kept]
        assert after.get(term_feature("en", "helicopt"), 0) == 0
        rebuild_related()
        assert document_frequencies() == after

    def test_kept_counts_equal_a_rebuild_after_publish_edit_and_withdraw(
        self, dam, django_capture_on_commit_callbacks
    ):
        """Publishing, editing and withdrawing stories of words leave every
        document frequency as a rebuild counts it."""
        one = ArticleFactory(draft=True, **DAM_AGAIN)
        two = ArticleFactory(draft=True, **VOLCANO)
        publish(one, django_capture_on_commit_callbacks)
        publish(two, django_capture_on_commit_callbacks)
        one.body = VOLCANO_AGAIN["body"]
        one.save()
        with django_capture_on_commit_callbacks(execute=True):
            refresh_related_later(article=one)
        with django_capture_on_commit_callbacks(execute=True):
            services.withdraw_article(article=two)
        kept = document_frequencies()
        rebuild_related()
        assert document_frequencies() == kept


def suggested(article, entity) -> Suggestion:
    """An entity the matcher found in `article`, waiting for an editor."""
    return Suggestion.objects.create(
        article=article, entity=entity, relevance=ArticleEntity.Relevance.ABOUT
    )


def scores(article) -> dict[int, float]:
    return dict(
        RelatedScore.objects.filter(article=article).values_list("target_id", "score")
    )


class TestDetectedEntities:
    def test_a_confirmed_entity_outranks_the_same_one_only_suggested(self):
        """Sharing a confirmed entity counts; sharing it as a suggestion no
        editor has decided counts SUGGESTED_WEIGHT of that."""
        assert 0 < SUGGESTED_WEIGHT < 1
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        confirmed = ArticleFactory(entities=[entity])
        only_suggested = ArticleFactory()
        suggested(only_suggested, entity)
        rebuild_related()
        assert stored(story) == [confirmed, only_suggested]
        found = scores(story)
        assert found[only_suggested.pk] == pytest.approx(
            SUGGESTED_WEIGHT * found[confirmed.pk], rel=1e-3
        )
        [why] = RelatedScore.objects.get(article=story, target=only_suggested).shared[
            "entities"
        ]
        assert why["name"] == entity.name

    def test_publishing_a_story_with_a_suggested_entity_links_it_lower(
        self, django_capture_on_commit_callbacks
    ):
        """Kept up by publishing, a story sharing an entity only as a suggestion
        enters the list below one sharing it confirmed."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        confirmed = ArticleFactory(entities=[entity])
        rebuild_related()
        draft = ArticleFactory(draft=True)
        suggested(draft, entity)
        publish(draft, django_capture_on_commit_callbacks)
        assert stored(story) == [confirmed, draft]
        # Scored now, with the same counts (the stored pair predates the draft).
        found = {s.target_id: s.score for s in suggest(story)}
        assert found[draft.pk] == pytest.approx(
            SUGGESTED_WEIGHT * found[confirmed.pk], rel=1e-3
        )
        assert {s.target_id for s in suggest(draft)} == {story.pk, confirmed.pk}

    def test_a_suggestion_on_the_scored_story_counts_too(self):
        """The story's own detected entities find candidates, at lower weight."""
        entity = EntityFactory()
        story = ArticleFactory()
        suggested(story, entity)
        other = ArticleFactory(entities=[entity])
        assert [s.target_id for s in suggest(story)] == [other.pk]

    def test_rejecting_a_suggestion_removes_the_link(
        self, django_capture_on_commit_callbacks
    ):
        """A rejected suggestion never counts: the link it made disappears, and
        stays gone after a rebuild."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory()
        suggestion = suggested(other, entity)
        rebuild_related()
        assert stored(story) == [other]

        with django_capture_on_commit_callbacks(execute=True):
            entity_services.reject_suggestion(suggestion=suggestion)

        assert stored(story) == []
        assert stored(other) == []
        assert suggest(story) == []
        rebuild_related()
        assert stored(story) == []

    def test_rejecting_a_confirmed_entity_removes_the_link(
        self, django_capture_on_commit_callbacks
    ):
        """Rejecting what was confirmed drops the tag and the link with it."""
        entity = EntityFactory()
        story = ArticleFactory(entities=[entity])
        other = ArticleFactory()
        suggestion = suggested(other, entity)
        with django_capture_on_commit_callbacks(execute=True):
            entity_services.confirm_suggestion(suggestion=suggestion)
        assert stored(story) == [other]

        with django_capture_on_commit_callbacks(execute=True):
            entity_services.reject_suggestion(suggestion=suggestion)

        assert stored(story) == []
        assert related_articles(story) == []

    def test_confirming_moves_the_story_up(self, django_capture_on_commit_callbacks):
        """A story below another while its entity is only suggested rises above
        it once an editor confirms the entity."""
        rare, commoner = EntityFactory.create_batch(2)
        story = ArticleFactory(entities=[rare, commoner])
        by_commoner = ArticleFactory(entities=[commoner])
        filler(2, commoner)
        by_rare = ArticleFactory()
        suggestion = suggested(by_rare, rare)
        rebuild_related()
        ranked = stored(story)
        assert ranked.index(by_commoner) < ranked.index(by_rare)
        before = scores(story)[by_rare.pk]

        with django_capture_on_commit_callbacks(execute=True):
            entity_services.confirm_suggestion(suggestion=suggestion)

        ranked = stored(story)
        assert ranked.index(by_rare) < ranked.index(by_commoner)
        assert scores(story)[by_rare.pk] == pytest.approx(
            before / SUGGESTED_WEIGHT, rel=1e-3
        )
        assert related_articles(story)[0] == by_rare
