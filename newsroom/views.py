"""What every reader-facing page of every app shares."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """Counts no further than `max_pages` pages.

    Counting a million published stories on every front-page view costs more than
    the page itself; nobody pages that far back, and older stories stay reachable
    through sections, entities, tags, threads and the API.
    """

    max_pages = 250

    @cached_property
    def count(self) -> int:
        return self.object_list[: self.per_page * self.max_pages].count()

    @property
    def capped(self) -> bool:
        """Whether there are more items than `count` says."""
        return self.count == self.per_page * self.max_pages


class PublicPageMixin:
    """What every reader-facing page needs: its canonical address.

    On a paginated list the canonical address carries ?page=N only when N > 1, and
    `page_range` holds the (elided) page numbers to link to.
    """

    paginator_class = CappedPaginator

    def get_canonical_path(self) -> str | None:
        return self.request.path

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        path = self.get_canonical_path()
        page = context.get("page_obj")
        if page is not None:
            context["page_range"] = page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            )
            if path is not None and page.number > 1:
                path = f"{path}?{urlencode({'page': page.number})}"
        if path is not None:
            context["canonical_url"] = self.request.build_absolute_uri(path)
        return context
