from django.urls import path

from zugong.members import community_views, mobility_views, transfers_views, views

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
    # 双报到与志愿服务 (community_views)
    path("community/", community_views.index, name="community_index"),
    path("community/me/", community_views.me, name="community_me"),
    path("community/c/<str:code>/", community_views.community_page, name="community_org"),
    path("community/c/<str:code>/report/", community_views.report_new, name="community_report_new"),
    path(
        "community/c/<str:code>/activities/new/", community_views.activity_new, name="community_activity_new"
    ),
    path("community/o/<str:code>/", community_views.employer, name="community_employer"),
    path("community/reports/<int:pk>/end/", community_views.report_end, name="community_report_end"),
    path("community/reports/<int:pk>/evaluate/", community_views.evaluate, name="community_evaluate"),
    path("community/activities/<int:pk>/", community_views.activity_detail, name="community_activity"),
    path(
        "community/activities/<int:pk>/edit/", community_views.activity_edit, name="community_activity_edit"
    ),
    path("community/activities/<int:pk>/hours/", community_views.hours, name="community_hours"),
    path("community/activities/<int:pk>/confirm/", community_views.confirm, name="community_confirm"),
    path("community/records/<int:pk>/remove/", community_views.record_remove, name="community_record_remove"),
    # 组织关系转接 (members.transfers)
    path("transfers/", transfers_views.transfer_list, name="transfer_list"),
    path("transfers/in/", transfers_views.transfer_in, name="transfer_in"),
    path("transfers/slot/", transfers_views.transfer_slot, name="transfer_slot"),
    path("transfers/org-lookup/", transfers_views.transfer_org_lookup, name="transfer_org_lookup"),
    path("transfers/<int:pk>/", transfers_views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/letter/", transfers_views.transfer_letter, name="transfer_letter"),
    path("transfers/<int:pk>/<str:action>/", transfers_views.transfer_act, name="transfer_act"),
    path("<int:pk>/transfer/", transfers_views.transfer_start, name="transfer_start"),
]
