"""An editor's pick or exclusion changes the story page's related list: it
clears that page from the page cache (newsroom.pagecache). Stored suggestions
clear it from related.upkeep, which writes them."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom import pagecache
from related.models import RelatedExclusion, RelatedLink


@receiver(post_save, sender=RelatedLink)
@receiver(post_delete, sender=RelatedLink)
@receiver(post_save, sender=RelatedExclusion)
@receiver(post_delete, sender=RelatedExclusion)
def _pair_changed(sender, instance, **kwargs) -> None:
    pagecache.bump({f"related:{instance.article_id}"})
