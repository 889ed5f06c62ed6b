from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from articles.api.mixins import (
    EXPAND_PARAMETER,
    FIELDS_PARAMETER,
    ID_PARAMETER,
    ArticleFieldsMixin,
    StoryLookupMixin,
)
from articles.api.serializers import load_relations
from articles.models import ArticleQuerySet
from newsroom.api.mixins import ConditionalGetMixin, StrictParametersMixin
from related.api.serializers import RelatedArticleSerializer
from related.serving import related_entries


@extend_schema_view(
    list=extend_schema(
        # The name partners' generated clients know it by, from when it was an
        # action of the story endpoint.
        operation_id="articles_related_retrieve",
        summary="Stories related to a story",
        description="Editor picks first, then the stories sharing the most with "
        "this one (entities, tags and key terms of their text, rarest first, "
        "nearest in time); each suggestion says why.",
        parameters=[ID_PARAMETER, FIELDS_PARAMETER, EXPAND_PARAMETER],
        responses={200: RelatedArticleSerializer(many=True)},
    ),
)
class RelatedArticleViewSet(
    StoryLookupMixin,
    ArticleFieldsMixin,
    StrictParametersMixin,
    ConditionalGetMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The stories to read next after a published story, at
    /api/v1/articles/{id}/related/."""

    filterset_class = None
    pagination_class = None
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    article_actions = frozenset({"list"})

    def get_queryset(self) -> ArticleQuerySet:
        return self.article_queryset()

    def get_serializer_class(self):
        return RelatedArticleSerializer

    def list(self, request: Request, *args, **kwargs) -> Response:
        article = self.get_object()
        stories = []
        for entry in related_entries(article):
            story = entry["article"]
            story.picked, story.related_score = entry["picked"], entry["score"]
            story.related_why = None if entry["picked"] else _why(entry["shared"])
            stories.append(story)
        load_relations(stories)
        context = self.get_serializer_context()
        context["entity_ids"] = {link.entity_id for link in article.entity_list}
        serializer = RelatedArticleSerializer(stories, many=True, context=context)
        return Response(serializer.data)


def _why(shared: dict) -> dict:
    """A stored explanation in the API's shape, also for lists stored before key
    terms were explained."""
    return {
        "entities": shared.get("entities", []),
        "tags": shared.get("tags", []),
        "terms": shared.get("terms", []),
    }
