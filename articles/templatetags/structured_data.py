"""{% json_ld %} and the builders of articles.structured_data, for templates.

The JSON is escaped as `json_script` escapes it (<, > and & as \\u escapes),
so no text in it can end the script element; a JSON-LD data block is not
executed, so the Content-Security-Policy lets it be."""

from __future__ import annotations

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes, format_html
from django.utils.safestring import mark_safe

from articles import structured_data

register = template.Library()


def _absolute(context):
    request = context["request"]
    return request.build_absolute_uri


@register.simple_tag
def json_ld(*blocks: dict) -> str:
    """One <script type="application/ld+json"> per block given."""
    return mark_safe(
        "".join(
            format_html(
                '<script type="application/ld+json">{}</script>\n',
                mark_safe(
                    json.dumps(
                        block, cls=DjangoJSONEncoder, ensure_ascii=False
                    ).translate(_json_script_escapes)
                ),
            )
            for block in blocks
            if block
        )
    )


@register.simple_tag(takes_context=True)
def story_json_ld(context, article) -> str:
    absolute = _absolute(context)
    trail = [(context.get("SITE_NAME", "Home"), absolute("/"))]
    if article.section:
        trail.append(
            (article.section.name, absolute(article.section.get_absolute_url()))
        )
    trail.append((article.headline, absolute(article.get_absolute_url())))
    return json_ld(
        structured_data.news_article(article, absolute),
        structured_data.breadcrumbs(trail),
    )


@register.simple_tag(takes_context=True)
def list_json_ld(context, stories, name: str = "", path: str = "") -> str:
    """A list page: its stories as an ItemList, and its breadcrumbs (Home, then
    `name` at `path` when given)."""
    absolute = _absolute(context)
    trail = [(context.get("SITE_NAME", "Home"), absolute("/"))]
    if name:
        trail.append((name, absolute(path or context["request"].path)))
    return json_ld(
        structured_data.item_list(
            absolute(story.get_absolute_url()) for story in stories
        ),
        structured_data.breadcrumbs(trail),
    )


@register.simple_tag(takes_context=True)
def entity_json_ld(context, entity, stories) -> str:
    absolute = _absolute(context)
    return json_ld(
        structured_data.entity_thing(entity, absolute, full=True),
        structured_data.item_list(
            absolute(story.get_absolute_url()) for story in stories
        ),
        structured_data.breadcrumbs(
            [
                (context.get("SITE_NAME", "Home"), absolute("/")),
                ("A–Z", absolute("/entities/")),
                (entity.name, absolute(entity.get_absolute_url())),
            ]
        ),
    )


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """`path` as an absolute URL on this site (for Open Graph properties)."""
    return _absolute(context)(path)
