"""The job page: live progress, results and "try your own image"."""

from django.shortcuts import render

from classifier.access import job_for_request
from classifier.serializers import job_json


def job_page(request, job_id):
    job = job_for_request(request.user, request.session, job_id)
    return render(request, "classifier/job.html", {"job": job, "job_data": job_json(job)})
