"""Choices shared with other apps' models, kept apart from `articles.models` so
that those models can use them without loading Article first (Article's entity
manager needs `entities.Entity` loaded before it)."""

from __future__ import annotations

from django.db import models


class Relevance(models.TextChoices):
    """How central an entity is to a story: the story is about it, or only
    mentions it. Used by confirmed links and by the matcher's suggestions."""

    ABOUT = "about", "About"
    MENTIONS = "mentions", "Mentions"
