from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles.models import Article, ArticleEntity
from entities.admin import render_suggestions, sentence_of
from entities.matcher import invalidate_matcher
from entities.models import Alias, Candidate, Entity, EntityRedirect, Suggestion
from entities.services import confirm_suggestion, suggest_entities
from related.rebuild import rebuild_related
from tests.admin_forms import change_url, form_data, press
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    EditorFactory,
    EntityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADD = "/admin/articles/article/add/"
QUEUE = "/admin/entities/suggestion/"
ENTITIES = "/admin/entities/entity/"


@pytest.fixture
def story(geneva):
    """A story naming Geneva and an unknown person, with suggestions recorded."""
    article = ArticleFactory(
        headline="Talks resume",
        body="<p>Delegates met in Geneva with Anna Kowalski on Monday.</p>",
    )
    suggest_entities(article=article)
    return article


def suggestion_for(article: Article, entity: Entity) -> Suggestion:
    return Suggestion.objects.get(article=article, entity=entity)


def test_change_page_shows_the_review_panel(editor_client, story):
    """The story's change page lists suggestions in context with one-click buttons."""
    suggestion = suggestion_for(story, Entity.objects.get(name="Geneva"))

    response = editor_client.get(change_url(story))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="entity-suggestions"' in content
    assert "<strong>Geneva</strong>" in content
    assert "Delegates met in <mark>Geneva</mark> with Anna Kowalski" in content
    # The buttons submit the story form itself: its edits are saved first.
    assert f'name="_action" value="confirm:{suggestion.pk}">Confirm</button>' in (
        content
    )
    assert f'name="_action" value="reject:{suggestion.pk}">Reject</button>' in (content)
    candidate = story.candidates.get(name="Anna Kowalski")
    assert f'name="candidate-kind-{candidate.pk}"' in content
    assert f'name="_action" value="create:{candidate.pk}"' in content


@pytest.mark.parametrize("count", [1, 10])
def test_change_page_query_count(editor_client, django_assert_max_num_queries, count):
    """The panel costs the same queries for 1 or 10 suggestions and candidates."""
    entities = [EntityFactory(name=f"Person Number{n}") for n in range(count)]
    invalidate_matcher()
    body = "".join(
        f"<p>{entity.name} met Anna Kowalski{n} Smith.</p>"
        for n, entity in enumerate(entities)
    )
    article = ArticleFactory(body=body)
    suggest_entities(article=article)
    assert article.suggestions.count() == count
    assert article.candidates.count() == count
    # The archive's words are counted once, on first use.
    rebuild_related()

    # 19, one for the story's corrections inline, one for its topic tags, one
    # for the Admin-role check of the index (22 before autosave), and one for
    # the editor's working copy (articles.autosave); two for the authors
    # inline and the byline panel.
    with django_assert_max_num_queries(25):
        response = editor_client.get(change_url(article))

    assert response.status_code == 200
    assert response.content.decode().count(">Confirm</button>") == count


def test_panel_escapes_story_text(editor_client):
    """Text around a mention is escaped in the panel."""
    entity = EntityFactory(name="Geneva")
    invalidate_matcher()
    article = ArticleFactory(
        headline="<b>Geneva</b> & more",
        body="<p>Nothing here.</p>",
    )
    suggest_entities(article=article)

    panel = render_suggestions(article)

    assert entity.name in panel
    assert "&lt;b&gt;<mark>Geneva</mark>&lt;/b&gt; &amp; more" in panel


def test_panel_for_a_story_without_findings(editor_client):
    """A story with nothing found says so instead of an empty panel."""
    article = ArticleFactory(body="<p>quiet day.</p>", headline="quiet")
    suggest_entities(article=article)

    assert render_suggestions(article) == "No entities found in this story yet."


def test_confirm_button_tags_the_story(editor_client, story, geneva):
    """Confirm tags the story and returns to its change page."""
    suggestion = suggestion_for(story, geneva)

    response = press(editor_client, story, f"confirm:{suggestion.pk}")

    assert response.status_code == 302
    assert response["Location"] == change_url(story)
    link = ArticleEntity.objects.get(content_object=story, tag=geneva)
    assert link.relevance == "mentions"
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.CONFIRMED


