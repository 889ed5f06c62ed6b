from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import revisions
from articles.models import Article
from articles.services import delete_articles, publish_article, withdraw_article
from partners.models import Event, WebhookDelivery, WebhookEndpoint
from partners.services import add_webhook
from partners.webhooks import SIGNATURE_HEADER, send_delivery
from tests.admin_forms import form_data
from tests.conftest import run_worker
from tests.factories import (
    ArticleFactory,
    CorrectionFactory,
    PartnerAPIKeyFactory,
    PartnerFactory,
)
from tests.partners import receiver as receivers

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings")]


@pytest.fixture
def hooked(db):
    """A partner with a key, so that its webhooks may be sent."""
    partner = PartnerFactory(name="Wire Mirror")
    PartnerAPIKeyFactory(partner=partner)
    return partner


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("boss", "boss@example.org", "x")
    client.force_login(user)
    return client


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run on-commit work (queuing deliveries) as a real commit would."""

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


def test_publishing_sends_the_signed_ninjs(hooked, receiver, commits):
    """Publishing a story posts its ninjs, signed with the endpoint's secret,
    with the event, its id and the story's sequence in headers."""
    endpoint = add_webhook(partner=hooked, url=receiver.url("/ok"))
    story = commits(lambda: ArticleFactory(headline="Dam bursts"))

    [request] = receiver.at("/ok")
    assert receivers.verify(
        endpoint.secret, request.headers[SIGNATURE_HEADER], request.body
    )
    assert not receivers.verify(
        "whsec_wrong", request.headers[SIGNATURE_HEADER], request.body
    )
    assert request.headers["Newsroom-Event"] == "published"
    body = request.json
    delivery = WebhookDelivery.objects.get()
    assert body["event"] == "published"
    assert (
        body["event_id"]
        == request.headers["Newsroom-Event-Id"]
        == str(delivery.event_id)
    )
    assert body["sequence"] == delivery.pk == int(request.headers["Newsroom-Sequence"])
    assert body["item"]["headlines"][0]["value"] == "Dam bursts"
    assert body["item"]["uri"] == f"urn:newsroom:article:{story.pk}"
    assert delivery.status == WebhookDelivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.response_code) == (1, 204)


def test_drafts_and_staged_changes_send_nothing(hooked, receiver, commits):
    """A draft, and a live story's unpublished changes, are no event."""
    add_webhook(partner=hooked, url=receiver.url("/ok"))
    story = commits(lambda: ArticleFactory())
    commits(lambda: ArticleFactory(draft=True))
    commits(
        lambda: revisions.stage_changes(
            story, content=revisions.content_with(story, headline="Secret edit")
        )
    )
    assert [r.json["event"] for r in receiver.received] == ["published"]
    assert b"Secret edit" not in b"".join(r.body for r in receiver.received)


def test_events_chosen_are_the_only_ones_sent(hooked, receiver, commits):
    """An endpoint told only of withdrawals hears nothing of publications."""
    add_webhook(partner=hooked, url=receiver.url("/ok"), events=["withdrawn"])
    story = commits(lambda: ArticleFactory())
    commits(lambda: withdraw_article(article=story))
    [request] = receiver.received
    assert request.json == {
        "event": "withdrawn",
        "event_id": request.json["event_id"],
        "sequence": request.json["sequence"],
        "id": story.pk,
        "uri": f"urn:newsroom:article:{story.pk}",
        "time": request.json["time"],
    }


def test_slow_receiver_within_the_timeout_succeeds(hooked, receiver, commits):
    """A receiver slower than usual but within the read timeout is fine."""
    add_webhook(partner=hooked, url=receiver.url("/slow"))
    commits(lambda: ArticleFactory())
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("succeeded", 200)


def test_receiver_that_never_answers_is_a_failed_attempt(hooked, receiver, commits):
    """A receiver that does not answer within the read timeout is a failed
    attempt, retried later; the editor's save did not wait for it."""
    add_webhook(partner=hooked, url=receiver.url("/hang"))
    commits(lambda: ArticleFactory())
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.attempts == 1
    assert "timed out" in delivery.last_error
    assert delivery.next_attempt_at > delivery.last_attempt_at


def test_redirect_is_never_followed(hooked, receiver, commits):
    """A redirect is a failed attempt that says so; its target is not called."""
    add_webhook(partner=hooked, url=receiver.url("/redirect"))
    commits(lambda: ArticleFactory())
    delivery = WebhookDelivery.objects.get()
    assert delivery.response_code == 302
    assert "never follow redirects" in delivery.last_error
    assert receiver.at("/ok") == []


