"""The coloured cups as people use them: a student's phone, the teacher's laptop, the helper's link."""

import re
import time

import pytest
from playwright.sync_api import expect

from classroom.tests.factories import PASSWORD, LessonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, server, user):
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(user.username)).to_be_visible()


def open_teacher_view(new_page, server, lesson):
    page = new_page(1280, 900)
    log_in(page, server, lesson.owner)
    page.goto(server.url + lesson.teacher_url)
    expect(page.locator("#connection")).to_have_text("live")
    return page


def open_student_page(new_page, server, lesson):
    page = new_page(360, 740)  # a small phone
    page.goto(server.url + lesson.student_url)
    expect(page.locator("#status")).to_have_text("connected")
    return page


def count(page, color):
    return page.locator(f"[data-color={color}]")


def test_a_red_press_shows_on_the_teacher_view_and_the_helper_view_without_controls(asgi_server, new_page):
    lesson = LessonFactory()
    teacher = open_teacher_view(new_page, asgi_server, lesson)
    helper = new_page(1024, 768)
    helper.goto(asgi_server.url + lesson.watch_url)
    expect(helper.locator("#connection")).to_have_text("live")
    student = open_student_page(new_page, asgi_server, lesson)
    expect(student.locator("#current-color")).to_have_text("not answered")
    student.get_by_label("Your name (optional)").fill("Ana")
    student.get_by_role("button", name="Save name").click()

    student.get_by_role("button", name="I'm lost").click()
    expect(student.locator("#status")).to_have_text("sent ✓")
    expect(student.get_by_role("button", name="I'm lost")).to_have_attribute("aria-pressed", "true")

    for view in (teacher, helper):
        expect(count(view, "red")).to_have_text("1")
        expect(count(view, "none")).to_have_text("0")
        expect(view.locator("#student-rows tr").first).to_contain_text("Ana")
        expect(view.locator("#student-rows tr").first).to_contain_text("lost")
    expect(helper.get_by_text("helper view (read-only)")).to_be_visible()
    assert helper.get_by_role("button").count() == 0
    assert helper.locator("#controls, #settings, #job-rows").count() == 0


def test_the_red_alert_stays_up_through_its_cooldown_then_goes_down_on_its_own(asgi_server, new_page):
    lesson = LessonFactory(alert_min_red=1)
    teacher = open_teacher_view(new_page, asgi_server, lesson)
    student = open_student_page(new_page, asgi_server, lesson)
    banner = teacher.locator("#alert-banner")
    student.get_by_role("button", name="I'm lost").click()
    expect(banner).to_be_visible()
    expect(teacher).to_have_title(re.compile("^🔴 RED ALERT"))

    student.get_by_role("button", name="I'm fine").click()
    expect(count(teacher, "green")).to_have_text("1")
    expect(banner).to_be_visible()  # the cooldown (15 s) keeps it from flapping
    # No press follows, so no summary: the view lowers the alert by itself once the cooldown is over.
    expect(banner).to_be_hidden(timeout=30_000)
    expect(teacher).not_to_have_title(re.compile("RED ALERT"))


def test_vote_again_clears_the_students_cup(asgi_server, new_page):
    lesson = LessonFactory()
    teacher = open_teacher_view(new_page, asgi_server, lesson)
    student = open_student_page(new_page, asgi_server, lesson)
    student.get_by_role("button", name="Not sure").click()
    expect(count(teacher, "yellow")).to_have_text("1")

    teacher.get_by_role("button", name="Everyone vote again").click()
    expect(student.locator("#current-color")).to_have_text("not answered")
    expect(student.get_by_text("The teacher asked everyone to vote again.")).to_be_visible()
    expect(student.get_by_role("button", name="Not sure")).to_have_attribute("aria-pressed", "false")
    expect(count(teacher, "none")).to_have_text("1")


def test_a_press_made_while_the_server_restarts_arrives_when_it_is_back(asgi_server, new_page, reliability):
    lesson = LessonFactory()
    teacher = open_teacher_view(new_page, asgi_server, lesson)
    student = open_student_page(new_page, asgi_server, lesson)
    student.get_by_role("button", name="I'm lost").click()
    expect(count(teacher, "red")).to_have_text("1")

    asgi_server.stop()
    expect(student.locator("#status")).to_contain_text("reconnecting")
    expect(teacher.locator("#connection")).to_have_text("reconnecting…")
    student.get_by_role("button", name="I'm fine").click()  # pressed while the server is down
    expect(student.locator("#status")).to_contain_text("reconnecting")

    asgi_server.start()
    back = time.monotonic()
    expect(student.locator("#status")).to_have_text("sent ✓", timeout=30000)
    expect(teacher.locator("#connection")).to_have_text("live", timeout=30000)
    expect(count(teacher, "green")).to_have_text("1")
    expect(count(teacher, "red")).to_have_text("0")
    reliability(
        "Faults",
        "Web process restarted while a student presses",
        "both pages showed reconnecting, came back by themselves and the student's page re-sent its choice",
        f"teacher view right {time.monotonic() - back:.1f} s after the server was back",
    )


def test_the_join_screen_shows_the_code_and_a_qr_code(asgi_server, new_page):
    lesson = LessonFactory()
    page = new_page(1920, 1080)
    log_in(page, asgi_server, lesson.owner)
    page.goto(asgi_server.url + lesson.join_url)
    expect(page.get_by_label("Lesson code")).to_have_text(lesson.code)
    expect(page.locator(".join-screen__qr svg")).to_be_visible()
    expect(page.get_by_text(f"{asgi_server.url}{lesson.student_url}")).to_be_visible()
    open_student_page(new_page, asgi_server, lesson)
    expect(page.locator("#connected")).to_have_text("1")


def test_after_a_redis_restart_sockets_come_back_and_no_cup_is_lost(asgi_server, redis_server, new_page, reliability):
    lesson = LessonFactory()
    teacher = open_teacher_view(new_page, asgi_server, lesson)
    students = [open_student_page(new_page, asgi_server, lesson) for _ in range(3)]
    for page, cup in zip(students, ("I'm lost", "Not sure", "I'm fine"), strict=False):
        page.get_by_role("button", name=cup).click()
    expect(count(teacher, "red")).to_have_text("1")
    expect(count(teacher, "green")).to_have_text("1")

    redis_server.stop()
    students[2].get_by_role("button", name="I'm lost").click()  # while Redis is down: over HTTP
    expect(students[2].locator("#status")).to_have_text(re.compile("sent ✓|reconnecting"))
    redis_server.start()
    returned = time.monotonic()
    expect(count(teacher, "red")).to_have_text("2", timeout=5000)  # right within 5 s of Redis returning
    expect(count(teacher, "yellow")).to_have_text("1")
    expect(count(teacher, "green")).to_have_text("0")
    teacher_seconds = time.monotonic() - returned
    for page in students:
        expect(page.locator("#status")).not_to_contain_text("reconnecting", timeout=20000)
    students[0].get_by_role("button", name="Not sure").click()
    expect(count(teacher, "yellow")).to_have_text("2")
    reliability(
        "Faults",
        "Redis restarted mid-lesson (3 students, a teacher)",
        "every socket reconnected by itself; the press made while Redis was down was kept",
        f"teacher view right {teacher_seconds:.1f} s after Redis returned",
    )
