"""The one DRF router, mounted at /api/v1/."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from articles.api.authors import AuthorViewSet
from articles.api.views import (
    ArticleViewSet,
    ChangeViewSet,
    SectionViewSet,
    TagViewSet,
    ThreadViewSet,
)
from entities.api.views import EntityViewSet
from newsroom.api.mixins import StrictParametersMixin
from related.api.views import RelatedArticleViewSet


class APIRootView(StrictParametersMixin, routers.APIRootView):
    """The list of endpoints at /api/v1/."""


class DefaultRouter(routers.DefaultRouter):
    APIRootView = APIRootView


router = DefaultRouter()
router.register("articles", ArticleViewSet, basename="article")
# Anything up to the next slash reaches the view, which answers a malformed id
# with a JSON 400.
router.register(
    r"articles/(?P<pk>[^/]+)/related", RelatedArticleViewSet, basename="article-related"
)
router.register("authors", AuthorViewSet, basename="author")
router.register("changes", ChangeViewSet, basename="change")
router.register("entities", EntityViewSet, basename="entity")
router.register("sections", SectionViewSet, basename="section")
router.register("tags", TagViewSet, basename="tag")
router.register("threads", ThreadViewSet, basename="thread")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    path("", include(router.urls)),
]
