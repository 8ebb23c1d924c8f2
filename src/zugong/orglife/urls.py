from django.urls import path

from zugong.orglife import views

app_name = "orglife"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("org/<int:pk>/", views.overview, name="org"),
    path("inbox/", views.inbox, name="inbox"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/delete/", views.meeting_delete, name="meeting_delete"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_create, name="decision_create"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("theme-items/", views.theme_items, name="theme_items"),
]
