"""Server-rendered pages: home, the student's lesson page, the teacher and helper views, the join screen."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from classroom import access, services
from classroom.forms import CupForm, LessonCreateForm, NameForm
from classroom.http import teacher_page
from classroom.models import Lesson
from classroom.selectors import lesson_summary, lesson_timeline
from classroom.serializers import lesson_json


@require_http_methods(["GET", "POST"])
def home(request):
    if request.method == "POST" and request.user.is_authenticated:
        form = LessonCreateForm(request.POST)
        if form.is_valid():
            lesson = services.lesson_create(owner=request.user, title=form.cleaned_data["title"])
            return redirect(lesson.teacher_url)
    code = request.GET.get("code", "").strip().upper()
    if code:
        if Lesson.objects.filter(code=code).exists():
            return redirect(f"/l/{code}/")
        messages.error(request, f"No lesson has the code {code[:12]}. Check the code on the board.")
    lessons = request.user.lessons.all() if request.user.is_authenticated else []
    return render(request, "classroom/home.html", {"lessons": lessons})


@require_http_methods(["GET", "POST"])
def signup(request):
    if not settings.SIGNUP_ENABLED:
        raise Http404("Sign-up is switched off on this site; ask your administrator for an account.")
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.save())
        return redirect("/")
    return render(request, "registration/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def student_page(request, code):
    lesson = access.lesson_by_code(code)
    student = access.student_for_request(request, lesson)
    if request.method == "POST":  # the no-JavaScript form
        _student_post(request, lesson, student)
        return redirect(lesson.student_url)
    state = services.student_state(student_id=student.id)
    return render(
        request,
        "classroom/student.html",
        {"lesson": lesson, "student": student, "state": state, "colors": CupForm.base_fields["color"].choices},
    )


def _student_post(request, lesson, student):
    if "name" in request.POST:
        form = NameForm(request.POST)
        if form.is_valid():
            services.student_rename(lesson=lesson, student=student, name=form.cleaned_data["name"])
        else:
            messages.error(request, " ".join(form.errors["name"]))
        return
    form = CupForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose green, yellow or red.")
        return
    try:
        services.cup_set(lesson=lesson, student=student, color=form.cleaned_data["color"])
        messages.success(request, "Sent ✓")
    except services.LessonClosed as closed:
        messages.error(request, str(closed))


def _viewer_page(request, lesson, *, read_only: bool):
    socket_path = f"/ws/l/{lesson.code}/watch/{lesson.watch_token}/" if read_only else f"/ws/l/{lesson.code}/teacher/"
    context = {
        "lesson": lesson,
        "read_only": read_only,
        "page_data": {
            "summary": lesson_summary(lesson=lesson),
            "timeline": lesson_timeline(lesson=lesson),
            "lesson": None if read_only else lesson_json(lesson),
            "socket_path": socket_path,
            "read_only": read_only,
        },
    }
    return render(request, "classroom/teacher.html", context)


@teacher_page
def teacher_view(request, code):
    return _viewer_page(request, access.lesson_for_owner(request.user, code), read_only=False)


def watch_view(request, code, token):
    return _viewer_page(request, access.lesson_for_watcher(code, token), read_only=True)


@teacher_page
def join_screen(request, code):
    lesson = access.lesson_for_owner(request.user, code)
    url = request.build_absolute_uri(lesson.student_url)
    qr_svg = segno.make(url, error="m").svg_inline(scale=10, dark="#000", light="#fff")
    summary = lesson_summary(lesson=lesson)
    return render(
        request,
        "classroom/join.html",
        {
            "lesson": lesson,
            "url": url,
            "qr_svg": qr_svg,
            "page_data": {"summary": summary, "socket_path": f"/ws/l/{lesson.code}/teacher/"},
        },
    )
