"""Training jobs on real photos, through the real API and a real worker, against the lesson's own recipe.

    python bench/training.py [../shared/datasets/bird-forest] [--per-label 200]

Prints seconds from submit to succeeded and validation accuracy for: quick (cold caches), quick (warm: a
second student, same photos), finetune, and the lesson recipe (bench/lesson_recipe.py) on the same photos,
with each ratio to the recipe; the first `predict` a fresh web process answers, 5 s after its student opened
the job page. Then: 400 images downloaded from a local server that adds 200 ms a response.
"""

import argparse
import io
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.servers import System  # noqa: E402

DEFAULT_DATASET = ROOT.parent / "shared" / "datasets" / "bird-forest"


class StudentBrowser:
    def __init__(self, system: System, code: str):
        self.system, self.code = system, code
        self.session = requests.Session()
        self.session.get(f"{system.url}/l/{code}/", timeout=60)

    def train(self, per_label: int, mode: str, epochs: int = 3) -> dict:
        token = self.session.cookies.get("csrftoken") or ""
        submitted = time.monotonic()
        response = self.session.post(
            f"{self.system.url}/api/l/{self.code}/jobs",
            json={"labels": ["bird", "forest"], "images_per_label": per_label, "epochs": epochs, "mode": mode},
            headers={"X-CSRFToken": token, "Referer": self.system.url + "/"},
            timeout=60,
        )
        response.raise_for_status()
        job_id = response.json()["id"]
        while True:
            job = self.session.get(f"{self.system.url}/api/jobs/{job_id}", timeout=60).json()
            if job["status"] in ("succeeded", "failed", "cancelled"):
                break
            time.sleep(0.1)
        if job["status"] != "succeeded":
            raise RuntimeError(f"{mode} job ended {job['status']}: {job['error']}")
        return {
            "job": job_id,
            "seconds": round(time.monotonic() - submitted, 1),
            "accuracy": job["metrics"]["accuracy"],
            "counts": job["counts"],
        }

    def upload(self, job_id: int, data: bytes, name: str, content_type: str) -> requests.Response:
        return self.session.post(
            f"{self.system.url}/api/jobs/{job_id}/predict",
            files={"image": (name, data, content_type)},
            headers={"X-CSRFToken": self.session.cookies.get("csrftoken") or "", "Referer": self.system.url + "/"},
            timeout=120,
        )

    def first_predict(self, job_id: int, photo: Path) -> float:
        """Open the job page, take a few seconds to pick a photo, as a student does, then time `predict`."""
        self.session.get(f"{self.system.url}/jobs/{job_id}/", timeout=60).raise_for_status()
        time.sleep(5)
        self.session.close()  # uvicorn drops idle keep-alive connections after 5 s: a browser would reconnect
        started = time.monotonic()
        self.upload(job_id, photo.read_bytes(), photo.name, "image/jpeg").raise_for_status()
        return round(time.monotonic() - started, 2)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024, 1)


