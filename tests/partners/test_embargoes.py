from __future__ import annotations

import datetime
import io
import json

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles.models import Article, AuditEvent
from articles.services import withdraw_article
from partners.models import Embargo, Event, PartnerGroup, WebhookDelivery
from partners.services import add_webhook, check_embargo, embargo_story
from partners.webhooks import send_due
from tests.admin_forms import form_data
from tests.api.test_ninjs import (
    NINJS_31_SCHEMA,
    assert_valid_ninjs,
    assert_valid_ninjs_31,
)
from tests.conftest import run_worker
from tests.factories import (
    ArticleFactory,
    EntityFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]

LIST_URL = "/api/v1/articles/"


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run on-commit work (queuing deliveries) as a real commit would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def key_for(partner) -> str:
    return f"Api-Key {PartnerAPIKeyFactory(partner=partner).key}"


@pytest.fixture
def early():
    """A partner an embargo grants, and its key."""
    partner = PartnerFactory(name="Early Wire")
    return partner, key_for(partner)


@pytest.fixture
def other():
    """A partner no embargo grants, and its key."""
    partner = PartnerFactory(name="Late Wire")
    return partner, key_for(partner)


def embargoed(partners=(), groups=(), **fields) -> Article:
    story = ArticleFactory(
        scheduled=True, headline="Merger agreed under embargo", **fields
    )
    embargo_story(article=story, partners=partners, groups=groups)
    return story


def lift(story: Article) -> None:
    """Time passes: the embargo time (go-live) comes, and deliveries that
    waited for it are due."""
    now = timezone.now() - datetime.timedelta(seconds=1)
    Article.objects.filter(pk=story.pk).update(go_live_at=now)
    WebhookDelivery.objects.filter(next_attempt_at__gt=now).update(next_attempt_at=now)


def test_granted_partner_sees_the_story_marked_embargoed(
    client, early, other, django_assert_max_num_queries
):
    """The partner an embargo grants finds the story in the list, detail,
    search, both ninjs versions and the change feed, marked embargoed until
    its go-live time."""
    partner, key = early
    story = embargoed(partners=[partner])
    until = story.go_live_at.isoformat().replace("+00:00", "Z")
    with django_assert_max_num_queries(8):
        listing = client.get(LIST_URL, HTTP_AUTHORIZATION=key).json()["results"]
    assert [item["id"] for item in listing] == [story.pk]
    assert listing[0]["embargoed_until"] == until
    detail = client.get(f"{LIST_URL}{story.pk}/", HTTP_AUTHORIZATION=key)
    assert detail.status_code == 200
    assert detail.json()["embargoed_until"] == until
    ninjs = client.get(f"{LIST_URL}{story.pk}/?format=ninjs", HTTP_AUTHORIZATION=key)
    assert ninjs.json()["embargoed"] == until
    ninjs3 = client.get(
        f"{LIST_URL}{story.pk}/?format=ninjs&version=3.1", HTTP_AUTHORIZATION=key
    ).json()
    assert ninjs3["embargoedUntil"] == until
    assert "embargoed" not in ninjs3
    found = client.get(f"{LIST_URL}?q=merger", HTTP_AUTHORIZATION=key).json()
    assert [item["id"] for item in found["results"]] == [story.pk]
    changes = client.get("/api/v1/changes/", HTTP_AUTHORIZATION=key).json()
    assert [(c["id"], c["status"]) for c in changes["results"]] == [
        (story.pk, "published")
    ]


def test_nobody_else_sees_an_embargoed_story(client, early, other):
    """Another partner, and a reader, see nothing of it until its time."""
    story = embargoed(partners=[early[0]])
    _, key = other
    for headers in [{"HTTP_AUTHORIZATION": key}, {}]:
        if not headers:
            client.defaults.pop("HTTP_AUTHORIZATION", None)
        listing = client.get(LIST_URL, **headers)
        if listing.status_code == 401:
            continue  # readers have no API key
        assert listing.json()["results"] == []
        assert client.get(f"{LIST_URL}{story.pk}/", **headers).status_code == 404
        changes = client.get("/api/v1/changes/", **headers).json()
        assert changes["results"] == []
    assert client.get(story.get_absolute_url()).status_code == 404


