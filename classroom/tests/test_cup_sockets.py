"""Students and teachers over real Channels sockets on the Redis channel layer."""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from classroom.models import CupEvent, Student
from classroom.tests.factories import LessonFactory
from tests.sockets import open_socket, open_student_socket, receive_until, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)


def student_client(lesson) -> Client:
    client = Client()
    assert client.get(lesson.student_url).status_code == 200  # the page makes the student and its cookie
    return client


def teacher_client(lesson) -> Client:
    client = Client()
    client.force_login(lesson.owner)
    return client


def red_count(message):
    return message.get("type") == "summary" and message["counts"]["red"] == 1


def test_a_new_student_starts_not_answered_and_a_press_reaches_the_teacher():
    lesson = LessonFactory()
    student, teacher = student_client(lesson), teacher_client(lesson)

    async def scenario():
        teacher_socket, ok, _ = await open_socket(f"/ws/l/{lesson.code}/teacher/", teacher)
        assert ok
        first = await teacher_socket.receive_json_from(timeout=10)
        assert first["type"] == "summary" and first["counts"]["none"] == 1 and first["counts"]["green"] == 0
        student_socket, state = await open_student_socket(lesson, student)
        assert state == {"type": "state", "color": "none", "name": "", "lesson_open": True}
        await student_socket.send_json_to({"type": "cup", "color": "red"})
        state, _ = await receive_until(student_socket, lambda m: m["type"] == "state" and m["color"] == "red")
        summary, _ = await receive_until(teacher_socket, red_count)
        assert summary["counts"] == {"green": 0, "yellow": 0, "red": 1, "none": 0}
        assert summary["students"][0]["color"] == "red" and summary["students"][0]["connected"] is True
        await student_socket.disconnect()
        await teacher_socket.disconnect()

    run_sockets(scenario)
    assert Student.objects.get(lesson=lesson).color == "red"
    assert list(CupEvent.objects.values_list("previous", "color")) == [("none", "red")]


def test_pressing_the_same_colour_twice_is_one_change_not_a_toggle():
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        for _ in range(2):
            await socket.send_json_to({"type": "cup", "color": "green"})
            state, _ = await receive_until(socket, lambda m: m["type"] == "state" and m["color"] == "green")
        await socket.disconnect()

    run_sockets(scenario)
    assert Student.objects.get(lesson=lesson).color == "green"
    assert CupEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_message"),
        (json.dumps({"type": "dance"}), "unknown_type"),
        (json.dumps({"type": "cup", "color": "purple"}), "invalid_color"),
        (json.dumps({"type": "cup"}), "invalid_color"),
        (json.dumps({"type": "name", "name": "x" * 41}), "invalid_name"),
        (json.dumps({"type": "name", "name": "Ana\u202eevil"}), "invalid_name"),
        (json.dumps({"type": "name", "name": 42}), "invalid_name"),
        (json.dumps({"type": "cup", "color": "red", "pad": "x" * 5000}), "too_large"),
        (b"\x00\x01", "binary_not_supported"),
    ],
)
def test_bad_frames_get_an_error_and_the_socket_stays_open(frame, error):
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        await socket.send_input({"type": "websocket.receive", "bytes" if isinstance(frame, bytes) else "text": frame})
        reply = await socket.receive_json_from(timeout=10)
        assert reply["type"] == "error" and reply["error"] == error and reply["detail"]
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=10) == {"type": "pong"}
        await socket.disconnect()

    run_sockets(scenario)


