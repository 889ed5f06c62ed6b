"""`{{ body|with_figures }}`: a story body with its figure references shown
as the library pictures they name (articles.figures)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from articles.figures import expand_figures

register = template.Library()


@register.filter
def with_figures(body: SafeString) -> SafeString:
    """Call on a sanitised body (as stored, or after entity linking)."""
    # The body was sanitised when saved; the figures are rendered by a template
    # that escapes the library's texts.
    return mark_safe(expand_figures(str(body)))
