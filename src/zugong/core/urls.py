from django.urls import path

from zugong.core import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_list, name="list"),
    path("verify/", audit_views.audit_verify, name="verify"),
]
