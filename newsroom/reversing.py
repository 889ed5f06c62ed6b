"""`reverse()`, remembered: for the links a page prints many times.

A story page links to thirty entities, a dozen stories and the sections;
Django's `reverse()` resolves each from the URL patterns anew, which costs
more than the rest of the link's rendering. The answer depends only on the
view, its arguments, the script prefix and the URLconf, so it is kept (per
process, bounded) under all four, and forgotten when a test swaps the URLconf.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(viewname: str, **kwargs: object) -> str:
    """`reverse(viewname, kwargs=kwargs)`, remembered."""
    return _reverse(
        viewname, tuple(sorted(kwargs.items())), get_script_prefix(), get_urlconf()
    )


@functools.lru_cache(maxsize=100_000)
def _reverse(viewname: str, kwargs: tuple, prefix: str, urlconf: str | None) -> str:
    # `prefix` is part of the key only: reverse() reads the current one.
    return reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
