"""Every admin page passes axe-core in a real browser: no serious or critical
violation on the index, each registered model's list, add, change and history
pages, or the desk's own pages (import, scheduled, revisions, queue, merge).

axe-core comes from npm (package.json, installed by `make install`); without
it the tests skip.
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse

from articles import audit, revisions
from articles.models import FeaturedStory, FrontPage
from entities.services import merge_entities, suggest_entities
from partners.models import (
    DailyUsage,
    PartnerGroup,
    WebhookDelivery,
    WebhookEndpoint,
)
from related.services import refresh_related_later
from tests.browser.axe import AXE, FAILING_IMPACTS, violations
from tests.factories import (
    AliasFactory,
    ArticleFactory,
    AuthorLinkFactory,
    CandidateFactory,
    CorrectionFactory,
    EditorFactory,
    EntityFactory,
    ImageFactory,
    ImportJobFactory,
    PartnerAPIKeyFactory,
    RelatedLinkFactory,
    RoleUserFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def axe_page(browser):
    """A page with axe-core loaded into every document. An init script is not
    subject to the Content-Security-Policy, which stays in force for the page."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make install runs npm ci)")
    context = browser.new_context()
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    yield page
    context.close()


class Audit:
    """Visits pages and keeps each serious or critical violation found."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.found: list[str] = []
        self.visited: list[str] = []

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("networkidle")
        self.visited.append(label)
        self.found.extend(
            found
            for impact, found in violations(self.page, label)
            if impact in FAILING_IMPACTS
        )

    def visit(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, f"{path}: {response.status}"
        self.check(path)

    def assert_clean(self) -> None:
        assert not self.found, (
            f"{len(self.found)} serious or critical axe violations:\n"
            + "\n".join(self.found)
        )


def log_in(audit: Audit, username: str) -> None:
    page = audit.page
    page.goto(audit.base_url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(audit.base_url + "/admin/")


@pytest.fixture
def newsroom(db, database_tasks):
    """A desk with a row on every admin list: a live story with unpublished
    changes and a few revisions, the front page leading with it, suggestions
    and candidates, merged entities, partners with keys, a group, usage and a webhook
    with a delivery, an import job and a queued task."""
    desk = EditorFactory(username="desk", is_superuser=True)
    # A role for the groups' pages (an earlier transactional test may have
    # flushed the ones the migration made).
    Group.objects.get_or_create(name="Reporter")
    geneva = EntityFactory(name="Geneva", kind="place")
    AliasFactory(entity=geneva, name="Genève")
    putin = EntityFactory(name="Vladimir Putin")
    thread = ThreadFactory()
    story = ArticleFactory(
        headline="Talks resume in Geneva",
        body="<p>Delegates met in Geneva on Monday. Vladimir Putin sent word.</p>",
        thread=thread,
        tags=["Diplomacy"],
        authors=[AuthorLinkFactory(author__name="Nadia Hollis").author],
        lead_image=ImageFactory(caption="Delegates arrive", credit="Agency"),
    )
    # A story whose byline names no author yet: the byline panel's button.
    other = ArticleFactory(
        headline="Geneva hosts the summit", entities=[geneva], byline="Ben Ode"
    )
    RelatedLinkFactory(article=story, target=other)
    ArticleFactory(scheduled=True, headline="Embargoed until tomorrow")
    CorrectionFactory(article=story)
    front_page = FrontPage.load()
    front_page.lead = story
    front_page.save()
    FeaturedStory.objects.create(front_page=front_page, article=other)
    revisions.record_revision(story, by=desk)
    revisions.stage_changes(
        story,
        content=revisions.content_with(story, headline="Talks resume at last"),
        by=desk,
    )
    audit.record(audit.Action.PUBLISHED, article=story, by=desk)
    suggest_entities(article=story)
    CandidateFactory(article=story, name="Lake Council")
    twin = EntityFactory(name="V. Putin")
    merge_entities(keep=putin, merge=[twin])
    key = PartnerAPIKeyFactory()
    DailyUsage.objects.record(key.partner_id)
    endpoint = WebhookEndpoint.objects.create(
        partner=key.partner, url="https://hooks.partner.example.org/newsroom"
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="published",
        article_id=story.pk,
        status=WebhookDelivery.Status.FAILED,
        attempts=12,
        response_code=500,
        last_error="Answered 500, not 2xx. Gave up after 12 attempts.",
        payload={"event": "published", "id": story.pk},
    )
    PartnerGroup.objects.create(name="National wire clients").partners.add(key.partner)
    job = ImportJobFactory(created_by=desk)
    # Someone else's failed logins, which the desk's own login does not reset.
    intruder = {
        "username": "intruder",
        "ip_address": "203.0.113.9",
        "user_agent": "curl",
        "path_info": "/admin/login/",
    }
    AccessAttempt.objects.create(**intruder, failures_since_start=1)
    AccessFailureLog.objects.create(**intruder)
    refresh_related_later(article=story)
    return SimpleNamespace(desk=desk, story=story, job=job)


def admin_pages(user) -> list[str]:
    """The index, and every registered model's list, add form, and change form
    and history of its first row, as far as `user` may see them (a model with
    no row fails: give it one in `newsroom`)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/"]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{name}_add"))
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"no {opts.label} for its change form"
        pk = quote(obj.pk)
        pages.append(reverse(f"{name}_change", args=[pk]))
        pages.append(reverse(f"{name}_history", args=[pk]))
    return pages


