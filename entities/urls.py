from __future__ import annotations

from django.urls import path

from entities import feeds, views

app_name = "entities"
urlpatterns = [
    path("", views.EntityListView.as_view(), name="list"),
    path("<str:slug>/", views.EntityDetailView.as_view(), name="detail"),
    path("<str:slug>/feed/", feeds.EntityFeed(), name="feed"),
    path("<str:slug>/feed/atom/", feeds.EntityAtomFeed(), name="atom_feed"),
]
