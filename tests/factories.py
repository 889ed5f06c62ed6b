from __future__ import annotations

import datetime
import io

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.models import (
    Article,
    ArticleAuthor,
    ArticleEntity,
    Author,
    AuthorLink,
    Correction,
    ImportJob,
    PreviewLink,
    PublicChange,
    Section,
    Thread,
)
from entities.models import Alias, Candidate, Entity
from images.models import Image
from images.renditions import make_renditions
from images.services import create_image
from related.models import RelatedExclusion, RelatedLink


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class EditorFactory(UserFactory):
    """A desk editor: staff, may edit and publish stories."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"editor{n}")
    is_staff = True

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        if not create:
            return
        self.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=[
                    "articles",
                    "entities",
                    "related",
                    "taggit",
                    "images",
                ]
            )
        )


class RoleUserFactory(UserFactory):
    """A staff member in one of the desk's roles (the groups made by migration):
    `RoleUserFactory(role="Reporter")`, "Editor" or "Admin"."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True
    role = "Reporter"

    @classmethod
    def _create(cls, model_class, *args, role, **kwargs):
        user = super()._create(model_class, *args, **kwargs)
        user.groups.add(Group.objects.get(name=role))
        return user


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.LazyAttribute(lambda section: section.name.lower().replace(" ", "-"))


class EntityFactory(DjangoModelFactory):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"Entity {n}")
    kind = Entity.Kind.PERSON


class AliasFactory(DjangoModelFactory):
    class Meta:
        model = Alias

    entity = factory.SubFactory(EntityFactory)
    name = factory.Sequence(lambda n: f"Alias {n}")


