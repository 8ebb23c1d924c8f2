"""zugong's URLs plus /bench/floor/, the one-query page the list page is compared with under load."""

from django.urls import path

from bench.views import floor
from zugong.urls import urlpatterns as zugong_urlpatterns

urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *zugong_urlpatterns]
