"""zugong's URLs plus /bench/floor/, the one-query page the list page is compared with under load."""

from django.urls import path

from bench.views import floor, floor_signed_in
from zugong.urls import urlpatterns as zugong_urlpatterns

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/floor/signed-in/", floor_signed_in, name="bench_floor_signed_in"),
    *zugong_urlpatterns,
]
