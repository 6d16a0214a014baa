"""Training jobs end to end on a real Celery worker, with images from the local server."""

import io
import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from PIL import Image

from classifier.models import Job
from classroom.tests.factories import LessonFactory
from tests.image_server import jpeg_bytes, make_photo
from tests.sockets import open_socket, receive_until, run_sockets

pytestmark = pytest.mark.django_db(transaction=True)
FINISHED = ("succeeded", "failed", "cancelled")


def student_in(lesson) -> Client:
    client = Client()
    client.get(lesson.student_url)
    return client


def submit(client, lesson, **overrides):
    body = {"labels": ["bird", "forest"], "images_per_label": 12, "epochs": 1, "mode": "quick", **overrides}
    return client.post(f"/api/l/{lesson.code}/jobs", json.dumps(body), content_type="application/json")


def follow_until_finished(client, job_id: int, timeout: float = 240) -> tuple[dict, list[dict]]:
    """Watches the job's socket, as the job page does, until the job ends."""

    async def watch():
        socket, ok, _ = await open_socket(f"/ws/jobs/{job_id}/", client)
        assert ok
        last, seen = await receive_until(socket, lambda m: m.get("status") in FINISHED, timeout=timeout)
        await socket.disconnect()
        return last, as_the_page_shows(seen)

    return run_sockets(watch)


def as_the_page_shows(frames: list[dict]) -> list[dict]:
    """What the job page shows: it drops a pushed frame older than the one it already has."""
    shown = []
    for frame in frames:
        if not shown or frame["updated_at"] >= shown[-1]["updated_at"]:
            shown.append(frame)
    return shown


