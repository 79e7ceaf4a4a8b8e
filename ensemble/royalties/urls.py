from django.urls import path

from . import views

app_name = "royalties"

urlpatterns = [
    path("earnings/", views.earnings, name="earnings"),
    path("earnings.csv", views.earnings_csv, name="earnings-csv"),
    path("earnings/payouts/", views.payout_request, name="payout"),
    path("productions/<int:pk>/", views.production_revenue, name="production"),
    path("productions/<int:pk>/pool/", views.pool_open, name="pool-open"),
    path("productions/<int:pk>/pool/budget/", views.pool_budget_add, name="pool-budget"),
    path("productions/<int:pk>/pool/profit/", views.pool_profit_add, name="pool-profit"),
    path("productions/<int:pk>/proposals/", views.proposal_generate, name="proposal-generate"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/weight/", views.line_adjust, name="line-adjust"),
    path("proposals/<int:pk>/hand-back/", views.hand_back_set, name="hand-back"),
    path("proposals/<int:pk>/publish/", views.proposal_publish, name="publish"),
    path("proposals/<int:pk>/finalise/", views.proposal_finalise, name="finalise"),
    path("proposals/<int:pk>/comments/", views.proposal_comment, name="comment"),
    path("allocations/<int:pk>/", views.allocation_public, name="allocation"),
]
