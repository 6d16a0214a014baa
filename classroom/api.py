"""The JSON API for lessons and cups (shared/CONTRACT.md, "JSON API")."""

import csv
import itertools

from django.http import HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_http_methods, require_POST

from classroom import access, services
from classroom.forms import CupForm, LessonCreateForm, LessonUpdateForm, MarkerForm
from classroom.http import form_errors, json_api, json_body
from classroom.selectors import cup_history_rows, lesson_summary
from classroom.serializers import lesson_json


@json_api
@require_POST
def lessons(request):
    if not request.user.is_authenticated:
        raise access.LoginRequired
    form = LessonCreateForm(json_body(request))
    if not form.is_valid():
        return form_errors(form)
    lesson = services.lesson_create(owner=request.user, title=form.cleaned_data["title"])
    return JsonResponse(lesson_json(lesson), status=201)


@json_api
@require_http_methods(["GET", "PATCH"])
def lesson_detail(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    if request.method == "PATCH":
        form = LessonUpdateForm(json_body(request))
        if not form.is_valid():
            return form_errors(form)
        lesson = services.lesson_update(lesson=lesson, changes=form.changes())
    return JsonResponse(lesson_json(lesson))


@json_api
@require_POST
def revote(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    cleared = services.lesson_revote(lesson=lesson)
    return JsonResponse({"cleared": cleared})


@json_api
@require_POST
def markers(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    form = MarkerForm(json_body(request))
    if not form.is_valid():
        return form_errors(form)
    marker = services.marker_add(lesson=lesson, label=form.cleaned_data["label"])
    return JsonResponse({"label": marker.label, "at": marker.at.isoformat()}, status=201)


@json_api
@require_POST
def watch_token(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    return JsonResponse(lesson_json(services.lesson_rotate_watch_token(lesson=lesson)))


@json_api
@require_POST
def cup(request, code):
    """The same as the socket's cup message, for a page whose socket cannot open."""
    lesson = access.lesson_by_code(code)
    form = CupForm(json_body(request))
    if not form.is_valid():
        return form_errors(form)
    student = access.student_for_request(request, lesson)
    try:
        student = services.cup_set(lesson=lesson, student=student, color=form.cleaned_data["color"])
    except services.LessonClosed as closed:
        return JsonResponse({"error": str(closed)}, status=409)
    return JsonResponse({"color": student.color})


@json_api
def summary(request, code):
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    lesson = access.lesson_for_owner_or_watcher(request.user, code, request.GET.get("token"))
    return JsonResponse(lesson_summary(lesson=lesson))


class _Echo:
    def write(self, value):
        return value


@json_api
def history_csv(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    writer = csv.writer(_Echo())
    rows = itertools.chain([["time", "student", "name", "color"]], cup_history_rows(lesson=lesson))
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="lesson-{lesson.code}-history.csv"'
    return response