def test_reject_button_rejects(editor_client, story, geneva):
    """Reject marks the suggestion rejected; the panel lists it as decided."""
    suggestion = suggestion_for(story, geneva)

    response = press(editor_client, story, f"reject:{suggestion.pk}")

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert not ArticleEntity.objects.filter(content_object=story).exists()
    content = editor_client.get(change_url(story)).content.decode()
    assert "Geneva <small>(rejected)</small>" in content


def test_the_old_panel_urls_are_gone(editor_client, story, geneva):
    """The stand-alone decide and candidate URLs the buttons used to post to
    no longer exist: the buttons are the story form's own."""
    suggestion = suggestion_for(story, geneva)
    candidate = story.candidates.get(name="Anna Kowalski")

    for url in (
        f"{QUEUE}{suggestion.pk}/confirm/",
        f"{QUEUE}candidate/{candidate.pk}/create/",
    ):
        assert editor_client.post(url).status_code in (301, 302, 404)
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.SUGGESTED
    assert not Entity.objects.filter(name="Anna Kowalski").exists()


def test_candidate_create_with_chosen_kind(editor_client, story):
    """Creating from a candidate uses the kind chosen next to it and tags the story."""
    candidate = story.candidates.get(name="Anna Kowalski")
    assert candidate.kind == Entity.Kind.OTHER

    response = press(
        editor_client,
        story,
        f"create:{candidate.pk}",
        **{f"candidate-kind-{candidate.pk}": "person"},
    )

    assert response.status_code == 302
    entity = Entity.objects.get(name="Anna Kowalski")
    assert entity.kind == Entity.Kind.PERSON
    assert ArticleEntity.objects.filter(content_object=story, tag=entity).exists()
    assert not Candidate.objects.filter(pk=candidate.pk).exists()


def test_candidate_create_ignores_unknown_kind(editor_client, story):
    """An unknown kind falls back to the guessed one."""
    candidate = story.candidates.get(name="Anna Kowalski")

    press(
        editor_client,
        story,
        f"create:{candidate.pk}",
        **{f"candidate-kind-{candidate.pk}": "spaceship"},
    )

    assert Entity.objects.get(name="Anna Kowalski").kind == Entity.Kind.OTHER


def test_candidate_dismiss(editor_client, story):
    """Dismissing hides the candidate from the panel and from later runs."""
    candidate = story.candidates.get(name="Anna Kowalski")

    response = press(editor_client, story, f"dismiss:{candidate.pk}")

    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.dismissed
    assert not Entity.objects.filter(name="Anna Kowalski").exists()
    suggest_entities(article=story)
    assert f"candidate-kind-{candidate.pk}" not in render_suggestions(
        story, allowed={"create"}
    )
    assert list(story.candidates.values_list("name", "dismissed")) == [
        ("Anna Kowalski", True)
    ]


def test_candidates_show_their_sentence_escaped(editor_client):
    """Each candidate shows the sentence it is in, escaped, as the queue does."""
    article = ArticleFactory(
        headline="Talks resume",
        body="<p>First line. Then Anna Kowalski said &lt;no&gt; to it. Later.</p>",
    )
    suggest_entities(article=article)

    content = editor_client.get(change_url(article)).content.decode()

    assert (
        '<q class="candidate-sentence">Then Anna Kowalski said &lt;no&gt; to it.</q>'
        in content
    )


