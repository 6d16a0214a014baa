"""docker-compose.yml for a school: valid, and web and worker run the same image on the same services."""

import os
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# An empty env file: the project's own .env (make run's SECRET_KEY) must not leak into the check.
EMPTY_ENV = str(ROOT / "tests" / "compose-empty.env")


def compose_config() -> dict:
    env = {**os.environ, "SECRET_KEY": "compose-test-key"}
    subprocess.run(["docker-compose", "--env-file", EMPTY_ENV, "config", "-q"], cwd=ROOT, env=env, check=True)
    output = subprocess.run(
        ["docker-compose", "--env-file", EMPTY_ENV, "config"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return yaml.safe_load(output.stdout)


def test_compose_file_is_valid_and_web_and_worker_share_image_and_services():
    services = compose_config()["services"]
    assert {"postgres", "redis", "web", "worker", "migrate"} <= set(services)
    web, worker = services["web"], services["worker"]
    assert web["image"] == worker["image"] == services["migrate"]["image"]
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        assert web["environment"][name] == worker["environment"][name]
    assert web["environment"]["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in web["environment"]["DATABASE_URL"]
    assert web["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert worker["command"][:3] == ["celery", "-A", "config"]


def test_compose_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        ["docker-compose", "--env-file", EMPTY_ENV, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