def test_a_partner_group_grants_each_of_its_partners(client, early, other):
    """Picking a group gives the story early to each partner in it."""
    partner, key = early
    group = PartnerGroup.objects.create(name="National clients")
    group.partners.add(partner)
    story = embargoed(groups=[group])
    assert (
        client.get(f"{LIST_URL}{story.pk}/", HTTP_AUTHORIZATION=key).status_code == 200
    )
    response = client.get(f"{LIST_URL}{story.pk}/", HTTP_AUTHORIZATION=other[1])
    assert response.status_code == 404


def test_at_the_embargo_time_everyone_sees_it_unmarked(client, early, other):
    """At its go-live time the story is public with no job run, and no longer
    marked embargoed."""
    story = embargoed(partners=[early[0]])
    lift(story)
    for key in [early[1], other[1]]:
        item = client.get(f"{LIST_URL}{story.pk}/", HTTP_AUTHORIZATION=key).json()
        assert item["embargoed_until"] is None
        ninjs = client.get(
            f"{LIST_URL}{story.pk}/?format=ninjs", HTTP_AUTHORIZATION=key
        )
        assert "embargoed" not in ninjs.json()
    story.refresh_from_db()
    assert client.get(story.get_absolute_url()).status_code == 200


def test_webhooks_early_then_lifted(early, other, receiver, commits):
    """The granted partner gets "published" at once, marked embargoed, and
    "embargo_lifted" at the time; another partner gets only "published", at
    the time."""
    add_webhook(partner=early[0], url=receiver.url("/early"))
    add_webhook(partner=other[0], url=receiver.url("/late"))
    story = commits(lambda: embargoed(partners=[early[0]]))
    [first] = receiver.at("/early")
    assert first.json["event"] == "published"
    assert first.json["item"]["embargoed"]
    assert receiver.at("/late") == []
    lifted = WebhookDelivery.objects.get(
        event=Event.EMBARGO_LIFTED, status=WebhookDelivery.Status.PENDING
    )
    assert lifted.next_attempt_at == story.go_live_at
    assert lifted.endpoint.partner == early[0]

    lift(story)
    send_due()
    assert [r.json["event"] for r in receiver.at("/early")] == [
        "published",
        "embargo_lifted",
    ]
    assert "embargoed" not in receiver.at("/early")[1].json["item"]
    assert [r.json["event"] for r in receiver.at("/late")] == ["published"]


@pytest.mark.django_db(transaction=True)
def test_the_lift_is_a_task_for_the_embargo_time(database_tasks, receiver):
    """With the task worker, "embargo_lifted" is a task queued to run at the
    embargo time, which checks again then that readers can see the story."""
    partner = PartnerFactory()
    PartnerAPIKeyFactory(partner=partner)
    add_webhook(partner=partner, url=receiver.url("/ok"))
    story = embargoed(partners=[partner])
    run_worker()
    assert [r.json["event"] for r in receiver.received] == ["published"]
    lifted = WebhookDelivery.objects.get(event=Event.EMBARGO_LIFTED)
    [waiting] = [
        task
        for task in DBTaskResult.objects.filter(status="READY")
        if task.args_kwargs["args"] == [lifted.pk]
    ]
    assert waiting.run_after == story.go_live_at
    # Rescheduled, then the old time comes: nothing goes before the new one.
    Article.objects.filter(pk=story.pk).update(
        go_live_at=story.go_live_at + datetime.timedelta(hours=1)
    )
    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    run_worker()
    assert len(receiver.received) == 1
    lift(story)
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    assert [r.json["event"] for r in receiver.received] == [
        "published",
        "embargo_lifted",
    ]


def test_a_change_or_withdrawal_reaches_only_the_granted(
    client, early, other, receiver, commits
):
    """An embargoed story edited sends "updated", withdrawn sends
    "withdrawn", to the granted partner only; its change feed shows the
    withdrawal."""
    add_webhook(partner=early[0], url=receiver.url("/early"))
    add_webhook(partner=other[0], url=receiver.url("/late"))
    story = commits(lambda: embargoed(partners=[early[0]]))

    def edit():
        story.headline = "Merger agreed, terms revealed"
        story.save()

    commits(edit)
    commits(lambda: withdraw_article(article=story))
    events = [r.json["event"] for r in receiver.at("/early")]
    assert events == ["published", "updated", "withdrawn"]
    assert receiver.at("/early")[-1].json["id"] == story.pk
    assert "item" not in receiver.at("/early")[-1].json
    assert receiver.at("/late") == []
    changes = client.get("/api/v1/changes/", HTTP_AUTHORIZATION=early[1]).json()
    assert [(c["id"], c["status"]) for c in changes["results"]] == [
        (story.pk, "withdrawn")
    ]
    assert client.get(LIST_URL, HTTP_AUTHORIZATION=early[1]).json()["results"] == []
    assert (
        client.get("/api/v1/changes/", HTTP_AUTHORIZATION=other[1]).json()["results"]
        == []
    )


