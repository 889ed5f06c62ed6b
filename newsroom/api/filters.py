"""Query parameters validated strictly: a malformed or unknown value is a 400
that names the parameter, never an empty page or a 500."""

from __future__ import annotations

import datetime

from django import forms
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 time; one that cannot be expressed in UTC is invalid."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(
                "Enter a time between the years 1 and 9999.", code="invalid"
            ) from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class SlugsFilter(filters.BaseCSVFilter, filters.CharFilter):
    """One or several slugs separated by commas."""


class StrictFilterSet(filters.FilterSet):
    """A parameter given without a value is a 400, unless it takes free text,
    where empty means "any"."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            free = isinstance(filter_, filters.CharFilter) and not isinstance(
                filter_, filters.BaseCSVFilter
            )
            if not free and self.data.get(name) == "":
                self.form.add_error(name, "Give a value or leave the parameter out.")
                valid = False
        return valid


def comma_list(request: Request, param: str) -> list[str]:
    """The values of a comma-separated parameter; 400 when it is given empty."""
    values = []
    for raw in request.query_params.getlist(param):
        values.extend(value.strip() for value in raw.split(",") if value.strip())
    if param in request.query_params and not values:
        raise ValidationError({param: ["Give a value or leave the parameter out."]})
    return values
