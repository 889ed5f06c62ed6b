"""Which story changes fire webhooks: partners listens to the articles app's
model signals (articles never calls partners).

Compared before and after each save of a story, as partners see it
(`Article.is_live`, i.e. `published()`):

- not visible → visible: "published"; → scheduled (published, go-live
  later): "published", sent at the go-live time if the story is visible then;
- visible → visible with a change partners see (text, address, section,
  thread, the live revision, a correction's date): "updated";
- visible → not visible (withdrawn, back to draft, expiry set in the past):
  "withdrawn";
- a correction added, changed or removed on a visible story: "updated";
- a tombstone left by deleting a story partners saw: "deleted";
- an embargoed story (scheduled, granted early to some partners,
  partners.models.Embargo): "published" at once and "embargo_lifted" at its
  go-live time for the partners it is granted to (see `story_changed`); a
  change to it, "updated", and its withdrawal, "withdrawn", for them only.

A story's unpublished changes (staged revisions) are `update()`s that send no
signal: nothing fires until they are published. A story that expires by time
alone fires nothing (no write happens); the change feed shows it.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from articles.models import Article, Correction, DeletedArticle
from partners.models import Event, entitled_partner_ids
from partners.webhooks import story_changed

# What partners see of a story, besides its body's related lists and links.
SHOWN = (
    "headline",
    "dek",
    "body",
    "byline",
    "dateline",
    "slug",
    "language",
    "section_id",
    "thread_id",
    "live_revision_id",
    "corrected_at",
    "text_changed_at",
    "go_live_at",
    "expire_at",
)
STATE = ("status", "go_live_at", "expire_at")


def _visible(status: str, go_live_at, expire_at, now) -> bool:
    return (
        status == Article.Status.PUBLISHED
        and go_live_at is not None
        and go_live_at <= now
        and (expire_at is None or expire_at > now)
    )


def _embargoed(status: str, go_live_at, expire_at, now) -> bool:
    return (
        status == Article.Status.PUBLISHED
        and go_live_at is not None
        and go_live_at > now
        and (expire_at is None or expire_at > now)
    )


@receiver(pre_save, sender=Article, dispatch_uid="partners.webhooks.before")
def _remember(sender, instance: Article, **kwargs) -> None:
    if instance.pk is None:
        instance._webhook_before = None
        return
    instance._webhook_before = (
        Article.objects.filter(pk=instance.pk).values(*{*SHOWN, *STATE}).first()
    )


@receiver(post_save, sender=Article, dispatch_uid="partners.webhooks.after")
def _saved(sender, instance: Article, **kwargs) -> None:
    before = instance.__dict__.pop("_webhook_before", None)
    # A field the save left unloaded was not changed by it: reading it would
    # cost a query.
    shown = [name for name in SHOWN if name not in instance.get_deferred_fields()]
    now = timezone.now()
    was = before is not None and _visible(*(before[name] for name in STATE), now)
    if instance.is_live:
        if not was:
            story_changed(event=Event.PUBLISHED, article_id=instance.pk)
        elif any(getattr(instance, name) != before[name] for name in shown):
            story_changed(event=Event.UPDATED, article_id=instance.pk)
    elif was:
        story_changed(event=Event.WITHDRAWN, article_id=instance.pk)
    elif instance.is_scheduled:
        if before is None or any(getattr(instance, n) != before[n] for n in STATE):
            # Partners its embargo grants get it (again) at once.
            story_changed(
                event=Event.PUBLISHED, article_id=instance.pk, at=instance.go_live_at
            )
        elif any(getattr(instance, name) != before[name] for name in shown):
            # Only partners who have it early see an embargoed story change.
            story_changed(
                event=Event.UPDATED,
                article_id=instance.pk,
                partner_ids=entitled_partner_ids(instance.pk),
            )
    elif before is not None and _embargoed(*(before[name] for name in STATE), now):
        # Withdrawn (or back to draft) while embargoed: those who had it early
        # must take it down.
        story_changed(
            event=Event.WITHDRAWN,
            article_id=instance.pk,
            partner_ids=entitled_partner_ids(instance.pk),
        )


@receiver(post_save, sender=Correction, dispatch_uid="partners.webhooks.correction")
@receiver(
    post_delete, sender=Correction, dispatch_uid="partners.webhooks.correction_gone"
)
def _correction_changed(sender, instance: Correction, **kwargs) -> None:
    if Article.objects.published().filter(pk=instance.article_id).exists():
        story_changed(event=Event.UPDATED, article_id=instance.article_id)


@receiver(post_save, sender=DeletedArticle, dispatch_uid="partners.webhooks.deleted")
def _deleted(sender, instance: DeletedArticle, **kwargs) -> None:
    story_changed(event=Event.DELETED, article_id=instance.pk)
