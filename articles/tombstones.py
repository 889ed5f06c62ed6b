"""Tombstones: deleting a story partners saw leaves a `DeletedArticle`.

A model signal rather than a line in `services.delete_articles`, as for the
page cache (articles.caching): a story goes by more paths than the service
(a queryset's delete() in a command or a shell, a cascade), and a mirror
that keeps a deleted story for ever is the bug this prevents. The tombstone
is written in the deleting transaction, so a delete rolled back leaves none.
"""

from __future__ import annotations

from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone

from articles.api.serializers import article_uri
from articles.models import Article, DeletedArticle


@receiver(pre_delete, sender=Article, dispatch_uid="articles.tombstones")
def _leave_tombstone(sender, instance: Article, **kwargs) -> None:
    # "Ever public" is what the change feed shows: live now, or live once and
    # taken off since (withdrawn or expired).
    if Article.objects.changes().filter(pk=instance.pk).exists():
        DeletedArticle.objects.update_or_create(
            pk=instance.pk,
            defaults={"uri": article_uri(instance), "deleted_at": timezone.now()},
        )
