"""A student trains "is it a bird?" from the lesson page and tries it on a photo of their own."""

import re

import pytest
from playwright.sync_api import expect

from classroom.tests.factories import LessonFactory
from tests.image_server import jpeg_bytes, make_photo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_student_launches_a_job_watches_it_and_predicts(
    asgi_server, celery_worker, offline_internet, new_page, tmp_path
):
    lesson = LessonFactory()
    page = new_page(390, 844)
    page.goto(asgi_server.url + lesson.student_url)
    page.get_by_label("Images per label").fill("12")
    page.get_by_label("Epochs").fill("1")
    page.get_by_role("button", name="Train").click()

    expect(page).to_have_url(f"{asgi_server.url}/jobs/1/")
    expect(page.get_by_role("progressbar", name="Progress")).to_be_visible()
    expect(page.locator("#job-status")).to_have_text("succeeded", timeout=120000)
    expect(page.locator("#counts")).to_contain_text("bird: 12 images")
    expect(page.locator("#samples img")).to_have_count(6)
    expect(page.locator("#epoch-rows tr")).to_have_count(1)
    expect(page.locator("#confusion")).to_contain_text("forest")
    expect(page.get_by_role("link", name="Download the exported model")).to_be_visible()

    photo = tmp_path / "my-bird.jpg"
    photo.write_bytes(jpeg_bytes(make_photo("bird", seed=4242)))
    page.get_by_label("A photo").set_input_files(photo)
    page.get_by_role("button", name="Predict").click()
    # The web process loads PyTorch on its first prediction, so the first answer takes a few seconds.
    expect(page.locator("#prediction")).to_have_text(
        re.compile(r"^This is a: bird\. Probability it's a bird: [01]\.\d{4}$"), timeout=60000
    )

    page.get_by_label("A photo").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a photo"}]
    )
    page.get_by_role("button", name="Predict").click()
    expect(page.locator("#prediction")).to_contain_text("not an image")


def test_a_hostile_label_is_refused_on_the_lesson_page(asgi_server, new_page):
    lesson = LessonFactory()
    page = new_page(390, 844)
    page.goto(asgi_server.url + lesson.student_url)
    page.get_by_label("Labels (2 to 5, separated by commas)").fill("bird, <img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Train").click()
    expect(page.locator("#train-error")).to_contain_text("is not a usable label")
    expect(page).to_have_url(asgi_server.url + lesson.student_url)
