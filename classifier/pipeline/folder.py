"""The folder image source: one sub-folder per label, for classrooms without internet (and tests)."""

from pathlib import Path

from classifier.pipeline import StageError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"}


def folder_images(root: Path, labels: list[str], per_label: int) -> dict[str, list[Path]]:
    """Matches labels to sub-folders ignoring case. A label is compared with folder names, never joined
    into a path, so no label can reach outside the folder."""
    folders = {child.name.lower(): child for child in root.iterdir() if child.is_dir() and not child.is_symlink()}
    missing = [label for label in labels if label.lower() not in folders]
    if missing:
        known = ", ".join(sorted(folders)) or "none"
        raise StageError(f"No images for {', '.join(missing)} in the class image folder (it has: {known}).")
    files = {}
    for label in labels:
        candidates = sorted(
            p
            for p in folders[label.lower()].iterdir()
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and not p.is_symlink()
        )
        files[label] = candidates[:per_label]
    return files