def test_rescheduling_moves_the_embargo(client, early, receiver, commits):
    """A new go-live time is the new embargo time: the granted partner is
    told at once and the lift waits for it."""
    add_webhook(partner=early[0], url=receiver.url("/early"))
    story = commits(lambda: embargoed(partners=[early[0]]))
    later = story.go_live_at + datetime.timedelta(days=1)

    def reschedule():
        story.go_live_at = later
        story.save()

    commits(reschedule)
    [_, again] = receiver.at("/early")
    assert again.json["item"]["embargoed"] == later.isoformat().replace("+00:00", "Z")
    pending = WebhookDelivery.objects.filter(
        event=Event.EMBARGO_LIFTED, status=WebhookDelivery.Status.PENDING
    )
    assert later in {d.next_attempt_at for d in pending}


def test_taking_a_grant_away_withdraws_it(client, early, other, receiver, commits):
    """A partner taken off an embargo before its time stops seeing the story
    and is sent "withdrawn"; it gets "published" at the go-live time as any
    partner, not "embargo_lifted"."""
    partner, key = early
    add_webhook(partner=partner, url=receiver.url("/early"))
    story = commits(lambda: embargoed(partners=[partner, other[0]]))
    commits(lambda: embargo_story(article=story, partners=[other[0]]))
    assert [r.json["event"] for r in receiver.at("/early")] == [
        "published",
        "withdrawn",
    ]
    assert client.get(f"{LIST_URL}{story.pk}/", HTTP_AUTHORIZATION=key).status_code == (
        404
    )
    lift(story)
    send_due()
    assert receiver.at("/early")[-1].json["event"] == "published"


def test_a_revoked_or_suspended_partner_gets_nothing(receiver, commits):
    """A granted partner whose keys are revoked, or that is suspended, gets
    no delivery of the embargoed story."""
    revoked = PartnerFactory()
    PartnerAPIKeyFactory(partner=revoked, revoked=True)
    suspended = PartnerFactory(active=False)
    PartnerAPIKeyFactory(partner=suspended)
    add_webhook(partner=revoked, url=receiver.url("/revoked"))
    add_webhook(partner=suspended, url=receiver.url("/suspended"))
    commits(lambda: embargoed(partners=[revoked, suspended]))
    assert receiver.received == []
    statuses = set(
        WebhookDelivery.objects.exclude(
            status=WebhookDelivery.Status.PENDING
        ).values_list("status", flat=True)
    )
    assert statuses <= {WebhookDelivery.Status.SKIPPED}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"draft": True}, "only when it is scheduled"),
        ({"status": Article.Status.WITHDRAWN}, "only when it is scheduled"),
        ({}, "already public"),
    ],
)
def test_embargo_needs_a_future_go_live_time(early, fields, message):
    """Partners cannot be given a draft, a withdrawn story or one already
    public early: the error says why, and no embargo is made."""
    story = ArticleFactory(**fields)
    with pytest.raises(ValidationError, match=message):
        embargo_story(article=story, partners=[early[0]])
    assert not Embargo.objects.exists()


