"""Giving partners access: create a partner, issue a key."""

from __future__ import annotations

import datetime

from django.db import transaction

from partners.models import Partner, PartnerAPIKey


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


@transaction.atomic
def create_partner(
    *,
    name: str,
    contact: str = "",
    throttle_rate: str = "",
    allowed_origins: list[str] | tuple[str, ...] = (),
    key_name: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[Partner, str]:
    """Create a partner with its first key; return the partner and the secret.

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
    return partner, key
