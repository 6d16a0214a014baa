"""Parallel image downloads, careful about where they go and what they bring back.

http(s) only, a few redirects each checked again, never a loopback or private address unless allowed
(tests), image content types only, at most 10 MB, a timeout per request. Files are cached by URL and
shared between jobs, so a class downloading the same birds fetches each once.
"""

import hashlib
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from classifier.pipeline import Progress, no_progress

MAX_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 3
TIMEOUT = (5, 10)  # connect, read (per chunk)
DEADLINE_S = 30  # per image, whatever the server does
WORKERS = 32
USER_AGENT = "Mozilla/5.0 (classroom-companion image downloader)"


class Refused(Exception):
    pass


@dataclass
class DownloadResult:
    files: dict[str, list[Path]]
    failures: int


def check_address(url: str, *, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https")
    if allow_private:
        return
    for info in socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise Refused(f"{address} is not a public address")


def cache_path(cache_dir: Path, url: str) -> Path:
    digest = hashlib.sha256(url.encode()).hexdigest()
    return cache_dir / digest[:2] / digest


def fetch(url: str, *, cache_dir: Path, allow_private: bool, session: requests.Session) -> Path:
    """One image into the shared cache (temporary name, then rename), or `Refused`."""
    target = cache_path(cache_dir, url)
    if target.exists():
        return target
    started = time.monotonic()
    for _ in range(MAX_REDIRECTS + 1):
        check_address(url, allow_private=allow_private)
        with session.get(url, timeout=TIMEOUT, stream=True, allow_redirects=False) as response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("Location", ""))
                continue
            if response.status_code != 200:
                raise Refused(f"HTTP {response.status_code}")
            if not response.headers.get("Content-Type", "").lower().startswith("image/"):
                raise Refused("not an image content type")
            if int(response.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise Refused("too large")
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f"{target.name}.{id(response)}.part")
            size = 0
            try:
                with open(temporary, "wb") as out:
                    for chunk in response.iter_content(64 * 1024):
                        size += len(chunk)
                        if size > MAX_BYTES:
                            raise Refused("too large")
                        if time.monotonic() - started > DEADLINE_S:
                            raise Refused("too slow")
                        out.write(chunk)
                temporary.replace(target)
            finally:
                temporary.unlink(missing_ok=True)
            return target
    raise Refused("too many redirects")


def download_images(
    urls: dict[str, list[str]],
    per_label: int,
    *,
    cache_dir: Path,
    allow_private: bool = False,
    progress: Progress = no_progress,
) -> DownloadResult:
    """Downloads in parallel, a margin over `per_label` each, since verify will drop broken files."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = requests.adapters.HTTPAdapter(pool_connections=WORKERS, pool_maxsize=WORKERS, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    files: dict[str, list[Path]] = {label: [] for label in urls}
    failures = 0
    # Over-ask a little so broken downloads still leave enough.
    jobs = [(label, url) for label, label_urls in urls.items() for url in label_urls[: int(per_label * 1.3) + 5]]
    done = 0
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {
            pool.submit(fetch, url, cache_dir=cache_dir, allow_private=allow_private, session=session): label
            for label, url in jobs
        }
        for future in as_completed(futures):
            label = futures[future]
            done += 1
            try:
                files[label].append(future.result())
            except (Refused, requests.RequestException, OSError, ValueError):
                failures += 1
            progress(done / len(jobs))
    return DownloadResult(files=files, failures=failures)
