from django.urls import path

from zugong.dues import views

app_name = "dues"
urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.me, name="me"),
    path("quote/", views.quote, name="quote"),
    path("arrears/", views.arrears, name="arrears"),
    path("ledger/<str:code>/", views.ledger, name="ledger"),
    path("ledger/<str:code>/pay/", views.ledger_pay, name="ledger_pay"),
    path("rollup/<str:code>/", views.rollup, name="rollup"),
    path("m/<int:pk>/", views.member_detail, name="member"),
    path("m/<int:pk>/base/", views.base_edit, name="base"),
    path("m/<int:pk>/pay/", views.payment_new, name="pay"),
    path("m/<int:pk>/relief/", views.relief_new, name="relief"),
    path("payments/<int:pk>/void/", views.payment_void, name="void"),
]