def hostile_uploads(student: StudentBrowser, job_id: int, photo: Path) -> dict:
    """The web process's peak memory before and after the uploads that #5 names: each must be a 400."""
    from PIL import Image

    bomb = io.BytesIO()
    Image.new("1", (20000, 20000)).save(bomb, "PNG")
    jpeg = photo.read_bytes()
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    cases = {
        "not an image": (b"hello, I am text", "notes.txt", "text/plain"),
        "truncated jpeg": (jpeg[: len(jpeg) // 3], "cut.jpg", "image/jpeg"),
        "20000 x 20000 decompression bomb": (bomb.getvalue(), "bomb.png", "image/png"),
        "50 MB": (b"\xff\xd8" + b"\0" * (50 * 1024 * 1024), "huge.jpg", "image/jpeg"),
        "svg with a script": (svg, "x.svg", "image/svg+xml"),
        "zip and jpeg": (b"PK\x03\x04" + jpeg, "both.jpg", "image/jpeg"),
    }
    web = student.system.web.pid
    before = peak_rss_mb(web)
    answers = {case: student.upload(job_id, *upload).status_code for case, upload in cases.items()}
    return {"answers": answers, "web_peak_rss_mb_before": before, "web_peak_rss_mb_after": peak_rss_mb(web)}


def download_benchmark() -> dict:
    from classifier.pipeline.download import download_images
    from tests.image_server import ImageServer

    server = ImageServer(delay_s=0.2)
    try:
        urls = {kind: [f"{server.url}/photos/{kind}/{n}.jpg" for n in range(200)] for kind in ("bird", "forest")}
        with tempfile.TemporaryDirectory() as cache:
            started = time.monotonic()
            result = download_images(urls, 154, cache_dir=Path(cache), allow_private=True)
            seconds = time.monotonic() - started
        return {"images": sum(len(v) for v in result.files.values()), "seconds": round(seconds, 2), "delay_ms": 200}
    finally:
        server.close()


def main(args):
    dataset = Path(args.dataset).resolve()
    workdir = Path(tempfile.mkdtemp(prefix="training-bench-"))
    system = System(workdir, IMAGE_SOURCE=f"folder:{dataset}", JOB_TIME_LIMIT_S=1800)
    system.start_redis()
    system.migrate()
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from classroom.services import lesson_create

    lesson = lesson_create(owner=get_user_model().objects.create_user("bench"), title="Benchmark")
    system.start_web()
    system.start_worker()
    report = {"dataset": str(dataset), "per_label": args.per_label}
    try:
        for name, mode in (("quick_cold", "quick"), ("quick_warm", "quick"), ("finetune", "finetune")):
            student = StudentBrowser(system, lesson.code)
            report[name] = student.train(args.per_label, mode)
            print(name, report[name], flush=True)
            if name == "quick_cold":  # the web process has not loaded PyTorch yet
                photo = sorted((dataset / "bird").iterdir())[0]
                report["first_predict_seconds"] = student.first_predict(report[name]["job"], photo)
                report["hostile_uploads"] = hostile_uploads(student, report[name]["job"], photo)
    finally:
        system.stop()
    # The recipe reads the same verified photos the jobs used (the job folder keeps none, so verify again).
    from classifier.pipeline.folder import folder_images
    from classifier.pipeline.verify import verify_images

    photos = workdir / "recipe-photos"
    verify_images(
        folder_images(dataset, ["bird", "forest"], args.per_label), dataset_dir=photos, per_label=args.per_label
    )
    output = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "lesson_recipe.py"),
            str(photos),
            str(workdir / "media" / "cache" / "models"),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report["lesson_recipe"] = json.loads(re.findall(r"\{.*\}", output)[-1])
    reference = report["lesson_recipe"]["seconds"]
    for name in ("quick_cold", "quick_warm", "finetune"):
        report[name]["times_faster_than_recipe"] = round(reference / report[name]["seconds"], 2)
    report["download"] = download_benchmark()
    print(json.dumps(report, indent=2))
    print(
        "\ntraining: recipe {r}s acc {ra}; quick cold {qc}s (×{qcx}) acc {qca}; quick warm {qw}s (×{qwx}); "
        "finetune {f}s (×{fx}) acc {fa}; first predict {p}s; "
        "download {d} images in {ds}s with 200 ms a response; hostile uploads answered {h}, web peak RSS "
        "{hb} MB before, {ha} MB after".format(
            r=reference,
            ra=report["lesson_recipe"]["accuracy"],
            qc=report["quick_cold"]["seconds"],
            qcx=report["quick_cold"]["times_faster_than_recipe"],
            qca=report["quick_cold"]["accuracy"],
            qw=report["quick_warm"]["seconds"],
            qwx=report["quick_warm"]["times_faster_than_recipe"],
            f=report["finetune"]["seconds"],
            fx=report["finetune"]["times_faster_than_recipe"],
            fa=report["finetune"]["accuracy"],
            p=report["first_predict_seconds"],
            h=sorted(set(report["hostile_uploads"]["answers"].values())),
            hb=report["hostile_uploads"]["web_peak_rss_mb_before"],
            ha=report["hostile_uploads"]["web_peak_rss_mb_after"],
            d=report["download"]["images"],
            ds=report["download"]["seconds"],
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", default=str(DEFAULT_DATASET))
    parser.add_argument("--per-label", type=int, default=200)
    main(parser.parse_args())
