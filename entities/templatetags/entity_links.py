from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from articles.models import Article
from entities.linking import link_first_mentions

register = template.Library()


@register.filter
def linked_body(article: Article) -> SafeString:
    """The story body with the first mention of each of its entities linked.

    Uses the story's prefetched `entity_links` (with their entities).
    """
    urls = {
        link.tag_id: link.tag.get_absolute_url() for link in article.entity_links.all()
    }
    return link_first_mentions(article.body, urls)
