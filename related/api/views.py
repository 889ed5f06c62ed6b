from __future__ import annotations

import datetime

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api.serializers import load_relations
from articles.api.views import (
    EXPAND_PARAMETER,
    FIELDS_PARAMETER,
    ID_PARAMETER,
    ArticleFieldsMixin,
    ConditionalGetMixin,
    published_articles_for_api,
)
from articles.models import Article
from related.api.serializers import RelatedArticleSerializer
from related.serving import related_entries


@extend_schema_view(
    list=extend_schema(
        summary="Stories related to a story",
        description="Editor picks first, then stories sharing the most entities; "
        "each with the entities it shares with this one.",
        parameters=[ID_PARAMETER, FIELDS_PARAMETER, EXPAND_PARAMETER],
        responses={200: RelatedArticleSerializer(many=True)},
    ),
)
class RelatedArticleViewSet(
    ArticleFieldsMixin,
    ConditionalGetMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The stories to read next after a published story, at
    /api/v1/articles/{id}/related/."""

    serializer_class = RelatedArticleSerializer
    filterset_class = None
    pagination_class = None
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    article_actions = frozenset({"list"})

    def get_queryset(self):
        return published_articles_for_api()

    def get_story(self) -> Article:
        """The published story named in the address; a 400 for a malformed id."""
        pk = self.kwargs.get("pk", "")
        if not (pk.isascii() and pk.isdigit() and int(pk) < 2**63):
            raise ValidationError({"id": ["A story id is a whole number."]})
        article = self.get_object()
        load_relations([article])
        self.story_last_modified = max(article.updated_at, article.go_live_at)
        return article

    def get_last_modified(self) -> datetime.datetime | None:
        return getattr(self, "story_last_modified", None)

    def list(self, request: Request, *args, **kwargs) -> Response:
        article = self.get_story()
        stories = []
        for entry in related_entries(article):
            story = entry["article"]
            story.picked, story.related_score = entry["picked"], entry["score"]
            stories.append(story)
        load_relations(stories)
        context = self.get_serializer_context()
        context["entity_ids"] = {link.entity_id for link in article.entity_list}
        serializer = RelatedArticleSerializer(stories, many=True, context=context)
        return Response(serializer.data)
