from django.urls import path

from zugong.orgs import views

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("search/", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("seats/<int:pk>/end/", views.seat_end, name="seat_end"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
    path("<str:code>/edit/", views.edit, name="edit"),
    path("<str:code>/move/", views.move, name="move"),
    path("<str:code>/merge/", views.merge, name="merge"),
    path("<str:code>/dissolve/", views.dissolve, name="dissolve"),
    path("<str:code>/seats/new/", views.seat_add, name="seat_add"),
    path("<str:code>/term/", views.term, name="term"),
    path("<str:code>/units/", views.org_units, name="units"),
]
