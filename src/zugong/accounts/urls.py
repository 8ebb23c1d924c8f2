from django.urls import path

from zugong.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:pk>/", views.account_edit, name="edit"),
    path("<int:pk>/password/", views.account_password, name="password"),
    path("<int:pk>/tokens/new/", views.token_issue, name="token_issue"),
    path("<int:pk>/tokens/<int:token_pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("<int:pk>/unlock/", views.account_unlock, name="unlock"),
    path("<int:pk>/otp-reset/", views.account_otp_reset, name="otp_reset"),
]
