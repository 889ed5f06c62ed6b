"""Webhooks: telling partners the moment a story changes.

The door other apps use is `story_changed(event=..., article_id=...)`; the
receivers in partners.receivers call it on the story's signals (publication,
a published revision or correction, withdrawal, the tombstone of a deletion).
It records nothing in the caller's transaction: once that commits, one
`WebhookDelivery` per subscribed endpoint is made and queued for the task
worker (`deliver_webhook`, which calls `send_delivery`), so a save never waits on a
partner, and a change rolled back sends nothing.

At send time, in this order: an endpoint or partner that is inactive, or
whose partner has no usable key, is skipped; a delivery is superseded when a
newer one for the same endpoint and story exists (a partner never gets an
older state after a newer one); the body is built from the story as it is
then, through `published()` only, so nothing a partner may not see is sent.
A failed attempt (an error status, a timeout, a redirect, a refused address)
is tried again with exponential backoff (settings.WEBHOOK_*), then marked
failed. See docs/partners.md#webhooks.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django_tasks import default_task_backend, task

from articles.api.serializers import NinjsSerializer, article_uri, load_relations
from articles.models import Article, DeletedArticle
from partners.addresses import check_webhook_url
from partners.models import (
    Event,
    PartnerAPIKey,
    WebhookDelivery,
    WebhookEndpoint,
    early_access_for,
    entitled_partner_ids,
)
from related.serving import related_articles

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Newsroom-Signature"
EVENT_HEADER = "Newsroom-Event"
EVENT_ID_HEADER = "Newsroom-Event-Id"
SEQUENCE_HEADER = "Newsroom-Sequence"
USER_AGENT = "Newsroom-Webhooks/1"
TOMBSTONE_EVENTS = frozenset({Event.WITHDRAWN, Event.DELETED})
# Events that wait for a rescheduled story's new go-live time.
WAITING_EVENTS = frozenset({Event.PUBLISHED, Event.EMBARGO_LIFTED})


# Firing events.


# Whom an event is for: None, every subscribed endpoint; or these partners.
Audience = frozenset[int] | None
Events = dict[tuple[int, Audience], tuple[str, datetime.datetime | None]]


def story_changed(
    *,
    event: str,
    article_id: int,
    at: datetime.datetime | None = None,
    partner_ids: Iterable[int] | None = None,
) -> None:
    """Tell the endpoints subscribed to `event` about story `article_id`, once
    the current transaction commits (at once outside one); `at`, when later,
    is the earliest send time (a scheduled story's go-live time: its
    visibility is checked again then). A transaction that rolls back sends
    nothing. With `partner_ids`, only those partners' endpoints are told (a
    change to an embargoed story, which only the partners it is granted to
    have seen).

    A scheduled story's "published" (`at` later) goes at once to the partners
    its embargo grants, who may see it now, and at `at` they get
    "embargo_lifted" instead of a second "published" (`_early_plan`).

    Within one transaction a story's events collapse to the last one, except
    that a deletion stays a deletion and a story first published there stays
    "published"; an event for everyone covers a "published" or "updated" for
    some partners."""
    audience = None if partner_ids is None else frozenset(partner_ids)
    if audience is not None and not audience:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _queue({(article_id, audience): (event, at)})
        return
    # Our callback among the connection's pending on-commit callbacks (as
    # related.services does: a rollback takes its callbacks with it, which a
    # list of our own could not follow).
    pending = next(
        (
            callback
            for _, callback, _ in connection.run_on_commit
            if isinstance(callback, _Pending) and not callback.done
        ),
        None,
    )
    if pending is None:
        pending = _Pending()
        # Robust: the editor's change is committed whatever befalls the queue.
        transaction.on_commit(pending, robust=True)
    key = (article_id, audience)
    earlier = pending.events.get(key)
    if earlier and (
        earlier[0] == Event.DELETED
        or (earlier[0] == Event.PUBLISHED and event == Event.UPDATED)
    ):
        # A deletion is final (its cascade deletes corrections afterwards).
        event, at = earlier
    pending.events[key] = (event, at)


@dataclass
class _Pending:
    """The on-commit callback that queues a transaction's events."""

    events: Events = field(default_factory=dict)
    done: bool = False

    def __call__(self) -> None:
        self.done = True
        everyone = {
            article_id: event
            for (article_id, audience), (event, _) in self.events.items()
            if audience is None
        }
        _queue(
            {
                (article_id, audience): value
                for (article_id, audience), value in self.events.items()
                if audience is None
                or not (
                    everyone.get(article_id) == Event.PUBLISHED
                    and value[0] in {Event.PUBLISHED, Event.UPDATED}
                )
            }
        )