def test_an_embargo_time_in_the_past_is_refused():
    """An unsaved story whose go-live time has passed cannot be embargoed."""
    story = ArticleFactory.build(
        status=Article.Status.PUBLISHED,
        go_live_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    with pytest.raises(ValidationError, match="is in the past"):
        check_embargo(article=story)


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(user)
    return client


def story_form_with_embargo(admin_client, story, partners, **fields):
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = form_data(admin_client.get(url), **fields)
    data |= {
        "embargo-TOTAL_FORMS": "1",
        "embargo-0-partners": [str(p.pk) for p in partners],
        "embargo-0-article": str(story.pk),
    }
    return url, data


def test_editor_embargoes_a_story_on_its_page(admin_client, early, receiver, commits):
    """On the story's admin page an editor picks partners in the Embargo
    panel; they get it at once."""
    add_webhook(partner=early[0], url=receiver.url("/early"))
    story = commits(lambda: ArticleFactory(scheduled=True))
    url, data = story_form_with_embargo(admin_client, story, [early[0]])
    response = commits(lambda: admin_client.post(url, data))
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert set(story.embargo.partners.all()) == {early[0]}
    assert [r.json["event"] for r in receiver.at("/early")] == ["published"]


def test_the_story_page_refuses_an_embargo_on_a_public_story(admin_client, early):
    """Picking partners for a story already public is an error on the
    Embargo panel, and nothing is saved."""
    story = ArticleFactory()
    url, data = story_form_with_embargo(admin_client, story, [early[0]])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = [
        error
        for inline in response.context["inline_admin_formsets"]
        for form_errors in inline.formset.errors
        for error in form_errors.get("partners", [])
    ]
    assert any("already public" in error for error in errors)
    assert not Embargo.objects.exists()


def test_the_story_page_refuses_an_embargo_with_no_future_go_live(admin_client, early):
    """Partners picked for a draft: the panel says a future go-live time is
    needed."""
    story = ArticleFactory(draft=True)
    url, data = story_form_with_embargo(admin_client, story, [early[0]])
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "only when it is scheduled" in response.content.decode()
    assert not Embargo.objects.exists()


def test_embargo_command(early):
    """`manage.py embargo STORY --partner NAME` grants the story; bad input is
    a CommandError naming what is wrong, and writes nothing."""
    story = ArticleFactory(scheduled=True)
    out = io.StringIO()
    call_command("embargo", str(story.pk), "--partner", early[0].name, stdout=out)
    assert f"Story {story.pk} goes early to 1 partner(s)" in out.getvalue()
    assert story.embargo.partner_ids() == {early[0].pk}
    with pytest.raises(CommandError, match="No partner named 'Nobody'"):
        call_command("embargo", str(story.pk), "--partner", "Nobody")
    with pytest.raises(CommandError, match="No story with id 0"):
        call_command("embargo", "0", "--partner", early[0].name)
    public = ArticleFactory()
    with pytest.raises(CommandError, match=f"Story {public.pk}: .*already public"):
        call_command("embargo", str(public.pk), "--partner", early[0].name)
    assert not Embargo.objects.filter(article=public).exists()
    call_command("embargo", str(story.pk), stdout=out)
    assert not Embargo.objects.filter(article=story).exists()


def test_embargoes_are_in_the_audit_trail(early, other):
    """Setting and changing an embargo are audit events naming the partners."""
    story = embargoed(partners=[early[0]])
    embargo_story(article=story, partners=[early[0], other[0]])
    events = list(
        AuditEvent.objects.filter(article=story)
        .order_by("pk")
        .values_list("action", "detail")
    )
    assert events[-2:] == [
        (AuditEvent.Action.EMBARGOED, "early to: Early Wire"),
        (AuditEvent.Action.EMBARGO_CHANGED, "early to: Early Wire, Late Wire"),
    ]


def test_an_entitys_stories_include_the_embargoed_for_the_granted(early, other):
    """An entity's stories list the embargoed story for the partner granted it,
    and not for another."""
    entity = EntityFactory(name="Acme Corp", slug="acme-corp")
    public = ArticleFactory(entities=[entity])
    story = embargoed(partners=[early[0]], entities=[entity])
    url = f"/api/v1/entities/{entity.slug}/articles/"
    client = Client()
    seen = client.get(url, HTTP_AUTHORIZATION=early[1]).json()["results"]
    assert [item["id"] for item in seen] == [story.pk, public.pk]
    seen = client.get(url, HTTP_AUTHORIZATION=other[1]).json()["results"]
    assert [item["id"] for item in seen] == [public.pk]


def test_embargoed_ninjs_is_valid(client, early):
    """The embargoed item validates against the ninjs 2.2 and 3.1 schemas."""
    if not NINJS_31_SCHEMA.is_file():
        pytest.skip("../shared/ninjs/3.1 is not present")
    validator_31 = jsonschema.Draft202012Validator(
        json.loads(NINJS_31_SCHEMA.read_text()),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    partner, key = early
    story = embargoed(partners=[partner])
    url = f"{LIST_URL}{story.pk}/?format=ninjs"
    assert_valid_ninjs(client.get(url, HTTP_AUTHORIZATION=key).json())
    item = client.get(f"{url}&version=3.1", HTTP_AUTHORIZATION=key).json()
    assert_valid_ninjs_31(validator_31, item)
