"""The contract's job object."""

from classifier.models import Job, Status


def iso(moment):
    return moment.isoformat() if moment else None


def job_json(job: Job, *, queue_position: int | None = None) -> dict:
    if queue_position is None and job.status == Status.QUEUED:
        queue_position = Job.objects.filter(status=Status.QUEUED, id__lt=job.id).count() + 1
    return {
        "id": job.id,
        "url": job.url,
        "status": job.status,
        "stage": job.stage,
        "progress": round(job.progress, 4),
        "queue_position": queue_position if job.status == Status.QUEUED else None,
        "labels": job.labels,
        "images_per_label": job.images_per_label,
        "epochs": job.epochs,
        "mode": job.mode,
        "counts": job.counts,
        "epochs_done": job.epochs_done,
        "metrics": job.metrics,
        "samples": job.samples,
        "losses": job.losses,
        "error": job.error,
        "attempts": job.attempts,
        "student": job.student.name or job.student.tag,
        "model_url": f"/api/jobs/{job.id}/model" if job.status == Status.SUCCEEDED else None,
        "created_at": iso(job.created_at),
        "updated_at": iso(job.updated_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
    }
