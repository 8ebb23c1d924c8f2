from django.urls import path

from zugong.recruitment import views

app_name = "recruitment"
urlpatterns = [
    path("", views.applicant_list, name="list"),
    path("new/", views.applicant_create, name="create"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("plans/", views.plans, name="plans"),
    path("documents/", views.documents, name="documents"),
    path("<int:pk>/", views.applicant_detail, name="detail"),
    path("<int:pk>/edit/", views.applicant_edit, name="edit"),
    path("<int:pk>/reveal/", views.applicant_reveal, name="reveal"),
    path("<int:pk>/close/", views.applicant_close, name="close"),
    path("<int:pk>/documents/<str:kind>/", views.document, name="document"),
    path("<int:pk>/steps/<str:step>/", views.step_record, name="step"),
    path("<int:pk>/records/<int:record_pk>/undo/", views.step_undo, name="undo"),
]