def test_saving_through_the_add_form_suggests_entities(editor_client, geneva):
    """A story saved through the admin gets its suggestions at once."""
    form = editor_client.get(ADD)

    response = editor_client.post(
        ADD,
        form_data(
            form,
            headline="Talks in Geneva",
            body="<p>Delegates met in Geneva with Anna Kowalski.</p>",
            status="draft",
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get(headline="Talks in Geneva")
    suggestion = suggestion_for(article, geneva)
    assert (suggestion.status, suggestion.relevance) == ("suggested", "about")
    assert not ArticleEntity.objects.filter(content_object=article).exists()
    assert list(article.candidates.values_list("name", flat=True)) == ["Anna Kowalski"]


def test_saving_through_the_change_form_refreshes_suggestions(
    editor_client, story, geneva
):
    """Editing the text in the admin drops suggestions it no longer supports
    (once published: a live story's edits wait as unpublished changes)."""
    form = editor_client.get(change_url(story))

    response = editor_client.post(
        change_url(story),
        form_data(form, body="<p>Delegates met.</p>", _publish="Publish changes"),
    )

    assert response.status_code == 302, response.context["errors"]
    assert not story.suggestions.exists()
    assert not story.candidates.exists()


@pytest.mark.parametrize("count", [1, 20])
def test_review_queue_query_count(editor_client, django_assert_max_num_queries, count):
    """The review queue costs the same queries for 1 or 20 suggestions."""
    entity = EntityFactory(name="Geneva")
    invalidate_matcher()
    for _ in range(count):
        suggest_entities(article=ArticleFactory(body="<p>In Geneva.</p>"))

    with django_assert_max_num_queries(8):
        response = editor_client.get(QUEUE)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    assert entity.name in response.content.decode()


def test_review_queue_confirm_action(editor_client, geneva):
    """The queue's confirm action tags each selected story."""
    stories = ArticleFactory.create_batch(2, body="<p>In Geneva.</p>")
    for article in stories:
        suggest_entities(article=article)

    response = editor_client.post(
        QUEUE,
        {
            "action": "confirm",
            "_selected_action": [str(s.pk) for s in Suggestion.objects.all()],
        },
    )

    assert response.status_code == 302
    assert ArticleEntity.objects.filter(tag=geneva).count() == 2
    assert set(Suggestion.objects.values_list("status", flat=True)) == {"confirmed"}


def test_review_queue_reject_action(editor_client, geneva):
    """The queue's reject action rejects each selected suggestion."""
    article = ArticleFactory(body="<p>In Geneva.</p>")
    suggest_entities(article=article, confirm=True)

    # From the queue's "Confirmed" filter: the action sees that list's rows.
    response = editor_client.post(
        f"{QUEUE}?status=confirmed",
        {
            "action": "reject",
            "_selected_action": [str(s.pk) for s in Suggestion.objects.all()],
        },
    )

    assert response.status_code == 302
    assert suggestion_for(article, geneva).status == Suggestion.Status.REJECTED
    assert not ArticleEntity.objects.exists()


def test_review_queue_cannot_add(editor_client):
    """Suggestions come from the matcher, never from an add form."""
    assert editor_client.get(f"{QUEUE}add/").status_code == 403


@pytest.fixture
def duplicates():
    keep = EntityFactory(name="Vladimir Putin")
    other = EntityFactory(name="V. Putin")
    AliasFactory(entity=other, name="Mr Putin")
    ArticleFactory.create_batch(2, entities=[keep])
    ArticleFactory(entities=[other])
    return keep, other


def test_merge_action_asks_which_to_keep(editor_client, duplicates):
    """The merge action first shows the entities, the busiest offered as keeper."""
    keep, other = duplicates

    response = editor_client.post(
        ENTITIES,
        {"action": "merge", "_selected_action": [str(other.pk), str(keep.pk)]},
    )

    assert response.status_code == 200
    assert [e.pk for e in response.context["entities"]] == [keep.pk, other.pk]
    content = response.content.decode()
    assert f'name="keep" value="{keep.pk}" checked' in content
    assert f'name="keep" value="{other.pk}" >' in content
    assert Entity.objects.count() == 2


def test_merge_action_merges_into_the_chosen_entity(editor_client, duplicates):
    """Posting the choice merges the others into the kept entity."""
    keep, other = duplicates

    response = editor_client.post(
        ENTITIES,
        {
            "action": "merge",
            "_selected_action": [str(keep.pk), str(other.pk)],
            "keep": str(keep.pk),
        },
    )

    assert response.status_code == 302
    assert list(Entity.objects.all()) == [keep]
    assert ArticleEntity.objects.filter(tag=keep).count() == 3
    assert set(keep.aliases.values_list("name", flat=True)) == {"V. Putin", "Mr Putin"}
    assert EntityRedirect.objects.get().old_slug == other.slug
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Merged V. Putin into Vladimir Putin; their pages now redirect there."
    ]


def test_merge_action_refuses_a_keeper_not_selected(editor_client, duplicates):
    """The kept entity must be one of those selected."""
    keep, other = duplicates
    stranger = EntityFactory(name="Someone Else")

    response = editor_client.post(
        ENTITIES,
        {
            "action": "merge",
            "_selected_action": [str(keep.pk), str(other.pk)],
            "keep": str(stranger.pk),
        },
    )

    assert response.status_code == 403
    assert Entity.objects.count() == 3


def test_merge_action_needs_two_entities(editor_client, duplicates):
    """Merging a single entity is refused with a warning and changes nothing."""
    keep, _ = duplicates

    response = editor_client.post(
        ENTITIES,
        {"action": "merge", "_selected_action": [str(keep.pk)], "keep": str(keep.pk)},
        follow=True,
    )

    assert "Select at least two entities to merge." in response.content.decode()
    assert Entity.objects.count() == 2


def test_alias_clean_names_the_entity_that_has_the_alias():
    """An alias already used by another entity of the kind is refused, naming both."""
    bibi = EntityFactory(name="Benjamin Netanyahu")
    AliasFactory(entity=bibi, name="Netanyahu")
    other = EntityFactory(name="Iddo Netanyahu")

    with pytest.raises(ValidationError) as error:
        Alias(entity=other, name="Netanyahu").full_clean()

    assert error.value.message_dict["name"] == [
        "“Netanyahu” is already an alias of “Benjamin Netanyahu”; "
        "it cannot also name “Iddo Netanyahu”."
    ]


def test_alias_clean_names_the_entity_with_that_name():
    """An alias equal to another entity's name of the same kind is refused."""
    EntityFactory(name="Geneva", kind=Entity.Kind.PLACE)
    city = EntityFactory(name="Genf", kind=Entity.Kind.PLACE)

    with pytest.raises(ValidationError) as error:
        Alias(entity=city, name="Geneva").full_clean()

    assert error.value.message_dict["name"] == [
        "“Geneva” is the name of “Geneva” (place); it cannot also name “Genf”."
    ]


def test_alias_clean_allows_the_name_for_another_kind():
    """The same words may name entities of different kinds."""
    EntityFactory(name="Georgia", kind=Entity.Kind.PLACE)
    person = EntityFactory(name="Georgia Smith", kind=Entity.Kind.PERSON)

    Alias(entity=person, name="Georgia").full_clean()


def test_entity_admin_shows_alias_clash(editor_client):
    """Adding a clashing alias in the entity admin shows the message naming both."""
    bibi = EntityFactory(name="Benjamin Netanyahu")
    AliasFactory(entity=bibi, name="Netanyahu")
    other = EntityFactory(name="Iddo Netanyahu")
    url = f"{ENTITIES}{other.pk}/change/"
    form = editor_client.get(url)

    response = editor_client.post(
        url,
        form_data(
            form,
            **{"aliases-TOTAL_FORMS": "1", "aliases-0-name": "Netanyahu"},
        ),
    )

    assert response.status_code == 200
    assert (
        "“Netanyahu” is already an alias of “Benjamin Netanyahu”; "
        "it cannot also name “Iddo Netanyahu”."
    ) in response.content.decode()
    assert not other.aliases.exists()


def test_editor_factory_can_review():
    """The desk editor has the permissions the review panel needs."""
    editor = EditorFactory()

    assert editor.has_perm("articles.change_article")
    assert editor.has_perm("entities.add_entity")


# The review queue as issue 11 found it.


@pytest.fixture
def three_waiting(geneva):
    stories = [
        ArticleFactory(
            headline=f"Talks {n}",
            body=f"<p>First line. Delegates {n} met in Geneva on Monday. Then.</p>",
        )
        for n in range(3)
    ]
    for article in stories:
        suggest_entities(article=article)
    return stories


def test_queue_opens_on_suggested(editor_client, three_waiting, geneva):
    """Without a filter the queue lists what waits; "All" lists every row."""
    decided = three_waiting[0].suggestions.get()
    confirm_suggestion(suggestion=decided)

    response = editor_client.get(QUEUE)

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 2
    assert all(row.status == Suggestion.Status.SUGGESTED for row in rows)
    everything = editor_client.get(QUEUE, {"status": "all"})
    rows = list(everything.context["cl"].result_list)
    assert len(rows) == 3
    # What still waits comes first.
    assert rows[-1] == decided
    assert 'href="?status=all"' in everything.content.decode()


def test_queue_entity_link_opens_a_page(editor_client, three_waiting):
    """The entity's link in a row opens the row's page (GET), never a 405."""
    suggestion = three_waiting[0].suggestions.get()
    change = reverse("admin:entities_suggestion_change", args=[suggestion.pk])
    assert f'href="{change}' in editor_client.get(QUEUE).content.decode()

    response = editor_client.get(change)

    assert response.status_code == 200
    assert "Delegates 0 met in Geneva on Monday." in response.content.decode()


def test_bulk_confirm_reports_the_true_count(editor_client, three_waiting):
    """Confirming 3 under the Suggested filter says 3, not 0."""
    response = editor_client.post(
        f"{QUEUE}?status=suggested",
        {
            "action": "confirm",
            "_selected_action": [str(s.pk) for s in Suggestion.objects.all()],
        },
        follow=True,
    )

    assert "Confirmed 3 suggestions." in response.content.decode()
    assert not Suggestion.objects.filter(status=Suggestion.Status.SUGGESTED).exists()


def test_bulk_reject_says_one_suggestion(editor_client, three_waiting):
    one = three_waiting[0].suggestions.get()
    response = editor_client.post(
        QUEUE, {"action": "reject", "_selected_action": [str(one.pk)]}, follow=True
    )
    assert "Rejected 1 suggestion." in response.content.decode()


def test_queue_shows_the_sentence_escaped(editor_client, geneva):
    """Each row shows the sentence of the mention, escaped and trimmed."""
    long = "word " * 80
    ArticleFactory(
        body="<p>Before. A &lt;b&gt; in Geneva today. After.</p>"
        f"<p>{long}Geneva {long}</p>"
    )
    for article in Article.objects.all():
        suggest_entities(article=article)

    content = editor_client.get(QUEUE).content.decode()

    assert "A &lt;b&gt; in Geneva today." in content
    assert "Before." not in content


def test_sentence_of_a_long_paragraph_keeps_the_mention(geneva):
    long = "word " * 80
    article = ArticleFactory(body=f"<p>{long}Geneva {long}</p>")
    suggest_entities(article=article)

    sentence = sentence_of(article.suggestions.get())

    assert "Geneva" in sentence
    assert len(sentence) <= 200


def test_queue_row_buttons_decide_and_keep_filters(
    editor_client, three_waiting, geneva
):
    """Confirm and Reject in a row post with the CSRF token and come back to
    the same filtered list."""
    first, second = (article.suggestions.get() for article in three_waiting[:2])
    content = editor_client.get(QUEUE, {"relevance__exact": "mentions"}).content
    confirm = reverse(
        "admin:entities_suggestion_queue_decide", args=[first.pk, "confirm"]
    )
    assert f'formaction="{confirm}?back=relevance__exact%3Dmentions"' in (
        content.decode()
    )
    assert 'name="csrfmiddlewaretoken"' in content.decode()

    response = editor_client.post(f"{confirm}?back=relevance__exact%3Dmentions")

    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?relevance__exact=mentions"
    first.refresh_from_db()
    assert first.status == Suggestion.Status.CONFIRMED
    assert ArticleEntity.objects.filter(content_object=first.article).exists()
    reject = reverse(
        "admin:entities_suggestion_queue_decide", args=[second.pk, "reject"]
    )
    assert editor_client.get(reject).status_code == 405
    editor_client.post(reject)
    second.refresh_from_db()
    assert second.status == Suggestion.Status.REJECTED


@pytest.fixture
def viewer_client(client):
    """Staff who may change entities but not stories."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="entities")
        | Permission.objects.filter(codename="view_article")
    )
    client.force_login(user)
    return client


def test_queue_row_buttons_refuse_others(viewer_client, three_waiting):
    one = three_waiting[0].suggestions.get()
    url = reverse("admin:entities_suggestion_queue_decide", args=[one.pk, "confirm"])
    assert viewer_client.post(url).status_code in (403, 404)
    one.refresh_from_db()
    assert one.status == Suggestion.Status.SUGGESTED


def test_queue_row_buttons_ignore_a_foreign_back(editor_client, three_waiting):
    one = three_waiting[0].suggestions.get()
    url = reverse("admin:entities_suggestion_queue_decide", args=[one.pk, "reject"])
    response = editor_client.post(f"{url}?back=//evil.example/")
    assert response["Location"].startswith(QUEUE)