def test_every_admin_page_passes_axe(live_server, axe_page, newsroom):
    """A superuser sees no serious or critical violation on any admin page."""
    story = newsroom.story
    audit = Audit(axe_page, live_server.url)
    page = axe_page

    # The login page, blank and after a failed attempt (which also leaves a
    # row for django-axes' lists).
    audit.visit("/admin/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", "wrong")
    page.click("input[type=submit]")
    audit.check("/admin/login/ (failed attempt)")
    log_in(audit, "desk")

    for path in admin_pages(newsroom.desk):
        audit.visit(path)
    revision = story.revisions.order_by("number").first()
    for path in (
        reverse("admin:articles_article_import"),
        reverse("admin:articles_article_import_job", args=[newsroom.job.pk]),
        reverse("admin:articles_article_scheduled"),
        reverse("admin:articles_article_revision", args=[story.pk, revision.number]),
        reverse("admin:articles_article_revision", args=[story.pk, 2]) + "?with=live",
        reverse("admin:entities_suggestion_changelist") + "?status=all",
        reverse("admin:password_change"),
    ):
        audit.visit(path)

    # The merge page: two entities picked on the list, the action chosen.
    page.goto(live_server.url + reverse("admin:entities_entity_changelist"))
    page.check("tr:has-text('Geneva') input.action-select")
    page.check("tr:has-text('Vladimir Putin') input.action-select")
    page.select_option("select[name=action]", "merge")
    page.click("button[name=index]")
    page.wait_for_selector("text=Merge entities")
    audit.check("entity merge page")

    audit.assert_clean()


@pytest.fixture
def editor_role(db):
    """The Editor role as its migration makes it: a transactional test before
    this one has flushed the migration's rows."""
    roles = importlib.import_module("articles.migrations.0009_role_groups")
    wanted = [*roles.EDITOR, ("articles", "view_auditevent")]
    group, _ = Group.objects.get_or_create(name="Editor")
    group.permissions.set(
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in dict.fromkeys(wanted)
    )
    return group


def test_the_editors_story_pages_pass_axe(live_server, axe_page, newsroom, editor_role):
    """An editor (the Editor role, not a superuser) sees no serious or
    critical violation on the story list, form, history and queue."""
    story = newsroom.story
    RoleUserFactory(username="editor", role="Editor")
    audit = Audit(axe_page, live_server.url)
    log_in(audit, "editor")

    audit.check("/admin/ (editor)")
    for path in (
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_add"),
        reverse("admin:articles_article_change", args=[story.pk]),
        reverse("admin:articles_article_history", args=[story.pk]),
        reverse("admin:articles_article_scheduled"),
        reverse("admin:entities_suggestion_changelist"),
    ):
        audit.visit(path)

    # A row added to an inline is named as it appears.
    audit.visit(reverse("admin:articles_article_change", args=[story.pk]))
    audit.page.click("#entity_links-group .add-row a")
    audit.check("story form, a new entity row")

    audit.assert_clean()
