"""The page cache: public pages and feeds for anonymous readers, kept in
Django's cache (Redis when REDIS_URL is set, local memory otherwise).

A page is cached under its address (scheme, host, path and `page`/`p`). While
rendering, its view names the *tags* it depends on (`story:12`, `home`,
`section:3`, `entity-name:7`, ...; `add_tags`). The entry keeps the tags with
their *generations* at the time, and is served only while every generation is
unchanged. A change readers can see bumps the generations of the tags it
touches (`bump`): one increment per tag, no key scanning, and every page that
showed the change is a miss on its next request; the rest stay cached.

The tags are found while rendering, not from the address: a story's address
names neither its section, its entities nor its related stories, so a key made
of generations would need a database query to build. Checking an entry's own
tags costs one `get_many` and no query.

Races: `bump` increments a global epoch before the tags' generations, and a
page is stored only if the epoch did not move while it rendered, so a page
rendered from data older than a bump is never stored with the generations
that followed it. Bumps happen at once and again when the transaction commits.

Time: a scheduled story going live, or a story expiring, changes pages with no
write to bump anything. Each entry is served no later than the next such time
(`next_event`, one indexed query itself cached until then), and never longer
than PAGE_CACHE_SECONDS.

The cache is an accelerator: with Redis down every lookup is a miss and the
page is rendered (newsroom.cache.RedisCache). A bump lost while Redis was
down is bounded by PAGE_CACHE_SECONDS.

Never served from the cache, nor stored: requests other than GET and HEAD,
requests carrying a session cookie (editors), query strings other than `page`
or `p` with one number, views that name no tags (previews, the admin, the API,
search), and responses that are not 200, stream, set a cookie, vary on Cookie
or are marked private or no-cache.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import cc_delim_re, patch_cache_control, set_response_etag
from django.utils.http import http_date
from django.utils.module_loading import import_string

# Query parameters a cached page may have: pagination of lists and sitemaps.
PAGE_PARAMETERS = frozenset({"page", "p"})
EPOCH_KEY = "pagecache:epoch"
NEXT_EVENT_KEY = "pagecache:next-event"
# The next event when nothing is scheduled: far enough to never cap anything.
NEVER = float("inf")
# Longest a value of `remember` or the next event is kept.
VALUE_SECONDS = 600

T = TypeVar("T")


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


def _generation_key(tag: str) -> str:
    return f"pagecache:gen:{tag}"


class Tags(set):
    """The tags a page depends on, collected while it renders."""


def add_tags(request: HttpRequest, *tags: str) -> None:
    """Mark the page answering `request` as cacheable, depending on `tags`.

    A view that never calls this is never cached."""
    collected = getattr(request, "page_tags", None)
    if collected is not None:
        collected.update(tags)


def tagged(view: Callable, *tags: str) -> Callable:
    """`view`, its pages cached depending on `tags` (for views of other
    apps, such as Django's sitemaps)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        add_tags(request, *tags)
        return view(request, *args, **kwargs)

    return wrapper


def tag_header(tags: Iterable[str]) -> str:
    """Surrogate keys as a CDN wants them: space-separated for Fastly's
    Surrogate-Key, comma-separated is Cloudflare's Cache-Tag (see
    docs/deploy.md); tags hold neither."""
    return " ".join(sorted(tags))


def bump(tags: Iterable[str]) -> None:
    """Every cached page depending on any of `tags` is stale from now on; done
    again when the current transaction commits (at once outside one)."""
    tags = set(tags)
    if not tags:
        return
    _bump_now(tags)
    # Again on commit, for a page rendered from data read before it. One
    # callback per call: a callback shared across calls would be lost with a
    # rolled-back savepoint, and later bumps in the same connection with it.
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump_now(tags))


def forget_schedule() -> None:
    """Story go-live or expiry times changed: look the next one up again."""
    cache.delete(NEXT_EVENT_KEY)


def _bump_now(tags: set[str]) -> None:
    for key in [EPOCH_KEY, *sorted(map(_generation_key, tags))]:
        try:
            cache.incr(key)
        except ValueError:
            # Never bumped, evicted, or the cache is down: a fresh value that no
            # stored entry holds.
            cache.set(key, time.time_ns(), timeout=None)


def next_event() -> float:
    """The next go-live or expiry time (a timestamp), or NEVER."""
    cached = cache.get(NEXT_EVENT_KEY)
    now = time.time()
    if cached is not None and cached > now:
        return cached
    # PAGE_CACHE_SCHEDULE names the function that knows when stories go live
    # and expire (articles.caching.next_schedule_change).
    source = import_string(settings.PAGE_CACHE_SCHEDULE)
    when: datetime.datetime | None = source()
    value = when.timestamp() if when is not None else NEVER
    lifetime = min(value - now, VALUE_SECONDS)
    if lifetime > 0:
        cache.set(NEXT_EVENT_KEY, value, timeout=lifetime)
    return value


