from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict

from articles.cleaning import clean_text
from articles.importers import IMPORT_SUFFIXES
from articles.importers.base import file_size, too_large
from articles.models import Article, Section


class CleanTextForm(forms.ModelForm):
    """A model form that cleans submitted text before any field sees it.

    Control characters and lone surrogates are removed and line endings made
    "\\n" (`articles.cleaning.clean_text`), so a headline pasted from wire copy
    with an ESC in it is saved without it, and a value that was nothing else is
    empty, as if the character had never been typed. The admin uses it for every
    form, inline and list-editable row through `CleanTextAdmin`.
    """

    def __init__(self, data=None, *args, **kwargs) -> None:
        super().__init__(data, *args, **kwargs)
        if self.is_bound:
            self.data = _cleaned(self.data, prefix=self.add_prefix(""))


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


class ArticleForm(CleanTextForm):
    """The story form: clean text, and a body no longer than MAX_BODY_CHARS."""

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        limit = settings.MAX_BODY_CHARS
        if len(body) > limit:
            raise ValidationError(
                f"A story body may be at most {limit:,} characters (set by "
                f"MAX_BODY_CHARS); this one has {len(body):,}. Split the story, "
                "or cut it.",
                code="max_length",
            )
        return body


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


class StoryImportForm(forms.Form):
    """The admin's "Import stories" page: files and how to import them."""

    required_css_class = "required"

    # An empty file is reported with the others rather than failing the form.
    files = MultipleFileField(
        allow_empty_file=True,
        help_text="Plain-text (.txt) or ninjs (.json) stories; choose several "
        "files at once if you like.",
        widget=MultipleFileInput(attrs={"accept": ",".join(IMPORT_SUFFIXES)}),
    )
    status = forms.ChoiceField(
        choices=[
            (Article.Status.DRAFT, "Draft"),
            (Article.Status.PUBLISHED, "Published"),
        ],
        initial=Article.Status.DRAFT,
        help_text="Drafts wait for an editor. Re-importing never unpublishes a story.",
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        required=False,
        help_text="Leave empty to keep each story's section as it is.",
    )
    published_at = forms.DateTimeField(
        label="Go-live time",
        required=False,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text="For published stories: when readers see them. Empty means the "
        "source's own time for ninjs stories, otherwise now.",
    )
    confirm_entities = forms.BooleanField(
        label="Confirm detected entities",
        required=False,
        help_text="Tag the stories with every entity the matcher finds, instead "
        "of leaving them as suggestions to review.",
    )

    def __init__(self, *args, can_publish: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.can_publish = can_publish
        self.fields[
            "files"
        ].help_text += f" At most {file_size(settings.MAX_UPLOAD_BYTES)} a file."
        if not can_publish:
            self.fields["status"].choices = [(Article.Status.DRAFT, "Draft")]
            self.fields["status"].help_text = (
                "You may import drafts; an editor with publishing rights "
                "publishes them."
            )

    def clean_files(self) -> list:
        """Refuses files over MAX_UPLOAD_BYTES before anything is read."""
        files = self.cleaned_data["files"]
        if too_big := [f for f in files if f.size > settings.MAX_UPLOAD_BYTES]:
            raise ValidationError(
                [f"{upload.name}: {too_large(upload.size)}." for upload in too_big]
            )
        return files
