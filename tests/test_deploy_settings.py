"""Production settings: `check --deploy` is clean behind HTTPS, and the site refuses to start without a key."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path, reliability):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(60),
        SECURE="1",
        DEBUG="0",
        ALLOWED_HOSTS="school.example",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    reliability(
        "Configuration",
        "`manage.py check --deploy` with SECURE=1",
        "no issues: secure cookies, HSTS, HTTPS redirect",
        "",
    )


def test_without_a_secret_key_the_site_does_not_start(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()",
        ],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT), "VAR_DIR": str(tmp_path), "ENV_FILE": str(tmp_path / "none.env")},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
