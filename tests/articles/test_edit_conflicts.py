"""Two people on one story: a save based on an out-of-date version is refused
with what changed, and the one-click panel buttons save the form's edits."""

from __future__ import annotations

import pytest

from articles.forms import CONFLICT_MESSAGE
from articles.models import Article
from entities.models import Entity, Suggestion
from entities.services import suggest_entities
from related.models import RelatedLink
from tests.admin_forms import change_url, client_for, form_data
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    # A draft: its saves write the story (a live story's are staged, see
    # tests/articles/test_revisions.py for conflicts over those).
    return ArticleFactory(
        draft=True,
        headline="Talks resume",
        byline="Staff",
        dateline="Geneva",
        body="<p>Delegates met on Monday.</p>",
    )


@pytest.fixture
def desks():
    alice = EditorFactory(username="alice")
    bob = EditorFactory(username="bob")
    return alice, bob


def test_a_stale_save_is_refused_and_shows_what_changed(story, desks):
    """A and B open the story; A changes the byline and saves; B's dateline
    save is refused, A's byline kept, and B's text stays in the form."""
    alice, bob = desks
    a, b = client_for(alice), client_for(bob)
    opened_a = a.get(change_url(story))
    opened_b = b.get(change_url(story))

    saved = a.post(change_url(story), form_data(opened_a, byline="Alice Reporter"))
    assert saved.status_code == 302

    refused = b.post(change_url(story), form_data(opened_b, dateline="Bern"))

    assert refused.status_code == 200
    content = refused.content.decode()
    assert CONFLICT_MESSAGE in content
    assert 'id="edit-conflict"' in content
    assert "alice" in content
    assert "Alice Reporter" in content  # what is saved now
    assert 'value="Bern"' in content  # B's own text, still in the form
    story.refresh_from_db()
    assert (story.byline, story.dateline) == ("Alice Reporter", "Geneva")
    assert story.edited_by == alice


def test_save_mine_anyway_keeps_the_editors_text(story, desks):
    """After the refusal, saving again is deliberate and goes through."""
    alice, bob = desks
    a, b = client_for(alice), client_for(bob)
    opened_a = a.get(change_url(story))
    opened_b = b.get(change_url(story))
    a.post(change_url(story), form_data(opened_a, byline="Alice Reporter"))
    refused = b.post(change_url(story), form_data(opened_b, dateline="Bern"))

    # The refused form as posted, with the version it now stands on.
    resent = refused.context["adminform"].form.data.dict()
    assert resent["edit_base"] != form_data(opened_b)["edit_base"]
    again = b.post(change_url(story), {**resent, "_continue": "Save mine anyway"})

    assert again.status_code == 302
    story.refresh_from_db()
    assert story.dateline == "Bern"
    assert story.edited_by == bob


def test_a_save_after_your_own_is_no_conflict(story, editor_client):
    """Saving twice in a row from the page each save returns to is fine."""
    opened = editor_client.get(change_url(story))
    editor_client.post(
        change_url(story), form_data(opened, byline="One", _continue="1")
    )
    reopened = editor_client.get(change_url(story))
    saved = editor_client.post(change_url(story), form_data(reopened, byline="Two"))

    assert saved.status_code == 302
    story.refresh_from_db()
    assert story.byline == "Two"


def test_a_save_that_changed_no_field_is_no_conflict(story, editor_client):
    """A save elsewhere that left the form's fields as they were (a background
    save) does not stop the editor."""
    opened = editor_client.get(change_url(story))
    Article.objects.get(pk=story.pk).save()

    saved = editor_client.post(change_url(story), form_data(opened, byline="Mine"))

    assert saved.status_code == 302
    story.refresh_from_db()
    assert story.byline == "Mine"


def test_a_tampered_version_is_treated_as_stale(story, editor_client):
    opened = editor_client.get(change_url(story))
    Article.objects.filter(pk=story.pk).update(byline="Someone")

    refused = editor_client.post(
        change_url(story), form_data(opened, edit_base="forged", byline="Mine")
    )

    assert refused.status_code == 200
    story.refresh_from_db()
    assert story.byline == "Someone"


