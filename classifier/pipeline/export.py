"""Export: the fastai learner, written to a temporary name and renamed, so a reader never sees half a file."""

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ExportResult:
    path: Path
    size: int


def export_model(learn, target: Path) -> ExportResult:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    learn.export(temporary.resolve())
    temporary.replace(target)
    return ExportResult(path=target, size=target.stat().st_size)
