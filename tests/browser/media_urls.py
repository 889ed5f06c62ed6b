"""The site's URLs plus the uploaded files, for browser tests: the live server
serves static files but not MEDIA_ROOT, and `static()` adds nothing without
DEBUG."""

from __future__ import annotations

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from newsroom.urls import urlpatterns as site_urlpatterns


def media(request, path: str):
    # MEDIA_ROOT is each test's own folder (tests/conftest.py), read per request.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urlpatterns]