@pytest.mark.django_db(transaction=True)
def test_500_retries_with_backoff_then_fails(settings, database_tasks, receiver):
    """A receiver answering 500 is tried again after 1, then 2 minutes (each
    retry a task queued for its time), and marked failed after the last."""
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    partner = PartnerFactory()
    PartnerAPIKeyFactory(partner=partner)
    add_webhook(partner=partner, url=receiver.url("/fail"))
    ArticleFactory()
    delays = []
    for _ in range(3):
        run_worker()
        delivery = WebhookDelivery.objects.get()
        if delivery.status != WebhookDelivery.Status.PENDING:
            break
        delays.append(delivery.next_attempt_at - delivery.last_attempt_at)
        waiting = DBTaskResult.objects.get(status="READY")
        assert waiting.run_after == delivery.next_attempt_at
        # Time passes: the retry is due.
        DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    assert delays == [datetime.timedelta(minutes=1), datetime.timedelta(minutes=2)]
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.attempts == 3 == len(receiver.at("/fail"))
    assert "Answered 500" in delivery.last_error
    assert "Gave up after 3 attempts" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_scheduled_story_is_sent_when_it_goes_live(database_tasks, receiver):
    """A scheduled story's delivery waits for its go-live time, and checks
    then that readers can see it."""
    partner = PartnerFactory()
    PartnerAPIKeyFactory(partner=partner)
    add_webhook(partner=partner, url=receiver.url("/ok"))
    story = ArticleFactory(scheduled=True)
    run_worker()
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after == story.go_live_at == delivery.next_attempt_at

    Article.objects.filter(pk=story.pk).update(go_live_at=timezone.now())
    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    run_worker()
    [request] = receiver.received
    assert request.json["event"] == "published"


def test_older_state_is_never_sent_after_a_newer_one(hooked, receiver, commits):
    """Of two pending deliveries for one story, the older is superseded and
    only the latest state is sent."""
    endpoint = add_webhook(partner=hooked, url=receiver.url("/ok"))
    story = ArticleFactory()
    first = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.PUBLISHED, article_id=story.pk
    )
    second = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.UPDATED, article_id=story.pk
    )
    assert send_delivery(second.pk) == "succeeded"
    assert send_delivery(first.pk) == "superseded"
    assert [r.json["event"] for r in receiver.received] == ["updated"]


def test_inactive_or_keyless_partner_gets_nothing(receiver, commits):
    """A suspended partner, or one whose keys are all revoked, gets no
    delivery: each is logged as skipped."""
    suspended = PartnerFactory(active=True)
    PartnerAPIKeyFactory(partner=suspended)
    revoked = PartnerFactory()
    PartnerAPIKeyFactory(partner=revoked, revoked=True)
    add_webhook(partner=suspended, url=receiver.url("/ok"))
    add_webhook(partner=revoked, url=receiver.url("/ok"))
    story = ArticleFactory()
    for delivery_endpoint in [suspended.webhooks.get(), revoked.webhooks.get()]:
        WebhookDelivery.objects.create(
            endpoint=delivery_endpoint, event=Event.PUBLISHED, article_id=story.pk
        )
    suspended.active = False
    suspended.save()
    for delivery in WebhookDelivery.objects.all():
        assert send_delivery(delivery.pk) == "skipped"
    assert receiver.received == []
    reasons = set(WebhookDelivery.objects.values_list("last_error", flat=True))
    assert reasons == {
        "The partner is suspended.",
        "The partner has no usable API key (all revoked).",
    }


