"""Pages of API results: a page-size cap that answers 400 rather than clamping,
and cursors that stay put while new items arrive.

`PageNumberPagination` is the default (REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]);
an app subclasses `CursorPagination` with its own orderings."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

MAX_PAGE_SIZE = 100


def requested_page_size(request: Request, param: str, default: int) -> int:
    """The page size asked for, or 400 when it is not a whole number 1-100."""
    raw = request.query_params.get(param)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {param: [f"Ask for a whole number of results from 1 to {MAX_PAGE_SIZE}."]}
        )
    return int(raw)


def page_size_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "required": False,
        "in": "query",
        "description": f"{description} At most {MAX_PAGE_SIZE}; more is a 400.",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    }


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages with a total count, for short lists (sections, threads,
    an entity's stories): counting a long one would cost more than its page."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        return requested_page_size(request, self.page_size_query_param, self.page_size)

    def get_page_number(self, request: Request, paginator) -> str:
        number = request.query_params.get(self.page_query_param, "1")
        if number in self.last_page_strings:
            return number
        if not (number.isascii() and number.isdigit() and int(number) >= 1):
            raise ValidationError(
                {self.page_query_param: ["A page is a whole number from 1."]}
            )
        return number

    def get_schema_operation_parameters(self, view) -> list[dict]:
        page, _ = super().get_schema_operation_parameters(view)
        page["schema"]["minimum"] = 1
        return [
            page,
            page_size_parameter(self.page_size_query_param, "Results per page."),
        ]


class CursorPagination(pagination.CursorPagination):
    """Pages that follow one another by position, not by number: a story
    published while a partner pages through does not shift the pages.

    `orderings` maps each `ordering=` value to the model ordering, whose first
    field is the position; a primary key last keeps ties in a fixed order.
    """

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering_param = "ordering"
    orderings: dict[str, tuple[str, ...]] = {}
    default_ordering = ""
    # Positions that are whole numbers or text (names) rather than times.
    integer_positions: frozenset[str] = frozenset()
    text_positions: frozenset[str] = frozenset()
    max_text_position = 200

    def get_page_size(self, request: Request) -> int:
        return requested_page_size(request, self.page_size_query_param, self.page_size)

    def get_ordering(self, request: Request, queryset, view) -> tuple[str, ...]:
        value = request.query_params.get(self.ordering_param)
        if value is None or len(self.orderings) == 1:
            return self.default_ordering_for(queryset)
        if value not in self.orderings:
            choices = ", ".join(self.orderings)
            raise ValidationError({self.ordering_param: [f"Choose one of {choices}."]})
        return self.orderings[value]

    def default_ordering_for(self, queryset) -> tuple[str, ...]:
        return self.orderings[self.default_ordering]

    def decode_cursor(self, request: Request):
        try:
            cursor = super().decode_cursor(request)
        except pagination.NotFound:
            cursor = None
        else:
            if cursor is None or self.valid_position(cursor.position):
                return cursor
        raise ValidationError(
            {self.cursor_query_param: ["Use the cursor of a next or previous link."]}
        )

    def valid_position(self, position: str | None) -> bool:
        if position is None:
            return True
        field = self.ordering[0].lstrip("-")
        if field in self.integer_positions:
            return position.lstrip("-").isascii() and position.lstrip("-").isdigit()
        if field in self.text_positions:
            # A name as the database stores it: no NUL, which PostgreSQL refuses.
            return len(position) <= self.max_text_position and "\x00" not in position
        try:
            return parse_datetime(position) is not None
        except ValueError:
            return False

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: copy it from the `next` or "
                "`previous` link.",
                "schema": {"type": "string"},
            },
            page_size_parameter(self.page_size_query_param, "Results per page."),
        ]
        if len(self.orderings) > 1:
            parameters.append(
                {
                    "name": self.ordering_param,
                    "required": False,
                    "in": "query",
                    "description": "The order of the results. Default: "
                    f"`{self.default_ordering}`.",
                    "schema": {"type": "string", "enum": list(self.orderings)},
                }
            )
        return parameters