class TestPanelButtonsSaveTheForm:
    def test_confirm_saves_the_standfirst_edit_too(self, editor_client, geneva):
        article = ArticleFactory(
            draft=True,
            headline="Talks resume",
            body="<p>Delegates met in Geneva on Monday.</p>",
        )
        suggest_entities(article=article)
        suggestion = Suggestion.objects.get(article=article, entity=geneva)
        opened = editor_client.get(change_url(article))
        assert (
            f'name="_action" value="confirm:{suggestion.pk}">Confirm</button>'
            in opened.content.decode()
        )

        response = editor_client.post(
            change_url(article),
            form_data(
                opened, dek="A new standfirst", _action=f"confirm:{suggestion.pk}"
            ),
        )

        assert response.status_code == 302
        assert response["Location"] == change_url(article)
        article.refresh_from_db()
        assert article.dek == "A new standfirst"
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.CONFIRMED
        assert geneva in article.entities.all()

    def test_an_invalid_form_acts_on_nothing(self, editor_client, geneva):
        article = ArticleFactory(draft=True, body="<p>Delegates met in Geneva.</p>")
        suggest_entities(article=article)
        suggestion = Suggestion.objects.get(article=article, entity=geneva)
        opened = editor_client.get(change_url(article))

        response = editor_client.post(
            change_url(article),
            form_data(opened, headline="", _action=f"confirm:{suggestion.pk}"),
        )

        assert response.status_code == 200
        assert "This field is required." in response.content.decode()
        suggestion.refresh_from_db()
        assert suggestion.status == Suggestion.Status.SUGGESTED

    def test_a_stale_form_acts_on_nothing(self, story, desks, geneva):
        alice, bob = desks
        suggest_entities(article=story)  # "Geneva" is the dateline only
        a, b = client_for(alice), client_for(bob)
        opened_a, opened_b = a.get(change_url(story)), b.get(change_url(story))
        a.post(change_url(story), form_data(opened_a, byline="Alice Reporter"))
        other = ArticleFactory(headline="Earlier talks")

        refused = b.post(
            change_url(story), form_data(opened_b, _action=f"pin:{other.pk}")
        )

        assert refused.status_code == 200
        assert not RelatedLink.objects.filter(article=story).exists()

    def test_pin_saves_the_byline_edit_too(self, editor_client, story):
        other = ArticleFactory(headline="Earlier talks")
        opened = editor_client.get(change_url(story))

        response = editor_client.post(
            change_url(story),
            form_data(opened, byline="Desk", _action=f"pin:{other.pk}"),
        )

        assert response.status_code == 302
        story.refresh_from_db()
        assert story.byline == "Desk"
        assert RelatedLink.objects.filter(article=story, target=other).exists()

    def test_create_entity_from_a_candidate_saves_the_headline(self, editor_client):
        article = ArticleFactory(
            draft=True, body="<p>Anna Kowalski spoke on Monday.</p>"
        )
        suggest_entities(article=article)
        candidate = article.candidates.get(name="Anna Kowalski")
        opened = editor_client.get(change_url(article))

        response = editor_client.post(
            change_url(article),
            form_data(
                opened,
                headline="Kowalski speaks",
                **{f"candidate-kind-{candidate.pk}": Entity.Kind.PERSON},
                _action=f"create:{candidate.pk}",
            ),
        )

        assert response.status_code == 302
        article.refresh_from_db()
        assert article.headline == "Kowalski speaks"
        assert Entity.objects.filter(name="Anna Kowalski").exists()

    @pytest.mark.parametrize("action", ["nothing:1", "confirm:x", "confirm:999999"])
    def test_an_unknown_action_is_no_500(self, editor_client, story, action):
        opened = editor_client.get(change_url(story))

        response = editor_client.post(
            change_url(story), form_data(opened, _action=action)
        )

        assert response.status_code in (400, 404)
        story.refresh_from_db()


def test_the_form_says_who_else_is_editing(story, desks):
    alice, bob = desks
    a, b = client_for(alice), client_for(bob)

    first = a.get(change_url(story))
    second = b.get(change_url(story))
    again = a.get(change_url(story))

    assert 'id="also-editing"' not in first.content.decode()
    assert "Also editing this story in the last two minutes: alice." in (
        second.content.decode()
    )
    assert "Also editing this story in the last two minutes: bob." in (
        again.content.decode()
    )