def _queue(events: Events) -> None:
    if not events:
        return
    endpoints = list(
        WebhookEndpoint.objects.filter(active=True, partner__active=True).only(
            "pk", "partner_id", "events"
        )
    )
    now = timezone.now()
    for (article_id, audience), (event, at) in events.items():
        scheduled = event == Event.PUBLISHED and at is not None and at > now
        if audience is None:
            early = entitled_partner_ids(article_id) if scheduled else set()
        else:
            early = audience
        planned = []
        for endpoint in endpoints:
            if endpoint.partner_id in early:
                planned.extend(_early_plan(endpoint, event, at, scheduled, now))
            elif audience is None and event in endpoint.events:
                planned.append((endpoint, event, max(at or now, now)))
        # In this order, so that a later event has the higher sequence.
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                endpoint=endpoint,
                event=name,
                article_id=article_id,
                next_attempt_at=when,
            )
            for endpoint, name, when in planned
        )
        for delivery in deliveries:
            enqueue(delivery)


def _early_plan(
    endpoint: WebhookEndpoint,
    event: str,
    at: datetime.datetime | None,
    scheduled: bool,
    now: datetime.datetime,
) -> list[tuple[WebhookEndpoint, str, datetime.datetime]]:
    """What an endpoint of a partner the story's embargo grants gets: a
    scheduled story at once, and "embargo_lifted" at its go-live time; of a
    partner taken off the embargo, "withdrawn" now and "published" then."""
    if event == Event.WITHDRAWN and at is not None and at > now:
        # Taken off an embargo: it sees the story when readers do.
        plan = [(endpoint, event, now)] if event in endpoint.events else []
        if Event.PUBLISHED in endpoint.events:
            plan.append((endpoint, Event.PUBLISHED, at))
        return plan
    if not scheduled:
        return [(endpoint, event, now)] if event in endpoint.events else []
    plan = []
    if Event.PUBLISHED in endpoint.events:
        plan.append((endpoint, Event.PUBLISHED, now))
    if Event.EMBARGO_LIFTED in endpoint.events:
        plan.append((endpoint, Event.EMBARGO_LIFTED, at))
    return plan


def enqueue(delivery: WebhookDelivery) -> None:
    """Queue `delivery` for its next attempt time (now when it is past).
    Without a task backend that can wait, a later attempt waits for
    `manage.py send_webhooks`."""
    when = delivery.next_attempt_at
    if when is not None and when > timezone.now():
        if not default_task_backend.supports_defer:
            return
        deliver_webhook.using(run_after=when).enqueue(delivery.pk)
    else:
        deliver_webhook.enqueue(delivery.pk)


def resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """A fresh delivery of the story's current state to the same endpoint
    (the admin's "Resend"): it supersedes every older one."""
    fresh = WebhookDelivery.objects.create(
        endpoint=delivery.endpoint,
        event=delivery.event,
        article_id=delivery.article_id,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue(fresh))
    return fresh


# Bodies and signatures.


class _LinkBase:
    """Stands in for a request where serializers make absolute links: a
    webhook body is made by the task worker, outside any request."""

    GET = QueryDict()
    versioning_scheme = None

    def build_absolute_uri(self, location: str | None = None) -> str:
        return urljoin(settings.SITE_URL + "/", location or "/")


