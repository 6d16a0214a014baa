"""Opening untrusted images safely: raster formats only, a pixel bound, EXIF orientation, RGB."""

from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps

MAX_PIXELS = 40_000_000  # a 20,000 × 20,000 "bomb" is refused before it is decoded
RASTER_FORMATS = {"JPEG", "PNG", "GIF", "WEBP", "BMP", "TIFF", "MPO"}


class NotAnImage(Exception):
    """The file cannot be used as a photo; the message says why, for the person who sent it."""


def open_rgb(source: Path | BinaryIO) -> Image.Image:
    try:
        image = Image.open(source)
    except Image.DecompressionBombError as exc:
        raise NotAnImage("That image has too many pixels.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise NotAnImage("That file is not an image we can read (use a JPEG, PNG, GIF, WebP or BMP photo).") from exc
    if image.format not in RASTER_FORMATS:
        raise NotAnImage(f"{image.format or 'That'} files are not supported: use a JPEG, PNG, GIF, WebP or BMP photo.")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise NotAnImage(f"That image is too large ({width} × {height} pixels); at most {MAX_PIXELS:,} pixels.")
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage("That image is broken or truncated.") from exc
