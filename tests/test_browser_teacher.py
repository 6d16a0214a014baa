"""A teacher in a real browser: sign up, create a lesson, see its code."""

import re

import pytest
from playwright.sync_api import expect

from classroom.models import Lesson

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_signs_up_creates_a_lesson_and_sees_its_code(asgi_server, new_page):
    page = new_page(1280, 800)
    page.goto(asgi_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password:", exact=True).fill("a-long-teacher-password")
    page.get_by_label("Password confirmation").fill("a-long-teacher-password")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("grace")).to_be_visible()
    page.get_by_label("New lesson").fill("Is it a bird?")
    page.get_by_role("button", name="New lesson").click()
    expect(page).to_have_url(re.compile(r"/l/[A-Z2-9]{6}/teacher/$"))
    lesson = Lesson.objects.get(owner__username="grace")
    expect(page.locator("h1 .lesson-code")).to_have_text(lesson.code)
    expect(page.locator("#connection")).to_have_text("live")