def remember(name: str, tags: Iterable[str], compute: Callable[[], T]) -> T:
    """`compute()`, kept in the cache until any of `tags` is bumped or the next
    go-live or expiry time, whichever comes first: a value many pages share
    (the navigation's sections), cached or not themselves."""
    key = f"pagecache:value:{name}"
    keys = {tag: _generation_key(tag) for tag in tags}
    found = cache.get_many([key, *keys.values()])
    # Generations are read before computing: a bump meanwhile makes the value
    # stored stale at once, never the other way round.
    generations = {tag: found.get(key) for tag, key in keys.items()}
    stored = found.get(key)
    now = time.time()
    if stored is not None and stored[0] == generations and now < stored[1]:
        return stored[2]
    value = compute()
    valid_until = min(now + VALUE_SECONDS, next_event())
    if valid_until > now:
        cache.set(key, (generations, valid_until, value), timeout=valid_until - now)
    return value


class Entry:
    """A stored page: its response, tags with their generations, and the time
    after which it is not served."""

    def __init__(
        self,
        response: HttpResponse,
        generations: dict[str, int | None],
        valid_until: float,
    ) -> None:
        self.response = response
        self.generations = generations
        self.valid_until = valid_until

    def fresh(self, now: float | None = None) -> bool:
        """Whether the entry may be served at `now` (default: now), as far as
        time goes."""
        return (now if now is not None else time.time()) < self.valid_until

    def current(self) -> bool:
        """Whether no tag of the entry was bumped since it was stored."""
        keys = {tag: _generation_key(tag) for tag in self.generations}
        found = cache.get_many(list(keys.values()))
        return all(found.get(key) == self.generations[tag] for tag, key in keys.items())


def page_key(request: HttpRequest) -> str | None:
    """The cache key of the page `request` asks for, or None when it may not
    be cached (see the module's docstring)."""
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    query = []
    for name, values in request.GET.lists():
        if name not in PAGE_PARAMETERS or len(values) != 1:
            return None
        if not values[0].isascii() or not values[0].isdigit():
            return None
        query.append(f"{name}={int(values[0])}")
    address = "|".join(
        [request.scheme, request.get_host(), request.path, "&".join(sorted(query))]
    )
    return "pagecache:page:" + hashlib.sha256(address.encode()).hexdigest()


def storable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if response.has_header("Set-Cookie"):
        return False
    vary = {v.strip().lower() for v in cc_delim_re.split(response.get("Vary", ""))}
    if {"cookie", "*"} & vary:
        return False
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-cache", "no-store")):
        return False
    # A CSP nonce must differ on every response.
    return "nonce-" not in response.get("Content-Security-Policy", "")


def mark_public(response: HttpResponse, tags: Iterable[str]) -> None:
    """Headers for browsers and a CDN: a short public lifetime, ETag,
    Last-Modified and the surrogate keys."""
    patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE)
    if settings.PAGE_SURROGATE_MAX_AGE:
        response["Surrogate-Control"] = f"max-age={settings.PAGE_SURROGATE_MAX_AGE}"
    if not response.has_header("ETag"):
        set_response_etag(response)
    if not response.has_header("Last-Modified"):
        response["Last-Modified"] = http_date()
    keys = tag_header(tags)
    response["Surrogate-Key"] = keys
    response["Cache-Tag"] = keys.replace(" ", ",")


class PageCacheMiddleware:
    """Serve anonymous readers' pages from the cache, and store them.

    Place it after the middleware that must see every request (security,
    conditional GET, static files) and before sessions: a hit skips the rest.
    The stored response has already passed through the middleware below it, so
    it carries their headers.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not enabled() or (key := page_key(request)) is None:
            return self.get_response(request)
        found = cache.get_many([key, EPOCH_KEY])
        entry = found.get(key)
        if isinstance(entry, Entry) and entry.fresh() and entry.current():
            response = entry.response
            response["X-Page-Cache"] = "hit"
            return response
        epoch = found.get(EPOCH_KEY)
        request.page_tags = Tags()
        response = self.get_response(request)
        tags = request.page_tags
        if not tags or not storable(response):
            return response
        mark_public(response, tags)
        if request.method == "GET":
            self._store(key, response, tags, epoch)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _store(key: str, response: HttpResponse, tags: Tags, epoch) -> None:
        keys = {tag: _generation_key(tag) for tag in tags}
        found = cache.get_many([EPOCH_KEY, *keys.values()])
        if found.get(EPOCH_KEY) != epoch:
            # Something changed while the page rendered: it may be older than
            # the generations now stored.
            return
        now = time.time()
        valid_until = min(now + settings.PAGE_CACHE_SECONDS, next_event())
        lifetime = valid_until - now
        if lifetime <= 0:
            return
        generations = {tag: found.get(key) for tag, key in keys.items()}
        cache.set(key, Entry(response, generations, valid_until), timeout=lifetime)