def ninjs_of(article: Article) -> dict:
    """The story's ninjs as the API's story endpoint renders it."""
    load_relations([article])
    context = {
        "request": _LinkBase(),
        "detail": True,
        "related": related_articles(article),
    }
    return NinjsSerializer(article, context=context).data


def build_payload(delivery: WebhookDelivery) -> dict | None:
    """The body of `delivery` from the story as it is now, or None when there
    is nothing this event may send (the story is not visible to partners, or
    is visible again after a withdrawal)."""
    # What this partner may see: published stories, and its embargoed ones.
    early_access = early_access_for(delivery.endpoint.partner_id)
    envelope = {
        "event": delivery.event,
        "event_id": str(delivery.event_id),
        "sequence": delivery.sequence,
        "id": delivery.article_id,
    }
    if delivery.event in TOMBSTONE_EVENTS:
        if delivery.event == Event.DELETED:
            tombstone = DeletedArticle.objects.filter(pk=delivery.article_id).first()
            if tombstone is None:
                return None
            uri, at = tombstone.uri, tombstone.deleted_at
        else:
            article = (
                Article.objects.filter(pk=delivery.article_id)
                .exclude(Article.objects.visible_condition(early_access))
                .only("pk", "updated_at")
                .first()
            )
            if article is None:
                return None
            uri, at = article_uri(article), article.updated_at
        return {
            **envelope,
            "uri": uri,
            "time": at.isoformat().replace("+00:00", "Z"),
        }
    # "embargo_lifted" carries the story once readers see it, never before.
    visible = (
        Article.objects.published()
        if delivery.event == Event.EMBARGO_LIFTED
        else Article.objects.visible_to(early_access)
    )
    article = (
        visible.select_related("section", "thread")
        .filter(pk=delivery.article_id)
        .first()
    )
    if article is None:
        return None
    return {**envelope, "uri": article_uri(article), "item": ninjs_of(article)}


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Newsroom-Signature header: `t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" under the endpoint's secret>`."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# Sending.


def _skip_reason(endpoint: WebhookEndpoint, now: datetime.datetime) -> str:
    if not endpoint.active:
        return "The endpoint is inactive."
    if not endpoint.partner.active:
        return "The partner is suspended."
    usable = (
        PartnerAPIKey.objects.filter(partner_id=endpoint.partner_id, revoked=False)
        .filter(Q(expiry_date__isnull=True) | Q(expiry_date__gt=now))
        .exists()
    )
    return "" if usable else "The partner has no usable API key (all revoked)."


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    seconds = settings.WEBHOOK_RETRY_BASE * 2 ** (attempts - 1)
    return datetime.timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_CAP))


def send_delivery(delivery_id: int) -> str:
    """Make one attempt at delivery `delivery_id`; return its status after.

    Called by the task worker (`deliver_webhook`). A delivery
    that is no longer pending is left alone (a duplicate task)."""
    delivery = (
        WebhookDelivery.objects.select_related("endpoint__partner")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return "gone"
    now = timezone.now()
    endpoint = delivery.endpoint
    Status = WebhookDelivery.Status
    if reason := _skip_reason(endpoint, now):
        return _finish(delivery, Status.SKIPPED, reason)
    newer = (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint.pk, article_id=delivery.article_id, pk__gt=delivery.pk
        )
        .exclude(status=Status.SKIPPED)
        # One waiting for a later time (an embargo's lift) takes nothing away
        # from what is due now.
        .exclude(status=Status.PENDING, attempts=0, next_attempt_at__gt=now)
    )
    if newer.exists():
        return _finish(delivery, Status.SUPERSEDED, "A newer delivery carries it.")
    if delivery.event == Event.EMBARGO_LIFTED and (
        endpoint.partner_id not in entitled_partner_ids(delivery.article_id)
    ):
        # Its grant was taken away before the time: it sees the story when
        # readers do, as any partner.
        delivery.event = Event.PUBLISHED
    payload = build_payload(delivery)
    if payload is None:
        scheduled = Article.objects.filter(
            pk=delivery.article_id,
            status=Article.Status.PUBLISHED,
            go_live_at__gt=now,
        ).values_list("go_live_at", flat=True)
        if delivery.event in WAITING_EVENTS and (go_live_at := scheduled.first()):
            # Rescheduled since: wait for the new go-live time.
            delivery.next_attempt_at = go_live_at
            delivery.save(update_fields=["next_attempt_at"])
            enqueue(delivery)
            return delivery.status
        return _finish(
            delivery, Status.SKIPPED, "The story is not in that state any more."
        )
    return _attempt(delivery, payload, now)


