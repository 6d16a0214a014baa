"""Who may do what, from one table: every page, API call and socket × every kind of asker (CONTRACT.md, Roles).

Askers: anonymous (a fresh browser), student (joined the lesson, owns the job), other_student (joined the
same lesson), helper (holds the current watch link), old_helper (holds the link from before a rotation),
teacher (owns the lesson), other_teacher (owns another lesson)."""

import json

import pytest
from django.test import Client

from classifier.tests.factories import JobFactory
from classroom.models import Student
from classroom.tests.factories import LessonFactory, TeacherFactory
from tests.sockets import open_socket, run_sockets

ASKERS = ["anonymous", "student", "other_student", "helper", "old_helper", "teacher", "other_teacher"]
LOGIN = "login"  # a redirect to the login page

# (method, path, body, {asker: expected}, default). {code}, {token}, {old_token}, {job} are filled in.
HTTP = [
    ("GET", "/", None, {}, 200),
    ("GET", "/l/{code}/", None, {}, 200),
    ("GET", "/l/ZZZZZZ/", None, {}, 404),
    ("GET", "/l/{code}/teacher/", None, {"teacher": 200, "other_teacher": 403}, LOGIN),
    ("GET", "/l/{code}/join/", None, {"teacher": 200, "other_teacher": 403}, LOGIN),
    ("GET", "/l/{code}/watch/{token}/", None, {"old_helper": 404}, 200),
    ("GET", "/l/{code}/watch/{old_token}/", None, {}, 404),
    ("GET", "/jobs/{job}/", None, {"student": 200, "teacher": 200}, 403),
    ("GET", "/jobs/999999/", None, {}, 404),
    ("POST", "/api/lessons", {"title": "Mine"}, {"teacher": 201, "other_teacher": 201}, 403),
    ("GET", "/api/lessons/{code}", None, {"teacher": 200}, 403),
    ("PATCH", "/api/lessons/{code}", {"title": "Renamed"}, {"teacher": 200}, 403),
    ("POST", "/api/l/{code}/revote", None, {"teacher": 200}, 403),
    ("POST", "/api/l/{code}/markers", {"label": "DataBlock"}, {"teacher": 201}, 403),
    ("POST", "/api/l/{code}/watch-token", None, {"teacher": 200}, 403),
    ("POST", "/api/l/{code}/cup", {"color": "red"}, {}, 200),
    ("POST", "/api/l/ZZZZZZ/cup", {"color": "red"}, {}, 404),
    ("GET", "/api/l/{code}/summary", None, {"teacher": 200, "helper": 200, "old_helper": 404}, 403),
    ("GET", "/api/l/{code}/history.csv", None, {"teacher": 200}, 403),
    ("GET", "/api/l/{code}/jobs", None, {"teacher": 200}, 403),
    ("GET", "/api/jobs/{job}", None, {"student": 200, "teacher": 200}, 403),
    ("POST", "/api/jobs/{job}/cancel", None, {"student": 200, "teacher": 200}, 403),
    ("GET", "/api/jobs/{job}/model", None, {"student": 404, "teacher": 404}, 403),
    ("GET", "/api/jobs/999999", None, {}, 404),
]

# (path, {asker: accepted?}, default)
SOCKETS = [
    ("/ws/l/{code}/student/", {"student": True, "other_student": True}, False),
    ("/ws/l/{code}/teacher/", {"teacher": True}, False),
    ("/ws/l/{code}/watch/{token}/", {"old_helper": False}, True),
    ("/ws/l/{code}/watch/{old_token}/", {}, False),
    ("/ws/jobs/{job}/", {"student": True, "teacher": True}, False),
]


