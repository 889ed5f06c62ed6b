"""Giving partners access: create a partner, issue a key, register a webhook."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction

from partners.models import Event, Partner, PartnerAPIKey, WebhookEndpoint


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
