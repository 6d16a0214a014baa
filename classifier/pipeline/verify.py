"""Verify: keep only images that open, as RGB with the longest side at most 400 px, without duplicates."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from classifier.pipeline import Progress, StageError, no_progress
from classifier.pipeline.images import NotAnImage, open_rgb

MAX_SIDE = 400
MIN_PER_LABEL = 5


@dataclass
class VerifyResult:
    dataset_dir: Path
    counts: dict[str, int]
    dropped: int


def verify_images(
    files: dict[str, list[Path]],
    *,
    dataset_dir: Path,
    per_label: int,
    min_per_label: int = MIN_PER_LABEL,
    progress: Progress = no_progress,
) -> VerifyResult:
    """Writes up to `per_label` images as `dataset_dir/<label>/<hash>.jpg`, the layout `parent_label` reads."""
    total = sum(len(paths) for paths in files.values()) or 1
    seen: set[str] = set()
    counts: dict[str, int] = {}
    dropped = done = 0
    for label, paths in files.items():
        label_dir = dataset_dir / label
        label_dir.mkdir(parents=True, exist_ok=True)
        counts[label] = 0
        for path in paths:
            done += 1
            progress(done / total)
            if counts[label] >= per_label:
                continue
            try:
                image = open_rgb(path)
            except NotAnImage:
                dropped += 1
                continue
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            digest = hashlib.sha256(image.tobytes()).hexdigest()[:24]
            if digest in seen:  # the same photo under two URLs (or in two labels) teaches nothing
                dropped += 1
                continue
            seen.add(digest)
            image.save(label_dir / f"{digest}.jpg", quality=90)
            counts[label] += 1
    short = [label for label, n in counts.items() if n < min_per_label]
    if short:
        raise StageError(
            f"Too few usable images for {', '.join(short)} (need at least {min_per_label}): "
            "try a more common label or more images per label."
        )
    return VerifyResult(dataset_dir=dataset_dir, counts=counts, dropped=dropped)