def _attempt(delivery: WebhookDelivery, payload: dict, now: datetime.datetime) -> str:
    endpoint = delivery.endpoint
    body = encode(payload)
    delivery.payload = payload
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = None
    error = ""
    try:
        check_webhook_url(endpoint.url)
        timestamp = int(time.time())
        response = requests.post(
            endpoint.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
                EVENT_HEADER: delivery.event,
                EVENT_ID_HEADER: str(delivery.event_id),
                SEQUENCE_HEADER: str(delivery.sequence),
            },
            timeout=(settings.WEBHOOK_CONNECT_TIMEOUT, settings.WEBHOOK_READ_TIMEOUT),
            allow_redirects=False,
        )
        response.close()
    except ValidationError as refused:
        error = " ".join(refused.messages)
    except requests.Timeout:
        error = (
            f"No answer within {settings.WEBHOOK_CONNECT_TIMEOUT:g} s to connect "
            f"or {settings.WEBHOOK_READ_TIMEOUT:g} s to respond (timed out)."
        )
    except requests.RequestException as failure:
        error = f"Could not deliver: {failure.__class__.__name__}: {failure}"
    else:
        delivery.response_code = response.status_code
        if 200 <= response.status_code < 300:
            return _finish(delivery, WebhookDelivery.Status.SUCCEEDED, "")
        if response.is_redirect or 300 <= response.status_code < 400:
            error = (
                f"Answered {response.status_code}, a redirect to "
                f"“{response.headers.get('Location', '')}”: webhooks never follow "
                "redirects; register the final URL."
            )
        else:
            error = f"Answered {response.status_code}, not 2xx."
    if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        logger.warning(
            "Webhook delivery %s to %s failed for good after %s attempts: %s",
            delivery.pk,
            endpoint.url,
            delivery.attempts,
            error,
        )
        return _finish(
            delivery,
            WebhookDelivery.Status.FAILED,
            f"{error} Gave up after {delivery.attempts} attempts.",
        )
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.last_error = error
    logger.info(
        "Webhook delivery %s to %s failed (attempt %s), retrying at %s: %s",
        delivery.pk,
        endpoint.url,
        delivery.attempts,
        delivery.next_attempt_at.isoformat(),
        error,
    )
    delivery.save()
    enqueue(delivery)
    return delivery.status


def _finish(delivery: WebhookDelivery, status: str, message: str) -> str:
    delivery.status = status
    delivery.last_error = message
    delivery.next_attempt_at = None
    delivery.save()
    if status == WebhookDelivery.Status.SKIPPED:
        logger.info("Webhook delivery %s skipped: %s", delivery.pk, message)
    return status


def send_due(now: datetime.datetime | None = None) -> int:
    """Attempt every pending delivery whose time has come (`manage.py
    send_webhooks`, for a task backend that cannot wait); returns how many."""
    due = WebhookDelivery.objects.due(now).order_by("pk")
    due = list(due.values_list("pk", flat=True))
    for pk in due:
        send_delivery(pk)
    return len(due)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a webhook delivery, run by `manage.py db_worker`; a
    failed attempt queues the next one itself."""
    return send_delivery(delivery_id)
