"""The project's form toolkit: model forms that clean submitted text and
re-render safely, used by every app's admin (`newsroom.admin.CleanTextAdmin`)."""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.http import QueryDict

from newsroom.cleaning import clean_text


class ValidChoicesForm(forms.BaseForm):
    """A form whose choice fields re-render safely after a refused value.

    A model choice field refuses an id that is not one ("abc" for a number) as
    an invalid choice, but the autocomplete widget would then look the posted
    value up again to show it, and the database lookup fails (a 500). After
    validation, a refused value that is not even a valid id is dropped from
    the data the form re-renders with; the field's error stays.
    """

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        bad = [
            name
            for name, field in self.fields.items()
            if name in self._errors
            and isinstance(field, forms.ModelChoiceField)
            and not _all_ids(field, self[name].data)
        ]
        if bad:
            self.data = self.data.copy()
            for name in bad:
                key = self.add_prefix(name)
                if isinstance(self.data, QueryDict):
                    self.data.setlist(key, [])
                else:
                    self.data.pop(key, None)


def _all_ids(field: forms.ModelChoiceField, value) -> bool:
    """Whether `value` (one posted value, or a list) holds nothing but values
    the field's model could look up by."""
    opts = field.queryset.model._meta
    model_field = (
        opts.get_field(field.to_field_name) if field.to_field_name else opts.pk
    )
    values = value if isinstance(value, list | tuple) else [value]
    for each in values:
        if each in field.empty_values:
            continue
        try:
            model_field.get_prep_value(model_field.to_python(each))
        except (ValidationError, ValueError, TypeError):
            return False
    return True


class CleanTextForm(ValidChoicesForm, forms.ModelForm):
    """A model form that cleans submitted text before any field sees it.

    Control characters and lone surrogates are removed and line endings made
    "\\n" (`newsroom.cleaning.clean_text`), so a headline pasted from wire copy
    with an ESC in it is saved without it, and a value that was nothing else is
    empty, as if the character had never been typed. The admin uses it for every
    form, inline and list-editable row through `CleanTextAdmin`.
    """

    def __init__(self, data=None, *args, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        if self.is_bound:
            self.data = _cleaned(self.data, prefix=self.add_prefix(""))
        name_date_time_parts(self)


def name_date_time_parts(form: forms.BaseForm) -> None:
    """Name the date and the time box of each split date-time field after the
    field ("Go live at: date"): the field's own label points at neither, and
    two boxes both called "Date:" on one form tell a screen reader nothing."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.SplitDateTimeWidget):
            date, time = field.widget.widgets
            date.attrs.setdefault("aria-label", f"{field.label}: date")
            time.attrs.setdefault("aria-label", f"{field.label}: time")


def name_row_fields(form: forms.BaseForm, row: str) -> None:
    """Name each field of a form drawn as a table row (a tabular inline, a
    list-editable change list) after its column and its row ("Delete: Geneva"):
    such a row has column headings but no labels."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            # Its `attrs` are the attrs of the form class's widget, not this
            # form's copy.
            widget = widget.widget
        if widget.is_hidden or isinstance(widget, forms.MultiWidget):
            continue
        widget.attrs.setdefault("aria-label", f"{field.label}: {row}")


def _cleaned(data, *, prefix: str):
    """A copy of submitted `data` with the text of keys starting with `prefix`
    cleaned; inline forms share one POST, and each cleans only its own keys."""
    cleaned = data.copy() if isinstance(data, QueryDict) else dict(data)
    for key in data:
        if not key.startswith(prefix):
            continue
        if isinstance(data, QueryDict):
            cleaned.setlist(key, [_clean(value) for value in data.getlist(key)])
        else:
            value = data[key]
            cleaned[key] = (
                [_clean(each) for each in value]
                if isinstance(value, list | tuple)
                else _clean(value)
            )
    return cleaned


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files and cleans each of them."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single_file_clean = super().clean
        if not isinstance(data, list | tuple):
            return [single_file_clean(data, initial)]
        # An empty list would pass the per-file loop; the field is still required.
        if not data and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return [single_file_clean(file, initial) for file in data]
