"""Image search: DuckDuckGo through ddgs, cached per query and throttled across every worker on a host.

A class of 30 launching bird-vs-forest makes one search per label, not 30: results are cached on disk. The
library's author asks users not to hammer the service, so searches are spaced by a file lock.
"""

import fcntl
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ddgs import DDGS
from ddgs.exceptions import DDGSException, RatelimitException, TimeoutException

from classifier.pipeline import Progress, StageError, no_progress

ImageSearch = Callable[[str, int], list[str]]
CACHE_SECONDS = 24 * 3600
MIN_SECONDS_BETWEEN_SEARCHES = 2.0
MAX_PAGES = 5


@dataclass
class SearchResult:
    urls: dict[str, list[str]]


def ddgs_image_search(query: str, wanted: int) -> list[str]:
    """Pages through DuckDuckGo's image results (the "auto" backend returns 35 or 100 at random)."""
    urls: list[str] = []
    try:
        for page in range(1, MAX_PAGES + 1):
            results = DDGS(timeout=15).images(query, max_results=wanted, backend="duckduckgo", page=page)
            new = [r["image"] for r in results if r.get("image") and r["image"] not in urls]
            urls.extend(new)
            if len(urls) >= wanted or not new:
                break
    except RatelimitException as exc:
        raise StageError(
            "The image search is rate-limiting us: wait a few minutes and try again, "
            "or ask the teacher to switch to a local image folder (IMAGE_SOURCE=folder:...)."
        ) from exc
    except (TimeoutException, DDGSException) as exc:
        if urls:
            return urls
        raise StageError(
            "The image search could not be reached: check the internet connection, "
            "or ask the teacher to use a local image folder (IMAGE_SOURCE=folder:...)."
        ) from exc
    return urls


class _Throttle:
    """At most one search every few seconds on this host, across processes (a lock file holds the time)."""

    def __init__(self, path: Path, interval: float):
        self.path = path
        self.interval = interval

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.handle.seek(0)
        last = float(self.handle.read() or 0)
        wait = last + self.interval - time.time()
        if wait > 0:
            time.sleep(wait)
        return self

    def __exit__(self, *exc):
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(time.time()))
        self.handle.flush()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _fresh_cache(path: Path, wanted: int) -> list[str] | None:
    if path.exists() and time.time() - path.stat().st_mtime < CACHE_SECONDS:
        cached = json.loads(path.read_text())
        if len(cached) >= wanted:
            return cached
    return None


def cached_search(query: str, wanted: int, *, cache_dir: Path, image_search: ImageSearch, interval: float) -> list[str]:
    source = f"{image_search.__module__}.{image_search.__qualname__}"
    path = cache_dir / (hashlib.sha256(f"{source}|{query.lower()}".encode()).hexdigest()[:32] + ".json")
    cached = _fresh_cache(path, wanted)
    if cached is not None:
        return cached
    # The lock is held through the search itself, so 30 students asking at once make one search.
    with _Throttle(cache_dir / "throttle.lock", interval):
        cached = _fresh_cache(path, wanted)  # another worker may have searched while we waited
        if cached is not None:
            return cached
        urls = image_search(query, wanted)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(urls))
    temporary.replace(path)
    return urls


def search_images(
    labels: list[str],
    per_label: int,
    *,
    cache_dir: Path,
    image_search: ImageSearch = ddgs_image_search,
    interval: float = MIN_SECONDS_BETWEEN_SEARCHES,
    progress: Progress = no_progress,
) -> SearchResult:
    """The lesson's queries: "<label> photo", then "<label> sun photo" and "<label> shade photo" if short."""
    urls: dict[str, list[str]] = {}
    for index, label in enumerate(labels):
        found: list[str] = []
        for query in (f"{label} photo", f"{label} sun photo", f"{label} shade photo"):
            # Ask for a margin: some downloads fail or turn out broken.
            for url in cached_search(
                query, int(per_label * 1.3) + 5, cache_dir=cache_dir, image_search=image_search, interval=interval
            ):
                if url not in found:
                    found.append(url)
            if len(found) >= per_label * 1.3:
                break
        if not found:
            raise StageError(f'The image search found no pictures for "{label}": try another label.')
        urls[label] = found
        progress((index + 1) / len(labels))
    return SearchResult(urls=urls)
