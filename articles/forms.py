from __future__ import annotations

import datetime
import hashlib

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.widgets import (
    AdminSplitDateTime,
    AutocompleteSelect,
)
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import QueryDict
from django.utils import timezone
from taggit.models import Tag

from articles.html import html_to_text
from articles.importers import IMPORT_SUFFIXES
from articles.importers.base import file_size, too_large
from articles.models import (
    Article,
    ArticleQuerySet,
    Author,
    Section,
    Thread,
    format_time,
)
from articles.revisions import overlay
from articles.search import MAX_QUERY_LENGTH
from entities.models import Entity
from newsroom.cleaning import clean_text
from newsroom.forms import (  # noqa: F401 (the project's form toolkit, used here)
    CleanTextForm,
    MultipleFileField,
    MultipleFileInput,
    ValidChoicesForm,
    name_date_time_parts,
    name_row_fields,
)

# The story form's buttons that publish (articles/admin.py, submit_line.html).
PUBLISH_BUTTON = "_publish"
SCHEDULE_BUTTON = "_schedule"


EDIT_BASE_SALT = "articles.ArticleForm.edit_base"
CONFLICT_MESSAGE = (
    "Someone else saved this story since you opened it. Your text is still in "
    "the form: compare it with theirs below, then save yours deliberately."
)


