from django.urls import path

from zugong.rules import views

app_name = "rules"

urlpatterns = [
    path("", views.rule_list, name="list"),
    path("p/<int:pk>/", views.pack_detail, name="pack"),
    path("p/<int:pk>/edit/", views.pack_edit, name="pack_edit"),
    path("p/<int:pk>/rules/new/", views.rule_add, name="rule_add"),
    path("p/<int:pk>/rules/<int:rule_pk>/edit/", views.rule_edit, name="rule_edit"),
    path("p/<int:pk>/rules/<int:rule_pk>/end/", views.rule_end, name="rule_end"),
    path("r/<str:rule_id>/", views.rule_detail, name="rule"),
    path("local/new/", views.pack_create, name="pack_create"),
    path("calendar/", views.calendar_index, name="calendar_index"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar"),
    path("calendar/<int:year>/day/", views.calendar_day, name="calendar_day"),
    path("calendar/<int:year>/mark/", views.calendar_mark, name="calendar_mark"),
]
