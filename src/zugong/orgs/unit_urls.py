from django.urls import path

from zugong.orgs import views

app_name = "units"
urlpatterns = [
    path("", views.unit_list, name="list"),
    path("new/", views.unit_create, name="create"),
    path("<str:code>/", views.unit_detail, name="detail"),
    path("<str:code>/edit/", views.unit_edit, name="edit"),
]
