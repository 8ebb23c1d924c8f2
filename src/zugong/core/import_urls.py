from django.urls import path

from zugong.core import import_views

app_name = "imports"
urlpatterns = [
    path("", import_views.index, name="index"),
    path("jobs/<int:pk>/", import_views.job, name="job"),
    path("jobs/<int:pk>/progress/", import_views.progress, name="progress"),
    path("jobs/<int:pk>/confirm/", import_views.confirm, name="confirm"),
    path("jobs/<int:pk>/problems.xlsx", import_views.problems_download, name="problems"),
    path("<slug:name>/", import_views.upload, name="upload"),
    path("<slug:name>/template.xlsx", import_views.template, name="template"),
]
