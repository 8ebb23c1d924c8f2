from django.urls import path

app_name = "accounts"
urlpatterns: list = [
    path("", lambda r: None, name="list"),
]
