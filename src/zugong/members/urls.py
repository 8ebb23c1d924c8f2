from django.urls import path

from zugong.members import transfers_views, views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("me/", views.member_me, name="me"),
    path("new/", views.member_create, name="create"),
    path("org-search/", views.org_search_view, name="org_search"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal, name="reveal"),
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
