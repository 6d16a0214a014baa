"""A student's training job: its settings, where it is, and what it produced."""

from django.db import models

from classroom.models import Lesson, Student


class Status(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Stage(models.TextChoices):
    QUEUED = "queued"
    SEARCH = "search"
    DOWNLOAD = "download"
    VERIFY = "verify"
    TRAIN = "train"
    EXPORT = "export"
    DONE = "done"


class Mode(models.TextChoices):
    QUICK = "quick"
    FINETUNE = "finetune"


ACTIVE = [Status.QUEUED, Status.RUNNING]


class Job(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="jobs")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="jobs")
    labels = models.JSONField()
    images_per_label = models.PositiveIntegerField(default=150)
    epochs = models.PositiveIntegerField(default=3)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.QUICK)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.QUEUED)
    progress = models.FloatField(default=0.0)
    counts = models.JSONField(default=dict)
    epochs_done = models.JSONField(default=list)
    metrics = models.JSONField(default=dict)
    samples = models.JSONField(default=list)
    losses = models.JSONField(default=list)
    error = models.TextField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    model_file = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set on every change: a page drops a pushed job object older than the one it already shows.
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def url(self) -> str:
        return f"/jobs/{self.id}/"

    @property
    def is_finished(self) -> bool:
        return self.status in (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE
