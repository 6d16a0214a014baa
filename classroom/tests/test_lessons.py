import json
import re

import pytest
from django.core.management import call_command
from django.test import Client

from classroom.models import CODE_ALPHABET, Lesson
from classroom.tests.factories import LessonFactory, TeacherFactory

pytestmark = pytest.mark.django_db


def test_createteacher_prints_a_generated_password_that_logs_in(capsys):
    call_command("createteacher", "ada")
    printed = capsys.readouterr().out
    password = re.search(r"password (\S+)", printed).group(1)
    assert Client().login(username="ada", password=password)


def test_createteacher_uses_the_given_password_and_does_not_print_it(capsys):
    call_command("createteacher", "bob", password="correct horse battery")
    assert "correct horse" not in capsys.readouterr().out
    assert Client().login(username="bob", password="correct horse battery")


def test_a_teacher_creates_a_lesson_with_a_code_without_look_alikes():
    client = Client()
    client.force_login(TeacherFactory())
    response = client.post("/api/lessons", json.dumps({"title": "Lesson 1"}), content_type="application/json")
    assert response.status_code == 201
    lesson = response.json()
    assert lesson["title"] == "Lesson 1"
    assert len(lesson["code"]) == 6 and set(lesson["code"]) <= set(CODE_ALPHABET)
    assert not set(lesson["code"]) & set("0O1IL")
    assert lesson["student_url"] == f"/l/{lesson['code']}/"
    assert lesson["watch_url"].startswith(f"/l/{lesson['code']}/watch/")


def test_lesson_codes_match_ignoring_case():
    lesson = LessonFactory()
    response = Client().get(f"/l/{lesson.code.lower()}/")
    assert response.status_code == 200
    assert lesson.title in response.content.decode()


def test_home_lists_the_teachers_own_lessons_only():
    mine = LessonFactory(title="Mine")
    LessonFactory(title="Theirs")
    client = Client()
    client.force_login(mine.owner)
    page = client.get("/").content.decode()
    assert "Mine" in page and mine.code in page
    assert "Theirs" not in page


def test_joining_by_code_goes_to_the_lesson_and_an_unknown_code_says_so():
    lesson = LessonFactory()
    client = Client()
    response = client.get("/", {"code": lesson.code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/l/{lesson.code}/"
    page = client.get("/", {"code": "ZZZZZZ"}, follow=True).content.decode()
    assert "No lesson has the code ZZZZZZ" in page


def test_new_lesson_form_on_home_creates_it():
    teacher = TeacherFactory()
    client = Client()
    client.force_login(teacher)
    response = client.post("/", {"title": "Birds"})
    lesson = Lesson.objects.get(owner=teacher)
    assert response["Location"] == lesson.teacher_url


def test_signup_can_be_switched_off(settings):
    settings.SIGNUP_ENABLED = False
    assert Client().get("/accounts/signup/").status_code == 404


def test_without_javascript_the_cups_and_the_name_are_a_form_that_works():
    lesson = LessonFactory()
    client = Client()
    client.get(lesson.student_url)
    response = client.post(lesson.student_url, {"color": "yellow"}, follow=True)
    page = response.content.decode()
    assert "Sent ✓" in page
    assert 'value="yellow" class="cup cup--yellow cup--chosen" aria-pressed="true"' in page
    client.post(lesson.student_url, {"name": "Ana"})
    assert 'value="Ana"' in client.get(lesson.student_url).content.decode()
