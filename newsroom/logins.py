"""Who is logging in, and what an editor sees when django-axes has locked a
login out."""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def locked_out(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """429 with the time to try again, in the page and in Retry-After.

    Every failure while locked out restarts the wait (django-axes' default), so the
    time given is the earliest a correct password will be accepted.
    """
    cool_off = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    seconds = math.ceil(cool_off.total_seconds())
    response = render(
        request,
        "registration/locked_out.html",
        {
            **admin.site.each_context(request),
            "title": "Too many failed logins",
            "retry_at": timezone.now() + cool_off,
            "minutes": math.ceil(seconds / 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def client_address(request: HttpRequest) -> str:
    """The address a login comes from, for django-axes.

    REMOTE_ADDR, or behind PROXY_COUNT reverse proxies (each appending the address
    it received from to X-Forwarded-For, as nginx's $proxy_add_x_forwarded_for
    does) the entry that many places from the right: the address the outermost
    proxy saw. Entries further left were written by the client and are ignored,
    so a guesser cannot pick the address to be locked.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.PROXY_COUNT:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < settings.PROXY_COUNT:
        # Not through the expected proxies: the peer itself is the client.
        return remote
    return forwarded[-settings.PROXY_COUNT]