def predict(client, job_id: int, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(f"/api/jobs/{job_id}/predict", {"image": upload}, format="multipart")


def held_back_photo(kind: str) -> bytes:
    return jpeg_bytes(make_photo(kind, seed=123456))  # a seed no search result uses


def assert_prediction_is_right(client, job_id: int, kind: str):
    response = predict(client, job_id, held_back_photo(kind))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["label"] == kind
    assert answer["probability"] == answer["probabilities"][kind]
    assert answer["probability"] == max(answer["probabilities"].values())


def test_a_quick_job_trains_and_predicts_each_class(celery_worker, offline_internet):
    lesson = LessonFactory()
    student = student_in(lesson)
    created = submit(student, lesson)
    assert created.status_code == 201, created.content
    job = created.json()
    assert job["status"] == "queued" and job["url"] == f"/jobs/{job['id']}/"

    final, seen = follow_until_finished(student, job["id"])
    assert final["status"] == "succeeded", final["error"]
    # Pushes are coalesced (at most 5 a second), so a fast stage may pass unseen; their order never changes.
    order = ["queued", "search", "download", "verify", "train", "export", "done"]
    stages = [order.index(m["stage"]) for m in seen]
    assert stages == sorted(stages) and seen[-1]["stage"] == "done"
    progress = [m["progress"] for m in seen]
    assert progress == sorted(progress) and final["progress"] == 1.0
    assert final["counts"] == {"bird": 12, "forest": 12}  # broken, missing, huge and HTML results dropped
    assert [row["epoch"] for row in final["epochs_done"]] == [0]
    assert set(final["epochs_done"][0]) >= {"train_loss", "valid_loss", "error_rate", "seconds"}
    assert final["metrics"]["accuracy"] >= 0.8
    assert set(final["metrics"]["per_label"]) == {"bird", "forest"}
    assert len(final["samples"]) == 6 and {s["label"] for s in final["samples"]} == {"bird", "forest"}
    sample = student.get(final["samples"][0]["image"])
    assert sample.status_code == 200 and sample["Content-Type"] == "image/jpeg"

    assert_prediction_is_right(student, job["id"], "bird")
    assert_prediction_is_right(student, job["id"], "forest")
    model = student.get(f"/api/jobs/{job['id']}/model")
    assert model.status_code == 200 and int(model["Content-Length"]) > 1_000_000

    # A second student with the same photos reuses the cached features and search.
    other = student_in(lesson)
    again, _ = follow_until_finished(other, submit(other, lesson).json()["id"])
    assert again["status"] == "succeeded"


@pytest.mark.slow
def test_a_finetune_job_runs_the_lessons_two_fits(celery_worker, offline_internet):
    lesson = LessonFactory()
    student = student_in(lesson)
    job = submit(student, lesson, mode="finetune", images_per_label=24, epochs=3).json()
    final, seen = follow_until_finished(student, job["id"], timeout=400)
    assert final["status"] == "succeeded", final["error"]
    # fine_tune(3): one frozen epoch, then three unfrozen; progress counts both fits.
    assert [row["epoch"] for row in final["epochs_done"]] == [0, 1, 2, 3]
    assert any(0.4 < m["progress"] < 0.97 and m["stage"] == "train" for m in seen)
    assert_prediction_is_right(student, job["id"], "bird")
    assert_prediction_is_right(student, job["id"], "forest")


def test_one_active_job_per_student(offline_internet):
    lesson = LessonFactory()
    student = student_in(lesson)
    assert submit(student, lesson).status_code == 201
    refused = submit(student, lesson)
    assert refused.status_code == 429
    assert "already have a job" in refused.json()["error"]
    assert submit(student_in(lesson), lesson).status_code == 201  # another student still may


def test_the_lessons_queue_is_capped(offline_internet, settings):
    settings.JOB_QUEUE_CAP_PER_LESSON = 2
    lesson = LessonFactory()
    for _ in range(2):
        assert submit(student_in(lesson), lesson).status_code == 201
    refused = submit(student_in(lesson), lesson)
    assert refused.status_code == 429 and "queue is full" in refused.json()["error"]


def test_a_queued_job_is_cancelled_at_once_and_frees_the_quota(offline_internet):
    lesson = LessonFactory()
    student = student_in(lesson)
    job = submit(student, lesson).json()
    cancelled = student.post(f"/api/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert submit(student, lesson).status_code == 201


def test_a_running_job_is_cancelled_by_the_teacher(celery_worker, offline_internet, settings):
    settings.IMAGE_SEARCH_FUNCTION = "tests.image_server.slow_image_search"
    lesson = LessonFactory()
    student, teacher = student_in(lesson), Client()
    teacher.force_login(lesson.owner)
    job = submit(student, lesson).json()

    async def scenario():
        socket, _, _ = await open_socket(f"/ws/jobs/{job['id']}/", student)
        await receive_until(socket, lambda m: m.get("stage") == "download", timeout=60)
        response = await sync_to_async(teacher.post)(f"/api/jobs/{job['id']}/cancel")
        assert response.status_code == 200
        final, _ = await receive_until(socket, lambda m: m.get("status") in FINISHED, timeout=60)
        await socket.disconnect()
        return final

    final = run_sockets(scenario)
    assert final["status"] == "cancelled" and final["error"]
    assert Job.objects.get(id=job["id"]).status == "cancelled"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"labels": ["bird"]}, "labels"),
        ({"labels": ["a", "b", "c", "d", "e", "f"]}, "labels"),
        ({"labels": ["bird", "Bird"]}, "labels"),
        ({"labels": ["bird", "../etc"]}, "labels"),
        ({"labels": ["bird", "a/b"]}, "labels"),
        ({"labels": ["bird", "<script>"]}, "labels"),
        ({"labels": ["bird", "x" * 41]}, "labels"),
        ({"labels": ["bird", "forest\u202e"]}, "labels"),
        ({"labels": ["bird", ""]}, "labels"),
        ({"images_per_label": 9}, "images_per_label"),
        ({"images_per_label": 301}, "images_per_label"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 11}, "epochs"),
        ({"mode": "turbo"}, "mode"),
    ],
)
def test_bad_job_requests_get_field_errors_and_make_no_job(body, field, reliability):
    lesson = LessonFactory()
    response = submit(student_in(lesson), lesson, **body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Job.objects.exists()
    shown = json.dumps(body, ensure_ascii=True).replace("|", "\\|")
    reliability("Hostile input", f"Job request `{shown}`", f"400, {field}: {response.json()['errors'][field][0]}", "")


def test_an_unknown_label_in_the_class_folder_fails_clearly(celery_worker, settings, tmp_path):
    for kind in ("bird", "Forest"):
        (tmp_path / kind).mkdir()
        for n in range(6):
            make_photo(kind.lower(), n).save(tmp_path / kind / f"{n}.jpg")
    settings.IMAGE_SOURCE = f"folder:{tmp_path}"
    lesson = LessonFactory()
    student = student_in(lesson)
    job = submit(student, lesson, labels=["bird", "cat"]).json()
    final, _ = follow_until_finished(student, job["id"])
    assert final["status"] == "failed"
    assert "cat" in final["error"] and "bird" in final["error"]  # it names what the folder has


def make_bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


def test_hostile_uploads_are_refused_with_a_clear_message(celery_worker, offline_internet, reliability):
    lesson = LessonFactory()
    student = student_in(lesson)
    job = submit(student, lesson).json()
    assert follow_until_finished(student, job["id"])[0]["status"] == "succeeded"
    photo = held_back_photo("bird")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    zip_and_jpeg = b"PK\x03\x04" + photo
    cases = {
        "not an image": (b"hello, I am text", "notes.txt", "text/plain"),
        "truncated jpeg": (photo[: len(photo) // 3], "cut.jpg", "image/jpeg"),
        "decompression bomb": (make_bomb(), "bomb.png", "image/png"),
        "50 MB": (b"\xff\xd8" + b"\0" * (50 * 1024 * 1024), "huge.jpg", "image/jpeg"),
        "svg with a script": (svg, "evil.svg", "image/svg+xml"),
        "zip and jpeg": (zip_and_jpeg, "both.jpg", "image/jpeg"),
    }
    for case, (data, name, content_type) in cases.items():
        response = predict(student, job["id"], data, name, content_type)
        assert response.status_code == 400, case
        assert response.json()["error"], case
        reliability("Hostile input", f"Upload to predict: {case}", f"400: {response.json()['error']}", "")
    # A real photo sent with a wrong content type is still a photo.
    assert predict(student, job["id"], photo, "photo.bin", "application/octet-stream").status_code == 200


def test_a_job_belongs_to_its_student_and_the_lessons_teacher(offline_internet):
    lesson = LessonFactory()
    owner_student = student_in(lesson)
    job = submit(owner_student, lesson).json()
    stranger = student_in(lesson)
    other_teacher = Client()
    other_teacher.force_login(LessonFactory().owner)
    teacher = Client()
    teacher.force_login(lesson.owner)
    for client, expected in ((owner_student, 200), (teacher, 200), (stranger, 403), (other_teacher, 403)):
        assert client.get(f"/api/jobs/{job['id']}").status_code == expected
        assert client.get(f"/jobs/{job['id']}/").status_code == expected
    assert teacher.get(f"/api/l/{lesson.code}/jobs").json()["jobs"][0]["id"] == job["id"]
    assert other_teacher.get(f"/api/l/{lesson.code}/jobs").status_code == 403
    assert owner_student.get("/api/jobs/999999").status_code == 404
