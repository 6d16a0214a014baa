"""The JSON API for training jobs (shared/CONTRACT.md)."""

from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from classifier import services
from classifier.access import job_for_request
from classifier.forms import JobForm
from classifier.models import Job
from classifier.paths import job_dir
from classifier.pipeline.images import NotAnImage
from classifier.serializers import job_json
from classroom import access
from classroom.http import form_errors, json_api, json_body

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@json_api
def lesson_jobs(request, code):
    if request.method == "POST":
        return _create(request, code)
    lesson = access.lesson_for_owner(request.user, code)
    jobs = Job.objects.filter(lesson=lesson).select_related("student")[:500]
    return JsonResponse({"jobs": [job_json(job) for job in jobs]})


def _create(request, code):
    lesson = access.lesson_by_code(code)
    form = JobForm(json_body(request))
    if not form.is_valid():
        return form_errors(form)
    student = access.student_for_request(request, lesson)
    try:
        job = services.job_create(lesson=lesson, student=student, **form.cleaned_data)
    except services.QuotaExceeded as refused:
        return JsonResponse({"error": str(refused)}, status=429)
    except services.QueueUnavailable as unavailable:
        return JsonResponse({"error": str(unavailable)}, status=503)
    return JsonResponse(job_json(job), status=201)


@json_api
@require_GET
def job_detail(request, job_id):
    return JsonResponse(job_json(job_for_request(request.user, request.session, job_id)))


@json_api
@require_POST
def job_cancel(request, job_id):
    job = job_for_request(request.user, request.session, job_id)
    return JsonResponse(job_json(services.job_cancel(job=job)))


@json_api
@require_POST
def job_predict(request, job_id):
    job = job_for_request(request.user, request.session, job_id)
    # Refuse by the announced size before Django reads the body.
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return JsonResponse({"error": "That file is too large: at most 10 MB."}, status=400)
    if services.job_model_path(job) is None:
        return JsonResponse({"error": "This job has no trained model yet."}, status=400)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": 'Send the photo as the multipart field "image".'}, status=400)
    if upload.size > MAX_UPLOAD_BYTES:
        return JsonResponse({"error": "That file is too large: at most 10 MB."}, status=400)
    try:
        return JsonResponse(services.job_predict(job=job, upload=upload))
    except NotAnImage as problem:
        return JsonResponse({"error": str(problem)}, status=400)


@json_api
@require_GET
def job_model(request, job_id):
    job = job_for_request(request.user, request.session, job_id)
    path = services.job_model_path(job)
    if path is None:
        raise Http404("This job has no exported model.")
    return FileResponse(open(path, "rb"), as_attachment=True, filename=f"model-job-{job.id}.pkl")


@json_api
@require_GET
def job_sample(request, job_id, index):
    job = job_for_request(request.user, request.session, job_id)
    path = job_dir(job.id) / "samples" / f"{int(index)}.jpg"
    if not path.is_file():
        raise Http404("No such sample.")
    return FileResponse(open(path, "rb"), content_type="image/jpeg")
