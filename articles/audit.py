"""The audit trail: one row per editorial act on a story (docs/editors.md).

`record` is called by the services that do the act, inside their transaction,
so an act that rolls back leaves no event, and an event is never missing for
an act that happened.
"""

from __future__ import annotations

from articles.models import Article, AuditEvent, Revision

Action = AuditEvent.Action


def record(
    action: str,
    *,
    article: Article,
    by=None,
    detail: str = "",
    revision: Revision | None = None,
) -> AuditEvent:
    """Note that `by` (None: the system) did `action` to `article`."""
    detail_length = AuditEvent._meta.get_field("detail").max_length
    return AuditEvent.objects.create(
        action=action,
        article=article if article.pk else None,
        headline=article.headline[: AuditEvent._meta.get_field("headline").max_length],
        user=by if by is not None and by.pk else None,
        user_name=by.get_username() if by is not None else "",
        revision=revision,
        detail=detail[:detail_length],
    )
