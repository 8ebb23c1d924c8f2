from django.urls import path

from zugong.api import api

urlpatterns = [
    path("api/", api.urls),
]
