"""The job page: live progress, results and "try your own image"."""

from django.shortcuts import render

from classifier.access import job_for_request
from classifier.models import ACTIVE, Status
from classifier.serializers import job_json
from classifier.services import predict_warm_up


def job_page(request, job_id):
    job = job_for_request(request.user, request.session, job_id)
    if job.status in (*ACTIVE, Status.SUCCEEDED):
        predict_warm_up()  # this student will soon try a photo
    return render(request, "classifier/job.html", {"job": job, "job_data": job_json(job)})
