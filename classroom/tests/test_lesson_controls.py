"""The teacher's controls and what they change for students and in the summary."""

import csv
import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from classroom import presence
from classroom.models import Student
from classroom.tests.factories import LessonFactory
from tests.sockets import open_socket, open_student_socket, receive_until, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)


def joined(lesson, name="") -> Client:
    client = Client()
    client.get(lesson.student_url)
    if name:
        Student.objects.filter(session_key=client.session["student_key"]).update(name=name)
    return client


def press(client, lesson, color):
    response = client.post(f"/api/l/{lesson.code}/cup", json.dumps({"color": color}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response


def teacher_of(lesson) -> Client:
    client = Client()
    client.force_login(lesson.owner)
    return client


def summary(lesson) -> dict:
    return teacher_of(lesson).get(f"/api/l/{lesson.code}/summary").json()


def test_closing_the_lesson_tells_connected_students_and_reopening_lets_them_press():
    lesson = LessonFactory()
    student, teacher = joined(lesson), teacher_of(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        patch = sync_to_async(teacher.patch)
        await patch(f"/api/lessons/{lesson.code}", json.dumps({"open": False}), content_type="application/json")
        closed, _ = await receive_until(socket, lambda m: m.get("lesson_open") is False)
        await patch(f"/api/lessons/{lesson.code}", json.dumps({"open": True}), content_type="application/json")
        await receive_until(socket, lambda m: m.get("lesson_open") is True)
        await socket.send_json_to({"type": "cup", "color": "yellow"})
        await receive_until(socket, lambda m: m.get("color") == "yellow")
        await socket.disconnect()

    run_sockets(scenario)
    refused = joined(lesson)
    teacher.patch(f"/api/lessons/{lesson.code}", json.dumps({"open": False}), content_type="application/json")
    response = refused.post(f"/api/l/{lesson.code}/cup", json.dumps({"color": "red"}), content_type="application/json")
    assert response.status_code == 409 and "closed" in response.json()["error"]


def test_the_red_alert_follows_the_lessons_threshold():
    lesson = LessonFactory()
    students = [joined(lesson) for _ in range(10)]
    for client in students[:2]:
        press(client, lesson, "red")
    for client in students[2:]:
        press(client, lesson, "green")
    assert summary(lesson)["alert"] is False  # 2 red: fewer than 3
    press(students[2], lesson, "red")
    assert summary(lesson)["alert"] is True  # 3 of 10 answering: 30 % ≥ 20 %
    teacher_of(lesson).patch(
        f"/api/lessons/{lesson.code}", json.dumps({"alert_red_share": 0.5}), content_type="application/json"
    )
    assert summary(lesson)["alert"] is False


def test_students_without_a_heartbeat_for_the_stale_time_are_counted_apart():
    lesson = LessonFactory(stale_after_s=600)
    joined(lesson, "Fresh")
    joined(lesson, "Sleepy")
    for student in Student.objects.filter(lesson=lesson):
        presence.socket_opened(student_id=student.id)  # both with a socket open
    Student.objects.filter(name="Sleepy").update(last_seen=timezone.now() - timedelta(minutes=11))
    result = summary(lesson)
    assert result["stale"] == 1 and result["connected"] == 1
    by_name = {s["name"]: s for s in result["students"]}
    assert by_name["Fresh"]["connected"] is True and by_name["Sleepy"]["connected"] is False


def test_the_student_list_puts_red_first():
    lesson = LessonFactory()
    for name, color in (("Gil", "green"), ("Rui", "red"), ("Yan", "yellow")):
        press(joined(lesson, name), lesson, color)
    assert [s["name"] for s in summary(lesson)["students"]] == ["Rui", "Yan", "Gil"]


def test_markers_reach_the_teacher_socket_and_the_timeline():
    lesson = LessonFactory()
    teacher = teacher_of(lesson)

    async def scenario():
        socket, _, _ = await open_socket(f"/ws/l/{lesson.code}/teacher/", teacher)
        response = await sync_to_async(teacher.post)(
            f"/api/l/{lesson.code}/markers", json.dumps({"label": "DataBlock"}), content_type="application/json"
        )
        assert response.status_code == 201
        marker, _ = await receive_until(socket, lambda m: m["type"] == "marker")
        await socket.disconnect()
        return marker

    assert run_sockets(scenario)["label"] == "DataBlock"
    assert "DataBlock" in teacher.get(lesson.teacher_url).content.decode()
    empty = teacher.post(f"/api/l/{lesson.code}/markers", json.dumps({"label": "  "}), content_type="application/json")
    assert empty.status_code == 400 and "label" in empty.json()["errors"]


def test_history_csv_has_every_change_and_defuses_formulas():
    lesson = LessonFactory()
    student = joined(lesson, "=HYPERLINK(1)")
    press(student, lesson, "red")
    press(student, lesson, "green")
    teacher_of(lesson).post(f"/api/l/{lesson.code}/revote")
    response = teacher_of(lesson).get(f"/api/l/{lesson.code}/history.csv")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["time", "student", "name", "color"]
    assert [row[3] for row in rows[1:]] == ["red", "green", "none"]
    assert {row[2] for row in rows[1:]} == {"'=HYPERLINK(1)"}


def test_bad_lesson_settings_get_field_errors():
    lesson = LessonFactory()
    response = teacher_of(lesson).patch(
        f"/api/lessons/{lesson.code}",
        json.dumps({"alert_red_share": 2, "stale_after_s": 1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"alert_red_share", "stale_after_s"}
