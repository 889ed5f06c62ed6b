from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from taggit.models import Tag

from articles.models import Article, ArticleEntity
from entities.models import Entity
from related.models import RelatedLink
from tests.admin_forms import change_url
from tests.factories import (
    ArticleEntityFactory,
    ArticleFactory,
    EntityFactory,
    RelatedLinkFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/articles/article/"
ADD = "/admin/articles/article/add/"


def listed(response) -> list[Article]:
    return list(response.context["cl"].result_list)


def inline_prefixes(response) -> list[str]:
    return [
        inline.formset.prefix for inline in response.context["inline_admin_formsets"]
    ]


@pytest.fixture
def writer_client(client):
    """A staff writer who may edit stories but not publish or withdraw them."""
    writer = UserFactory(is_staff=True)
    writer.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["articles", "entities", "related", "taggit"]
        ).exclude(codename="publish_article")
    )
    client.force_login(writer)
    return client


def management_form(prefix: str, total: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def story_form(**fields: str) -> dict[str, str]:
    """The add form's fields for a draft, with empty inlines."""
    return {
        "headline": "Council approves the new bridge",
        "slug": "",
        "dek": "",
        "body": "<p>The vote was close.</p>",
        "byline": "",
        "dateline": "",
        "section": "",
        "language": "en",
        "status": "draft",
        "go_live_at_0": "",
        "go_live_at_1": "",
        "source_name": "",
        "source_url": "",
        **management_form("author_links"),
        **management_form("entity_links"),
        **management_form("corrections"),
        **management_form("related_links"),
        **management_form("related_exclusions"),
        **management_form("embargo"),
        "thread": "",
        **fields,
    }


def stories_with_entities(count: int) -> list[Article]:
    articles = []
    for n in range(count):
        section = SectionFactory(name=f"Desk {n % 3}", slug=f"desk-{n % 3}")
        article = ArticleFactory(section=section, tags=["Politics"])
        for entity in EntityFactory.create_batch(3):
            ArticleEntityFactory(content_object=article, tag=entity)
        articles.append(article)
    return articles


@pytest.mark.parametrize("stories", [1, 30])
def test_changelist_query_count(editor_client, django_assert_max_num_queries, stories):
    """The story list costs the same handful of queries for 1 or 30 stories."""
    stories_with_entities(stories)

    with django_assert_max_num_queries(12):
        response = editor_client.get(CHANGELIST)

    assert response.status_code == 200
    assert len(listed(response)) == stories
    assert all(article.entity_count == 3 for article in listed(response))


def test_changelist_shows_scheduled_status(editor_client):
    """A published story with a future go-live time shows as scheduled."""
    ArticleFactory(scheduled=True, headline="Embargoed results")

    response = editor_client.get(CHANGELIST)

    assert "Scheduled" in response.content.decode()


def test_filter_by_status(editor_client, unpublished):
    """The status filter narrows the list to drafts."""
    ArticleFactory()

    response = editor_client.get(CHANGELIST, {"status__exact": "draft"})

    assert listed(response) == [unpublished["draft"]]


def test_filter_by_section(editor_client):
    """The section filter narrows the list to one section."""
    sport = SectionFactory(name="Sport", slug="sport")
    in_sport = ArticleFactory(section=sport)
    ArticleFactory()

    response = editor_client.get(CHANGELIST, {"section__id__exact": sport.pk})

    assert listed(response) == [in_sport]


def test_filter_by_entity_kind(editor_client):
    """The entity kind filter lists each story about a place once."""
    about_places = ArticleFactory(
        entities=EntityFactory.create_batch(2, kind=Entity.Kind.PLACE)
    )
    ArticleFactory(entities=[EntityFactory(kind=Entity.Kind.PERSON)])

    response = editor_client.get(CHANGELIST, {"entity_kind": "place"})

    assert listed(response) == [about_places]
    assert listed(response)[0].entity_count == 2


def test_search_finds_text_in_body(editor_client):
    """Searching finds words that appear only in a story's body."""
    wanted = ArticleFactory(body="<p>The aqueduct reopened on Tuesday.</p>")
    ArticleFactory()

    response = editor_client.get(CHANGELIST, {"q": "aqueduct"})

    assert listed(response) == [wanted]


def test_add_page_renders(editor_client):
    """The add form renders with inlines for entities, tags and related stories."""
    response = editor_client.get(ADD)

    assert response.status_code == 200
    assert inline_prefixes(response) == [
        "author_links",
        "entity_links",
        "corrections",
        "related_links",
        "related_exclusions",
    ]
    assert "Save the story to preview it." in response.content.decode()


def test_change_page_renders(editor_client):
    """The change form shows the story's entities, tags and related stories."""
    article = ArticleFactory(tags=["Budget"])
    ArticleEntityFactory(content_object=article)
    RelatedLinkFactory(article=article)

    response = editor_client.get(change_url(article))

    assert response.status_code == 200
    assert inline_prefixes(response) == [
        "author_links",
        "entity_links",
        "corrections",
        "related_links",
        "related_exclusions",
    ]
    initial = {
        inline.formset.prefix: inline.formset.initial_form_count()
        for inline in response.context["inline_admin_formsets"]
    }
    assert initial == {
        "author_links": 0,
        "entity_links": 1,
        "corrections": 0,
        "related_links": 1,
        "related_exclusions": 0,
    }
    assert article.get_preview_url() in response.content.decode()


def test_save_story_from_add_form(editor_client):
    """Posting the add form saves the story with its entities, tags and links."""
    entity = EntityFactory(name="City Council", kind=Entity.Kind.ORGANIZATION)
    tag = Tag.objects.create(name="Transport")
    other = ArticleFactory()
    section = SectionFactory(name="Local", slug="local")

    response = editor_client.post(
        ADD,
        story_form(
            section=str(section.pk),
            body='<p onclick="x()">The vote was close.</p><script>bad()</script>',
            **management_form("entity_links", total=1),
            **{
                "entity_links-0-tag": str(entity.pk),
                "entity_links-0-relevance": "mentions",
            },
            # Topic tags are typed (comma-separated), an existing one reused.
            tags=tag.name,
            **management_form("related_links", total=1),
            **{
                "related_links-0-target": str(other.pk),
                "related_links-0-sort_order": "0",
            },
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get(headline="Council approves the new bridge")
    assert article.slug == "council-approves-the-new-bridge"
    assert article.section == section
    assert article.status == Article.Status.DRAFT
    assert article.body == "<p>The vote was close.</p>"
    link = ArticleEntity.objects.get(content_object=article)
    assert (link.tag, link.relevance) == (entity, "mentions")
    assert list(article.tags.names()) == ["Transport"]
    assert RelatedLink.objects.get(article=article).target == other


def test_add_form_refuses_story_related_to_itself(editor_client):
    """Relating a story to itself on its change form is refused with a message."""
    article = ArticleFactory()

    response = editor_client.post(
        change_url(article),
        story_form(
            headline=article.headline,
            slug=article.slug,
            status="published",
            go_live_at_0=article.go_live_at.strftime("%Y-%m-%d"),
            go_live_at_1=article.go_live_at.strftime("%H:%M:%S"),
            **management_form("related_links", total=1),
            **{
                "related_links-0-target": str(article.pk),
                "related_links-0-sort_order": "0",
            },
        ),
    )

    assert response.status_code == 200
    assert "A story cannot be related to itself." in response.content.decode()
    assert not RelatedLink.objects.exists()


def test_publish_action(editor_client):
    """The publish action publishes the selected drafts through the service."""
    drafts = ArticleFactory.create_batch(2, draft=True)
    untouched = ArticleFactory(draft=True)

    response = editor_client.post(
        CHANGELIST,
        {"action": "publish", "_selected_action": [a.pk for a in drafts]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Published 2 stories now." in response.content.decode()
    for article in drafts:
        article.refresh_from_db()
        assert article.is_live
        assert article.first_published_at is not None
    untouched.refresh_from_db()
    assert untouched.status == Article.Status.DRAFT


def test_withdraw_action(editor_client):
    """The withdraw action takes the selected stories off the site."""
    article = ArticleFactory()

    response = editor_client.post(
        CHANGELIST, {"action": "withdraw", "_selected_action": [article.pk]}
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    assert not Article.objects.published().exists()


def test_actions_hidden_without_publish_permission(writer_client):
    """A writer without the publish permission is not offered publish or withdraw."""
    ArticleFactory()

    response = writer_client.get(CHANGELIST)

    assert response.status_code == 200
    actions = [
        name for name, _ in response.context["action_form"].fields["action"].choices
    ]
    assert "publish" not in actions
    assert "withdraw" not in actions


def test_actions_refused_without_publish_permission(writer_client):
    """Posting the publish action without the permission changes nothing."""
    draft = ArticleFactory(draft=True)

    writer_client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}
    )

    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_actions_offered_to_editor(editor_client):
    """A desk editor is offered publish and withdraw."""
    ArticleFactory()

    response = editor_client.get(CHANGELIST)

    actions = [
        name for name, _ in response.context["action_form"].fields["action"].choices
    ]
    assert {"publish", "withdraw"} <= set(actions)


def test_writer_cannot_publish_through_the_form(writer_client):
    """A writer without the publish permission cannot publish by editing status."""
    draft = ArticleFactory(draft=True)

    writer_client.post(
        change_url(draft),
        story_form(headline=draft.headline, slug=draft.slug, status="published"),
    )

    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_view_on_site_for_published_story(editor_client):
    """The "view on site" link of a live story goes to its public address."""
    article = ArticleFactory()

    response = editor_client.get(change_url(article))

    assert response.context["absolute_url"] == article.get_absolute_url()


@pytest.mark.parametrize("state", ["draft", "scheduled", "withdrawn"])
def test_view_on_site_for_unpublished_story(editor_client, unpublished, state):
    """The "view on site" link of an unpublished story goes to its preview."""
    article = unpublished[state]

    response = editor_client.get(change_url(article))

    assert response.context["absolute_url"] == f"/preview/{article.pk}/"


def test_section_changelist(editor_client, django_assert_max_num_queries):
    """The section list shows how many stories each section has."""
    world = SectionFactory(name="World", slug="world")
    ArticleFactory.create_batch(2, section=world)
    SectionFactory(name="Sport", slug="sport")

    with django_assert_max_num_queries(8):
        response = editor_client.get("/admin/articles/section/")

    assert response.status_code == 200
    counts = {s.name: s.story_count for s in response.context["cl"].result_list}
    assert counts == {"World": 2, "Sport": 0}


def test_section_positions_editable_in_list(editor_client):
    """Editors reorder sections from the list."""
    world = SectionFactory(name="World", slug="world", position=0)

    response = editor_client.post(
        "/admin/articles/section/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(world.pk),
            "form-0-position": "5",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    world.refresh_from_db()
    assert world.position == 5


def test_tag_changelist(editor_client):
    """The topic tag list shows how many stories carry each tag."""
    ArticleFactory.create_batch(2, tags=["Budget"])

    response = editor_client.get("/admin/taggit/tag/")

    assert response.status_code == 200
    [tag] = response.context["cl"].result_list
    assert tag.story_count == 2


def test_tag_list_offers_no_merge_that_changes_no_story(admin_client):
    """taggit's merge action, which would not move stories' tags, is not offered."""
    ArticleFactory(tags=["Budget"])

    response = admin_client.get("/admin/taggit/tag/")

    choices = [
        name for name, _ in response.context["action_form"].fields["action"].choices
    ]
    assert "render_tag_form" not in choices
    assert "delete_selected" in choices


def test_entity_autocomplete(editor_client):
    """The entity picker on a story finds entities by name and by alias."""
    ada = EntityFactory(name="Ada Lovelace")
    ada.aliases.create(name="Countess of Lovelace")
    EntityFactory(name="Grace Hopper")
    params = {
        "app_label": "articles",
        "model_name": "articleentity",
        "field_name": "tag",
    }

    by_name = editor_client.get("/admin/autocomplete/", {**params, "term": "ada"})
    by_alias = editor_client.get("/admin/autocomplete/", {**params, "term": "countess"})

    assert by_name.status_code == 200
    expected = [{"id": str(ada.pk), "text": "Ada Lovelace"}]
    assert by_name.json()["results"] == expected
    assert by_alias.json()["results"] == expected


def test_split_date_time_boxes_are_named_after_their_field(editor_client):
    """Each box of the story form's go-live time has a label and a name that
    says which field it belongs to."""
    html = editor_client.get(ADD).content.decode()

    assert '<label class="datetime-part" for="id_go_live_at_0">Date:</label>' in html
    assert 'aria-label="Go-live time: date"' in html
    assert 'aria-label="Go-live time: time"' in html


def test_table_row_fields_are_named_after_column_and_row(editor_client):
    """The entities table's boxes, autocomplete included, are named after
    their column and their row's entity, each row its own."""
    article = ArticleFactory(headline="Talks resume")
    for name in ("Geneva", "Bern"):
        ArticleEntityFactory(content_object=article, tag=EntityFactory(name=name))

    html = editor_client.get(change_url(article)).content.decode()

    assert 'aria-label="Delete: Talks resume about Geneva"' in html
    assert 'aria-label="Relevance: Talks resume about Bern"' in html
    assert 'aria-label="Entity: new entity"' in html


@pytest.mark.parametrize(
    ("field", "value"), [("section", "abc"), ("thread", "x'"), ("section", "1e3")]
)
def test_an_autocomplete_value_that_is_no_id_is_a_form_error(
    editor_client, field, value
):
    """A forged, non-numeric id in the story form's autocomplete fields is a
    form error (the form shown again), not a server error."""
    article = ArticleFactory(draft=True, byline="Before")
    data = story_form(
        headline=article.headline,
        slug=article.slug,
        body=article.body,
        status=article.status,
        byline="After",
    )

    response = editor_client.post(change_url(article), {**data, field: value})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    article.refresh_from_db()
    assert article.byline == "Before"


def test_an_id_that_is_no_id_is_a_form_error_in_another_admin(editor_client):
    """The same holds for every admin form: the entity redirect's entity."""
    response = editor_client.post(
        "/admin/entities/entityredirect/add/", {"old_slug": "old", "entity": "abc"}
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
