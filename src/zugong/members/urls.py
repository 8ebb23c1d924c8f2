from django.urls import path

app_name = "members"
urlpatterns: list = [
    path("", lambda r: None, name="list"),
    path("me/", lambda r: None, name="me"),
]
