"""The internet, faked: a local HTTP server of generated photos (and hostile files), and an image search
that answers with its URLs. This is the only fake in the suite: everything after the search is real."""

import io
import os
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

KINDS = ("bird", "forest")
SERVER_URL_VARIABLE = "TEST_IMAGE_SERVER_URL"


def make_photo(kind: str, seed: int, size: tuple[int, int] = (160, 120)) -> Image.Image:
    """Two kinds anyone can tell apart: a dark bird shape on blue sky, or green woods with brown trunks."""
    rng = random.Random(f"{kind}-{seed}")
    width, height = size
    if kind == "bird":
        image = Image.new("RGB", size, (rng.randint(90, 140), rng.randint(160, 200), rng.randint(220, 255)))
        draw = ImageDraw.Draw(image)
        x, y = rng.randint(20, width - 60), rng.randint(20, height - 50)
        draw.ellipse((x, y, x + rng.randint(35, 55), y + rng.randint(20, 30)), fill=(rng.randint(60, 120), 40, 20))
        draw.polygon([(x + 10, y + 10), (x - 15, y - 15), (x + 25, y + 5)], fill=(50, 30, 20))
    else:
        image = Image.new("RGB", size, (rng.randint(20, 60), rng.randint(110, 160), rng.randint(20, 60)))
        draw = ImageDraw.Draw(image)
        for _ in range(rng.randint(4, 8)):
            x = rng.randint(0, width)
            draw.rectangle((x, 0, x + rng.randint(5, 12), height), fill=(rng.randint(80, 110), 60, 30))
    for _ in range(300):  # a little noise, so no two photos are duplicates
        image.putpixel((rng.randrange(width), rng.randrange(height)), tuple(rng.randrange(256) for _ in range(3)))
    return image


def jpeg_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status: int, body: bytes, content_type: str = "image/jpeg", **headers):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        delay = self.server.delay_s
        if delay:
            time.sleep(delay)
        if parts[0] == "photos" and len(parts) == 3 and parts[1] in KINDS:
            return self.reply(200, jpeg_bytes(make_photo(parts[1], int(parts[2].split(".")[0]))))
        if parts[0] == "slow":
            time.sleep(float(os.environ.get("TEST_SLOW_IMAGE_S", "1.5")))
            return self.reply(200, jpeg_bytes(make_photo(parts[1], int(parts[2].split(".")[0]))))
        if parts[0] == "broken":
            return self.reply(200, jpeg_bytes(make_photo("bird", 999))[:400])
        if parts[0] == "huge":
            return self.reply(200, b"\xff\xd8" + b"\0" * (11 * 1024 * 1024))
        if parts[0] == "page":
            return self.reply(200, b"<html>not a photo</html>", "text/html")
        if parts[0] == "redirect":
            self.send_response(302)
            self.send_header("Location", "/photos/" + "/".join(parts[1:]))
            self.send_header("Content-Length", "0")
            return self.end_headers()
        return self.reply(404, b"not found", "text/plain")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a downloader hanging up on the oversized file is the point, not an error


class ImageServer:
    def __init__(self, delay_s: float = 0.0):
        self.httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self.httpd.delay_s = delay_s
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def label_of(query: str) -> str:
    for suffix in (" sun photo", " shade photo", " photo"):
        if query.endswith(suffix):
            return query.removesuffix(suffix)
    return query


def local_image_search(query: str, wanted: int) -> list[str]:
    """Stands in for DuckDuckGo: photos of the known kinds, with every kind of bad result mixed in."""
    base = os.environ[SERVER_URL_VARIABLE]
    label = label_of(query).lower()
    if label not in KINDS:
        return []
    offset = {"photo": 0, "sun photo": 1000, "shade photo": 2000}[query.lower().removeprefix(label + " ")]
    hostile = [
        f"{base}/broken/1.jpg",
        f"{base}/missing/1.jpg",
        f"{base}/huge/1.jpg",
        f"{base}/page/1.html",
        "ftp://example.invalid/x.jpg",
        f"{base}/redirect/{label}/{offset + 900}.jpg",
    ]
    photos = [f"{base}/photos/{label}/{offset + n}.jpg" for n in range(wanted)]
    return hostile + photos


def slow_image_search(query: str, wanted: int) -> list[str]:
    """Every photo takes a while: a job stays in its download stage long enough to cancel or kill."""
    base = os.environ[SERVER_URL_VARIABLE]
    label = label_of(query).lower()
    return [f"{base}/slow/{label}/{n}.jpg" for n in range(wanted)] if label in KINDS else []
