from django.urls import path

from zugong.members import mobility_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("me/", views.member_me, name="me"),
    path("new/", views.member_create, name="create"),
    path("org-search/", views.org_search_view, name="org_search"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal, name="reveal"),
    # 流动党员, 失联, 党籍变动 (mobility_views)
    path("mobility/", mobility_views.mobility_page, name="mobility"),
    path("<int:pk>/mobility/start/", mobility_views.mobility_start, name="mobility_start"),
    path("mobility/<int:pk>/reveal/", mobility_views.mobility_reveal, name="mobility_reveal"),
    path("mobility/<int:pk>/<str:action>/", mobility_views.mobility_action, name="mobility_action"),
    path("<int:pk>/lost/", mobility_views.lost_open, name="lost_open"),
    path("lost/<int:pk>/<str:action>/", mobility_views.lost_action, name="lost_action"),
    path("<int:pk>/standing/<str:action>/", mobility_views.standing, name="standing"),
]
