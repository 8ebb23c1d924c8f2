from django.urls import path

app_name = "units"
urlpatterns: list = [
    path("", lambda r: None, name="list"),
]
