"""Lineage pages, under a record's address: /records/<pk>/lineage/ and the per-line authorship
of a text version, /records/<pk>/v/<number>/authorship/."""

from django.urls import path

from . import views

app_name = "lineage"

urlpatterns = [
    path("<int:pk>/lineage/", views.lineage_page, name="tree"),
    path("<int:pk>/v/<int:number>/authorship/", views.authorship_page, name="authorship"),
]
