from django.urls import path

from classifier import api, views

urlpatterns = [
    path("jobs/<int:job_id>/", views.job_page, name="classifier-job"),
    path("api/l/<str:code>/jobs", api.lesson_jobs, name="classifier-api-lesson-jobs"),
    path("api/jobs/<int:job_id>", api.job_detail, name="classifier-api-job"),
    path("api/jobs/<int:job_id>/cancel", api.job_cancel, name="classifier-api-cancel"),
    path("api/jobs/<int:job_id>/predict", api.job_predict, name="classifier-api-predict"),
    path("api/jobs/<int:job_id>/model", api.job_model, name="classifier-api-model"),
    path("api/jobs/<int:job_id>/samples/<int:index>", api.job_sample, name="classifier-api-sample"),
]
