from django.urls import path, re_path

from . import views

app_name = "collabs"

urlpatterns = [
    path("", views.collaboration_list, name="list"),
    path("new/", views.collaboration_create, name="create"),
    path("mine/", views.my_submissions, name="mine"),
    path("invitations/", views.my_invitations, name="invitations"),
    path(
        "invitations/<int:invitation_id>/answer/",
        views.invitation_answer,
        name="invitation_answer",
    ),
    path("<int:pk>/", views.collaboration_detail, name="detail"),
    path("<int:pk>/edit/", views.collaboration_edit, name="edit"),
    path("<int:pk>/status/", views.collaboration_status, name="status"),
    re_path(
        r"^(?P<pk>\d+)/(?P<which>cover|partner-logo)$", views.collaboration_image, name="image"
    ),
    path("<int:pk>/leaders/", views.leader_add, name="leader_add"),
    path("<int:pk>/leaders/<int:member_id>/remove/", views.leader_remove, name="leader_remove"),
    path("<int:pk>/submit/", views.submission_create, name="submit"),
    path("<int:pk>/curate/", views.curate, name="curate"),
    path(
        "<int:pk>/invitations/", views.collaboration_invitations, name="collaboration_invitations"
    ),
    path("<int:pk>/invitations/send/", views.invitations_send, name="invitations_send"),
    path("<int:pk>/assignments/", views.assignment_create, name="assignment_create"),
    path("<int:pk>/submissions/<int:submission_id>/", views.submission_detail, name="submission"),
    path(
        "<int:pk>/submissions/<int:submission_id>/decide/",
        views.submission_decide,
        name="decide",
    ),
    path(
        "<int:pk>/submissions/<int:submission_id>/withdraw/",
        views.submission_withdraw,
        name="withdraw",
    ),
]
