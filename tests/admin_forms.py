"""Helpers for tests that drive the story form as a browser would."""

from __future__ import annotations

from django.forms import MultiWidget
from django.test import Client
from taggit.models import Tag
from taggit.utils import edit_string_for_tags

from articles.models import Article


def change_url(article: Article) -> str:
    return f"/admin/articles/article/{article.pk}/change/"


def client_for(user) -> Client:
    """A test client logged in as `user` (force_login: django-axes is in the way
    of login())."""
    client = Client()
    client.force_login(user)
    return client


def form_data(response, **fields: str) -> dict[str, str]:
    """The admin form's initial data as a browser would post it: its inlines'
    saved rows as they are, no extra rows."""
    form = response.context["adminform"].form
    data: dict[str, str] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            parts = field.widget.decompress(value)
            for i, part in enumerate(parts):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, list | tuple) and all(isinstance(t, Tag) for t in value):
            data[name] = edit_string_for_tags(value)  # as TagWidget renders it
        else:
            data[name] = "" if value is None else str(value)
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = str(management[name].value())
        # No extra rows: an untouched extra row would still post its defaults.
        data[f"{management.prefix}-TOTAL_FORMS"] = str(
            inline.formset.initial_form_count()
        )
        for row in inline.formset.initial_forms:
            for name in row.fields:
                value = row[name].value()
                if value is None or value is False:
                    continue
                data[row.add_prefix(name)] = "on" if value is True else str(value)
    data.update(fields)
    return data


def press(client: Client, article: Article, action: str, **fields: str):
    """Open the story form and press the panel button `action` ("verb:id"),
    with `fields` changed in the form."""
    opened = client.get(change_url(article))
    return client.post(change_url(article), form_data(opened, **fields, _action=action))
