from django.contrib import admin
from django.urls import include, path

from ensemble.core import views as core_views
from ensemble.feedback import views as feedback_views
from ensemble.records import views as record_views

from .api import api

handler400 = "ensemble.core.views.bad_request"
handler403 = "ensemble.core.views.permission_denied"
handler404 = "ensemble.core.views.page_not_found"
handler500 = "ensemble.core.views.server_error"

urlpatterns = [
    path("", record_views.home, name="home"),
    path("licence/", core_views.licence_page, name="licence"),
    path("records/", include("ensemble.lineage.urls")),
    path("records/", include("ensemble.records.urls")),
    path("notifications/", include("ensemble.notifications.urls")),
    path("collaborations/", include("ensemble.collabs.urls")),
    path("productions/", include("ensemble.productions.urls")),
    path("royalties/", include("ensemble.royalties.urls")),
    path("feedback/", include("ensemble.feedback.urls")),
    path("feed/", feedback_views.feed, name="feed"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("staff/", admin.site.urls),
    path("", include("ensemble.accounts.urls")),
]
