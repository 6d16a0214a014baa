"""Faults, with real servers started and killed by the tests: Redis down or restarted, two web processes."""

import asyncio
import json
import os
import signal
import time

import pytest
import requests
import websockets
from django.test import Client

from classifier.models import Job
from classroom.models import Student
from classroom.tests.factories import LessonFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_down(redis_server):
    redis_server.stop()
    yield redis_server
    redis_server.start()


def test_with_redis_down_pages_load_presses_land_and_jobs_get_a_clear_error(redis_down, reliability):
    lesson = LessonFactory()
    student = Client()
    page = student.get(lesson.student_url)
    assert page.status_code == 200 and lesson.title in page.content.decode()
    pressed = student.post(f"/api/l/{lesson.code}/cup", json.dumps({"color": "red"}), content_type="application/json")
    assert pressed.status_code == 200 and pressed.json() == {"color": "red"}
    assert Student.objects.get(lesson=lesson).color == "red"

    teacher = Client()
    teacher.force_login(lesson.owner)
    assert teacher.get(lesson.teacher_url).status_code == 200

    started = time.monotonic()
    body = {"labels": ["bird", "forest"], "images_per_label": 10, "epochs": 1, "mode": "quick"}
    submitted = student.post(f"/api/l/{lesson.code}/jobs", json.dumps(body), content_type="application/json")
    assert submitted.status_code == 503
    assert "try again" in submitted.json()["error"]
    job = Job.objects.get(lesson=lesson)
    assert job.status == "failed"  # not left queued, holding the student's one active job
    reliability(
        "Faults",
        "Redis down: pages, a press over HTTP",
        "pages 200; the press is stored (the database is the truth)",
        "",
    )
    reliability(
        "Faults",
        "Redis down: a job submitted",
        "503 with a message; the job is marked failed, the quota stays free",
        f"answered in {time.monotonic() - started:.1f} s",
    )


async def connect(server, path: str, cookie: str):
    return await websockets.connect(
        server.url.replace("http", "ws") + path,
        additional_headers=[("Cookie", cookie), ("Origin", server.url)],
        open_timeout=30,
    )


def cookie_of(session: requests.Session) -> str:
    return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def test_a_press_on_one_web_process_reaches_a_teacher_on_another(live_server_factory, transactional_db, reliability):
    first, second = live_server_factory(), live_server_factory()
    lesson = LessonFactory()
    student = requests.Session()
    student.get(first.url + lesson.student_url, timeout=30)
    teacher = Client()
    teacher.force_login(lesson.owner)
    teacher_cookie = f"sessionid={teacher.cookies['sessionid'].value}"

    async def scenario():
        teacher_socket = await connect(second, f"/ws/l/{lesson.code}/teacher/", teacher_cookie)
        student_socket = await connect(first, f"/ws/l/{lesson.code}/student/", cookie_of(student))
        await student_socket.recv()
        pressed = time.monotonic()
        await student_socket.send(json.dumps({"type": "cup", "color": "red"}))
        while True:
            summary = json.loads(await asyncio.wait_for(teacher_socket.recv(), 10))
            if summary["counts"]["red"] == 1:
                break
        await student_socket.close()
        await teacher_socket.close()
        return time.monotonic() - pressed

    seconds = asyncio.run(scenario())
    reliability(
        "Faults",
        "Two web processes behind one Redis",
        "a press on one reaches the teacher on the other",
        f"{1000 * seconds:.0f} ms press → summary",
    )


def test_students_of_a_killed_web_process_stop_counting(live_server_factory, transactional_db, reliability):
    server = live_server_factory(WEB_ALIVE_EVERY_S="0.5")
    lesson = LessonFactory()
    student = requests.Session()
    student.get(server.url + lesson.student_url, timeout=30)
    teacher = Client()
    teacher.force_login(lesson.owner)
    teacher_view = requests.Session()
    teacher_view.cookies.set("sessionid", teacher.cookies["sessionid"].value)

    def connected() -> int:
        return teacher_view.get(f"{server.url}/api/l/{lesson.code}/summary", timeout=30).json()["connected"]

    async def connect_then_kill_the_server():
        socket = await connect(server, f"/ws/l/{lesson.code}/student/", cookie_of(student))
        await socket.recv()  # its state: the socket is counted by now
        assert await asyncio.to_thread(connected) == 1
        os.killpg(server.process.pid, signal.SIGKILL)  # no disconnect handler runs
        server.process.wait()
        await socket.close()  # the student's page is gone too

    asyncio.run(connect_then_kill_the_server())
    server.start()
    back = time.monotonic()
    while connected() != 0:
        assert time.monotonic() - back < 15, "the killed process's student still shows as connected"
        time.sleep(0.1)
    reliability(
        "Faults",
        "Web process killed (SIGKILL) with a student connected, who then leaves",
        "the student stops counting as connected once the dead process is silent for three beats",
        f"{time.monotonic() - back:.1f} s after the server was back (a beat every 0.5 s here, 20 s by default)",
    )
