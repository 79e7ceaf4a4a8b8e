from django.urls import path

from . import views

app_name = "royalties"

urlpatterns = [
    path("earnings/", views.earnings, name="earnings"),
    path("earnings.csv", views.earnings_csv, name="earnings-csv"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("allocations/<int:pk>/", views.allocation_public, name="allocation"),
]
