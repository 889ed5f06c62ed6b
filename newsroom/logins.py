"""What an editor sees when django-axes has locked a login out."""

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