class ArticleForm(CleanTextForm):
    """The story form: clean text, a body no longer than MAX_BODY_CHARS, times
    that make sense for the button pressed (Publish, Schedule, Save), and no
    save over changes someone else made since the form was opened.

    `edit_base` carries the story's version as the editor opened it, with a
    digest of each field's value then: a save is refused when a field has
    changed since (`conflict` lists them), and the refused form carries the
    current version, so saving again keeps the editor's text deliberately.
    """

    edit_base = forms.CharField(widget=forms.HiddenInput, required=False)
    # For a live story: when its unpublished changes should go live
    # (the "Schedule changes" button).
    changes_go_live_at = forms.SplitDateTimeField(
        label="publish changes at",
        required=False,
        widget=AdminSplitDateTime,
        help_text="For “Schedule changes”: readers keep the published version "
        "until then.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conflict: dict | None = None
        # A live story's save is staged (articles.revisions): the form opens on
        # its unpublished changes, if any (the admin overlays them).
        self.live = self.instance.pk is not None and self.instance.is_live
        if self.instance.pk is not None:
            self.initial["edit_base"] = self._edit_base(self.instance)
        staged_tags = getattr(self.instance, "_staged_tags", None)
        if staged_tags is not None and "tags" in self.fields:
            # As taggit's field expects its initial value: tag objects.
            self.initial["tags"] = [Tag(name=name) for name in staged_tags]
        staged = self.instance.staged_revision if self.instance.pk else None
        if (
            staged is not None
            and staged.go_live_at
            and "changes_go_live_at" in self.fields
        ):
            self.initial["changes_go_live_at"] = staged.go_live_at
        zone = settings.TIME_ZONE
        for name in ("go_live_at", "expire_at"):
            if field := self.fields.get(name):
                field.label = f"{field.label} ({zone})"
                field.help_text += f" Times are in the site's time zone, {zone}."
        if tags := self.fields.get("tags"):
            tags.label = "Topic tags"
            tags.help_text = (
                "Comma-separated; a tag not used before is created. "
                "Put a tag with a space in quotes if it also has commas."
            )
        status = self.fields.get("status")
        if status is not None and self.instance.status != Article.Status.PUBLISHED:
            # Publishing is the Publish or Schedule button's job; a posted
            # "published" is still accepted, through the same service.
            status.widget.choices = [
                choice
                for choice in status.choices
                if choice[0] != Article.Status.PUBLISHED
            ]

    @property
    def button(self) -> str | None:
        """The publishing button pressed, if any."""
        for name in (SCHEDULE_BUTTON, PUBLISH_BUTTON):
            if self.is_bound and name in self.data:
                return name
        return None

    def _tracked(self) -> list:
        """The model fields this form edits."""
        fields = []
        for name in self.fields:
            try:
                field = Article._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.concrete:
                fields.append(field)
        return fields

    def _digests(self, article: Article) -> dict[str, str]:
        return {
            field.name: hashlib.sha256(
                str(getattr(article, field.attname)).encode()
            ).hexdigest()[:16]
            for field in self._tracked()
        }

    def _edit_base(self, article: Article) -> str:
        return signing.dumps(
            {"v": article.edit_version, "h": self._digests(article)},
            salt=EDIT_BASE_SALT,
            compress=True,
        )

    def _check_conflict(self) -> None:
        """Refuses the save when a field changed since the form was opened
        (the row is locked until the admin's transaction ends, so no other
        save slips in between this check and this save)."""
        if self.instance.pk is None or "edit_base" not in self.data:
            return
        stored = (
            Article.objects.select_for_update(of=("self",))
            .select_related("staged_revision__created_by", "edited_by")
            .get(pk=self.instance.pk)
        )
        changed_by, changed_at = stored.edited_by, stored.updated_at
        if (staged := stored.staged_revision) is not None:
            # Someone's unpublished changes are the story's text as editors see it.
            overlay(stored, staged.content)
            changed_by, changed_at = staged.created_by, staged.created_at
        try:
            base = signing.loads(self.data["edit_base"], salt=EDIT_BASE_SALT)
            version, opened = int(base["v"]), dict(base["h"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            version, opened = -1, {}
        if version == stored.edit_version:
            return
        now = self._digests(stored)
        changed = [name for name, digest in now.items() if opened.get(name) != digest]
        if not changed:
            return
        self.conflict = {
            "by": changed_by,
            "at": changed_at,
            "fields": [
                {
                    "label": self.fields[name].label or name,
                    "theirs": _shown(name, self._value_of(stored, name)),
                    "yours": _shown(name, self.cleaned_data.get(name, "")),
                }
                for name in changed
            ],
        }
        # Saving again means "mine anyway": the form now stands on this version.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_base")] = self._edit_base(stored)
        raise ValidationError(CONFLICT_MESSAGE, code="edit_conflict")

    @staticmethod
    def _value_of(article: Article, name: str):
        field = Article._meta.get_field(name)
        if field.choices:
            return getattr(article, f"get_{name}_display")()
        return getattr(article, name)

    def clean(self) -> dict:
        cleaned = super().clean()
        self._check_conflict()
        if self.button is None:
            return cleaned
        if self.live:
            # Publish changes / Schedule changes: the story's own times stay.
            if self.button == SCHEDULE_BUTTON and not cleaned.get("changes_go_live_at"):
                self.add_error(
                    "changes_go_live_at"
                    if "changes_go_live_at" in self.fields
                    else None,
                    "Give the time to publish the changes at, or press “Publish "
                    "changes” to publish them now.",
                )
            return cleaned
        go_live_at = cleaned.get("go_live_at", self.instance.go_live_at)
        if self.button == SCHEDULE_BUTTON and go_live_at is None:
            self.add_error(
                "go_live_at" if "go_live_at" in self.fields else None,
                "Give the go-live time to schedule the story for, or press "
                "Publish to publish it now.",
            )
            return cleaned
        now = timezone.now()
        if go_live_at is None or (self.button == SCHEDULE_BUTTON and go_live_at <= now):
            # Published now (the admin says so): the expiry must follow now.
            expire_at = cleaned.get("expire_at", self.instance.expire_at)
            if expire_at is not None and expire_at <= now:
                self.add_error(
                    "expire_at" if "expire_at" in self.fields else None,
                    "A story must expire after its go-live time. Published now, "
                    f"it would already have expired ({format_time(expire_at)}).",
                )
        return cleaned

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


def _shown(name: str, value) -> str:
    """A field's value as the conflict panel shows it: the body as text."""
    if value is None or value == "":
        return "(empty)"
    if hasattr(value, "isoformat"):
        return format_time(value)
    return html_to_text(value) if name == "body" else str(value)


class StoryImportForm(ValidChoicesForm, forms.Form):
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
    byline = forms.CharField(
        max_length=Article._meta.get_field("byline").max_length,
        required=False,
        help_text="For the stories whose file names no byline.",
    )
    thread = forms.ModelChoiceField(
        queryset=Thread.objects.all(),
        required=False,
        label="Developing story",
        widget=AutocompleteSelect(Article._meta.get_field("thread"), admin.site),
        help_text="Put the stories that name no thread of their own in this one.",
    )
    new_thread = forms.CharField(
        label="…or a new developing story",
        max_length=Thread._meta.get_field("title").max_length,
        required=False,
        help_text="The title of a thread to start for these stories.",
    )
    published_at = forms.SplitDateTimeField(
        label="Go-live time",
        required=False,
        widget=AdminSplitDateTime,
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
        zone = settings.TIME_ZONE
        published_at = self.fields["published_at"]
        # As the story form shows its times.
        published_at.label = f"{published_at.label} ({zone})"
        published_at.help_text += f" Times are in the site's time zone, {zone}."
        if not can_publish:
            self.fields["status"].choices = [(Article.Status.DRAFT, "Draft")]
            self.fields["status"].help_text = (
                "You may import drafts; an editor with publishing rights "
                "publishes them."
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("thread") and cleaned.get("new_thread"):
            self.add_error(
                "new_thread",
                "Choose a developing story or give a new one's title, not both.",
            )
        return cleaned

    def thread_name(self) -> str:
        """The thread for `import_files`: the chosen one's slug, or the new title."""
        thread = self.cleaned_data.get("thread")
        return thread.slug if thread else self.cleaned_data.get("new_thread", "")

    def clean_files(self) -> list:
        """Refuses files over MAX_UPLOAD_BYTES before anything is read."""
        files = self.cleaned_data["files"]
        if too_big := [f for f in files if f.size > settings.MAX_UPLOAD_BYTES]:
            raise ValidationError(
                [f"{upload.name}: {too_large(upload.size)}." for upload in too_big]
            )
        return files


class SearchForm(forms.Form):
    """The readers' search (/search/): the query and its filters, all optional.

    Built from the request's GET data. Only a query over `MAX_QUERY_LENGTH`
    characters or a filter naming nothing is an error; any other query is
    searched for as words. (A control character such as NUL never gets here:
    `RefuseControlCharactersMiddleware` answers 400 first. Cleaning the query
    anyway keeps the form safe to use without it.)
    """

    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        error_messages={
            "max_length": f"Search for at most {MAX_QUERY_LENGTH} characters."
        },
        widget=forms.SearchInput(),
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.visible(),
        to_field_name="slug",
        required=False,
        empty_label="All sections",
        error_messages={"invalid_choice": "There is no such section."},
    )
    entity = forms.CharField(required=False, widget=forms.HiddenInput())
    author = forms.CharField(required=False, widget=forms.HiddenInput())
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, data: QueryDict | None = None, **kwargs) -> None:
        if data is not None:
            data = data.copy()
            for name in ("q", "entity", "author"):
                if name in data:
                    data[name] = clean_text(data[name])
        super().__init__(data, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()
        if "q" in self._errors:
            # Shown again cut to length: a 100 KB query is not echoed back.
            self.data = self.data.copy()
            self.data["q"] = self.data["q"][:MAX_QUERY_LENGTH]

    def clean_entity(self) -> Entity | None:
        slug = self.cleaned_data["entity"].strip()
        if not slug:
            return None
        # An entity only hidden stories carry is as unknown as a missing one.
        entity = Entity.objects.with_published_stories().filter(slug=slug).first()
        if entity is None:
            raise ValidationError("No published story is about that.")
        return entity

    def clean_author(self) -> Author | None:
        slug = self.cleaned_data["author"].strip()
        if not slug:
            return None
        # An author only hidden stories credit is as unknown as a missing one.
        author = Author.objects.with_published_stories().filter(slug=slug).first()
        if author is None:
            raise ValidationError("No published story is by that author.")
        return author

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", "The end date is before the start date.")
        return data

    def stories(self) -> ArticleQuerySet:
        """The published stories matching a valid form, best match first on
        PostgreSQL (newest first among equals), newest first elsewhere; none
        without a query."""
        data = self.cleaned_data
        # Filters first: the search ranks the newest matches of what they leave.
        stories = Article.objects.published()
        if data["section"]:
            stories = stories.filter(section=data["section"])
        if data["entity"]:
            stories = stories.filter(entity_links__tag=data["entity"])
        if data["author"]:
            stories = stories.filter(author_links__author=data["author"])
        tz = timezone.get_current_timezone()
        if data["start"]:
            start = datetime.datetime.combine(data["start"], datetime.time(), tz)
            stories = stories.filter(go_live_at__gte=start)
        if data["end"]:
            end = data["end"] + datetime.timedelta(days=1)
            stories = stories.filter(
                go_live_at__lt=datetime.datetime.combine(end, datetime.time(), tz)
            )
        stories = stories.search(data["q"])
        if "search_rank" in stories.query.annotations:
            return stories.newest_first("-search_rank")
        return stories.newest_first()
