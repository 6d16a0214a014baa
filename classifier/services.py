"""Launching, cancelling and using training jobs."""

import gc
import importlib
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from classifier.models import ACTIVE, Job, Status
from classifier.notify import job_notify
from classifier.pipeline.images import open_rgb
from classroom.models import Lesson, Student
from config.celery import app as celery_app

# Queued by name: importing the task would load PyTorch into every web process (about 600 MB each).
RUN_JOB_TASK = "classifier.tasks.run_job_task"


class QuotaExceeded(Exception):
    """Answered 429: the message tells the student what to do instead."""


class QueueUnavailable(Exception):
    """Answered 503: the job could not be queued (Redis is down); it is marked failed, not left queued."""


def job_create(
    *, lesson: Lesson, student: Student, labels: list[str], images_per_label: int, epochs: int, mode: str
) -> Job:
    with transaction.atomic():
        # Lock the student's row so two quick clicks cannot both pass the one-active-job check.
        Student.objects.select_for_update().filter(id=student.id).first()
        if Job.objects.filter(student=student, status__in=ACTIVE).exists():
            raise QuotaExceeded("You already have a job queued or running: wait for it to finish, or cancel it.")
        if Job.objects.filter(lesson=lesson, status__in=ACTIVE).count() >= settings.JOB_QUEUE_CAP_PER_LESSON:
            raise QuotaExceeded("The class's training queue is full right now: try again in a few minutes.")
        job = Job.objects.create(
            lesson=lesson, student=student, labels=labels, images_per_label=images_per_label, epochs=epochs, mode=mode
        )
    _queue(job)
    job_notify(job_id=job.id, lesson_id=lesson.id)
    return job


def _queue(job: Job) -> None:
    """After commit, so the worker finds the row; an unreachable queue fails the job instead of leaving it
    queued forever (and holding the student's one active job)."""
    try:
        celery_app.send_task(RUN_JOB_TASK, args=[job.id], retry=False)
    except Exception as problem:
        message = "The training queue cannot be reached right now: try again in a minute."
        Job.objects.filter(id=job.id).update(status=Status.FAILED, error=message, updated_at=timezone.now())
        raise QueueUnavailable(message) from problem


def job_cancel(*, job: Job) -> Job:
    """A queued job is cancelled at once; a running one at its next check (between stages and batches)."""
    if not Job.objects.filter(id=job.id, status=Status.QUEUED).update(
        status=Status.CANCELLED, cancel_requested=True, error="Cancelled before it started.", updated_at=timezone.now()
    ):
        Job.objects.filter(id=job.id, status=Status.RUNNING).update(cancel_requested=True, updated_at=timezone.now())
    job_notify(job_id=job.id, lesson_id=job.lesson_id)
    job.refresh_from_db()
    return job


_learners: OrderedDict[str, object] = OrderedDict()
_learners_lock = threading.Lock()
LEARNERS_KEPT = 4


_warming = threading.Event()


def predict_warm_up() -> None:
    """Load PyTorch and fastai in the background, once per web process, when a student opens a job page:
    by the time they have picked a photo, their first `predict` no longer waits 4-5 s for the imports."""
    if _warming.is_set():
        return
    _warming.set()

    def load():
        importlib.import_module("classifier.pipeline.train")
        gc.freeze()  # as at start (config/asgi.py): PyTorch's objects live as long as the process

    threading.Thread(target=load, name="predict-warm-up", daemon=True).start()


def _learner(model_file: str):
    # Imported here, not at the top: web processes load PyTorch only once somebody predicts.
    from fastai.learner import load_learner

    with _learners_lock:
        if model_file not in _learners:
            # Only files this worker exported are ever loaded; an uploaded model file never is.
            _learners[model_file] = load_learner(model_file)
            while len(_learners) > LEARNERS_KEPT:
                _learners.popitem(last=False)
        _learners.move_to_end(model_file)
        return _learners[model_file]


def job_predict(*, job: Job, upload) -> dict:
    """The lesson's `predict`, answering with the probability of the predicted label (not of `probs[0]`)."""
    image = open_rgb(upload)
    learn = _learner(job.model_file)
    # fastai's predict takes the same kind of item it trained on: a path to a (now verified) photo.
    with tempfile.NamedTemporaryFile(suffix=".png") as verified, _learners_lock:
        image.save(verified, "PNG")
        verified.flush()
        label, index, probabilities = learn.predict(Path(verified.name))
    vocab = list(learn.dls.vocab)
    return {
        "label": str(label),
        "probability": round(float(probabilities[int(index)]), 4),
        "probabilities": {name: round(float(p), 4) for name, p in zip(vocab, probabilities, strict=False)},
    }


def job_model_path(job: Job) -> Path | None:
    path = Path(job.model_file) if job.model_file else None
    return path if path is not None and path.is_file() and job.status == Status.SUCCEEDED else None
