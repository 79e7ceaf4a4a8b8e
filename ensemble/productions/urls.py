from django.urls import path, re_path

from . import views

app_name = "productions"

urlpatterns = [
    path("", views.production_list, name="list"),
    path("new/", views.production_create, name="create"),
    path("<int:pk>/", views.production_detail, name="detail"),
    path("<int:pk>/edit/", views.production_edit, name="edit"),
    path("<int:pk>/cover", views.production_cover, name="cover"),
    path("<int:pk>/extras/", views.extra_add, name="extra_add"),
    path("<int:pk>/cuts/", views.cut_create, name="cut_create"),
    path("cuts/<int:cut_id>/", views.cut_editor, name="editor"),
    path("cuts/<int:cut_id>/credits/", views.cut_credits, name="credits"),
    path("cuts/<int:cut_id>/import/", views.cut_import, name="import"),
    re_path(
        r"^cuts/(?P<cut_id>\d+)/export/(?P<format>otio|fcp_xml|edl)$",
        views.cut_export,
        name="export",
    ),
    path("cuts/<int:cut_id>/render/", views.render_request, name="render"),
    path("cuts/<int:cut_id>/render/status/", views.render_status, name="render_status"),
    re_path(r"^cuts/(?P<cut_id>\d+)/(?P<action>[a-z-]+)/$", views.cut_edit, name="edit_cut"),
    path("renders/<int:render_id>/cancel/", views.render_cancel, name="render_cancel"),
    re_path(
        r"^renders/(?P<render_id>\d+)/(?P<name>[A-Za-z0-9._-]+\.mp4)$",
        views.render_file,
        name="render_file",
    ),
]
