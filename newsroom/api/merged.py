"""Querysets of several models read as one ordered list, for a feed whose
items live in more than one table (the change feed: stories and tombstones).

A SQL UNION cannot be filtered afterwards, and a cursor paginator filters by
position; so what a paginator and a filter set do to a queryset (`all`,
`filter`, `order_by`, a slice) is done to each part, and a slice reads that
many rows of each part and merges them in order: one query per part.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

from django.db.models import QuerySet


class MergedQuerySet:
    """`parts` read as one list in the order of `order_by()`.

    Every part must carry the ordering's fields (annotate them) and the last
    field must tell any two rows of all the parts apart (a primary key no two
    parts share). The fields sort the same way (all ascending or all
    descending). `model` is the first part's, for filter sets that check it.
    """

    def __init__(self, *parts: QuerySet, ordering: tuple[str, ...] = ()) -> None:
        self.parts = parts
        self.model = parts[0].model
        self.ordering = ordering

    def _each(self, method: str, *args, **kwargs) -> MergedQuerySet:
        parts = [getattr(part, method)(*args, **kwargs) for part in self.parts]
        return MergedQuerySet(*parts, ordering=self.ordering)

    def all(self) -> MergedQuerySet:
        return self._each("all")

    def filter(self, *args, **kwargs) -> MergedQuerySet:
        return self._each("filter", *args, **kwargs)

    def exclude(self, *args, **kwargs) -> MergedQuerySet:
        return self._each("exclude", *args, **kwargs)

    def order_by(self, *fields: str) -> MergedQuerySet:
        if len({field.startswith("-") for field in fields}) > 1:
            raise ValueError(f"Merged parts sort one way only, not {fields}.")
        merged = self._each("order_by", *fields)
        merged.ordering = fields
        return merged

    def _merged(self, stop: int | None) -> Iterator:
        names = [field.lstrip("-") for field in self.ordering]
        reverse = bool(self.ordering) and self.ordering[0].startswith("-")

        def key(row) -> tuple:
            return tuple(getattr(row, name) for name in names)

        parts = [part[:stop] if stop is not None else part for part in self.parts]
        return heapq.merge(*parts, key=key, reverse=reverse)

    def __getitem__(self, index: slice) -> list:
        if not isinstance(index, slice) or index.step is not None:
            raise TypeError("A merged queryset is read by slices without a step.")
        return list(itertools.islice(self._merged(index.stop), index.start, index.stop))

    def __iter__(self) -> Iterator:
        return iter(self._merged(None))