class World:
    """One lesson with its teacher, two students (one with a job), a helper link rotated once, and a stranger."""

    def __init__(self):
        self.lesson = LessonFactory()
        self.old_token = self.lesson.watch_token
        self.clients = {name: Client() for name in ASKERS}
        self.clients["teacher"].force_login(self.lesson.owner)
        self.clients["other_teacher"].force_login(TeacherFactory())
        for name in ("student", "other_student"):
            self.clients[name].get(self.lesson.student_url)
        owner_student = Student.objects.get(
            lesson=self.lesson, session_key=self.clients["student"].session["student_key"]
        )
        self.job = JobFactory(student=owner_student)
        assert self.clients["teacher"].post(f"/api/l/{self.lesson.code}/watch-token").status_code == 200
        self.lesson.refresh_from_db()

    def fill(self, template: str, asker: str) -> str:
        """{token} is the link the asker holds: the old one for old_helper, the current one for anybody else."""
        token = self.old_token if asker == "old_helper" else self.lesson.watch_token
        path = template.format(code=self.lesson.code, token=token, old_token=self.old_token, job=self.job.id)
        if "/summary" in path and asker in ("helper", "old_helper"):
            path += "?token=" + token  # a helper's only credential is the link
        return path


def http_cases():
    for method, path, body, expected, default in HTTP:
        for asker in ASKERS:
            yield pytest.param(
                method, path, body, asker, expected.get(asker, default), id=f"{method} {path} as {asker}"
            )


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body", "asker", "expected"), list(http_cases()))
def test_http_access(method, path, body, asker, expected):
    world = World()
    client = world.clients[asker]
    url = world.fill(path, asker)
    data = json.dumps(body) if body is not None else None
    response = client.generic(method, url, data or "", content_type="application/json")
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == expected, response.content[:300]


def socket_cases():
    for path, expected, default in SOCKETS:
        for asker in ASKERS:
            yield pytest.param(path, asker, expected.get(asker, default), id=f"{path} as {asker}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("path", "asker", "accepted"), list(socket_cases()))
def test_socket_access(path, asker, accepted):
    world = World()

    async def attempt():
        socket, connected, _ = await open_socket(world.fill(path, asker), world.clients[asker])
        if connected:
            await socket.disconnect()
        return connected

    assert run_sockets(attempt) is accepted


@pytest.mark.django_db
def test_unsafe_requests_without_the_csrf_token_are_refused():
    lesson = LessonFactory()
    student = Client(enforce_csrf_checks=True)
    student.get(lesson.student_url)
    assert (
        student.post(
            f"/api/l/{lesson.code}/cup", json.dumps({"color": "red"}), content_type="application/json"
        ).status_code
        == 403
    )
    teacher = Client(enforce_csrf_checks=True)
    teacher.force_login(lesson.owner)
    assert teacher.post(f"/api/l/{lesson.code}/revote").status_code == 403
    token = teacher.get(lesson.teacher_url).cookies["csrftoken"].value
    assert teacher.post(f"/api/l/{lesson.code}/revote", HTTP_X_CSRFTOKEN=token).status_code == 200


def test_the_matrix_covers_every_asker_for_every_page_api_call_and_socket(reliability):
    http_refused = sum(
        1 for *_, expected, default in HTTP for asker in ASKERS if expected.get(asker, default) not in (200, 201)
    )
    socket_refused = sum(1 for _, expected, default in SOCKETS for asker in ASKERS if not expected.get(asker, default))
    assert len({path for _, path, *_ in HTTP}) >= 20 and len(ASKERS) == 7
    reliability(
        "Access",
        "Every page and API call × 7 askers (tests/test_authorization.py)",
        "403 for a logged-in user without the right, login redirect for anonymous teachers' pages, 404 for unknown",
        f"{len(HTTP) * len(ASKERS)} requests, {http_refused} refused",
    )
    reliability(
        "Access",
        "Every socket × 7 askers, a foreign Origin, no cookie",
        "refused before accept",
        f"{len(SOCKETS) * len(ASKERS)} handshakes, {socket_refused} refused",
    )
    reliability("Access", "Unsafe requests without the CSRF token", "403", "")
