from django.urls import path

from ensemble.media import views as media_views

from . import views

app_name = "records"

urlpatterns = [
    path("write/", views.record_write, name="write"),
    path("upload/", views.record_upload, name="upload"),
    path("search/", views.record_search, name="search"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
    path("<int:pk>/versions/new/", views.record_new_version, name="new_version"),
    path("<int:pk>/unpublish/", views.record_unpublish, name="unpublish"),
    path("<int:pk>/publish/", views.record_publish, name="publish"),
    path("<int:pk>/v/<int:number>/", views.version_detail, name="version"),
    path("<int:pk>/v/<int:number>/original", views.original, name="original"),
    path("<int:pk>/v/<int:number>/status/", media_views.media_status, name="media_status"),
    path("<int:pk>/v/<int:number>/media/<str:name>", media_views.rendition, name="rendition"),
]
