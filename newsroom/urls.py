from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from articles.sitemaps import (
    ArticleSitemap,
    AuthorSitemap,
    SectionSitemap,
    TagSitemap,
    ThreadSitemap,
)
from articles.views import news_sitemap, robots_txt
from entities.sitemaps import EntitySitemap
from newsroom import pagecache
from newsroom.views import favicon, healthz

admin.site.site_header = "Newsroom"
admin.site.site_title = "Newsroom admin"
admin.site.index_title = "Newsdesk"

SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "entities": EntitySitemap,
    "tags": TagSitemap,
    "threads": ThreadSitemap,
    "authors": AuthorSitemap,
}

# JSON under /api/, and a 503 while the database is unreachable (newsroom.views).
handler404 = "newsroom.views.page_not_found"
handler500 = "newsroom.views.server_error"


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("newsroom.api.urls")),
    # An index of paged sitemaps, one per kind of page (articles.sitemaps).
    path(
        "sitemap.xml",
        # Kept in the page cache until a story changes (newsroom.pagecache).
        pagecache.tagged(sitemaps.index, "sitemap"),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.index",
    ),
    path("sitemap-news.xml", news_sitemap, name="news_sitemap"),
    path(
        "sitemap-<section>.xml",
        pagecache.tagged(sitemaps.sitemap, "sitemap"),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("healthz/", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("entities/", include("entities.urls")),
    # Uploaded pictures, served by the app in development only (with DEBUG);
    # in production by the web server, the bucket or the CDN (docs/deploy.md).
    *static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT),
    path("", include("articles.urls")),
]