def test_never_sends_a_story_partners_may_not_see(hooked, receiver):
    """A delivery whose story is now a draft, scheduled or expired sends
    nothing; one for a story visible again sends no withdrawal."""
    endpoint = add_webhook(partner=hooked, url=receiver.url("/ok"))
    hidden = [
        ArticleFactory(draft=True),
        ArticleFactory(expired=True),
        ArticleFactory(withdrawn=True),
    ]
    for story in hidden:
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=Event.UPDATED, article_id=story.pk
        )
        assert send_delivery(delivery.pk) == "skipped"
    live = ArticleFactory()
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=Event.WITHDRAWN, article_id=live.pk
    )
    assert send_delivery(delivery.pk) == "skipped"
    assert receiver.received == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://partner.example.org/hook", "must start with https://"),
        ("ftp://partner.example.org/hook", "must start with https://"),
        ("https://10.1.2.3/hook", "a private address"),
        ("https://169.254.169.254/latest", "a link-local address"),
        ("https://user:pw@203.0.113.9/hook", "user name or password"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_bad_urls_are_refused(hooked, url, message):
    """Each refused URL says why, and nothing is saved."""
    with pytest.raises(ValidationError, match=message):
        add_webhook(partner=hooked, url=url)
    assert not hooked.webhooks.exists()


def test_loopback_is_refused_in_production(hooked, settings):
    """Without WEBHOOK_ALLOW_LOCAL, 127.0.0.1 and localhost are refused."""
    settings.WEBHOOK_ALLOW_LOCAL = False
    for url in ["http://127.0.0.1:9/hook", "https://127.0.0.1/hook"]:
        with pytest.raises(ValidationError):
            add_webhook(partner=hooked, url=url)


def test_address_checked_again_at_delivery(hooked, receiver, commits, settings):
    """A URL that became local after registration is refused when sending."""
    add_webhook(partner=hooked, url=receiver.url("/ok"))
    settings.WEBHOOK_ALLOW_LOCAL = False
    commits(lambda: ArticleFactory())
    delivery = WebhookDelivery.objects.get()
    assert "127.0.0.1" in delivery.last_error
    assert receiver.received == []


def test_command_registers_webhooks(receiver, capsys):
    """create_partner --webhook registers each URL and prints its secret once."""
    call_command(
        "create_partner",
        "Wire Mirror",
        "--webhook",
        receiver.url("/a"),
        "--webhook",
        receiver.url("/b"),
        "--webhook-events",
        "published,deleted",
    )
    out = capsys.readouterr().out
    partner = PartnerFactory(name="Wire Mirror")
    endpoints = list(partner.webhooks.order_by("url"))
    assert [e.events for e in endpoints] == [["published", "deleted"]] * 2
    for endpoint in endpoints:
        assert endpoint.secret in out


def test_command_refuses_bad_webhook(db):
    """A bad --webhook URL fails the command, creating no partner."""
    with pytest.raises(CommandError, match="must start with https://"):
        call_command("create_partner", "Bad Hook", "--webhook", "http://x.example/")
    with pytest.raises(CommandError, match="unknown: sometimes"):
        call_command(
            "create_partner",
            "Bad Events",
            "--webhook",
            "https://203.0.113.9/",
            "--webhook-events",
            "sometimes",
        )
    assert not Article.objects.exists()


def test_mirror_kept_by_webhooks_matches_the_api(
    hooked, receiver, commits, partner_client
):
    """A partner applying webhooks alone, in sequence order per story, holds
    exactly what the API lists after publications, a revision, a correction,
    a withdrawal and deletions."""
    add_webhook(partner=hooked, url=receiver.url("/ok"))
    a = commits(lambda: ArticleFactory(headline="A first"))
    b = commits(lambda: ArticleFactory(headline="B first"))
    c = commits(lambda: ArticleFactory(headline="C first"))
    d = commits(lambda: ArticleFactory(draft=True, headline="D draft"))
    commits(
        lambda: revisions.stage_changes(
            a, content=revisions.content_with(a, headline="A revised")
        )
    )
    a.refresh_from_db()
    commits(lambda: revisions.publish_revision(revision=a.staged_revision))
    commits(lambda: CorrectionFactory(article=b))
    commits(lambda: withdraw_article(article=c))
    commits(lambda: publish_article(article=d))
    commits(lambda: delete_articles(articles=[Article.objects.get(pk=b.pk)]))
    e = commits(lambda: ArticleFactory(headline="E"))
    commits(lambda: Article.objects.filter(pk=e.pk).delete())

    mirror, seen = {}, {}
    for request in receiver.received:
        body = request.json
        if body["sequence"] <= seen.get(body["id"], 0):
            continue
        seen[body["id"]] = body["sequence"]
        if body["event"] in {"withdrawn", "deleted"}:
            mirror.pop(body["id"], None)
        else:
            mirror[body["id"]] = body["item"]

    listed = partner_client.get("/api/v1/articles/").json()["results"]
    assert sorted(mirror) == sorted(story["id"] for story in listed)
    for pk, item in mirror.items():
        api = partner_client.get(f"/api/v1/articles/{pk}/", {"format": "ninjs"})
        assert item == api.json()
    assert mirror[a.pk]["headlines"][0]["value"] == "A revised"
    events = [(r.json["id"], r.json["event"]) for r in receiver.received]
    assert (b.pk, "updated") in events
    assert (b.pk, "deleted") in events
    assert (e.pk, "deleted") in events


def test_admin_delivery_log_and_resend(
    admin_client, hooked, receiver, commits, django_assert_max_num_queries
):
    """The delivery log lists deliveries in a few queries; "resend" queues a
    fresh delivery of the story's current state."""
    endpoint = add_webhook(partner=hooked, url=receiver.url("/ok"))
    stories = [commits(lambda: ArticleFactory()) for _ in range(5)]
    url = reverse("admin:partners_webhookdelivery_changelist")
    with django_assert_max_num_queries(12):
        response = admin_client.get(url, {"status": "succeeded"})
    assert response.status_code == 200
    assert response.content.count(endpoint.url.encode()) >= 5
    first = WebhookDelivery.objects.get(article_id=stories[0].pk)
    response = commits(
        lambda: admin_client.post(
            url,
            {"action": "resend", "_selected_action": [first.pk]},
        )
    )
    assert response.status_code == 302
    fresh = WebhookDelivery.objects.filter(article_id=stories[0].pk).latest("pk")
    assert fresh.pk != first.pk
    assert fresh.status == WebhookDelivery.Status.SUCCEEDED
    assert len(receiver.received) == 6


def test_admin_adds_an_endpoint_and_shows_its_secret_once(
    admin_client, hooked, receiver
):
    """An endpoint added in the admin gets a secret, shown once in the message
    and never again on its page; a bad URL is refused on the form."""
    page = admin_client.get(reverse("admin:partners_partner_change", args=[hooked.pk]))
    assert page.status_code == 200
    assert b"webhook endpoints" in page.content.lower()
    add = reverse("admin:partners_webhookendpoint_add")
    refused = admin_client.post(
        add, {"partner": hooked.pk, "url": "http://x.example/", "events": ["updated"]}
    )
    assert refused.status_code == 200
    assert "must start with https://" in refused.content.decode()
    response = admin_client.post(
        add,
        {"partner": hooked.pk, "url": receiver.url("/ok"), "events": ["updated"]},
        follow=True,
    )
    endpoint = hooked.webhooks.get()
    assert endpoint.events == ["updated"]
    assert endpoint.secret in response.content.decode()
    change = admin_client.get(
        reverse("admin:partners_webhookendpoint_change", args=[endpoint.pk])
    )
    assert endpoint.secret not in change.content.decode()
    rotated = admin_client.post(
        reverse("admin:partners_webhookendpoint_changelist"),
        {"action": "rotate_secrets", "_selected_action": [endpoint.pk]},
        follow=True,
    )
    endpoint.refresh_from_db()
    assert endpoint.secret in rotated.content.decode()


def test_partner_page_inline_adds_an_endpoint_and_shows_its_secret(
    admin_client, hooked, receiver
):
    """An endpoint added on the partner's own page gets a secret, shown once."""
    url = reverse("admin:partners_partner_change", args=[hooked.pk])
    data = form_data(admin_client.get(url))
    data.update(
        {
            "webhooks-TOTAL_FORMS": "1",
            "webhooks-0-url": receiver.url("/ok"),
            "webhooks-0-events": ["published", "deleted"],
            "webhooks-0-active": "on",
        }
    )
    response = admin_client.post(url, data, follow=True)
    endpoint = hooked.webhooks.get()
    assert endpoint.events == ["published", "deleted"]
    assert endpoint.secret in response.content.decode()
    again = admin_client.get(url).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret_hint in again


def test_a_rolled_back_change_sends_nothing(hooked, receiver, commits):
    """A publication whose transaction rolls back queues no delivery, and the
    next one is sent as usual."""
    add_webhook(partner=hooked, url=receiver.url("/ok"))

    def publish_then_fail():
        with transaction.atomic():
            ArticleFactory(headline="Never happened")
            raise RuntimeError("the editor's save failed")

    with pytest.raises(RuntimeError):
        commits(publish_then_fail)
    commits(lambda: ArticleFactory(headline="Happened"))
    [request] = receiver.received
    assert request.json["item"]["headlines"][0]["value"] == "Happened"


def test_send_webhooks_command_sends_due_retries(hooked, receiver, commits):
    """Without a task backend that can wait, `send_webhooks` sends the
    retries whose time has come."""
    endpoint = add_webhook(partner=hooked, url=receiver.url("/fail"))
    commits(lambda: ArticleFactory())
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now()
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url("/ok"))
    call_command("send_webhooks", stdout=io.StringIO())
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
