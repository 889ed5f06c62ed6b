"""Text is cleaned at the door of every admin form; the story body has a limit."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.forms import modelform_factory
from django.test import RequestFactory
from taggit.models import Tag

from articles.models import Article, Section, Thread
from entities.models import Entity
from newsroom.forms import CleanTextForm
from partners.models import Partner
from tests.articles.test_admin import ADD, story_form
from tests.factories import PartnerFactory, SectionFactory

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"articles", "entities", "related", "partners", "taggit"}
# What wire copy carries: ESC, a bell, a C1 "next line" and a form feed.
DIRTY = "\x1b[1mStorm\x07 hits\x85 the\x0c coast"
CLEAN = "[1mStorm hits the coast"


def project_admins():
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS
    ]


@pytest.mark.parametrize(
    "model_admin", project_admins(), ids=lambda each: str(each.model._meta)
)
def test_every_admin_form_cleans_text(model_admin, admin_user):
    """Change forms, inlines and list-editable rows of every model editors edit
    are CleanTextForms."""
    request = RequestFactory().get("/")
    request.user = admin_user
    assert issubclass(model_admin.get_form(request), CleanTextForm)
    assert issubclass(model_admin.get_changelist_form(request), CleanTextForm)
    for inline in model_admin.get_inline_instances(request):
        assert issubclass(inline.get_formset(request).form, CleanTextForm), inline


def test_the_story_form_strips_control_characters(editor_client):
    """A story saved with control characters in its text is stored without them."""
    response = editor_client.post(
        ADD,
        story_form(
            headline=DIRTY,
            dek=f"{DIRTY}\r\nSecond line",
            body=f"<p>{DIRTY}</p>",
            byline="By \x1bAnn",
            dateline="\x9bGENEVA",
        ),
    )

    assert response.status_code == 302, response.context["errors"]
    article = Article.objects.get()
    assert article.headline == CLEAN
    assert article.dek == f"{CLEAN}\nSecond line"
    assert article.body == f"<p>{CLEAN}</p>"
    assert (article.byline, article.dateline) == ("By Ann", "GENEVA")
    assert article.slug == "1mstorm-hits-the-coast"


def test_a_headline_of_control_characters_only_is_missing(editor_client):
    """A value that held nothing but control characters is empty, so a required
    field says so."""
    response = editor_client.post(ADD, story_form(headline="\x1b\x07"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["headline"] == [
        "This field is required."
    ]
    assert not Article.objects.exists()


def test_nul_is_stripped_not_refused(editor_client):
    """NUL, which PostgreSQL refuses, is removed like any control character."""
    response = editor_client.post(ADD, story_form(headline="Storm\x00 warning"))

    assert response.status_code == 302
    assert Article.objects.get().headline == "Storm warning"


@pytest.mark.parametrize(
    ("url", "data", "read"),
    [
        (
            "/admin/articles/section/add/",
            {"name": DIRTY, "slug": "storm", "description": DIRTY, "position": "0"},
            lambda: Section.objects.values_list("name", "description").get(),
        ),
        (
            "/admin/articles/thread/add/",
            {"title": DIRTY, "slug": "storm", "description": DIRTY},
            lambda: Thread.objects.values_list("title", "description").get(),
        ),
        (
            "/admin/taggit/tag/add/",
            {"name": DIRTY, "slug": "storm"},
            lambda: Tag.objects.values_list("name", "name").get(),
        ),
        (
            "/admin/entities/entity/add/",
            {
                "name": DIRTY,
                "slug": "storm",
                "kind": "other",
                "description": DIRTY,
                "wikidata_id": "",
                "aliases-TOTAL_FORMS": "1",
                "aliases-INITIAL_FORMS": "0",
                "aliases-0-name": f"Alias {DIRTY}",
            },
            lambda: (
                Entity.objects.get().name,
                Entity.objects.get().aliases.get().name.removeprefix("Alias "),
            ),
        ),
        (
            "/admin/partners/partner/add/",
            {
                "name": DIRTY,
                "contact": DIRTY,
                "active": "on",
                "throttle_rate": "1000/hour",
                "allowed_origins": "",
                "api_keys-TOTAL_FORMS": "0",
                "api_keys-INITIAL_FORMS": "0",
                "webhooks-TOTAL_FORMS": "0",
                "webhooks-INITIAL_FORMS": "0",
                "usage-TOTAL_FORMS": "0",
                "usage-INITIAL_FORMS": "0",
            },
            lambda: Partner.objects.values_list("name", "contact").get(),
        ),
    ],
    ids=["section", "thread", "tag", "entity-and-alias", "partner"],
)
def test_other_admin_forms_strip_control_characters(admin_client, url, data, read):
    """Sections, threads, tags, entities with their aliases and partners are
    saved without control characters."""
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert read() == (CLEAN, CLEAN)


def test_list_editable_rows_strip_control_characters(admin_client):
    """Values edited in a changelist row are cleaned too."""
    partner = PartnerFactory()

    response = admin_client.post(
        "/admin/partners/partner/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(partner.pk),
            "form-0-active": "on",
            "form-0-throttle_rate": "\x1b50/minute",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.throttle_rate == "50/minute"


def test_lone_surrogates_are_removed():
    """A lone surrogate (which only a JSON escape can carry) is removed too."""
    form_class = modelform_factory(
        Section, form=CleanTextForm, fields=["name", "slug", "position"]
    )
    form = form_class(data={"name": "Sp\ud800ort", "slug": "sport", "position": "1"})

    assert form.is_valid(), form.errors
    assert form.save().name == "Sport"


def test_inline_forms_clean_only_their_own_keys():
    """Each form of a shared POST cleans the keys of its own prefix."""
    form_class = modelform_factory(Section, form=CleanTextForm, fields=["name"])
    form = form_class(data={"a-name": "A\x1b", "b-name": "B\x1b"}, prefix="a")

    assert form.data == {"a-name": "A", "b-name": "B\x1b"}


class TestBodyLimit:
    def test_a_body_over_the_limit_is_refused_with_the_limit(
        self, editor_client, settings
    ):
        """A body longer than MAX_BODY_CHARS is refused with a message stating it."""
        settings.MAX_BODY_CHARS = 1_000
        body = f"<p>{'x' * 1_000}</p>"

        response = editor_client.post(ADD, story_form(body=body))

        assert response.status_code == 200
        [error] = response.context["adminform"].form.errors["body"]
        assert "at most 1,000 characters" in error
        assert "this one has 1,007" in error
        assert not Article.objects.exists()

    def test_a_body_at_the_limit_is_saved(self, editor_client, settings):
        """A body of exactly MAX_BODY_CHARS characters is saved."""
        body = f"<p>{'x' * 993}</p>"
        settings.MAX_BODY_CHARS = len(body)

        response = editor_client.post(ADD, story_form(body=body))

        assert response.status_code == 302
        assert Article.objects.get().body == body

    def test_the_default_limit_takes_a_long_story(self, editor_client):
        """The default limit (1,000,000 characters) takes a very long story."""
        body = "<p>" + "word " * 100_000 + "</p>"

        response = editor_client.post(ADD, story_form(body=body))

        assert response.status_code == 302
        assert len(Article.objects.get().body) > 500_000


def test_clean_text_passes_through_unchanged():
    """Clean text passes through unchanged (tabs and newlines kept)."""
    section = SectionFactory(name="World")
    form_class = modelform_factory(
        Section, form=CleanTextForm, fields=["name", "slug", "description"]
    )
    form = form_class(
        data={"name": "World", "slug": "world", "description": "a\tb\nc"},
        instance=section,
    )

    assert form.is_valid(), form.errors
    assert form.save().description == "a\tb\nc"


@pytest.mark.parametrize(
    ("url", "action", "selected"),
    [
        ("/admin/articles/article/", "publish", "\x00"),
        ("/admin/articles/article/", "publish", "abc"),
        ("/admin/entities/entity/", "merge", "1\x1b"),
        ("/admin/taggit/tag/", "delete_selected", "\x00"),
        # Keys are named by strings: only a control character is refused.
        ("/admin/partners/partnerapikey/", "delete_selected", "abc.\x00"),
    ],
)
def test_an_action_on_rows_that_are_not_ids_is_a_400(
    admin_client, url, action, selected
):
    """An admin action posted with a selected row that is not an id (a tampered
    form) answers 400, not a database error."""
    response = admin_client.post(
        url, {"action": action, "_selected_action": [selected, "1"]}
    )

    assert response.status_code == 400
