"""Query helpers for API lists."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Subquery


def count_of(links: QuerySet) -> Subquery:
    """How many rows `links` (taggit links filtered on `tag=OuterRef("pk")`) has,
    per outer row.

    As a correlated subquery it is counted only for the rows a page returns;
    a JOIN with GROUP BY would count every link in the archive on each request.
    """
    return Subquery(
        links.order_by().values("tag").annotate(count=Count("pk")).values("count")
    )