class ArticleFactory(DjangoModelFactory):
    """A published, live story unless told otherwise (see the traits)."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Story number {n} makes the news")
    dek = "A short standfirst that sums the story up."
    body = "<p>The first paragraph.</p><p>The second paragraph.</p>"
    byline = "A. Reporter"
    dateline = "LONDON"
    section = factory.SubFactory(SectionFactory, name="World", slug="world")
    status = Article.Status.PUBLISHED
    go_live_at = factory.LazyFunction(
        lambda: timezone.now() - datetime.timedelta(hours=1)
    )

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, go_live_at=None)
        withdrawn = factory.Trait(status=Article.Status.WITHDRAWN)
        scheduled = factory.Trait(
            go_live_at=factory.LazyFunction(
                lambda: timezone.now() + datetime.timedelta(days=1)
            )
        )
        # Live yesterday, past its expiry time since an hour ago.
        expired = factory.Trait(
            go_live_at=factory.LazyFunction(
                lambda: timezone.now() - datetime.timedelta(days=1)
            ),
            expire_at=factory.LazyFunction(
                lambda: timezone.now() - datetime.timedelta(hours=1)
            ),
        )

    @factory.post_generation
    def entities(self, create, extracted, **kwargs):
        if create and extracted:
            for entity in extracted:
                self.entities.add(entity)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        """`authors=[...]`: credited in that order."""
        if create and extracted:
            for position, author in enumerate(extracted):
                ArticleAuthor.objects.create(
                    article=self, author=author, position=position
                )


class ArticleEntityFactory(DjangoModelFactory):
    class Meta:
        model = ArticleEntity

    content_object = factory.SubFactory(ArticleFactory)
    tag = factory.SubFactory(EntityFactory)
    relevance = ArticleEntity.Relevance.ABOUT


class CorrectionFactory(DjangoModelFactory):
    """A correction to a published story, dated now."""

    class Meta:
        model = Correction

    article = factory.SubFactory(ArticleFactory)
    kind = Correction.Kind.CORRECTION
    text = factory.Sequence(lambda n: f"An earlier version gave the wrong figure {n}.")


class RelatedLinkFactory(DjangoModelFactory):
    class Meta:
        model = RelatedLink

    article = factory.SubFactory(ArticleFactory)
    target = factory.SubFactory(ArticleFactory)


class PartnerFactory(DjangoModelFactory):
    """A partner allowed to pull stories, with a generous rate limit."""

    class Meta:
        model = "partners.Partner"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Partner {n}")
    contact = "desk@partner.example.org"
    throttle_rate = "10000/hour"


class PartnerAPIKeyFactory(DjangoModelFactory):
    """A key for a partner; the secret to send is on the instance as `.key`."""

    class Meta:
        model = "partners.PartnerAPIKey"

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Key {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        api_key, key = model_class.objects.create_key(**kwargs)
        api_key.key = key
        return api_key


class AuthorFactory(DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Author Number{n}")
    role = "Political correspondent"
    bio = "Covers politics and the city hall."


class AuthorLinkFactory(DjangoModelFactory):
    class Meta:
        model = AuthorLink

    author = factory.SubFactory(AuthorFactory)
    label = "Website"
    url = "https://example.org/"


class ThreadFactory(DjangoModelFactory):
    class Meta:
        model = Thread

    title = factory.Sequence(lambda n: f"Developing story {n}")


class ImportJobFactory(DjangoModelFactory):
    """A background import that has finished."""

    class Meta:
        model = ImportJob

    created_by = factory.SubFactory(UserFactory)
    status = ImportJob.Status.DONE
    file_names = factory.Sequence(lambda n: [f"wire-{n}.json"])
    summary = "1 created, 0 updated, 0 rejected"


class RelatedExclusionFactory(DjangoModelFactory):
    class Meta:
        model = RelatedExclusion

    article = factory.SubFactory(ArticleFactory)
    target = factory.SubFactory(ArticleFactory)


class PreviewLinkFactory(DjangoModelFactory):
    """A working preview link for a draft."""

    class Meta:
        model = PreviewLink

    article = factory.SubFactory(ArticleFactory, draft=True)
    created_by = factory.SubFactory(UserFactory)


class CandidateFactory(DjangoModelFactory):
    """A name in a story that the gazetteer does not know yet."""

    class Meta:
        model = Candidate

    article = factory.SubFactory(ArticleFactory)
    name = factory.Sequence(lambda n: f"Unknown Body {n}")
    kind = Entity.Kind.ORGANIZATION


def settle_public_changes(hours: float = 3) -> None:
    """Move every recorded public change (PublicChange) `hours` back, as if
    nothing partners can see had changed since: Last-Modified has whole
    seconds, and a test's next change must fall in a later one."""
    when = timezone.now() - datetime.timedelta(hours=hours)
    for scope in PublicChange.Scope:
        PublicChange.objects.update_or_create(
            scope=scope, defaults={"changed_at": when}
        )


def picture_bytes(
    width: int = 480, height: int = 270, fmt: str = "JPEG", **save_options
) -> bytes:
    """A real picture drawn with Pillow: a sky, a ground and a sun."""
    picture = PILImage.new("RGB", (width, height), (70, 130, 200))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(60, 140, 70))
    draw.ellipse(
        (width // 8, height // 8, width // 4, height // 4), fill=(250, 210, 60)
    )
    out = io.BytesIO()
    picture.save(out, fmt, **save_options)
    return out.getvalue()


def picture_upload(name: str = "picture.jpg", **kwargs):
    return SimpleUploadedFile(name, picture_bytes(**kwargs))


class ImageFactory(DjangoModelFactory):
    """A library picture with a real JPEG stored through the upload checks
    (`images.services.create_image`), and its renditions made unless
    `renditions=False`."""

    class Meta:
        model = Image

    alt_text = factory.Sequence(lambda n: f"A field under a blue sky, number {n}")
    caption = "Fields near the coast in spring."
    credit = "Newsroom staff"

    @classmethod
    def _create(
        cls, model_class, *args, width=480, height=270, renditions=True, **kwargs
    ):
        tags = kwargs.pop("tags", ())
        upload = SimpleUploadedFile(
            "picture.jpg", picture_bytes(width=width, height=height)
        )
        image = create_image(file=upload, tags=tags, **kwargs)
        if renditions:
            make_renditions(image)
        return image
