from __future__ import annotations

from django.urls import path

from entities import views

app_name = "entities"
urlpatterns = [
    path("", views.EntityListView.as_view(), name="list"),
    path("<str:slug>/", views.EntityDetailView.as_view(), name="detail"),
]
