"""Giving partners access: create a partner, issue a key, register a webhook,
give a scheduled story to chosen partners early (an embargo)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from articles import audit
from articles.models import Article
from partners.models import (
    Embargo,
    Event,
    Partner,
    PartnerAPIKey,
    PartnerGroup,
    WebhookEndpoint,
    entitled_partner_ids,
)
from partners.webhooks import story_changed


def issue_key(
    *,
    partner: Partner,
    name: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[PartnerAPIKey, str]:
    """Create a key for `partner`; return it with the secret, which is never
    stored and cannot be shown again."""
    name = name or f"{partner.name} key"
    return PartnerAPIKey.objects.create_key(
        partner=partner, name=name[:50], expiry_date=expires_at
    )


def add_webhook(
    *, partner: Partner, url: str, events: Iterable[str] = ()
) -> WebhookEndpoint:
    """Register `url` to be told of `events` (default: all). Raises
    ValidationError, saving nothing, for a URL that is not HTTPS, resolves to
    a private address, is registered already, or an unknown event. The new
    endpoint's `secret` is to be shown to the partner once."""
    endpoint = WebhookEndpoint(
        partner=partner, url=url, events=list(events) or list(Event.values)
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def create_partner(
    *,
    name: str,
    contact: str = "",
    throttle_rate: str = "",
    allowed_origins: list[str] | tuple[str, ...] = (),
    key_name: str = "",
    expires_at: datetime.datetime | None = None,
    webhooks: Iterable[str] = (),
    webhook_events: Iterable[str] = (),
) -> tuple[Partner, str]:
    """Create a partner with its first key and its `webhooks` (URLs told of
    `webhook_events`, default all); return the partner and the key's secret.

    Raises ValidationError when a field does not fit the model (a rate such as
    "1000/hour", origins such as "https://partner.example.org", a unique name).
    """
    partner = Partner(
        name=name, contact=contact, allowed_origins="\n".join(allowed_origins)
    )
    if throttle_rate:
        partner.throttle_rate = throttle_rate
    partner.full_clean()
    partner.save()
    _, key = issue_key(partner=partner, name=key_name, expires_at=expires_at)
    for url in webhooks:
        add_webhook(partner=partner, url=url, events=webhook_events)
    return partner, key


def check_embargo(*, article: Article, now: datetime.datetime | None = None) -> None:
    """Raise ValidationError, saying why, unless partners may be given
    `article` early: it must be scheduled (published, with a go-live time to
    come, the embargo time). `article` may hold unsaved changes (the story
    form's); whether readers already saw it is read from the database."""
    now = now or timezone.now()
    if article.pk and Article.objects.published(now).filter(pk=article.pk).exists():
        raise ValidationError(
            "This story is already public: readers and every partner see it, so "
            "there is nothing to give early. An embargo is set before a story's "
            "go-live time."
        )
    if article.status != Article.Status.PUBLISHED or article.go_live_at is None:
        raise ValidationError(
            "Partners get a story early only when it is scheduled: publish it "
            "with a go-live time in the future (the embargo time), then pick "
            "the partners."
        )
    if article.go_live_at <= now:
        when = date_format(timezone.localtime(article.go_live_at), "DATETIME_FORMAT")
        raise ValidationError(
            f"The embargo time (the go-live time, {when}) is in the past: set a "
            "go-live time in the future to embargo the story."
        )


def embargo_changed(*, article: Article, before: set[int], by=None) -> None:
    """Tell partners of a change to whom `article`'s embargo grants it,
    after its partners and groups are saved (or the embargo deleted).

    Partners newly granted get the story at once ("published", marked
    embargoed) and "embargo_lifted" at its go-live time; partners no longer
    granted get "withdrawn" (they saw it and must take it down). `before` is
    the partners it granted before. Nothing is sent once the story is
    public. Call inside the transaction that saves the embargo: nothing is
    sent if it rolls back."""
    if not article.is_scheduled:
        return
    after = entitled_partner_ids(article.pk)
    if after != before:
        names = ", ".join(
            Partner.objects.filter(pk__in=after).values_list("name", flat=True)
        )
        audit.record(
            audit.Action.EMBARGO_CHANGED if before else audit.Action.EMBARGOED,
            article=article,
            by=by,
            detail=f"early to: {names}" if names else "to no partner",
        )
    story_changed(
        event=Event.PUBLISHED,
        article_id=article.pk,
        at=article.go_live_at,
        partner_ids=after - before,
    )
    story_changed(
        event=Event.WITHDRAWN,
        article_id=article.pk,
        at=article.go_live_at,
        partner_ids=before - after,
    )


@transaction.atomic
def embargo_story(
    *,
    article: Article,
    partners: Iterable[Partner] = (),
    groups: Iterable[PartnerGroup] = (),
    by=None,
) -> Embargo | None:
    """Give the scheduled `article` early to `partners` and every partner of
    `groups` (in place of whom it was given to before), until its go-live
    time; with neither, take its embargo away (None). Raises ValidationError
    (`check_embargo`) when it may not be, before writing anything."""
    partners, groups = list(partners), list(groups)
    before = entitled_partner_ids(article.pk)
    if not partners and not groups:
        Embargo.objects.filter(article=article).delete()
        embargo_changed(article=article, before=before, by=by)
        return None
    check_embargo(article=article)
    embargo, _ = Embargo.objects.get_or_create(article=article)
    embargo.partners.set(partners)
    embargo.groups.set(groups)
    embargo.save(update_fields=["updated_at"])
    embargo_changed(article=article, before=before, by=by)
    return embargo
