"""The story list's, the change feed's and the tag list's cursors."""

from __future__ import annotations

from articles.models import ArticleQuerySet
from newsroom.api.pagination import CursorPagination


class ArticleCursorPagination(CursorPagination):
    """Stories newest first by default; best match first when `q` searches on
    PostgreSQL and no ordering is asked for."""

    orderings = {
        "-published_at": ArticleQuerySet.NEWEST_FIRST,
        "published_at": ("go_live_at", "pk"),
        "-updated_at": ("-updated_at", "-pk"),
        "updated_at": ("updated_at", "pk"),
    }
    default_ordering = "-published_at"
    # The search filter annotates `rank` as a whole number, so that it survives
    # the round trip through a cursor exactly.
    rank_ordering = ("-rank", *ArticleQuerySet.NEWEST_FIRST)
    integer_positions = frozenset({"rank"})

    def default_ordering_for(self, queryset) -> tuple[str, ...]:
        if "rank" in queryset.query.annotations:
            return self.rank_ordering
        return super().default_ordering_for(queryset)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        parameters[-1]["description"] += (
            " A search (`q`) on PostgreSQL lists the best matches first unless "
            "an ordering is given."
        )
        return parameters


class ChangeCursorPagination(CursorPagination):
    """Changes oldest first, so a partner can read on from where it stopped."""

    orderings = {"time": ("changed_at", "pk")}
    default_ordering = "time"


class TagCursorPagination(CursorPagination):
    """Tags alphabetically, page after page with no total: counting every tag
    with a published story would cost more than the page."""

    orderings = {"name": ("name", "pk")}
    default_ordering = "name"
    text_positions = frozenset({"name"})
