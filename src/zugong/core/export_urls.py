from django.urls import path

from zugong.core import export_views

app_name = "exports"
urlpatterns = [
    path("", export_views.job_list, name="jobs"),
    path("jobs/<int:pk>/", export_views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", export_views.job_progress, name="progress"),
    path("jobs/<int:pk>/download/", export_views.job_download, name="download"),
    path("<slug:name>/", export_views.export_start, name="start"),
]
