from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from zugong.accounts import otp_views
from zugong.api import api
from zugong.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/verify/", otp_views.otp_verify, name="otp_verify"),
    path("login/setup/", otp_views.otp_setup, name="otp_setup"),
    path("security/", otp_views.security, name="security"),
    path("security/backup-codes/", otp_views.otp_backup_renew, name="otp_backup_renew"),
    path("no-access/", TemplateView.as_view(template_name="registration/no_access.html"), name="no_access"),
    path("orgs/", include("zugong.orgs.urls")),
    path("units/", include("zugong.orgs.unit_urls")),
    path("members/", include("zugong.members.urls")),
    path("orglife/", include("zugong.orglife.urls")),
    path("recruitment/", include("zugong.recruitment.urls")),
    path("accounts/", include("zugong.accounts.urls")),
    path("audit/", include("zugong.core.urls")),
    path("rules/", include("zugong.rules.urls")),
    path("dues/", include("zugong.dues.urls")),
    path("imports/", include("zugong.core.import_urls")),
    path("exports/", include("zugong.core.export_urls")),
    path("api/", api.urls),
]
