"""Runs one job: the pipeline's stages in order, with status, stage, progress and results kept on the row.

Called by the Celery task with a job id. The row is the only state: a heartbeat marks it alive, a flag on it
cancels, and a reaper (services.jobs_reap) retries or fails a job whose worker died.
"""

import logging
import shutil
import threading
import time
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

from classifier.models import Job, Stage, Status
from classifier.notify import job_notify
from classifier.paths import cache_dir, job_dir
from classifier.pipeline import StageError
from classifier.pipeline.download import download_images
from classifier.pipeline.export import export_model
from classifier.pipeline.folder import folder_images
from classifier.pipeline.search import search_images
from classifier.pipeline.train import JobCancelled, train
from classifier.pipeline.verify import verify_images
from classifier.search_source import configured_image_search

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY_S = 5
# Where each stage's progress lands in the job's single progress bar.
STAGE_SPAN = {
    Stage.SEARCH: (0.0, 0.05),
    Stage.DOWNLOAD: (0.05, 0.3),
    Stage.VERIFY: (0.3, 0.4),
    Stage.TRAIN: (0.4, 0.97),
    Stage.EXPORT: (0.97, 1.0),
}


class JobRun:
    """The bookkeeping of one run: writes to the row (only while it is still ours) and pushes the change."""

    def __init__(self, job: Job):
        self.job = job
        self.last_cancel_check = 0.0
        self.stop_heartbeat = threading.Event()

    def update(self, **fields) -> None:
        fields["updated_at"] = timezone.now()
        Job.objects.filter(id=self.job.id, status=Status.RUNNING).update(**fields)
        for name, value in fields.items():
            setattr(self.job, name, value)
        job_notify(job_id=self.job.id, lesson_id=self.job.lesson_id)

    def enter(self, stage: str) -> None:
        self.check_cancel(force=True)
        self.stage = stage
        self.update(stage=stage, progress=STAGE_SPAN[stage][0])

    def progress(self, fraction: float) -> None:
        start, end = STAGE_SPAN[self.stage]
        value = round(start + (end - start) * max(0.0, min(1.0, fraction)), 4)
        if value - self.job.progress >= 0.005 or fraction >= 1.0:
            self.update(progress=value)

    def check_cancel(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_cancel_check < 0.5:
            return
        self.last_cancel_check = now
        if Job.objects.filter(id=self.job.id, cancel_requested=True).exists():
            raise JobCancelled("Cancelled.")

    def heartbeat(self) -> None:
        while not self.stop_heartbeat.wait(HEARTBEAT_EVERY_S):
            try:
                Job.objects.filter(id=self.job.id, status=Status.RUNNING).update(heartbeat_at=timezone.now())
            except Exception:
                logger.warning("heartbeat for job %s failed", self.job.id)
            finally:
                close_old_connections()


def claim(job_id: int) -> Job | None:
    """Queued → running, only once: a redelivered message for a job already taken changes nothing."""
    now = timezone.now()
    claimed = Job.objects.filter(id=job_id, status=Status.QUEUED, cancel_requested=False).update(
        status=Status.RUNNING,
        stage=Stage.SEARCH,
        started_at=now,
        heartbeat_at=now,
        progress=0.0,
        updated_at=now,
        attempts=F("attempts") + 1,
        epochs_done=[],
        error=None,
    )
    if not claimed:
        return None
    return Job.objects.select_related("lesson").get(id=job_id)


def gather_images(run: JobRun, job: Job) -> dict[str, list[Path]]:
    source = settings.IMAGE_SOURCE
    if source.startswith("folder:"):
        run.enter(Stage.SEARCH)
        files = folder_images(Path(source.removeprefix("folder:")), job.labels, job.images_per_label)
        run.progress(1.0)
        run.enter(Stage.DOWNLOAD)
        run.progress(1.0)
        return files
    run.enter(Stage.SEARCH)
    found = search_images(
        job.labels,
        job.images_per_label,
        cache_dir=cache_dir("search"),
        image_search=configured_image_search(),
        interval=settings.IMAGE_SEARCH_INTERVAL_S,
        progress=run.progress,
    )
    run.enter(Stage.DOWNLOAD)
    downloaded = download_images(
        found.urls,
        job.images_per_label,
        cache_dir=cache_dir("downloads"),
        allow_private=settings.DOWNLOAD_ALLOW_PRIVATE,
        progress=run.progress,
    )
    return downloaded.files


def save_samples(job: Job, samples, workdir: Path) -> list[dict]:
    target = workdir / "samples"
    target.mkdir(parents=True, exist_ok=True)
    saved = []
    for index, (path, label) in enumerate(samples):
        shutil.copyfile(path, target / f"{index}.jpg")
        saved.append({"label": label, "image": f"/api/jobs/{job.id}/samples/{index}"})
    return saved


def run_job(job_id: int) -> None:
    job = claim(job_id)
    if job is None:
        logger.info("job %s is not queued (taken, cancelled or gone): nothing to do", job_id)
        return
    run = JobRun(job)
    beat = threading.Thread(target=run.heartbeat, daemon=True)
    beat.start()
    workdir = job_dir(job.id)
    try:
        files = gather_images(run, job)
        run.enter(Stage.VERIFY)
        shutil.rmtree(workdir / "data", ignore_errors=True)
        verified = verify_images(
            files, dataset_dir=workdir / "data", per_label=job.images_per_label, progress=run.progress
        )
        run.update(counts=verified.counts)
        run.enter(Stage.TRAIN)

        def on_epoch(row):
            run.update(epochs_done=[*run.job.epochs_done, row])

        result = train(
            workdir / "data",
            mode=job.mode,
            epochs=job.epochs,
            model_cache=cache_dir("models"),
            image_size=settings.TRAIN_IMAGE_SIZE,
            progress=run.progress,
            on_epoch=on_epoch,
            check_cancel=run.check_cancel,
        )
        run.update(samples=save_samples(job, result.samples, workdir), losses=result.losses[-2000:])
        run.enter(Stage.EXPORT)
        exported = export_model(result.learner, workdir / "model.pkl")
        run.update(
            metrics=result.metrics,
            model_file=str(exported.path),
            stage=Stage.DONE,
            progress=1.0,
            status=Status.SUCCEEDED,
            finished_at=timezone.now(),
        )
    except JobCancelled:
        finish(job, status=Status.CANCELLED, error="Cancelled before it finished.")
    except StageError as problem:
        finish(job, status=Status.FAILED, error=str(problem))
    except SoftTimeLimitExceeded:
        finish(job, status=Status.FAILED, error="The job took too long and was stopped: try fewer images or epochs.")
    except Exception:
        logger.exception("job %s failed", job.id)
        finish(job, status=Status.FAILED, error="Something went wrong on the worker; try again.")
    finally:
        run.stop_heartbeat.set()
        shutil.rmtree(workdir / "data", ignore_errors=True)


def finish(job: Job, *, status: str, error: str) -> None:
    Job.objects.filter(id=job.id, status=Status.RUNNING).update(
        status=status, error=error, finished_at=timezone.now(), updated_at=timezone.now()
    )
    job_notify(job_id=job.id, lesson_id=job.lesson_id)
