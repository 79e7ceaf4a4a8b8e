from django.urls import path, re_path

from . import views

app_name = "feedback"

urlpatterns = [
    re_path(
        r"^(?P<kind>records|collaborations|submissions)/(?P<pk>[0-9]{1,12})/comments/$",
        views.comments,
        name="comments",
    ),
    path("comments/<int:pk>/", views.comment_detail, name="comment"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/report/", views.comment_report, name="comment_report"),
    path("records/<int:pk>/heart/", views.heart, name="heart"),
    path("members/<str:username>/follow/", views.follow_member, name="follow_member"),
    path(
        "collaborations/<int:pk>/follow/", views.follow_collaboration, name="follow_collaboration"
    ),
]