def test_a_name_with_markup_is_stored_as_text():
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        await socket.send_json_to({"type": "name", "name": "<script>alert(1)</script>"})
        state, _ = await receive_until(socket, lambda m: m["type"] == "state" and m["name"])
        assert state["name"] == "<script>alert(1)</script>"
        await socket.disconnect()

    run_sockets(scenario)
    page = teacher_client(lesson).get(lesson.teacher_url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E" in page  # json_script escapes it


def test_more_than_ten_presses_a_second_are_rate_limited():
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        for i in range(15):
            await socket.send_json_to({"type": "cup", "color": ["green", "red"][i % 2]})
        _, seen = await receive_until(socket, lambda m: m.get("error") == "rate_limited")
        await socket.disconnect()

    run_sockets(scenario)


def test_a_closed_lesson_refuses_presses_with_a_message():
    lesson = LessonFactory(open=False)
    student = student_client(lesson)

    async def scenario():
        socket, state = await open_student_socket(lesson, student)
        assert state["lesson_open"] is False
        await socket.send_json_to({"type": "cup", "color": "red"})
        reply = await socket.receive_json_from(timeout=10)
        assert reply["error"] == "lesson_closed" and "closed" in reply["detail"]
        await socket.disconnect()

    run_sockets(scenario)
    assert Student.objects.get(lesson=lesson).color == "none"


def test_two_tabs_are_one_student_and_both_show_the_cup():
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        first, _ = await open_student_socket(lesson, student)
        second, _ = await open_student_socket(lesson, student)
        await first.send_json_to({"type": "cup", "color": "red"})
        await receive_until(first, lambda m: m["type"] == "state" and m["color"] == "red")
        await receive_until(second, lambda m: m["type"] == "state" and m["color"] == "red")
        await first.disconnect()
        await second.disconnect()

    run_sockets(scenario)
    assert Student.objects.filter(lesson=lesson).count() == 1


def test_vote_again_clears_every_cup_and_keeps_history():
    lesson = LessonFactory()
    student, teacher = student_client(lesson), teacher_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        await socket.send_json_to({"type": "cup", "color": "red"})
        await receive_until(socket, lambda m: m["type"] == "state" and m["color"] == "red")
        response = await sync_to_async(teacher.post)(f"/api/l/{lesson.code}/revote")
        assert response.status_code == 200
        state, _ = await receive_until(socket, lambda m: m.get("reason") == "revote")
        assert state["color"] == "none"
        await socket.disconnect()

    run_sockets(scenario)
    assert list(CupEvent.objects.values_list("color", flat=True)) == ["red", "none"]


def test_rotating_the_watch_token_closes_the_helpers_open_socket():
    lesson = LessonFactory()
    teacher = teacher_client(lesson)
    old_path = f"/ws/l/{lesson.code}/watch/{lesson.watch_token}/"

    async def scenario():
        helper, ok, _ = await open_socket(old_path)
        assert ok
        assert (await helper.receive_json_from(timeout=10))["type"] == "summary"
        response = await sync_to_async(teacher.post)(f"/api/l/{lesson.code}/watch-token")
        assert response.status_code == 200
        closed = await helper.receive_output(timeout=10)
        assert closed == {"type": "websocket.close", "code": 4403}
        again, ok, code = await open_socket(old_path)
        assert not ok and code == 4404

    run_sockets(scenario)


def test_a_socket_from_a_foreign_origin_is_refused():
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        _, ok, _ = await open_socket(f"/ws/l/{lesson.code}/student/", student, origin=b"http://evil.example")
        assert not ok

    run_sockets(scenario)


def test_a_socket_without_the_student_page_cookie_is_refused():
    lesson = LessonFactory()

    async def scenario():
        _, ok, code = await open_socket(f"/ws/l/{lesson.code}/student/")
        assert not ok and code == 4403

    run_sockets(scenario)


@pytest.mark.parametrize(
    "name",
    ["<b>bold</b>", "x" * 41, "../../etc/passwd", "Ana\u202eniamoD", "bell\x07", "tab\tname", "zero\u200bwidth"],
)
def test_hostile_names_are_refused_or_kept_as_plain_text(name, reliability):
    lesson = LessonFactory()
    student = student_client(lesson)

    async def scenario():
        socket, _ = await open_student_socket(lesson, student)
        await socket.send_json_to({"type": "name", "name": name})
        reply = await socket.receive_json_from(timeout=10)
        await socket.disconnect()
        return reply

    reply = run_sockets(scenario)
    stored = Student.objects.get(lesson=lesson).name
    if reply["type"] == "error":
        assert reply["error"] == "invalid_name" and stored == ""
        outcome = f"refused: {reply['detail']}"
    else:
        assert reply["name"] == stored == name  # kept as text; every page shows it escaped
        outcome = "kept as plain text, shown escaped (textContent, json_script)"
    reliability("Hostile input", f"Display name {json.dumps(name)[:30]}", outcome, "")


def test_a_flooding_student_is_rate_limited_then_closed_alone():
    lesson = LessonFactory()
    flooder, calm = student_client(lesson), student_client(lesson)

    async def scenario():
        bad, _ = await open_student_socket(lesson, flooder)
        good, _ = await open_student_socket(lesson, calm)
        for _ in range(300):
            await bad.send_json_to({"type": "cup", "color": "red"})
        codes = []
        while True:
            output = await bad.receive_output(timeout=10)
            if output["type"] == "websocket.close":
                break
            codes.append(json.loads(output["text"]).get("error"))
        assert "rate_limited" in codes and output["code"] == 4429
        assert await bad.receive_nothing(timeout=1)  # the frames still queued are dropped, not answered
        await good.send_json_to({"type": "cup", "color": "green"})
        state, _ = await receive_until(good, lambda m: m.get("color") == "green")
        await good.disconnect()

    run_sockets(scenario)


def test_summaries_are_coalesced_to_ten_a_second_and_never_miss_a_press():
    lesson = LessonFactory()
    students = [student_client(lesson) for _ in range(40)]
    teacher = teacher_client(lesson)

    async def scenario():
        socket, _, _ = await open_socket(f"/ws/l/{lesson.code}/teacher/", teacher)
        await socket.receive_json_from(timeout=10)
        loop = asyncio.get_running_loop()
        started = loop.time()
        pressed = 0
        reds = []
        for client in students:  # as fast as the server takes them: far more than 10 a second
            await sync_to_async(client.post)(
                f"/api/l/{lesson.code}/cup", json.dumps({"color": "red"}), content_type="application/json"
            )
            pressed += 1
        while not reds or reds[-1] < pressed:
            summary = await socket.receive_json_from(timeout=10)
            reds.append(summary["counts"]["red"])
        seconds = loop.time() - started
        await socket.disconnect()
        return reds, seconds

    reds, seconds = run_sockets(scenario)
    assert reds == sorted(reds) and reds[-1] == 40  # each summary holds every press before it
    assert len(reds) <= seconds * 10 + 1  # at most 10 a second (plus the leading one)
    assert len(reds) < 40  # coalesced, not one per press
